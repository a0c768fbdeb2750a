//! Carries one API request, either with `fetch` (browser) or through the desktop shell's
//! `api_request` command (Tauri). Both answer with the same [`RawResponse`], or its bytes
//! ([`RawBytes`]) for a download. The shell's IPC carries JSON, so bytes cross it in base64, both
//! ways: a file uploaded and a file downloaded arrive byte for byte.

use js_sys::{Object, Promise, Reflect};
use kinmu_shared::{ApiError, CSRF_HEADER, ErrorCode};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

pub struct RawResponse {
    pub status: u16,
    pub body: String,
}

/// An answer's status and body bytes as the server sent them (a download: a BOM, Shift_JIS, an
/// Excel workbook).
pub struct RawBytes {
    pub status: u16,
    pub bytes: Vec<u8>,
}

/// True inside the Tauri shell (`window.__TAURI__` exists).
pub fn is_desktop() -> bool {
    tauri_core().is_some()
}

fn tauri_core() -> Option<JsValue> {
    let w = web_sys::window()?;
    let t = Reflect::get(&w, &"__TAURI__".into()).ok().filter(|v| v.is_object())?;
    Reflect::get(&t, &"core".into()).ok().filter(|v| v.is_object())
}

/// The base path the server serves Kinmu under ("" or "/kinmu"), from `<meta name="kinmu-base">`.
pub fn base_path() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("meta[name=kinmu-base]").ok().flatten())
        .and_then(|m| m.get_attribute("content"))
        .map(|s| s.trim_end_matches('/').to_string())
        .unwrap_or_default()
}

fn unreachable_error(detail: &str) -> ApiError {
    ApiError::new(ErrorCode::Unavailable, format!("{} ({detail})", crate::i18n::said("api.unreachable")))
}

/// An ApiError from a JS value shaped `{code, message, field?}`, or a generic one.
pub fn js_to_api_error(v: &JsValue) -> ApiError {
    if let Some(s) = v.as_string() {
        if let Ok(e) = serde_json::from_str::<ApiError>(&s) {
            return e;
        }
        return unreachable_error(&s);
    }
    if let Ok(json) = js_sys::JSON::stringify(v)
        && let Some(s) = json.as_string()
    {
        if let Ok(e) = serde_json::from_str::<ApiError>(&s) {
            return e;
        }
        return unreachable_error(&s);
    }
    unreachable_error(crate::i18n::said("api.unknown"))
}

/// Calls a Tauri command with a JSON-serialisable argument object.
pub async fn invoke(cmd: &str, args: &JsValue) -> Result<JsValue, ApiError> {
    let core = tauri_core().ok_or_else(|| unreachable_error(crate::i18n::said("api.no_desktop")))?;
    let f: js_sys::Function =
        Reflect::get(&core, &"invoke".into()).map_err(|e| js_to_api_error(&e))?.dyn_into().map_err(|e| js_to_api_error(&e))?;
    let p: Promise =
        f.call2(&core, &JsValue::from_str(cmd), args).map_err(|e| js_to_api_error(&e))?.dyn_into().map_err(|e| js_to_api_error(&e))?;
    JsFuture::from(p).await.map_err(|e| js_to_api_error(&e))
}

fn set(o: &Object, k: &str, v: JsValue) {
    let _ = Reflect::set(o, &k.into(), &v);
}

/// One call through the desktop shell's proxy: the body's bytes in base64; with `bytes`, the
/// answer's bytes come back in base64 and are decoded here. Returns the status and the body.
async fn through_shell(
    method: &str,
    path: &str,
    body: Option<&[u8]>,
    content_type: Option<&str>,
    bytes: bool,
) -> Result<(u16, Vec<u8>), ApiError> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let args = Object::new();
    set(&args, "method", method.into());
    set(&args, "path", path.into());
    set(&args, "body", body.map(|b| JsValue::from(b64.encode(b))).unwrap_or(JsValue::NULL));
    set(&args, "contentType", content_type.map(JsValue::from).unwrap_or(JsValue::NULL));
    set(&args, "bytes", bytes.into());
    let v = invoke("api_request", &args).await?;
    let status = Reflect::get(&v, &"status".into()).ok().and_then(|s| s.as_f64()).unwrap_or(0.0) as u16;
    let body = Reflect::get(&v, &"body".into()).ok().and_then(|s| s.as_string()).unwrap_or_default();
    let in_base64 = Reflect::get(&v, &"base64".into()).ok().and_then(|b| b.as_bool()).unwrap_or(false);
    if !in_base64 {
        return Ok((status, body.into_bytes()));
    }
    let bytes =
        b64.decode(body).map_err(|e| ApiError::new(ErrorCode::Internal, format!("{} ({e})", crate::i18n::said("api.unexpected"))))?;
    Ok((status, bytes))
}

