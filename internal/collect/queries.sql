-- name: get-salt
SELECT salt FROM visitor_salts WHERE day = ?;

-- name: insert-salt
INSERT INTO visitor_salts (day, salt, created_at) VALUES (?, ?, ?) ON CONFLICT (day) DO NOTHING;

-- name: delete-old-salts
DELETE FROM visitor_salts WHERE day < ?;
