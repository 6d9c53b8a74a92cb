-- Sites: a tracked website or app of a workspace. The domain identifies the
-- site in Plausible-style events, so it is unique across the instance. The
-- write key is public (it sits in page snippets and apps).
CREATE TABLE sites (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    domain       TEXT NOT NULL UNIQUE,
    timezone     TEXT NOT NULL,
    currency     TEXT NOT NULL,
    write_key    TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL
);
