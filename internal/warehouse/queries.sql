-- name: get-last-seq
SELECT last_seq FROM loader_state WHERE stream = ?;

-- name: set-last-seq
INSERT INTO loader_state (stream, last_seq, updated_at) VALUES (?, ?, ?)
ON CONFLICT (stream) DO UPDATE SET last_seq = excluded.last_seq, updated_at = excluded.updated_at;

-- name: merge-visits
-- Applies the staged changes to the visits already written (see
-- writeVisits). A row is found by id and stored start; the parameter, the
-- earliest stored start, lets the scan skip all older row groups. A visit
-- whose start moved is deleted, to be appended again in full. A staged
-- visit without a row is an error rather than a lost change.
MERGE INTO visits USING visits_staging st
ON visits.visit_id = st.visit_id AND visits.started_at = st.stored_start AND visits.started_at >= ?
WHEN MATCHED AND st.start_moved THEN DELETE
WHEN MATCHED THEN UPDATE SET
    user_id = st.user_id, ended_at = st.ended_at, entry_page = st.entry_page, exit_page = st.exit_page,
    pageviews = st.pageviews, events = st.events, interactions = st.interactions, is_bounce = st.is_bounce,
    duration_s = st.duration_s, updated_at = st.updated_at
WHEN NOT MATCHED THEN ERROR 'visit ' || st.visit_id || ' is not in visits';

-- name: clear-staging
DELETE FROM visits_staging;

-- name: open-sessions
-- Visits that ended within the given microseconds of their site's newest
-- visit.
SELECT v.visit_id, v.site_id, v.visitor_id, v.user_id, v.started_at, v.ended_at, v.entry_page, v.exit_page,
    v.hostname, v.referrer, v.source, v.channel, v.utm_source, v.utm_medium, v.utm_campaign, v.utm_term,
    v.utm_content, v.browser, v.os, v.device, v.country, v.region, v.city, v.pageviews, v.events,
    v.interactions, v.updated_at
FROM visits v
JOIN (SELECT site_id, max(ended_at) AS newest FROM visits GROUP BY site_id) n ON n.site_id = v.site_id
WHERE v.ended_at >= n.newest - to_microseconds(CAST(? AS BIGINT));

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
