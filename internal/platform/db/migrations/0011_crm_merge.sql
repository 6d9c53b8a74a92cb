-- Duplicate review and merges. A duplicate pair is found by the dedupe
-- engine and waits for a person: merged, or dismissed as two people. A
-- merge keeps everything needed to undo it.

CREATE TABLE duplicate_pairs (
    workspace_id TEXT NOT NULL,
    a_id         TEXT NOT NULL,   -- contact ids, a_id < b_id
    b_id         TEXT NOT NULL,
    score        DOUBLE NOT NULL, -- 0..1
    reasons      TEXT NOT NULL,   -- comma-separated: same_email, same_phone, similar_name_same_domain
    status       TEXT NOT NULL,   -- open, merged, dismissed
    found_at     TIMESTAMP NOT NULL,
    decided_at   TIMESTAMP,
    decided_by   TEXT NOT NULL,
    PRIMARY KEY (workspace_id, a_id, b_id)
);

CREATE TABLE contact_merges (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    survivor_id  TEXT NOT NULL,
    merged_id    TEXT NOT NULL,   -- the contact that was folded into the survivor
    snapshot     TEXT NOT NULL,   -- JSON: both contacts before, the survivor after, the rows moved
    merged_at    TIMESTAMP NOT NULL,
    merged_by    TEXT NOT NULL,
    undone_at    TIMESTAMP,
    undone_by    TEXT NOT NULL
);

-- Saved views of the contacts, companies and deals lists: a name and the
-- list's query string, shared with the workspace.
CREATE TABLE saved_views (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    object       TEXT NOT NULL,   -- contacts, companies, deals
    name         TEXT NOT NULL,
    query        TEXT NOT NULL,   -- the list's URL query, e.g. lifecycle_stage=mql&sort=created_at
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
