//! The attendance task on SQLite and on a real PostgreSQL server: imported logs become stored
//! daily and monthly records under the company's rules and an organisation's override; log
//! users without an account are computed and become an account's once it names them; a rules
//! change and a rebuild; a stopped run leaves every day whole; one run at a time; retention;
//! settings exported and imported as TOML; members see only their own timesheet; the tables,
//! their CSV and Excel files, output profiles, the 36-agreement check and the rules preview.

mod test_databases;

use chrono::{DateTime, NaiveDate, Utc};
use kinmu::accounts::{Actor, organizations, setup, users};
use kinmu::attendance::daily_task::{self, TaskControl};
use kinmu::attendance::output_roots::OutputRoots;
use kinmu::attendance::reports::{self, CsvEncoding, FileFormat, Period, ReportRequest};
use kinmu::attendance::{agreement, output_profiles, retention, rule_settings, rules_preview, timesheet};
use kinmu::database::Db;
use kinmu::error::Error;
use kinmu::pc_logs::import_file;
use kinmu_attendance::{ClockTime, RulesOverride, TimeRange};
use kinmu_shared::Language;
use kinmu_shared::api::{
    CreateUser, OutputProfile, RankingItem, ReportKind, RetentionSettings, RulesPreviewRequest, SaveOrganization, SetupRequest,
    TableLayout, TaskStatus, TaskTrigger, UpdateUser,
};
use test_databases::{postgres_url, sqlite_url};

/// 2024-04-11 09:00 in Tokyo: every day of 1–10 April is over.
fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-04-11T00:00:00Z").unwrap().with_timezone(&Utc)
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn line(time: &str, user: &str, op: &str, pc: &str) -> String {
    format!("{time},{user},DC001,{pc},{op},ClientName:{pc} LogonType:Script\n")
}

/// Mogami works 8:51–18:12 on the weekdays of 1–10 April and 10:00–15:00 on Sunday the 7th;
/// Yamada (night team) 21:55–07:05 from the 1st to the 2nd; a guest with no account logs on
/// the 2nd; Sato has an account and no logs.
fn logs() -> String {
    let mut csv = String::from("時刻,ユーザー,サーバ,対象,操作,詳細\n");
    for d in ["01", "02", "03", "04", "05", "08", "09", "10"] {
        csv += &line(&format!("2024/04/{d} 08:51:00"), "OSAKA\\a-mogami", "LOGON", "CLPC001");
        csv += &line(&format!("2024/04/{d} 18:12:00"), "OSAKA\\a-mogami", "LOGOFF", "CLPC001");
    }
    csv += &line("2024/04/07 10:00:00", "OSAKA\\a-mogami", "LOGON", "HOME01");
    csv += &line("2024/04/07 15:00:00", "OSAKA\\a-mogami", "LOGOFF", "HOME01");
    csv += &line("2024/04/01 21:55:00", "OSAKA\\t-yamada", "LOGON", "PLANT7");
    csv += &line("2024/04/02 07:05:00", "OSAKA\\t-yamada", "LOGOFF", "PLANT7");
    csv += &line("2024/04/02 09:30:00", "x-guest", "LOGON", "KIOSK");
    csv += &line("2024/04/02 17:00:00", "x-guest", "LOGOFF", "KIOSK");
    // Unrelated access logs are stored but not read by the task.
    csv += "2024/04/02 10:00:00,OSAKA\\a-mogami,FS01,\\\\fs01\\share\\plan.xlsx,READ,Count:1\n";
    csv
}

fn new_user(login: &str, org: Option<i64>, log_accounts: &[&str]) -> CreateUser {
    CreateUser {
        login: login.into(),
        display_name: format!("{login} san"),
        email: None,
        organization_id: org,
        role_id: None,
        language: None,
        time_zone: None,
        log_accounts: log_accounts.iter().map(|s| s.to_string()).collect(),
        password: "Kinmu-Strong-2026".into(),
        approver_id: None,
    }
}

/// The first-run setup: organisation Acme in Tokyo, administrator `admin`.
async fn set_up_acme(db: &Db, language: Language, now: i64) {
    setup::run(
        db,
        &SetupRequest {
            organization_name: "Acme".into(),
            admin_login: "admin".into(),
            admin_display_name: "Admin".into(),
            admin_password: "Kinmu-Strong-2026".into(),
            default_language: language,
            time_zone: "Asia/Tokyo".into(),
        },
        now,
    )
    .await
    .unwrap();
}

async fn run(db: &Db, control: &TaskControl, from: &str, to: &str) -> kinmu_shared::api::TaskRun {
    let run =
        daily_task::begin(db, control, &Actor::Operator, TaskTrigger::Rebuild, date(from), date(to), now().timestamp()).await.unwrap();
    daily_task::execute(db, control, run, now(), |_| {}).await
}

async fn scalar(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql).fetch_one(&db.pool).await.unwrap()
}

