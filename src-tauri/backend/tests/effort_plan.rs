//! A project's plan against actual, cost and budgets (issue 19), on SQLite and PostgreSQL: cost
//! uses the rate valid on each day (a person's rate changes mid-project; a role's rate stands in
//! for a person without one); the work item tree rolls up to the sum of its leaves; earned value,
//! SPI and CPI match a hand-computed fixture; the budget warns at the setting's share and the
//! project is flagged on its manager's dashboard; who may see and change what; the Excel file
//! holds the same numbers.

mod api_client;
mod test_databases;

use std::io::Read;

use api_client::{Client, app_on, expect, setup};
use axum::Router;
use serde_json::{Value, json};
use test_databases::{postgres_url, sqlite_url};

const PASSWORD: &str = "Blue-Harbor-58";

async fn builtin_role(admin: &mut Client, key: &str) -> i64 {
    let roles = admin.get("/roles").await;
    roles.body.as_array().unwrap().iter().find(|r| r["builtin"] == key).unwrap()["id"].as_i64().unwrap()
}

async fn user(admin: &mut Client, login: &str, role: i64) -> i64 {
    let r = admin
        .send("POST", "/users", json!({"login": login, "display_name": login, "role_id": role, "password": PASSWORD, "language": "en"}))
        .await;
    expect(&r, 201, None);
    r.body["id"].as_i64().unwrap()
}

async fn logged_in(app: &Router, login: &str) -> Client {
    let mut c = Client::new(app);
    expect(&c.login(login, PASSWORD).await, 200, None);
    c
}

async fn item(c: &mut Client, project: i64, body: Value) -> i64 {
    let r = c.send("POST", &format!("/effort/projects/{project}/work-items"), body).await;
    expect(&r, 201, None);
    r.body["id"].as_i64().unwrap()
}

async fn book(c: &mut Client, n: u32, project: i64, item: Option<i64>, date: &str, minutes: i64) {
    let id = format!("{n:08x}-0000-4000-8000-0000000000aa");
    let r = c
        .send("PUT", "/effort/entries", json!({"id": id, "date": date, "project_id": project, "work_item_id": item, "minutes": minutes}))
        .await;
    expect(&r, 200, None);
}

async fn rate(c: &mut Client, body: Value) -> api_client::Answer {
    c.send("POST", "/effort/cost-rates", body).await
}

fn row<'a>(plan: &'a Value, path: &str) -> &'a Value {
    plan["items"].as_array().unwrap().iter().find(|r| r["path"] == path).unwrap_or_else(|| panic!("{path} in {plan}"))
}

fn person<'a>(plan: &'a Value, login: &str) -> &'a Value {
    plan["people"].as_array().unwrap().iter().find(|r| r["login"] == login).unwrap_or_else(|| panic!("{login} in {plan}"))
}

/// The numbers of an Excel sheet's cells that are not shared strings.
fn sheet_numbers(xlsx: &[u8], sheet: usize) -> Vec<f64> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("an xlsx is a zip");
    let mut xml = String::new();
    zip.by_name(&format!("xl/worksheets/sheet{sheet}.xml")).unwrap().read_to_string(&mut xml).unwrap();
    assert!(xml.contains("<pane ") && xml.contains("frozen"), "the header is frozen");
    xml.split("<c ")
        .skip(1)
        .filter(|c| !c.contains("t=\"s\""))
        .filter_map(|c| c.split_once("<v>").and_then(|(_, v)| v.split_once("</v>")).and_then(|(v, _)| v.parse().ok()))
        .collect()
}

