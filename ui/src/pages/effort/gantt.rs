//! A project's Gantt chart (ガントチャート) for its managers: the work breakdown as a tree on the
//! left and, per item, its planned bar (a parent's spans its sub-items), the progress filling it,
//! the effort entered along it week by week, milestones as diamonds, late items marked by text as
//! well as class, a today line and a month and week header — SVG drawn by Leptos views. Beside it,
//! the selected item's form (planned start and end, planned hours, progress, milestone) saved
//! through EditWorkItem. By keyboard: the rows are one tab stop, the arrow keys (and Home, End)
//! move the selection, Enter opens the form, Escape closes it. Reached from the projects page and
//! the plan against actual (`/effort/gantt?project=ID`). An item without planned dates (nor
//! sub-items with them) has no bar: its row says so in words and its mark opens the form at the
//! planned start.

use chrono::{Datelike, NaiveDate};
use kinmu_shared::api::routes::{self, Empty};
use kinmu_shared::api::{ProgressMode, ProjectMember, ProjectSchedule, SaveWorkItem, ScheduleRow, WorkItem};
use kinmu_shared::effort::{format_minutes, parse_duration};
use leptos::prelude::*;

use crate::api_client;
use crate::app_state::app;
use crate::components::assignee_checks::AssigneeChecks;
use crate::components::field::{CheckField, SelectField, TextField};
use crate::components::filter_select::{FilterSelect, project_choices};
use crate::components::form_errors::{FormErrors, GeneralError};
use crate::components::save_button::SaveButton;
use crate::datetime::hm;
use crate::focus::{focus_first_invalid, focus_id};
use crate::i18n::{t, tr, tx};
use crate::router::{Route, navigate_with_query, query_param};

/// Pixels per day and per row.
const DAY: f64 = 4.0;
const ROW: f64 = 28.0;
const HEAD: f64 = 40.0;

fn date(s: &str) -> Option<NaiveDate> {
    s.parse().ok()
}

/// The x of a day's left edge.
fn x_of(from: NaiveDate, day: NaiveDate) -> f64 {
    (day - from).num_days() as f64 * DAY
}

fn row_id(item: i64) -> String {
    format!("gantt-row-{item}")
}

fn optional(s: String) -> Option<String> {
    let s = s.trim().to_string();
    (!s.is_empty()).then_some(s)
}

#[component]
pub fn GanttPage() -> impl IntoView {
    let project = RwSignal::new(query_param("project").unwrap_or_default());
    let schedule = RwSignal::new(None::<ProjectSchedule>);
    let items = RwSignal::new(Vec::<WorkItem>::new());
    let members = RwSignal::new(Vec::new());
    let error = RwSignal::new(None::<String>);
    let selected = RwSignal::new(None::<i64>);
    let editing = RwSignal::new(None::<i64>);
    let generation = StoredValue::new(0u32);
    // The row to focus once the chart is drawn again (after a save).
    let refocus = StoredValue::new(None::<i64>);
    let choices = project_choices(project, None, error);
    let load = move || {
        let Ok(id) = project.get_untracked().parse::<i64>() else { return };
        generation.update_value(|g| *g += 1);
        let g = generation.get_value();
        leptos::task::spawn_local(async move {
            let s = api_client::call::<routes::GetProjectSchedule>(&id, &(), &Empty).await;
            let w = api_client::call::<routes::ListWorkItems>(&id, &(), &Empty).await;
            let p = api_client::call::<routes::GetProject>(&id, &(), &Empty).await;
            if generation.try_get_value() != Some(g) {
                return;
            }
            match (s, w, p) {
                (Ok(s), Ok(w), Ok(p)) => {
                    error.set(None);
                    if selected.get_untracked().is_none_or(|sel| !s.rows.iter().any(|r| r.work_item_id == sel)) {
                        selected.set(s.rows.first().map(|r| r.work_item_id));
                    }
                    items.set(w);
                    members.set(p.members);
                    schedule.set(Some(s));
                    if let Some(id) = refocus.get_value() {
                        refocus.set_value(None);
                        focus_id(row_id(id));
                    }
                }
                (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                    schedule.set(None);
                    error.set(Some(e.message));
                }
            }
        });
    };
    Effect::new(move |_| {
        let _ = project.get();
        editing.set(None);
        load();
    });
    let saved = Callback::new(move |id: Option<i64>| {
        editing.set(None);
        if let Some(id) = id {
            refocus.set_value(Some(id));
            load();
        }
    });
    let body = move || {
        let _ = app().lang.get();
        schedule.get().map(|s| chart(s, selected, editing))
    };
    let form = move || {
        let id = editing.get()?;
        let s = schedule.get()?;
        let row = s.rows.iter().find(|r| r.work_item_id == id)?.clone();
        let item = items.with(|l| l.iter().find(|w| w.id == id).cloned())?;
        let parents = parent_choices(&items.get(), id, t("gantt.top_level"));
        Some(view! { <ItemForm row=row item=item parents=parents members=members.get() mode=s.progress_mode on_done=saved /> })
    };
    let plan_query = move || format!("project={}", project.get());
    view! {
        <section class="card wide project-gantt">
            <h1>{tx("gantt.title")}</h1>
            <p class="hint">{tx("gantt.hint")}</p>
            <form class="filters" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| ev.prevent_default()>
                <FilterSelect
                    id="gantt-project"
                    label="plan.project"
                    value=project
                    choices=choices
                    on_change=Callback::new(move |v: String| navigate_with_query(Route::EffortGantt, &format!("project={v}")))
                />
                <div class="actions">
                    <button type="button" data-testid="gantt-plan" on:click=move |_| navigate_with_query(Route::EffortPlan, &plan_query())>
                        {tx("plan.open")}
                    </button>
                </div>
            </form>
            {move || error.get().map(|m| view! { <p class="error-banner" role="alert">{m}</p> })}
            <div class="gantt-layout">
                <div class="gantt-scroll">{body}</div>
                <aside class="gantt-form" aria-live="polite">{form}</aside>
            </div>
        </section>
    }
}

