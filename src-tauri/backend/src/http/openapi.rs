//! The OpenAPI document of `/api/v1`, made once from the shared route table
//! ([`kinmu_shared::api::routes::openapi_operations`]) with each route's answer status from its
//! handler, and the page that shows it to people (`<base>/api/docs`).

use std::fmt::Write;
use std::sync::OnceLock;

use axum::extract::State;
use axum::response::Html;
use kinmu_shared::api::openapi::{self, Schemas};
use kinmu_shared::api::routes::openapi_operations;
use serde_json::Value;

use super::SharedState;

/// The document, its server being `<base_path>/api/v1`.
pub fn document(base_path: &str) -> Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    let mut doc = DOCUMENT.get_or_init(|| build("")).clone();
    if let Some(url) = doc.pointer_mut("/servers/0/url") {
        *url = Value::String(format!("{base_path}{}", kinmu_shared::API_PREFIX));
    }
    doc
}

/// Builds the document; the names two different schemas share, if any, with it.
pub fn build_checked(base_path: &str) -> (Value, Vec<String>) {
    let statuses = super::routes::success_statuses();
    let status = |route: &kinmu_shared::api::routes::RouteSpec| statuses.iter().find(|(r, _)| r == route).map_or(200, |(_, s)| *s);
    let mut schemas = Schemas::default();
    let operations = openapi_operations(&status, &mut schemas);
    let clashes = schemas.clashes.clone();
    (openapi::document(operations, schemas, base_path), clashes)
}

fn build(base_path: &str) -> Value {
    build_checked(base_path).0
}

/// The API page for people: every operation grouped by area, with who may call it, its
/// parameters, body and answers. Built from the document; no script.
pub async fn page(State(state): State<SharedState>) -> Html<String> {
    Html(render_page(&document(&state.base_path), &state.base_path))
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A schema in a few words: `User`, `list of User`, `string`, `one of …`.
fn schema_words(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{0}\">{0}</a>", escape(name));
    }
    if let Some(items) = schema.get("items") {
        return format!("list of {}", schema_words(items));
    }
    if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
        let parts: Vec<String> = one.iter().filter(|s| s.get("type") != Some(&Value::String("null".into()))).map(schema_words).collect();
        let nullable = parts.len() < one.len();
        return format!("{}{}", parts.join(" or "), if nullable { " or null" } else { "" });
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values.iter().map(|v| format!("<code>{}</code>", escape(&v.to_string()))).collect::<Vec<_>>().join(" | ");
    }
    match schema.get("type") {
        Some(Value::String(t)) => {
            let format = schema.get("format").and_then(Value::as_str).map(|f| format!(" ({f})")).unwrap_or_default();
            escape(&format!("{t}{format}"))
        }
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).map(escape).collect::<Vec<_>>().join(" or "),
        _ => "any".into(),
    }
}

