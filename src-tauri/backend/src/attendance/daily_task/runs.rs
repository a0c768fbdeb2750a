//! The runs' records, and the lease one run at a time holds across every process on the database.

use kinmu_shared::messages::Text;
use std::sync::atomic::Ordering;

use chrono::{DateTime, NaiveDate, Utc};
use kinmu_attendance::attendance_date;
use kinmu_shared::Permission;
use kinmu_shared::api::{DateRange, TaskOverview, TaskRun, TaskStatus, TaskTrigger};

use crate::accounts::Actor;
use crate::attendance::rule_settings::{self};
use crate::database::Db;
use crate::database::lease::Renewal;
use crate::error::{Error, Result};

use super::*;

pub(super) fn run_from_row(row: RunRow) -> TaskRun {
    let (id, trigger, from, to, started_at, finished_at, status, days_total, days_done, events_read, daily_records, message) = row;
    TaskRun {
        id,
        trigger: TaskTrigger::from_key(&trigger).unwrap_or(TaskTrigger::Manual),
        from,
        to,
        started_at,
        finished_at,
        status: TaskStatus::from_key(&status).unwrap_or(TaskStatus::Failed),
        days_total,
        days_done,
        events_read,
        daily_records,
        message,
    }
}

pub(super) type RunRow = (i64, String, String, String, i64, Option<i64>, String, i64, i64, i64, i64, Option<String>);
pub(super) const RUN_COLUMNS: &str =
    "id, trigger_kind, from_date, to_date, started_at, finished_at, status, days_total, days_done, events_read, daily_records, message";

pub async fn get_run(db: &Db, id: i64) -> Result<TaskRun> {
    let row: Option<RunRow> =
        sqlx::query_as(&format!("SELECT {RUN_COLUMNS} FROM attendance_task_runs WHERE id = $1")).bind(id).fetch_optional(&db.pool).await?;
    row.map(run_from_row)
        .ok_or_else(|| Error::NotFound(Text::new(format!("no attendance task run {id}"), "勤怠計算の実行記録が見つかりません。")))
}

/// The latest `limit` runs, newest first.
pub async fn recent_runs(db: &Db, limit: i64) -> Result<Vec<TaskRun>> {
    let rows: Vec<RunRow> = sqlx::query_as(&format!("SELECT {RUN_COLUMNS} FROM attendance_task_runs ORDER BY id DESC LIMIT $1"))
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.into_iter().map(run_from_row).collect())
}

pub(super) async fn last_scheduled_start(db: &Db) -> Result<Option<DateTime<Utc>>> {
    let t: Option<i64> = sqlx::query_scalar("SELECT MAX(started_at) FROM attendance_task_runs WHERE trigger_kind = $1")
        .bind(TaskTrigger::Scheduled.key())
        .fetch_one(&db.pool)
        .await?;
    Ok(t.and_then(|t| DateTime::from_timestamp(t, 0)))
}

/// What the task is doing and when it runs next.
pub async fn overview(db: &Db, actor: &Actor, now: DateTime<Utc>) -> Result<TaskOverview> {
    actor.require(Permission::ViewAttendance)?;
    let settings = rule_settings::task_settings(db).await?;
    let rules = rule_settings::company_rules(db).await?;
    let recent = recent_runs(db, 10).await?;
    let running = recent.iter().find(|r| r.status == TaskStatus::Running).cloned();
    let next = next_run_at(&settings, rules.time_zone, last_scheduled_start(db).await?, now).map(|t| t.timestamp());
    let stored: (Option<String>, Option<String>) =
        sqlx::query_as("SELECT MIN(work_date), MAX(work_date) FROM attendance_daily").fetch_one(&db.pool).await?;
    let stored = match stored {
        (Some(a), Some(b)) => a.parse::<NaiveDate>().ok().zip(b.parse::<NaiveDate>().ok()),
        _ => None,
    };
    let rebuildable = rebuildable_days(stored, attendance_date(now, &rules), settings.retention.events_days)
        .map(|(from, to)| DateRange { from: from.to_string(), to: to.to_string() });
    Ok(TaskOverview { settings, running, recent, next_run_at: next, rebuildable })
}

