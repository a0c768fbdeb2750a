//! The effort report on SQLite and PostgreSQL: for every grouping (none, one, every ordered pair)
//! and every rounding, the groups add up to the subtotals and the grand total, which equals the
//! sum of the stored entries (deleted ones left out) rounded as asked; hand-counted figures, the
//! filters with their trees (organisation, work item), who sees what (a member only their own,
//! refused another's), the CSV (three encodings) and Excel files read back, and the command line.

mod api_client;
mod kinmu_process;
mod test_databases;

use std::io::Read;

use api_client::{Client, app_on, expect, setup};
use axum::Router;
use kinmu::accounts::Actor;
use kinmu::database::Db;
use kinmu_shared::api::{ChangePath, DeleteEntry, ReportDimension};
use serde_json::{Value, json};
use test_databases::{postgres_url, sqlite_url};

const PASSWORD: &str = "Blue-Harbor-58";

async fn builtin_role(admin: &mut Client, key: &str) -> i64 {
    let roles = admin.get("/roles").await;
    roles.body.as_array().unwrap().iter().find(|r| r["builtin"] == key).unwrap()["id"].as_i64().unwrap()
}

async fn user(admin: &mut Client, login: &str, name: &str, role: i64, org: i64) -> i64 {
    let r = admin
        .send(
            "POST",
            "/users",
            json!({"login": login, "display_name": name, "role_id": role, "password": PASSWORD, "language": "en", "organization_id": org}),
        )
        .await;
    expect(&r, 201, None);
    r.body["id"].as_i64().unwrap()
}

async fn organisation(admin: &mut Client, name: &str, parent: Option<i64>) -> i64 {
    let r = admin.send("POST", "/organizations", json!({"name": name, "parent_id": parent})).await;
    expect(&r, 201, None);
    r.body["id"].as_i64().unwrap()
}

async fn logged_in(app: &Router, login: &str) -> Client {
    let mut c = Client::new(app);
    expect(&c.login(login, PASSWORD).await, 200, None);
    c
}

const PROJECTS: &str = "kind,project_code,name,path,level,code,login,role,status,allow_unassigned\n\
activity,,Design,,1,RPT-DES,,,,\n\
activity,,Development,,1,RPT-DEV,,,,\n\
activity,,Meeting,,2,RPT-MTG,,,,\n\
project,RPT-1,Portal,,,,,,active,yes\n\
project,RPT-2,Billing,,,,,,active,yes\n\
member,RPT-1,,,,,sato,member,,\n\
member,RPT-1,,,,,suzuki,member,,\n\
member,RPT-1,,,,,kato,member,,\n\
member,RPT-2,,,,,sato,member,,\n\
member,RPT-2,,,,,suzuki,member,,\n\
member,RPT-2,,,,,kato,member,,\n\
project_activity,RPT-1,,,1,RPT-DES,,,,\n\
project_activity,RPT-1,,,1,RPT-DEV,,,,\n\
project_activity,RPT-1,,,2,RPT-MTG,,,,\n\
project_activity,RPT-2,,,1,RPT-DEV,,,,\n\
project_activity,RPT-2,,,2,RPT-MTG,,,,\n\
work_item,RPT-1,,Design,,,,,,\n\
work_item,RPT-1,,Design / Screens,,,,,,\n\
work_item,RPT-1,,Build,,,,,,\n";

/// Entries: (login, date, project, work item, activity 1, activity 2, minutes). sato books two
/// entries on one day and row (2026-11-02, RPT-1 Design / Screens, RPT-DES), which a rounding per
/// day rounds together.
const ENTRIES: [(&str, &str, &str, &str, &str, &str, i64); 12] = [
    ("sato", "2026-11-02", "RPT-1", "Design / Screens", "RPT-DES", "", 50),
    ("sato", "2026-11-02", "RPT-1", "Design / Screens", "RPT-DES", "", 20),
    ("sato", "2026-11-02", "RPT-1", "Design", "RPT-DES", "RPT-MTG", 65),
    ("sato", "2026-11-03", "RPT-2", "", "RPT-DEV", "", 480),
    ("sato", "2026-11-30", "RPT-1", "Build", "RPT-DEV", "", 7),
    ("suzuki", "2026-11-02", "RPT-1", "Build", "RPT-DEV", "RPT-MTG", 100),
    ("suzuki", "2026-11-05", "RPT-2", "", "", "", 240),
    ("suzuki", "2026-11-06", "RPT-1", "", "RPT-DEV", "", 333),
    ("kato", "2026-11-02", "RPT-2", "", "RPT-DEV", "RPT-MTG", 61),
    ("kato", "2026-11-10", "RPT-1", "Design", "", "", 119),
    // Outside the period.
    ("kato", "2026-10-31", "RPT-1", "Design", "", "", 600),
    ("sato", "2026-12-01", "RPT-1", "Design", "", "", 600),
];

