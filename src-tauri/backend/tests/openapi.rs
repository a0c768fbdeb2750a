//! The OpenAPI document of `/api/v1`: every route of the shared table is in it with its method,
//! parameters, body, answer and security; it is served publicly with a page for people; and real
//! answers agree with it (the tests' client checks every answer it gets, in every test that uses
//! it — here a token's tour of representative routes on SQLite and PostgreSQL, and the API story).

mod api_client;
mod test_databases;

use api_client::answer_schemas::{self, check, document};
use api_client::{Client, app_on, expect, setup};
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::Request;
use kinmu_shared::api::routes::{Access, ROUTES};
use serde_json::{Value, json};
use test_databases::{postgres_url, sqlite_url};
use tower::ServiceExt;

#[test]
fn every_route_of_the_table_is_in_the_document_and_nothing_else() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut missing = Vec::new();
    for route in ROUTES {
        let op = &doc["paths"][route.path][route.method.to_ascii_lowercase()];
        if !op.is_object() {
            missing.push(format!("{} {}", route.method, route.path));
            continue;
        }
        assert!(op["operationId"].as_str().is_some_and(|s| !s.is_empty()), "{} {} has no operationId", route.method, route.path);
        assert!(op["responses"]["default"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ApiError");
        // Path parameters, one per `{name}`.
        for name in route.path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))) {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            assert!(
                params.iter().any(|p| p["name"] == name && p["in"] == "path" && p["required"] == true),
                "{} {}: {name}",
                route.method,
                route.path
            );
        }
        // Security as its access says.
        let security = op["security"].to_string();
        match route.access {
            Access::Public => assert!(!security.contains("bearer") && !security.contains("session"), "{}: {security}", route.path),
            Access::SessionOnly => assert!(security.contains("session") && !security.contains("bearer"), "{}: {security}", route.path),
            _ => assert!(security.contains("session") && security.contains("bearer"), "{}: {security}", route.path),
        }
        if route.method != "GET" && route.access != Access::Public {
            assert!(security.contains("csrf"), "{} {}: a session's change needs the CSRF header: {security}", route.method, route.path);
        }
        assert!(op["x-kinmu-access"].as_str().is_some(), "{} {}", route.method, route.path);
    }
    assert!(missing.is_empty(), "routes of ROUTES missing from the OpenAPI document: {missing:?}");
    let operations: usize = doc["paths"].as_object().unwrap().values().map(|item| item.as_object().unwrap().len()).sum();
    assert_eq!(operations, ROUTES.len(), "the document has operations the table lacks");
    // Every reference resolves, and no two types share a schema name.
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for part in text.split("\"#/components/schemas/").skip(1) {
        let name = part.split('"').next().unwrap();
        assert!(schemas.contains_key(name), "a reference to {name}, which the document lacks");
    }
    let (_, clashes) = kinmu::http::openapi::build_checked("");
    assert!(clashes.is_empty(), "two types share these schema names: {clashes:?}");
    for scheme in ["session", "csrf", "bearer"] {
        assert!(doc["components"]["securitySchemes"][scheme].is_object(), "{scheme}");
    }
    println!("OpenAPI document: {} operations, {} schemas, {} bytes", operations, schemas.len(), text.len());
}

#[test]
fn the_special_payloads_are_described() {
    let doc = document();
    // Empty → 204 without content; a download → CSV (and Excel where a format is chosen); a CSV upload.
    let logout = &doc["paths"]["/auth/logout"]["post"]["responses"]["204"];
    assert!(logout.is_object() && logout.get("content").is_none(), "{logout}");
    let users = &doc["paths"]["/users/export"]["get"]["responses"]["200"];
    assert!(users["content"]["text/csv"].is_object() && users["content"].get(answer_excel()).is_none(), "{users}");
    assert!(users["headers"]["Content-Disposition"].is_object());
    let report = &doc["paths"]["/attendance/reports/{kind}/download"]["get"]["responses"]["200"]["content"];
    assert!(report["text/csv"].is_object() && report[answer_excel()].is_object(), "{report}");
    let import = &doc["paths"]["/users/import"]["post"]["requestBody"]["content"]["text/csv"];
    assert_eq!(import["schema"]["format"], "binary");
    // 201 Created and 202 Accepted come from the handlers.
    assert!(doc["paths"]["/users"]["post"]["responses"]["201"].is_object());
    assert!(doc["paths"]["/attendance/task/run"]["post"]["responses"]["202"].is_object());
    assert!(doc["paths"]["/updates/clients/live"]["get"]["responses"]["200"]["content"]["text/event-stream"].is_object());
    // Query parameters from the query types, a flattened one's too.
    let params = doc["paths"]["/attendance/reports/{kind}/download"]["get"]["parameters"].to_string();
    assert!(params.contains("\"month\"") && params.contains("\"format\"") && params.contains("\"encoding\""), "{params}");
    let week = doc["paths"]["/effort/week"]["get"]["parameters"].as_array().unwrap();
    assert!(week.iter().any(|p| p["name"] == "week" && p["in"] == "query" && p["required"] == true), "{week:?}");
    // A token's 429 says when to come back.
    assert!(doc["paths"]["/users"]["get"]["responses"]["429"]["headers"]["Retry-After"].is_object());
}

fn answer_excel() -> &'static str {
    kinmu_shared::api::openapi::XLSX
}

