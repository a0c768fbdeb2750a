//! Gaps against attendance by organisation, on SQLite and PostgreSQL: an organisation's own gap
//! threshold, inherited by the ones below it, decides the marks of the week grid, the gap month
//! and the submit check; the monthly gap report counts a hand-computed fixture (per person, per
//! organisation with its sub-organisations, month over month), only for approvers; its CSV (three
//! encodings) and Excel files, read back, hold the same figures, through the API and the command
//! line.

mod api_client;
mod kinmu_process;
mod test_databases;

use std::io::Read;

use api_client::{Client, app_on, expect, setup};
use axum::Router;
use kinmu::database::Db;
use kinmu_shared::api::{DailyField, FieldKind};
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
            json!({"login": login, "display_name": name, "role_id": role, "password": PASSWORD, "language": "en",
                   "log_accounts": [login], "organization_id": org}),
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

/// A stored attendance day for `account` with `minutes` of actual work.
async fn attended(db: &Db, account: &str, date: &str, minutes: i64) {
    let columns = DailyField::list(&DailyField::ALL);
    let values: Vec<String> = DailyField::ALL
        .iter()
        .map(|f| match f {
            DailyField::WorkDate => format!("'{date}'"),
            DailyField::PersonKey | DailyField::Account | DailyField::DisplayName => format!("'{account}'"),
            DailyField::Worked => "1".into(),
            DailyField::ClockInText => "'9:00'".into(),
            DailyField::ClockOutText => "'18:00'".into(),
            DailyField::ActualWorkMinutes => minutes.to_string(),
            f => match f.kind() {
                FieldKind::Text => "''".into(),
                k if k.nullable() => "NULL".into(),
                _ => "0".into(),
            },
        })
        .collect();
    sqlx::query(&format!("INSERT INTO attendance_daily ({columns}) VALUES ({})", values.join(", "))).execute(&db.pool).await.unwrap();
}

async fn book(c: &mut Client, n: u32, project: i64, date: &str, minutes: i64) {
    let id = format!("{n:08x}-0000-4000-8000-000000000000");
    let r = c.send("PUT", "/effort/entries", json!({"id": id, "date": date, "project_id": project, "minutes": minutes})).await;
    expect(&r, 200, None);
}

fn threshold_of<'a>(list: &'a Value, path: &str) -> &'a Value {
    list.as_array().unwrap().iter().find(|t| t["path"] == path).unwrap_or_else(|| panic!("{path} in {list}"))
}

/// The numbers of an Excel sheet's XML (`<v>` of cells that are not shared strings).
fn sheet_numbers(xlsx: &[u8], sheet: usize) -> (String, Vec<f64>) {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("an xlsx is a zip");
    let mut xml = String::new();
    zip.by_name(&format!("xl/worksheets/sheet{sheet}.xml")).unwrap().read_to_string(&mut xml).unwrap();
    let numbers = xml
        .split("<c ")
        .skip(1)
        .filter(|c| !c.contains("t=\"s\""))
        .filter_map(|c| c.split_once("<v>").and_then(|(_, v)| v.split_once("</v>")).and_then(|(v, _)| v.parse().ok()))
        .collect();
    (xml, numbers)
}