fn entries_csv() -> String {
    let mut out = String::from("login,date,project_code,work_item,activity1,activity2,duration,note,id\n");
    for (i, (login, date, project, item, a1, a2, minutes)) in ENTRIES.iter().enumerate() {
        out.push_str(&format!("{login},{date},{project},{item},{a1},{a2},{minutes},,{:08x}-0000-4000-8000-0000000000{i:02}\n", 0x5e90u32));
    }
    out
}

fn round(minutes: i64, direction: &str, step: i64) -> i64 {
    match direction {
        "up" => (minutes + step - 1) / step * step,
        "down" => minutes / step * step,
        _ => (2 * minutes + step) / (2 * step) * step,
    }
}

/// What the November total must be, counted here from the entries: as entered, or rounded per
/// entry, or per person's day on one row.
fn expected_total(rounding: Option<(&str, i64, &str)>, deleted: usize) -> i64 {
    let kept: Vec<_> = ENTRIES.iter().enumerate().filter(|(i, e)| *i != deleted && e.1.starts_with("2026-11")).map(|(_, e)| e).collect();
    match rounding {
        None => kept.iter().map(|e| e.6).sum(),
        Some((direction, step, "entry")) => kept.iter().map(|e| round(e.6, direction, step)).sum(),
        Some((direction, step, _)) => {
            let mut days: std::collections::BTreeMap<(&str, &str, &str, &str, &str, &str), i64> = Default::default();
            for e in &kept {
                *days.entry((e.0, e.1, e.2, e.3, e.4, e.5)).or_default() += e.6;
            }
            days.values().map(|m| round(*m, direction, step)).sum()
        }
    }
}

fn check_sums(r: &Value, what: &str) -> i64 {
    let total = r["total_minutes"].as_i64().unwrap();
    let groups = r["groups"].as_array().unwrap();
    if !groups.is_empty() {
        assert_eq!(groups.iter().map(|g| g["minutes"].as_i64().unwrap()).sum::<i64>(), total, "{what}: {r}");
    }
    for g in groups {
        let lines = g["lines"].as_array().unwrap();
        if !lines.is_empty() {
            assert_eq!(lines.iter().map(|l| l["minutes"].as_i64().unwrap()).sum::<i64>(), g["minutes"].as_i64().unwrap(), "{what}: {r}");
        }
    }
    total
}

fn group<'a>(r: &'a Value, code: &str) -> &'a Value {
    r["groups"].as_array().unwrap().iter().find(|g| g["value"]["code"] == code).unwrap_or_else(|| panic!("{code} in {r}"))
}

fn line_minutes(g: &Value, code: &str) -> i64 {
    g["lines"].as_array().unwrap().iter().find(|l| l["value"]["code"] == code).unwrap_or_else(|| panic!("{code} in {g}"))["minutes"]
        .as_i64()
        .unwrap()
}

/// The numbers of the Excel file's sheet (cells that are not shared strings) and its XML.
fn sheet_numbers(xlsx: &[u8]) -> (String, Vec<f64>) {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("an xlsx is a zip");
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml").unwrap().read_to_string(&mut xml).unwrap();
    let numbers = xml
        .split("<c ")
        .skip(1)
        .filter(|c| !c.contains("t=\"s\""))
        .filter_map(|c| c.split_once("<v>").and_then(|(_, v)| v.split_once("</v>")).and_then(|(v, _)| v.parse().ok()))
        .collect();
    (xml, numbers)
}

fn zip_text(xlsx: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut xml = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut xml).unwrap();
    xml
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

