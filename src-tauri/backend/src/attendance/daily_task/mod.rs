//! The attendance task (manual 8.2.6, 8.3.6): computes every person's daily records for a range
//! of attendance days from the stored events, under the company's rules and each organisation's
//! overrides, stores them day by day, totals the months touched, and applies retention.
//!
//! - Each day is replaced in one transaction, and a stop request is honoured between days, so a
//!   stopped or failed run leaves every day either wholly new or wholly as before.
//! - One run at a time, across processes: a run is a lease in the database (`runs.rs`).
//! - Events are read one chunk of days at a time; the work interval of a chunk's first day
//!   comes from the stored record of the day before.
//!
//! By step: `schedule` (when runs start), `runs` (their records and the lease), `load` (a chunk's
//! events), `compute` (the engine over them), `store` (days and months written); retention is
//! `super::retention`.

mod compute;
mod load;
mod runs;
mod schedule;
mod store;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use kinmu_attendance::{UserNameRules, attendance_date};
use kinmu_shared::api::{AttendanceTaskSettings, TaskRun, TaskStatus};

use crate::accounts::organizations;
use crate::attendance::people::Directory;
use crate::attendance::retention;
use crate::attendance::rule_settings::{self, RuleBook};
use crate::database::Db;
use crate::error::{Error, Result};

use compute::{Computed, PersonDay, compute_chunk};
use load::{Loaded, load_events, previous_clock_outs};
use runs::{keep_lease, last_scheduled_start};
use schedule::local_instant;
use store::{store_day, total_month};

pub use runs::{begin, begin_scheduled, get_run, mark_interrupted, overview, recent_runs};
pub use schedule::{check_range, next_run_at, schedule, scheduled_range, spawn, start_if_due};

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
pub(super) struct Context {
    book: RuleBook,
    directory: Directory,
    settings: AttendanceTaskSettings,
    /// The user-name rules that key persons (the company's).
    names: UserNameRules,
}

pub(super) async fn compute_and_store(
    db: &Db,
    control: &TaskControl,
    run: &mut TaskRun,
    now: DateTime<Utc>,
    progress: &mut impl FnMut(&TaskRun),
) -> Result<Option<String>> {
    let from = crate::attendance::period::parse_date("from", &run.from)?;
    let to = crate::attendance::period::parse_date("to", &run.to)?;
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
pub(super) struct Phases {
    load: std::time::Duration,
    compute: std::time::Duration,
    store: std::time::Duration,
    monthly: std::time::Duration,
    retention: std::time::Duration,
}
