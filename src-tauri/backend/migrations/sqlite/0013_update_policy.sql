-- Client updates (issue 20): the administrator's policy, the clients the server has seen, the
-- transfer slots and their queue, the events clients report, one record per client and update,
-- and the system log.

-- The policy: one row. `draws` counts admissions; every check-in that may admit a client bumps it
-- first, which serialises admissions (a row lock on PostgreSQL, the write lock on SQLite), so
-- never more than `concurrency_limit` clients hold a slot, however many servers share the database.
-- The release clients are offered is not here: it is the release offered for the client's
-- platform (`update_releases.offered`, 0012).
CREATE TABLE update_policy (
    id                   BIGINT PRIMARY KEY CHECK (id = 1),
    startup_mode         TEXT NOT NULL DEFAULT 'mandatory',
    concurrency_limit    BIGINT NOT NULL DEFAULT 15,
    message              TEXT NOT NULL DEFAULT '',
    new_installs_allowed BIGINT NOT NULL DEFAULT 1,
    service_paused       BIGINT NOT NULL DEFAULT 0,
    system_log_enabled   BIGINT NOT NULL DEFAULT 1,
    retention_days       BIGINT NOT NULL DEFAULT 365,
    changed_at           BIGINT,
    changed_by           TEXT,
    draws                BIGINT NOT NULL DEFAULT 0
);
INSERT INTO update_policy (id) VALUES (1);

-- A desktop installation (its id, made at install) per program (`app` or `updater`): the secret
-- given at its first check-in (its SHA-256), where it runs and its version.
CREATE TABLE update_clients (
    client_id     TEXT NOT NULL,
    program       TEXT NOT NULL,
    secret_hash   TEXT NOT NULL,
    host          TEXT NOT NULL,
    os_user       TEXT NOT NULL,
    version       TEXT,
    first_seen_at BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    PRIMARY KEY (client_id, program)
);
CREATE INDEX update_clients_seen ON update_clients(last_seen_at);

-- A client waiting for a transfer slot or holding one. `draw_key` is random, drawn when it joins:
-- waiting clients are admitted in its order (the seed's random order). A slot expires unless the
-- client renews it (`expires_at`); a waiting client that stops checking in leaves the queue.
CREATE TABLE update_transfers (
    client_id   TEXT PRIMARY KEY,
    state       TEXT NOT NULL,
    draw_key    BIGINT NOT NULL,
    joined_at   BIGINT NOT NULL,
    seen_at     BIGINT NOT NULL,
    admitted_at BIGINT,
    token_hash  TEXT,
    expires_at  BIGINT
);
CREATE INDEX update_transfers_by_state ON update_transfers(state, draw_key);

-- One client's update: its kind, versions, start and end, and result (in_progress, normal,
-- abnormal, failed).
CREATE TABLE update_records (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id    TEXT NOT NULL,
    host         TEXT NOT NULL,
    os_user      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    from_version TEXT,
    to_version   TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    ended_at     BIGINT,
    result       TEXT NOT NULL,
    reason       TEXT,
    warnings     BIGINT NOT NULL DEFAULT 0,
    last_step    TEXT NOT NULL
);
CREATE INDEX update_records_open ON update_records(client_id, to_version, ended_at);
CREATE INDEX update_records_started ON update_records(started_at);

-- Every event a client reported, once: `request_id` is made by the client, so a retried report
-- is recognised.
CREATE TABLE update_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL UNIQUE,
    client_id  TEXT NOT NULL,
    record_id  BIGINT,
    module     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    at         BIGINT NOT NULL
);
CREATE INDEX update_events_at ON update_events(at);

-- The system log of client updates: information, warnings and errors.
CREATE TABLE update_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        BIGINT NOT NULL,
    level     TEXT NOT NULL,
    category  TEXT NOT NULL,
    client_id TEXT NOT NULL,
    host      TEXT NOT NULL,
    record_id BIGINT,
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX update_log_at ON update_log(at);