async fn task_story(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let op = Actor::Operator;
    let t0 = now().timestamp();
    set_up_acme(&db, Language::Ja, t0).await;
    let acme = organizations::list(&db).await.unwrap()[0].id;
    let night = organizations::create(&db, &op, SaveOrganization { name: "Night".into(), parent_id: Some(acme), manager_id: None }, t0)
        .await
        .unwrap()
        .id;
    let mogami = users::create(&db, &op, new_user("mogami", Some(acme), &["a-mogami"]), t0).await.unwrap();
    users::create(&db, &op, new_user("yamada", Some(night), &["OSAKA\\t-yamada"]), t0).await.unwrap();
    users::create(&db, &op, new_user("sato", Some(acme), &["k-sato"]), t0).await.unwrap();

    // The night team: 22:00–07:00 with a break at 02:00, the day changing at noon.
    let over = RulesOverride {
        schedule: Some(TimeRange::new(ClockTime::hm(22, 0), ClockTime::hm(7, 0))),
        breaks: Some(vec![TimeRange::new(ClockTime::hm(2, 0), ClockTime::hm(3, 0))]),
        day_boundary: Some(ClockTime::hm(12, 0)),
        ..RulesOverride::default()
    };
    rule_settings::save_override(&db, &op, night, over.clone(), t0).await.unwrap();
    // An override that contradicts itself is refused, naming the field and the organisation.
    let bad = RulesOverride { breaks: Some(vec![TimeRange::new(ClockTime::hm(12, 0), ClockTime::hm(13, 0))]), ..over.clone() };
    match rule_settings::save_override(&db, &op, night, bad, t0).await {
        Err(Error::Invalid(f)) => assert!(f.field.starts_with("breaks") && f.message.contains("Night"), "{f:?}"),
        other => panic!("a break outside the night schedule must be refused: {other:?}"),
    }

    let csv = dir.path().join("april.csv");
    std::fs::write(&csv, logs()).unwrap();
    let s = import_file(&db, &csv, None, chrono_tz::Asia::Tokyo, t0, |_| {}).await.unwrap();
    assert_eq!((s.imported, s.rejected), (23, 0));

    let control = TaskControl::new();
    let r = run(&db, &control, "2024-04-01", "2024-04-10").await;
    assert_eq!(r.status, TaskStatus::Completed, "{r:?}");
    assert_eq!((r.days_done, r.days_total), (10, 10));
    assert_eq!(r.events_read, 22, "the READ log is not read by the task");
    // Mogami, Yamada and Sato (no logs: absent days) × 10 days; the guest, who has no account
    // and so no known schedule, on the day logged.
    assert_eq!(r.daily_records, 31);
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM attendance_daily").await, 31);

    let sheet = timesheet::timesheet(&db, &op, Some("mogami"), 2024, 4).await.unwrap();
    assert_eq!(sheet.name, "mogami san");
    assert_eq!(sheet.log_users, vec!["a-mogami".to_string()]);
    assert_eq!(sheet.days.len(), 10);
    let d1 = &sheet.days[0];
    assert_eq!((d1.clock_in.as_str(), d1.clock_out.as_str()), ("8:51", "18:12"));
    assert_eq!(d1.actual_work_minutes, 561 - 60);
    assert_eq!(d1.late_minutes, 0);
    assert_eq!(sheet.days[1].work_interval_minutes, Some(14 * 60 + 39), "18:12 on the 1st to 8:51 on the 2nd");
    let sunday = &sheet.days[6];
    assert_eq!(sunday.date, "2024-04-07");
    assert_eq!(sunday.holiday.as_deref(), Some("weekly"));
    // The 8th starts the second chunk of days: its interval comes from the stored 7th.
    assert_eq!(sheet.days[7].work_interval_minutes, Some(17 * 60 + 51), "15:00 on the 7th to 8:51 on the 8th");
    assert_eq!((sheet.totals.days_worked, sheet.totals.holiday_days_worked), (9, 1));
    assert_eq!(scalar(&db, "SELECT days_worked FROM attendance_monthly WHERE month = '2024-04' AND person_key = 'a-mogami'").await, 9);
    assert_eq!(
        scalar(&db, "SELECT holiday_days_worked FROM attendance_monthly WHERE month = '2024-04' AND person_key = 'a-mogami'").await,
        1
    );
    // Per terminal: the office PC on weekdays, the home PC on Sunday.
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM attendance_terminals WHERE person_key = 'a-mogami' AND terminal = 'HOME01'").await, 1);

    // The night shift is one day under the night team's rules.
    let y = timesheet::timesheet(&db, &op, Some("yamada"), 2024, 4).await.unwrap();
    let first = &y.days[0];
    assert_eq!((first.clock_in.as_str(), first.clock_out.as_str()), ("21:55", "7:05"), "{first:?}");
    assert_eq!(first.actual_work_minutes, 550 - 60);
    assert!(!first.missing_clock_in && !first.missing_clock_out);

    // Sato has no logs: absent on the 8 working days.
    let sato = timesheet::timesheet(&db, &op, Some("sato"), 2024, 4).await.unwrap();
    assert_eq!((sato.totals.absent_days, sato.totals.days_worked), (8, 0));

    // The guest has no account: the records are kept under the log name…
    let guest = timesheet::timesheet(&db, &op, Some("x-guest"), 2024, 4).await.unwrap();
    assert_eq!(guest.totals.days_worked, 1);
    // …and become an account's once it names them, with no rebuild.
    let g = users::create(&db, &op, new_user("guest", None, &[]), t0).await.unwrap();
    users::update(&db, &op, g.id, UpdateUser { log_accounts: Some(vec!["x-guest".into()]), ..UpdateUser::default() }, t0).await.unwrap();
    assert_eq!(timesheet::timesheet(&db, &op, Some("guest"), 2024, 4).await.unwrap().totals.days_worked, 1);

    // A member sees their own timesheet, not others'.
    let member = Actor::User(kinmu::accounts::sessions::current_user(&db, mogami.id).await.unwrap().0);
    assert_eq!(timesheet::timesheet(&db, &member, None, 2024, 4).await.unwrap().totals.days_worked, 9);
    assert_eq!(timesheet::timesheet(&db, &member, Some("a-mogami"), 2024, 4).await.unwrap().totals.days_worked, 9);
    assert!(matches!(timesheet::timesheet(&db, &member, Some("sato"), 2024, 4).await, Err(Error::Forbidden(_))));
    assert!(matches!(timesheet::timesheet(&db, &op, Some("nobody"), 2024, 4).await, Err(Error::NotFound(_))));

    // Rounding to 5 minutes and a rebuild of the 1st: 8:51 → 8:55, 18:12 → 18:10.
    let mut rules = rule_settings::company_rules(&db).await.unwrap();
    assert_eq!(rules.time_zone, chrono_tz::Asia::Tokyo, "the default rules take the system time zone");
    rules.rounding_minutes = 5;
    rule_settings::save_company_rules(&db, &op, rules.clone()).await.unwrap();
    let r = run(&db, &control, "2024-04-01", "2024-04-01").await;
    assert_eq!(r.status, TaskStatus::Completed);
    let sheet = timesheet::timesheet(&db, &op, Some("mogami"), 2024, 4).await.unwrap();
    assert_eq!((sheet.days[0].clock_in.as_str(), sheet.days[0].clock_out.as_str()), ("8:55", "18:10"));
    assert_eq!(sheet.days[1].clock_in, "8:51", "the 2nd keeps its records until it is rebuilt");
    // Rules that contradict themselves are refused and the stored ones stay.
    let mut broken = rules.clone();
    broken.breaks = vec![TimeRange::new(ClockTime::hm(19, 0), ClockTime::hm(20, 0))];
    assert!(matches!(rule_settings::save_company_rules(&db, &op, broken).await, Err(Error::Invalid(f)) if f.field.starts_with("breaks")));
    assert_eq!(rule_settings::company_rules(&db).await.unwrap().rounding_minutes, 5);

    // A run stopped after its first day: the 1st is new, every other day keeps its records whole.
    let before = r.id;
    let run_all = daily_task::begin(&db, &control, &op, TaskTrigger::Rebuild, date("2024-04-01"), date("2024-04-10"), t0).await.unwrap();
    let stopped = daily_task::execute(&db, &control, run_all, now(), |p| {
        if p.days_done == 1 {
            control.request_stop();
        }
    })
    .await;
    assert_eq!(stopped.status, TaskStatus::Stopped, "{stopped:?}");
    assert_eq!(stopped.days_done, 1);
    assert!(stopped.message.as_deref().unwrap_or("").contains("1 of 10"), "{stopped:?}");
    // Four persons now: the guest has an account (absent on the 1st).
    assert_eq!(
        scalar(&db, &format!("SELECT COUNT(*) FROM attendance_daily WHERE work_date = '2024-04-01' AND run_id = {}", stopped.id)).await,
        4
    );
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM attendance_daily WHERE work_date = '2024-04-02'").await, 4);
    assert_eq!(scalar(&db, &format!("SELECT COUNT(*) FROM attendance_daily WHERE run_id = {}", stopped.id)).await, 4);
    assert!(before < stopped.id);

    // One run at a time, also across processes (another control = another process).
    let other = TaskControl::new();
    let held = daily_task::begin(&db, &control, &op, TaskTrigger::Manual, date("2024-04-09"), date("2024-04-10"), t0).await.unwrap();
    assert!(matches!(
        daily_task::begin(&db, &other, &op, TaskTrigger::Manual, date("2024-04-09"), date("2024-04-10"), t0).await,
        Err(Error::Conflict { .. })
    ));
    let overview = daily_task::overview(&db, &op, now()).await.unwrap();
    assert_eq!(overview.running.as_ref().map(|r| r.id), Some(held.id));
    assert_eq!(overview.next_run_at, None, "the schedule is off until enabled");
    // A run whose process still renews its lease is left alone; once its heartbeat is a minute
    // old (its process was killed), a starting server marks it interrupted.
    assert_eq!(daily_task::mark_interrupted(&db, t0).await.unwrap(), 0);
    assert_eq!(daily_task::mark_interrupted(&db, t0 + kinmu::database::lease::STALE_AFTER_SECONDS + 1).await.unwrap(), 1);
    assert_eq!(daily_task::get_run(&db, held.id).await.unwrap().status, TaskStatus::Interrupted);
    // Members may not start runs.
    assert!(matches!(
        daily_task::begin(&db, &other, &member, TaskTrigger::Rebuild, date("2024-04-01"), date("2024-04-01"), t0).await,
        Err(Error::Forbidden(_))
    ));

    // The schedule: off, then on at 06:00 Tokyo; at 09:00 with no run yet today it starts one
    // for the last finished days, and not a second one the same day.
    let control = TaskControl::new();
    assert!(daily_task::start_if_due(&db, &control, now()).await.unwrap().is_none(), "disabled by default");
    let settings = kinmu_shared::api::AttendanceTaskSettings { enabled: true, recompute_days: 2, ..Default::default() };
    rule_settings::save_task_settings(&db, &op, settings).await.unwrap();
    let scheduled = daily_task::start_if_due(&db, &control, now()).await.unwrap().expect("due at 09:00");
    assert_eq!((scheduled.trigger, scheduled.from.as_str(), scheduled.to.as_str()), (TaskTrigger::Scheduled, "2024-04-09", "2024-04-10"));
    let mut done = scheduled.clone();
    for _ in 0..200 {
        done = daily_task::get_run(&db, scheduled.id).await.unwrap();
        if done.status != TaskStatus::Running {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(done.status, TaskStatus::Completed, "{done:?}");
    let later = now() + chrono::Duration::hours(3);
    assert!(daily_task::start_if_due(&db, &control, later).await.unwrap().is_none(), "once a day");

    // Retention: daily records older than 31 days are deleted; monthly ones kept for ever.
    let gone =
        retention::apply(&db, &RetentionSettings { daily_days: 31, monthly_months: 0, events_days: 0 }, date("2024-05-05")).await.unwrap();
    assert_eq!(gone.daily, 4 + 4 + 3, "1–3 April: four persons on the 1st (rebuilt) and the 2nd, three on the 3rd");
    assert_eq!(gone.monthly, 0);
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM attendance_daily WHERE work_date < '2024-04-04'").await, 0);
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM attendance_monthly").await, 4, "April of the four persons");
}

async fn settings_story(db: Db) {
    let op = Actor::Operator;
    let t0 = now().timestamp();
    set_up_acme(&db, Language::En, t0).await;
    let acme = organizations::list(&db).await.unwrap()[0].id;
    let night = organizations::create(&db, &op, SaveOrganization { name: "Night".into(), parent_id: Some(acme), manager_id: None }, t0)
        .await
        .unwrap()
        .id;
    rule_settings::save_override(&db, &op, night, RulesOverride { rounding_minutes: Some(15), ..RulesOverride::default() }, t0)
        .await
        .unwrap();

    let text = kinmu::settings_file::export(&db).await.unwrap();
    assert!(text.contains("[attendance_rules]") && text.contains("organization = \"Acme / Night\""), "{text}");
    assert!(text.contains("enabled = false"), "the task starts disabled: {text}");

    // Edited and imported back: all of it applies.
    let edited = text.replace("enabled = false", "enabled = true").replace("rounding_minutes = 0", "rounding_minutes = 10");
    kinmu::settings_file::import(&db, &edited, &OutputRoots::default(), t0).await.unwrap();
    assert!(rule_settings::task_settings(&db).await.unwrap().enabled);
    assert_eq!(rule_settings::company_rules(&db).await.unwrap().rounding_minutes, 10);
    assert_eq!(rule_settings::overrides(&db).await.unwrap()[0].1.rounding_minutes, Some(15));
    let o = daily_task::overview(&db, &op, now()).await.unwrap();
    assert!(o.next_run_at.is_some(), "enabled: a next run is planned");

    // A file with one bad value changes nothing, and the error names the key.
    let bad = text.replace("rounding_minutes = 0", "rounding_minutes = 61");
    match kinmu::settings_file::import(&db, &bad, &OutputRoots::default(), t0).await {
        Err(Error::Invalid(f)) => assert_eq!(f.field, "attendance_rules.rounding_minutes", "{f:?}"),
        other => panic!("must be refused: {other:?}"),
    }
    let unknown_org = edited.replace("Acme / Night", "Acme / Day");
    match kinmu::settings_file::import(&db, &unknown_org, &OutputRoots::default(), t0).await {
        Err(Error::Invalid(f)) => assert!(f.message.contains("Acme / Day"), "{f:?}"),
        other => panic!("must be refused: {other:?}"),
    }
    assert_eq!(rule_settings::company_rules(&db).await.unwrap().rounding_minutes, 10);
}

#[tokio::test]
async fn the_task_stores_records_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    task_story(Db::open(&sqlite_url(&dir), 4).await.unwrap()).await;
}

#[tokio::test]
async fn the_task_stores_records_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    task_story(Db::open(&url, 4).await.unwrap()).await;
}

