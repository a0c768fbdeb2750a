-- Issue 18: the gap threshold of an organisation (minutes). An organisation without a row takes
-- its parent's, up to the company's (effort_settings, organization_id NULL).
CREATE TABLE effort_gap_thresholds (
    organization_id       BIGINT PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    gap_threshold_minutes BIGINT NOT NULL CHECK (gap_threshold_minutes >= 0 AND gap_threshold_minutes <= 1440)
);