async fn story(app: Router, db: Db, dir: &std::path::Path, database: Option<&str>) {
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let orgs = admin.get("/organizations").await;
    let acme = orgs.body.as_array().unwrap().iter().find(|o| o["path"] == "Acme").unwrap()["id"].as_i64().unwrap();
    let sales = organisation(&mut admin, "Sales", Some(acme)).await;
    let team = organisation(&mut admin, "Team A", Some(sales)).await;
    let support = organisation(&mut admin, "Support", None).await;
    let member = builtin_role(&mut admin, "member").await;
    let manager_role = builtin_role(&mut admin, "manager").await;
    let sato = user(&mut admin, "sato", "Sato", member, team).await;
    let suzuki = user(&mut admin, "suzuki", "鈴木", member, sales).await;
    user(&mut admin, "kato", "Kato", member, support).await;
    user(&mut admin, "boss", "Boss", manager_role, acme).await;
    let imported = admin.csv("/effort/projects/import", PROJECTS.as_bytes()).await;
    expect(&imported, 200, None);
    assert_eq!(imported.body["errors"], json!([]), "{}", imported.text);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    let done = kinmu::effort::transfer::import(&db, &Actor::Operator, entries_csv().as_bytes(), ChangePath::Cli, today, kinmu::now())
        .await
        .unwrap();
    assert!(done.report.errors.is_empty(), "{:?}", done.report.errors);
    assert_eq!(done.report.created, ENTRIES.len() as i64);
    // A deleted entry (a tombstone) counts nowhere: suzuki's 240 minutes on RPT-2.
    let deleted = 6;
    let id = format!("{:08x}-0000-4000-8000-0000000000{deleted:02}", 0x5e90u32);
    kinmu::effort::entries::delete(&db, &Actor::Operator, DeleteEntry { id, expected_version: 1 }, ChangePath::Cli, kinmu::now())
        .await
        .unwrap();
    let stored: i64 = sqlx::query_scalar(
        "SELECT CAST(SUM(minutes) AS BIGINT) FROM effort_entries WHERE deleted_at IS NULL AND work_date >= '2026-11-01' AND work_date <= '2026-11-30'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(stored, expected_total(None, deleted));

    let mut boss = logged_in(&app, "boss").await;
    let period = "from=2026-11-01&to=2026-11-30";
    // Every grouping, every rounding: the same total, which adds up.
    let roundings: [Option<(&str, i64, &str)>; 5] =
        [None, Some(("up", 15, "entry")), Some(("down", 30, "entry")), Some(("nearest", 15, "day")), Some(("up", 60, "day"))];
    let mut groupings: Vec<String> = vec![String::new()];
    for a in ReportDimension::ALL {
        groupings.push(a.key().to_string());
        for b in ReportDimension::ALL.into_iter().filter(|b| *b != a) {
            groupings.push(format!("{},{}", a.key(), b.key()));
        }
    }
    let mut reports = 0;
    for rounding in roundings {
        let options = rounding.map(|(d, s, p)| format!("&rounding={d}&round_to={s}&round_per={p}")).unwrap_or_default();
        let expected = expected_total(rounding, deleted);
        for g in &groupings {
            let r = boss.get(&format!("/effort/report?{period}&group_by={g}{options}")).await;
            expect(&r, 200, None);
            assert_eq!(check_sums(&r.body, g), expected, "{g} {rounding:?}: {}", r.text);
            assert_eq!(r.body["own_only"], false);
            reports += 1;
        }
    }
    assert_eq!(reports, 5 * 37);
    println!("{reports} reports add up to the stored entries");

    // Hand-counted figures: project × person.
    let r = boss.get(&format!("/effort/report?{period}&group_by=project,person")).await;
    let p1 = group(&r.body, "RPT-1");
    assert_eq!(p1["value"]["name"], "Portal");
    assert_eq!((line_minutes(p1, "sato"), line_minutes(p1, "suzuki"), line_minutes(p1, "kato")), (142, 433, 119));
    assert_eq!(p1["minutes"], 694);
    assert_eq!(group(&r.body, "RPT-2")["minutes"], 541);
    assert_eq!((r.body["total_minutes"].as_i64(), r.body["entries"].as_i64()), (Some(1235), Some(9)));
    // Per day and row, down to 60: sato's 50 + 20 on one row and day round together (60), not
    // each alone (0 + 0).
    let r = boss.get(&format!("/effort/report?{period}&group_by=person&user_id={sato}&rounding=down&round_to=60&round_per=day")).await;
    assert_eq!(r.body["total_minutes"], 60 + 60 + 480, "{}", r.text);
    let r = boss.get(&format!("/effort/report?{period}&group_by=person&user_id={sato}&rounding=down&round_to=60")).await;
    assert_eq!(r.body["total_minutes"], 60 + 480, "{}", r.text);
    // Filters: an organisation takes the ones below it; a work item too.
    let r = boss.get(&format!("/effort/report?{period}&group_by=organization,person&organization_id={sales}")).await;
    assert_eq!(r.body["total_minutes"], 142 + 480 + 433, "{}", r.text);
    let orgs: Vec<&str> = r.body["groups"].as_array().unwrap().iter().map(|g| g["value"]["name"].as_str().unwrap()).collect();
    assert_eq!(orgs, ["Acme / Sales", "Acme / Sales / Team A"]);
    let design = sqlx::query_scalar::<_, i64>("SELECT id FROM work_items WHERE path = 'Design'").fetch_one(&db.pool).await.unwrap();
    let r = boss.get(&format!("/effort/report?{period}&group_by=work_item&work_item_id={design}")).await;
    let items: Vec<(&str, i64)> = r.body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g.pointer("/value/name").unwrap().as_str().unwrap(), g["minutes"].as_i64().unwrap()))
        .collect();
    assert_eq!(items, [("Design", 65 + 119), ("Design / Screens", 70)]);
    // Entries without a work item or activity are their own group, last.
    let r = boss.get(&format!("/effort/report?{period}&group_by=activity1")).await;
    let last = r.body["groups"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["value"]["id"].clone(), last["minutes"].as_i64()), (Value::Null, Some(119)));
    // Bad input names its field.
    expect(&boss.get("/effort/report?from=2026-11-30&to=2026-11-01").await, 422, Some("validation"));
    let bad = boss.get(&format!("/effort/report?{period}&group_by=project,colour")).await;
    assert_eq!(bad.body["field"], "group_by", "{}", bad.text);
    let bad = boss.get(&format!("/effort/report?{period}&rounding=up&round_to=0")).await;
    assert_eq!(bad.body["field"], "round_to", "{}", bad.text);

    // A member sees their own effort only, and is refused another's.
    let mut sato_client = logged_in(&app, "sato").await;
    let mine = sato_client.get(&format!("/effort/report?{period}&group_by=project,person")).await;
    expect(&mine, 200, None);
    assert_eq!(mine.body["own_only"], true);
    assert_eq!(mine.body["total_minutes"], 50 + 20 + 65 + 480 + 7, "{}", mine.text);
    let people: Vec<&str> = mine.body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["lines"].as_array().unwrap().iter().map(|l| l["value"]["code"].as_str().unwrap()))
        .collect();
    assert!(people.iter().all(|p| *p == "sato"), "{people:?}");
    expect(&sato_client.get(&format!("/effort/report?{period}&user_id={suzuki}")).await, 403, Some("forbidden"));
    expect(&sato_client.get(&format!("/effort/report/download?{period}&user_id={suzuki}&format=xlsx")).await, 403, Some("forbidden"));

    // The files: CSV in three encodings and Excel hold the same figures.
    let query = format!("{period}&group_by=project,person");
    let csv = boss.get(&format!("/effort/report/download?{query}&format=csv&encoding=utf-8-bom")).await;
    expect(&csv, 200, None);
    assert!(csv.bytes.starts_with(b"\xEF\xBB\xBF"));
    let rows = csv_rows(std::str::from_utf8(&csv.bytes[3..]).unwrap());
    assert_eq!(rows[0], ["Project code", "Project", "Login", "Person", "Effort", "Hours"]);
    assert!(
        rows.contains(&vec!["RPT-1".into(), "Portal".into(), "suzuki".into(), "鈴木".into(), "7:13".into(), "7.22".into()]),
        "{rows:?}"
    );
    assert!(
        rows.contains(&vec!["RPT-1".into(), "Portal".into(), "Subtotal".into(), "".into(), "11:34".into(), "11.57".into()]),
        "{rows:?}"
    );
    assert_eq!(rows.last().unwrap(), &["Total", "", "", "", "20:35", "20.58"]);
    let sjis = boss.get(&format!("/effort/report/download?{query}&format=csv&encoding=shift_jis")).await;
    let (decoded, _, bad) = encoding_rs::SHIFT_JIS.decode(&sjis.bytes);
    assert!(!bad && decoded.contains("RPT-1,Portal,suzuki,鈴木,7:13,7.22"), "{decoded}");
    let xlsx = boss.get(&format!("/effort/report/download?{query}&format=xlsx")).await;
    expect(&xlsx, 200, None);
    let (xml, numbers) = sheet_numbers(&xlsx.bytes);
    // suzuki's 433 minutes as a time value and as hours; the total likewise.
    for (minutes, hours) in [(433.0, 433.0 / 60.0), (1235.0, 1235.0 / 60.0)] {
        assert!(
            numbers.windows(2).any(|w| (w[0] - minutes / 1440.0).abs() < 1e-9 && (w[1] - hours).abs() < 1e-9),
            "{minutes} in {numbers:?}"
        );
    }
    assert!(xml.contains("<pane ") && xml.contains("state=\"frozen\""), "a frozen header: {xml}");
    let styles = zip_text(&xlsx.bytes, "xl/styles.xml");
    assert!(styles.contains("[h]:mm") && styles.contains("0.00"), "{styles}");
    assert!(zip_text(&xlsx.bytes, "xl/sharedStrings.xml").contains("Subtotal"));

    // A scheduled file: an output profile of the effort report (its grouping and rounding saved),
    // written for its period into its folder as the attendance task's profiles are.
    let folder = tempfile::tempdir_in(std::env::temp_dir()).unwrap();
    let profile = json!({
        "name": "RPT-effort", "format": "xlsx", "unit": "per_month", "folder": folder.path().to_str().unwrap(),
        "effort": {"from": "", "to": "", "group_by": "project,person", "rounding": "up", "round_to": 60, "round_per": "day"},
    });
    let mut broken = profile.clone();
    broken["effort"]["group_by"] = json!("colour");
    let refused = admin.send("POST", "/attendance/profiles", broken).await;
    expect(&refused, 422, Some("validation"));
    assert_eq!(refused.body["field"], "effort.group_by", "{}", refused.text);
    let made = admin.send("POST", "/attendance/profiles", profile).await;
    expect(&made, 201, None);
    assert_eq!(made.body["effort"]["round_to"], 60, "saved with its options: {}", made.text);
    let id = made.body["id"].as_i64().unwrap();
    let run = admin.send("POST", &format!("/attendance/profiles/{id}/run"), json!({"month": "2026-11"})).await;
    expect(&run, 200, None);
    assert_eq!(run.body["errors"], json!([]), "{}", run.text);
    let path = run.body["files"][0]["path"].as_str().unwrap().to_string();
    assert!(path.ends_with("工数集計_2026-11.xlsx") || path.ends_with("effort_2026-11.xlsx"), "{path}");
    let (_, numbers) = sheet_numbers(&std::fs::read(&path).unwrap());
    // Per day and row up to the hour: sato RPT-1 120 + 120 + 60, suzuki 120 + 360, kato 120;
    // RPT-2: sato 480, kato 61 → 120. Total 1500 minutes = 25 hours.
    assert!(numbers.iter().any(|n| (n - 25.0).abs() < 1e-9), "{numbers:?}");

    // The command line: the same report as Excel and as rounded Shift_JIS CSV.
    let run = |args: &[&str]| {
        let mut all: Vec<&str> = database.map(|d| vec!["--database", d]).unwrap_or_default();
        all.extend_from_slice(args);
        let out = kinmu_process::kinmu(dir, &all, None);
        (out.status.success(), String::from_utf8_lossy(&out.stdout).to_string(), String::from_utf8_lossy(&out.stderr).to_string())
    };
    let file = dir.join("effort.xlsx");
    let path = file.to_str().unwrap();
    let (ok, out, err) = run(&[
        "effort",
        "export",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--group-by",
        "organization,activity1",
        "--format",
        "xlsx",
        "--out",
        path,
    ]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("total 20:35"), "{out}");
    let (_, numbers) = sheet_numbers(&std::fs::read(&file).unwrap());
    assert!(numbers.iter().any(|n| (n - 1235.0 / 60.0).abs() < 1e-9), "{numbers:?}");
    let file = dir.join("effort.csv");
    let path = file.to_str().unwrap();
    let (ok, out, err) = run(&[
        "effort",
        "export",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--group-by",
        "person",
        "--org",
        "Acme / Sales",
        "--project",
        "RPT-1",
        "--rounding",
        "up",
        "--round-to",
        "60",
        "--round-per",
        "day",
        "--format",
        "csv",
        "--encoding",
        "shift_jis",
        "--out",
        path,
    ]);
    assert!(ok, "{out}{err}");
    let bytes = std::fs::read(&file).unwrap();
    let (decoded, _, _) = encoding_rs::SHIFT_JIS.decode(&bytes);
    let rows = csv_rows(&decoded);
    // sato on RPT-1: 70 → 120, 65 → 120, 7 → 60; suzuki: 100 → 120, 333 → 360.
    assert!(rows.contains(&vec!["sato".into(), "Sato".into(), "5:00".into(), "5.00".into()]), "{rows:?}");
    assert!(rows.contains(&vec!["suzuki".into(), "鈴木".into(), "8:00".into(), "8.00".into()]), "{rows:?}");
    let (ok, _, err) =
        run(&["effort", "export", "--from", "2026-11-01", "--to", "2026-11-30", "--project", "NOPE", "--format", "csv", "--out", path]);
    assert!(!ok && err.contains("NOPE"), "{err}");
}

#[tokio::test]
async fn the_effort_report_adds_up_for_every_grouping_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on(&sqlite_url(&dir)).await;
    story(app, db, dir.path(), None).await;
}

#[tokio::test]
async fn the_effort_report_adds_up_for_every_grouping_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on(&url).await;
    story(app, db, dir.path(), Some(url.expose())).await;
}