/// Of the stored days `stored` (first, last), those a rebuild can compute again on `today`: their
/// events are kept (`events_days`), they are not in the future, and one run can take them
/// ([`MAX_DAYS`], the latest kept).
pub fn rebuildable_days(stored: Option<(NaiveDate, NaiveDate)>, today: NaiveDate, events_days: u32) -> Option<(NaiveDate, NaiveDate)> {
    let (first, last) = stored?;
    let last = last.min(today);
    let kept_from = today - chrono::Duration::days(i64::from(events_days));
    let first = first.max(kept_from).max(last - chrono::Duration::days(MAX_DAYS - 1));
    (first <= last).then_some((first, last))
}

/// Marks the runs whose process stopped renewing them (killed, or its machine stopped) as
/// interrupted; a run another live process is doing is left alone. Any process may call it: a
/// starting server does, and so does every new run.
pub async fn mark_interrupted(db: &Db, now: i64) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE attendance_task_runs SET status = $1, finished_at = $2, \
         message = 'the Kinmu process running it stopped (no heartbeat for a minute): the days it had stored are whole; run it again' \
         WHERE status = $3 AND COALESCE(heartbeat_at, started_at) < $4",
    )
    .bind(TaskStatus::Interrupted.key())
    .bind(now)
    .bind(TaskStatus::Running.key())
    .bind(now - crate::database::lease::STALE_AFTER_SECONDS)
    .execute(&db.pool)
    .await?
    .rows_affected())
}

/// Records a new run of `from`–`to`, refusing while another one runs.
pub async fn begin(
    db: &Db,
    control: &TaskControl,
    actor: &Actor,
    trigger: TaskTrigger,
    from: NaiveDate,
    to: NaiveDate,
    now: i64,
) -> Result<TaskRun> {
    if trigger != TaskTrigger::Scheduled {
        actor.require(Permission::ManageSettings)?;
    }
    begin_lease(db, control, actor, trigger, None, from, to, now).await
}

