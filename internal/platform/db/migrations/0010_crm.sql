-- The CRM: contacts, companies, deals in pipelines, lifecycle stages and
-- their transitions, custom properties, notes, tasks, consent, and the
-- identities that tie visitors of the workspace's sites to contacts.
--
-- Every row carries its workspace_id and every query filters on it. There
-- are no secondary indexes: DuckDB's zone maps and scans answer the
-- per-workspace filters, and indexes would slow bulk imports.
-- Uniqueness that depends on normalised values (one contact per email in a
-- workspace) is kept by the CRM service under its write lock: DuckDB checks
-- UNIQUE indexes eagerly inside a transaction, which would refuse an update
-- that swaps two values.

-- Workspace-wide CRM settings.
CREATE TABLE crm_settings (
    workspace_id TEXT PRIMARY KEY,
    phone_region TEXT NOT NULL,   -- ISO 3166-1 alpha-2, for numbers without +
    currency     TEXT NOT NULL,   -- ISO 4217, the default of new deals
    updated_at   TIMESTAMP NOT NULL
);

-- The lifecycle a contact moves through, in order. Each workspace gets the
-- default stages on first use and may rename, add or reorder them.
CREATE TABLE lifecycle_stages (
    workspace_id TEXT NOT NULL,
    key          TEXT NOT NULL,   -- e.g. mql
    label        TEXT NOT NULL,   -- e.g. Marketing qualified lead
    position     INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, key)
);

-- Custom properties a workspace defines on contacts, companies or deals.
CREATE TABLE property_defs (
    workspace_id TEXT NOT NULL,
    object       TEXT NOT NULL,   -- contact, company, deal
    key          TEXT NOT NULL,   -- lower_snake_case
    label        TEXT NOT NULL,
    type         TEXT NOT NULL,   -- text, number, date, boolean, select
    options      TEXT NOT NULL,   -- select: JSON array of allowed values, else '[]'
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (workspace_id, object, key)
);

CREATE TABLE companies (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    name         TEXT NOT NULL,
    domain       TEXT NOT NULL,   -- bare host, '' when unknown
    industry     TEXT NOT NULL,
    employees    INTEGER,         -- size
    revenue_band TEXT NOT NULL,   -- e.g. 1M-10M
    phone        TEXT NOT NULL,   -- E.164
    city         TEXT NOT NULL,
    country      TEXT NOT NULL,
    owner_id     TEXT NOT NULL,   -- a user id, '' for none
    props        TEXT NOT NULL,   -- custom properties as a JSON object
    external_id  TEXT NOT NULL,   -- the id in the system it was imported from
    search       TEXT NOT NULL,   -- lower-cased name and domain, for search
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);

CREATE TABLE contacts (
    id                   TEXT PRIMARY KEY,
    workspace_id         TEXT NOT NULL,
    email                TEXT NOT NULL,   -- trimmed, lower-cased; '' when unknown
    first_name           TEXT NOT NULL,
    last_name            TEXT NOT NULL,
    phone                TEXT NOT NULL,   -- E.164
    title                TEXT NOT NULL,
    company_id           TEXT NOT NULL,   -- '' for none
    owner_id             TEXT NOT NULL,
    lifecycle_stage      TEXT NOT NULL,   -- a lifecycle_stages key
    lead_status          TEXT NOT NULL,   -- new, open, in_progress, connected, unqualified, bad_timing, ''
    city                 TEXT NOT NULL,
    country              TEXT NOT NULL,
    source               TEXT NOT NULL,   -- how the contact came: form, import, api, manual, identify
    first_touch_channel  TEXT NOT NULL,
    first_touch_source   TEXT NOT NULL,
    first_touch_campaign TEXT NOT NULL,
    last_touch_channel   TEXT NOT NULL,
    last_touch_source    TEXT NOT NULL,
    last_touch_campaign  TEXT NOT NULL,
    consent_email        BOOLEAN NOT NULL, -- marketing email; consent_records has the history
    props                TEXT NOT NULL,   -- custom properties as a JSON object
    external_id          TEXT NOT NULL,
    search               TEXT NOT NULL,   -- lower-cased name, email, phone, title and company, for search
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);