#[tokio::test]
async fn settings_travel_as_toml_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    settings_story(Db::open(&sqlite_url(&dir), 4).await.unwrap()).await;
}

#[tokio::test]
async fn settings_travel_as_toml_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    settings_story(Db::open(&url, 4).await.unwrap()).await;
}

/// Setup, the users, the logs of 1–10 April imported and computed: the operator and Mogami.
async fn april(db: &Db) -> Actor {
    let op = Actor::Operator;
    let t0 = now().timestamp();
    set_up_acme(db, Language::En, t0).await;
    let acme = organizations::list(db).await.unwrap()[0].id;
    let night = organizations::create(db, &op, SaveOrganization { name: "Night".into(), parent_id: Some(acme), manager_id: None }, t0)
        .await
        .unwrap()
        .id;
    let mogami = users::create(db, &op, new_user("mogami", Some(acme), &["a-mogami"]), t0).await.unwrap();
    users::create(db, &op, new_user("yamada", Some(night), &["OSAKA\\t-yamada"]), t0).await.unwrap();
    users::create(db, &op, new_user("sato", Some(acme), &["k-sato"]), t0).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("april.csv");
    std::fs::write(&csv, logs()).unwrap();
    import_file(db, &csv, None, chrono_tz::Asia::Tokyo, t0, |_| {}).await.unwrap();
    let r = run(db, &TaskControl::new(), "2024-04-01", "2024-04-10").await;
    assert_eq!(r.status, TaskStatus::Completed);
    Actor::User(kinmu::accounts::sessions::current_user(db, mogami.id).await.unwrap().0)
}

