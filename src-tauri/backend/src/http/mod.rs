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
        .layer(middleware::from_fn(reject_cross_site))
        .layer(DefaultBodyLimit::max(CSV_LIMIT));
    // The API is nested under the base path; every other path goes to the UI's files, which
    // handle the base path themselves (so "/kinmu", "/kinmu/" and "/kinmu/login" all work).
    let app = Router::new()
        .nest(&format!("{}{}", state.base_path, kinmu_shared::API_PREFIX), api)
        .fallback(ui_files::serve)
        .with_state(state.clone());
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
            .layer(PropagateRequestIdLayer::new(x_request_id)),
    )
}

/// Refuses state-changing API requests without Kinmu's header (see [`kinmu_shared::CSRF_HEADER`]).
async fn reject_cross_site(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !req.headers().contains_key(kinmu_shared::CSRF_HEADER) {
        return Error::CsrfRejected.into_response();
    }
    next.run(req).await
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
