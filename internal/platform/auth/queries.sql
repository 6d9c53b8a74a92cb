-- name: count-users
SELECT count(*) FROM users;

-- name: insert-user
INSERT INTO users (id, email, name, password_hash, created_at, password_changed_at)
VALUES (?, ?, ?, ?, ?, ?);

-- name: get-user
SELECT id, email, name, password_hash, created_at, last_login_at FROM users WHERE id = ?;

-- name: get-user-by-email
SELECT id, email, name, password_hash, created_at, last_login_at FROM users WHERE email = ?;

-- name: list-users
SELECT id, email, name, password_hash, created_at, last_login_at FROM users ORDER BY email;

-- name: set-password
UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?;

-- name: set-last-login
UPDATE users SET last_login_at = ? WHERE id = ?;

-- name: insert-session
INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, user_agent)
VALUES (?, ?, ?, ?, ?, ?);

-- name: get-session
SELECT s.user_id, s.created_at, s.last_seen_at, s.expires_at,
       u.id, u.email, u.name, u.password_hash, u.created_at, u.last_login_at
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = ?;

-- name: touch-session
UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?;

-- name: delete-session
DELETE FROM sessions WHERE token_hash = ?;

-- name: delete-user-sessions
DELETE FROM sessions WHERE user_id = ?;

-- name: delete-expired-sessions
DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?;

-- name: insert-workspace
INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?);

-- name: get-workspace
SELECT id, name, created_at FROM workspaces WHERE id = ?;

-- name: list-workspaces
SELECT id, name, created_at FROM workspaces ORDER BY name, id;

-- name: rename-workspace
UPDATE workspaces SET name = ? WHERE id = ?;

-- name: insert-membership
INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES (?, ?, ?, ?);

-- name: get-membership
SELECT role FROM memberships WHERE workspace_id = ? AND user_id = ?;

-- name: set-membership-role
UPDATE memberships SET role = ? WHERE workspace_id = ? AND user_id = ?;

-- name: delete-membership
DELETE FROM memberships WHERE workspace_id = ? AND user_id = ?;

-- name: count-owners
SELECT count(*) FROM memberships WHERE workspace_id = ? AND role = 'owner';

-- name: list-user-workspaces
SELECT w.id, w.name, w.created_at, m.role
FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
WHERE m.user_id = ?
ORDER BY w.name, w.id;

-- name: list-members
SELECT u.id, u.email, u.name, m.role, m.created_at, u.last_login_at
FROM memberships m JOIN users u ON u.id = m.user_id
WHERE m.workspace_id = ?
ORDER BY u.email;

-- name: insert-invitation
INSERT INTO invitations (id, workspace_id, token_hash, email, role, created_by, created_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?);

-- name: get-invitation-by-token
SELECT i.id, i.workspace_id, w.name, i.email, i.role, i.created_by, i.created_at, i.expires_at, i.accepted_at, i.revoked_at
FROM invitations i JOIN workspaces w ON w.id = i.workspace_id
WHERE i.token_hash = ?;

-- name: get-invitation
SELECT i.id, i.workspace_id, w.name, i.email, i.role, i.created_by, i.created_at, i.expires_at, i.accepted_at, i.revoked_at
FROM invitations i JOIN workspaces w ON w.id = i.workspace_id
WHERE i.workspace_id = ? AND i.id = ?;

-- name: list-open-invitations
SELECT i.id, i.workspace_id, w.name, i.email, i.role, i.created_by, i.created_at, i.expires_at, i.accepted_at, i.revoked_at
FROM invitations i JOIN workspaces w ON w.id = i.workspace_id
WHERE i.workspace_id = ? AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ?
ORDER BY i.created_at DESC;

-- name: accept-invitation
UPDATE invitations SET accepted_at = ?, accepted_by = ? WHERE id = ?;

-- name: revoke-invitation
UPDATE invitations SET revoked_at = ? WHERE workspace_id = ? AND id = ?;

-- name: insert-api-key
INSERT INTO api_keys (id, workspace_id, name, prefix, key_hash, scopes, created_by, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?);

-- name: get-api-key-by-hash
SELECT id, workspace_id, name, prefix, scopes, created_by, created_at, last_used_at, revoked_at
FROM api_keys WHERE key_hash = ?;

-- name: get-api-key
SELECT id, workspace_id, name, prefix, scopes, created_by, created_at, last_used_at, revoked_at
FROM api_keys WHERE id = ?;

-- name: list-api-keys
SELECT id, workspace_id, name, prefix, scopes, created_by, created_at, last_used_at, revoked_at
FROM api_keys WHERE workspace_id = ?
ORDER BY revoked_at IS NOT NULL, created_at DESC;

-- name: revoke-api-key
UPDATE api_keys SET revoked_at = ? WHERE id = ?;

-- name: touch-api-key
UPDATE api_keys SET last_used_at = ? WHERE id = ?;

-- name: insert-audit
INSERT INTO audit_log (id, workspace_id, created_at, actor_type, actor_id, actor_name, action, target_type, target_id, before_json, after_json)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: redact-audit
UPDATE audit_log SET
    before_json = CASE WHEN before_json IS NULL THEN NULL ELSE '{"redacted":true}' END,
    after_json = CASE WHEN after_json IS NULL THEN NULL ELSE '{"redacted":true}' END
WHERE workspace_id = ? AND target_type = ? AND target_id = ?;

-- name: list-audit
SELECT id, workspace_id, created_at, actor_type, actor_id, actor_name, action, target_type, target_id, before_json, after_json
FROM audit_log
WHERE workspace_id = ?
  AND (? = '' OR action = ? OR starts_with(action, ? || '.'))
  AND (? = '' OR actor_id = ?)
  AND (? = '' OR target_id = ?)
  AND created_at >= ? AND created_at < ?
  AND (? = '' OR id < ?)
ORDER BY id DESC
LIMIT ?;

-- name: list-audit-actions
SELECT DISTINCT action FROM audit_log WHERE workspace_id = ? ORDER BY action;