fn request(kind: ReportKind, period: Period) -> ReportRequest {
    ReportRequest {
        kind,
        period,
        organization_id: None,
        user: None,
        terminal: None,
        ranking: RankingItem::Overtime,
        layout: TableLayout::default_for(kind),
        language: Language::En,
    }
}

fn column(t: &reports::Table, row: usize, key: &str) -> String {
    let i = t.columns.iter().position(|c| c == key).unwrap();
    t.rows[row].cells[i].display()
}

async fn reports_story(db: Db) {
    let op = Actor::Operator;
    let member = april(&db).await;
    let april_month = Period::Month(2024, 4);

    // Monthly, sorted by actual work, longest first.
    let mut req = request(ReportKind::Monthly, april_month);
    req.layout.sort = reports::parse_sort("-actual_work,user");
    let t = reports::build(&db, &op, &req).await.unwrap();
    assert_eq!(t.rows.len(), 4, "Mogami, Yamada, Sato and the guest");
    assert_eq!(column(&t, 0, "user"), "mogami san");
    assert_eq!(column(&t, 0, "group"), "Acme");
    assert_eq!(column(&t, 0, "days_worked"), "9");
    // A member sees only their own row; asking for someone else is refused.
    let mine = reports::build(&db, &member, &req).await.unwrap();
    assert_eq!(mine.rows.len(), 1);
    let mut other = req.clone();
    other.user = Some("sato".into());
    assert!(matches!(reports::build(&db, &member, &other).await, Err(Error::Forbidden(_))));
    // An organisation with its sub-organisations; Night alone.
    let orgs = organizations::list(&db).await.unwrap();
    let night = orgs.iter().find(|o| o.name == "Night").unwrap().id;
    let mut by_org = req.clone();
    by_org.organization_id = Some(night);
    let t = reports::build(&db, &op, &by_org).await.unwrap();
    assert_eq!(t.rows.len(), 1);
    assert_eq!(column(&t, 0, "group"), "Acme / Night");

    // Daily: the clock times as shown, sortable; the ranking ranks.
    let t = reports::build(&db, &op, &request(ReportKind::Daily, Period::Day(date("2024-04-01")))).await.unwrap();
    let row = t.rows.iter().position(|r| r.person == "a-mogami").unwrap();
    assert_eq!(column(&t, row, "clock_in"), "8:51");
    assert_eq!(column(&t, row, "logon"), "8:51");
    assert_eq!(column(&t, row, "actual_work"), "8:21");
    let mut rank = request(ReportKind::Ranking, april_month);
    rank.ranking = RankingItem::ActualWork;
    let t = reports::build(&db, &op, &rank).await.unwrap();
    assert_eq!((column(&t, 0, "rank"), column(&t, 0, "user")), ("1".into(), "mogami san".into()));
    // Per terminal: the home PC on Sunday.
    let t = reports::build(&db, &op, &request(ReportKind::Terminal, april_month)).await.unwrap();
    let home = t.rows.iter().position(|r| r.terminal.as_deref() == Some("HOME01")).expect("the home PC");
    assert_eq!(
        (column(&t, home, "user"), column(&t, home, "date"), column(&t, home, "logon")),
        ("mogami san".into(), "2024-04-07".into(), "10:00".into())
    );
    // A year is the sum of its months.
    let t = reports::build(&db, &op, &request(ReportKind::Monthly, Period::Year(2024))).await.unwrap();
    assert_eq!(t.rows.len(), 4);

    // Streamed tables (ordered in SQL) equal the tables sorted in memory, row for row, for every
    // kind, sort and grouping; keys SQL cannot order by fall back to memory.
    use kinmu::attendance::reports::Grouping;
    let day1 = Period::Day(date("2024-04-01"));
    let cases: &[(ReportKind, Period, &str)] = &[
        (ReportKind::Monthly, april_month, ""),
        (ReportKind::Monthly, april_month, "-actual_work,user"),
        (ReportKind::Monthly, april_month, "days_without_clock_out,-user"),
        (ReportKind::Monthly, april_month, "group"),
        (ReportKind::Monthly, Period::Year(2024), "-late_count"),
        (ReportKind::Ranking, april_month, ""),
        (ReportKind::Ranking, Period::Year(2024), ""),
        (ReportKind::Timesheet, april_month, ""),
        (ReportKind::Timesheet, april_month, "-regular_overtime,clock_in"),
        (ReportKind::Timesheet, april_month, "-clock_out"),
        (ReportKind::Timesheet, april_month, "clock_in,-user"),
        (ReportKind::Timesheet, april_month, "work_interval"),
        (ReportKind::Timesheet, april_month, "-work_interval,-date"),
        (ReportKind::Timesheet, april_month, "weekday"),
        (ReportKind::Daily, day1, ""),
        (ReportKind::Daily, day1, "clock_in"),
        (ReportKind::Daily, april_month, "-logon,user"),
        (ReportKind::Daily, april_month, "-logoff,-late"),
        (ReportKind::Daily, april_month, "group,-overtime"),
        (ReportKind::Terminal, april_month, ""),
        (ReportKind::Terminal, april_month, "-terminal,user"),
        (ReportKind::Terminal, april_month, "-date"),
        (ReportKind::Terminal, april_month, "logon"),
    ];
    for &(kind, period, sort) in cases {
        for grouping in [Grouping::None, Grouping::Sheets, Grouping::User, Grouping::Terminal] {
            if grouping == Grouping::Terminal && kind != ReportKind::Terminal {
                continue;
            }
            for actor in [&op, &member] {
                let mut req = request(kind, period);
                req.layout.sort = reports::parse_sort(sort);
                let (_, streamed) = reports::stream(&db, actor, &req, grouping, Vec::new()).await.unwrap();
                let (_, in_memory) = reports::stream::stream_in_memory(&db, actor, &req, grouping, Vec::new()).await.unwrap();
                assert!(!in_memory.is_empty(), "{kind:?} {sort}");
                assert_eq!(streamed, in_memory, "{kind:?} {period:?} sorted by {sort:?}, {grouping:?}");
                // Big tables are put in order in buckets, not by the database: the same rows.
                let (_, bucketed) = reports::stream::stream_in_buckets_of(&db, actor, &req, grouping, Vec::new(), 3).await.unwrap();
                assert_eq!(bucketed, in_memory, "in buckets: {kind:?} {period:?} sorted by {sort:?}, {grouping:?}");
            }
        }
    }
    // Streamed files equal the files written from the whole table, byte for byte (CSV) and
    // sheet for sheet (Excel); timesheets with a sheet per person in the order persons appear.
    let files = tempfile::tempdir().unwrap();
    for (kind, sort, format, encoding) in [
        (ReportKind::Monthly, "-overtime", FileFormat::Csv, CsvEncoding::ShiftJis),
        (ReportKind::Timesheet, "", FileFormat::Csv, CsvEncoding::Utf8Bom),
        (ReportKind::Timesheet, "-clock_out", FileFormat::Xlsx, CsvEncoding::Utf8),
        (ReportKind::Timesheet, "", FileFormat::Xlsx, CsvEncoding::Utf8),
        (ReportKind::Daily, "clock_in", FileFormat::Xlsx, CsvEncoding::Utf8),
        (ReportKind::Terminal, "", FileFormat::Csv, CsvEncoding::Utf8),
    ] {
        let mut req = request(kind, april_month);
        req.language = Language::Ja;
        req.layout.sort = reports::parse_sort(sort);
        let whole = reports::build(&db, &op, &req).await.unwrap();
        let rows: Vec<&reports::Row> = whole.rows.iter().collect();
        let old = files.path().join(format!("old.{}", format.extension()));
        reports::write_file(&whole, &rows, format, true, encoding, Language::Ja, &old).unwrap();
        let base = files.path().join("new");
        let spec = reports::FileSpec {
            table: reports::Table { rows: Vec::new(), ..whole.clone() },
            format,
            header: true,
            encoding,
            language: Language::Ja,
            split: true,
            zip: false,
            extension: None,
            empty: None,
        };
        let b = base.clone();
        let (_, written) = reports::export_files(
            &db,
            &op,
            &req,
            reports::file_grouping(kind, format),
            spec,
            Box::new(move |_| (String::new(), b.clone())),
        )
        .await
        .unwrap();
        assert_eq!(written.len(), 1);
        assert_eq!(written[0].rows, whole.rows.len());
        let new = &written[0].path;
        match format {
            FileFormat::Csv => assert_eq!(std::fs::read(&old).unwrap(), std::fs::read(new).unwrap(), "{kind:?} {sort}"),
            FileFormat::Xlsx => {
                let sheets = |path: &std::path::Path| {
                    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
                    let mut out = Vec::new();
                    for i in 0..zip.len() {
                        let mut f = zip.by_index(i).unwrap();
                        let name = f.name().unwrap().to_string();
                        if name.starts_with("xl/worksheets/") || name == "xl/workbook.xml" || name == "xl/sharedStrings.xml" {
                            let mut text = String::new();
                            std::io::Read::read_to_string(&mut f, &mut text).unwrap();
                            out.push((name, text));
                        }
                    }
                    out.sort();
                    out
                };
                assert_eq!(sheets(&old), sheets(new), "{kind:?} {sort}");
            }
        }
        std::fs::remove_file(new).unwrap();
    }

    // Files: Shift_JIS CSV with Japanese headers; an Excel timesheet with a sheet per person.
    let dir = tempfile::tempdir().unwrap();
    let mut ja = request(ReportKind::Monthly, april_month);
    ja.language = Language::Ja;
    let t = reports::build(&db, &op, &ja).await.unwrap();
    let rows: Vec<&reports::Row> = t.rows.iter().collect();
    let csv = dir.path().join("monthly.csv");
    reports::write_file(&t, &rows, FileFormat::Csv, true, CsvEncoding::ShiftJis, Language::Ja, &csv).unwrap();
    let bytes = std::fs::read(&csv).unwrap();
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!bad);
    assert!(text.starts_with("ユーザー,グループ,遅刻回数"), "{text}");
    let t = reports::build(&db, &op, &request(ReportKind::Timesheet, april_month)).await.unwrap();
    let rows: Vec<&reports::Row> = t.rows.iter().collect();
    let xlsx = dir.path().join("timesheet.xlsx");
    reports::write_file(&t, &rows, FileFormat::Xlsx, true, CsvEncoding::Utf8, Language::En, &xlsx).unwrap();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&xlsx).unwrap()).unwrap();
    let sheets = (0..zip.len()).filter(|i| zip.by_index(*i).unwrap().name().unwrap().starts_with("xl/worksheets/sheet")).count();
    assert_eq!(sheets, 4, "one sheet per person");
    let mut sheet = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(), &mut sheet).unwrap();
    assert!(sheet.contains("<pane ") && sheet.contains("ySplit=\"1\""), "the header row is frozen");
    let mut styles = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/styles.xml").unwrap(), &mut styles).unwrap();
    assert!(styles.contains("[h]:mm"), "durations are time values in [h]:mm");

    // Output profiles: saved, refused when two would write the same files, written on demand
    // and after each attendance task.
    let folder = dir.path().join("out");
    let roots = OutputRoots::new([dir.path().to_path_buf()]);
    let profile = OutputProfile { name: "Monthly CSV".into(), folder: folder.display().to_string(), ..OutputProfile::default() };
    let saved = output_profiles::create(&db, &op, profile.clone(), &roots, 0).await.unwrap();
    let twin = OutputProfile { name: "Twin".into(), ..profile.clone() };
    assert!(matches!(output_profiles::create(&db, &op, twin, &roots, 0).await, Err(Error::Conflict { .. })));
    assert!(matches!(output_profiles::list(&db, &member).await, Err(Error::Forbidden(_))));
    let days: Vec<NaiveDate> = vec![date("2024-04-03")];
    let report = output_profiles::run(&db, std::slice::from_ref(&saved), &days, &roots, 0).await.unwrap();
    assert_eq!(report.files.len(), 1, "{report:?}");
    assert!(report.files[0].path.ends_with("monthly_2024-04.csv"), "{report:?}");
    assert_eq!(report.files[0].rows, 4);
    std::fs::remove_file(&report.files[0].path).unwrap();
    let r = run(&db, &TaskControl::writing_to(roots.clone()), "2024-04-09", "2024-04-10").await;
    assert_eq!(r.status, TaskStatus::Completed, "{r:?}");
    assert!(folder.join("monthly_2024-04.csv").is_file(), "the task writes the enabled profiles' files");
    let copy = output_profiles::copy(&db, &op, saved.id, &roots, 0).await.unwrap();
    assert!(!copy.enabled && copy.name == "Monthly CSV (copy)");

    // The 36 agreement: Mogami's month is well under the limits.
    let a = agreement::report(&db, &op, 2024, 4, None, None).await.unwrap();
    let m = a.people.iter().find(|p| p.person == "a-mogami").unwrap();
    assert_eq!(m.level, kinmu_shared::api::AgreementLevel::Ok);
    assert_eq!(m.days.len(), 10);
    assert!(m.break_rule_days.is_empty());
    assert_eq!(agreement::report(&db, &member, 2024, 4, None, None).await.unwrap().people.len(), 1);
    // The console's user filter narrows the agreement too.
    assert!(a.people.len() > 1, "the filter below must have others to leave out");
    let one = agreement::report(&db, &op, 2024, 4, None, Some("a-mogami")).await.unwrap();
    assert_eq!(one.people.iter().map(|p| p.person.as_str()).collect::<Vec<_>>(), vec!["a-mogami"]);

    // The preview: rounding to 5 minutes, before saving, with the log lines it read.
    let mut rules = serde_json::to_value(rule_settings::company_rules(&db).await.unwrap()).unwrap();
    rules["rounding_minutes"] = serde_json::json!(5);
    let p = rules_preview::preview(
        &db,
        &op,
        RulesPreviewRequest { rules: rules.clone(), user: "mogami".into(), date: "2024-04-01".into() },
        now(),
    )
    .await
    .unwrap();
    assert_eq!((p.day.clock_in.as_str(), p.day.clock_out.as_str()), ("8:55", "18:10"));
    assert_eq!(p.events.len(), 2);
    assert_eq!((p.events[0].role.as_str(), p.events[0].adopted), ("clock_in", true));
    assert_eq!(rule_settings::company_rules(&db).await.unwrap().rounding_minutes, 0, "nothing saved");
    rules["rounding_minutes"] = serde_json::json!("five");
    match rules_preview::preview(&db, &op, RulesPreviewRequest { rules, user: "mogami".into(), date: "2024-04-01".into() }, now()).await {
        Err(Error::Invalid(f)) => assert_eq!(f.field, "rules.rounding_minutes"),
        other => panic!("must be refused: {other:?}"),
    }
    let h = rules_preview::holidays(&db, 2024).await.unwrap();
    assert!(h.iter().any(|e| e.date == "2024-04-29" && e.name == "昭和の日" && e.kind == "national"), "{h:?}");
}

