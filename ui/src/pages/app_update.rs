//! Desktop only: the app's own update (seed II.2 ②, III.2). Before its pages the app shows what
//! the server decided at the shell's check-in: a required update (mandatory mode: Update, or Quit —
//! declining quits), a refusal (refuse-start mode: the app ends when the dialog is closed), new
//! installs forbidden, or the update service paused; each with the administrator's message. An
//! optional update is offered on the login page ([`UpdateOffer`]). While updating, the progress
//! page shows the step, the bytes and files, and the place in the server's queue while waiting;
//! once applied the shell restarts into the new version. The repair (全プログラムアップデート,
//! started from the connection page) runs through the same progress page. When the server could
//! not be reached at start, the app starts offline with a banner ([`OfflineBanner`]) and checks
//! again later; a required update found then shows its dialog at that moment.
//!
//! Part of the main module: it shows before the login, and the login page offers the update.

use kinmu_shared::api::{DesktopUpdateOutcome, DesktopUpdateProgress, DesktopUpdateStatus, DesktopUpdateStep};
use kinmu_shared::update_policy::StartupDecision;
use leptos::prelude::*;

use crate::api_client;
use crate::app_state::app;
use crate::i18n::{t, tx};
use crate::pages::attendance::task::sleep;
use crate::router::{Route, redirect};

/// How often the progress page asks the shell for the update's progress.
const POLL_MS: i32 = 300;

/// Starts the update and shows the progress page.
pub fn start_update() {
    let state = app();
    state.repairing.set(false);
    state.updating.set(true);
}

/// Starts the repair of the installed version (every file checked against the signed hashes, the
/// damaged ones fetched) and shows the progress page.
pub fn start_repair() {
    let state = app();
    state.repairing.set(true);
    state.updating.set(true);
}

/// Whether the loop that checks in again runs.
static CHECKING_AGAIN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Checks in again when the shell says: after a failed check-in (the server unreachable at start)
/// 30 s, then doubling up to 10 minutes; while the server answers, periodically (10 minutes), so
/// that a release published during a session is seen. A required update or a refusal found then
/// shows its dialog: instead of the pages before a login, over the page after one
/// ([`GateOverPage`], nothing typed is lost).
pub fn check_again_later() {
    use std::sync::atomic::Ordering;
    let state = app();
    if state.desktop_update.with_untracked(|s| s.as_ref().and_then(|s| s.retry_in_seconds).is_none())
        || CHECKING_AGAIN.swap(true, Ordering::SeqCst)
    {
        return;
    }
    leptos::task::spawn_local(async move {
        while let Some(wait) = state.desktop_update.with_untracked(|s| s.as_ref().and_then(|s| s.retry_in_seconds)) {
            sleep((wait.min(3600) * 1000) as i32).await;
            if state.updating.get_untracked() {
                continue;
            }
            if check_now().await.is_err() {
                break;
            }
        }
        CHECKING_AGAIN.store(false, Ordering::SeqCst);
    });
}

/// Checks in with the server now and shows what it says. When the server is reached after it
/// was not, before a login, the start-up checks run again (the login page, or the dialog), from
/// the connection page too, where the start without the server led.
async fn check_now() -> Result<(), ()> {
    let state = app();
    let status = api_client::update_status(true).await.map_err(|_| ())?;
    let was_offline = state.desktop_update.with_untracked(|s| s.as_ref().is_some_and(|s| s.check_error.is_some()));
    let reached = status.check_error.is_none();
    state.desktop_update.set(Some(status));
    if was_offline && reached && state.session.with_untracked(|s| s.is_none()) {
        if state.route.get_untracked() == Route::Connection {
            redirect(Route::Home);
        }
        crate::boot().await;
    }
    Ok(())
}

