//! An in-process client of the API for the integration tests: requests go straight into the
//! router, cookies are kept per client, and every answer is read as JSON when it is JSON.

#![allow(dead_code)]

pub mod answer_schemas;

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use kinmu::config::DatabaseUrl;
use kinmu::database::Db;
use kinmu::http::{AppState, ServerOptions};
use serde_json::{Value, json};
use tower::ServiceExt;

pub struct Client {
    pub app: Router,
    pub cookie: Option<String>,
    /// An API token's secret: sent as `Authorization: Bearer`, with no cookie and no CSRF header.
    pub bearer: Option<String>,
}

pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub text: String,
    /// The body as sent (a file's bytes).
    pub bytes: Vec<u8>,
    pub set_cookie: Option<String>,
    pub headers: axum::http::HeaderMap,
}

impl Client {
    pub fn new(app: &Router) -> Client {
        Client { app: app.clone(), cookie: None, bearer: None }
    }

    /// A client that calls with an API token only: no cookie, no CSRF header.
    pub fn with_token(app: &Router, secret: &str) -> Client {
        Client { app: app.clone(), cookie: None, bearer: Some(secret.to_string()) }
    }

    pub async fn raw(&mut self, method: &str, path: &str, content_type: Option<&str>, body: Vec<u8>, csrf: bool) -> Answer {
        let mut req = Request::builder().method(method).uri(format!("/api/v1{path}"));
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        match &self.bearer {
            Some(secret) => req = req.header(header::AUTHORIZATION, format!("Bearer {secret}")),
            None if csrf => req = req.header("x-kinmu-request", "1"),
            None => {}
        }
        if let Some(c) = &self.cookie {
            req = req.header(header::COOKIE, c.clone());
        }
        let resp = self.app.clone().oneshot(req.body(Body::from(body)).unwrap()).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let set_cookie = resp.headers().get(header::SET_COOKIE).map(|v| v.to_str().unwrap().to_string());
        if let Some(sc) = &set_cookie {
            let pair = sc.split(';').next().unwrap().to_string();
            self.cookie = if pair.ends_with('=') { None } else { Some(pair) };
        }
        // An event stream lasts until its caller goes away: it is not read here (see the tests of
        // the live views).
        let streaming = resp.headers().get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"text/event-stream"));
        let bytes = if streaming { Default::default() } else { to_bytes(resp.into_body(), 64 * 1024 * 1024).await.unwrap() };
        if !streaming {
            // Every answer agrees with the OpenAPI document (see `answer_schemas`).
            let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
            if let Err(e) = answer_schemas::check(method, path, status.as_u16(), content_type, &bytes) {
                panic!("{e}");
            }
        }
        let text = String::from_utf8_lossy(&bytes).to_string();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer { status, body, text, bytes: bytes.to_vec(), set_cookie, headers }
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        self.raw("GET", path, None, Vec::new(), false).await
    }

    pub async fn send(&mut self, method: &str, path: &str, body: Value) -> Answer {
        self.raw(method, path, Some("application/json"), body.to_string().into_bytes(), true).await
    }

    pub async fn csv(&mut self, path: &str, body: &[u8]) -> Answer {
        self.raw("POST", path, Some("text/csv"), body.to_vec(), true).await
    }

    pub async fn login(&mut self, login: &str, password: &str) -> Answer {
        self.send("POST", "/auth/login", json!({"login": login, "password": password})).await
    }
}

#[track_caller]
pub fn expect(a: &Answer, status: u16, code: Option<&str>) {
    assert_eq!(a.status.as_u16(), status, "unexpected status; body: {}", a.text);
    if let Some(code) = code {
        assert_eq!(a.body["code"], code, "body: {}", a.text);
        assert!(a.body["message"].as_str().is_some_and(|m| !m.is_empty()), "an error says what to fix: {}", a.text);
    }
}

/// The tests' servers may write output files under the system's temporary folder.
pub fn test_output_roots() -> kinmu::attendance::output_roots::OutputRoots {
    kinmu::attendance::output_roots::OutputRoots::new([std::env::temp_dir()])
}

pub async fn app_on(url: &DatabaseUrl) -> (Router, Db) {
    let db = Db::open(url, 5).await.expect("database opens");
    let state = AppState::new(
        db.clone(),
        ServerOptions { base_path: String::new(), ui_dir: None, secure_cookies: false, output_roots: test_output_roots(), updates: None },
    )
    .await
    .unwrap();
    (kinmu::http::router(Arc::clone(&state)), db)
}

pub const ADMIN_PASSWORD: &str = "Kinmu-Strong-2026";

pub async fn setup(c: &mut Client) {
    let a = c
        .send(
            "POST",
            "/setup",
            json!({"organization_name": "Acme", "admin_login": "admin", "admin_display_name": "管理者",
                   "admin_password": ADMIN_PASSWORD, "default_language": "ja", "time_zone": "Asia/Tokyo"}),
        )
        .await;
    expect(&a, 200, None);
    // The system speaks Japanese; the administrator reads English, as the tests' messages do
    // (`tests/languages.rs` reads the Japanese ones).
    let en = c.send("PUT", "/me/preferences", json!({"language": "en"})).await;
    expect(&en, 200, None);
}
