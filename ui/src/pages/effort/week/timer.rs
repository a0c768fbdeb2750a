//! The week page's timer: the running timer in the page's header (its row, the time elapsed,
//! ticking; stop, discard), a start button on each row, the running row's cell of each day it
//! ran on read-only, and the dialog that asks what to keep when it ran past midnight. The server
//! splits the time into days and stores it through the one save of entries: the page only asks.

use kinmu_shared::ErrorCode;
use kinmu_shared::api::routes::{self, Empty};
use kinmu_shared::api::{RunningTimer, StartTimer, StopTimer};
use kinmu_shared::effort::{MidnightChoice, format_minutes};
use leptos::prelude::*;

use super::{Catalogue, RowKey, day_text};
use crate::api_client;
use crate::components::dialog::Modal;
use crate::i18n::{t, tx};

fn clock_ms() -> f64 {
    js_sys::Date::now()
}

/// The caller's timer as the page knows it.
#[derive(Clone, Copy)]
pub(super) struct Timer {
    running: RwSignal<Option<RunningTimer>>,
    /// The browser's clock (ms) when `running` arrived: the display ticks on from the server's `now`.
    fetched_at: StoredValue<f64>,
    /// Seconds since the timer started, ticking.
    elapsed: RwSignal<i64>,
    status: RwSignal<Option<String>>,
    error: RwSignal<Option<String>>,
    ask_midnight: RwSignal<bool>,
    busy: RwSignal<bool>,
}

impl Timer {
    pub(super) fn new() -> Timer {
        let timer = Timer {
            running: RwSignal::new(None),
            fetched_at: StoredValue::new(0.0),
            elapsed: RwSignal::new(0),
            status: RwSignal::new(None),
            error: RwSignal::new(None),
            ask_midnight: RwSignal::new(false),
            busy: RwSignal::new(false),
        };
        if let Ok(handle) = set_interval_with_handle(move || timer.tick(), std::time::Duration::from_secs(1)) {
            on_cleanup(move || handle.clear());
        }
        timer.load();
        timer
    }

    fn tick(self) {
        let Some(s) = self.running.try_get_untracked().flatten() else { return };
        let since = ((clock_ms() - self.fetched_at.get_value()) / 1000.0).max(0.0) as i64;
        self.elapsed.set((s.now - s.started_at).max(0) + since);
    }

    fn show(self, r: Option<RunningTimer>) {
        self.fetched_at.set_value(clock_ms());
        self.running.set(r);
        self.tick();
    }

    pub(super) fn load(self) {
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::GetTimer>(&(), &(), &Empty).await {
                Ok(r) => self.show(r),
                Err(e) => self.error.set(Some(e.message)),
            }
        });
    }

    fn row(&self) -> Option<RowKey> {
        self.running
            .with(|r| r.as_ref().map(|r| RowKey { project: r.project_id, item: r.work_item_id, a1: r.activity1_id, a2: r.activity2_id }))
    }

    /// Whether the timer runs on `key` on `date` (`YYYY-MM-DD`): that cell is read-only.
    pub(super) fn holds(&self, key: RowKey, date: &str) -> bool {
        self.row() == Some(key) && self.running.with(|r| r.as_ref().is_some_and(|r| r.segments.iter().any(|s| day_text(s.date) == date)))
    }

    pub(super) fn start(self, key: RowKey, reload: Callback<()>) {
        let req =
            StartTimer { project_id: key.project, work_item_id: key.item, activity1_id: key.a1, activity2_id: key.a2, note: String::new() };
        self.busy.set(true);
        self.status.set(None);
        self.error.set(None);
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::StartEffortTimer>(&(), &(), &req).await {
                Ok(r) => self.show(Some(r)),
                Err(e) => self.error.set(Some(e.message)),
            }
            self.busy.set(false);
            reload.run(());
        });
    }

    fn stop(self, choice: Option<MidnightChoice>, reload: Callback<()>) {
        self.busy.set(true);
        self.status.set(None);
        self.error.set(None);
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::StopEffortTimer>(&(), &(), &StopTimer { choice }).await {
                Ok(done) => {
                    self.ask_midnight.set(false);
                    self.show(None);
                    let text = if done.added.is_empty() {
                        t(if choice == Some(MidnightChoice::Discard) { "effort.timer.discarded" } else { "effort.timer.nothing_added" })
                            .to_string()
                    } else {
                        let days =
                            done.added.iter().map(|s| format!("{} {}", day_text(s.date), format_minutes(s.minutes))).collect::<Vec<_>>();
                        t("effort.timer.added").replace("{days}", &days.join(", "))
                    };
                    self.status.set(Some(text));
                }
                Err(e) if e.code == ErrorCode::TimerCrossesMidnight => {
                    // The days' minutes as of now, for the question.
                    if let Ok(r) = api_client::call::<routes::GetTimer>(&(), &(), &Empty).await {
                        self.show(r);
                    }
                    self.ask_midnight.set(true);
                }
                Err(e) => {
                    // Refused (a locked period, a day over 24 hours…): the timer runs on.
                    self.ask_midnight.set(false);
                    self.error.set(Some(e.message));
                    self.load();
                }
            }
            self.busy.set(false);
            reload.run(());
        });
    }

    fn discard(self, reload: Callback<()>) {
        self.busy.set(true);
        self.status.set(None);
        self.error.set(None);
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::DiscardEffortTimer>(&(), &(), &Empty).await {
                Ok(_) => {
                    self.show(None);
                    self.status.set(Some(t("effort.timer.discarded").to_string()));
                }
                Err(e) => self.error.set(Some(e.message)),
            }
            self.busy.set(false);
            reload.run(());
        });
    }
}

