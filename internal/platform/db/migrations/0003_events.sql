-- Events and visits: the warehouse's projection of the event log. Rows are
-- written only by the loader, together with the stream sequence they came
-- from (loader_state) in the same transaction, so the tables can always be
-- rebuilt by replaying the log (`mops reprocess`).

CREATE TABLE events (
    site_id          TEXT NOT NULL,
    seq              UBIGINT NOT NULL,   -- stream sequence of the message
    event_id         TEXT NOT NULL,
    ts               TIMESTAMP NOT NULL, -- UTC
    received_at      TIMESTAMP NOT NULL,
    kind             TEXT NOT NULL,      -- pageview, custom, engagement, identify, group, alias
    name             TEXT NOT NULL,
    visitor_id       TEXT NOT NULL,
    visit_id         TEXT NOT NULL,      -- '' when the event belongs to no visit
    user_id          TEXT NOT NULL,
    origin           TEXT NOT NULL,
    interactive      BOOLEAN NOT NULL,
    hostname         TEXT NOT NULL,
    pathname         TEXT NOT NULL,
    referrer         TEXT NOT NULL,
    source           TEXT NOT NULL,
    channel          TEXT NOT NULL,
    utm_source       TEXT NOT NULL,
    utm_medium       TEXT NOT NULL,
    utm_campaign     TEXT NOT NULL,
    utm_term         TEXT NOT NULL,
    utm_content      TEXT NOT NULL,
    browser          TEXT NOT NULL,
    browser_version  TEXT NOT NULL,
    os               TEXT NOT NULL,
    os_version       TEXT NOT NULL,
    device           TEXT NOT NULL,
    country          TEXT NOT NULL,
    region           TEXT NOT NULL,
    city             TEXT NOT NULL,
    props            MAP(TEXT, TEXT),
    revenue_amount   DECIMAL(18, 4),
    revenue_currency TEXT NOT NULL,
    engaged_ms       BIGINT NOT NULL,
    scroll_depth     SMALLINT NOT NULL,
    traits           TEXT              -- identify/group traits as JSON
);

-- One row per visit; a visit ends after 30 minutes without events. Its
-- dimensions come from its first event.
CREATE TABLE visits (
    visit_id     TEXT PRIMARY KEY,
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

-- The loader appends a batch's changed visits here, then merges them into
-- visits with one statement, inside the batch's transaction.
CREATE TABLE visits_staging AS SELECT * FROM visits WITH NO DATA;

-- Where the loader is in each stream.
CREATE TABLE loader_state (
    stream     TEXT PRIMARY KEY,
    last_seq   UBIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Daily salts for visitor ids; old ones are deleted so yesterday's ids
-- cannot be recomputed.
CREATE TABLE visitor_salts (
    day        DATE PRIMARY KEY,
    salt       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