#[tokio::test]
async fn tables_files_and_profiles_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    reports_story(Db::open(&sqlite_url(&dir), 4).await.unwrap()).await;
}

#[tokio::test]
async fn tables_files_and_profiles_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    reports_story(Db::open(&url, 4).await.unwrap()).await;
}

/// Absences and missing clock events in words: Sato (no logs) is absent on working days and
/// not on the weekend; the guest's clock-in on the 9th without a clock-out says which is
/// missing; the monthly table counts absent days; the words follow the table's language, in
/// the console's table and in the CSV file alike.
async fn absences_story(db: Db) {
    let op = Actor::Operator;
    april(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let extra = dir.path().join("guest.csv");
    std::fs::write(&extra, format!("時刻,ユーザー,サーバ,対象,操作,詳細\n{}", line("2024/04/09 09:00:00", "x-guest", "LOGON", "KIOSK")))
        .unwrap();
    import_file(&db, &extra, None, chrono_tz::Asia::Tokyo, now().timestamp(), |_| {}).await.unwrap();
    assert_eq!(run(&db, &TaskControl::new(), "2024-04-09", "2024-04-09").await.status, TaskStatus::Completed);
    let april_month = Period::Month(2024, 4);
    let status_of = |t: &reports::Table, date: &str| {
        let row = (0..t.rows.len()).find(|&i| column(t, i, "date") == date).unwrap();
        column(t, row, "status")
    };

    let mut sato = request(ReportKind::Timesheet, april_month);
    sato.user = Some("sato".into());
    let t = reports::build(&db, &op, &sato).await.unwrap();
    assert!(t.columns.contains(&"status".to_string()), "the default timesheet shows the status: {:?}", t.columns);
    assert_eq!(status_of(&t, "2024-04-01"), "Absent");
    assert_eq!(status_of(&t, "2024-04-06"), "", "a Saturday without activity is not an absence");
    sato.language = Language::Ja;
    let t = reports::build(&db, &op, &sato).await.unwrap();
    assert_eq!(status_of(&t, "2024-04-10"), "欠勤");
    let rows: Vec<&reports::Row> = t.rows.iter().collect();
    let csv = dir.path().join("sato.csv");
    reports::write_file(&t, &rows, FileFormat::Csv, true, CsvEncoding::Utf8, Language::Ja, &csv).unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("ユーザー,日付,曜日,勤怠状況,"), "{text}");
    assert!(text.contains("sato san,2024-04-01,月,欠勤,"), "{text}");
    assert!(text.contains("sato san,2024-04-06,土,,"), "{text}");

    // The guest's 9th: clocked in, never out; the default rules count such a day absent.
    let mut guest = request(ReportKind::Daily, Period::Day(date("2024-04-09")));
    guest.user = Some("x-guest".into());
    let t = reports::build(&db, &op, &guest).await.unwrap();
    assert_eq!(column(&t, 0, "status"), "Absent (no clock-out)");
    guest.language = Language::Ja;
    assert_eq!(column(&reports::build(&db, &op, &guest).await.unwrap(), 0, "status"), "欠勤(退勤なし)");
    // Filled in with the scheduled end instead, the day is worked and says what was missing.
    let mut rules = rule_settings::company_rules(&db).await.unwrap();
    rules.missing_clock_out.correction = kinmu_shared::attendance_rules::Correction::ScheduledTime;
    rule_settings::save_company_rules(&db, &op, rules).await.unwrap();
    assert_eq!(run(&db, &TaskControl::new(), "2024-04-09", "2024-04-09").await.status, TaskStatus::Completed);
    assert_eq!(column(&reports::build(&db, &op, &guest).await.unwrap(), 0, "status"), "退勤なし");
    guest.language = Language::En;
    assert_eq!(column(&reports::build(&db, &op, &guest).await.unwrap(), 0, "status"), "No clock-out");
    // Mogami's worked day has no status.
    let t = reports::build(&db, &op, &request(ReportKind::Daily, Period::Day(date("2024-04-09")))).await.unwrap();
    let mogami = t.rows.iter().position(|r| r.person == "a-mogami").unwrap();
    assert_eq!(column(&t, mogami, "status"), "");

    // The monthly table counts absent days, sortable by them.
    let mut monthly = request(ReportKind::Monthly, april_month);
    monthly.layout.sort = reports::parse_sort("-absent_days");
    let t = reports::build(&db, &op, &monthly).await.unwrap();
    assert_eq!((t.rows[0].person.as_str(), column(&t, 0, "absent_days")), ("k-sato", "8".to_string()));
    let m = t.rows.iter().position(|r| r.person == "a-mogami").unwrap();
    assert_eq!(column(&t, m, "absent_days"), "0");
    // Sorted by the status in words, streamed or in memory, the same rows.
    let mut by_status = request(ReportKind::Timesheet, april_month);
    by_status.layout.sort = reports::parse_sort("status,user");
    let (_, streamed) = reports::stream(&db, &op, &by_status, reports::Grouping::None, Vec::new()).await.unwrap();
    let (_, in_memory) = reports::stream::stream_in_memory(&db, &op, &by_status, reports::Grouping::None, Vec::new()).await.unwrap();
    assert_eq!(streamed, in_memory);
    assert_eq!(streamed[0].cells[by_status.layout.columns.iter().position(|c| c == "status").unwrap()].display(), "Absent");
}

