//! The HTTP server of the hosted web app: the JSON API under `<base>/api/v1` and the UI's files.
//! Routes are thin: they parse the request, call a service in [`crate::accounts`] with the
//! session's [`Actor`](crate::accounts::Actor), and send back its answer.

mod error_response;
mod request_parts;
mod routes;
mod ui_files;

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
use crate::error::Error;

pub use request_parts::SESSION_COOKIE;

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
}

pub type SharedState = Arc<AppState>;

pub struct ServerOptions {
    pub base_path: String,
    pub ui_dir: Option<PathBuf>,
    pub secure_cookies: bool,
}

impl AppState {
    pub async fn new(db: Db, opts: ServerOptions) -> Result<SharedState, Error> {
        let setup_done = !crate::accounts::setup::needs_setup(&db).await?;
        let ui = ui_files::UiFiles::load(opts.ui_dir, &opts.base_path);
        let idle = crate::accounts::system_settings::load(&db).await?.session_idle_minutes * 60;
        Ok(Arc::new(AppState {
            db,
            base_path: opts.base_path,
            secure_cookies: opts.secure_cookies,
            setup_done: AtomicBool::new(setup_done),
            session_idle_seconds: AtomicI64::new(idle),
            ui,
            attendance_task: crate::attendance::daily_task::TaskControl::new(),
        }))
    }

    pub fn session_idle_seconds(&self) -> i64 {
        self.session_idle_seconds.load(Ordering::Relaxed)
    }

    pub(crate) fn set_session_idle_minutes(&self, minutes: i64) {
        self.session_idle_seconds.store(minutes * 60, Ordering::Relaxed);
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
/// Largest CSV upload accepted.
pub const CSV_LIMIT: usize = 32 * 1024 * 1024;

pub fn router(state: SharedState) -> Router {
    let api = routes::api_routes()
        .route_layer(middleware::from_fn_with_state(state.clone(), authorize))
        .layer(middleware::from_fn(reject_cross_site))
        .layer(DefaultBodyLimit::max(CSV_LIMIT));
    // The API is nested under the base path; every other path goes to the UI's files, which
    // handle the base path themselves (so "/kinmu", "/kinmu/" and "/kinmu/login" all work).
    let app = Router::new()
        .nest(&format!("{}{}", state.base_path, kinmu_shared::API_PREFIX), api)
        .fallback(ui_files::serve)
        .with_state(state.clone());
    request_layers(app)
}

/// Around every request: an id (made here unless the client sent one, and sent back), a
/// tracing span, and the panic guard.
fn request_layers(app: Router) -> Router {
    let x_request_id = HeaderName::from_static("x-request-id");
    app.layer(
        ServiceBuilder::new()
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
async fn reject_cross_site(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !req.headers().contains_key(kinmu_shared::CSRF_HEADER) {
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
    let matched = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_default();
    let prefix = format!("{}{}", state.base_path, kinmu_shared::API_PREFIX);
    let path = matched.strip_prefix(&prefix).unwrap_or(&matched);
    let Some(route) = routes::find(req.method().as_str(), path) else {
        // The path is served but not with this method (every served pair is in the table, see
        // `RouteTable::finish`): the router answers 405.
        return next.run(req).await;
    };
    if route.access == Access::Public {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let session = match request_parts::Session::from_request_parts(&mut parts, &state).await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    if let Access::Permission(p) = route.access {
        if !session.user.can(p) {
            return Error::Forbidden(p.key()).into_response();
        }
    }
    parts.extensions.insert(session);
    next.run(Request::from_parts(parts, body)).await
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight. Expired sessions are
/// deleted every hour meanwhile.
pub async fn serve(state: SharedState, addr: SocketAddr, on_ready: impl FnOnce(SocketAddr)) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    on_ready(local);
    let db = state.db.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            match crate::accounts::sessions::purge_expired(&db, crate::now()).await {
                Ok(n) if n > 0 => tracing::info!(deleted = n, "expired sessions purged"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot purge expired sessions"),
            }
        }
    });
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown_signal()).await
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
}