/// The month and week labels and the today marker above the bars.
fn header(from: NaiveDate, to: NaiveDate, weeks: &[String], today: Option<NaiveDate>, width: f64) -> AnyView {
    let months = from
        .iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| d.day() == 1 || *d == from)
        .map(|d| {
            let x = x_of(from, d);
            view! {
                <line class="month" x1=x x2=x y1="0" y2=HEAD></line>
                <text class="month" x=x + 3.0 y="14">{format!("{}-{:02}", d.year(), d.month())}</text>
            }
        })
        .collect_view();
    let week_labels = weeks
        .iter()
        .filter_map(|w| date(w))
        .map(|d| {
            let x = x_of(from, d);
            view! {
                <line class="week" x1=x x2=x y1="22" y2=HEAD></line>
                <text class="week" x=x + 2.0 y="34">{d.day().to_string()}</text>
            }
        })
        .collect_view();
    let today_mark = today.map(|d| {
        let x = x_of(from, d) + DAY / 2.0;
        view! { <line class="today" data-testid="gantt-today" data-date=d.to_string() x1=x x2=x y1="0" y2=HEAD></line> }
    });
    view! {
        <svg class="gantt-head" width=width height=HEAD aria-hidden="true">
            {months}
            {week_labels}
            {today_mark}
        </svg>
    }
    .into_any()
}

/// The bars of one row: plan, progress, effort per week, milestone, today line.
fn bars(r: &ScheduleRow, from: NaiveDate, today: Option<NaiveDate>, width: f64) -> AnyView {
    let span = r.bar_start.as_deref().and_then(date).zip(r.bar_end.as_deref().and_then(date));
    let planned = span.filter(|_| !r.milestone).map(|(s, e)| {
        let x = x_of(from, s);
        let w = ((e - s).num_days() + 1) as f64 * DAY;
        let done = w * r.progress_percent.unwrap_or(0).clamp(0, 100) as f64 / 100.0;
        let class = if r.has_children { "planned summary" } else { "planned" };
        view! {
            <rect class=class data-testid="gantt-bar" data-start=s.to_string() data-end=e.to_string() x=x y="6" width=w height="12" rx="2"></rect>
            <rect class="progress" x=x y="6" width=done height="12" rx="2"></rect>
        }
    });
    let diamond = span.filter(|_| r.milestone).map(|(_, e)| {
        let cx = x_of(from, e) + DAY / 2.0;
        let points = format!("{cx},4 {},12 {cx},20 {},12", cx + 8.0, cx - 8.0);
        view! { <polygon class="milestone" data-testid="gantt-milestone" data-end=e.to_string() points=points></polygon> }
    });
    let actual = r
        .actual_weeks
        .iter()
        .filter_map(|w| date(&w.week).map(|d| (d, w.minutes)))
        .filter(|(d, _)| *d >= from)
        .map(|(d, minutes)| {
            view! {
                <rect class="actual" data-testid="gantt-actual" x=x_of(from, d) + 1.0 y="21" width=7.0 * DAY - 2.0 height="4">
                    <title>{format!("{} {}: {}", t("gantt.actual"), d, hm(minutes))}</title>
                </rect>
            }
        })
        .collect_view();
    let today_line = today.map(|d| {
        let x = x_of(from, d) + DAY / 2.0;
        view! { <line class="today" x1=x x2=x y1="0" y2=ROW></line> }
    });
    view! {
        <svg class="gantt-bars" width=width height=ROW aria-hidden="true">
            {planned}
            {diamond}
            {actual}
            {today_line}
        </svg>
    }
    .into_any()
}

