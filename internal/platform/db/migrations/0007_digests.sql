-- Digest emails: which sites send a weekly and/or monthly report, to whom,
-- and a log of every digest period sent, so that a restart never sends one
-- twice and a send missed while mops was down goes out once when it is
-- back.

-- One row per site that has digest settings. A kind is on while its
-- *_since is set: the moment it was turned on, so that only periods that
-- end after it are sent (turning digests on does not mail last week's
-- report at once).
CREATE TABLE digest_subscriptions (
    site_id       TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL,
    recipients    TEXT NOT NULL,  -- lower-cased addresses, comma separated
    weekly_since  TIMESTAMP,      -- NULL: weekly digests off
    monthly_since TIMESTAMP,      -- NULL: monthly digests off
    updated_at    TIMESTAMP NOT NULL
);

-- One row per digest period a site was due to get. A row is written before
-- the message is handed to the SMTP server (attempts counts the tries) and
-- sent_at set once the server accepted it; failed tries are retried a few
-- times with a pause, never once sent_at is set.
CREATE TABLE digest_sends (
    site_id         TEXT NOT NULL,
    workspace_id    TEXT NOT NULL,
    kind            TEXT NOT NULL,      -- weekly, monthly
    period_start    DATE NOT NULL,      -- first day reported, in the site's time zone
    period_end      DATE NOT NULL,      -- last day reported
    recipients      TEXT NOT NULL,      -- who it went (or was to go) to
    attempts        INTEGER NOT NULL,
    last_attempt_at TIMESTAMP NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    sent_at         TIMESTAMP,          -- NULL until the SMTP server accepted it
    PRIMARY KEY (site_id, kind, period_start)
);
