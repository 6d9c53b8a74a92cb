-- name: get-last-seq
SELECT last_seq FROM loader_state WHERE stream = ?;

-- name: set-last-seq
INSERT INTO loader_state (stream, last_seq, updated_at) VALUES (?, ?, ?)
ON CONFLICT (stream) DO UPDATE SET last_seq = excluded.last_seq, updated_at = excluded.updated_at;

-- name: merge-visits
INSERT INTO visits SELECT * FROM visits_staging
ON CONFLICT (visit_id) DO UPDATE SET
    user_id = excluded.user_id, started_at = excluded.started_at, ended_at = excluded.ended_at,
    entry_page = excluded.entry_page, exit_page = excluded.exit_page, hostname = excluded.hostname,
    referrer = excluded.referrer, source = excluded.source, channel = excluded.channel,
    utm_source = excluded.utm_source, utm_medium = excluded.utm_medium, utm_campaign = excluded.utm_campaign,
    utm_term = excluded.utm_term, utm_content = excluded.utm_content, browser = excluded.browser,
    os = excluded.os, device = excluded.device, country = excluded.country, region = excluded.region,
    city = excluded.city, pageviews = excluded.pageviews, events = excluded.events,
    interactions = excluded.interactions, is_bounce = excluded.is_bounce, duration_s = excluded.duration_s,
    updated_at = excluded.updated_at;

-- name: clear-staging
DELETE FROM visits_staging;

-- name: open-sessions
SELECT visit_id, site_id, visitor_id, user_id, started_at, ended_at, entry_page, exit_page,
    hostname, referrer, source, channel, utm_source, utm_medium, utm_campaign, utm_term, utm_content,
    browser, os, device, country, region, city, pageviews, events, interactions, updated_at
FROM visits WHERE updated_at >= ?;

-- name: clear-events
DELETE FROM events;

-- name: clear-visits
DELETE FROM visits;

-- name: reset-last-seq
DELETE FROM loader_state WHERE stream = ?;

-- name: recent-event-ids
-- The ids of the events received in the hours the de-duplication window
-- covers, counted back from the latest event received.
SELECT site_id, event_id, received_at FROM events
WHERE received_at >= (SELECT date_trunc('hour', max(received_at)) FROM events) - to_hours(CAST(? AS BIGINT));
