-- Queries of the duplicate review, merges, data quality and saved views.

-- name: list-dedupe-records
SELECT c.id, c.email, c.phone, c.first_name, c.last_name, coalesce(co.domain, '')
FROM contacts c LEFT JOIN companies co ON co.workspace_id = c.workspace_id AND co.id = c.company_id
WHERE c.workspace_id = ?;

-- name: list-pair-keys
SELECT a_id, b_id, status FROM duplicate_pairs WHERE workspace_id = ?;

-- name: insert-pair
INSERT INTO duplicate_pairs (workspace_id, a_id, b_id, score, reasons, status, found_at, decided_at, decided_by)
VALUES (?, ?, ?, ?, ?, 'open', ?, NULL, '');

-- name: update-open-pair
UPDATE duplicate_pairs SET score = ?, reasons = ? WHERE workspace_id = ? AND a_id = ? AND b_id = ? AND status = 'open';

-- name: delete-stale-open-pairs
DELETE FROM duplicate_pairs WHERE workspace_id = ? AND status = 'open'
    AND (a_id NOT IN (SELECT id FROM contacts WHERE workspace_id = ?) OR b_id NOT IN (SELECT id FROM contacts WHERE workspace_id = ?));

-- name: list-open-pairs
SELECT a_id, b_id, score, reasons, found_at FROM duplicate_pairs
WHERE workspace_id = ? AND status = 'open'
ORDER BY score DESC, a_id, b_id LIMIT ? OFFSET ?;

-- name: count-pairs
SELECT count(*) FILTER (WHERE status = 'open'), count(*) FILTER (WHERE status = 'merged'), count(*) FILTER (WHERE status = 'dismissed')
FROM duplicate_pairs WHERE workspace_id = ?;

-- name: get-pair
SELECT a_id, b_id, score, reasons, found_at FROM duplicate_pairs WHERE workspace_id = ? AND a_id = ? AND b_id = ?;

-- name: decide-pair
UPDATE duplicate_pairs SET status = ?, decided_at = ?, decided_by = ? WHERE workspace_id = ? AND a_id = ? AND b_id = ?;

-- name: close-pairs-of
UPDATE duplicate_pairs SET status = 'merged', decided_at = ?, decided_by = ?
WHERE workspace_id = ? AND status = 'open' AND (a_id = ? OR b_id = ?);

-- name: list-moved-rows
SELECT 'note', id FROM notes WHERE workspace_id = ? AND object_type = 'contact' AND object_id = ?
UNION ALL SELECT 'task', id FROM tasks WHERE workspace_id = ? AND object_type = 'contact' AND object_id = ?
UNION ALL SELECT 'transition', id FROM lifecycle_transitions WHERE workspace_id = ? AND contact_id = ?
UNION ALL SELECT 'consent', id FROM consent_records WHERE workspace_id = ? AND contact_id = ?
UNION ALL SELECT 'identity', kind || ':' || value FROM contact_identities WHERE workspace_id = ? AND contact_id = ?
UNION ALL SELECT 'deal', deal_id FROM deal_contacts WHERE workspace_id = ? AND contact_id = ?;

-- name: move-note
UPDATE notes SET object_id = ? WHERE workspace_id = ? AND object_type = 'contact' AND id = ?;

-- name: move-task
UPDATE tasks SET object_id = ? WHERE workspace_id = ? AND object_type = 'contact' AND id = ?;

-- name: move-transition
UPDATE lifecycle_transitions SET contact_id = ? WHERE workspace_id = ? AND id = ?;

-- name: move-consent
UPDATE consent_records SET contact_id = ? WHERE workspace_id = ? AND id = ?;

-- name: move-identity
UPDATE contact_identities SET contact_id = ? WHERE workspace_id = ? AND kind = ? AND value = ?;

-- name: delete-deal-link
DELETE FROM deal_contacts WHERE workspace_id = ? AND deal_id = ? AND contact_id = ?;

-- name: delete-contact-row
DELETE FROM contacts WHERE workspace_id = ? AND id = ?;

-- name: insert-merge
INSERT INTO contact_merges (id, workspace_id, survivor_id, merged_id, snapshot, merged_at, merged_by, undone_at, undone_by)
VALUES (?, ?, ?, ?, ?, ?, ?, NULL, '');

-- name: get-merge
SELECT id, survivor_id, merged_id, snapshot, merged_at, merged_by, undone_at, undone_by
FROM contact_merges WHERE workspace_id = ? AND id = ?;

-- name: list-merges
SELECT id, survivor_id, merged_id, snapshot, merged_at, merged_by, undone_at, undone_by
FROM contact_merges WHERE workspace_id = ? ORDER BY merged_at DESC, id DESC LIMIT ?;