/// What a row says in words (its accessible name): dates, plan, progress, effort, late.
fn row_summary(r: &ScheduleRow) -> String {
    let dates = match (&r.bar_start, &r.bar_end) {
        (Some(s), Some(e)) if s == e => s.clone(),
        (Some(s), Some(e)) => format!("{s} – {e}"),
        _ => t("gantt.undated").to_string(),
    };
    let progress = r.progress_percent.map(|p| format!("{p}%")).unwrap_or_else(|| "—".into());
    let mut text = format!(
        "{}: {dates}; {} {}; {} {progress}; {} {}",
        r.path,
        t("plan.plan"),
        hm(r.planned_minutes),
        t("plan.progress"),
        t("gantt.actual"),
        hm(r.actual_minutes)
    );
    if r.milestone {
        text.push_str(&format!("; {}", t("effort.projects.milestone")));
    }
    if r.late {
        text.push_str(&format!("; {}", t("gantt.late")));
    }
    text
}

fn chart(s: ProjectSchedule, selected: RwSignal<Option<i64>>, editing: RwSignal<Option<i64>>) -> AnyView {
    let (Some(from), Some(to)) = (date(&s.from), date(&s.to)) else {
        return view! { <p class="error-banner" role="alert">{format!("{} – {}", s.from, s.to)}</p> }.into_any();
    };
    let today = date(&s.today).filter(|d| *d >= from && *d <= to);
    let width = ((to - from).num_days() + 1) as f64 * DAY;
    let ids: Vec<i64> = s.rows.iter().map(|r| r.work_item_id).collect();
    let late_note = (s.late_count > 0).then(|| {
        view! { <p class="warning" data-testid="gantt-late-count">{format!("‼ {}: {}", t("gantt.late_count"), s.late_count)}</p> }
    });
    if s.rows.is_empty() {
        return view! { <p class="empty" data-testid="gantt-empty">{t("gantt.no_items")}</p> }.into_any();
    }
    // A chart that begins weeks before today opens at today (three weeks before it); once the
    // person has scrolled it, it stays where they put it across reloads.
    if let Some(d) = today {
        let x = (x_of(from, d) - 21.0 * DAY).max(0.0);
        request_animation_frame(move || {
            let scroll = web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector(".gantt-scroll").ok().flatten());
            if let Some(el) = scroll
                && el.scroll_left() == 0
            {
                el.set_scroll_left(x as i32);
            }
        });
    }
    let move_to = move |ids: &[i64], key: &str| -> Option<i64> {
        let current = selected.get_untracked().and_then(|c| ids.iter().position(|i| *i == c)).unwrap_or(0);
        let next = match key {
            "ArrowDown" => (current + 1).min(ids.len() - 1),
            "ArrowUp" => current.saturating_sub(1),
            "Home" => 0,
            "End" => ids.len() - 1,
            _ => return None,
        };
        ids.get(next).copied()
    };
    let rows = s
        .rows
        .iter()
        .map(|r| {
            let id = r.work_item_id;
            let ids = ids.clone();
            let is_selected = move || selected.get() == Some(id);
            let mark = if r.late { format!(" ‼ {}", t("gantt.late")) } else { String::new() };
            // Neither the item nor a sub-item has a planned date: no bar, so the row says so
            // and offers the form (Enter on the row does the same).
            let undated = r.bar_start.is_none().then(|| {
                view! {
                    <button
                        type="button"
                        class="gantt-undated"
                        data-testid="gantt-undated"
                        tabindex="-1"
                        on:click=move |ev: leptos::ev::MouseEvent| {
                            ev.stop_propagation();
                            selected.set(Some(id));
                            editing.set(Some(id));
                            focus_id("gantt-start".into());
                        }
                    >
                        {format!("◇ {}", t("gantt.undated"))}
                    </button>
                }
            });
            let on_key = move |ev: leptos::ev::KeyboardEvent| {
                let key = ev.key();
                if key == "Enter" || key == " " {
                    ev.prevent_default();
                    selected.set(Some(id));
                    editing.set(Some(id));
                    focus_id("gantt-start".into());
                } else if let Some(next) = move_to(&ids, &key) {
                    ev.prevent_default();
                    selected.set(Some(next));
                    focus_id(row_id(next));
                }
            };
            view! {
                <div
                    class="gantt-row"
                    class:selected=is_selected
                    class:late=r.late
                    role="row"
                    id=row_id(id)
                    data-testid="gantt-row"
                    data-path=r.path.clone()
                    tabindex=move || if is_selected() { "0" } else { "-1" }
                    aria-selected=move || if is_selected() { "true" } else { "false" }
                    aria-label=row_summary(r)
                    on:keydown=on_key
                    on:click=move |_| {
                        selected.set(Some(id));
                        editing.set(Some(id));
                    }
                >
                    <div class="gantt-name" role="rowheader" style=format!("padding-left: {}em", 0.3 + 1.2 * r.depth as f64)>
                        <span class:summary=r.has_children>{r.name.clone()}</span>
                        <span class="late-mark">{mark}</span>
                        {undated}
                    </div>
                    <div class="gantt-cell" role="gridcell">{bars(r, from, today, width)}</div>
                </div>
            }
        })
        .collect_view();
    view! {
        {late_note}
        <p class="hint">{t("gantt.keys")}</p>
        <div class="gantt" role="grid" aria-label=format!("{} {} — {}", s.code, s.name, t("gantt.title")) data-testid="gantt" data-from=s.from.clone() data-to=s.to.clone()>
            <div class="gantt-row gantt-header" role="row">
                <div class="gantt-name" role="columnheader">{t("gantt.item")}</div>
                <div class="gantt-cell" role="columnheader">{header(from, to, &s.weeks, today, width)}</div>
            </div>
            {rows}
        </div>
        <p class="legend gantt-legend">
            <span class="key planned"></span>{t("gantt.legend_planned")}
            <span class="key progress"></span>{t("plan.progress")}
            <span class="key actual"></span>{t("gantt.actual")}
            <span class="key milestone">"◆"</span>{t("effort.projects.milestone")}
            <span class="key today"></span>{t("gantt.today")}
        </p>
    }
    .into_any()
}

