//! Every answer the tests' client receives is checked against the OpenAPI document
//! (`GET /api/v1/openapi.json`): its route (method and path pattern) must be in the document
//! with the answer's status (or `default` for an error), the media type must be one documented,
//! and a JSON body must match the schema. So every integration test that calls the API — the API
//! story on both engines first — fails when a route's schema disagrees with what it returns.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Value, json};

/// The document the checks use (the one the server serves).
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| kinmu::http::openapi::document(""))
}

/// How many answers have been checked against a schema in this test process.
pub static CHECKED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The route pattern of the document matching `path` (the most literal segments win:
/// `/users/export` before `/users/{id}`).
pub fn route_of(method: &str, path: &str) -> Option<(String, &'static Value)> {
    let doc = document();
    let wanted: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let mut best: Option<(usize, String, &'static Value)> = None;
    for (pattern, item) in doc["paths"].as_object()? {
        let Some(op) = item.get(method.to_ascii_lowercase()) else { continue };
        let segments: Vec<&str> = pattern.split('/').collect();
        if segments.len() != wanted.len() {
            continue;
        }
        let mut literal = 0;
        let fits = segments.iter().zip(&wanted).all(|(p, w)| {
            if p.starts_with('{') {
                !w.is_empty()
            } else {
                literal += 1;
                p == w
            }
        });
        if fits && best.as_ref().is_none_or(|(l, _, _)| literal > *l) {
            best = Some((literal, pattern.clone(), op));
        }
    }
    best.map(|(_, p, op)| (p, op))
}

type Validators = Mutex<HashMap<String, Arc<jsonschema::Validator>>>;

fn validator(key: &str, schema: &Value) -> Arc<jsonschema::Validator> {
    static CACHE: OnceLock<Validators> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(v) = cache.lock().unwrap().get(key) {
        return v.clone();
    }
    // The schema with the document's components beside it, so its references resolve.
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": document()["components"],
        "allOf": [schema],
    });
    let v = Arc::new(jsonschema::validator_for(&root).unwrap_or_else(|e| panic!("the document's schema for {key} does not compile: {e}")));
    cache.lock().unwrap().insert(key.to_string(), v.clone());
    v
}

/// Checks one answer; `Err` says how it disagrees with the document. An unknown route or method
/// (the router's 404 and 405) has nothing to check.
pub fn check(method: &str, path: &str, status: u16, content_type: Option<&str>, body: &[u8]) -> Result<(), String> {
    let path = path.split('?').next().unwrap_or(path);
    let Some((pattern, op)) = route_of(method, path) else { return Ok(()) };
    let responses = &op["responses"];
    let response = responses.get(status.to_string()).or_else(|| if status >= 400 { responses.get("default") } else { None });
    let Some(response) = response else {
        return Err(format!("{method} {pattern} answered {status}, which the document does not list"));
    };
    let media = content_type.map(|t| t.split(';').next().unwrap_or(t).trim().to_string());
    let Some(content) = response.get("content").and_then(Value::as_object) else {
        return if body.is_empty() {
            Ok(())
        } else {
            Err(format!("{method} {pattern} {status}: the document says no content, the answer has {} bytes", body.len()))
        };
    };
    let Some(media) = media else {
        return Err(format!("{method} {pattern} {status}: the answer has no Content-Type"));
    };
    let Some(schema) = content.get(&media).map(|c| &c["schema"]) else {
        return Err(format!("{method} {pattern} {status}: {media} is not among the documented {:?}", content.keys().collect::<Vec<_>>()));
    };
    if media != "application/json" {
        return Ok(());
    }
    let instance: Value = serde_json::from_slice(body).map_err(|e| format!("{method} {pattern} {status}: the answer is not JSON: {e}"))?;
    let v = validator(&format!("{method} {pattern} {status}"), schema);
    let errors: Vec<String> = v.iter_errors(&instance).map(|e| format!("at {}: {e}", e.instance_path())).take(5).collect();
    CHECKED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if errors.is_empty() {
        Ok(())
    } else {
        let shown: String = instance.to_string().chars().take(600).collect();
        Err(format!("{method} {pattern} {status}: the answer disagrees with the document's schema: {}; answer: {shown}", errors.join("; ")))
    }
}