#[tokio::test]
async fn absences_are_shown_in_words_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    absences_story(Db::open(&sqlite_url(&dir), 4).await.unwrap()).await;
}

#[tokio::test]
async fn absences_are_shown_in_words_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    absences_story(Db::open(&url, 4).await.unwrap()).await;
}

/// The task reads stored rows straight into clock logs, in parallel slices of the day merged
/// afterwards; its records must be the engine's from the same events as `LogEvent`s: 60
/// generated people (some on a second terminal at home) over three days, among unrelated logs.
async fn task_agrees_with_the_engine(db: Db) {
    use kinmu_attendance::{HolidayCalendar, RunOptions, UserNameMode, UserNameRules, compute_run};
    use kinmu_pc_logs::generator::SyntheticLogs;
    let dir = tempfile::tempdir().unwrap();
    let t0 = now().timestamp();
    set_up_acme(&db, Language::En, t0).await;
    let logs = SyntheticLogs {
        users: 60,
        logs_per_day: 8,
        unrelated: 300,
        first_date: date("2024-04-01"),
        days: 3,
        seed: 7,
        time_zone: chrono_tz::Asia::Tokyo,
    };
    let events = logs.generate();
    let mut csv = String::from("時刻,ユーザー,サーバ,対象,操作,詳細\n");
    for e in &events {
        let local = e.time.with_timezone(&chrono_tz::Asia::Tokyo).format("%Y/%m/%d %H:%M:%S");
        csv += &format!("{local},{},{},{},{},{}\n", e.user, e.host, e.target, e.operation, e.detail);
    }
    let path = dir.path().join("generated.csv");
    std::fs::write(&path, csv).unwrap();
    let s = import_file(&db, &path, None, chrono_tz::Asia::Tokyo, t0, |_| {}).await.unwrap();
    assert_eq!((s.imported as usize, s.rejected), (events.len(), 0));
    let r = run(&db, &TaskControl::new(), "2024-04-01", "2024-04-03").await;
    assert_eq!(r.status, TaskStatus::Completed, "{r:?}");

    // The engine on the same events, people named by their person keys as the task names them.
    let mut rules = rule_settings::company_rules(&db).await.unwrap();
    let names = rules.user_names.clone();
    rules.user_names = UserNameRules { mode: UserNameMode::AsLogged, strip_domain: false };
    let keyed: Vec<_> = events
        .iter()
        .cloned()
        .map(|mut e| {
            e.user = kinmu::attendance::people::person_key(&e.user, &names);
            e
        })
        .collect();
    let calendar = HolidayCalendar::new(&rules.holidays, [2023, 2024, 2025]);
    let expected = compute_run(
        &keyed,
        date("2024-04-01")..=date("2024-04-03"),
        &rules,
        &calendar,
        &Default::default(),
        now(),
        RunOptions { terminals: true, threads: 1 },
    );
    let mut expected_daily: Vec<kinmu_attendance::DailyRecord> =
        expected.daily.into_iter().filter(|d| d.logon.is_some() || d.logoff.is_some()).collect();
    assert_eq!(expected_daily.len(), 180, "60 people × 3 days, every day logged");
    // The first day's work interval comes from the stored day before (none here).
    for d in expected_daily.iter_mut().filter(|d| d.date == date("2024-04-01")) {
        d.work_interval_minutes = None;
    }
    let mut expected_rows: Vec<Vec<String>> = expected_daily.iter().map(daily_columns).collect();
    expected_rows.sort();
    let stored_rows = stored_columns(
        &db,
        "SELECT person_key, work_date, holiday, worked, absent, missing_clock_in, missing_clock_out, in_progress, holiday_kind, \
         holiday_name, logon_at, logoff_at, clock_in_at, clock_out_at, clock_in_text, clock_out_text, work_interval_minutes, \
         actual_work_minutes, non_scheduled_work_minutes, overtime_minutes, regular_overtime_minutes, late_night_minutes, \
         late_night_overtime_minutes, late_minutes, early_leave_minutes FROM attendance_daily ORDER BY person_key, work_date",
    )
    .await;
    assert_eq!(stored_rows.len(), expected_rows.len());
    for (s, e) in stored_rows.iter().zip(&expected_rows) {
        assert_eq!(s, e);
    }

    let expected_terminals = expected.terminals;
    assert!(expected_terminals.len() > 180, "some people use a second terminal");
    let mut expected_rows: Vec<Vec<String>> = expected_terminals
        .iter()
        .map(|t| vec![t.user.clone(), t.date.to_string(), t.terminal.clone(), instant(t.first_logon), instant(t.last_logoff)])
        .collect();
    expected_rows.sort();
    let stored_rows = stored_columns(
        &db,
        "SELECT person_key, work_date, terminal, first_logon_at, last_logoff_at FROM attendance_terminals \
         ORDER BY person_key, work_date, terminal",
    )
    .await;
    assert_eq!(stored_rows, expected_rows);
}