/// A blocking decision (a required update, a refusal, the service paused) found by a later
/// check-in while a person is logged in: shown over the page, which stays mounted as it is, so
/// nothing typed is lost. The person saves, then updates or closes; "Later" hides it, and the next
/// start applies the decision before any page.
#[component]
pub fn GateOverPage() -> impl IntoView {
    let state = app();
    let later = RwSignal::new(false);
    // Not while the update it asks for runs: the progress page shows then.
    let blocking = Memo::new(move |_| {
        state.desktop_update.get().filter(|s| s.blocks_start()).filter(|_| state.session.with(|s| s.is_some()) && !state.updating.get())
    });
    move || {
        let status = blocking.get().filter(|_| !later.get())?;
        Some(view! {
            <div class="update-over-page" data-testid="update-over-page">
                <div>
                    <p class="warn-banner" role="status" data-testid="update-save-first">{tx("app_update.save_first")}</p>
                    <StartGate status=status />
                    <p>
                        <button type="button" data-testid="update-later" on:click=move |_| later.set(true)>
                            {tx("app_update.later")}
                        </button>
                    </p>
                </div>
            </div>
        })
    }
}

/// The banner while the update check failed: the reason, when it is tried again, and Retry (now).
#[component]
pub fn OfflineBanner() -> impl IntoView {
    let state = app();
    let busy = RwSignal::new(false);
    let retry = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            let _ = check_now().await;
            busy.set(false);
        });
    };
    move || {
        state.desktop_update.with(|s| {
            let s = s.as_ref()?;
            let (reason, wait) = (s.check_error.clone()?, s.retry_in_seconds?);
            let at = js_sys::Date::new_0();
            at.set_time(at.get_time() + wait as f64 * 1000.0);
            let time = format!("{:02}:{:02}", at.get_hours(), at.get_minutes());
            Some(view! {
                <p class="warn-banner offline-banner" role="status" data-testid="update-check-failed">
                    {t("app_update.check_failed").replace("{time}", &time)}
                    " "
                    <span class="hint">{reason}</span>
                    " "
                    <button type="button" data-testid="update-check-retry" disabled=move || busy.get() on:click=retry>
                        {tx("common.retry")}
                    </button>
                </p>
            })
        })
    }
}

/// Ends the app (the shell closes its window).
fn quit() {
    leptos::task::spawn_local(async {
        let _ = api_client::app_quit().await;
    });
}

/// "Kinmu desktop 1.4.0": the installed version the app runs.
#[component]
pub fn DesktopVersion() -> impl IntoView {
    let state = app();
    move || {
        state.desktop_update.with(|s| {
            s.as_ref().and_then(|s| s.installed_version.clone()).map(|v| {
                view! { <p class="hint desktop-version" data-testid="desktop-version">{t("app_update.version").replace("{v}", &v)}</p> }
            })
        })
    }
}

/// The administrator's message, when there is one.
fn admin_message(message: String) -> Option<AnyView> {
    (!message.trim().is_empty()).then(|| {
        view! {
            <div class="admin-message" data-testid="admin-message">
                <h2>{tx("app_update.admin_message")}</h2>
                <p id="update-gate-message">{message}</p>
            </div>
        }
        .into_any()
    })
}

