-- name: get-settings
SELECT phone_region, currency FROM crm_settings WHERE workspace_id = ?;

-- name: upsert-settings
INSERT OR REPLACE INTO crm_settings (workspace_id, phone_region, currency, updated_at) VALUES (?, ?, ?, ?);

-- name: list-lifecycle-stages
SELECT key, label, position FROM lifecycle_stages WHERE workspace_id = ? ORDER BY position;

-- name: insert-lifecycle-stage
INSERT INTO lifecycle_stages (workspace_id, key, label, position) VALUES (?, ?, ?, ?);

-- name: delete-lifecycle-stages
DELETE FROM lifecycle_stages WHERE workspace_id = ?;

-- name: count-contacts-in-stage
SELECT count(*) FROM contacts WHERE workspace_id = ? AND lifecycle_stage = ?;

-- name: insert-transition
INSERT INTO lifecycle_transitions (id, workspace_id, contact_id, from_stage, to_stage, occurred_at, cause, cause_id, actor_name)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: list-transitions
SELECT id, contact_id, from_stage, to_stage, occurred_at, cause, cause_id, actor_name
FROM lifecycle_transitions WHERE workspace_id = ? AND contact_id = ? ORDER BY occurred_at, id;

-- name: list-property-defs
SELECT object, key, label, type, options, created_at FROM property_defs
WHERE workspace_id = ? ORDER BY object, label;

-- name: insert-property-def
INSERT INTO property_defs (workspace_id, object, key, label, type, options, created_at) VALUES (?, ?, ?, ?, ?, ?, ?);

-- name: delete-property-def
DELETE FROM property_defs WHERE workspace_id = ? AND object = ? AND key = ?;

-- name: get-contact
SELECT c.id, c.email, c.first_name, c.last_name, c.phone, c.title, c.company_id, coalesce(co.name, ''), c.owner_id,
       c.lifecycle_stage, c.lead_status, c.city, c.country, c.source,
       c.first_touch_channel, c.first_touch_source, c.first_touch_campaign,
       c.last_touch_channel, c.last_touch_source, c.last_touch_campaign,
       c.consent_email, c.props, c.external_id, c.created_at, c.updated_at
FROM contacts c LEFT JOIN companies co ON co.workspace_id = c.workspace_id AND co.id = c.company_id
WHERE c.workspace_id = ? AND c.id = ?;

-- name: find-contact-by-email
SELECT id FROM contacts WHERE workspace_id = ? AND email = ? AND email <> '' LIMIT 1;

