//! When runs start: the daily schedule, the range a scheduled or manual run covers, the checks on
//! a range asked for.

use kinmu_shared::messages::Text;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use kinmu_attendance::{AttendanceRules, ClockTime, attendance_date};
use kinmu_shared::api::{AttendanceTaskSettings, TaskRun, TaskTrigger};

use crate::accounts::Actor;
use crate::attendance::rule_settings::{self};
use crate::database::Db;
use crate::error::{Error, Result};

use super::*;

/// Checks a range asked for: in order, not in the future, at most [`MAX_DAYS`] long.
pub fn check_range(from: NaiveDate, to: NaiveDate, today: NaiveDate) -> Result<()> {
    if to < from {
        return Err(Error::invalid(
            "to",
            Text::new(
                format!("to ({to}) is before from ({from}): swap them"),
                format!("終了日（{to}）が開始日（{from}）より前です。入れ替えてください。"),
            ),
        ));
    }
    if from > today {
        return Err(Error::invalid(
            "from",
            Text::new(
                format!("from ({from}) is in the future: the last day that can be computed is today, {today}"),
                format!("開始日（{from}）が未来の日付です。計算できるのは今日（{today}）までです。"),
            ),
        ));
    }
    if to > today {
        return Err(Error::invalid(
            "to",
            Text::new(
                format!("to ({to}) is in the future: the last day that can be computed is today, {today}"),
                format!("終了日（{to}）が未来の日付です。計算できるのは今日（{today}）までです。"),
            ),
        ));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(Error::invalid(
            "to",
            Text::new(
                format!("the range is longer than {MAX_DAYS} days: rebuild it in parts"),
                format!("期間が{MAX_DAYS}日を超えています。分けて再計算してください。"),
            ),
        ));
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
pub(super) fn local_instant(tz: Tz, date: NaiveDate, time: ClockTime) -> DateTime<Utc> {
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
pub(super) fn todays_start(settings: &AttendanceTaskSettings, tz: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let run_at: ClockTime = settings.run_at.parse().ok()?;
    Some(local_instant(tz, now.with_timezone(&tz).date_naive(), run_at))
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
        // A rebuild that reaches into the future is refused, naming the last day it could reach.
        assert!(check_range(d("2024-04-01"), d("2024-05-01"), d("2024-05-01")).is_ok());
        let Err(Error::Invalid(f)) = check_range(d("2024-04-01"), d("2024-05-02"), d("2024-05-01")) else { panic!() };
        assert_eq!(f.field, "to");
        assert!(f.message.contains("2024-05-01"), "{}", f.message);
    }
}