/// The dialog shown instead of the app's pages when the start-up decision blocks the start.
#[component]
pub fn StartGate(status: DesktopUpdateStatus) -> impl IntoView {
    let decision = status.decision.unwrap_or(StartupDecision::StartNormally);
    let offered = status.offered_version.clone().unwrap_or_default();
    let (title, text, testid) = match decision {
        StartupDecision::UpdateBeforeStart => ("app_update.required_title", "app_update.required_text", "update-required"),
        StartupDecision::RefuseStart => ("app_update.refused_title", "app_update.refused_text", "start-refused"),
        StartupDecision::InstallNotAllowed => ("app_update.not_allowed_title", "app_update.not_allowed_text", "install-not-allowed"),
        _ => ("app_update.paused_title", "app_update.paused_text", "update-paused"),
    };
    let retry = move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(s) = api_client::update_status(true).await {
                let blocks = s.blocks_start();
                app().desktop_update.set(Some(s));
                if !blocks {
                    crate::boot().await;
                }
            }
        });
    };
    let buttons = match decision {
        StartupDecision::UpdateBeforeStart => view! {
            <button type="button" class="primary" data-testid="update-now" autofocus on:click=move |_| start_update()>
                {tx("app_update.update")}
            </button>
            <button type="button" data-testid="update-quit" on:click=move |_| quit()>{tx("app_update.quit")}</button>
        }
        .into_any(),
        StartupDecision::UpdateServicePaused => view! {
            <button type="button" class="primary" data-testid="update-retry" autofocus on:click=retry>{tx("common.retry")}</button>
            <button type="button" data-testid="update-quit" on:click=move |_| quit()>{tx("common.close")}</button>
        }
        .into_any(),
        _ => view! {
            <button type="button" class="primary" data-testid="update-quit" autofocus on:click=move |_| quit()>{tx("common.close")}</button>
        }
        .into_any(),
    };
    view! {
        <section class="card narrow update-gate" role="alertdialog" aria-labelledby="update-gate-title"
            aria-describedby="update-gate-text" data-testid=testid>
            <h1 id="update-gate-title">{tx(title)}</h1>
            <p id="update-gate-text">{move || t(text).replace("{v}", &offered)}</p>
            {admin_message(status.message.clone())}
            <DesktopVersion />
            <div class="actions">{buttons}</div>
        </section>
    }
}

/// The login page's note that an optional update waits, with its one-click Update.
#[component]
pub fn UpdateOffer() -> impl IntoView {
    let state = app();
    move || {
        state.desktop_update.with(|s| {
            s.as_ref().filter(|s| s.decision == Some(StartupDecision::OfferUpdate)).map(|s| {
                let text = t("app_update.offer_text").replace("{v}", s.offered_version.as_deref().unwrap_or_default());
                view! {
                    <div class="update-offer" role="status" data-testid="update-offer">
                        <p>{text}</p>
                        {admin_message(s.message.clone())}
                        <button type="button" class="primary" data-testid="update-offer-now" on:click=move |_| start_update()>
                            {tx("app_update.update_now")}
                        </button>
                    </div>
                }
            })
        })
    }
}

fn step_key(step: DesktopUpdateStep) -> &'static str {
    match step {
        DesktopUpdateStep::CheckingIn => "app_update.step.checking_in",
        DesktopUpdateStep::Waiting => "app_update.step.waiting",
        DesktopUpdateStep::Downloading => "app_update.step.downloading",
        DesktopUpdateStep::Verifying => "app_update.step.verifying",
        DesktopUpdateStep::Applying => "app_update.step.applying",
        DesktopUpdateStep::Restarting => "app_update.step.restarting",
    }
}

/// Bytes as the progress page shows them (KB and MB of 1,024).
fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 { format!("{:.1} MB", bytes as f64 / 1048576.0) } else { format!("{} KB", bytes.div_ceil(1024)) }
}

