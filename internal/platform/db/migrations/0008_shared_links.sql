-- Shared links: a read-only public dashboard of one site, reached by an
-- unguessable slug, optionally behind a password (argon2id hash, '' for
-- none). A revoked link stops working at once; its row stays for the
-- audit trail.
CREATE TABLE shared_links (
    id            TEXT PRIMARY KEY,
    site_id       TEXT NOT NULL,
    name          TEXT NOT NULL,
    slug          TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    revoked_at    TIMESTAMP
);