/// Where item `id` may move: the top level or any item of the project but itself and the items
/// under it (the server refuses those too), by path; the top level (value "") named `top`.
fn parent_choices(items: &[WorkItem], id: i64, top: &str) -> Vec<(String, String)> {
    let under = |mut cur: Option<i64>| {
        let mut steps = 0;
        while let Some(c) = cur.filter(|_| steps <= items.len()) {
            if c == id {
                return true;
            }
            cur = items.iter().find(|w| w.id == c).and_then(|w| w.parent_id);
            steps += 1;
        }
        false
    };
    let mut v = vec![(String::new(), top.to_string())];
    v.extend(items.iter().filter(|w| !under(Some(w.id))).map(|w| (w.id.to_string(), w.path.clone())));
    v
}

/// The selected item's planned dates, hours, progress, milestone flag, parent and assignees,
/// saved through EditWorkItem (its name kept). `on_done` gets the item's id when saved.
#[component]
fn ItemForm(
    row: ScheduleRow,
    item: WorkItem,
    /// The places it may move to ([`parent_choices`]).
    parents: Vec<(String, String)>,
    /// The project's members: who may be assigned.
    members: Vec<ProjectMember>,
    mode: ProgressMode,
    on_done: Callback<Option<i64>>,
) -> impl IntoView {
    let id = item.id;
    let parent = RwSignal::new(item.parent_id.map(|p| p.to_string()).unwrap_or_default());
    let assignees = RwSignal::new(item.assignee_ids.clone());
    let entered = mode == ProgressMode::Entered;
    let start = RwSignal::new(item.planned_start.clone().unwrap_or_default());
    let end = RwSignal::new(item.planned_end.clone().unwrap_or_default());
    let planned = RwSignal::new(item.planned_minutes.map(format_minutes).unwrap_or_default());
    let progress = RwSignal::new(item.progress_percent.map(|p| p.to_string()).unwrap_or_default());
    let milestone = RwSignal::new(item.milestone);
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        errors.clear();
        let mut ok = true;
        let planned_text = planned.get_untracked();
        let planned_minutes = if planned_text.trim().is_empty() {
            None
        } else {
            match parse_duration(&planned_text) {
                Ok(m) => Some(m),
                Err(e) => {
                    let text = e.text();
                    errors.set_field("planned_minutes", text.get(app().lang.get_untracked()).unwrap_or(text.en()).to_string());
                    ok = false;
                    None
                }
            }
        };
        let progress_text = progress.get_untracked();
        let progress_percent = if !entered {
            item.progress_percent
        } else if progress_text.trim().is_empty() {
            None
        } else {
            match progress_text.trim().parse::<i64>() {
                Ok(p) if (0..=100).contains(&p) => Some(p),
                _ => {
                    errors.set_field("progress_percent", t("effort.projects.progress_invalid"));
                    ok = false;
                    None
                }
            }
        };
        if !ok {
            focus_first_invalid();
            return;
        }
        let body = SaveWorkItem {
            parent_id: parent.get_untracked().parse().ok(),
            name: item.name.clone(),
            planned_minutes,
            planned_start: optional(start.get_untracked()),
            planned_end: optional(end.get_untracked()),
            milestone: milestone.get_untracked(),
            progress_percent,
            assignee_ids: assignees.get_untracked(),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let r = api_client::call::<routes::EditWorkItem>(&id, &(), &body).await;
            busy.set(false);
            match r {
                Ok(_) => on_done.run(Some(id)),
                Err(e) => {
                    errors.set_api(&e);
                    focus_first_invalid();
                }
            }
        });
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            on_done.run(None);
            focus_id(row_id(id));
        }
    };
    let rolled = row.has_children.then(|| {
        let span = match (&row.bar_start, &row.bar_end) {
            (Some(s), Some(e)) => format!("{s} – {e}"),
            _ => t("gantt.no_dates").to_string(),
        };
        view! { <p class="hint" data-testid="gantt-rolled">{format!("{}: {span}, {}", t("gantt.rolled_up"), hm(row.planned_minutes))}</p> }
    });
    view! {
        <form class="gantt-edit" data-testid="gantt-form" novalidate on:submit=submit on:keydown=on_key aria-labelledby="gantt-form-title">
            <h2 id="gantt-form-title">{row.path.clone()}</h2>
            {rolled}
            <TextField id="gantt-start" field="planned_start" label=tr("effort.projects.planned_start") value=start errors=errors kind="date" />
            <TextField id="gantt-end" field="planned_end" label=tr("effort.projects.planned_end") value=end errors=errors kind="date" />
            <TextField id="gantt-planned" field="planned_minutes" label=tr("effort.projects.planned_hours") value=planned errors=errors hint=tr("effort.projects.hours_hint") />
            {entered.then(|| view! { <TextField id="gantt-progress" field="progress_percent" label=tr("effort.projects.progress_percent") value=progress errors=errors kind="number" /> })}
            <CheckField id="gantt-milestone" label=tr("effort.projects.milestone") value=milestone />
            <SelectField id="gantt-parent" field="parent_id" label=tr("gantt.parent") value=parent errors=errors options=Signal::stored(parents) />
            <AssigneeChecks id_prefix="gantt-assignee" members=members value=assignees />
            <GeneralError errors=errors />
            <div class="actions">
                <button type="button" data-testid="gantt-cancel" on:click=move |_| { on_done.run(None); focus_id(row_id(id)); }>{tx("common.cancel")}</button>
                <SaveButton busy=busy testid="gantt-save" />
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: i64, parent: Option<i64>, path: &str) -> WorkItem {
        WorkItem {
            id,
            project_id: 1,
            parent_id: parent,
            name: path.rsplit(" / ").next().unwrap_or(path).into(),
            path: path.into(),
            planned_minutes: None,
            planned_start: None,
            planned_end: None,
            milestone: false,
            progress_percent: None,
            assignee_ids: vec![],
            actual_minutes: 0,
        }
    }

    #[test]
    fn an_item_cannot_move_under_itself_or_its_sub_items() {
        let all = vec![
            item(1, None, "Design"),
            item(2, Some(1), "Design / Screens"),
            item(3, Some(2), "Design / Screens / Login"),
            item(4, None, "Build"),
        ];
        let ids = |v: Vec<(String, String)>| v.into_iter().map(|(id, _)| id).collect::<Vec<_>>();
        assert_eq!(ids(parent_choices(&all, 2, "top")), vec!["", "1", "4"]);
        assert_eq!(ids(parent_choices(&all, 4, "top")), vec!["", "1", "2", "3"]);
        assert_eq!(ids(parent_choices(&all, 1, "top")), vec!["", "4"]);
    }
}
