-- Kinmu foundation: settings, organisations, roles, users, their PC-log account names, sessions.
-- Instants are BIGINT seconds since the Unix epoch (UTC); flags are BIGINT 0/1 so that the same
-- queries run unchanged on SQLite and PostgreSQL.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE organizations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    parent_id  BIGINT REFERENCES organizations(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX organizations_parent ON organizations(parent_id);

CREATE TABLE roles (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    builtin     TEXT UNIQUE,
    permissions TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    login           TEXT NOT NULL,
    login_key       TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    email           TEXT,
    organization_id BIGINT REFERENCES organizations(id),
    role_id         BIGINT NOT NULL REFERENCES roles(id),
    active          BIGINT NOT NULL DEFAULT 1,
    language        TEXT NOT NULL,
    time_zone       TEXT NOT NULL,
    password_hash   TEXT,
    failed_logins   BIGINT NOT NULL DEFAULT 0,
    locked_until    BIGINT,
    last_login_at   BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX users_organization ON users(organization_id);
CREATE INDEX users_role ON users(role_id);

CREATE TABLE user_log_accounts (
    account_key TEXT PRIMARY KEY,
    account     TEXT NOT NULL,
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE
);
CREATE INDEX user_log_accounts_user ON user_log_accounts(user_id);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    user_agent   TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expiry ON sessions(expires_at);
