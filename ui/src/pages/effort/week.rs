//! A person's effort week: rows of project + work item + activity 1 + activity 2, a column per
//! day, a cell per row and day typed as `1.5`, `1:30`, `90m`, `2h30m` (the shared
//! [`parse_duration`], the rule the server applies), Enter saving it; totals per day and row; each
//! day's attendance underneath with its gap marked. Below: the month's marked days with their
//! reasons, the period's state and its submission.
//!
//! A cell is one entry (created under a UUID made here, changed naming its version); a row and day
//! holding several entries shows their sum read-only (the day view lists them). A cell of a
//! submitted or approved period is read-only: the server's lock rule decides, the page follows it.
//! The timer ([`timer`]) sits in the page's header; the cells it runs on are read-only.

mod timer;

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use kinmu_shared::ErrorCode;
use kinmu_shared::api::routes::{self, Empty};
use kinmu_shared::api::{
    Activity, DeleteEntry, EffortEntry, EffortPeriod, EffortSettings, EffortWeek, ExplainGap, GapDay, GapMonth, GapQuery, GapReason, Id,
    PeriodQuery, Project, ProjectStatus, SaveEntry, SaveOutcome, SubmitPeriod, WeekQuery, WorkItem,
};
use kinmu_shared::effort::{DurationError, GapKind, PeriodState, format_minutes, parse_duration};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::api_client;
use crate::app_state::app;
use crate::datetime::today;
use crate::focus::focus_id;
use crate::i18n::{t, tx};

/// A row of the grid: what an entry is booked on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct RowKey {
    project: Id,
    item: Option<Id>,
    a1: Option<Id>,
    a2: Option<Id>,
}

impl RowKey {
    fn of(e: &EffortEntry) -> RowKey {
        RowKey { project: e.project_id, item: e.work_item_id, a1: e.activity1_id, a2: e.activity2_id }
    }

    fn holds(&self, e: &EffortEntry) -> bool {
        RowKey::of(e) == *self
    }

    /// The id of the row's cell of day `d` (focus moves by it).
    fn cell_id(&self, d: usize) -> String {
        let o = |v: Option<Id>| v.map(|v| v.to_string()).unwrap_or_else(|| "n".into());
        format!("ec-{}-{}-{}-{}-{d}", self.project, o(self.item), o(self.a1), o(self.a2))
    }
}

/// `YYYY-Www` of a date.
pub(crate) fn week_of(date: NaiveDate) -> String {
    let w = date.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

pub(crate) fn parse_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// The Monday of `YYYY-Www`.
fn monday_of(week: &str) -> Option<NaiveDate> {
    let (y, w) = week.trim().split_once("-W")?;
    NaiveDate::from_isoywd_opt(y.parse().ok()?, w.parse().ok()?, Weekday::Mon)
}

fn day_text(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// The seven dates of the week, `YYYY-MM-DD`.
fn week_days(week: &str) -> Vec<String> {
    monday_of(week).map(|m| (0..7).map(|i| day_text(m + Duration::days(i))).collect()).unwrap_or_default()
}

/// The week `n` weeks after `week`.
fn step_week(week: &str, n: i64) -> String {
    monday_of(week).map(|m| week_of(m + Duration::weeks(n))).unwrap_or_else(|| week.to_string())
}

fn this_week() -> String {
    parse_day(&today()).map(week_of).unwrap_or_default()
}

/// The week's Thursday: its month is the week's month (ISO), its period the one submitted.
fn thursday(week: &str) -> String {
    monday_of(week).map(|m| day_text(m + Duration::days(3))).unwrap_or_default()
}

pub(crate) fn weekday_key(i: usize) -> &'static str {
    ["effort.week.mon", "effort.week.tue", "effort.week.wed", "effort.week.thu", "effort.week.fri", "effort.week.sat", "effort.week.sun"]
        [i % 7]
}

pub(crate) fn state_label(s: PeriodState) -> &'static str {
    t(match s {
        PeriodState::Open => "effort.state.open",
        PeriodState::Submitted => "effort.state.submitted",
        PeriodState::Approved => "effort.state.approved",
        PeriodState::SentBack => "effort.state.sent_back",
        PeriodState::Reopened => "effort.state.reopened",
    })
}

pub(crate) fn gap_label(k: GapKind) -> &'static str {
    t(match k {
        GapKind::Difference => "effort.gap.difference",
        GapKind::ActivityWithoutEffort => "effort.gap.activity_without_effort",
        GapKind::EffortWithoutActivity => "effort.gap.effort_without_activity",
    })
}

/// A duration refusal in the user's language.
fn duration_error(e: &DurationError) -> String {
    let text = e.text();
    text.get(app().lang.get_untracked()).unwrap_or(text.en()).to_string()
}

fn signed(minutes: i64) -> String {
    if minutes > 0 { format!("+{}", format_minutes(minutes)) } else { format_minutes(minutes) }
}