-- name: later-merges-of
SELECT count(*) FROM contact_merges
WHERE workspace_id = ? AND undone_at IS NULL AND merged_at >= ? AND id <> ?
    AND (survivor_id IN (?, ?) OR merged_id IN (?, ?));

-- name: set-merge-undone
UPDATE contact_merges SET undone_at = ?, undone_by = ? WHERE workspace_id = ? AND id = ?;

-- name: reopen-pair
UPDATE duplicate_pairs SET status = 'open', decided_at = NULL, decided_by = '' WHERE workspace_id = ? AND a_id = ? AND b_id = ?;

-- name: quality-counts
SELECT
    count(*),
    count(*) FILTER (WHERE email = ''),
    count(*) FILTER (WHERE email = '' AND phone = ''),
    count(*) FILTER (WHERE first_name = '' AND last_name = ''),
    count(*) FILTER (WHERE company_id = ''),
    count(*) FILTER (WHERE owner_id = ''),
    count(*) FILTER (WHERE first_touch_channel = ''),
    count(*) FILTER (WHERE lead_status = ''),
    count(*) FILTER (WHERE email <> '' AND NOT consent_email)
FROM contacts WHERE workspace_id = ?;

-- name: quality-company-counts
SELECT count(*), count(*) FILTER (WHERE domain = ''), count(*) FILTER (WHERE industry = ''),
    count(*) FILTER (WHERE id NOT IN (SELECT company_id FROM contacts WHERE workspace_id = ? AND company_id <> ''))
FROM companies WHERE workspace_id = ?;

-- name: list-stored-values
SELECT id, email, phone FROM contacts WHERE workspace_id = ? AND (email <> '' OR phone <> '');

-- name: insert-saved-view
INSERT INTO saved_views (id, workspace_id, object, name, query, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?);

-- name: list-saved-views
SELECT id, name, query, created_by, created_at FROM saved_views WHERE workspace_id = ? AND object = ? ORDER BY lower(name), id;

-- name: get-saved-view
SELECT id, name, query, created_by, created_at FROM saved_views WHERE workspace_id = ? AND object = ? AND id = ?;

-- name: delete-saved-view
DELETE FROM saved_views WHERE workspace_id = ? AND object = ? AND id = ?;

-- GDPR: everything about a contact, and its erasure.

-- name: list-contact-all-events
WITH ids AS (SELECT kind, value, md5_number_lower(value) AS vk FROM contact_identities
             WHERE workspace_id = ? AND contact_id = ?),
     ws_sites AS (SELECT id, domain FROM sites WHERE workspace_id = ?)
SELECT e.ts, s.domain, e.kind, e.name, e.hostname, e.pathname, e.referrer, e.channel, e.source,
    e.utm_source, e.utm_medium, e.utm_campaign, e.browser, e.os, e.device, e.country, e.region, e.city,
    coalesce(CAST(e.props AS TEXT), ''), coalesce(CAST(e.revenue_amount AS DOUBLE), 0), e.revenue_currency
FROM events e JOIN ws_sites s ON s.id = e.site_id
WHERE (e.visitor_key IN (SELECT vk FROM ids WHERE kind = 'visitor') AND e.visitor_id IN (SELECT value FROM ids WHERE kind = 'visitor'))
   OR (e.user_id <> '' AND e.user_id IN (SELECT value FROM ids WHERE kind = 'user'))
ORDER BY e.ts;

-- name: pseudonymise-events
-- The erased person's events stay in the counts but lose every link to
-- them: a new random visitor id, no user id, no traits, no properties,
-- no city.
UPDATE events SET visitor_id = ?, visitor_key = md5_number_lower(?), user_id = '', traits = NULL, props = NULL, city = '', region = ''
WHERE site_id IN (SELECT id FROM sites WHERE workspace_id = ?)
  AND ((visitor_key = md5_number_lower(?) AND visitor_id = ?) OR (? <> '' AND user_id = ?));

-- name: pseudonymise-visits
UPDATE visits SET visitor_id = ?, visitor_key = md5_number_lower(?), user_id = '', city = '', region = ''
WHERE site_id IN (SELECT id FROM sites WHERE workspace_id = ?)
  AND ((visitor_key = md5_number_lower(?) AND visitor_id = ?) OR (? <> '' AND user_id = ?));

-- name: delete-contact-transitions
DELETE FROM lifecycle_transitions WHERE workspace_id = ? AND contact_id = ?;

-- name: delete-contact-consents
DELETE FROM consent_records WHERE workspace_id = ? AND contact_id = ?;

-- name: forget-contact-pairs
DELETE FROM duplicate_pairs WHERE workspace_id = ? AND (a_id = ? OR b_id = ?);

-- name: forget-contact-merges
DELETE FROM contact_merges WHERE workspace_id = ? AND (survivor_id = ? OR merged_id = ?);