#[test]
fn an_answer_that_disagrees_with_its_schema_is_caught() {
    let user = json!({"id": 7, "login": "kato", "display_name": "加藤", "email": null, "organization_id": null, "role_id": 3,
        "active": true, "language": "ja", "time_zone": "Asia/Tokyo", "log_accounts": [], "failed_logins": 0, "locked_until": null,
        "last_login_at": null, "created_at": 1700000000, "approver_id": null});
    let ok = |v: &Value| check("GET", "/users/7", 200, Some("application/json"), v.to_string().as_bytes());
    ok(&user).unwrap();
    let mut wrong = user.clone();
    wrong["login"] = json!(42);
    assert!(ok(&wrong).unwrap_err().contains("/login"), "a number where the login is text");
    let mut missing = user.clone();
    missing.as_object_mut().unwrap().remove("role_id");
    assert!(ok(&missing).unwrap_err().contains("role_id"));
    let mut bad_language = user;
    bad_language["language"] = json!("fr");
    assert!(ok(&bad_language).is_err());
    // A status the route does not answer, a media type it does not send, an error of another shape.
    assert!(check("POST", "/users", 200, Some("application/json"), b"{}").unwrap_err().contains("does not list"));
    assert!(check("GET", "/users/export", 200, Some("application/pdf"), b"%PDF").is_err());
    assert!(check("GET", "/users/7", 404, Some("application/json"), br#"{"code": "gone", "message": "x"}"#).is_err());
    check("GET", "/users/7", 404, Some("application/json"), br#"{"code": "not_found", "message": "x"}"#).unwrap();
    // `/users/export` is its own route, not `/users/{id}`.
    assert_eq!(answer_schemas::route_of("GET", "/users/export").unwrap().0, "/users/export");
}

async fn plain_get(app: &Router, uri: &str) -> (u16, String, String) {
    let resp = app.clone().oneshot(Request::builder().uri(uri).body(Body::empty()).unwrap()).await.unwrap();
    let status = resp.status().as_u16();
    let ct = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let bytes = to_bytes(resp.into_body(), 16 * 1024 * 1024).await.unwrap();
    (status, ct, String::from_utf8(bytes.to_vec()).unwrap())
}

/// A token's tour: the document and the page anonymously, then a few routes with a bearer token
/// (no cookie, no CSRF header); every answer checked against the document by the client.
async fn tour(app: Router) {
    let (status, _, text) = plain_get(&app, "/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(&serde_json::from_str::<Value>(&text).unwrap(), document(), "the served document is the one the tests check against");
    let (status, ct, page) = plain_get(&app, "/api/docs").await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/html"), "{ct}");
    for route in ROUTES {
        let id = document()["paths"][route.path][route.method.to_ascii_lowercase()]["operationId"].as_str().unwrap();
        assert!(page.contains(&format!("id=\"{id}\"")), "the page lacks {id}");
    }
    assert!(page.contains("API リファレンス") && page.contains("API reference"));

    let before = answer_schemas::CHECKED.load(std::sync::atomic::Ordering::Relaxed);
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    expect(
        &admin.send("POST", "/users", json!({"login": "oa-kato", "display_name": "加藤", "password": "Blue-Harbor-58"})).await,
        201,
        None,
    );
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Duration::days(2)).to_string();
    let made = admin
        .send("POST", "/me/tokens", json!({"name": "oa-tour", "scopes": ["users.view", "projects.manage", "effort.enter", "attendance.view"], "expires_on": tomorrow}))
        .await;
    expect(&made, 201, None);
    let mut token = Client::with_token(&app, made.body["secret"].as_str().unwrap());
    expect(&token.get("/auth/me").await, 200, None);
    expect(&token.get("/users?limit=5").await, 200, None);
    expect(&token.get("/users/999999").await, 404, Some("not_found"));
    expect(&token.get("/effort/week?week=2026-W49").await, 200, None);
    expect(&token.get("/effort/projects").await, 200, None);
    expect(&token.get("/attendance/timesheet?month=2026-11").await, 200, None);
    expect(&token.get("/attendance/reports/monthly?month=2026-11").await, 200, None);
    expect(&token.get("/organizations").await, 200, None);
    expect(&token.get("/roles").await, 200, None);
    expect(&token.get("/settings").await, 200, None);
    expect(&token.get("/attendance/rules").await, 200, None);
    expect(&token.get("/effort/settings").await, 200, None);
    expect(&token.get("/effort/periods").await, 200, None);
    expect(&token.get("/me/tokens").await, 200, None);
    expect(&token.send("POST", "/me/tokens", json!({"name": "x", "scopes": [], "expires_on": tomorrow})).await, 403, Some("session_only"));
    expect(&token.get("/tokens").await, 403, Some("forbidden"));
    expect(&token.send("PUT", "/users/1", json!({"display_name": ""})).await, 403, Some("forbidden"));
    let project = admin.send("POST", "/effort/projects", json!({"code": "OA-1", "name": "OA tour"})).await;
    expect(&project, 201, None);
    expect(&token.get(&format!("/effort/projects/{}/work-items", project.body["id"])).await, 200, None);
    expect(&admin.get("/users/export?encoding=utf-8").await, 200, None);
    expect(&admin.get("/attendance/reports/monthly/download?month=2026-11&format=xlsx").await, 200, None);
    expect(&admin.send("POST", "/auth/logout", json!({})).await, 204, None);
    let checked = answer_schemas::CHECKED.load(std::sync::atomic::Ordering::Relaxed) - before;
    assert!(checked >= 20, "{checked}");
    println!("{checked} JSON answers checked against the document");
}

#[tokio::test]
async fn a_tokens_tour_agrees_with_the_document_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _db) = app_on(&sqlite_url(&dir)).await;
    tour(app).await;
}

#[tokio::test]
async fn a_tokens_tour_agrees_with_the_document_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, _db) = app_on(&url).await;
    tour(app).await;
}