/// Sends `method path` (path like `/api/v1/users?q=x`) with the body's bytes as they are, and
/// returns status and body text.
pub async fn send(method: &str, path: &str, body: Option<Vec<u8>>, content_type: Option<&str>) -> Result<RawResponse, ApiError> {
    if is_desktop() {
        let (status, body) = through_shell(method, path, body.as_deref(), content_type, false).await?;
        return Ok(RawResponse { status, body: String::from_utf8_lossy(&body).into_owned() });
    }
    let resp = fetch(method, path, body, content_type).await?;
    let status = resp.status();
    let text = match resp.text() {
        Ok(p) => JsFuture::from(p).await.ok().and_then(|t| t.as_string()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    Ok(RawResponse { status, body: text })
}

/// `GET path` answered with its body's bytes as the server sent them (a download in the desktop
/// shell, where a link cannot reach the server).
pub async fn get_bytes(path: &str) -> Result<RawBytes, ApiError> {
    if is_desktop() {
        let (status, bytes) = through_shell("GET", path, None, None, true).await?;
        return Ok(RawBytes { status, bytes });
    }
    let resp = fetch("GET", path, None, None).await?;
    let status = resp.status();
    let bytes = match resp.array_buffer() {
        Ok(p) => JsFuture::from(p).await.map(|b| js_sys::Uint8Array::new(&b).to_vec()).unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    Ok(RawBytes { status, bytes })
}

async fn fetch(method: &str, path: &str, body: Option<Vec<u8>>, content_type: Option<&str>) -> Result<web_sys::Response, ApiError> {
    let window = web_sys::window().ok_or_else(|| unreachable_error(crate::i18n::said("api.no_window")))?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    let headers = web_sys::Headers::new().map_err(|e| js_to_api_error(&e))?;
    let _ = headers.set("accept", "application/json");
    if method != "GET" {
        let _ = headers.set(CSRF_HEADER, "1");
    }
    if let Some(ct) = content_type {
        let _ = headers.set("content-type", ct);
    }
    init.set_headers(&headers);
    if let Some(b) = &body {
        init.set_body(&js_sys::Uint8Array::from(b.as_slice()));
    }
    let url = format!("{}{}", base_path(), path);
    let resp = JsFuture::from(window.fetch_with_str_and_init(&url, &init))
        .await
        .map_err(|e| unreachable_error(&e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_default()))?;
    resp.dyn_into().map_err(|e| js_to_api_error(&e))
}

/// Sends `file` as the body of `method url` with `XMLHttpRequest` (whose upload reports its
/// progress, which `fetch` does not), calling `progress(sent, total)` as the bytes go.
pub async fn send_file(
    method: &str,
    url: &str,
    file: &web_sys::File,
    progress: impl Fn(f64, f64) + 'static,
) -> Result<RawResponse, ApiError> {
    use wasm_bindgen::closure::Closure;
    if is_desktop() {
        // The shell's proxy takes the whole body: read it, send it, report it sent.
        let total = file.size();
        progress(0.0, total);
        let buffer = JsFuture::from(file.array_buffer()).await.map_err(|e| js_to_api_error(&e))?;
        let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
        let path = url.strip_prefix(&base_path()).unwrap_or(url);
        let (status, body) = through_shell(method, path, Some(&bytes), Some("application/octet-stream"), false).await?;
        progress(total, total);
        return Ok(RawResponse { status, body: String::from_utf8_lossy(&body).into_owned() });
    }
    let xhr = web_sys::XmlHttpRequest::new().map_err(|e| js_to_api_error(&e))?;
    xhr.open(method, url).map_err(|e| js_to_api_error(&e))?;
    let _ = xhr.set_request_header("accept", "application/json");
    let _ = xhr.set_request_header(CSRF_HEADER, "1");
    let _ = xhr.set_request_header("content-type", "application/octet-stream");
    let on_progress = Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
        if e.length_computable() {
            progress(e.loaded(), e.total());
        }
    });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    }
    let done = Promise::new(&mut |resolve, _reject| {
        let on_end = Closure::<dyn Fn()>::new(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        xhr.set_onloadend(Some(on_end.as_ref().unchecked_ref()));
        on_end.forget();
    });
    xhr.send_with_opt_blob(Some(file)).map_err(|e| js_to_api_error(&e))?;
    let _ = JsFuture::from(done).await;
    drop(on_progress);
    let status = xhr.status().unwrap_or(0);
    if status == 0 {
        return Err(unreachable_error(crate::i18n::said("api.upload_cut")));
    }
    Ok(RawResponse { status, body: xhr.response_text().ok().flatten().unwrap_or_default() })
}
