//! The attendance task (manual 8.2.6, 8.3.6): computes every person's daily records for a range
//! of attendance days from the stored events, under the company's rules and each organisation's
//! overrides, stores them day by day, totals the months touched, and applies retention.
//!
//! - Each day is replaced in one transaction, and a stop request is honoured between days, so a
//!   stopped or failed run leaves every day either wholly new or wholly as before.
//! - One run at a time: a second request is refused while a run is recorded as running.
//! - Events are read one chunk of days at a time; the work interval of a chunk's first day
//!   comes from the stored record of the day before.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use kinmu_attendance::{
    AttendanceRules, ClockLog, ClockTime, DailyRecord, HolidayCalendar, HolidayKind, PersonLogs, RunOptions, TerminalNames, TerminalRecord,
    UserNameMode, UserNameRules, attendance_date, compute_people, compute_user_days, detail_fields, event_identity, terminal_name,
};
use kinmu_shared::Permission;
use kinmu_shared::api::{AttendanceTaskSettings, TaskOverview, TaskRun, TaskStatus, TaskTrigger};

use super::people::{Directory, account_of, person_key};
use super::retention;
use super::rule_settings::{self, RuleBook};
use crate::accounts::{Actor, organizations};
use crate::config::DatabaseKind;
use crate::database::lease::Renewal;
use crate::database::sqlite_rows::{self, Param};
use crate::database::{Db, Native, Value, positional_placeholders, postgres_copy};
use crate::error::{Error, Result};

/// Days whose events are read and computed together.
const CHUNK_DAYS: usize = 7;
/// Longest range one run may cover.
pub const MAX_DAYS: i64 = 3 * 366;

/// The in-process side of the task: whether this process runs it, the stop request, and where
/// the output profiles it runs may write.
#[derive(Debug, Default)]
pub struct TaskControl {
    running: AtomicBool,
    stop: Arc<AtomicBool>,
    output_roots: super::output_roots::OutputRoots,
}

impl TaskControl {
    /// A task that writes no output profile's files (no folder is allowed).
    pub fn new() -> Arc<TaskControl> {
        Arc::new(TaskControl::default())
    }

    /// A task whose output profiles write under `roots`.
    pub fn writing_to(roots: super::output_roots::OutputRoots) -> Arc<TaskControl> {
        Arc::new(TaskControl { output_roots: roots, ..TaskControl::default() })
    }

    pub fn output_roots(&self) -> &super::output_roots::OutputRoots {
        &self.output_roots
    }

    /// Asks the run in progress to stop after the day it is writing.
    pub fn request_stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    pub fn is_running(&self) -> bool {
        self.running.load(Ordering::SeqCst)
    }

    /// The stop request, for the lease's heartbeat (which stops a run that lost its lease).
    fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// Parses `YYYY-MM-DD` (a four-digit year from 1900 to 2999), naming `field` when it is not one.
pub fn parse_date(field: &str, s: &str) -> Result<NaiveDate> {
    let (y, m, d) = kinmu_shared::validation::calendar_date(field, s)?;
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| Error::invalid(field, format!("{field}: {s:?} is not a date")))
}

/// Checks a range asked for: in order, not in the future, at most [`MAX_DAYS`] long.
pub fn check_range(from: NaiveDate, to: NaiveDate, today: NaiveDate) -> Result<()> {
    if to < from {
        return Err(Error::invalid("to", format!("to ({to}) is before from ({from}): swap them")));
    }
    if from > today {
        return Err(Error::invalid("from", format!("from ({from}) is in the future: today is {today}")));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(Error::invalid("to", format!("the range is longer than {MAX_DAYS} days: rebuild it in parts")));
    }
    Ok(())
}

/// The days a scheduled or manual run computes: the last `recompute_days` attendance days up to
/// the one before today's (today's is not over).
pub fn scheduled_range(settings: &AttendanceTaskSettings, rules: &AttendanceRules, now: DateTime<Utc>) -> (NaiveDate, NaiveDate) {
    let today = attendance_date(now, rules);
    let to = today.pred_opt().unwrap_or(today);
    let from = to - Duration::days(i64::from(settings.recompute_days.max(1)) - 1);
    (from, to)
}

/// The instant of `time` on `date` in `tz` (the earlier one when the clock goes back, the
/// hour after when it skips).
fn local_instant(tz: Tz, date: NaiveDate, time: ClockTime) -> DateTime<Utc> {
    let naive = date.and_hms_opt(time.minutes() / 60, time.minutes() % 60, 0).expect("valid time");
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(naive + Duration::hours(1))).earliest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| naive.and_utc())
}

/// When the schedule starts the next run: today's `run_at` if it has passed with no scheduled
/// run since (due now), else the next `run_at` to come. `None` while disabled.
pub fn next_run_at(
    settings: &AttendanceTaskSettings,
    tz: Tz,
    last_scheduled_start: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if !settings.enabled {
        return None;
    }
    let run_at: ClockTime = settings.run_at.parse().ok()?;
    let today = now.with_timezone(&tz).date_naive();
    let todays = local_instant(tz, today, run_at);
    if todays <= now {
        if last_scheduled_start.is_none_or(|t| t < todays) {
            return Some(now);
        }
        return Some(local_instant(tz, today.succ_opt()?, run_at));
    }
    Some(todays)
}

/// Today's start time of the schedule (in `tz`), the same for every server: it names the
/// scheduled run so that it is made once.
fn todays_start(settings: &AttendanceTaskSettings, tz: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let run_at: ClockTime = settings.run_at.parse().ok()?;
    Some(local_instant(tz, now.with_timezone(&tz).date_naive(), run_at))
}

