//! The pre-summed effort per person, day and report row (`effort_day_rows`, migration 19) on
//! SQLite and PostgreSQL: after a long run of random stores, edits (moving an entry to another day
//! or row, changing its minutes), deletes, restores of deleted entries, refused saves (over 24
//! hours a day) and CSV imports (new rows and changed ones), the table equals a recount of the live
//! entries after every step; and the effort report read from it (and, rounded per entry, from the
//! entries behind the day rows holding several) equals the report counted from the entries
//! themselves, for periods of whole months, starting or ending mid-month and spanning month
//! edges, every grouping and rounding scope, with and without filters.

mod api_client;
mod test_databases;

use std::collections::BTreeMap;

use api_client::{Client, app_on, expect, setup};
use chrono::NaiveDate;
use kinmu::accounts::Actor;
use kinmu::database::Db;
use kinmu::effort::{entries, report, transfer};
use kinmu_shared::api::{ChangePath, DeleteEntry, EffortReportQuery, SaveEntry, SaveOutcome};
use kinmu_shared::effort::report::{self as report_rules, Portion};
use serde_json::json;
use test_databases::{postgres_url, sqlite_url};

const PASSWORD: &str = "Blue-Harbor-58";

const PROJECTS: &str = "kind,project_code,name,path,level,code,login,role,status,allow_unassigned\n\
activity,,Design,,1,DR-DES,,,,\n\
activity,,Development,,1,DR-DEV,,,,\n\
activity,,Meeting,,2,DR-MTG,,,,\n\
project,DR-1,Portal,,,,,,active,yes\n\
project,DR-2,Billing,,,,,,active,yes\n\
member,DR-1,,,,,dr-sato,member,,\n\
member,DR-1,,,,,dr-kato,member,,\n\
member,DR-2,,,,,dr-sato,member,,\n\
member,DR-2,,,,,dr-kato,member,,\n\
project_activity,DR-1,,,1,DR-DES,,,,\n\
project_activity,DR-1,,,1,DR-DEV,,,,\n\
project_activity,DR-1,,,2,DR-MTG,,,,\n\
project_activity,DR-2,,,1,DR-DEV,,,,\n\
project_activity,DR-2,,,2,DR-MTG,,,,\n\
work_item,DR-1,,Design,,,,,,\n\
work_item,DR-1,,Build,,,,,,\n\
work_item,DR-2,,Run,,,,,,\n";

