//! The resource view (issue 19), on SQLite and PostgreSQL: a person's planned hours per week from
//! their assignments on two projects add up, spread over their working days (an organisation
//! with a shorter schedule, a national holiday) against their working hours, the over-allocated
//! week marked; items without dates or assignees are counted, a closed project's are not; the
//! filters by organisation and project; only projects.manage sees it; bad input names its field;
//! the CSV file.

mod api_client;
mod test_databases;

use api_client::{Client, app_on, expect, setup};
use axum::Router;
use serde_json::{Value, json};
use test_databases::{postgres_url, sqlite_url};

const PASSWORD: &str = "Blue-Harbor-58";

async fn builtin_role(admin: &mut Client, key: &str) -> i64 {
    let roles = admin.get("/roles").await;
    roles.body.as_array().unwrap().iter().find(|r| r["builtin"] == key).unwrap()["id"].as_i64().unwrap()
}

async fn user(admin: &mut Client, login: &str, role: i64, org: Option<i64>) -> i64 {
    let r = admin
        .send(
            "POST",
            "/users",
            json!({"login": login, "display_name": login, "role_id": role, "password": PASSWORD, "language": "en", "organization_id": org}),
        )
        .await;
    expect(&r, 201, None);
    r.body["id"].as_i64().unwrap()
}

async fn logged_in(app: &Router, login: &str) -> Client {
    let mut c = Client::new(app);
    expect(&c.login(login, PASSWORD).await, 200, None);
    c
}

async fn project(c: &mut Client, code: &str, members: Value) -> i64 {
    let p = c.send("POST", "/effort/projects", json!({"code": code, "name": code, "status": "active"})).await;
    expect(&p, 201, None);
    let id = p.body["id"].as_i64().unwrap();
    expect(&c.send("PUT", &format!("/effort/projects/{id}/members"), json!({ "members": members })).await, 200, None);
    id
}

async fn item(c: &mut Client, project: i64, body: Value) -> i64 {
    let r = c.send("POST", &format!("/effort/projects/{project}/work-items"), body).await;
    expect(&r, 201, None);
    r.body["id"].as_i64().unwrap()
}

fn person<'a>(v: &'a Value, login: &str) -> &'a Value {
    v["people"].as_array().unwrap().iter().find(|r| r["login"] == login).unwrap_or_else(|| panic!("{login} in {v}"))
}

fn logins(v: &Value) -> Vec<&str> {
    v["people"].as_array().unwrap().iter().map(|p| p["login"].as_str().unwrap()).collect()
}

/// (planned, working, load %, over) of a person's weeks.
fn weeks(p: &Value) -> Vec<(i64, i64, Option<i64>, bool)> {
    p["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (w["planned_minutes"].as_i64().unwrap(), w["working_minutes"].as_i64().unwrap(), w["load_percent"].as_i64(), w["over"] == true)
        })
        .collect()
}

