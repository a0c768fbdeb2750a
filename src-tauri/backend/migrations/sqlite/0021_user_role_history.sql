-- Issue 19: the role each person held from each day, so that cost uses the role of the day of
-- the effort, not today's. A row holds from its valid_from until the next row of the same person;
-- the first row also stands for the days before it. The last row is always the person's current
-- role (users.role_id): every path that sets a role writes both, in one transaction, through
-- accounts::role_history::hold.
CREATE TABLE user_role_history (
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_id    BIGINT NOT NULL REFERENCES roles(id),
    valid_from TEXT NOT NULL,
    PRIMARY KEY (user_id, valid_from)
);
CREATE INDEX user_role_history_role ON user_role_history(role_id);

-- Everybody's current role, from the day their account was made (UTC).
INSERT INTO user_role_history (user_id, role_id, valid_from) SELECT id, role_id, date(created_at, 'unixepoch') FROM users;
