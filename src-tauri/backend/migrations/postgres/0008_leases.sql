-- Work that one Kinmu process must do alone, even when several serve one database:
--
-- The attendance task's run is a lease: the process running it renews `heartbeat_at` every few
-- seconds, and a run whose heartbeat stopped (its process was killed) is marked interrupted by
-- whoever next looks. At most one run is `running` (a unique index, so two servers starting at
-- once cannot both insert one), and each scheduled start (`scheduled_for`, the instant it was
-- due) is made once.
ALTER TABLE attendance_task_runs ADD COLUMN heartbeat_at BIGINT;
ALTER TABLE attendance_task_runs ADD COLUMN scheduled_for BIGINT;
UPDATE attendance_task_runs SET heartbeat_at = started_at;
UPDATE attendance_task_runs SET status = 'interrupted'
    WHERE status = 'running' AND id < (SELECT MAX(id) FROM attendance_task_runs WHERE status = 'running');
CREATE UNIQUE INDEX attendance_task_runs_one_running ON attendance_task_runs(status) WHERE status = 'running';
CREATE UNIQUE INDEX attendance_task_runs_scheduled_once ON attendance_task_runs(scheduled_for) WHERE scheduled_for IS NOT NULL;

-- A file in a watched inbox is imported by the one process that claims it first (inboxes on a
-- shared folder, one per server). The claim names the file as it was seen (path, size, time), and
-- a claim whose heartbeat stopped may be taken over.
CREATE TABLE attendance_inbox_claims (
    claim_key    TEXT PRIMARY KEY,
    claimed_by   TEXT NOT NULL,
    claimed_at   BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL
);