async fn story(app: Router) {
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let (manager, member) = (builtin_role(&mut admin, "manager").await, builtin_role(&mut admin, "member").await);
    // An organisation working 09:00–15:00 with an hour's break: 300 minutes a working day.
    let orgs = admin.get("/organizations").await;
    let root = orgs.body.as_array().unwrap().iter().find(|o| o["parent_id"].is_null()).unwrap()["id"].as_i64().unwrap();
    let dev = admin.send("POST", "/organizations", json!({"name": "RES Dev", "parent_id": root})).await;
    expect(&dev, 201, None);
    let dev = dev.body["id"].as_i64().unwrap();
    let short = json!({"schedule": {"start": "09:00", "end": "15:00"}});
    expect(&admin.send("PUT", &format!("/attendance/rules/organizations/{dev}"), short).await, 200, None);
    let boss = user(&mut admin, "res-boss", manager, None).await;
    let ito = user(&mut admin, "res-ito", member, Some(dev)).await;
    let sato = user(&mut admin, "res-sato", member, None).await;
    let mut m = logged_in(&app, "res-boss").await;
    let a = project(&mut m, "RES-A", json!([{"user_id": boss, "role": "manager"}, {"user_id": ito}])).await;
    let b = project(&mut m, "RES-B", json!([{"user_id": boss, "role": "manager"}, {"user_id": ito}, {"user_id": sato}])).await;
    // Week 48 (2026-11-23 to 29) starts with Labour Thanksgiving Day; week 49 is 2026-11-30 to 12-06.
    // RES-A: ito full-time Monday to Friday of week 49 (40 h, more than his 25 h).
    item(
        &mut m,
        a,
        json!({"name": "Screens", "planned_minutes": 2400, "planned_start": "2026-11-30", "planned_end": "2026-12-04", "assignee_ids": [ito]}),
    )
    .await;
    // RES-B: 20 h shared by ito and sato over 9 working days (Tuesday of week 48 to Friday of 49):
    // 600 minutes each, 67 on the first six days and 66 on the last three.
    item(
        &mut m,
        b,
        json!({"name": "API", "planned_minutes": 1200, "planned_start": "2026-11-23", "planned_end": "2026-12-04", "assignee_ids": [ito, sato]}),
    )
    .await;
    // Without dates (the project has none either): sato's unscheduled hours.
    item(&mut m, b, json!({"name": "Docs", "planned_minutes": 600, "assignee_ids": [sato]})).await;
    // Nobody assigned: the unassigned row.
    item(&mut m, b, json!({"name": "Review", "planned_minutes": 300, "planned_start": "2026-11-30", "planned_end": "2026-11-30"})).await;
    // No plan: counted, nothing spread.
    item(&mut m, b, json!({"name": "Chores", "assignee_ids": [sato]})).await;
    // A closed project's work counts nowhere.
    let c = project(&mut m, "RES-C", json!([{"user_id": boss, "role": "manager"}, {"user_id": sato}])).await;
    item(
        &mut m,
        c,
        json!({"name": "Old", "planned_minutes": 9000, "planned_start": "2026-11-30", "planned_end": "2026-12-04", "assignee_ids": [sato]}),
    )
    .await;
    expect(
        &m.send("PUT", &format!("/effort/projects/{c}"), json!({"code": "RES-C", "name": "RES-C", "status": "closed"})).await,
        200,
        None,
    );

    let v = m.get("/effort/resources?from=2026-11-23&to=2026-12-06").await;
    expect(&v, 200, None);
    let v = &v.body;
    assert_eq!(v["weeks"], json!(["2026-11-23", "2026-11-30"]));
    assert_eq!(v["week_names"], json!(["2026-W48", "2026-W49"]));
    assert_eq!(logins(v), vec!["res-boss", "res-ito", "res-sato"]);
    // ito: both projects add up in week 49 (2400 + 332) against 5 × 300; over-allocated.
    let i = person(v, "res-ito");
    assert_eq!(weeks(i), vec![(268, 1200, Some(22), false), (2732, 1500, Some(182), true)]);
    assert_eq!((i["planned_minutes"].as_i64(), i["working_minutes"].as_i64(), i["over_weeks"].as_i64()), (Some(3000), Some(2700), Some(1)));
    assert_eq!(i["organization_path"], "Acme / RES Dev");
    // sato: the company's 8 hours, four days in week 48.
    let s = person(v, "res-sato");
    assert_eq!(weeks(s), vec![(268, 1920, Some(14), false), (332, 2400, Some(14), false)]);
    assert_eq!((s["unscheduled_minutes"].as_i64(), s["unscheduled_items"].as_i64()), (Some(600), Some(1)));
    assert_eq!(weeks(person(v, "res-boss")), vec![(0, 1920, Some(0), false), (0, 2400, Some(0), false)]);
    assert_eq!(v["unassigned"]["weeks"], json!([0, 300]));
    assert_eq!(v["unassigned"]["items"], 1);
    assert_eq!(v["items_without_plan"], 1);

    // By organisation: RES Dev's people only.
    let d = m.get(&format!("/effort/resources?from=2026-11-23&to=2026-12-06&organization_id={dev}")).await;
    expect(&d, 200, None);
    assert_eq!(logins(&d.body), vec!["res-ito"]);
    // By project: RES-A's people; ito's load still counts RES-B; the unassigned row is RES-A's.
    let p = m.get(&format!("/effort/resources?from=2026-11-23&to=2026-12-06&project_id={a}")).await;
    expect(&p, 200, None);
    assert_eq!(logins(&p.body), vec!["res-boss", "res-ito"]);
    assert_eq!(weeks(person(&p.body, "res-ito"))[1], (2732, 1500, Some(182), true));
    assert_eq!(p.body["unassigned"]["weeks"], json!([0, 0]));

    // Only projects.manage: a member is refused, whatever they ask.
    let mut i = logged_in(&app, "res-ito").await;
    expect(&i.get("/effort/resources").await, 403, Some("forbidden"));
    expect(&i.get("/effort/resources/download").await, 403, Some("forbidden"));
    // Bad input names its field.
    for (query, field) in [
        ("from=2026-13-01", "from"),
        ("from=2026-12-06&to=2026-11-23", "to"),
        ("from=2026-01-01&to=2028-12-31", "to"),
        ("from=2026-01-01&to=9999-12-31", "to"),
        ("organization_id=999999", "organization_id"),
        ("project_id=999999", "project_id"),
    ] {
        let r = m.get(&format!("/effort/resources?{query}")).await;
        expect(&r, 422, Some("validation"));
        assert_eq!(r.body["field"], field, "{query}: {}", r.text);
    }
    // Without dates: eight weeks from this one.
    let default = m.get("/effort/resources").await;
    expect(&default, 200, None);
    assert_eq!(default.body["weeks"].as_array().unwrap().len(), 8);

    // The CSV: UTF-8 with BOM, a row per person and week, the over-allocated week marked.
    let csv = m.get("/effort/resources/download?from=2026-11-23&to=2026-12-06").await;
    expect(&csv, 200, None);
    assert!(csv.bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 with BOM");
    let text = String::from_utf8(csv.bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("Login,Name,Organization,Week (Monday),ISO week,Planned,Working hours,Load (%),Over-allocated"),
        "{}",
        lines[0]
    );
    assert!(lines.contains(&"res-ito,res-ito,Acme / RES Dev,2026-11-30,2026-W49,45:32,25:00,182,over"), "{text}");
    assert!(lines.contains(&"res-sato,res-sato,,,(unscheduled),10:00,,,"), "{text}");
    assert!(lines.contains(&"(unassigned),,,2026-11-30,2026-W49,5:00,,,"), "{text}");
}

#[tokio::test]
async fn resource_view_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _db) = app_on(&sqlite_url(&dir)).await;
    story(app).await;
}

#[tokio::test]
async fn resource_view_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, _db) = app_on(&url).await;
    story(app).await;
}
