//! The HTTP server of the hosted web app: the JSON API under `<base>/api/v1` and the UI's files.
//! Routes are thin: they parse the request, call a service in [`crate::accounts`] with the
//! session's [`Actor`](crate::accounts::Actor), and send back its answer.

mod endpoint;
mod error_response;
pub mod openapi;
mod request_parts;
mod request_rate;
mod routes;
mod ui_files;
mod update_files;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::database::Db;
use crate::error::{Error, Text};

pub use request_parts::SESSION_COOKIE;
pub use request_rate::{ClientRateSettings, DEFAULT_UPDATE_REQUESTS_PER_MINUTE};

/// What every request handler can reach.
pub struct AppState {
    pub db: Db,
    /// "" or "/kinmu".
    pub base_path: String,
    pub secure_cookies: bool,
    /// Becomes true once setup has run; it never goes back.
    setup_done: AtomicBool,
    /// The sessions' idle time from the system settings, kept here so a request needs no extra query.
    session_idle_seconds: AtomicI64,
    ui: ui_files::UiFiles,
    /// The attendance task's run flag and stop request.
    pub attendance_task: std::sync::Arc<crate::attendance::daily_task::TaskControl>,
    /// The client release repository served under `<base>/updates/` (none: not served).
    pub updates: Option<crate::updates::releases::RepositoryDir>,
    /// The random draw keys of the client update queue (seeded from the OS; tests reseed it).
    pub update_draws: crate::updates::clients::Draws,
    /// How long a transfer slot lasts without renewal (`[server] update_slot_seconds`).
    update_slot_seconds: AtomicI64,
    /// The per-token request rate (from the system settings).
    token_rate: request_rate::TokenRate,
    /// The per-address rate of the desktop clients' update check-ins and event reports.
    client_rate: request_rate::ClientRate,
}

pub type SharedState = Arc<AppState>;

pub struct ServerOptions {
    pub base_path: String,
    pub ui_dir: Option<PathBuf>,
    pub secure_cookies: bool,
    /// Where output profiles may write (from the configuration file).
    pub output_roots: crate::attendance::output_roots::OutputRoots,
    /// The client release repository to serve under `<base>/updates/` (`<data-dir>/updates`).
    pub updates: Option<crate::updates::releases::RepositoryDir>,
}

impl AppState {
    pub async fn new(db: Db, opts: ServerOptions) -> Result<SharedState, Error> {
        let setup_done = !crate::accounts::setup::needs_setup(&db).await?;
        let ui = ui_files::UiFiles::load(opts.ui_dir, &opts.base_path);
        let settings = crate::accounts::system_settings::load(&db).await?;
        let idle = settings.session_idle_minutes * 60;
        Ok(Arc::new(AppState {
            db,
            base_path: opts.base_path,
            secure_cookies: opts.secure_cookies,
            setup_done: AtomicBool::new(setup_done),
            session_idle_seconds: AtomicI64::new(idle),
            ui,
            attendance_task: crate::attendance::daily_task::TaskControl::writing_to(opts.output_roots),
            updates: opts.updates,
            update_draws: crate::updates::clients::Draws::from_entropy(),
            update_slot_seconds: AtomicI64::new(crate::updates::clients::SLOT_SECONDS),
            token_rate: request_rate::TokenRate::new(settings.token_requests_per_minute),
            client_rate: request_rate::ClientRate::new(ClientRateSettings::default()),
        }))
    }

    pub fn session_idle_seconds(&self) -> i64 {
        self.session_idle_seconds.load(Ordering::Relaxed)
    }

    pub(crate) fn set_session_idle_minutes(&self, minutes: i64) {
        self.session_idle_seconds.store(minutes * 60, Ordering::Relaxed);
    }

    pub(crate) fn set_token_requests_per_minute(&self, per_minute: i64) {
        self.token_rate.set(per_minute);
    }

    /// How the desktop clients' update check-ins and event reports are counted (`[server]
    /// update_requests_per_minute` and `trusted_proxies`; the defaults until set).
    pub fn update_slot_seconds(&self) -> i64 {
        self.update_slot_seconds.load(Ordering::Relaxed)
    }