/// A small deterministic generator (xorshift64*), so that a failure repeats.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// A report row a person may book: (project, work item, activity 1, activity 2), by code.
#[derive(Clone, Copy)]
struct Row {
    project: i64,
    project_code: &'static str,
    work_item: Option<(i64, &'static str)>,
    activity1: Option<(i64, &'static str)>,
    activity2: Option<(i64, &'static str)>,
}

type Key = (i64, String, i64, i64, i64, i64);

/// `effort_day_rows` as stored, and as a recount of the live entries.
async fn stored_and_recounted(db: &Db) -> (BTreeMap<Key, (i64, i64)>, BTreeMap<Key, (i64, i64)>) {
    type Line = (i64, String, i64, i64, i64, i64, i64, i64);
    let stored: Vec<Line> = sqlx::query_as(
        "SELECT user_id, work_date, project_id, work_item_id, activity1_id, activity2_id, minutes, entries FROM effort_day_rows",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let recounted: Vec<Line> = sqlx::query_as(
        "SELECT user_id, work_date, project_id, COALESCE(work_item_id, 0), COALESCE(activity1_id, 0), COALESCE(activity2_id, 0), \
         CAST(SUM(minutes) AS BIGINT), COUNT(*) FROM effort_entries WHERE deleted_at IS NULL \
         GROUP BY user_id, work_date, project_id, COALESCE(work_item_id, 0), COALESCE(activity1_id, 0), COALESCE(activity2_id, 0)",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let map = |lines: Vec<Line>| lines.into_iter().map(|(u, d, p, w, a, b, m, n)| ((u, d, p, w, a, b), (m, n))).collect();
    (map(stored), map(recounted))
}

async fn user(admin: &mut Client, login: &str, role: i64) -> i64 {
    let r = admin
        .send("POST", "/users", json!({"login": login, "display_name": login, "role_id": role, "password": PASSWORD, "language": "en"}))
        .await;
    expect(&r, 201, None);
    r.body["id"].as_i64().unwrap()
}

async fn story(db: Db, app: axum::Router) {
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let roles = admin.get("/roles").await;
    let member = roles.body.as_array().unwrap().iter().find(|r| r["builtin"] == "member").unwrap()["id"].as_i64().unwrap();
    let people = [(user(&mut admin, "dr-sato", member).await, "dr-sato"), (user(&mut admin, "dr-kato", member).await, "dr-kato")];
    let imported = admin.csv("/effort/projects/import", PROJECTS.as_bytes()).await;
    expect(&imported, 200, None);
    assert_eq!(imported.body["errors"], json!([]), "{}", imported.text);
    let id_of = |sql: &'static str, code: &'static str| {
        let db = db.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).bind(code).fetch_one(&db.pool).await.unwrap() }
    };
    let project = "SELECT id FROM projects WHERE code = $1";
    let activity = "SELECT id FROM activities WHERE code = $1";
    let item = "SELECT id FROM work_items WHERE path = $1";
    let (p1, p2) = (id_of(project, "DR-1").await, id_of(project, "DR-2").await);
    let (des, dev, mtg) = (id_of(activity, "DR-DES").await, id_of(activity, "DR-DEV").await, id_of(activity, "DR-MTG").await);
    let (design, build, run) = (id_of(item, "Design").await, id_of(item, "Build").await, id_of(item, "Run").await);
    let row = |project, project_code, work_item, activity1, activity2| Row { project, project_code, work_item, activity1, activity2 };
    let rows = [
        row(p1, "DR-1", None, None, None),
        row(p1, "DR-1", Some((design, "Design")), Some((des, "DR-DES")), None),
        row(p1, "DR-1", Some((design, "Design")), Some((des, "DR-DES")), Some((mtg, "DR-MTG"))),
        row(p1, "DR-1", Some((build, "Build")), Some((dev, "DR-DEV")), None),
        row(p1, "DR-1", None, Some((dev, "DR-DEV")), Some((mtg, "DR-MTG"))),
        row(p2, "DR-2", Some((run, "Run")), None, Some((mtg, "DR-MTG"))),
        row(p2, "DR-2", None, Some((dev, "DR-DEV")), None),
    ];
    // Days on both sides of two month edges.
    let days: Vec<NaiveDate> = [(10, 30), (10, 31), (11, 1), (11, 2), (11, 30), (12, 1)]
        .iter()
        .map(|&(m, d)| NaiveDate::from_ymd_opt(2026, m, d).unwrap())
        .collect();
    let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    let mut random = Random(0x5EED_0019_DA7A_0001);
    // Entries made so far: (id, version, deleted).
    let mut made: Vec<(String, i64, bool)> = Vec::new();
    let mut counts = BTreeMap::<&str, usize>::new();
    let save = |id: String, person: i64, day: NaiveDate, r: Row, minutes: i64, version: Option<i64>| SaveEntry {
        id,
        user_id: Some(person),
        date: day.to_string(),
        project_id: r.project,
        work_item_id: r.work_item.map(|w| w.0),
        activity1_id: r.activity1.map(|a| a.0),
        activity2_id: r.activity2.map(|a| a.0),
        minutes,
        note: String::new(),
        expected_version: version,
    };
    for step in 0..400 {
        let live: Vec<usize> = (0..made.len()).filter(|i| !made[*i].2).collect();
        let dead: Vec<usize> = (0..made.len()).filter(|i| made[*i].2).collect();
        // Up to 24:00 a day: long entries sometimes pass it, and the save is refused.
        let minutes = if random.below(10) == 0 { 600 + random.below(300) as i64 } else { random.below(241) as i64 };
        let (person, _) = random.pick(&people);
        let kind = random.below(10);
        if kind < 4 || live.is_empty() {
            let id = format!("00000019-0000-4000-8000-{:012x}", made.len());
            let answer = entries::save(
                &db,
                &Actor::Operator,
                save(id.clone(), person, random.pick(&days), random.pick(&rows), minutes, None),
                ChangePath::Cli,
                today,
                1,
            )
            .await;
            match answer {
                Ok(a) => {
                    assert_eq!(a.outcome, SaveOutcome::Created);
                    made.push((id, a.entry.version, false));
                    *counts.entry("created").or_default() += 1;
                }
                Err(e) => {
                    if !counts.contains_key("refused") {
                        println!("first refusal: {e}");
                    }
                    *counts.entry("refused").or_default() += 1
                }
            }
        } else if kind < 7 {
            // An edit: another day, row or length (the owner stays).
            let i = random.pick(&live);
            let owner: i64 =
                sqlx::query_scalar("SELECT user_id FROM effort_entries WHERE id = $1").bind(&made[i].0).fetch_one(&db.pool).await.unwrap();
            let req = save(made[i].0.clone(), owner, random.pick(&days), random.pick(&rows), minutes, Some(made[i].1));
            match entries::save(&db, &Actor::Operator, req, ChangePath::Cli, today, 1).await {
                Ok(a) => {
                    made[i].1 = a.entry.version;
                    *counts.entry("edited").or_default() += 1;
                }
                Err(_) => *counts.entry("refused").or_default() += 1,
            }
        } else if kind < 9 {
            let i = random.pick(&live);
            let gone = entries::delete(
                &db,
                &Actor::Operator,
                DeleteEntry { id: made[i].0.clone(), expected_version: made[i].1 },
                ChangePath::Cli,
                1,
            )
            .await
            .unwrap();
            made[i] = (gone.id, gone.version, true);
            *counts.entry("deleted").or_default() += 1;
        } else if let Some(&i) = dead.first() {
            // A deleted entry saved again comes back.
            let owner: i64 =
                sqlx::query_scalar("SELECT user_id FROM effort_entries WHERE id = $1").bind(&made[i].0).fetch_one(&db.pool).await.unwrap();
            let req = save(made[i].0.clone(), owner, random.pick(&days), random.pick(&rows), minutes.min(120), Some(made[i].1));
            if let Ok(a) = entries::save(&db, &Actor::Operator, req, ChangePath::Cli, today, 1).await {
                made[i] = (a.entry.id, a.entry.version, false);
                *counts.entry("restored").or_default() += 1;
            }
        }
        if step % 50 == 49 {
            // An import: three new entries, and the first one again with other minutes (an edit).
            let mut csv = String::from("login,date,project_code,work_item,activity1,activity2,duration,note,id\n");
            for k in 0..3 {
                let (_, login) = random.pick(&people);
                let r = random.pick(&rows);
                let id = format!("00000019-0000-4000-9000-{:012x}", step * 10 + k);
                csv.push_str(&format!(
                    "{login},{},{},{},{},{},{},,{id}\n",
                    random.pick(&days),
                    r.project_code,
                    r.work_item.map_or("", |w| w.1),
                    r.activity1.map_or("", |a| a.1),
                    r.activity2.map_or("", |a| a.1),
                    random.below(120)
                ));
            }
            let done = transfer::import(&db, &Actor::Operator, csv.as_bytes(), ChangePath::Cli, today, 1).await.unwrap();
            *counts.entry("imported").or_default() += done.report.created as usize;
            let mut again = csv.lines().take(2).map(|l| format!("{l}\n")).collect::<String>();
            again = again.replacen(",,00000019", "5,,00000019", 1);
            let changed = transfer::import(&db, &Actor::Operator, again.as_bytes(), ChangePath::Cli, today, 1).await.unwrap();
            *counts.entry("imported again").or_default() += changed.report.updated as usize;
        }
        let (stored, recounted) = stored_and_recounted(&db).await;
        assert_eq!(stored, recounted, "after step {step} ({counts:?})");
    }
    println!("effort_day_rows equals the recount after every step: {counts:?}");
    for what in ["created", "edited", "deleted", "restored", "refused", "imported", "imported again"] {
        assert!(counts.get(what).is_some_and(|n| *n > 0), "the run did no {what}: {counts:?}");
    }

    // The report read from the table: as counted from the entries themselves (one portion an
    // entry, or a day and row's entries summed when rounded per day), for periods of whole months,
    // starting or ending mid-month, spanning month edges or of one day, for every grouping and
    // rounding scope, with and without filters; and its totals as summed here.
    type Entry = (i64, String, i64, Option<i64>, Option<i64>, Option<i64>, i64);
    let lines: Vec<Entry> = sqlx::query_as(
        "SELECT user_id, work_date, project_id, work_item_id, activity1_id, activity2_id, minutes FROM effort_entries WHERE deleted_at IS NULL",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let several = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM effort_day_rows WHERE entries > 1").fetch_one(&db.pool).await.unwrap();
    assert!(several > 0, "no day row holds several entries");
    let names = report::load_names(&db).await.unwrap();
    let portion = |(u, _, p, w, a, b, m): &Entry| Portion {
        user_id: Some(*u),
        project_id: Some(*p),
        work_item_id: *w,
        activity1_id: *a,
        activity2_id: *b,
        minutes: *m,
        times: 1,
        entries: 1,
    };
    let periods = [
        ("2026-10-01", "2026-12-31"),
        ("2026-11-01", "2026-11-30"),
        ("2026-10-31", "2026-11-01"),
        ("2026-10-31", "2026-12-01"),
        ("2026-11-02", "2026-11-29"),
        ("2026-10-30", "2026-10-30"),
    ];
    let filters = [
        EffortReportQuery::default(),
        EffortReportQuery { project_id: Some(p1), ..Default::default() },
        EffortReportQuery { activity1_id: Some(dev), user_id: Some(people[0].0), ..Default::default() },
        EffortReportQuery { work_item_id: Some(design), activity2_id: Some(mtg), ..Default::default() },
    ];
    let mut compared = 0;
    for (from, to) in periods {
        let inside: Vec<&Entry> = lines.iter().filter(|l| from <= l.1.as_str() && l.1.as_str() <= to).collect();
        let mut per_day_row: BTreeMap<_, Portion> = BTreeMap::new();
        for l in &inside {
            let p = per_day_row.entry((l.0, l.1.clone(), l.2, l.3, l.4, l.5)).or_insert(Portion { minutes: 0, entries: 0, ..portion(l) });
            p.minutes += l.6;
            p.entries += 1;
        }
        let plain: i64 = inside.iter().map(|l| l.6).sum();
        let up_per_day: i64 = per_day_row.values().map(|p| (p.minutes + 59) / 60 * 60).sum();
        let up_per_entry: i64 = inside.iter().map(|l| (l.6 + 59) / 60 * 60).sum();
        for group_by in [
            "",
            "person",
            "organization,activity1",
            "work_item,person",
            "project,activity2",
            "activity1,activity2",
            "activity2,organization",
        ] {
            for filter in &filters {
                for (per, total) in [(None, plain), (Some("day"), up_per_day), (Some("entry"), up_per_entry)] {
                    let q = EffortReportQuery {
                        from: from.into(),
                        to: to.into(),
                        group_by: Some(group_by.into()),
                        rounding: per.map(|_| "up".into()),
                        round_to: per.map(|_| 60),
                        round_per: per.map(Into::into),
                        ..filter.clone()
                    };
                    let r = report::report(&db, &Actor::Operator, &q).await.unwrap();
                    let portions: Vec<Portion> = if per == Some("day") {
                        per_day_row.values().copied().collect()
                    } else {
                        inside.iter().map(|l| portion(l)).collect()
                    };
                    let expected = report_rules::build(&report_rules::spec(&q).unwrap(), &names, &portions, false);
                    assert_eq!(r, expected, "{from}..{to} by {group_by:?} {per:?} {filter:?}");
                    if filter.project_id.is_none() && filter.user_id.is_none() && filter.work_item_id.is_none() {
                        assert_eq!(r.total_minutes, total, "{from}..{to} by {group_by:?} {per:?}");
                        assert_eq!(r.entries, inside.len() as i64, "{from}..{to} by {group_by:?} {per:?}");
                    }
                    compared += 1;
                }
            }
        }
    }
    println!("{compared} reports equal the count from the entries ({several} day rows hold several entries)");
}

#[tokio::test]
async fn the_day_rows_equal_a_recount_of_the_entries_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on(&sqlite_url(&dir)).await;
    story(db, app).await;
}

#[tokio::test]
async fn the_day_rows_equal_a_recount_of_the_entries_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, db) = app_on(&url).await;
    story(db, app).await;
}

/// SQLite's plan for a year's company report (organisation × activity 1, in each rounding shape),
/// the query `scripts/bench-effort` measures: it walks `effort_day_rows_person_activity`
/// (migration 20) in the grouping's order instead of sorting the year's day rows, whether or not
/// SQLite has planner statistics (left to itself it sorts); a project's report keeps the project's
/// index.
#[tokio::test]
async fn a_company_year_report_on_sqlite_walks_the_grouping_index() {
    use kinmu_shared::api::{EffortRounding, ReportDimension, RoundingDirection, RoundingScope};
    use kinmu_shared::effort::report::{ReportFilter, ReportSpec};

    let dir = tempfile::tempdir().unwrap();
    // One connection, so that the foreign keys switched off below stay off for the fill: the
    // plan depends on the table's shape, not on who the rows belong to.
    let db = Db::open(&sqlite_url(&dir), 1).await.unwrap();
    sqlx::raw_sql(
        "PRAGMA foreign_keys = OFF; \
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 72999) \
         INSERT INTO effort_day_rows (user_id, work_date, project_id, work_item_id, activity1_id, activity2_id, minutes, entries) \
         SELECT 1 + i % 200, date('2025-01-01', '+' || (i / 200) || ' days'), 1 + i % 30, i % 90, i % 8, 0, 30 + (i % 8) * 15, \
                1 + (i % 50 = 0) FROM n; \
         PRAGMA foreign_keys = ON;",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let spec = |scope: Option<RoundingScope>, project: Option<i64>| ReportSpec {
        from: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
        to: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
        group_by: vec![ReportDimension::Organization, ReportDimension::Activity1],
        filter: ReportFilter { project, ..ReportFilter::default() },
        rounding: scope.map(|scope| EffortRounding { direction: RoundingDirection::Up, step_minutes: 15, scope }),
    };
    for statistics in [false, true] {
        if statistics {
            sqlx::raw_sql("ANALYZE").execute(&db.pool).await.unwrap();
        }
        let unrounded = sqlite_plan(&db, &spec(None, None)).await;
        assert!(
            unrounded.contains("effort_day_rows_person_activity") && !unrounded.contains("TEMP B-TREE"),
            "unrounded (statistics: {statistics}), the year is summed in the index's order without a sort: {unrounded}"
        );
        for scope in [RoundingScope::Day, RoundingScope::Entry] {
            let rounded = sqlite_plan(&db, &spec(Some(scope), None)).await;
            assert!(rounded.contains("effort_day_rows_person_activity"), "rounded per {scope:?}, the index is walked: {rounded}");
            if scope == RoundingScope::Entry {
                assert!(
                    rounded.contains("effort_entries_user_date (user_id=? AND work_date=?)"),
                    "the entries behind a day row holding several are found by its person and day: {rounded}"
                );
            }
        }
        let project = sqlite_plan(&db, &spec(None, Some(3))).await;
        assert!(project.contains("effort_day_rows_project"), "a project's report reads the project's index: {project}");
    }
}

/// SQLite's `EXPLAIN QUERY PLAN` for the report's one query, on one line.
async fn sqlite_plan(db: &Db, spec: &kinmu_shared::effort::report::ReportSpec) -> String {
    report::query_plan(db, spec).await.unwrap()
}