fn run_from_row(row: RunRow) -> TaskRun {
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

type RunRow = (i64, String, String, String, i64, Option<i64>, String, i64, i64, i64, i64, Option<String>);
const RUN_COLUMNS: &str =
    "id, trigger_kind, from_date, to_date, started_at, finished_at, status, days_total, days_done, events_read, daily_records, message";

pub async fn get_run(db: &Db, id: i64) -> Result<TaskRun> {
    let row: Option<RunRow> =
        sqlx::query_as(&format!("SELECT {RUN_COLUMNS} FROM attendance_task_runs WHERE id = $1")).bind(id).fetch_optional(&db.pool).await?;
    row.map(run_from_row).ok_or_else(|| Error::NotFound(format!("no attendance task run {id}")))
}

/// The latest `limit` runs, newest first.
pub async fn recent_runs(db: &Db, limit: i64) -> Result<Vec<TaskRun>> {
    let rows: Vec<RunRow> = sqlx::query_as(&format!("SELECT {RUN_COLUMNS} FROM attendance_task_runs ORDER BY id DESC LIMIT $1"))
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.into_iter().map(run_from_row).collect())
}

async fn last_scheduled_start(db: &Db) -> Result<Option<DateTime<Utc>>> {
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
    Ok(TaskOverview { settings, running, recent, next_run_at: next })
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
async fn begin_lease(
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
        return Err(Error::conflict("", "the attendance task is already running: wait for it or stop it"));
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
async fn already_running(db: &Db, scheduled_for: Option<i64>) -> Error {
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
                format!(
                    "run {id} of the attendance task has been running since {since} in another Kinmu process: \
                     wait for it, or stop it there (if that process was killed, its run is marked interrupted a minute after its last sign of life)"
                ),
            )
        }
        Ok(None) if scheduled_for.is_some() => Error::conflict("", "this scheduled run was already started by another Kinmu server"),
        Ok(None) => Error::conflict("", "another Kinmu process started a run at the same moment: look at the task's runs"),
        Err(e) => e.into(),
    }
}

/// Renews the run's lease (see [`crate::database::lease`]) while it runs; a run whose lease
/// was taken over (marked interrupted by another process) is asked to stop.
fn keep_lease(db: &Db, control: &TaskControl, run_id: i64) -> Renewal {
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

/// Runs a recorded run to its end, reporting progress after each day. The run's row holds the
/// outcome; so does the value returned.
pub async fn execute(db: &Db, control: &TaskControl, mut run: TaskRun, now: DateTime<Utc>, mut progress: impl FnMut(&TaskRun)) -> TaskRun {
    let started = Instant::now();
    let lease = keep_lease(db, control, run.id);
    let outcome = compute_and_store(db, control, &mut run, now, &mut progress).await;
    drop(lease);
    let (status, message) = match outcome {
        Ok(note) if control.stop_requested() && run.days_done < run.days_total => (
            TaskStatus::Stopped,
            Some(format!(
                "stopped after {} of {} days: those days are stored, the others keep their previous records{}",
                run.days_done,
                run.days_total,
                note.map(|n| format!("; {n}")).unwrap_or_default()
            )),
        ),
        Ok(note) => (TaskStatus::Completed, note),
        Err(e) => {
            tracing::error!(run = run.id, error = %e, "the attendance task failed");
            (TaskStatus::Failed, Some(format!("{e}: the days stored before the error are whole")))
        }
    };
    run.status = status;
    run.message = message;
    run.finished_at = Some(now.timestamp() + started.elapsed().as_secs() as i64);
    if let Err(e) = sqlx::query(
        // Only while it holds its lease: a run marked interrupted elsewhere stays so.
        "UPDATE attendance_task_runs SET status = $1, finished_at = $2, message = $3, days_done = $4, events_read = $5, daily_records = $6 \
         WHERE id = $7 AND status = 'running'",
    )
    .bind(run.status.key())
    .bind(run.finished_at)
    .bind(run.message.clone())
    .bind(run.days_done)
    .bind(run.events_read)
    .bind(run.daily_records)
    .bind(run.id)
    .execute(&db.pool)
    .await
    {
        tracing::error!(run = run.id, error = %e, "cannot record the end of the attendance task");
    }
    tracing::info!(
        run = run.id,
        status = run.status.key(),
        days = run.days_done,
        records = run.daily_records,
        events = run.events_read,
        ms = started.elapsed().as_millis() as u64,
        "attendance task finished"
    );
    progress(&run);
    control.running.store(false, Ordering::SeqCst);
    control.stop.store(false, Ordering::SeqCst);
    run
}

/// Everything the computation needs besides the events.
struct Context {
    book: RuleBook,
    directory: Directory,
    settings: AttendanceTaskSettings,
    /// The user-name rules that key persons (the company's).
    names: UserNameRules,
}

async fn compute_and_store(
    db: &Db,
    control: &TaskControl,
    run: &mut TaskRun,
    now: DateTime<Utc>,
    progress: &mut impl FnMut(&TaskRun),
) -> Result<Option<String>> {
    let from = parse_date("from", &run.from)?;
    let to = parse_date("to", &run.to)?;
    let company = rule_settings::company_rules(db).await?;
    let book = RuleBook::build(company.clone(), &organizations::list(db).await?, &rule_settings::overrides(db).await?);
    book.validate()?;
    let settings = rule_settings::task_settings(db).await?;
    let ctx = Context { names: company.user_names.clone(), book, directory: Directory::load(db).await?, settings };

    // Days whose events are past retention cannot be rebuilt, and daily records past retention
    // would be deleted at once: skip them (their records stay as they are).
    let mut note = None;
    let mut first = from;
    let today = attendance_date(now, &company);
    let keep = ctx.settings.retention;
    let limits = [(keep.events_days, "their events are past the retention of raw events"), (keep.daily_days, "daily records are kept")];
    for (days, why) in limits {
        if days == 0 {
            continue;
        }
        let horizon = today - Duration::days(i64::from(days));
        if first < horizon {
            let kept = (horizon.min(to + Duration::days(1)) - first).num_days();
            note = Some(format!("{kept} days before {horizon} were skipped ({why} {days} days)"));
            run.days_done += kept;
            first = horizon;
        }
    }
    let days: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= to).collect();
    let mut months: BTreeSet<(i32, u32)> = BTreeSet::new();
    let mut written_days: Vec<NaiveDate> = Vec::new();
    // Where the time goes, logged at the end (the benchmark prints it).
    let mut phases = Phases::default();
    for chunk in days.chunks(CHUNK_DAYS) {
        if control.stop_requested() {
            break;
        }
        let (a, b) = (chunk[0], *chunk.last().expect("non-empty chunk"));
        let clock = Instant::now();
        let loaded = load_events(db, &ctx, a, b).await?;
        let previous = previous_clock_outs(db, a).await?;
        phases.load += clock.elapsed();
        let clock = Instant::now();
        let mut computed = {
            let ctx_book = ctx.book.clone();
            let directory = ctx.directory.clone();
            let names = ctx.names.clone();
            tokio::task::spawn_blocking(move || compute_chunk(&ctx_book, &directory, &names, loaded, a, b, &previous, now))
                .await
                .map_err(|e| Error::Internal(format!("the computation stopped: {e}")))?
        };
        run.events_read += computed.events_used as i64;
        phases.compute += clock.elapsed();
        let clock = Instant::now();
        for day in chunk {
            if control.stop_requested() {
                break;
            }
            let written = store_day(db, run.id, *day, &mut computed).await?;
            run.days_done += 1;
            run.daily_records += written as i64;
            months.insert((day.year(), day.month()));
            written_days.push(*day);
            sqlx::query("UPDATE attendance_task_runs SET days_done = $1, events_read = $2, daily_records = $3 WHERE id = $4")
                .bind(run.days_done)
                .bind(run.events_read)
                .bind(run.daily_records)
                .bind(run.id)
                .execute(&db.pool)
                .await?;
            progress(run);
        }
        phases.store += clock.elapsed();
    }
    let clock = Instant::now();
    for (y, m) in months {
        total_month(db, run.id, y, m).await?;
    }
    phases.monthly += clock.elapsed();
    let clock = Instant::now();
    // The output profiles' files for the days stored (a profile that fails is reported).
    if !written_days.is_empty() {
        let profiles = super::output_profiles::enabled(db).await?;
        if !profiles.is_empty() {
            let report = super::output_profiles::run(db, &profiles, &written_days, &control.output_roots, now.timestamp()).await?;
            tracing::info!(files = report.files.len(), deleted = report.deleted, errors = report.errors.len(), "output profiles written");
            if !report.errors.is_empty() {
                let files = format!("output files not written: {}", report.errors.join("; "));
                note = Some(match note {
                    Some(n) => format!("{n}; {files}"),
                    None => files,
                });
            }
        }
    }
    let removed = retention::apply(db, &ctx.settings.retention, attendance_date(now, &company)).await?;
    if removed.any() {
        tracing::info!(?removed, "retention applied");
    }
    phases.retention += clock.elapsed();
    tracing::info!(
        run = run.id,
        load_ms = phases.load.as_millis() as u64,
        compute_ms = phases.compute.as_millis() as u64,
        store_ms = phases.store.as_millis() as u64,
        monthly_ms = phases.monthly.as_millis() as u64,
        retention_ms = phases.retention.as_millis() as u64,
        "attendance task phases"
    );
    Ok(note)
}