fn focus_element(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// What the rows are labelled with: the projects, work items and activities the person may use.
#[derive(Clone, Copy)]
struct Catalogue {
    projects: RwSignal<Vec<Project>>,
    items: RwSignal<HashMap<Id, Vec<WorkItem>>>,
    activities: RwSignal<Vec<Activity>>,
    /// The activity levels' names and whether each is used.
    settings: RwSignal<EffortSettings>,
}

impl Catalogue {
    fn load_items(self, project: Id) {
        if self.items.with_untracked(|m| m.contains_key(&project)) {
            return;
        }
        leptos::task::spawn_local(async move {
            if let Ok(list) = api_client::call::<routes::ListWorkItems>(&project, &(), &Empty).await {
                self.items.update(|m| {
                    m.insert(project, list);
                });
            }
        });
    }

    fn project_label(&self, id: Id) -> String {
        self.projects.with(|p| p.iter().find(|p| p.id == id).map(|p| format!("{} {}", p.code, p.name))).unwrap_or_else(|| format!("#{id}"))
    }

    fn item_label(&self, project: Id, id: Option<Id>) -> String {
        let Some(id) = id else { return String::new() };
        self.items
            .with(|m| m.get(&project).and_then(|l| l.iter().find(|w| w.id == id)).map(|w| w.path.clone()))
            .unwrap_or_else(|| format!("#{id}"))
    }

    fn activity_label(&self, id: Option<Id>) -> String {
        let Some(id) = id else { return String::new() };
        self.activities.with(|a| a.iter().find(|a| a.id == id).map(|a| a.name.clone())).unwrap_or_else(|| format!("#{id}"))
    }

    /// An activity level's name: the company's, else "Activity 1" / "Activity 2".
    fn level_label(&self, level: i64) -> String {
        self.settings
            .with(|s| s.activity_label(level).map(str::to_string))
            .unwrap_or_else(|| t(if level == 1 { "effort.week.activity1" } else { "effort.week.activity2" }).to_string())
    }

    fn level_used(&self, level: i64) -> bool {
        self.settings.with(|s| s.activity_used(level))
    }

    /// The rows' heading: project / work item and the levels in use, by their names.
    fn row_heading(&self) -> String {
        let mut parts = vec![t("effort.week.project").to_string(), t("effort.week.work_item").to_string()];
        parts.extend([1, 2].into_iter().filter(|l| self.level_used(*l)).map(|l| self.level_label(l)));
        parts.join(" / ")
    }

    fn row_label(&self, k: RowKey) -> String {
        [self.project_label(k.project), self.item_label(k.project, k.item), self.activity_label(k.a1), self.activity_label(k.a2)]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" / ")
    }
}

/// The signals a cell works with.
#[derive(Clone, Copy)]
struct Grid {
    data: RwSignal<Option<EffortWeek>>,
    rows: RwSignal<Vec<RowKey>>,
    catalogue: Catalogue,
    reload: Callback<()>,
    timer: timer::Timer,
}

impl Grid {
    fn entries(&self, key: RowKey, d: usize) -> Vec<EffortEntry> {
        self.data.with(|w| {
            w.as_ref()
                .and_then(|w| w.days.get(d))
                .map(|day| day.entries.iter().filter(|e| key.holds(e)).cloned().collect())
                .unwrap_or_default()
        })
    }

    fn state(&self, d: usize) -> PeriodState {
        self.data.with(|w| w.as_ref().and_then(|w| w.days.get(d)).map(|day| day.period_state).unwrap_or_default())
    }

    /// Moves the focus to the cell `dr` rows and `dd` days away.
    fn move_focus(&self, key: RowKey, d: usize, dr: i64, dd: i64) {
        let rows = self.rows.get_untracked();
        let Some(r) = rows.iter().position(|k| *k == key) else { return };
        let (r2, d2) = (r as i64 + dr, d as i64 + dd);
        if r2 < 0 || r2 >= rows.len() as i64 || !(0..7).contains(&d2) {
            return;
        }
        focus_element(&rows[r2 as usize].cell_id(d2 as usize));
    }
}