/// `1:05` and its seconds.
fn elapsed_text(seconds: i64) -> (String, String) {
    (format_minutes(seconds / 60), format!(":{:02}", seconds % 60))
}

/// The row's start button (keyboard reachable, named after its row).
pub(super) fn start_button(timer: Timer, key: RowKey, catalogue: Catalogue, reload: Callback<()>) -> AnyView {
    let label = move || t("effort.timer.start").replace("{row}", &catalogue.row_label(key));
    let running_here = move || timer.row() == Some(key);
    view! {
        <button
            type="button"
            class="small timer-start"
            data-testid="effort-timer-start"
            aria-label=label
            title=label
            aria-pressed=move || running_here().to_string()
            disabled=move || timer.busy.get() || running_here()
            on:click=move |_| timer.start(key, reload)
        >
            {move || if running_here() { "⏱" } else { "▶" }}
        </button>
    }
    .into_any()
}

/// The timer in the page's header.
pub(super) fn panel(timer: Timer, catalogue: Catalogue, reload: Callback<()>) -> AnyView {
    view! {
        <section class="effort-timer" aria-labelledby="effort-timer-title" data-testid="effort-timer">
            <h2 id="effort-timer-title" class="visually-hidden">{tx("effort.timer.title")}</h2>
            {move || match timer.row() {
                None => view! { <p class="hint" data-testid="effort-timer-idle">{tx("effort.timer.idle")}</p> }.into_any(),
                Some(key) => {
                    let shown = move || elapsed_text(timer.elapsed.get());
                    view! {
                        <p class="effort-timer-running">
                            <span class="badge ok">{tx("effort.timer.running")}</span>
                            " "
                            <span data-testid="effort-timer-row">{move || catalogue.row_label(key)}</span>
                            " "
                            <strong class="effort-timer-elapsed" data-testid="effort-timer-elapsed">
                                {move || shown().0}
                                <span class="effort-timer-seconds" data-testid="effort-timer-seconds">{move || shown().1}</span>
                            </strong>
                        </p>
                        <button type="button" class="primary" data-testid="effort-timer-stop" disabled=move || timer.busy.get() on:click=move |_| timer.stop(None, reload)>
                            {tx("effort.timer.stop")}
                        </button>
                        <button type="button" data-testid="effort-timer-discard" disabled=move || timer.busy.get() on:click=move |_| timer.discard(reload)>
                            {tx("effort.timer.discard")}
                        </button>
                    }
                    .into_any()
                }
            }}
            <p role="status" data-testid="effort-timer-status">{move || timer.status.get()}</p>
            {move || timer.error.get().map(|m| view! { <p class="error-banner" role="alert" data-testid="effort-timer-error">{m}</p> })}
            {move || timer.ask_midnight.get().then(|| midnight_dialog(timer, reload))}
        </section>
    }
    .into_any()
}

/// The three choices for a timer that ran past midnight, with each day's minutes.
fn midnight_dialog(timer: Timer, reload: Callback<()>) -> AnyView {
    let days = move || {
        timer.running.with(|r| {
            r.as_ref()
                .map(|r| r.segments.iter().map(|s| view! { <li>{day_text(s.date)} " " {format_minutes(s.minutes)}</li> }).collect_view())
        })
    };
    let choose = move |c: MidnightChoice| move |_| timer.stop(Some(c), reload);
    view! {
        <Modal
            title=Signal::derive(move || t("effort.timer.midnight_title").to_string())
            on_close=Callback::new(move |_| timer.ask_midnight.set(false))
            testid="effort-timer-midnight"
        >
            <p>{tx("effort.timer.midnight_text")}</p>
            <ul data-testid="effort-timer-days">{days}</ul>
            <div class="actions">
                <button type="button" class="primary" data-testid="effort-timer-keep-all" disabled=move || timer.busy.get() on:click=choose(MidnightChoice::KeepAll)>
                    {tx("effort.timer.keep_all")}
                </button>
                <button type="button" data-testid="effort-timer-keep-start-day" disabled=move || timer.busy.get() on:click=choose(MidnightChoice::KeepStartDay)>
                    {tx("effort.timer.keep_start_day")}
                </button>
                <button type="button" class="danger" data-testid="effort-timer-drop" disabled=move || timer.busy.get() on:click=choose(MidnightChoice::Discard)>
                    {tx("effort.timer.midnight_discard")}
                </button>
            </div>
        </Modal>
    }
    .into_any()
}