/// The page's HTML: headings in Japanese and English, the operations as the document has them.
pub fn render_page(doc: &Value, base_path: &str) -> String {
    let mut html = String::new();
    let json_url = format!("{base_path}{}/openapi.json", kinmu_shared::API_PREFIX);
    let _ = write!(
        html,
        "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>Kinmu API</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><style>\
         body{{font-family:system-ui,sans-serif;max-width:70rem;margin:auto;padding:1rem;line-height:1.5}}\
         h2{{border-bottom:1px solid #ccc;margin-top:2rem}} .op{{margin:1rem 0;padding:.5rem 1rem;border-left:4px solid #888}}\
         .GET{{border-color:#2a7}} .POST{{border-color:#27a}} .PUT{{border-color:#a72}} .DELETE{{border-color:#a22}}\
         code{{background:#f3f3f3;padding:0 .2em}} table{{border-collapse:collapse}} td,th{{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}}\
         nav a{{margin-right:1rem}} a:focus{{outline:2px solid #27a}}\
         </style></head><body><h1>Kinmu API リファレンス / API reference</h1>\
         <p>OpenAPI 3.1: <a href=\"{0}\">{0}</a>. 認証：セッション（Cookie と、GET 以外は <code>x-kinmu-request</code> ヘッダー）または個人用 API トークン \
         (<code>Authorization: Bearer …</code>)。 Authentication: a session (its cookie, and the <code>x-kinmu-request</code> header on every \
         request but GET) or a personal API token (<code>Authorization: Bearer …</code>). エラーは <code>{{code, message, field?}}</code> で返ります。 \
         Errors answer <code>{{code, message, field?}}</code> with a stable code.</p>",
        escape(&json_url)
    );
    let paths = doc.get("paths").and_then(Value::as_object).cloned().unwrap_or_default();
    let tags: Vec<String> = doc
        .get("tags")
        .and_then(Value::as_array)
        .map(|t| t.iter().filter_map(|t| t["name"].as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    html.push_str("<nav aria-label=\"領域 / Areas\"><strong>領域 / Areas:</strong> ");
    for tag in &tags {
        let _ = write!(html, "<a href=\"#area-{0}\">{0}</a>", escape(tag));
    }
    html.push_str(" <a href=\"#schemas\">スキーマ / Schemas</a></nav>");
    for tag in &tags {
        let _ = write!(html, "<h2 id=\"area-{0}\">{0}</h2>", escape(tag));
        for (path, item) in &paths {
            let Some(item) = item.as_object() else { continue };
            for (method, op) in item {
                if op["tags"].get(0).and_then(Value::as_str) != Some(tag) {
                    continue;
                }
                let method = method.to_uppercase();
                let id = op["operationId"].as_str().unwrap_or_default();
                let _ = write!(
                    html,
                    "<section class=\"op {method}\" id=\"{id}\"><h3><code>{method} {path}</code> — {summary}</h3>\
                     <p>{description}</p><p><strong>アクセス / Access:</strong> <code>{access}</code> · <strong>operationId:</strong> <code>{id}</code></p>",
                    method = escape(&method),
                    id = escape(id),
                    path = escape(path),
                    summary = escape(op["summary"].as_str().unwrap_or_default()),
                    description = escape(op["description"].as_str().unwrap_or_default()).replace('\n', "<br>"),
                    access = escape(op["x-kinmu-access"].as_str().unwrap_or_default()),
                );
                if let Some(params) = op.get("parameters").and_then(Value::as_array).filter(|p| !p.is_empty()) {
                    html.push_str("<table><tr><th>パラメーター / Parameter</th><th>場所 / In</th><th>型 / Type</th><th>必須 / Required</th><th>説明 / Description</th></tr>");
                    for p in params {
                        let _ = write!(
                            html,
                            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                            escape(p["name"].as_str().unwrap_or_default()),
                            escape(p["in"].as_str().unwrap_or_default()),
                            schema_words(&p["schema"]),
                            if p["required"].as_bool() == Some(true) { "✓" } else { "" },
                            escape(p["description"].as_str().unwrap_or_default()),
                        );
                    }
                    html.push_str("</table>");
                }
                if let Some(content) = op.pointer("/requestBody/content").and_then(Value::as_object) {
                    html.push_str("<p><strong>本文 / Body:</strong> ");
                    for (media, c) in content {
                        let _ = write!(html, "<code>{}</code> {} ", escape(media), schema_words(&c["schema"]));
                    }
                    html.push_str("</p>");
                }
                html.push_str("<p><strong>応答 / Answers:</strong></p><ul>");
                for (status, r) in op.get("responses").and_then(Value::as_object).into_iter().flatten() {
                    let _ = write!(html, "<li><code>{}</code> {}", escape(status), escape(r["description"].as_str().unwrap_or_default()));
                    for (media, c) in r.get("content").and_then(Value::as_object).into_iter().flatten() {
                        let _ = write!(html, " <code>{}</code> {}", escape(media), schema_words(&c["schema"]));
                    }
                    html.push_str("</li>");
                }
                html.push_str("</ul></section>");
            }
        }
    }
    html.push_str("<h2 id=\"schemas\">スキーマ / Schemas</h2>");
    for (name, schema) in doc.pointer("/components/schemas").and_then(Value::as_object).into_iter().flatten() {
        let _ = write!(html, "<section id=\"schema-{0}\"><h3>{0}</h3>", escape(name));
        if let Some(d) = schema.get("description").and_then(Value::as_str) {
            let _ = write!(html, "<p>{}</p>", escape(d));
        }
        let required: Vec<&str> =
            schema.get("required").and_then(Value::as_array).map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            html.push_str("<table><tr><th>項目 / Field</th><th>型 / Type</th><th>必須 / Required</th><th>説明 / Description</th></tr>");
            for (field, p) in props {
                let _ = write!(
                    html,
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    escape(field),
                    schema_words(p),
                    if required.contains(&field.as_str()) { "✓" } else { "" },
                    escape(p["description"].as_str().unwrap_or_default()),
                );
            }
            html.push_str("</table>");
        } else {
            let _ = write!(html, "<p>{}</p>", schema_words(schema));
        }
        html.push_str("</section>");
    }
    html.push_str("</body></html>");
    html
}