/// One cell: the row's entry of the day.
fn cell(grid: Grid, key: RowKey, d: usize, date: String) -> AnyView {
    let entries = Memo::new(move |_| grid.entries(key, d));
    let stored = move || entries.with(|e| if e.is_empty() { String::new() } else { format_minutes(e.iter().map(|e| e.minutes).sum()) });
    let several = move || entries.with(|e| e.len() > 1);
    let timed = {
        let date = date.clone();
        Memo::new(move |_| grid.timer.holds(key, &date))
    };
    let editable = Memo::new(move |_| grid.state(d).allows_entry_changes() && !several() && !timed.get());
    let text = RwSignal::new(String::new());
    let dirty = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    // The UUID of the entry this cell creates, kept until the server has answered: a save sent
    // again (the answer was lost) names the same entry, which the server stores once.
    let new_id = StoredValue::new(None::<String>);
    let id = key.cell_id(d);
    let error_id = format!("{id}-error");
    let timer_note_id = format!("{id}-timer");

    let save = move || {
        if !editable.get_untracked() || saving.get_untracked() || !dirty.get_untracked() {
            return;
        }
        let minutes = match parse_duration(&text.get_untracked()) {
            Ok(m) => m,
            // A cleared cell removes its entry.
            Err(DurationError::Empty) => 0,
            Err(e) => {
                error.set(Some(duration_error(&e)));
                return;
            }
        };
        let existing = entries.get_untracked().into_iter().next();
        let date = date.clone();
        saving.set(true);
        leptos::task::spawn_local(async move {
            let save = |id: String, note: String, expected_version: Option<i64>| SaveEntry {
                id,
                user_id: None,
                date: date.clone(),
                project_id: key.project,
                work_item_id: key.item,
                activity1_id: key.a1,
                activity2_id: key.a2,
                minutes,
                note,
                expected_version,
            };
            let outcome = match existing {
                None if minutes == 0 => Ok(SaveOutcome::Unchanged),
                None => {
                    let id = new_id.get_value().unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
                    new_id.set_value(Some(id.clone()));
                    let answer = api_client::call::<routes::StoreEntry>(&(), &(), &save(id, String::new(), None)).await;
                    // Answered (stored or refused): the next new entry gets a UUID of its own.
                    if !matches!(&answer, Err(e) if e.code == ErrorCode::Unavailable) {
                        new_id.set_value(None);
                    }
                    answer.map(|a| a.outcome)
                }
                Some(e) if minutes == 0 => {
                    api_client::call::<routes::RemoveEntry>(&(), &(), &DeleteEntry { id: e.id, expected_version: e.version })
                        .await
                        .map(|_| SaveOutcome::Updated)
                }
                Some(e) => api_client::call::<routes::StoreEntry>(&(), &(), &save(e.id, e.note, Some(e.version))).await.map(|a| a.outcome),
            };
            saving.set(false);
            match outcome {
                // Changed elsewhere meanwhile: what was typed stays, the stored value comes back.
                Ok(SaveOutcome::Conflict) => error.set(Some(t("effort.week.conflict").to_string())),
                Ok(_) => {
                    dirty.set(false);
                    error.set(None);
                }
                Err(e) => error.set(Some(e.message)),
            }
            grid.reload.run(());
        });
    };

    let on_key = move |ev: web_sys::KeyboardEvent| {
        let input = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
        let at_start = input.as_ref().is_some_and(|i| i.selection_start().ok().flatten() == Some(0));
        let len = input.as_ref().map(|i| i.value().encode_utf16().count() as u32).unwrap_or(0);
        let at_end = input.as_ref().is_some_and(|i| i.selection_end().ok().flatten() == Some(len));
        let step = match ev.key().as_str() {
            "Enter" => {
                ev.prevent_default();
                save();
                None
            }
            "Escape" => {
                dirty.set(false);
                error.set(None);
                None
            }
            "ArrowUp" => Some((-1, 0)),
            "ArrowDown" => Some((1, 0)),
            "ArrowLeft" if at_start => Some((0, -1)),
            "ArrowRight" if at_end => Some((0, 1)),
            _ => None,
        };
        if let Some((dr, dd)) = step {
            ev.prevent_default();
            grid.move_focus(key, d, dr, dd);
        }
    };

    let label = move || {
        let date = week_days_of(grid, d);
        format!("{} {}", grid.catalogue.row_label(key), date)
    };
    view! {
        <td class="effort-cell" class:invalid=move || error.with(|e| e.is_some()) class:dirty=move || dirty.get() class:timed=move || timed.get()>
            <input
                id=id.clone()
                type="text"
                inputmode="decimal"
                autocomplete="off"
                data-testid=format!("effort-cell-{d}")
                aria-label=label
                aria-invalid=move || if error.with(|e| e.is_some()) { "true" } else { "false" }
                aria-describedby={
                    let timer_note_id = timer_note_id.clone();
                    move || {
                        let ids: Vec<String> = [error.with(|e| e.is_some()).then(|| error_id.clone()), timed.get().then(|| timer_note_id.clone())]
                            .into_iter()
                            .flatten()
                            .collect();
                        (!ids.is_empty()).then(|| ids.join(" "))
                    }
                }
                readonly=move || !editable.get()
                title=move || if timed.get() { Some(t("effort.timer.cell_locked")) } else { several().then(|| t("effort.week.several")) }
                prop:value=move || if dirty.get() { text.get() } else { stored() }
                on:focus=move |ev| {
                    if let Some(i) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                        i.select();
                    }
                }
                on:input=move |ev| {
                    text.set(event_target_value(&ev));
                    dirty.set(true);
                    error.set(None);
                }
                on:keydown=on_key
            />
            {move || error.get().map(|m| view! { <span class="cell-error" id=format!("{}-error", key.cell_id(d)) role="alert" data-testid="effort-cell-error">{m}</span> })}
            {move || timed.get().then(|| view! { <span class="cell-note" id=timer_note_id.clone() data-testid="effort-cell-timer">{tx("effort.timer.cell_locked")}</span> })}
        </td>
    }
    .into_any()
}