async fn story(app: Router) {
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let (manager, member) = (builtin_role(&mut admin, "manager").await, builtin_role(&mut admin, "member").await);
    let boss = user(&mut admin, "pln-boss", manager).await;
    user(&mut admin, "pln-other", manager).await;
    let ito = user(&mut admin, "pln-ito", member).await;
    let sato = user(&mut admin, "pln-sato", member).await;
    let mut m = logged_in(&app, "pln-boss").await;
    let p = m
        .send(
            "POST",
            "/effort/projects",
            json!({"code": "PLN-1", "name": "Portal", "planned_start": "2026-10-01", "planned_end": "2026-11-30", "progress_mode": "entered"}),
        )
        .await;
    expect(&p, 201, None);
    let project = p.body["id"].as_i64().unwrap();
    let members = json!({"members": [{"user_id": boss, "role": "manager"}, {"user_id": ito}, {"user_id": sato}]});
    expect(&m.send("PUT", &format!("/effort/projects/{project}/members"), members).await, 200, None);
    // The plan, every date past (so the planned value is the whole plan, whatever today is):
    // Design (no plan of its own) with Screens (6000 min, 50 %) and API (1200 min, 25 %); Build
    // (2400 min, not started).
    let design = item(&mut m, project, json!({"name": "Design"})).await;
    let screens = item(
        &mut m,
        project,
        json!({"parent_id": design, "name": "Screens", "planned_minutes": 6000, "planned_start": "2026-10-01",
               "planned_end": "2026-10-31", "progress_percent": 50, "assignee_ids": [ito]}),
    )
    .await;
    let api = item(
        &mut m,
        project,
        json!({"parent_id": design, "name": "API", "planned_minutes": 1200, "planned_start": "2026-11-01",
               "planned_end": "2026-11-10", "progress_percent": 25, "assignee_ids": [ito, sato]}),
    )
    .await;
    item(&mut m, project, json!({"name": "Build", "planned_minutes": 2400, "planned_start": "2026-11-10", "planned_end": "2026-11-30"}))
        .await;
    let (mut i, mut s) = (logged_in(&app, "pln-ito").await, logged_in(&app, "pln-sato").await);
    book(&mut i, 1, project, Some(screens), "2026-11-02", 480).await;
    book(&mut i, 2, project, Some(screens), "2026-11-03", 480).await;
    book(&mut i, 3, project, None, "2026-11-04", 240).await;
    book(&mut s, 4, project, Some(api), "2026-11-04", 600).await;
    book(&mut s, 5, project, Some(api), "2026-11-05", 600).await;

    // Rates: ito's changes on 2026-11-03 (3000 → 4500 an hour); sato has none of their own and
    // takes the member role's 2000.
    expect(
        &rate(&mut m, json!({"user_id": ito, "valid_from": "2026-01-01", "valid_to": "2026-11-02", "hourly_cost": 3000})).await,
        201,
        None,
    );
    let second = rate(&mut m, json!({"user_id": ito, "valid_from": "2026-11-03", "hourly_cost": 4500})).await;
    expect(&second, 201, None);
    expect(&rate(&mut m, json!({"role_id": member, "valid_from": "2026-01-01", "hourly_cost": 2000})).await, 201, None);
    // Overlapping dates, both a person and a role, dates out of order: refused, naming the field.
    let overlap = rate(&mut m, json!({"user_id": ito, "valid_from": "2026-10-01", "valid_to": "2026-10-31", "hourly_cost": 1})).await;
    expect(&overlap, 409, Some("conflict"));
    assert_eq!(overlap.body["field"], "valid_from");
    let both = rate(&mut m, json!({"user_id": ito, "role_id": member, "valid_from": "2025-01-01", "hourly_cost": 1})).await;
    expect(&both, 422, Some("validation"));
    let order = rate(&mut m, json!({"user_id": sato, "valid_from": "2025-02-01", "valid_to": "2025-01-01", "hourly_cost": 1})).await;
    assert_eq!(order.body["field"], "valid_to", "{}", order.text);
    // Changing a rate may keep its own dates; members neither see nor change rates.
    let id = second.body["id"].as_i64().unwrap();
    let edited =
        m.send("PUT", &format!("/effort/cost-rates/{id}"), json!({"user_id": ito, "valid_from": "2026-11-03", "hourly_cost": 4500})).await;
    expect(&edited, 200, None);
    assert_eq!(edited.body["name"], "pln-ito");
    expect(&i.get("/effort/cost-rates").await, 403, Some("forbidden"));
    let listed = m.get("/effort/cost-rates").await;
    assert_eq!(listed.body["rates"].as_array().unwrap().len(), 3, "{}", listed.text);
    assert_eq!(listed.body["budget_warning_percent"], 80);

    let plan = m.get(&format!("/effort/projects/{project}/plan")).await;
    expect(&plan, 200, None);
    let b = &plan.body;
    // Earned value by hand: PV = the whole plan 9600; EV = 6000 × 50 % + 1200 × 25 % = 3300;
    // AC = 480 + 480 + 240 + 600 + 600 = 2400.
    let ev = &b["earned_value"];
    assert_eq!(
        (
            ev["planned_total_minutes"].as_i64(),
            ev["planned_value_minutes"].as_i64(),
            ev["earned_minutes"].as_i64(),
            ev["actual_minutes"].as_i64()
        ),
        (Some(9600), Some(9600), Some(3300), Some(2400)),
        "{ev}"
    );
    assert!((ev["spi"].as_f64().unwrap() - 3300.0 / 9600.0).abs() < 1e-9, "{ev}");
    assert!((ev["cpi"].as_f64().unwrap() - 3300.0 / 2400.0).abs() < 1e-9, "{ev}");
    assert_eq!(ev["forecast_minutes"], 2400 * 9600 / 3300);
    // Cost by the rate of each day: ito 480 min at 3000 (11-02) + 480 at 4500 + 240 at 4500,
    // sato 1200 min at the role's 2000.
    assert_eq!(person(b, "pln-ito")["cost"], 24000 + 36000 + 18000);
    assert_eq!(person(b, "pln-sato")["cost"], 40000);
    assert_eq!(b["total"]["cost"], 118000);
    assert_eq!(b["minutes_without_rate"], 0);
    // The tree rolls up to its leaves; people and activities add up to the total.
    let leaves = ["Design / Screens", "Design / API", "Build"];
    let sum = |key: &str| leaves.iter().map(|p| row(b, p)["figures"][key].as_i64().unwrap()).sum::<i64>();
    assert_eq!(sum("planned_minutes"), b["total"]["planned_minutes"].as_i64().unwrap());
    assert_eq!(sum("actual_minutes") + b["unassigned"]["actual_minutes"].as_i64().unwrap(), 2400);
    assert_eq!(sum("cost") + b["unassigned"]["cost"].as_i64().unwrap(), 118000);
    let d = &row(b, "Design")["figures"];
    assert_eq!((d["planned_minutes"].as_i64(), d["actual_minutes"].as_i64(), d["cost"].as_i64()), (Some(7200), Some(2160), Some(100000)));
    assert_eq!(row(b, "Design / API")["depth"], 1);
    let people_cost: i64 = b["people"].as_array().unwrap().iter().map(|p| p["cost"].as_i64().unwrap()).sum();
    assert_eq!(people_cost, 118000);
    // Planned hours per person: Screens is ito's, API is shared by two.
    assert_eq!(person(b, "pln-ito")["planned_minutes"], 6000 + 600);
    assert_eq!(person(b, "pln-sato")["planned_minutes"], 600);
    assert!(!b["burn_up"].as_array().unwrap().is_empty());

    // Who sees the plan: not a member, not another project's manager.
    expect(&i.get(&format!("/effort/projects/{project}/plan")).await, 403, Some("forbidden"));
    let mut other = logged_in(&app, "pln-other").await;
    expect(&other.get(&format!("/effort/projects/{project}/plan")).await, 403, Some("forbidden"));
    expect(&other.send("PUT", &format!("/effort/projects/{project}/budget"), json!({"amount": 1})).await, 403, Some("forbidden"));
    expect(&m.get("/effort/projects/999999/plan").await, 404, Some("not_found"));

    // Budgets: the project's 150000 is 78.7 % used, under the 80 % warning; not flagged.
    let set = m.send("PUT", &format!("/effort/projects/{project}/budget"), json!({"amount": 150000})).await;
    expect(&set, 200, None);
    assert_eq!((set.body["budget"]["warning"].as_bool(), set.body["budget"]["over"].as_bool()), (Some(false), Some(false)), "{}", set.text);
    let dash = m.get("/effort/dashboard/approver").await;
    assert_eq!(dash.body["projects"], json!([]), "{}", dash.text);
    // Only administrators move the warning share; at 75 % the budget warns and the dashboard flags it.
    expect(&m.send("PUT", "/effort/cost-settings", json!({"budget_warning_percent": 75})).await, 403, Some("forbidden"));
    let bad = admin.send("PUT", "/effort/cost-settings", json!({"budget_warning_percent": 0})).await;
    assert_eq!(bad.body["field"], "budget_warning_percent");
    expect(&admin.send("PUT", "/effort/cost-settings", json!({"budget_warning_percent": 75})).await, 200, None);
    let plan = m.get(&format!("/effort/projects/{project}/plan")).await;
    assert_eq!(plan.body["budget"]["warning"], true, "{}", plan.text);
    let dash = m.get("/effort/dashboard/approver").await;
    let flagged = dash.body["projects"].as_array().unwrap();
    assert_eq!(flagged.len(), 1, "{}", dash.text);
    assert_eq!((flagged[0]["code"].as_str(), flagged[0]["budget"]["warning"].as_bool()), (Some("PLN-1"), Some(true)));
    assert_eq!(other.get("/effort/dashboard/approver").await.body["projects"], json!([]));
    // A work item's budget: Screens has cost 60000 of 50000.
    let set = m.send("PUT", &format!("/effort/projects/{project}/budget"), json!({"work_item_id": screens, "amount": 50000})).await;
    let screens_row = row(&set.body, "Design / Screens");
    assert_eq!((screens_row["budget"]["cost"].as_i64(), screens_row["budget"]["over"].as_bool()), (Some(60000), Some(true)));
    let negative = m.send("PUT", &format!("/effort/projects/{project}/budget"), json!({"amount": -1})).await;
    assert_eq!(negative.body["field"], "amount");
    // ito's second rate removed: from 2026-11-03 the member role's 2000 stands in (720 min).
    expect(&m.send("DELETE", &format!("/effort/cost-rates/{id}"), json!({})).await, 204, None);
    let plan = m.get(&format!("/effort/projects/{project}/plan")).await;
    assert_eq!((plan.body["total"]["cost"].as_i64(), plan.body["minutes_without_rate"].as_i64()), (Some(24000 + 24000 + 40000), Some(0)));
    // The role's rate removed too: that effort has no cost and is counted apart.
    let role_rate = listed.body["rates"].as_array().unwrap().iter().find(|r| r["role_id"] == member).unwrap()["id"].as_i64().unwrap();
    expect(&m.send("DELETE", &format!("/effort/cost-rates/{role_rate}"), json!({})).await, 204, None);
    expect(&m.send("DELETE", &format!("/effort/cost-rates/{role_rate}"), json!({})).await, 404, Some("not_found"));
    let plan = m.get(&format!("/effort/projects/{project}/plan")).await;
    assert_eq!((plan.body["total"]["cost"].as_i64(), plan.body["minutes_without_rate"].as_i64()), (Some(24000), Some(720 + 1200)));

    // The Excel file: the work items' sheet holds the plan and actual in days of [h]:mm, and cost.
    let xlsx = m.get(&format!("/effort/projects/{project}/plan/download?format=xlsx")).await;
    expect(&xlsx, 200, None);
    let numbers = sheet_numbers(&xlsx.bytes, 1);
    for v in [9600.0 / 1440.0, 2400.0 / 1440.0, 7200.0 / 1440.0, 24000.0, 150000.0] {
        assert!(numbers.iter().any(|n| (n - v).abs() < 1e-9), "{v} in {numbers:?}");
    }
    let csv = m.get(&format!("/effort/projects/{project}/plan/download?format=csv")).await;
    expect(&csv, 200, None);
    assert!(csv.text.contains("160:00"), "{}", csv.text);
    expect(&m.get(&format!("/effort/projects/{project}/plan/download?format=pdf")).await, 422, Some("validation"));
}

#[tokio::test]
async fn plan_against_actual_cost_and_budgets_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _db) = app_on(&sqlite_url(&dir)).await;
    story(app).await;
}

#[tokio::test]
async fn plan_against_actual_cost_and_budgets_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, _db) = app_on(&url).await;
    story(app).await;
}