-- Every lifecycle change of a contact: when, from and to which stage, and
-- what caused it (manual, form, import, api, deal, merge) with the id of
-- the cause (a form, an import, a deal) where there is one.
CREATE TABLE lifecycle_transitions (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    contact_id   TEXT NOT NULL,
    from_stage   TEXT NOT NULL,   -- '' when the contact was created
    to_stage     TEXT NOT NULL,
    occurred_at  TIMESTAMP NOT NULL,
    cause        TEXT NOT NULL,
    cause_id     TEXT NOT NULL,
    actor_name   TEXT NOT NULL
);

-- Identities tie what the sites saw to a contact: a visitor id (anonymous
-- history) or a user id (the app's own id, from identify calls).
CREATE TABLE contact_identities (
    workspace_id TEXT NOT NULL,
    kind         TEXT NOT NULL,   -- visitor, user
    value        TEXT NOT NULL,
    contact_id   TEXT NOT NULL,
    site_id      TEXT NOT NULL,   -- where it was seen, '' when unknown
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (workspace_id, kind, value)
);

-- Consent given or withdrawn, with when and through what.
CREATE TABLE consent_records (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    contact_id   TEXT NOT NULL,
    purpose      TEXT NOT NULL,   -- email
    granted      BOOLEAN NOT NULL,
    source       TEXT NOT NULL,   -- form, import, api, manual
    source_id    TEXT NOT NULL,
    detail       TEXT NOT NULL,   -- e.g. the consent text shown
    occurred_at  TIMESTAMP NOT NULL
);

CREATE TABLE pipelines (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    name         TEXT NOT NULL,
    position     INTEGER NOT NULL,
    created_at   TIMESTAMP NOT NULL
);

-- A pipeline's stages in order. outcome says whether a deal in the stage
-- is still open, won or lost; probability is the chance an open deal in
-- it is won (won = 1, lost = 0), used by the forecast.
CREATE TABLE pipeline_stages (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    pipeline_id  TEXT NOT NULL,
    name         TEXT NOT NULL,
    position     INTEGER NOT NULL,
    probability  DOUBLE NOT NULL,
    outcome      TEXT NOT NULL    -- open, won, lost
);

CREATE TABLE deals (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    name         TEXT NOT NULL,
    pipeline_id  TEXT NOT NULL,
    stage_id     TEXT NOT NULL,
    amount       DECIMAL(18, 2) NOT NULL,
    currency     TEXT NOT NULL,
    close_date   DATE,
    company_id   TEXT NOT NULL,
    owner_id     TEXT NOT NULL,
    props        TEXT NOT NULL,
    external_id  TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    closed_at    TIMESTAMP        -- set when the deal entered a won or lost stage
);

CREATE TABLE deal_contacts (
    workspace_id TEXT NOT NULL,
    deal_id      TEXT NOT NULL,
    contact_id   TEXT NOT NULL,
    PRIMARY KEY (workspace_id, deal_id, contact_id)
);

-- Every stage change of a deal (the first row has from_stage_id '').
CREATE TABLE deal_stage_changes (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL,
    deal_id       TEXT NOT NULL,
    from_stage_id TEXT NOT NULL,
    to_stage_id   TEXT NOT NULL,
    occurred_at   TIMESTAMP NOT NULL,
    actor_name    TEXT NOT NULL
);

-- Notes and tasks hang off a contact, company or deal.
CREATE TABLE notes (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    object_type  TEXT NOT NULL,   -- contact, company, deal
    object_id    TEXT NOT NULL,
    body         TEXT NOT NULL,
    author_id    TEXT NOT NULL,
    author_name  TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);

CREATE TABLE tasks (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    object_type  TEXT NOT NULL,
    object_id    TEXT NOT NULL,
    title        TEXT NOT NULL,
    due_at       TIMESTAMP,
    assignee_id  TEXT NOT NULL,
    done_at      TIMESTAMP,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);

-- How far identity resolution has read the warehouse's identify and alias
-- events (their stream sequence); written in the transaction that applies
-- each event, so every event is applied once, also across restarts.
CREATE TABLE crm_identity_state (
    id         INTEGER PRIMARY KEY,   -- always 1
    last_seq   UBIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