fn week_days_of(grid: Grid, d: usize) -> String {
    grid.data.with(|w| w.as_ref().and_then(|w| w.days.get(d)).map(|d| d.date.clone()).unwrap_or_default())
}

/// The form that adds a row: a project, its work item, the two activities.
fn add_row_form(grid: Grid) -> AnyView {
    let cat = grid.catalogue;
    let project = RwSignal::new(String::new());
    let item = RwSignal::new(String::new());
    let a1 = RwSignal::new(String::new());
    let a2 = RwSignal::new(String::new());
    let chosen = move || project.get().parse::<Id>().ok();
    Effect::new(move |_| {
        if let Some(p) = chosen() {
            cat.load_items(p);
        }
    });
    let activity_options = move |level: i64| {
        let offered = chosen().and_then(|p| cat.projects.with(|l| l.iter().find(|x| x.id == p).map(|x| x.activity_ids.clone())));
        cat.activities.with(|l| {
            l.iter()
                .filter(|a| a.level == level && a.active)
                .filter(|a| offered.as_ref().is_none_or(|o| o.is_empty() || o.contains(&a.id)))
                .map(|a| view! { <option value=a.id.to_string()>{format!("{} {}", a.code, a.name)}</option> })
                .collect_view()
        })
    };
    let add = move |_| {
        let Some(p) = chosen() else { return };
        let key = RowKey {
            project: p,
            item: item.get_untracked().parse().ok(),
            a1: a1.get_untracked().parse().ok().filter(|_| cat.level_used(1)),
            a2: a2.get_untracked().parse().ok().filter(|_| cat.level_used(2)),
        };
        grid.rows.update(|r| {
            if !r.contains(&key) {
                r.push(key);
            }
        });
        focus_id(key.cell_id(0));
    };
    view! {
        <div class="effort-add-row" data-testid="effort-add-row">
            <div class="field">
                <label for="effort-project">{tx("effort.week.project")}</label>
                <select id="effort-project" prop:value=move || project.get() on:change=move |ev| {
                    project.set(event_target_value(&ev));
                    item.set(String::new());
                }>
                    <option value="">"—"</option>
                    {move || cat.projects.with(|l| l.iter().filter(|p| p.status != ProjectStatus::Closed).map(|p| view! { <option value=p.id.to_string()>{format!("{} {}", p.code, p.name)}</option> }).collect_view())}
                </select>
            </div>
            <div class="field">
                <label for="effort-item">{tx("effort.week.work_item")}</label>
                <select id="effort-item" prop:value=move || item.get() on:change=move |ev| item.set(event_target_value(&ev))>
                    <option value="">"—"</option>
                    {move || chosen().map(|p| cat.items.with(|m| m.get(&p).map(|l| l.iter().map(|w| view! { <option value=w.id.to_string()>{w.path.clone()}</option> }).collect_view())))}
                </select>
            </div>
            <Show when=move || cat.level_used(1)>
                <div class="field" data-testid="effort-a1-field">
                    <label for="effort-a1">{move || cat.level_label(1)}</label>
                    <select id="effort-a1" prop:value=move || a1.get() on:change=move |ev| a1.set(event_target_value(&ev))>
                        <option value="">"—"</option>
                        {move || activity_options(1)}
                    </select>
                </div>
            </Show>
            <Show when=move || cat.level_used(2)>
                <div class="field" data-testid="effort-a2-field">
                    <label for="effort-a2">{move || cat.level_label(2)}</label>
                    <select id="effort-a2" prop:value=move || a2.get() on:change=move |ev| a2.set(event_target_value(&ev))>
                        <option value="">"—"</option>
                        {move || activity_options(2)}
                    </select>
                </div>
            </Show>
            <button type="button" data-testid="effort-add-row-button" disabled=move || chosen().is_none() on:click=add>{tx("effort.week.add_row")}</button>
        </div>
    }
    .into_any()
}

