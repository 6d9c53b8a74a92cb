-- Goals: what counts as a conversion on a site. A page goal is reached by
-- a pageview whose path matches page_path (* is any run of characters but
-- "/", ** any run at all); an event goal by a custom event named
-- event_name. An event goal with a currency is a revenue goal: the revenue
-- of its events in that currency is summed.
CREATE TABLE goals (
    id           TEXT PRIMARY KEY,
    site_id      TEXT NOT NULL,
    page_path    TEXT NOT NULL,   -- '' for event goals
    event_name   TEXT NOT NULL,   -- '' for page goals
    currency     TEXT NOT NULL,   -- revenue goals only, else ''
    display_name TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    UNIQUE (site_id, display_name)
);