fn instant(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.timestamp().to_string()).unwrap_or_default()
}

/// The stored columns of an engine's daily record, as text (empty for NULL).
fn daily_columns(r: &kinmu_attendance::DailyRecord) -> Vec<String> {
    let flag = |b: bool| i64::from(b).to_string();
    let (kind, name) = match &r.holiday {
        None => ("", String::new()),
        Some(kinmu_attendance::HolidayKind::Weekly(_)) => ("weekly", String::new()),
        Some(kinmu_attendance::HolidayKind::National(n)) => ("national", n.clone()),
        Some(kinmu_attendance::HolidayKind::Company) => ("company", String::new()),
    };
    let clock = |c: &Option<kinmu_attendance::ClockStamp>| {
        (instant(c.as_ref().map(|c| c.time)), c.as_ref().map(|c| c.text.clone()).unwrap_or_default())
    };
    let ((clock_in_at, clock_in_text), (clock_out_at, clock_out_text)) = (clock(&r.clock_in), clock(&r.clock_out));
    vec![
        r.user.clone(),
        r.date.to_string(),
        flag(r.holiday.is_some()),
        flag(r.worked()),
        flag(r.absent),
        flag(r.missing_clock_in),
        flag(r.missing_clock_out),
        flag(r.in_progress),
        kind.to_string(),
        name,
        instant(r.logon),
        instant(r.logoff),
        clock_in_at,
        clock_out_at,
        clock_in_text,
        clock_out_text,
        r.work_interval_minutes.map(|m| m.to_string()).unwrap_or_default(),
        r.actual_work_minutes.to_string(),
        r.non_scheduled_work_minutes.to_string(),
        r.overtime_minutes.to_string(),
        r.regular_overtime_minutes.to_string(),
        r.late_night_minutes.to_string(),
        r.late_night_overtime_minutes.to_string(),
        r.late_minutes.to_string(),
        r.early_leave_minutes.to_string(),
    ]
}

/// Every row of `sql` as text (integers in decimal, NULL empty).
async fn stored_columns(db: &Db, sql: &str) -> Vec<Vec<String>> {
    use sqlx::{Row, ValueRef};
    let rows = sqlx::query(sql).fetch_all(&db.pool).await.unwrap();
    let mut rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            (0..row.columns().len())
                .map(|i| {
                    if row.try_get_raw(i).unwrap().is_null() {
                        String::new()
                    } else if let Ok(v) = row.try_get::<i64, _>(i) {
                        v.to_string()
                    } else {
                        row.try_get::<String, _>(i).unwrap()
                    }
                })
                .collect()
        })
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn the_task_agrees_with_the_engine_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    task_agrees_with_the_engine(Db::open(&sqlite_url(&dir), 4).await.unwrap()).await;
}