/// "Copy last week's rows", with or without their hours (hours only into empty cells).
fn copy_last_week(grid: Grid, week: RwSignal<String>, message: RwSignal<Option<String>>) -> AnyView {
    let with_hours = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let copy = move |_| {
        let w = week.get_untracked();
        let days = week_days(&w);
        busy.set(true);
        message.set(None);
        leptos::task::spawn_local(async move {
            let q = WeekQuery { week: step_week(&w, -1), user: None };
            let last = match api_client::call::<routes::GetEffortWeek>(&(), &q, &Empty).await {
                Ok(l) => l,
                Err(e) => {
                    busy.set(false);
                    message.set(Some(e.message));
                    return;
                }
            };
            let entries: Vec<(usize, EffortEntry)> =
                last.days.iter().enumerate().flat_map(|(i, d)| d.entries.iter().cloned().map(move |e| (i, e))).collect();
            grid.rows.update(|r| {
                for (_, e) in &entries {
                    let k = RowKey::of(e);
                    if !r.contains(&k) {
                        r.push(k);
                    }
                }
            });
            let mut refused = Vec::new();
            if with_hours.get_untracked() {
                for (i, e) in entries {
                    if !grid.entries(RowKey::of(&e), i).is_empty() || !grid.state(i).allows_entry_changes() {
                        continue;
                    }
                    let req = SaveEntry {
                        id: uuid::Uuid::new_v4().to_string(),
                        user_id: None,
                        date: days[i].clone(),
                        project_id: e.project_id,
                        work_item_id: e.work_item_id,
                        activity1_id: e.activity1_id,
                        activity2_id: e.activity2_id,
                        minutes: e.minutes,
                        note: e.note,
                        expected_version: None,
                    };
                    if let Err(err) = api_client::call::<routes::StoreEntry>(&(), &(), &req).await {
                        refused.push(format!("{}: {}", days[i], err.message));
                    }
                }
            }
            busy.set(false);
            if !refused.is_empty() {
                message.set(Some(refused.join(" / ")));
            }
            grid.reload.run(());
        });
    };
    view! {
        <div class="effort-copy">
            <button type="button" data-testid="effort-copy" disabled=move || busy.get() on:click=copy>{tx("effort.week.copy")}</button>
            <label class="check-inline">
                <input type="checkbox" data-testid="effort-copy-hours" prop:checked=move || with_hours.get() on:change=move |ev| with_hours.set(event_target_checked(&ev)) />
                {tx("effort.week.copy_hours")}
            </label>
        </div>
    }
    .into_any()
}

/// The grid's foot: totals and each day's attendance with its gap.
fn grid_foot(grid: Grid) -> AnyView {
    let day = move |d: usize| grid.data.with(|w| w.as_ref().and_then(|w| w.days.get(d).cloned()));
    let row = |key: &'static str, testid: &'static str, f: fn(&kinmu_shared::api::EffortDay) -> String| {
        view! {
            <tr data-testid=testid>
                <th scope="row">{tx(key)}</th>
                {(0..7).map(|d| view! { <td>{move || day(d).map(|x| f(&x)).unwrap_or_default()}</td> }).collect_view()}
                <td></td>
            </tr>
        }
    };
    let week_total =
        move || grid.data.with(|w| w.as_ref().map(|w| format_minutes(w.days.iter().map(|d| d.total_minutes).sum())).unwrap_or_default());
    view! {
        <tfoot>
            <tr class="total" data-testid="effort-day-totals">
                <th scope="row">{tx("effort.week.total")}</th>
                {(0..7).map(|d| view! { <td data-testid=format!("effort-day-total-{d}")>{move || day(d).map(|x| format_minutes(x.total_minutes)).unwrap_or_default()}</td> }).collect_view()}
                <td data-testid="effort-week-total">{week_total}</td>
            </tr>
            {row("effort.week.clock_in", "effort-clock-in", |x| x.attendance.as_ref().map(|a| a.clock_in_text.clone()).unwrap_or_default())}
            {row("effort.week.clock_out", "effort-clock-out", |x| x.attendance.as_ref().map(|a| a.clock_out_text.clone()).unwrap_or_default())}
            {row("effort.week.actual_work", "effort-actual-work", |x| x.attendance.as_ref().map(|a| format_minutes(a.actual_work_minutes)).unwrap_or_default())}
            <tr data-testid="effort-gaps-row">
                <th scope="row">{tx("effort.week.gap")}</th>
                {(0..7)
                    .map(|d| {
                        view! {
                            <td data-testid=format!("effort-gap-{d}")>
                                {move || day(d).and_then(|x| x.gap).map(|g| {
                                    let title = gap_label(g.kind);
                                    view! { <span class="badge warn" title=title data-testid="effort-gap-mark">{signed(g.difference_minutes)}</span> }
                                })}
                            </td>
                        }
                    })
                    .collect_view()}
                <td></td>
            </tr>
        </tfoot>
    }
    .into_any()
}

