-- Accounts: people, their sessions, workspaces and roles, invitations,
-- API keys and the audit log. Relations are enforced by the code that writes
-- them (DuckDB foreign keys would block updates of referenced rows).

CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    email               TEXT NOT NULL UNIQUE,   -- lower-cased
    name                TEXT NOT NULL DEFAULT '',
    password_hash       TEXT NOT NULL,          -- argon2id, PHC string format
    created_at          TIMESTAMP NOT NULL,
    password_changed_at TIMESTAMP NOT NULL,
    last_login_at       TIMESTAMP
);

-- Sessions are looked up by the SHA-256 of the cookie value, so a copy of
-- the database does not hand out live sessions.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    user_agent   TEXT NOT NULL DEFAULT ''
);

CREATE TABLE workspaces (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE memberships (
    workspace_id TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    role         TEXT NOT NULL,  -- owner, admin, analyst, marketer, viewer
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);

CREATE TABLE invitations (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    email        TEXT NOT NULL DEFAULT '',  -- optional: who the link is meant for
    role         TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    accepted_at  TIMESTAMP,
    accepted_by  TEXT,
    revoked_at   TIMESTAMP
);

-- API keys are stored as the SHA-256 of the secret; prefix is the first
-- characters of the key, shown so people can tell their keys apart.
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,  -- comma separated: read, write, ingest
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);

-- One row per change a person, API key or operator made. before/after are
-- JSON documents of the changed object (secrets never included).
CREATE TABLE audit_log (
    id           TEXT PRIMARY KEY,  -- time-ordered
    workspace_id TEXT NOT NULL DEFAULT '',  -- '' for instance-wide changes
    created_at   TIMESTAMP NOT NULL,
    actor_type   TEXT NOT NULL,  -- user, api_key, cli, system
    actor_id     TEXT NOT NULL DEFAULT '',
    actor_name   TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,  -- e.g. site.create
    target_type  TEXT NOT NULL,
    target_id    TEXT NOT NULL DEFAULT '',
    before_json  TEXT,
    after_json   TEXT
);
CREATE INDEX audit_log_workspace_at ON audit_log (workspace_id, created_at);