#[tokio::test]
async fn the_task_agrees_with_the_engine_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    task_agrees_with_the_engine(Db::open(&url, 4).await.unwrap()).await;
}

/// Records stored before migration 6, when each day and terminal also kept the engine's record
/// as JSON, keep their values in the columns that replace it: whether the day was in progress,
/// a terminal's first logon and last logoff (fractions of a second dropped, NULL kept), and the
/// person's name on per-terminal rows (the daily row's, else the person key); the timesheet
/// then reads them.
async fn records_survive_the_move_to_columns(url: kinmu::config::DatabaseUrl) {
    use kinmu::config::DatabaseKind;
    let old = Db::connect(&url, 1).await.unwrap();
    sqlx::raw_sql("CREATE TABLE kinmu_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)")
        .execute(&old.pool)
        .await
        .unwrap();
    for m in kinmu::database::MIGRATIONS.iter().filter(|m| m.version < 6) {
        sqlx::raw_sql(if old.kind == DatabaseKind::Sqlite { m.sqlite } else { m.postgres }).execute(&old.pool).await.unwrap();
        sqlx::query("INSERT INTO kinmu_migrations (version, name, applied_at) VALUES ($1, $2, 0)")
            .bind(m.version)
            .bind(m.name)
            .execute(&old.pool)
            .await
            .unwrap();
    }
    sqlx::raw_sql(
        "INSERT INTO attendance_daily (work_date, person_key, account, display_name, organization_id, holiday, worked, absent, \
         missing_clock_in, missing_clock_out, holiday_kind, holiday_name, logon_at, logoff_at, clock_in_at, clock_out_at, \
         clock_in_text, clock_out_text, work_interval_minutes, actual_work_minutes, non_scheduled_work_minutes, overtime_minutes, \
         regular_overtime_minutes, late_night_minutes, late_night_overtime_minutes, late_minutes, early_leave_minutes, record, run_id) \
         VALUES ('2024-04-01', 'mogami', 'mogami', 'Mogami San', NULL, 0, 0, 0, 0, 0, NULL, '', 1711930260, NULL, 1711930500, NULL, \
         '9:15', '', NULL, 0, 0, 0, 0, 0, 0, 15, 0, '{\"user\":\"mogami\",\"in_progress\":true}', 1), \
         ('2024-04-02', 'mogami', 'mogami', 'Mogami San', NULL, 0, 1, 0, 0, 0, NULL, '', 1712016660, 1712049000, 1712016900, 1712049000, \
         '9:15', '18:10', 1200, 475, 0, 0, 0, 0, 0, 15, 0, '{\"user\":\"mogami\",\"in_progress\":false}', 1); \
         INSERT INTO attendance_terminals (work_date, person_key, terminal, account, record, run_id) VALUES \
         ('2024-04-01', 'mogami', 'PC01', 'mogami', '{\"first_logon\":\"2024-04-01T00:11:00Z\",\"last_logoff\":null}', 1), \
         ('2024-04-01', 'guest', 'PC09', 'guest', '{\"first_logon\":\"2024-04-01T01:00:00.750Z\",\"last_logoff\":\"2024-04-01T09:30:00Z\"}', 1);",
    )
    .execute(&old.pool)
    .await
    .unwrap();
    old.close().await;

    let db = Db::open(&url, 2).await.unwrap();
    let days: Vec<(String, i64, String, i64)> =
        sqlx::query_as("SELECT work_date, in_progress, clock_in_text, late_minutes FROM attendance_daily ORDER BY work_date")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(days, [("2024-04-01".into(), 1, "9:15".into(), 15), ("2024-04-02".into(), 0, "9:15".into(), 15)]);
    let terminals: Vec<(String, String, Option<i64>, Option<i64>)> =
        sqlx::query_as("SELECT person_key, display_name, first_logon_at, last_logoff_at FROM attendance_terminals ORDER BY person_key")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        terminals,
        [
            ("guest".into(), "guest".into(), Some(1711933200), Some(1711963800)),
            ("mogami".into(), "Mogami San".into(), Some(1711930260), None),
        ]
    );
    let sheet = timesheet::timesheet(&db, &Actor::Operator, Some("mogami"), 2024, 4).await.unwrap();
    let shown: Vec<(&str, bool, &str, u32)> =
        sheet.days.iter().map(|d| (d.date.as_str(), d.in_progress, d.clock_out.as_str(), d.late_minutes)).collect();
    assert_eq!(shown, [("2024-04-01", true, "", 15), ("2024-04-02", false, "18:10", 15)]);
}

#[tokio::test]
async fn records_survive_the_move_to_columns_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    records_survive_the_move_to_columns(sqlite_url(&dir)).await;
}

#[tokio::test]
async fn records_survive_the_move_to_columns_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    records_survive_the_move_to_columns(url).await;
}

/// The migrated table of stored days has exactly the columns of their one definition
/// (`DailyField`): the same names, `TEXT` or `BIGINT`, NULL allowed where the field may be empty.
/// The migrations are history and are not derived from it; this keeps the two in step.
async fn the_daily_table_has_the_defined_columns(db: Db) {
    use kinmu::config::DatabaseKind;
    use kinmu_shared::api::DailyField;
    let sqlite = db.kind == DatabaseKind::Sqlite;
    let sql = if sqlite {
        "SELECT name, UPPER(type), CASE WHEN \"notnull\" = 0 THEN 1 ELSE 0 END FROM pragma_table_info('attendance_daily') ORDER BY cid"
    } else {
        "SELECT CAST(column_name AS TEXT), CAST(UPPER(data_type) AS TEXT), CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END \
         FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'attendance_daily' \
         ORDER BY ordinal_position"
    };
    let mut migrated: Vec<(String, String, i64)> = sqlx::query_as(sql).fetch_all(&db.pool).await.unwrap();
    let mut defined: Vec<(String, String, i64)> = DailyField::ALL
        .iter()
        .map(|f| {
            let kind = f.kind();
            (f.key().to_string(), if kind.is_text() { "TEXT" } else { "BIGINT" }.to_string(), i64::from(kind.nullable()))
        })
        .collect();
    if !sqlite {
        // PostgreSQL's migration 6 added `in_progress` last; SQLite's rebuilt the table in order.
        migrated.sort();
        defined.sort();
    }
    assert_eq!(migrated, defined);
}

#[tokio::test]
async fn the_daily_table_has_the_defined_columns_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    the_daily_table_has_the_defined_columns(Db::open(&sqlite_url(&dir), 1).await.unwrap()).await;
}

#[tokio::test]
async fn the_daily_table_has_the_defined_columns_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    the_daily_table_has_the_defined_columns(Db::open(&url, 1).await.unwrap()).await;
}