/// Time spent in each phase of a run: reading events (and the day before's clock-outs),
/// computing, writing the days, totalling the months, retention.
#[derive(Debug, Default)]
struct Phases {
    load: std::time::Duration,
    compute: std::time::Duration,
    store: std::time::Duration,
    monthly: std::time::Duration,
    retention: std::time::Duration,
}

/// The clock logs of attendance days `a`–`b`, by person: each stored event inside the days
/// of its person's rule set (time zone and boundary) that those rules take as a clock-in or
/// clock-out log. Only events whose operation a clock-in or clock-out condition names are
/// read, when every condition names one.
async fn load_events(db: &Db, ctx: &Context, a: NaiveDate, b: NaiveDate) -> Result<Loaded> {
    let plan = Arc::new(LoadPlan::new(ctx, a, b));
    let start = plan.windows.iter().map(|w| w.0).min().expect("company rules");
    let end = plan.windows.iter().map(|w| w.1).max().expect("company rules");
    const COLUMNS: &str = "log_user, occurred_at, host, target, operation, detail";
    let sqlite_sql = format!("SELECT {COLUMNS} FROM attendance_events WHERE occurred_at >= $1 AND occurred_at < $2");
    // PostgreSQL filters in its own process, comparing in the "C" collation (ASCII case, as
    // `Loaded::wants` does; a locale's UPPER() converts every operation to wide characters
    // and back). SQLite's UPPER() would copy every operation, so there the rows are filtered
    // as they are read (`Loaded::wants`).
    let mut postgres_filter = String::new();
    if let Some(operations) = &plan.operations {
        if operations.is_empty() {
            return Ok(Loaded::new(plan));
        }
        let listed: Vec<String> = operations.iter().map(|o| postgres_copy::text_literal(o)).collect();
        postgres_filter = format!(" AND UPPER(operation COLLATE \"C\") IN ({})", listed.join(", "));
    }
    // Millions of rows: through the engine's own driver, reading the text in place, one
    // slice of the time range per core, each into its own state, merged at the end.
    let parts = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
    // Logs crowd into working hours: each reader takes every parts-th quarter of an hour, so
    // the readers get about as many rows each.
    const SLICE_MICROS: i64 = 15 * 60 * 1_000_000;
    let slices: Vec<(i64, i64)> =
        (0..).map(|i| start + i * SLICE_MICROS).take_while(|from| *from < end).map(|from| (from, (from + SLICE_MICROS).min(end))).collect();
    let mut readers = Vec::new();
    for reader in 0..parts {
        let mine: Vec<(i64, i64)> = slices.iter().copied().skip(reader).step_by(parts).collect();
        let loaded = Loaded::new(plan.clone());
        readers.push(match db.native().clone() {
            Native::Sqlite(pool) => {
                let sql = sqlite_sql.clone();
                tokio::spawn(async move {
                    let mut loaded = loaded;
                    for (from, to) in mine {
                        let params = vec![Param::Int(from), Param::Int(to)];
                        loaded = sqlite_rows::for_each_row(&pool, sql.clone(), params, loaded, |loaded, row| {
                            if !loaded.wants(row.text(4)?) {
                                return Ok(());
                            }
                            loaded.add(row.text(0)?, row.int(1), row.text(2)?, row.text(3)?, row.text(4)?, row.text(5)?);
                            Ok(())
                        })
                        .await?;
                    }
                    Ok(loaded)
                })
            }
            // Through `COPY … TO STDOUT` in binary: the rows arrive without a statement's
            // per-row decoding (the slice's bounds are in the query's text: COPY takes no
            // parameters).
            Native::Postgres(pool) => {
                let filter = postgres_filter.clone();
                tokio::spawn(async move {
                    let mut conn = pool.acquire().await?;
                    let mut loaded = loaded;
                    for (from, to) in mine {
                        let query =
                            format!("SELECT {COLUMNS} FROM attendance_events WHERE occurred_at >= {from} AND occurred_at < {to}{filter}");
                        let read = postgres_copy::read_binary(&mut conn, &query, 6, loaded, |loaded, c| {
                            loaded.add(c[0].text()?, c[1].int()?, c[2].text()?, c[3].text()?, c[4].text()?, c[5].text()?);
                            Ok(())
                        })
                        .await;
                        loaded = match read {
                            Ok(loaded) => loaded,
                            Err(e) => {
                                // The rest of the COPY may still be on its way: not for the pool.
                                conn.close_on_drop();
                                return Err(e);
                            }
                        };
                    }
                    Ok::<_, Error>(loaded)
                })
            }
        });
    }
    let mut merged: Option<Loaded> = None;
    for reader in readers {
        let part = reader.await.map_err(|e| Error::Internal(format!("reading the events stopped: {e}")))??;
        match merged.as_mut() {
            None => merged = Some(part),
            Some(m) => m.absorb(part),
        }
    }
    Ok(merged.unwrap_or_else(|| Loaded::new(plan)))
}

