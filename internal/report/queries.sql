-- name: get-settings
SELECT site_id, workspace_id, recipients, weekly_since, monthly_since, updated_at
FROM digest_subscriptions WHERE workspace_id = ? AND site_id = ?;

-- name: save-settings
INSERT INTO digest_subscriptions (site_id, workspace_id, recipients, weekly_since, monthly_since, updated_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (site_id) DO UPDATE SET workspace_id = excluded.workspace_id, recipients = excluded.recipients,
    weekly_since = excluded.weekly_since, monthly_since = excluded.monthly_since, updated_at = excluded.updated_at;

-- name: list-active-settings
SELECT site_id, workspace_id, recipients, weekly_since, monthly_since, updated_at
FROM digest_subscriptions
WHERE (weekly_since IS NOT NULL OR monthly_since IS NOT NULL) AND recipients <> ''
ORDER BY site_id;

-- name: get-send
SELECT kind, period_start, period_end, recipients, attempts, last_attempt_at, last_error, sent_at
FROM digest_sends WHERE site_id = ? AND kind = ? AND period_start = ?;

-- name: claim-send
INSERT INTO digest_sends (site_id, workspace_id, kind, period_start, period_end, recipients, attempts, last_attempt_at)
VALUES (?, ?, ?, ?, ?, ?, 1, ?)
ON CONFLICT (site_id, kind, period_start) DO UPDATE SET attempts = attempts + 1,
    recipients = excluded.recipients, last_attempt_at = excluded.last_attempt_at;

-- name: mark-sent
UPDATE digest_sends SET sent_at = ?, last_error = '' WHERE site_id = ? AND kind = ? AND period_start = ?;

-- name: mark-failed
UPDATE digest_sends SET last_error = ? WHERE site_id = ? AND kind = ? AND period_start = ?;

-- name: list-sends
SELECT kind, period_start, period_end, recipients, attempts, last_attempt_at, last_error, sent_at
FROM digest_sends WHERE workspace_id = ? AND site_id = ?
ORDER BY period_start DESC, kind LIMIT ?;