    /// Sets the transfer slots' lifetime (the configuration's `update_slot_seconds`).
    pub fn set_update_slot_seconds(&self, seconds: i64) {
        self.update_slot_seconds.store(seconds, Ordering::Relaxed);
    }

    pub fn set_client_rate(&self, settings: ClientRateSettings) {
        self.client_rate.set(settings);
    }

    pub async fn needs_setup(&self) -> Result<bool, Error> {
        if self.setup_done.load(Ordering::Acquire) {
            return Ok(false);
        }
        let needs = crate::accounts::setup::needs_setup(&self.db).await?;
        if !needs {
            self.setup_done.store(true, Ordering::Release);
        }
        Ok(needs)
    }

    fn mark_setup_done(&self) {
        self.setup_done.store(true, Ordering::Release);
    }
}

/// Largest JSON body accepted.
pub const JSON_LIMIT: usize = 1024 * 1024;
/// Largest body of a route anyone may call (setup, login), before they have proven who they are.
pub const PUBLIC_BODY_LIMIT: usize = 64 * 1024;
/// Largest CSV upload accepted.
pub const CSV_LIMIT: usize = 32 * 1024 * 1024;

pub fn router(state: SharedState) -> Router {
    let api = routes::api_routes()
        .route_layer(middleware::from_fn_with_state(state.clone(), authorize))
        .layer(middleware::from_fn(reject_cross_site))
        .layer(middleware::from_fn_with_state(state.clone(), error_response::speak_the_callers_language))
        .layer(DefaultBodyLimit::max(CSV_LIMIT));
    // The API is nested under the base path; every other path goes to the UI's files, which
    // handle the base path themselves (so "/kinmu", "/kinmu/" and "/kinmu/login" all work).
    // The release repository: public files, TUF verifies them (see `update_files`).
    let updates = Router::new()
        .route("/metadata/{*path}", axum::routing::get(update_files::metadata))
        .route("/targets/{*path}", axum::routing::get(update_files::targets));
    let app = Router::new()
        .nest(&format!("{}{}", state.base_path, kinmu_shared::API_PREFIX), api)
        .nest(&format!("{}/updates", state.base_path), updates)
        // The API's page for people (the document is `<base>/api/v1/openapi.json`).
        .route(&format!("{}/api/docs", state.base_path), axum::routing::get(openapi::page))
        .fallback(ui_files::serve)
        .with_state(state.clone());
    request_layers(app)
}

/// The Content-Security-Policy of every answer: Kinmu's own scripts, styles, wasm and API only
/// (the wasm UI needs `wasm-unsafe-eval` to compile itself; Leptos sets `style` attributes), and
/// no page may frame Kinmu's.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; \
     object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Around every request: an id (made here unless the client sent one, and sent back), a