-- name: insert-contact
INSERT INTO contacts (id, workspace_id, email, first_name, last_name, phone, title, company_id, owner_id,
    lifecycle_stage, lead_status, city, country, source,
    first_touch_channel, first_touch_source, first_touch_campaign,
    last_touch_channel, last_touch_source, last_touch_campaign,
    consent_email, props, external_id, search, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: update-contact
UPDATE contacts SET email = ?, first_name = ?, last_name = ?, phone = ?, title = ?, company_id = ?, owner_id = ?,
    lifecycle_stage = ?, lead_status = ?, city = ?, country = ?,
    first_touch_channel = ?, first_touch_source = ?, first_touch_campaign = ?,
    last_touch_channel = ?, last_touch_source = ?, last_touch_campaign = ?,
    consent_email = ?, props = ?, external_id = ?, search = ?, updated_at = ?
WHERE workspace_id = ? AND id = ?;

-- name: delete-contact
DELETE FROM contacts WHERE workspace_id = ? AND id = ?;

-- name: delete-contact-identities
DELETE FROM contact_identities WHERE workspace_id = ? AND contact_id = ?;

-- name: delete-contact-deal-links
DELETE FROM deal_contacts WHERE workspace_id = ? AND contact_id = ?;

-- name: count-contacts
SELECT count(*) FROM contacts WHERE workspace_id = ?;

-- name: get-company
SELECT co.id, co.name, co.domain, co.industry, co.employees, co.revenue_band, co.phone, co.city, co.country,
       co.owner_id, co.props, co.external_id,
       (SELECT count(*) FROM contacts c WHERE c.workspace_id = co.workspace_id AND c.company_id = co.id),
       co.created_at, co.updated_at
FROM companies co WHERE co.workspace_id = ? AND co.id = ?;

-- name: find-company-by-domain
SELECT id FROM companies WHERE workspace_id = ? AND domain = ? AND domain <> '' LIMIT 1;

-- name: find-company-by-name
SELECT id FROM companies WHERE workspace_id = ? AND lower(name) = lower(?) ORDER BY created_at LIMIT 1;

-- name: insert-company
INSERT INTO companies (id, workspace_id, name, domain, industry, employees, revenue_band, phone, city, country,
    owner_id, props, external_id, search, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: update-company
UPDATE companies SET name = ?, domain = ?, industry = ?, employees = ?, revenue_band = ?, phone = ?, city = ?,
    country = ?, owner_id = ?, props = ?, external_id = ?, search = ?, updated_at = ?
WHERE workspace_id = ? AND id = ?;

-- name: delete-company
DELETE FROM companies WHERE workspace_id = ? AND id = ?;

-- name: unlink-company-contacts
UPDATE contacts SET company_id = '', updated_at = ?,
    search = lower(first_name || ' ' || last_name || ' ' || email || ' ' || phone || ' ' || title || ' ')
WHERE workspace_id = ? AND company_id = ?;

-- name: rename-company-contacts
-- Contacts' search text ends with their company's name (see contactSearch).
UPDATE contacts SET search = lower(first_name || ' ' || last_name || ' ' || email || ' ' || phone || ' ' || title || ' ' || ?)
WHERE workspace_id = ? AND company_id = ?;

-- name: unlink-company-deals
UPDATE deals SET company_id = '', updated_at = ? WHERE workspace_id = ? AND company_id = ?;

-- name: list-pipelines
SELECT id, name, position FROM pipelines WHERE workspace_id = ? ORDER BY position, name;

-- name: list-stages
SELECT id, pipeline_id, name, position, probability, outcome FROM pipeline_stages
WHERE workspace_id = ? ORDER BY pipeline_id, position;

-- name: insert-pipeline
INSERT INTO pipelines (id, workspace_id, name, position, created_at) VALUES (?, ?, ?, ?, ?);

-- name: insert-stage
INSERT INTO pipeline_stages (id, workspace_id, pipeline_id, name, position, probability, outcome)
VALUES (?, ?, ?, ?, ?, ?, ?);

-- name: update-stage
UPDATE pipeline_stages SET name = ?, position = ?, probability = ?, outcome = ? WHERE workspace_id = ? AND id = ?;

-- name: get-deal
SELECT d.id, d.name, d.pipeline_id, d.stage_id, d.amount, d.currency, coalesce(strftime(d.close_date, '%Y-%m-%d'), ''),
       d.company_id, d.owner_id, d.props, d.external_id, d.created_at, d.updated_at, d.closed_at
FROM deals d WHERE d.workspace_id = ? AND d.id = ?;

-- name: insert-deal
INSERT INTO deals (id, workspace_id, name, pipeline_id, stage_id, amount, currency, close_date, company_id, owner_id,
    props, external_id, created_at, updated_at, closed_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: update-deal
UPDATE deals SET name = ?, pipeline_id = ?, stage_id = ?, amount = ?, currency = ?, close_date = ?, company_id = ?,
    owner_id = ?, props = ?, external_id = ?, updated_at = ?, closed_at = ?
WHERE workspace_id = ? AND id = ?;

-- name: delete-deal
DELETE FROM deals WHERE workspace_id = ? AND id = ?;

-- name: list-deal-contacts
SELECT contact_id FROM deal_contacts WHERE workspace_id = ? AND deal_id = ? ORDER BY contact_id;

-- name: insert-deal-contact
INSERT OR IGNORE INTO deal_contacts (workspace_id, deal_id, contact_id) VALUES (?, ?, ?);

-- name: delete-deal-contacts
DELETE FROM deal_contacts WHERE workspace_id = ? AND deal_id = ?;

-- name: list-contact-deals
SELECT deal_id FROM deal_contacts WHERE workspace_id = ? AND contact_id = ? ORDER BY deal_id;

-- name: insert-deal-stage-change
INSERT INTO deal_stage_changes (id, workspace_id, deal_id, from_stage_id, to_stage_id, occurred_at, actor_name)
VALUES (?, ?, ?, ?, ?, ?, ?);

-- name: delete-deal-stage-changes
DELETE FROM deal_stage_changes WHERE workspace_id = ? AND deal_id = ?;

-- name: contact-exists
SELECT count(*) FROM contacts WHERE workspace_id = ? AND id = ?;

-- name: company-exists
SELECT count(*) FROM companies WHERE workspace_id = ? AND id = ?;

-- name: deal-exists
SELECT count(*) FROM deals WHERE workspace_id = ? AND id = ?;

-- name: insert-note
INSERT INTO notes (id, workspace_id, object_type, object_id, body, author_id, author_name, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?);

-- name: list-notes
SELECT id, object_type, object_id, body, author_name, created_at FROM notes
WHERE workspace_id = ? AND object_id = ? ORDER BY created_at DESC, id DESC;

-- name: delete-object-notes
DELETE FROM notes WHERE workspace_id = ? AND object_id = ?;

-- name: insert-task
INSERT INTO tasks (id, workspace_id, object_type, object_id, title, due_at, assignee_id, done_at, created_by, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?);

-- name: list-tasks
SELECT id, object_type, object_id, title, due_at, assignee_id, done_at, created_at FROM tasks
WHERE workspace_id = ? AND object_id = ? ORDER BY done_at IS NOT NULL, due_at NULLS LAST, created_at;

-- name: get-task
SELECT id, object_type, object_id, title, due_at, assignee_id, done_at, created_at FROM tasks
WHERE workspace_id = ? AND id = ?;

-- name: set-task-done
UPDATE tasks SET done_at = ? WHERE workspace_id = ? AND id = ?;

-- name: delete-object-tasks
DELETE FROM tasks WHERE workspace_id = ? AND object_id = ?;

-- name: insert-consent
INSERT INTO consent_records (id, workspace_id, contact_id, purpose, granted, source, source_id, detail, occurred_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: list-consents
SELECT id, purpose, granted, source, source_id, detail, occurred_at FROM consent_records
WHERE workspace_id = ? AND contact_id = ? ORDER BY occurred_at, id;

-- The timeline: a contact's visits and custom events, found through its
-- identities on the workspace's sites. visitor_key is compared first (an
-- integer, fast to scan), the id itself after it.

-- name: list-contact-visits
WITH ids AS (SELECT kind, value, md5_number_lower(value) AS vk FROM contact_identities
             WHERE workspace_id = ? AND contact_id = ?),
     ws_sites AS (SELECT id, domain FROM sites WHERE workspace_id = ?)
SELECT v.started_at, v.ended_at, s.domain, v.entry_page, v.exit_page, v.pageviews, v.channel, v.source, v.utm_campaign, v.duration_s
FROM visits v JOIN ws_sites s ON s.id = v.site_id
WHERE (v.visitor_key IN (SELECT vk FROM ids WHERE kind = 'visitor') AND v.visitor_id IN (SELECT value FROM ids WHERE kind = 'visitor'))
   OR (v.user_id <> '' AND v.user_id IN (SELECT value FROM ids WHERE kind = 'user'))
ORDER BY v.started_at DESC LIMIT ?;

-- name: list-contact-events
WITH ids AS (SELECT kind, value, md5_number_lower(value) AS vk FROM contact_identities
             WHERE workspace_id = ? AND contact_id = ?),
     ws_sites AS (SELECT id, domain FROM sites WHERE workspace_id = ?)
SELECT e.ts, s.domain, e.name, e.pathname, coalesce(CAST(e.revenue_amount AS DOUBLE), 0), e.revenue_currency
FROM events e JOIN ws_sites s ON s.id = e.site_id
WHERE e.kind = 'custom'
  AND ((e.visitor_key IN (SELECT vk FROM ids WHERE kind = 'visitor') AND e.visitor_id IN (SELECT value FROM ids WHERE kind = 'visitor'))
    OR (e.user_id <> '' AND e.user_id IN (SELECT value FROM ids WHERE kind = 'user')))
ORDER BY e.ts DESC LIMIT ?;

-- Deal stage changes on a timeline: of a contact's deals, a company's, one deal's.

-- name: list-contact-deal-changes
SELECT c.occurred_at, d.name, coalesce(fs.name, ''), coalesce(ts.name, ''), c.actor_name
FROM deal_stage_changes c JOIN deals d ON d.workspace_id = c.workspace_id AND d.id = c.deal_id
LEFT JOIN pipeline_stages fs ON fs.workspace_id = c.workspace_id AND fs.id = c.from_stage_id
LEFT JOIN pipeline_stages ts ON ts.workspace_id = c.workspace_id AND ts.id = c.to_stage_id
WHERE c.workspace_id = ? AND c.deal_id IN (SELECT deal_id FROM deal_contacts WHERE workspace_id = ? AND contact_id = ?)
ORDER BY c.occurred_at DESC LIMIT ?;

-- name: list-company-deal-changes
SELECT c.occurred_at, d.name, coalesce(fs.name, ''), coalesce(ts.name, ''), c.actor_name
FROM deal_stage_changes c JOIN deals d ON d.workspace_id = c.workspace_id AND d.id = c.deal_id
LEFT JOIN pipeline_stages fs ON fs.workspace_id = c.workspace_id AND fs.id = c.from_stage_id
LEFT JOIN pipeline_stages ts ON ts.workspace_id = c.workspace_id AND ts.id = c.to_stage_id
WHERE c.workspace_id = ? AND c.deal_id IN (SELECT id FROM deals WHERE workspace_id = ? AND company_id = ?)
ORDER BY c.occurred_at DESC LIMIT ?;

-- name: list-deal-changes
SELECT c.occurred_at, d.name, coalesce(fs.name, ''), coalesce(ts.name, ''), c.actor_name
FROM deal_stage_changes c JOIN deals d ON d.workspace_id = c.workspace_id AND d.id = c.deal_id
LEFT JOIN pipeline_stages fs ON fs.workspace_id = c.workspace_id AND fs.id = c.from_stage_id
LEFT JOIN pipeline_stages ts ON ts.workspace_id = c.workspace_id AND ts.id = c.to_stage_id
WHERE c.workspace_id = ? AND c.deal_id IN (SELECT id FROM deals WHERE workspace_id = ? AND id = ?)
ORDER BY c.occurred_at DESC LIMIT ?;

-- Identity resolution.

-- name: get-identity-seq
SELECT last_seq FROM crm_identity_state WHERE id = 1;

-- name: set-identity-seq
INSERT OR REPLACE INTO crm_identity_state (id, last_seq, updated_at) VALUES (1, ?, ?);

-- name: list-identity-events
-- The next identify and alias calls after a position, with the workspace
-- of their site. seq only grows, so its zone maps skip what was read.
SELECT e.seq, s.workspace_id, e.site_id, e.kind, e.visitor_id, e.user_id, coalesce(e.traits, '{}'), e.ts
FROM events e JOIN sites s ON s.id = e.site_id
WHERE e.seq > ? AND e.kind IN ('identify', 'alias')
ORDER BY e.seq LIMIT ?;

-- name: find-identity
SELECT contact_id FROM contact_identities WHERE workspace_id = ? AND kind = ? AND value = ?;

-- name: insert-identity
INSERT OR IGNORE INTO contact_identities (workspace_id, kind, value, contact_id, site_id, created_at) VALUES (?, ?, ?, ?, ?, ?);

-- name: list-contact-identities
SELECT kind, value, site_id, created_at FROM contact_identities WHERE workspace_id = ? AND contact_id = ? ORDER BY created_at, kind, value;

-- name: first-visit-of
-- The first and the latest visit of a visitor (or a user id) on a site,
-- for the contact's first and last touch.
SELECT channel, source, utm_campaign FROM visits
WHERE site_id = ? AND ((visitor_key = md5_number_lower(?) AND visitor_id = ?) OR (? <> '' AND user_id = ?))
ORDER BY started_at LIMIT 1;

-- name: last-visit-of
SELECT channel, source, utm_campaign FROM visits
WHERE site_id = ? AND ((visitor_key = md5_number_lower(?) AND visitor_id = ?) OR (? <> '' AND user_id = ?))
ORDER BY started_at DESC LIMIT 1;

-- Imports keep the workspace's keys in memory instead of asking per row.

-- name: list-contact-keys
SELECT id, email, external_id FROM contacts WHERE workspace_id = ?;

-- name: list-company-keys
SELECT id, domain, name FROM companies WHERE workspace_id = ? ORDER BY created_at;

-- name: list-company-external-ids
SELECT id, external_id, '' FROM companies WHERE workspace_id = ? AND external_id <> '';

-- name: list-deal-external-ids
SELECT id, external_id, '' FROM deals WHERE workspace_id = ? AND external_id <> '';

-- name: get-company-name
SELECT name FROM companies WHERE workspace_id = ? AND id = ?;
