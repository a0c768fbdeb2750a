-- Failed logins are counted per login name, whether or not an account has that name, so that an
-- unknown login is slowed and locked exactly as a known one (the answers do not tell which
-- logins exist). One statement reserves an attempt and, at the limit, sets the lock, so parallel
-- guesses cannot get past it. `lockouts` counts the locks since the last successful login: each
-- lock lasts twice as long as the one before, up to a ceiling.
CREATE TABLE login_throttle (
    login_key       TEXT PRIMARY KEY,
    failures        BIGINT NOT NULL,
    locked_until    BIGINT,
    lockouts        BIGINT NOT NULL DEFAULT 0,
    last_failure_at BIGINT NOT NULL
);

INSERT INTO login_throttle (login_key, failures, locked_until, lockouts, last_failure_at)
SELECT login_key, failed_logins, locked_until, CASE WHEN locked_until IS NULL THEN 0 ELSE 1 END, updated_at
FROM users WHERE failed_logins > 0 OR locked_until IS NOT NULL;

ALTER TABLE users DROP COLUMN failed_logins;
ALTER TABLE users DROP COLUMN locked_until;