/// tracing span, the panic guard, and the security headers.
fn request_layers(app: Router) -> Router {
    use axum::http::HeaderValue;
    use axum::http::header::{CONTENT_SECURITY_POLICY as CSP, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS};
    use tower_http::set_header::SetResponseHeaderLayer;
    let x_request_id = HeaderName::from_static("x-request-id");
    app.layer(
        ServiceBuilder::new()
            .layer(SetResponseHeaderLayer::overriding(CSP, HeaderValue::from_static(CONTENT_SECURITY_POLICY)))
            .layer(SetResponseHeaderLayer::overriding(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
            .layer(SetResponseHeaderLayer::overriding(REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
            .layer(SetResponseHeaderLayer::overriding(X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
            .layer(SetRequestIdLayer::new(x_request_id.clone(), MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(|req: &Request<Body>| {
                        let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                        // The path only: query strings may carry search terms users typed.
                        tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
                    })
                    .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
            )
            .layer(PropagateRequestIdLayer::new(x_request_id))
            .layer(middleware::from_fn(answer_panics)),
    )
}

/// A handler that panics answers 500 with the request's id (which the log shows beside the
/// panic), instead of dropping the connection; the server goes on serving.
async fn answer_panics(req: Request, next: Next) -> Response {
    use futures_util::FutureExt;
    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-").to_string();
    match std::panic::AssertUnwindSafe(next.run(req)).catch_unwind().await {
        Ok(response) => response,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".into());
            tracing::error!(request_id = %id, panic = %what, "a request handler panicked");
            let body = kinmu_shared::ApiError::new(
                kinmu_shared::ErrorCode::Internal,
                format!("an internal error occurred; the server log has the details under request id {id}"),
            );
            (axum::http::StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response()
        }
    }
}

/// Refuses state-changing API requests without Kinmu's header (see [`kinmu_shared::CSRF_HEADER`]).
/// A request with an API token (`Authorization: Bearer`) needs none: it carries no cookie a
/// foreign page could make the browser send, and a foreign page cannot set that header.
async fn reject_cross_site(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !req.headers().contains_key(kinmu_shared::CSRF_HEADER) && request_parts::bearer_secret(req.headers()).is_none() {
        return Error::CsrfRejected.into_response();
    }
    next.run(req).await
}

/// Refuses a request whose caller lacks its route's access (from the shared route table) before
/// its body is read, so that a refused caller learns nothing from validation errors; the session
/// found is handed to the handler. The services check the permission again for their other callers.
async fn authorize(axum::extract::State(state): axum::extract::State<SharedState>, req: Request, next: Next) -> Response {
    use axum::extract::{FromRequestParts, MatchedPath};
    use kinmu_shared::api::routes::{self, Access};
    // The route's pattern below `<base>/api/v1` (no allocation: this runs on every request).
    let matched = req.extensions().get::<MatchedPath>().map(MatchedPath::as_str).unwrap_or_default();
    let path = matched.strip_prefix(state.base_path.as_str()).and_then(|p| p.strip_prefix(kinmu_shared::API_PREFIX)).unwrap_or(matched);
    let Some(route) = routes::find(req.method().as_str(), path) else {
        // The path is served but not with this method (every served pair is in the table, see
        // `RouteTable::finish`): the router answers 405.
        return next.run(req).await;
    };
    if route.access == Access::Public {
        // Anyone may call these: a body declared larger than any of theirs is refused unread.
        let declared =
            req.headers().get(axum::http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > PUBLIC_BODY_LIMIT as u64) {
            return Error::PayloadTooLarge(Text::new(
                format!("the request body is larger than {} KiB", PUBLIC_BODY_LIMIT / 1024),
                format!("リクエストの本文が大きすぎます（上限 {} KiB）。", PUBLIC_BODY_LIMIT / 1024),
            ))
            .into_response();
        }
        // And one sent without its length stops being read at the limit.
        let req = req.map(|body| Body::new(http_body_util::Limited::new(body, PUBLIC_BODY_LIMIT)));
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let session = match request_parts::Session::from_request_parts(&mut parts, &state).await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    if let Some(token_id) = session.user.api_token {
        // Every token request is logged with the token's id (its secret never).
        tracing::info!(token_id, user_id = session.user.id, "API token request");
        if let Err(e) = state.token_rate.check(token_id) {
            tracing::info!(token_id, "API token over its request rate");
            return refused(e, &session);
        }
    }
    let refusal = match route.access {
        Access::Permission(p) if !session.user.can(p) => Some(Error::Forbidden(p.key())),
        Access::SessionOnly if session.user.api_token.is_some() => Some(Error::SessionOnly),
        _ => None,
    };
    if let Some(e) = refusal {
        return refused(e, &session);
    }
    let language = error_response::CallerLanguage(session.user.language);
    parts.extensions.insert(session);
    let mut response = next.run(Request::from_parts(parts, body)).await;
    response.extensions_mut().insert(language);
    response
}

/// A refusal in the language of the caller behind `session`.
fn refused(e: Error, session: &request_parts::Session) -> Response {
    let mut response = e.into_response();
    response.extensions_mut().insert(error_response::CallerLanguage(session.user.language));
    response
}

/// How long a client may take to send a request's head, and its body: a connection that
/// trickles its headers (slowloris) is closed, a body that stops coming fails its request.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionTimeouts {
    pub headers: std::time::Duration,
    pub body: std::time::Duration,
}

impl Default for ConnectionTimeouts {
    fn default() -> Self {
        ConnectionTimeouts { headers: std::time::Duration::from_secs(10), body: std::time::Duration::from_secs(60) }
    }
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight. Expired sessions are
/// deleted every hour meanwhile.
pub async fn serve(state: SharedState, addr: SocketAddr, on_ready: impl FnOnce(SocketAddr)) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    on_ready(local);
    let db = state.db.clone();
    let hourly = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            hourly.token_rate.forget_idle();
            hourly.client_rate.forget_idle();
            match crate::accounts::sessions::purge_expired(&db, crate::now()).await {
                Ok(n) if n > 0 => tracing::info!(deleted = n, "expired sessions purged"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot purge expired sessions"),
            }
        }
    });
    serve_on(listener, router(state), ConnectionTimeouts::default(), shutdown_signal()).await
}

/// Serves `app` on `listener` until `shutdown`, with the connection timeouts, then waits up to
/// 30 seconds for the requests in flight.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    app: Router,
    timeouts: ConnectionTimeouts,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::server::graceful::GracefulShutdown;
    use hyper_util::service::TowerToHyperService;
    use tower::ServiceExt as _;
    use tower_http::timeout::RequestBodyTimeoutLayer;

    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(timeouts.headers);
    let service = ServiceBuilder::new().layer(RequestBodyTimeoutLayer::new(timeouts.body)).service(app);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors and the like: wait a moment rather than spin.
                        tracing::warn!(error = %e, "cannot accept a connection");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                };
                // The peer's address goes with each request, as axum's
                // `into_make_service_with_connect_info::<SocketAddr>` puts it (`ConnectInfo`).
                let service = service.clone().map_request(move |mut req: axum::http::Request<_>| {
                    req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                    req
                });
                let connection = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service)).into_owned();
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(std::time::Duration::from_secs(30)) => tracing::warn!("requests still running after 30 s of shutdown were cut"),
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use axum::body::{Body, to_bytes};
    use axum::http::Request;
    use axum::routing::get;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_handler_answers_500_with_the_request_id() {
        async fn broken() -> &'static str {
            panic!("the handler broke")
        }
        let app = super::request_layers(axum::Router::new().route("/boom", get(broken)).route("/ok", get(|| async { "fine" })));
        let resp = app.clone().oneshot(Request::get("/boom").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(resp.status().as_u16(), 500);
        let id = resp.headers().get("x-request-id").expect("the answer carries the request id").to_str().unwrap().to_string();
        let body: serde_json::Value = serde_json::from_slice(&to_bytes(resp.into_body(), 1 << 16).await.unwrap()).unwrap();
        assert_eq!(body["code"], "internal");
        assert!(body["message"].as_str().unwrap().contains(&id), "{body}");
        assert!(!body["message"].as_str().unwrap().contains("broke"), "the panic's text stays in the log");
        let resp = app.oneshot(Request::get("/ok").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(resp.status().as_u16(), 200, "the server goes on serving");
    }

    #[tokio::test]
    async fn a_client_that_trickles_its_headers_is_cut_off() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new().route("/ok", get(|| async { "fine" }));
        let timeouts =
            super::ConnectionTimeouts { headers: std::time::Duration::from_millis(300), body: std::time::Duration::from_millis(300) };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(super::serve_on(listener, app, timeouts, async move {
            let _ = stopped.await;
        }));
        // A whole request is answered.
        let mut whole = tokio::net::TcpStream::connect(addr).await.unwrap();
        whole.write_all(b"GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
        let mut answer = String::new();
        whole.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200") && answer.ends_with("fine"), "{answer}");
        // Half a head: the connection is closed within a few seconds, not kept for ever.
        let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
        slow.write_all(b"GET /ok HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        let mut rest = Vec::new();
        let closed = tokio::time::timeout(std::time::Duration::from_secs(5), slow.read_to_end(&mut rest)).await;
        assert!(closed.is_ok(), "the server closed the connection of a client that never finished its headers");
        let _ = stop.send(());
        server.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn every_answer_carries_the_security_headers() {
        async fn broken() -> &'static str {
            panic!("broken")
        }
        let app = super::request_layers(axum::Router::new().route("/ok", get(|| async { "fine" })).route("/boom", get(broken)));
        for path in ["/ok", "/boom", "/missing"] {
            let resp = app.clone().oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
            let h = resp.headers();
            let csp = h.get("content-security-policy").expect(path).to_str().unwrap();
            assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{csp}");
            assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff", "{path}");
            assert_eq!(h.get("referrer-policy").unwrap(), "no-referrer", "{path}");
        }
    }
}