/// The entries of one day, with their notes.
fn day_view(grid: Grid, d: usize) -> AnyView {
    let cat = grid.catalogue;
    let entries = move || grid.data.with(|w| w.as_ref().and_then(|w| w.days.get(d)).map(|d| (d.date.clone(), d.entries.clone())));
    view! {
        <section class="card effort-day" data-testid="effort-day-view">
            {move || entries().map(|(date, list)| view! {
                <h3>{tx("effort.week.day_entries")} " " {date}</h3>
                {if list.is_empty() {
                    view! { <p class="hint">{tx("effort.week.no_entries")}</p> }.into_any()
                } else {
                    view! {
                        <ul>
                            {list.into_iter().map(|e| view! {
                                <li>{cat.row_label(RowKey::of(&e))} ": " <strong>{format_minutes(e.minutes)}</strong> {(!e.note.is_empty()).then(|| format!(" — {}", e.note))}</li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            })}
        </section>
    }
    .into_any()
}

/// The month's marked days with their reasons, and the period's state and submission.
fn gaps_and_period(week: RwSignal<String>, refresh: RwSignal<u32>, reload: Callback<()>) -> AnyView {
    let gaps = RwSignal::new(None::<GapMonth>);
    let periods = RwSignal::new(Vec::<EffortPeriod>::new());
    let reasons = RwSignal::new(Vec::<GapReason>::new());
    let error = RwSignal::new(None::<String>);
    let submit_error = RwSignal::new(None::<String>);
    let submitted = RwSignal::new(false);
    // Reasons chosen or typed and not yet saved, by date: they survive a reload of the list.
    let drafts = RwSignal::new(HashMap::<String, (String, String)>::new());
    let month = Memo::new(move |_| thursday(&week.get()).get(..7).unwrap_or_default().to_string());
    leptos::task::spawn_local(async move {
        if let Ok(r) = api_client::call::<routes::ListGapReasons>(&(), &(), &Empty).await {
            reasons.set(r);
        }
    });
    Effect::new(move |_| {
        let _ = refresh.get();
        let m = month.get();
        if m.is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::GetGaps>(&(), &GapQuery { month: m.clone(), user: None }, &Empty).await {
                Ok(g) if month.get_untracked() == m => {
                    if gaps.with_untracked(|x| x.as_ref() != Some(&g)) {
                        gaps.set(Some(g));
                    }
                }
                Ok(_) => {}
                Err(e) => error.set(Some(e.message)),
            }
            if let Ok(p) = api_client::call::<routes::ListPeriods>(&(), &PeriodQuery::default(), &Empty).await {
                periods.set(p);
            }
        });
    });
    let date = move || thursday(&week.get());
    let period = move || {
        let d = date();
        periods.with(|l| l.iter().find(|p| p.start <= d && d <= p.end).cloned())
    };
    let state = move || period().map(|p| p.state).unwrap_or_default();
    let submit = move |_| {
        submit_error.set(None);
        submitted.set(false);
        let d = date();
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::SubmitEffortPeriod>(&(), &(), &SubmitPeriod { date: d }).await {
                Ok(_) => submitted.set(true),
                Err(e) => submit_error.set(Some(e.message)),
            }
            reload.run(());
        });
    };
    view! {
        <section class="card" aria-labelledby="effort-period-title" data-testid="effort-period">
            <h2 id="effort-period-title">{tx("effort.week.period")} " " {move || month.get()}</h2>
            <p>
                {tx("effort.week.period_state")} ": "
                <span class="badge" data-testid="effort-period-state" data-state=move || state().key()>{move || state_label(state())}</span>
                {move || period().map(|p| format!(" ({} – {})", p.start, p.end))}
            </p>
            {move || period().filter(|p| !p.comment.is_empty() && p.state == PeriodState::SentBack).map(|p| view! {
                <p class="badge warn" data-testid="effort-sent-back">{tx("effort.week.sent_back_comment")} ": " {p.comment}</p>
            })}
            <button type="button" class="primary" data-testid="effort-submit" disabled=move || !state().allows_entry_changes() on:click=submit>
                {tx("effort.week.submit")}
            </button>
            {move || submitted.get().then(|| view! { <p class="badge ok" role="status" data-testid="effort-submitted">{tx("effort.week.submitted")}</p> })}
            {move || submit_error.get().map(|m| view! { <p class="error-banner" role="alert" data-testid="effort-submit-error">{m}</p> })}
            <h3>{tx("effort.week.gaps")}</h3>
            {move || error.get().map(|m| view! { <p class="error-banner" role="alert">{m}</p> })}
            {move || gaps.get().map(|g| {
                if g.days.is_empty() {
                    return view! { <p class="hint" data-testid="effort-no-gaps">{tx("effort.week.no_gaps")}</p> }.into_any();
                }
                let threshold = format_minutes(g.threshold_minutes);
                view! {
                    <p class="hint">{move || t("effort.week.gap_hint").replace("{threshold}", &threshold)}</p>
                    <div class="table-wrap">
                        <table data-testid="effort-gap-table">
                            <thead>
                                <tr>
                                    <th scope="col">{tx("effort.week.date")}</th>
                                    <th scope="col">{tx("effort.week.gap_kind")}</th>
                                    <th scope="col">{tx("effort.week.effort")}</th>
                                    <th scope="col">{tx("effort.week.actual_work")}</th>
                                    <th scope="col">{tx("effort.week.difference")}</th>
                                    <th scope="col">{tx("effort.week.reason")}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {g.days.into_iter().map(|day| gap_row(day, reasons, drafts, state, refresh, reload)).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            })}
        </section>
    }
    .into_any()
}

/// A marked day: its figures and the form for its reason.
fn gap_row(
    day: GapDay,
    reasons: RwSignal<Vec<GapReason>>,
    drafts: RwSignal<HashMap<String, (String, String)>>,
    state: impl Fn() -> PeriodState + Copy + Send + Sync + 'static,
    refresh: RwSignal<u32>,
    reload: Callback<()>,
) -> AnyView {
    let draft = drafts.with_untracked(|d| d.get(&day.date).cloned());
    let (reason_draft, text_draft) =
        draft.unwrap_or_else(|| (day.reason_id.map(|r| r.to_string()).unwrap_or_default(), day.reason_text.clone()));
    let reason = RwSignal::new(reason_draft);
    let text = RwSignal::new(text_draft);
    let keep = {
        let date = day.date.clone();
        move || {
            drafts.update(|d| {
                d.insert(date.clone(), (reason.get_untracked(), text.get_untracked()));
            })
        }
    };
    let keep2 = keep.clone();
    let error = RwSignal::new(None::<String>);
    let explained = day.reason_id.is_some() || !day.reason_text.trim().is_empty();
    let date = day.date.clone();
    let kind = day.kind;
    let save = move |_| {
        let req = ExplainGap { date: date.clone(), reason_id: reason.get_untracked().parse().ok(), text: text.get_untracked() };
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::ExplainGapDay>(&(), &(), &req).await {
                Ok(_) => {
                    drafts.update(|d| {
                        d.remove(&req.date);
                    });
                    error.set(None);
                    refresh.update(|r| *r += 1);
                    reload.run(());
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let sel_id = format!("gap-reason-{}", day.date);
    let text_id = format!("gap-text-{}", day.date);
    view! {
        <tr data-testid="effort-gap" data-date=day.date.clone() data-explained=explained.to_string()>
            <td>{day.date.clone()}</td>
            <td>{move || gap_label(kind)}</td>
            <td>{format_minutes(day.effort_minutes)}</td>
            <td>{day.attendance.as_ref().map(|a| format_minutes(a.actual_work_minutes)).unwrap_or_default()}</td>
            <td>{signed(day.difference_minutes)}</td>
            <td class="gap-reason">
                <label class="visually-hidden" for=sel_id.clone()>{tx("effort.week.reason")}</label>
                <select id=sel_id data-testid="effort-gap-reason" prop:value=move || reason.get() disabled=move || !state().allows_entry_changes() on:change=move |ev| {
                    reason.set(event_target_value(&ev));
                    keep();
                }>
                    <option value="">"—"</option>
                    {move || reasons.with(|l| l.iter().filter(|r| r.active || Some(r.id) == reason.get().parse().ok()).map(|r| view! { <option value=r.id.to_string()>{r.name.clone()}</option> }).collect_view())}
                </select>
                <label class="visually-hidden" for=text_id.clone()>{tx("effort.week.reason_text")}</label>
                <input id=text_id type="text" data-testid="effort-gap-text" placeholder=tx("effort.week.reason_text") prop:value=move || text.get() disabled=move || !state().allows_entry_changes() on:input=move |ev| {
                    text.set(event_target_value(&ev));
                    keep2();
                } />
                <button type="button" class="small" data-testid="effort-gap-save" disabled=move || !state().allows_entry_changes() on:click=save>{tx("effort.week.save_reason")}</button>
                {move || error.get().map(|m| view! { <span class="cell-error" role="alert">{m}</span> })}
            </td>
        </tr>
    }
    .into_any()
}

#[component]
pub fn EffortWeekPage() -> impl IntoView {
    // A link (the dashboard's missing days) may name the week: `?week=2026-W49`.
    let asked = crate::router::query_param("week").filter(|w| monday_of(w).is_some());
    let week = RwSignal::new(asked.unwrap_or_else(this_week));
    let data = RwSignal::new(None::<EffortWeek>);
    let rows = RwSignal::new(Vec::<RowKey>::new());
    let error = RwSignal::new(None::<String>);
    let message = RwSignal::new(None::<String>);
    let refresh = RwSignal::new(0u32);
    let open_day = RwSignal::new(None::<usize>);
    let catalogue = Catalogue {
        projects: RwSignal::new(Vec::new()),
        items: RwSignal::new(HashMap::new()),
        activities: RwSignal::new(Vec::new()),
        settings: RwSignal::new(EffortSettings::default()),
    };

    leptos::task::spawn_local(async move {
        if let Ok(p) = api_client::call::<routes::ListProjects>(&(), &(), &Empty).await {
            catalogue.projects.set(p);
        }
        if let Ok(a) = api_client::call::<routes::ListActivities>(&(), &(), &Empty).await {
            catalogue.activities.set(a);
        }
        if let Ok(s) = api_client::call::<routes::GetEffortSettings>(&(), &(), &Empty).await {
            catalogue.settings.set(s);
        }
    });

    // Loads the week; `fresh` (another week) replaces the rows, else new rows join the shown ones.
    let load = move |fresh: bool| {
        let w = week.get_untracked();
        leptos::task::spawn_local(async move {
            let answer = api_client::call::<routes::GetEffortWeek>(&(), &WeekQuery { week: w.clone(), user: None }, &Empty).await;
            if week.get_untracked() != w {
                return;
            }
            match answer {
                Ok(ans) => {
                    let mut keys: Vec<RowKey> = Vec::new();
                    for e in ans.days.iter().flat_map(|d| d.entries.iter()) {
                        let k = RowKey::of(e);
                        if !keys.contains(&k) {
                            keys.push(k);
                        }
                        catalogue.load_items(k.project);
                    }
                    rows.update(|r| {
                        if fresh {
                            *r = keys;
                        } else {
                            for k in keys {
                                if !r.contains(&k) {
                                    r.push(k);
                                }
                            }
                        }
                    });
                    data.set(Some(ans));
                    error.set(None);
                }
                Err(e) => error.set(Some(e.message)),
            }
            refresh.update(|r| *r += 1);
        });
    };
    let reload = Callback::new(move |_: ()| load(false));
    Effect::new(move |_| {
        let _ = week.get();
        data.set(None);
        open_day.set(None);
        load(true);
    });
    let timer = timer::Timer::new();
    let grid = Grid { data, rows, catalogue, reload, timer };

    let lock = move || {
        data.with(|w| {
            w.as_ref().and_then(|w| {
                let states: Vec<PeriodState> = w.days.iter().map(|d| d.period_state).collect();
                if states.contains(&PeriodState::Approved) {
                    Some("effort.week.locked")
                } else if states.contains(&PeriodState::Submitted) {
                    Some("effort.week.waiting")
                } else {
                    None
                }
            })
        })
    };

    let table = move || {
        let days = week_days(&week.get());
        let head = days
            .iter()
            .enumerate()
            .map(|(d, date)| {
                let short = date.get(5..).unwrap_or_default().replace('-', "/");
                view! {
                    <th scope="col" class:gap=move || data.with(|w| w.as_ref().and_then(|w| w.days.get(d)).is_some_and(|x| x.gap.is_some()))>
                        <button
                            type="button"
                            class="linklike"
                            data-testid=format!("effort-day-{d}")
                            aria-expanded=move || (open_day.get() == Some(d)).to_string()
                            on:click=move |_| open_day.update(|o| *o = if *o == Some(d) { None } else { Some(d) })
                        >
                            {tx(weekday_key(d))} " " {short}
                        </button>
                    </th>
                }
            })
            .collect_view();
        view! {
            <div class="table-wrap">
                <table class="effort-grid" data-testid="effort-grid" data-week=week.get_untracked()>
                    <thead>
                        <tr>
                            <th scope="col" data-testid="effort-row-heading">{move || catalogue.row_heading()}</th>
                            {head}
                            <th scope="col">{tx("effort.week.total")}</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || rows.get()
                            key=|k| *k
                            children=move |k| {
                                let days = days.clone();
                                let total = move || format_minutes(data.with(|w| w.as_ref().map(|w| w.days.iter().flat_map(|d| d.entries.iter()).filter(|e| k.holds(e)).map(|e| e.minutes).sum()).unwrap_or(0)));
                                view! {
                                    <tr data-testid="effort-row">
                                        <th scope="row">
                                            {timer::start_button(timer, k, catalogue, reload)}
                                            " "
                                            <span data-testid="effort-row-label">{move || catalogue.row_label(k)}</span>
                                        </th>
                                        {days.into_iter().enumerate().map(|(d, date)| cell(grid, k, d, date)).collect_view()}
                                        <td class="total" data-testid="effort-row-total">{total}</td>
                                    </tr>
                                }
                            }
                        />
                    </tbody>
                    {grid_foot(grid)}
                </table>
            </div>
        }
    };

    view! {
        <section class="card effort-week">
            <h1>{tx("effort.week.title")}</h1>
            <div class="period-row effort-week-picker">
                <button type="button" class="small" data-testid="effort-week-prev" aria-label=tx("effort.week.prev") on:click=move |_| week.update(|w| *w = step_week(w, -1))>"‹"</button>
                <label for="effort-week">{tx("effort.week.week")}</label>
                <input id="effort-week" type="week" data-testid="effort-week" prop:value=move || week.get() on:change=move |ev| {
                    let v = event_target_value(&ev);
                    if monday_of(&v).is_some() {
                        week.set(v);
                    }
                } />
                <button type="button" class="small" data-testid="effort-week-next" aria-label=tx("effort.week.next") on:click=move |_| week.update(|w| *w = step_week(w, 1))>"›"</button>
                <button type="button" class="small" data-testid="effort-week-this" on:click=move |_| week.set(this_week())>{tx("effort.week.this_week")}</button>
            </div>
            {timer::panel(timer, catalogue, reload)}
            <p class="hint">
                {tx("effort.week.hint")} " "
                <crate::router::Link route=crate::router::Route::EffortImport testid="effort-week-import">{tx("effort_import.from_week")}</crate::router::Link>
            </p>
            {move || error.get().map(|m| view! { <p class="error-banner" role="alert">{m}</p> })}
            {move || lock().map(|k| view! { <p class="badge warn" data-testid="effort-locked">{tx(k)}</p> })}
            {table}
            {move || open_day.get().map(|d| day_view(grid, d))}
            {move || message.get().map(|m| view! { <p class="error-banner" role="alert" data-testid="effort-copy-error">{m}</p> })}
            {copy_last_week(grid, week, message)}
            {add_row_form(grid)}
        </section>
        {gaps_and_period(week, refresh, reload)}
    }
}
