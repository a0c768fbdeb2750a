-- Issue 19: cost and budgets. An hourly cost of a person or of everyone of a role, valid from a
-- day to a day (inclusive; NULL: open-ended); a person's own rate goes before their role's. The
-- service keeps one person's (or role's) rates from overlapping.
CREATE TABLE effort_cost_rates (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     BIGINT REFERENCES users(id) ON DELETE CASCADE,
    role_id     BIGINT REFERENCES roles(id) ON DELETE CASCADE,
    valid_from  TEXT NOT NULL,
    valid_to    TEXT,
    hourly_cost BIGINT NOT NULL CHECK (hourly_cost >= 0),
    created_at  BIGINT NOT NULL,
    CHECK ((user_id IS NULL AND role_id IS NOT NULL) OR (user_id IS NOT NULL AND role_id IS NULL))
);
CREATE INDEX effort_cost_rates_user ON effort_cost_rates(user_id);
CREATE INDEX effort_cost_rates_role ON effort_cost_rates(role_id);

-- A project's budget and its work items' (whole units of the company's currency).
CREATE TABLE project_budgets (
    project_id BIGINT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    amount     BIGINT NOT NULL CHECK (amount >= 0)
);
CREATE TABLE work_item_budgets (
    work_item_id BIGINT PRIMARY KEY REFERENCES work_items(id) ON DELETE CASCADE,
    amount       BIGINT NOT NULL CHECK (amount >= 0)
);

-- The share of a budget at which it is flagged (one row).
CREATE TABLE effort_cost_settings (
    id                     BIGINT PRIMARY KEY CHECK (id = 1),
    budget_warning_percent BIGINT NOT NULL CHECK (budget_warning_percent >= 1 AND budget_warning_percent <= 100)
);
INSERT INTO effort_cost_settings (id, budget_warning_percent) VALUES (1, 80);
