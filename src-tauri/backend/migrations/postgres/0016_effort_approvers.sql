-- Who approves a person's effort periods (issue 18): an organisation's manager, and a person's
-- named approver (both users). A person's approver is their named approver, else their
-- organisation's manager, else the nearest parent organisation's manager, never themself
-- (kinmu_shared::effort::approver).
ALTER TABLE organizations ADD COLUMN manager_id BIGINT REFERENCES users(id);
ALTER TABLE users ADD COLUMN approver_id BIGINT REFERENCES users(id);
CREATE INDEX organizations_manager ON organizations(manager_id);
CREATE INDEX users_approver ON users(approver_id);
-- A period approved or sent back by an administrator who is not the person's approver says so.
ALTER TABLE effort_period_history ADD COLUMN as_administrator BIGINT NOT NULL DEFAULT 0;