/// What every reader of [`load_events`] reads by, built once for the chunk of days.
struct LoadPlan {
    names: UserNameRules,
    directory: Directory,
    /// Each rule set's rules and its days' window (microseconds), and the rule set of each
    /// organisation that has its own.
    rules: Vec<AttendanceRules>,
    windows: Vec<(i64, i64)>,
    group_of_org: HashMap<i64, usize>,
    /// The operations (upper case) some condition names (`None`: a condition names none,
    /// every event counts).
    operations: Option<Vec<String>>,
    /// Whether terminals are named (per-terminal records are asked for).
    with_terminals: bool,
}

impl LoadPlan {
    fn new(ctx: &Context, a: NaiveDate, b: NaiveDate) -> LoadPlan {
        let groups = ctx.book.groups();
        let group_of_org = groups.iter().enumerate().flat_map(|(i, (_, orgs))| orgs.iter().map(move |o| (*o, i))).collect();
        // Each rule set's days begin at its own boundary in its own time zone.
        let windows = groups
            .iter()
            .map(|(r, _)| {
                (
                    local_instant(r.time_zone, a, r.day_boundary).timestamp_micros(),
                    local_instant(r.time_zone, b + Duration::days(1), r.day_boundary).timestamp_micros(),
                )
            })
            .collect();
        let operations: Option<BTreeSet<String>> = groups
            .iter()
            .flat_map(|(r, _)| r.clock_in.iter().chain(r.clock_out.iter()))
            .map(|c| c.operation.as_ref().map(|o| o.trim().to_ascii_uppercase()))
            .collect();
        LoadPlan {
            names: ctx.names.clone(),
            directory: ctx.directory.clone(),
            rules: groups.into_iter().map(|(r, _)| r).collect(),
            windows,
            group_of_org,
            operations: operations.map(|ops| ops.into_iter().collect()),
            with_terminals: ctx.settings.terminals,
        }
    }
}

/// What a reader of [`load_events`] has read: each person's clock logs under the rules of the
/// person's organisation, read from the rows in place (no event is built).
struct Loaded {
    plan: Arc<LoadPlan>,
    terminals: TerminalNames,
    /// Each logged name's person (an index into `persons`).
    by_logged: foldhash::HashMap<String, usize>,
    by_key: foldhash::HashMap<String, usize>,
    persons: Vec<LoadedPerson>,
    /// Events inside their person's days.
    events_used: usize,
}

/// One person's share of [`Loaded`].
struct LoadedPerson {
    key: String,
    /// The first name the person logged in with, for the display name, and when.
    logged: String,
    first_at: i64,
    organization_id: Option<i64>,
    /// The person's rule set (an index into `LoadPlan::rules`).
    group: usize,
    logs: Vec<ClockLog>,
    /// The terminal of the person's last clock log (most are on the same one: a name comparison
    /// instead of a lookup).
    last_terminal: Option<u32>,
}

impl Loaded {
    fn new(plan: Arc<LoadPlan>) -> Loaded {
        Loaded {
            plan,
            terminals: TerminalNames::new(),
            by_logged: Default::default(),
            by_key: Default::default(),
            persons: Vec::new(),
            events_used: 0,
        }
    }