/// The update's progress page: starts the update, then follows it until the shell restarts.
#[component]
pub fn UpdateProgressPage() -> impl IntoView {
    let state = app();
    let progress = RwSignal::new(None::<DesktopUpdateProgress>);
    let error = RwSignal::new(None::<String>);
    let run = move || {
        error.set(None);
        progress.set(None);
        leptos::task::spawn_local(async move {
            match api_client::update_run(state.repairing.get_untracked()).await {
                Ok(p) => progress.set(Some(p)),
                Err(e) => {
                    error.set(Some(e.message));
                    return;
                }
            }
            loop {
                sleep(POLL_MS).await;
                match api_client::update_progress().await {
                    Ok(Some(p)) => {
                        let ended = p.outcome.is_some();
                        progress.set(Some(p));
                        if ended {
                            break;
                        }
                    }
                    Ok(None) => {}
                    Err(e) => {
                        error.set(Some(e.message));
                        break;
                    }
                }
            }
        });
    };
    run();
    let mandatory =
        move || state.desktop_update.with(|s| s.as_ref().is_some_and(|s| s.decision == Some(StartupDecision::UpdateBeforeStart)));
    let back = move |_| {
        if mandatory() {
            quit();
        } else {
            state.updating.set(false);
            state.repairing.set(false);
        }
    };
    let body = move || {
        let p = progress.get().unwrap_or_else(DesktopUpdateProgress::starting);
        let failed = match (&p.outcome, error.get()) {
            (_, Some(e)) => Some(e),
            (Some(DesktopUpdateOutcome::Failed { reason }), _) => Some(reason.clone()),
            (Some(DesktopUpdateOutcome::NotAllowed { message, .. }), _) => {
                Some(if message.is_empty() { t("app_update.not_now").to_string() } else { message.clone() })
            }
            _ => None,
        };
        let heading = match (&p.outcome, &failed) {
            (_, Some(_)) => t("app_update.failed_title"),
            (Some(DesktopUpdateOutcome::UpToDate), _) => t("app_update.up_to_date"),
            (Some(DesktopUpdateOutcome::Intact { .. }), _) => t("app_update.intact_title"),
            _ => t(step_key(p.step)),
        };
        // A repair that found every file intact: nothing fetched or written, no restart.
        let intact = match &p.outcome {
            Some(DesktopUpdateOutcome::Intact { files_checked }) => Some(t("app_update.intact").replace("{n}", &files_checked.to_string())),
            _ => None,
        };
        let queue = (p.step == DesktopUpdateStep::Waiting)
            .then(|| p.queue_position.map(|n| t("app_update.queue_position").replace("{n}", &n.to_string())))
            .flatten();
        let restarting = match &p.outcome {
            Some(DesktopUpdateOutcome::Applied { version }) => Some(t("app_update.restarting_into").replace("{v}", version)),
            _ => None,
        };
        // (An intact repair's banner says the count instead.)
        let counts = (p.files_total > 0 && intact.is_none()).then(|| {
            t("app_update.counts")
                .replace("{files}", &p.files_done.to_string())
                .replace("{files_total}", &p.files_total.to_string())
                .replace("{bytes}", &size(p.bytes_done))
                .replace("{bytes_total}", &size(p.bytes_total))
        });
        let ended_badly = failed.is_some() || matches!(p.outcome, Some(DesktopUpdateOutcome::UpToDate));
        let ended_intact = intact.is_some();
        view! {
            {state.repairing.get().then(|| view! { <p class="lead" data-testid="update-repairing">{tx("app_update.repairing")}</p> })}
            <h1 id="update-progress-title" data-testid="update-step" data-step=format!("{:?}", p.step)>{heading}</h1>
            {queue.map(|q| view! { <p class="lead" role="status" data-testid="update-queue">{q}</p> })}
            {(!ended_badly && !ended_intact).then(|| view! {
                <progress max="100" value=p.percent() aria-labelledby="update-progress-title"></progress>
            })}
            {counts.map(|c| view! { <p class="hint" data-testid="update-counts">{c}</p> })}
            {restarting.map(|r| view! { <p class="ok-banner" role="status" data-testid="update-restarting">{r}</p> })}
            {failed.map(|f| view! { <p class="error-banner" role="alert" data-testid="update-error">{f}</p> })}
            {intact.map(|i| view! {
                <p class="ok-banner" role="status" data-testid="update-intact">{i}</p>
                <div class="actions">
                    <button type="button" class="primary" data-testid="update-back" autofocus on:click=back>{tx("common.back")}</button>
                </div>
            })}
            {ended_badly.then(|| view! {
                <div class="actions">
                    <button type="button" class="primary" data-testid="update-retry" autofocus on:click=move |_| run()>{tx("common.retry")}</button>
                    <button type="button" data-testid="update-back" on:click=back>
                        {move || if mandatory() { t("app_update.quit") } else { t("common.back") }}
                    </button>
                </div>
            })}
        }
    };
    view! {
        <section class="card narrow update-progress" aria-live="polite" data-testid="update-progress">
            {body}
            <DesktopVersion />
        </section>
    }
}
