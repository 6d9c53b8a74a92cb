-- visits without a primary key, and a narrower staging table.
--
-- The loader is the only writer of visits. It knows which visits it has
-- written, so it appends new visits and updates the others in place, and
-- visit_id stays unique by construction: an id is derived from the visit's
-- first event, and the loader loads an event id once (within its
-- de-duplication window). The primary key only cost: an ART index over
-- every visit id, held in memory, rewritten by checkpoints and larger
-- than the table itself, and an upsert slower than the update it stands
-- for.
--
-- DuckDB cannot drop a primary key in place, so the table is rebuilt: a new
-- table, the rows copied (ordered by start, which keeps the zone maps on
-- started_at tight for the loader's and the reports' time filters), the old
-- table dropped and the new one renamed.
CREATE TABLE visits_v5 (
    visit_id     TEXT NOT NULL,      -- unique: written once by the loader, then updated
    site_id      TEXT NOT NULL,
    visitor_id   TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    started_at   TIMESTAMP NOT NULL,
    ended_at     TIMESTAMP NOT NULL,
    entry_page   TEXT NOT NULL,
    exit_page    TEXT NOT NULL,
    hostname     TEXT NOT NULL,
    referrer     TEXT NOT NULL,
    source       TEXT NOT NULL,
    channel      TEXT NOT NULL,
    utm_source   TEXT NOT NULL,
    utm_medium   TEXT NOT NULL,
    utm_campaign TEXT NOT NULL,
    utm_term     TEXT NOT NULL,
    utm_content  TEXT NOT NULL,
    browser      TEXT NOT NULL,
    os           TEXT NOT NULL,
    device       TEXT NOT NULL,
    country      TEXT NOT NULL,
    region       TEXT NOT NULL,
    city         TEXT NOT NULL,
    pageviews    INTEGER NOT NULL,
    events       INTEGER NOT NULL,   -- pageviews + custom events
    interactions INTEGER NOT NULL,   -- pageviews + interactive custom events
    is_bounce    BOOLEAN NOT NULL,
    duration_s   INTEGER NOT NULL,
    updated_at   TIMESTAMP NOT NULL  -- last time the loader changed it (wall clock)
);
INSERT INTO visits_v5 SELECT * FROM visits ORDER BY started_at;
DROP TABLE visits;
ALTER TABLE visits_v5 RENAME TO visits;

-- The loader stages the visits of a batch that are already in visits, with
-- the columns a later event can change, then merges them into visits with
-- one statement, inside the batch's transaction.
DROP TABLE visits_staging;
CREATE TABLE visits_staging (
    visit_id     TEXT NOT NULL,
    stored_start TIMESTAMP NOT NULL, -- the visit's started_at in visits, which finds its row
    start_moved  BOOLEAN NOT NULL,   -- an earlier event came: the row is deleted and appended again
    user_id      TEXT NOT NULL,
    ended_at     TIMESTAMP NOT NULL,
    entry_page   TEXT NOT NULL,
    exit_page    TEXT NOT NULL,
    pageviews    INTEGER NOT NULL,
    events       INTEGER NOT NULL,
    interactions INTEGER NOT NULL,
    is_bounce    BOOLEAN NOT NULL,
    duration_s   INTEGER NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