    /// Adds what another reader of the same days has read. Each reader reads its slices in
    /// time order, so a person's first logged name is the one read first by either.
    fn absorb(&mut self, other: Loaded) {
        self.events_used += other.events_used;
        let mut index_of_other: Vec<usize> = Vec::with_capacity(other.persons.len());
        for p in &other.persons {
            let mine = match self.by_key.get(&p.key) {
                Some(m) => {
                    let mine = &mut self.persons[*m];
                    if p.first_at < mine.first_at {
                        mine.first_at = p.first_at;
                        mine.logged = p.logged.clone();
                    }
                    *m
                }
                None => {
                    self.persons.push(LoadedPerson {
                        key: p.key.clone(),
                        logged: p.logged.clone(),
                        first_at: p.first_at,
                        organization_id: p.organization_id,
                        group: p.group,
                        logs: Vec::new(),
                        last_terminal: None,
                    });
                    self.by_key.insert(p.key.clone(), self.persons.len() - 1);
                    self.persons.len() - 1
                }
            };
            index_of_other.push(mine);
        }
        for (logged, i) in other.by_logged {
            self.by_logged.entry(logged).or_insert(index_of_other[i]);
        }
        // The other reader's terminal indexes in this one's table, looked up once per terminal
        // (none without terminals: every log's index stays 0).
        let terminals: Vec<u32> = (0..other.terminals.len() as u32).map(|t| self.terminals.index(other.terminals.name(t))).collect();
        for (p, mine) in other.persons.into_iter().zip(index_of_other) {
            self.persons[mine].logs.extend(p.logs.into_iter().map(|mut l| {
                l.terminal = terminals.get(l.terminal as usize).copied().unwrap_or(0);
                l
            }));
        }
    }

    /// Whether an event with this operation may be a clock log.
    fn wants(&self, operation: &str) -> bool {
        self.plan.operations.as_ref().is_none_or(|ops| ops.iter().any(|o| o.eq_ignore_ascii_case(operation.trim())))
    }

    fn person(&mut self, logged: &str, at: i64) -> usize {
        if let Some(i) = self.by_logged.get(logged) {
            return *i;
        }
        let key = person_key(logged, &self.plan.names);
        let i = match self.by_key.get(&key) {
            Some(i) => *i,
            None => {
                let organization_id = self.plan.directory.owner(&key).and_then(|o| o.organization_id);
                let group = organization_id.and_then(|o| self.plan.group_of_org.get(&o).copied()).unwrap_or(0);
                let logged = logged.to_string();
                self.persons.push(LoadedPerson {
                    key: key.clone(),
                    logged,
                    first_at: at,
                    organization_id,
                    group,
                    logs: Vec::new(),
                    last_terminal: None,
                });
                self.by_key.insert(key, self.persons.len() - 1);
                self.persons.len() - 1
            }
        };
        self.by_logged.insert(logged.to_string(), i);
        i
    }

    fn add(&mut self, logged: &str, at: i64, host: &str, target: &str, operation: &str, detail: &str) {
        let i = self.person(logged, at);
        let group = self.persons[i].group;
        let (from, to) = self.plan.windows[group];
        if at < from || at >= to {
            return;
        }
        let Some(time) = DateTime::<Utc>::from_timestamp_micros(at) else { return };
        self.events_used += 1;
        let rules = &self.plan.rules[group];
        let fields = detail_fields(detail);
        let (clock_in, clock_out) = rules.clock_roles(operation, fields.as_slice());
        if !clock_in && !clock_out {
            return;
        }
        let terminal = if self.plan.with_terminals {
            let name = terminal_name(rules, target, host, fields.as_slice());
            match self.persons[i].last_terminal {
                Some(t) if self.terminals.name(t) == name => t,
                _ => self.terminals.index(name),
            }
        } else {
            0
        };
        let identity = event_identity(host, target, operation, detail);
        let person = &mut self.persons[i];
        person.last_terminal = Some(terminal);
        person.logs.push(ClockLog { time, clock_in, clock_out, identity, terminal });
    }
}

/// Each person's stored clock-out on `date - 1`, for the first day's work interval.
async fn previous_clock_outs(db: &Db, date: NaiveDate) -> Result<HashMap<String, i64>> {
    let Some(before) = date.pred_opt() else { return Ok(HashMap::new()) };
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT person_key, clock_out_at FROM attendance_daily WHERE work_date = $1 AND clock_out_at IS NOT NULL")
            .bind(before.to_string())
            .fetch_all(&db.pool)
            .await?;
    Ok(rows.into_iter().collect())
}

/// A person's daily record with what the store needs beside it.
struct PersonDay {
    record: DailyRecord,
    account: String,
    display_name: String,
    organization_id: Option<i64>,
}

/// A chunk's records by date.
struct Computed {
    /// Events inside the chunk's days under their person's rules.
    events_used: usize,
    daily: HashMap<NaiveDate, Vec<PersonDay>>,
    terminals: HashMap<NaiveDate, Vec<TerminalRecord>>,
}

/// A person's display name under the company's user-name rules (`logged` is a name the person
/// logged in with).
fn display_name(person: &str, logged: Option<&String>, names: &UserNameRules, directory: &Directory) -> String {
    if names.mode == UserNameMode::DisplayName
        && let Some(owner) = directory.owner(person)
    {
        return owner.display_name.clone();
    }
    names.display(logged.map_or(person, String::as_str), &Default::default())
}