fn shared_strings(xlsx: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut xml = String::new();
    zip.by_name("xl/sharedStrings.xml").unwrap().read_to_string(&mut xml).unwrap();
    xml
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
    let sato = user(&mut admin, "sato", "Sato", member, team).await;
    let suzuki = user(&mut admin, "suzuki", "鈴木", member, sales).await;
    let kato = user(&mut admin, "kato", "Kato", member, support).await;
    let p = admin.send("POST", "/effort/projects", json!({"code": "GAP-1", "name": "Portal"})).await;
    expect(&p, 201, None);
    let project = p.body["id"].as_i64().unwrap();
    let members = json!({"members": [{"user_id": sato}, {"user_id": suzuki}, {"user_id": kato}]});
    expect(&admin.send("PUT", &format!("/effort/projects/{project}/members"), members).await, 200, None);
    let (mut s, mut z, mut k) = (logged_in(&app, "sato").await, logged_in(&app, "suzuki").await, logged_in(&app, "kato").await);

    // sato (Team A) entered 20 minutes less than the logs show on the 2nd: within the
    // company's 30 minutes.
    attended(&db, "sato", "2026-11-02", 480).await;
    book(&mut s, 1, project, "2026-11-02", 460).await;
    assert_eq!(s.get("/effort/gaps?month=2026-11").await.body["days"], json!([]));

    // Only administrators keep thresholds; a threshold is 0 to 1440 minutes.
    expect(&s.get("/effort/gap-thresholds").await, 403, Some("forbidden"));
    expect(&s.send("PUT", &format!("/effort/gap-thresholds/{sales}"), json!({"minutes": 5})).await, 403, Some("forbidden"));
    let bad = admin.send("PUT", &format!("/effort/gap-thresholds/{sales}"), json!({"minutes": 1441})).await;
    expect(&bad, 422, Some("validation"));
    assert_eq!(bad.body["field"], "minutes");
    expect(&admin.send("PUT", "/effort/gap-thresholds/999999", json!({"minutes": 5})).await, 404, Some("not_found"));

    // Sales takes 10 minutes: Team A inherits them, Acme and Support keep the company's.
    let set = admin.send("PUT", &format!("/effort/gap-thresholds/{sales}"), json!({"minutes": 10})).await;
    expect(&set, 200, None);
    assert_eq!((set.body["own_minutes"].as_i64(), set.body["effective_minutes"].as_i64()), (Some(10), Some(10)), "{}", set.text);
    let list = admin.get("/effort/gap-thresholds").await;
    expect(&list, 200, None);
    let team_a = threshold_of(&list.body, "Acme / Sales / Team A");
    assert_eq!((team_a["own_minutes"].clone(), team_a["effective_minutes"].as_i64()), (Value::Null, Some(10)), "{}", list.text);
    assert_eq!(threshold_of(&list.body, "Acme")["effective_minutes"], 30);
    assert_eq!(threshold_of(&list.body, "Support")["effective_minutes"], 30);

    // The week grid, the gap month and the submit check all use Team A's 10 minutes.
    let w = s.get("/effort/week?week=2026-W45").await;
    let day = w.body["days"].as_array().unwrap().iter().find(|d| d["date"] == "2026-11-02").unwrap().clone();
    assert_eq!(day["gap"]["difference_minutes"], -20, "{day}");
    let month = s.get("/effort/gaps?month=2026-11").await;
    assert_eq!((month.body["threshold_minutes"].as_i64(), month.body["days"].as_array().unwrap().len()), (Some(10), 1), "{}", month.text);
    let blocked = s.send("POST", "/effort/periods/submit", json!({"date": "2026-11-02"})).await;
    expect(&blocked, 422, Some("validation"));
    assert_eq!(blocked.body["field"], "gaps");
    assert!(blocked.text.contains("2026-11-02"), "{}", blocked.text);

    // Team A's own 25 minutes win over Sales' 10: nothing is marked and the month submits.
    expect(&admin.send("PUT", &format!("/effort/gap-thresholds/{team}"), json!({"minutes": 25})).await, 200, None);
    assert_eq!(s.get("/effort/gaps?month=2026-11").await.body["days"], json!([]));
    assert!(s.get("/effort/week?week=2026-W45").await.body["days"].as_array().unwrap().iter().all(|d| d["gap"].is_null()));
    expect(&s.send("POST", "/effort/periods/submit", json!({"date": "2026-11-02"})).await, 200, None);
    // Cleared, Team A inherits again.
    let cleared = admin.send("PUT", &format!("/effort/gap-thresholds/{team}"), json!({"minutes": null})).await;
    assert_eq!(
        (cleared.body["own_minutes"].clone(), cleared.body["effective_minutes"].as_i64()),
        (Value::Null, Some(10)),
        "{}",
        cleared.text
    );

    // The rest of the fixture. sato: PC activity and no effort on the 3rd (-300), -80 in
    // October. suzuki (Sales, 10): -5 on the 2nd (within), 120 of effort and no PC record on the
    // 4th, explained. kato (Support, 30): -20 on the 2nd (within).
    attended(&db, "sato", "2026-11-03", 300).await;
    attended(&db, "sato", "2026-10-15", 480).await;
    book(&mut s, 2, project, "2026-10-15", 400).await;
    attended(&db, "suzuki", "2026-11-02", 480).await;
    book(&mut z, 3, project, "2026-11-02", 475).await;
    book(&mut z, 4, project, "2026-11-04", 120).await;
    expect(&z.send("PUT", "/effort/gaps", json!({"date": "2026-11-04", "text": "site visit"})).await, 200, None);
    attended(&db, "kato", "2026-11-02", 480).await;
    book(&mut k, 5, project, "2026-11-02", 460).await;

    // Only approvers see the report.
    expect(&s.get("/effort/gap-report?month=2026-11").await, 403, Some("forbidden"));
    expect(&admin.get("/effort/gap-report?month=2026-13").await, 422, Some("validation"));
    let unknown = admin.get("/effort/gap-report?month=2026-11&organization_id=999999").await;
    expect(&unknown, 422, Some("validation"));
    assert_eq!(unknown.body["field"], "organization_id");
    expect(&admin.get("/effort/gap-report?month=2026-11&months=13").await, 422, Some("validation"));

    // Acme and below: admin (no log accounts), sato and suzuki. Gaps 20, 300 and 120 minutes.
    let r = admin.get(&format!("/effort/gap-report?month=2026-11&organization_id={acme}")).await;
    expect(&r, 200, None);
    let t = &r.body["totals"];
    let figures = |t: &Value| -> Vec<i64> {
        [
            "people",
            "people_over",
            "marked_days",
            "explained_days",
            "unexplained_days",
            "average_gap_minutes",
            "largest_gap_minutes",
            "activity_without_effort_days",
            "effort_without_activity_days",
        ]
        .iter()
        .map(|k| t[k].as_i64().unwrap_or_else(|| panic!("{k} in {t}")))
        .collect()
    };
    assert_eq!(figures(t), [3, 2, 3, 1, 2, 147, -300, 1, 1], "{}", r.text);
    assert_eq!(r.body["organization_path"], "Acme");
    let people = r.body["people"].as_array().unwrap();
    assert_eq!(people.iter().map(|p| p["login"].as_str().unwrap()).collect::<Vec<_>>(), ["sato", "suzuki"], "{}", r.text);
    assert_eq!(figures(&people[0]["totals"]), [1, 1, 2, 0, 2, 160, -300, 1, 0]);
    assert_eq!(people[0]["threshold_minutes"], 10);
    let org = |path: &str| r.body["organizations"].as_array().unwrap().iter().find(|o| o["path"] == path).unwrap().clone();
    assert_eq!(figures(&org("Acme / Sales")["totals"])[..3], [2, 2, 3]);
    assert_eq!(figures(&org("Acme / Sales / Team A")["totals"])[..3], [1, 1, 2]);
    assert_eq!(org("Acme / Sales / Team A")["threshold_minutes"], 10);
    let months: Vec<(String, i64, i64)> = r.body["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["month"].as_str().unwrap().to_string(),
                m["totals"]["marked_days"].as_i64().unwrap(),
                m["totals"]["largest_gap_minutes"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(months.len(), 6);
    assert_eq!(months[0].0, "2026-06");
    assert_eq!(months[4..], [("2026-10".to_string(), 1, -80), ("2026-11".to_string(), 3, -300)]);
    // Everyone: kato's 20 minutes are within Support's (the company's) 30.
    let all = admin.get("/effort/gap-report?month=2026-11&months=1").await;
    assert_eq!(figures(&all.body["totals"])[1..3], [2, 3], "{}", all.text);
    assert_eq!(figures(&org_in(&all.body, "Support"))[..3], [1, 0, 0]);

    // The files. CSV: UTF-8 with BOM by default, the person's figures as h:mm and counts.
    let csv = admin.get(&format!("/effort/gap-report/download?month=2026-11&organization_id={acme}")).await;
    expect(&csv, 200, None);
    assert!(csv.bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(csv.bytes[3..].to_vec()).unwrap();
    assert!(text.contains("sato,Sato,Acme / Sales / Team A,0:10,2,0,2,2:40,-5:00,1,0\n"), "{text}");
    assert!(text.contains("suzuki,鈴木,Acme / Sales,0:10,1,1,0,2:00,2:00,0,1\n"), "{text}");
    let plain = admin.get(&format!("/effort/gap-report/download?month=2026-11&organization_id={acme}&encoding=utf-8")).await;
    assert!(plain.bytes.starts_with(b"Login,"), "{}", plain.text);
    let sjis = admin.get(&format!("/effort/gap-report/download?month=2026-11&organization_id={acme}&encoding=shift_jis")).await;
    let (decoded, _, bad) = encoding_rs::SHIFT_JIS.decode(&sjis.bytes);
    assert!(!bad && decoded.contains("suzuki,鈴木,Acme / Sales,0:10,1,1,0,2:00,2:00,0,1"), "{decoded}");
    assert!(!sjis.bytes.windows("鈴木".len()).any(|w| w == "鈴木".as_bytes()), "not UTF-8");
    expect(&admin.get("/effort/gap-report/download?month=2026-11&format=pdf").await, 422, Some("validation"));
    expect(&s.get("/effort/gap-report/download?month=2026-11").await, 403, Some("forbidden"));

    // Excel: a frozen header, counts as numbers, gaps as time values in [h]:mm.
    let xlsx = admin.get(&format!("/effort/gap-report/download?month=2026-11&organization_id={acme}&format=xlsx")).await;
    expect(&xlsx, 200, None);
    let (xml, numbers) = sheet_numbers(&xlsx.bytes, 1);
    assert!(xml.contains("ySplit=\"1\""), "frozen header: {xml}");
    // sato's row: threshold 10 min, 2 marked, 0 explained, 2 without reason, average 160 min,
    // largest -300 min, then 1 and 0.
    let sato_row = [10.0 / 1440.0, 2.0, 0.0, 2.0, 160.0 / 1440.0, -300.0 / 1440.0, 1.0, 0.0];
    assert!(numbers.windows(sato_row.len()).any(|w| w.iter().zip(&sato_row).all(|(a, b)| (a - b).abs() < 1e-9)), "{numbers:?}");
    assert!(shared_strings(&xlsx.bytes).contains("Acme / Sales / Team A"));
    let mut styles = String::new();
    zip::ZipArchive::new(std::io::Cursor::new(&xlsx.bytes)).unwrap().by_name("xl/styles.xml").unwrap().read_to_string(&mut styles).unwrap();
    assert!(styles.contains("[h]:mm"), "{styles}");
    // Month over month: October's one marked day.
    let (_, months) = sheet_numbers(&xlsx.bytes, 4);
    assert!(months.iter().any(|n| (n + 80.0 / 1440.0).abs() < 1e-9), "{months:?}");

    // The command line: today's rows still print; the report goes to a file.
    let run = |args: &[&str]| {
        let mut all: Vec<&str> = database.map(|d| vec!["--database", d]).unwrap_or_default();
        all.extend_from_slice(args);
        let out = kinmu_process::kinmu(dir, &all, None);
        (out.status.success(), String::from_utf8_lossy(&out.stdout).to_string(), String::from_utf8_lossy(&out.stderr).to_string())
    };
    let (ok, out, err) = run(&["effort", "gaps", "--month", "2026-11", "--format", "csv"]);
    assert!(ok, "{err}");
    assert!(out.contains("sato,Sato,2026-11-03,0:00,9:00,18:00,5:00,-5:00,activity_without_effort,\n"), "{out}");
    assert!(!out.contains("kato"), "kato is within Support's threshold: {out}");
    let file = dir.join("gaps.xlsx");
    let path = file.to_str().unwrap();
    let (ok, out, err) =
        run(&["effort", "gaps", "--month", "2026-11", "--organisation", "Acme / Sales", "--format", "xlsx", "--out", path]);
    assert!(ok, "{out}{err}");
    let (_, numbers) = sheet_numbers(&std::fs::read(&file).unwrap(), 1);
    assert!(numbers.windows(sato_row.len()).any(|w| w.iter().zip(&sato_row).all(|(a, b)| (a - b).abs() < 1e-9)), "{numbers:?}");
    let file = dir.join("gaps.csv");
    let path = file.to_str().unwrap();
    let (ok, out, err) = run(&["effort", "gaps", "--month", "2026-11", "--format", "csv", "--encoding", "shift_jis", "--out", path]);
    assert!(ok, "{out}{err}");
    let bytes = std::fs::read(&file).unwrap();
    let (decoded, _, _) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(decoded.contains("suzuki,鈴木,Acme / Sales,0:10,1,1,0,2:00,2:00,0,1"), "{decoded}");
    let (ok, _, err) = run(&["effort", "gaps", "--month", "2026-11", "--format", "xlsx"]);
    assert!(!ok && err.contains("--out"), "{err}");
}

fn org_in(report: &Value, path: &str) -> Value {
    report["organizations"].as_array().unwrap().iter().find(|o| o["path"] == path).unwrap()["totals"].clone()
}

#[tokio::test]
async fn gap_thresholds_by_organisation_and_the_gap_report_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on(&sqlite_url(&dir)).await;
    story(app, db, dir.path(), None).await;
}

#[tokio::test]
async fn gap_thresholds_by_organisation_and_the_gap_report_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on(&url).await;
    story(app, db, dir.path(), Some(url.expose())).await;
}