/// The scheduled run due at `due_at`, started once whichever of the servers sharing the
/// database asks first; `Ok(None)` when another one already started it.
pub async fn begin_scheduled(
    db: &Db,
    control: &TaskControl,
    due_at: i64,
    from: NaiveDate,
    to: NaiveDate,
    now: i64,
) -> Result<Option<TaskRun>> {
    match begin_lease(db, control, &Actor::Operator, TaskTrigger::Scheduled, Some(due_at), from, to, now).await {
        Ok(run) => Ok(Some(run)),
        Err(Error::Conflict { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Takes the one lease on the task: marks runs whose process died as interrupted, then records
/// the new run as running. The database's unique indexes decide between processes asking at
/// the same moment (one running run; one start per scheduled time).
#[allow(clippy::too_many_arguments)]
pub(super) async fn begin_lease(
    db: &Db,
    control: &TaskControl,
    actor: &Actor,
    trigger: TaskTrigger,
    scheduled_for: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
    now: i64,
) -> Result<TaskRun> {
    if control.running.swap(true, Ordering::SeqCst) {
        return Err(Error::conflict(
            "",
            Text::new(
                "the attendance task is already running: wait for it or stop it",
                "勤怠計算はすでに実行中です。終わるのを待つか、停止してください。",
            ),
        ));
    }
    let result = async {
        mark_interrupted(db, now).await?;
        let days = (to - from).num_days() + 1;
        let inserted = sqlx::query_scalar::<_, i64>(
            "INSERT INTO attendance_task_runs (trigger_kind, from_date, to_date, requested_by, started_at, status, days_total, heartbeat_at, scheduled_for) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $5, $8) RETURNING id",
        )
        .bind(trigger.key())
        .bind(from.to_string())
        .bind(to.to_string())
        .bind(actor.user_id())
        .bind(now)
        .bind(TaskStatus::Running.key())
        .bind(days)
        .bind(scheduled_for)
        .fetch_one(&db.pool)
        .await;
        let id = match inserted {
            Ok(id) => id,
            Err(e) if crate::error::is_unique_violation(&e) => return Err(already_running(db, scheduled_for).await),
            Err(e) => return Err(e.into()),
        };
        get_run(db, id).await
    }
    .await;
    if result.is_err() {
        control.running.store(false, Ordering::SeqCst);
    } else {
        control.stop.store(false, Ordering::SeqCst);
    }
    result
}

/// Why a run could not start: the run another process holds, or the scheduled start another
/// server made.
pub(super) async fn already_running(db: &Db, scheduled_for: Option<i64>) -> Error {
    let running: std::result::Result<Option<(i64, i64)>, sqlx::Error> =
        sqlx::query_as("SELECT id, started_at FROM attendance_task_runs WHERE status = $1 ORDER BY id LIMIT 1")
            .bind(TaskStatus::Running.key())
            .fetch_optional(&db.pool)
            .await;
    match running {
        Ok(Some((id, started))) => {
            let since = DateTime::from_timestamp(started, 0).map(|t| t.to_rfc3339()).unwrap_or_default();
            Error::conflict(
                "",
                Text::new(
                    format!(
                        "run {id} of the attendance task has been running since {since} in another Kinmu process: \
                         wait for it, or stop it there (if that process was killed, its run is marked interrupted a minute after its last sign of life)"
                    ),
                    format!(
                        "勤怠計算の実行 {id} が {since} から別の Kinmu プロセスで実行中です。終わるのを待つか、そちらで停止してください\
                         （そのプロセスが強制終了されていた場合、最後の応答から1分後に中断として記録されます）。"
                    ),
                ),
            )
        }
        Ok(None) if scheduled_for.is_some() => Error::conflict(
            "",
            Text::new(
                "this scheduled run was already started by another Kinmu server",
                "この予定された実行は、別の Kinmu サーバーがすでに開始しました。",
            ),
        ),
        Ok(None) => Error::conflict(
            "",
            Text::new(
                "another Kinmu process started a run at the same moment: look at the task's runs",
                "同時に別の Kinmu プロセスが実行を開始しました。勤怠計算の実行履歴を確認してください。",
            ),
        ),
        Err(e) => e.into(),
    }
}

/// Renews the run's lease (see [`crate::database::lease`]) while it runs; a run whose lease
/// was taken over (marked interrupted by another process) is asked to stop.
pub(super) fn keep_lease(db: &Db, control: &TaskControl, run_id: i64) -> Renewal {
    let db = db.clone();
    let stop = control.stop_flag();
    Renewal::start(
        "attendance task",
        move || {
            let db = db.clone();
            async move {
                let r = sqlx::query("UPDATE attendance_task_runs SET heartbeat_at = $1 WHERE id = $2 AND status = $3")
                    .bind(crate::now())
                    .bind(run_id)
                    .bind(TaskStatus::Running.key())
                    .execute(&db.pool)
                    .await?;
                Ok(r.rows_affected() > 0)
            }
        },
        move || stop.store(true, Ordering::SeqCst),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_days_a_rules_change_leaves_behind_are_the_stored_ones_a_rebuild_can_reach() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let today = d("2024-06-10");
        assert_eq!(rebuildable_days(None, today, 400), None);
        assert_eq!(rebuildable_days(Some((d("2024-04-01"), d("2024-06-09"))), today, 400), Some((d("2024-04-01"), d("2024-06-09"))));
        // Days whose events are gone cannot be rebuilt.
        assert_eq!(rebuildable_days(Some((d("2024-04-01"), d("2024-06-09"))), today, 30), Some((d("2024-05-11"), d("2024-06-09"))));
        assert_eq!(rebuildable_days(Some((d("2024-01-01"), d("2024-02-01"))), today, 30), None);
    }
}