#[allow(clippy::too_many_arguments)]
fn compute_chunk(
    book: &RuleBook,
    directory: &Directory,
    names: &UserNameRules,
    loaded: Loaded,
    a: NaiveDate,
    b: NaiveDate,
    previous: &HashMap<String, i64>,
    now: DateTime<Utc>,
) -> Computed {
    let Loaded { plan, persons, terminals: terminal_names, events_used, .. } = loaded;
    let (group_rules, with_terminals) = (&plan.rules, plan.with_terminals);
    let mut org_of: HashMap<String, Option<i64>> = HashMap::new();
    let mut logged: HashMap<String, String> = HashMap::new();
    let mut by_group: Vec<Vec<PersonLogs>> = (0..group_rules.len()).map(|_| Vec::new()).collect();
    for p in persons {
        org_of.insert(p.key.clone(), p.organization_id);
        logged.insert(p.key.clone(), p.logged);
        by_group[p.group].push(PersonLogs { person: p.key, logs: p.logs });
    }
    let years = [a.year() - 1, a.year(), b.year(), b.year() + 1];
    let mut daily: HashMap<NaiveDate, Vec<PersonDay>> = HashMap::new();
    let mut terminal_records: HashMap<NaiveDate, Vec<TerminalRecord>> = HashMap::new();
    let mut owned: HashSet<i64> = HashSet::new();
    let mut computed_persons: HashSet<String> = HashSet::new();
    let keyed = |rules: &AttendanceRules| {
        // Events already carry person keys: keep them as they are.
        let mut r = rules.clone();
        r.user_names = UserNameRules { mode: UserNameMode::AsLogged, strip_domain: false };
        r
    };
    for (rules, mut people) in group_rules.iter().zip(by_group) {
        if people.is_empty() {
            continue;
        }
        people.sort_by(|x, y| x.person.cmp(&y.person));
        let rules = keyed(rules);
        let calendar = HolidayCalendar::new(&rules.holidays, years);
        let options = RunOptions { terminals: with_terminals, threads: 0 };
        let result = compute_people(&people, &terminal_names, a..=b, &rules, &calendar, now, options);
        for r in result.daily {
            let owner = directory.owner(&r.user);
            if computed_persons.insert(r.user.clone())
                && let Some(o) = owner
            {
                owned.insert(o.user_id);
            }
            // A log user without an account has no known schedule: only the days they logged
            // are theirs (so the records do not depend on how the run splits its days).
            if owner.is_none() && r.logon.is_none() && r.logoff.is_none() {
                continue;
            }
            let person = r.user.clone();
            daily.entry(r.date).or_default().push(PersonDay {
                account: account_of(&person),
                display_name: display_name(&person, logged.get(&person), names, directory),
                organization_id: *org_of.get(&person).unwrap_or(&None),
                record: r,
            });
        }
        for t in result.terminals {
            terminal_records.entry(t.date).or_default().push(t);
        }
    }
    // Kinmu users with log accounts but no logs in the chunk: absent days and holidays.
    let mut seen: HashSet<String> = HashSet::new();
    for (log_account, owner) in directory.accounts() {
        if owned.contains(&owner.user_id) {
            continue;
        }
        let person = person_key(log_account, names);
        if !seen.insert(person.clone()) || computed_persons.contains(&person) {
            continue;
        }
        owned.insert(owner.user_id);
        let rules = keyed(book.for_organization(owner.organization_id));
        let calendar = HolidayCalendar::new(&rules.holidays, years);
        for r in compute_user_days(&person, std::iter::empty(), a..=b, &rules, &calendar, now) {
            daily.entry(r.date).or_default().push(PersonDay {
                account: account_of(&person),
                display_name: display_name(&person, Some(&log_account.to_string()), names, directory),
                organization_id: owner.organization_id,
                record: r,
            });
        }
    }
    // The first day's work interval, from the stored day before.
    if let Some(first) = daily.get_mut(&a) {
        for p in first.iter_mut() {
            if let (Some(cin), Some(out)) = (&p.record.clock_in, previous.get(&p.record.user)) {
                p.record.work_interval_minutes = Some((cin.time.timestamp() - out) / 60);
            }
        }
    }
    Computed { events_used, daily, terminals: terminal_records }
}

const DAILY_COLUMNS: &str = "work_date, person_key, account, display_name, organization_id, holiday, worked, absent, \
    missing_clock_in, missing_clock_out, in_progress, holiday_kind, holiday_name, logon_at, logoff_at, clock_in_at, \
    clock_out_at, clock_in_text, clock_out_text, work_interval_minutes, actual_work_minutes, non_scheduled_work_minutes, \
    overtime_minutes, regular_overtime_minutes, late_night_minutes, late_night_overtime_minutes, late_minutes, \
    early_leave_minutes, run_id";

const TERMINAL_COLUMNS: &str = "work_date, person_key, terminal, account, display_name, first_logon_at, last_logoff_at, run_id";

/// How many columns [`DAILY_COLUMNS`] and [`TERMINAL_COLUMNS`] name.
const DAILY_COLUMN_COUNT: usize = 29;
const TERMINAL_COLUMN_COUNT: usize = 8;

/// The columns of a person's stored day, in the order of [`DAILY_COLUMNS`].
fn daily_values<'a>(day: &'a str, p: &'a PersonDay, run_id: i64) -> [Value<'a>; DAILY_COLUMN_COUNT] {
    let r = &p.record;
    let int = |v: Option<i64>| v.map_or(Value::Null, Value::Int);
    let flag = |b: bool| Value::Int(i64::from(b));
    let minutes = |m: u32| Value::Int(i64::from(m));
    let (kind, name) = r.holiday.as_ref().map_or((None, ""), |h| {
        let (kind, name) = holiday_kind(h);
        (Some(kind), name)
    });
    [
        Value::Text(day),
        Value::Text(&r.user),
        Value::Text(&p.account),
        Value::Text(&p.display_name),
        int(p.organization_id),
        flag(r.holiday.is_some()),
        flag(r.worked()),
        flag(r.absent),
        flag(r.missing_clock_in),
        flag(r.missing_clock_out),
        flag(r.in_progress),
        kind.map_or(Value::Null, Value::Text),
        Value::Text(name),
        int(r.logon.map(|t| t.timestamp())),
        int(r.logoff.map(|t| t.timestamp())),
        int(r.clock_in.as_ref().map(|c| c.time.timestamp())),
        int(r.clock_out.as_ref().map(|c| c.time.timestamp())),
        Value::Text(r.clock_in.as_ref().map_or("", |c| c.text.as_str())),
        Value::Text(r.clock_out.as_ref().map_or("", |c| c.text.as_str())),
        int(r.work_interval_minutes),
        minutes(r.actual_work_minutes),
        minutes(r.non_scheduled_work_minutes),
        minutes(r.overtime_minutes),
        minutes(r.regular_overtime_minutes),
        minutes(r.late_night_minutes),
        minutes(r.late_night_overtime_minutes),
        minutes(r.late_minutes),
        minutes(r.early_leave_minutes),
        Value::Int(run_id),
    ]
}

