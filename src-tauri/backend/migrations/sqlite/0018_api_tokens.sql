-- Personal API tokens (`Authorization: Bearer`). Only the SHA-256 of the secret is kept; the
-- prefix (its first characters) is shown to recognise it. `scopes` are permission keys separated
-- by commas, as in `roles.permissions`; a request gets those the person still holds. A revoked
-- token keeps its row, so that its use is answered "revoked" and the lists show it.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT,
    revoked_by   BIGINT REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);
