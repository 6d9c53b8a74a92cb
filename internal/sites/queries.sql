-- name: insert-site
INSERT INTO sites (id, workspace_id, domain, timezone, currency, write_key, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?);

-- name: get-site
SELECT id, workspace_id, domain, timezone, currency, write_key, created_at, coalesce(cookie_id, false)
FROM sites WHERE workspace_id = ? AND id = ?;

-- name: find-site
SELECT id, workspace_id, domain, timezone, currency, write_key, created_at, coalesce(cookie_id, false)
FROM sites WHERE id = ? OR domain = ?;

-- name: get-site-by-write-key
SELECT id, workspace_id, domain, timezone, currency, write_key, created_at, coalesce(cookie_id, false)
FROM sites WHERE write_key = ?;

-- name: list-sites
SELECT id, workspace_id, domain, timezone, currency, write_key, created_at, coalesce(cookie_id, false)
FROM sites WHERE workspace_id = ? ORDER BY domain;

-- name: domain-taken
SELECT count(*) FROM sites WHERE domain = ?;

-- name: update-site
UPDATE sites SET timezone = ?, currency = ?, cookie_id = ? WHERE workspace_id = ? AND id = ?;

-- name: set-write-key
UPDATE sites SET write_key = ? WHERE workspace_id = ? AND id = ?;