/// The columns of a stored per-terminal record, in the order of [`TERMINAL_COLUMNS`].
fn terminal_values<'a>(
    day: &'a str,
    t: &'a TerminalRecord,
    account: &'a str,
    name: &'a str,
    run_id: i64,
) -> [Value<'a>; TERMINAL_COLUMN_COUNT] {
    let int = |v: Option<i64>| v.map_or(Value::Null, Value::Int);
    [
        Value::Text(day),
        Value::Text(&t.user),
        Value::Text(&t.terminal),
        Value::Text(account),
        Value::Text(name),
        int(t.first_logon.map(|t| t.timestamp())),
        int(t.last_logoff.map(|t| t.timestamp())),
        Value::Int(run_id),
    ]
}

/// Replaces `date`'s stored records with the computed ones (taken out of `computed`), in one
/// transaction: on SQLite through statements prepared once on a lent connection, on PostgreSQL
/// through `COPY … FROM STDIN`.
async fn store_day(db: &Db, run_id: i64, date: NaiveDate, computed: &mut Computed) -> Result<usize> {
    let day = date.to_string();
    let rows = computed.daily.remove(&date).unwrap_or_default();
    let terminals = computed.terminals.remove(&date).unwrap_or_default();
    let count = rows.len();
    // A terminal row shows the person's name as their daily row does.
    let names: HashMap<&str, &str> = rows.iter().map(|p| (p.record.user.as_str(), p.display_name.as_str())).collect();
    let terminal_rows: Vec<(String, String)> = terminals
        .iter()
        .map(|t| (account_of(&t.user), names.get(t.user.as_str()).copied().unwrap_or(t.user.as_str()).to_string()))
        .collect();
    drop(names);
    let pool = match db.native() {
        Native::Postgres(pool) => pool,
        Native::Sqlite(pool) => {
            return sqlite_rows::with_connection(pool, move |c| {
                c.execute("BEGIN IMMEDIATE")?;
                c.prepare("DELETE FROM attendance_daily WHERE work_date = ?1")?.execute(&[Value::Text(&day)])?;
                c.prepare("DELETE FROM attendance_terminals WHERE work_date = ?1")?.execute(&[Value::Text(&day)])?;
                let mut insert = c.prepare(&format!(
                    "INSERT INTO attendance_daily ({DAILY_COLUMNS}) VALUES ({})",
                    positional_placeholders(DatabaseKind::Sqlite, 1, DAILY_COLUMN_COUNT)
                ))?;
                for p in &rows {
                    insert.execute(&daily_values(&day, p, run_id))?;
                }
                drop(insert);
                let mut insert = c.prepare(&format!(
                    "INSERT INTO attendance_terminals ({TERMINAL_COLUMNS}) VALUES ({}) ON CONFLICT DO NOTHING",
                    positional_placeholders(DatabaseKind::Sqlite, 1, TERMINAL_COLUMN_COUNT)
                ))?;
                for (t, (account, name)) in terminals.iter().zip(&terminal_rows) {
                    insert.execute(&terminal_values(&day, t, account, name, run_id))?;
                }
                drop(insert);
                c.execute("COMMIT")?;
                Ok(count)
            })
            .await;
        }
    };
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM attendance_daily WHERE work_date = $1").bind(&day).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM attendance_terminals WHERE work_date = $1").bind(&day).execute(&mut *tx).await?;
    let mut copy = tx.copy_in_raw(&format!("COPY attendance_daily ({DAILY_COLUMNS}) FROM STDIN")).await?;
    let mut out = postgres_copy::CopyRows::new();
    for p in &rows {
        out.row(&daily_values(&day, p, run_id), &mut copy).await?;
    }
    out.finish(copy).await?;
    // COPY has no ON CONFLICT: a person's terminal is stored once, the first (as the SQLite
    // store's `ON CONFLICT DO NOTHING` keeps it).
    let mut stored: HashSet<(&str, &str)> = HashSet::with_capacity(terminals.len());
    let mut copy = tx.copy_in_raw(&format!("COPY attendance_terminals ({TERMINAL_COLUMNS}) FROM STDIN")).await?;
    let mut out = postgres_copy::CopyRows::new();
    for (t, (account, name)) in terminals.iter().zip(&terminal_rows) {
        if !stored.insert((t.user.as_str(), t.terminal.as_str())) {
            continue;
        }
        out.row(&terminal_values(&day, t, account, name, run_id), &mut copy).await?;
    }
    out.finish(copy).await?;
    tx.commit().await?;
    Ok(count)
}

/// A holiday's kind and name as stored (`weekly`, `national` with its name, `company`).
fn holiday_kind(h: &HolidayKind) -> (&'static str, &str) {
    match h {
        HolidayKind::Weekly(_) => ("weekly", ""),
        HolidayKind::National(name) => ("national", name.as_str()),
        HolidayKind::Company => ("company", ""),
    }
}

/// Recomputes the monthly records of `year`-`month` from the stored daily records.
async fn total_month(db: &Db, run_id: i64, year: i32, month: u32) -> Result<()> {
    let first = NaiveDate::from_ymd_opt(year, month, 1).expect("valid month");
    let last = first.checked_add_months(chrono::Months::new(1)).and_then(|d| d.pred_opt()).expect("valid month");
    let key = format!("{year:04}-{month:02}");
    let sums = "actual_work_minutes, non_scheduled_work_minutes, overtime_minutes, regular_overtime_minutes, \
                late_night_minutes, late_night_overtime_minutes, late_minutes, early_leave_minutes";
    let summed = sums.split(',').map(|c| format!("SUM({})", c.trim())).collect::<Vec<_>>().join(", ");
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM attendance_monthly WHERE month = $1").bind(&key).execute(&mut *tx).await?;
    sqlx::query(&format!(
        "INSERT INTO attendance_monthly (month, person_key, account, display_name, organization_id, late_count, early_leave_count, \
         {sums}, days_worked, holiday_days_worked, days_without_clock_in, days_without_clock_out, absent_days, run_id) \
         SELECT $1, person_key, MAX(account), MAX(display_name), MAX(organization_id), \
         SUM(CASE WHEN late_minutes > 0 THEN 1 ELSE 0 END), SUM(CASE WHEN early_leave_minutes > 0 THEN 1 ELSE 0 END), \
         {summed}, SUM(worked), SUM(worked * holiday), SUM(missing_clock_in), SUM(missing_clock_out), SUM(absent), $2 \
         FROM attendance_daily WHERE work_date >= $3 AND work_date <= $4 GROUP BY person_key"
    ))
    .bind(&key)
    .bind(run_id)
    .bind(first.to_string())
    .bind(last.to_string())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Starts the run in the background (for the API) and answers with its row.
pub async fn spawn(
    db: Db,
    control: Arc<TaskControl>,
    actor: &Actor,
    trigger: TaskTrigger,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<TaskRun> {
    let run = begin(&db, &control, actor, trigger, from, to, now.timestamp()).await?;
    let answer = run.clone();
    tokio::spawn(async move {
        execute(&db, &control, run, now, |_| {}).await;
    });
    Ok(answer)
}

/// The daily schedule: checks twice a minute whether a run is due, until `shutdown` turns true.
pub async fn schedule(db: Db, control: Arc<TaskControl>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    loop {
        if let Err(e) = start_if_due(&db, &control, Utc::now()).await {
            tracing::warn!(error = %e, "the attendance schedule could not start a run");
        }
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(30)) => {}
            _ = shutdown.changed() => {
                control.request_stop();
                return;
            }
        }
    }
}

/// Starts the scheduled run when it is due; returns it.
pub async fn start_if_due(db: &Db, control: &Arc<TaskControl>, now: DateTime<Utc>) -> Result<Option<TaskRun>> {
    let settings = rule_settings::task_settings(db).await?;
    let rules = rule_settings::company_rules(db).await?;
    let due = next_run_at(&settings, rules.time_zone, last_scheduled_start(db).await?, now).is_some_and(|t| t <= now);
    if !due || control.is_running() {
        return Ok(None);
    }
    let (from, to) = scheduled_range(&settings, &rules, now);
    // The instant it was due names the start, so that servers sharing the database make it once.
    let due_at = todays_start(&settings, rules.time_zone, now).map_or(now.timestamp(), |t| t.timestamp());
    let Some(run) = begin_scheduled(db, control, due_at, from, to, now.timestamp()).await? else {
        tracing::info!("the scheduled attendance task was started by another Kinmu server");
        return Ok(None);
    };
    tracing::info!(run = run.id, from = %from, to = %to, "scheduled attendance task started");
    let (db, control, answer) = (db.clone(), control.clone(), run.clone());
    tokio::spawn(async move {
        execute(&db, &control, run, now, |_| {}).await;
    });
    Ok(Some(answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_schedule_is_off_until_enabled_then_daily_at_its_time() {
        let mut s = AttendanceTaskSettings::default();
        let tz = chrono_tz::Asia::Tokyo;
        let now = at("2024-04-02T20:00:00Z"); // 05:00 on the 3rd in Tokyo
        assert_eq!(next_run_at(&s, tz, None, now), None);
        s.enabled = true;
        assert_eq!(next_run_at(&s, tz, None, now), Some(at("2024-04-02T21:00:00Z")));
        // 06:30 in Tokyo, no run yet today: due now.
        let later = at("2024-04-02T21:30:00Z");
        assert_eq!(next_run_at(&s, tz, Some(at("2024-04-01T21:00:00Z")), later), Some(later));
        // It ran at 06:00: next is tomorrow 06:00.
        assert_eq!(next_run_at(&s, tz, Some(at("2024-04-02T21:00:05Z")), later), Some(at("2024-04-03T21:00:00Z")));
    }

    #[test]
    fn the_scheduled_range_ends_with_the_last_finished_day() {
        let s = AttendanceTaskSettings { recompute_days: 3, ..Default::default() };
        let rules = AttendanceRules::default();
        // 06:00 on 2024-04-10 in Tokyo: the 10th has begun (boundary 05:00), the 9th is over.
        let (from, to) = scheduled_range(&s, &rules, at("2024-04-09T21:00:00Z"));
        assert_eq!((from.to_string(), to.to_string()), ("2024-04-07".into(), "2024-04-09".into()));
        // 04:00 on the 10th still belongs to the 9th: the last finished day is the 8th.
        let (_, to) = scheduled_range(&s, &rules, at("2024-04-09T19:00:00Z"));
        assert_eq!(to.to_string(), "2024-04-08");
    }

    #[test]
    fn ranges_are_checked() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(check_range(d("2024-04-01"), d("2024-04-30"), d("2024-05-01")).is_ok());
        let Err(Error::Invalid(f)) = check_range(d("2024-04-30"), d("2024-04-01"), d("2024-05-01")) else { panic!() };
        assert_eq!(f.field, "to");
        let Err(Error::Invalid(f)) = check_range(d("2024-06-01"), d("2024-06-02"), d("2024-05-01")) else { panic!() };
        assert_eq!(f.field, "from");
        assert!(parse_date("from", "2024-13-01").is_err());
    }
}
