//! Effort settings for administrators (settings.manage), on one page: the organisation's effort
//! settings (period unit, gap threshold, days ahead), the two levels of activities (add, rename,
//! deactivate: an inactive one stays on old entries), each organisation's gap threshold (its own
//! or inherited) and the list of gap reasons.

use crate::components::save_button::SaveButton;
use kinmu_shared::api::routes::{self, Empty};
use kinmu_shared::api::{Activity, EffortSettings, GapReason, GapThreshold, SaveActivity, SaveGapReason, SetGapThreshold};
use kinmu_shared::effort::PeriodUnit;
use kinmu_shared::validation;
use leptos::prelude::*;

use crate::api_client;
use crate::app_state::app;
use crate::components::dialog::Modal;
use crate::components::field::{CheckField, SelectField, TextField};
use crate::components::form_errors::{FormErrors, GeneralError};
use crate::i18n::{t, tr, tx};

fn unit_label(u: PeriodUnit) -> &'static str {
    t(match u {
        PeriodUnit::Month => "effort.activities.unit_month",
        PeriodUnit::Week => "effort.activities.unit_week",
    })
}

/// A whole number in `range`, or none.
fn whole_number(s: &str, range: std::ops::RangeInclusive<i64>) -> Option<i64> {
    s.trim().parse::<i64>().ok().filter(|n| range.contains(n))
}

#[component]
pub fn EffortSettingsPage() -> impl IntoView {
    view! {
        <section class="card wide">
            <h1>{tx("effort.activities.page_title")}</h1>
            <SettingsForm />
            <GapThresholds />
            <ActivityLevel level=1 />
            <ActivityLevel level=2 />
            <GapReasons />
        </section>
    }
}

#[component]
fn SettingsForm() -> impl IntoView {
    let unit = RwSignal::new(String::new());
    let threshold = RwSignal::new(String::new());
    let future = RwSignal::new(String::new());
    let label1 = RwSignal::new(String::new());
    let label2 = RwSignal::new(String::new());
    let used1 = RwSignal::new(true);
    let used2 = RwSignal::new(true);
    let loaded = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let fill = move |s: EffortSettings| {
        unit.set(s.period_unit.key().to_string());
        threshold.set(s.gap_threshold_minutes.to_string());
        future.set(s.future_days_allowed.to_string());
        label1.set(s.activity1_label.clone().unwrap_or_default());
        label2.set(s.activity2_label.clone().unwrap_or_default());
        used1.set(s.activity1_used);
        used2.set(s.activity2_used);
        loaded.set(true);
    };
    leptos::task::spawn_local(async move {
        match api_client::call::<routes::GetEffortSettings>(&(), &(), &Empty).await {
            Ok(s) => fill(s),
            Err(e) => errors.set_api(&e),
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        if busy.get_untracked() {
            return;
        }
        let gap = whole_number(&threshold.get_untracked(), 0..=1440);
        let days = whole_number(&future.get_untracked(), 0..=366);
        if gap.is_none() {
            errors.set_field("gap_threshold_minutes", t("effort.activities.threshold_invalid"));
        }
        if days.is_none() {
            errors.set_field("future_days_allowed", t("effort.activities.future_invalid"));
        }
        let (Some(gap), Some(days)) = (gap, days) else { return };
        let body = EffortSettings {
            period_unit: PeriodUnit::from_key(&unit.get_untracked()).unwrap_or(PeriodUnit::Month),
            gap_threshold_minutes: gap,
            future_days_allowed: days,
            activity1_label: Some(label1.get_untracked()).filter(|l| !l.trim().is_empty()),
            activity2_label: Some(label2.get_untracked()).filter(|l| !l.trim().is_empty()),
            activity1_used: used1.get_untracked(),
            activity2_used: used2.get_untracked(),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::SaveEffortSettings>(&(), &(), &body).await {
                Ok(s) => {
                    fill(s);
                    saved.set(true);
                }
                Err(e) => errors.set_api(&e),
            }
            busy.set(false);
        });
    };
    let unit_options = Signal::derive(|| {
        [PeriodUnit::Month, PeriodUnit::Week].iter().map(|u| (u.key().to_string(), unit_label(*u).to_string())).collect()
    });
    view! {
        <h2>{tx("effort.activities.settings_title")}</h2>
        <Show when=move || loaded.get() fallback=move || view! { <p aria-busy="true">{tx("common.loading")}</p> <GeneralError errors=errors /> }>
            <form on:submit=submit novalidate data-testid="effort-settings-form">
                <SelectField id="effort-period-unit" field="period_unit" label=tr("effort.activities.period_unit") value=unit errors=errors options=unit_options />
                <TextField id="effort-gap-threshold" field="gap_threshold_minutes" label=tr("effort.activities.gap_threshold") value=threshold errors=errors kind="number" />
                <TextField id="effort-future-days" field="future_days_allowed" label=tr("effort.activities.future_days") value=future errors=errors kind="number" />
                <TextField id="effort-activity1-label" field="activity1_label" label=tr("effort.activities.level1_label") value=label1 errors=errors hint=tr("effort.activities.level_label_hint") />
                <CheckField id="effort-activity1-used" label=tr("effort.activities.level1_used") value=used1 />
                <TextField id="effort-activity2-label" field="activity2_label" label=tr("effort.activities.level2_label") value=label2 errors=errors hint=tr("effort.activities.level_label_hint") />
                <CheckField id="effort-activity2-used" label=tr("effort.activities.level2_used") value=used2 />
                <GeneralError errors=errors />
                {move || saved.get().then(|| view! { <p class="ok-banner" role="status">{t("common.saved")}</p> })}
                <div class="actions">
                    <SaveButton busy=busy testid="effort-settings-save" />
                </div>
            </form>
        </Show>
    }
}

/// One level of activities: the list, a form to add one, rename and (de)activate.
#[component]
fn ActivityLevel(level: i64) -> impl IntoView {
    let list = RwSignal::new(None::<Vec<Activity>>);
    let error = RwSignal::new(None::<String>);
    let renaming = RwSignal::new(None::<Activity>);
    let load = move || {
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::ListActivities>(&(), &(), &Empty).await {
                Ok(all) => list.set(Some(all.into_iter().filter(|a| a.level == level).collect())),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    load();
    let (code_id, name_id) = if level == 1 { ("activity1-code", "activity1-name") } else { ("activity2-code", "activity2-name") };
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let mut ok = errors.check("code", validation::required_text("code", &code.get_untracked(), 40));
        ok &= errors.check("name", validation::required_text("name", &name.get_untracked(), validation::NAME_MAX));
        if !ok {
            return;
        }
        let body = SaveActivity {
            level,
            code: code.get_untracked().trim().to_string(),
            name: name.get_untracked().trim().to_string(),
            active: true,
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::AddActivity>(&(), &(), &body).await {
                Ok(_) => {
                    code.set(String::new());
                    name.set(String::new());
                    errors.clear();
                    load();
                    crate::focus::focus_id(code_id.to_string());
                }
                Err(e) => errors.set_api(&e),
            }
            busy.set(false);
        });
    };
    let toggle = move |a: Activity| {
        let body = SaveActivity { level: a.level, code: a.code.clone(), name: a.name.clone(), active: !a.active };
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::EditActivity>(&a.id, &(), &body).await {
                Ok(_) => load(),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    view! {
        <section data-testid=format!("activities-{level}") aria-labelledby=format!("activities-{level}-title")>
            <h2 id=format!("activities-{level}-title")>{move || t(if level == 1 { "effort.activities.level1" } else { "effort.activities.level2" })}</h2>
            {move || error.get().map(|m| view! { <p class="error-banner" role="alert">{m}</p> })}
            {move || {
                let _ = app().lang.get();
                list.get().map(|all| {
                    if all.is_empty() {
                        return view! { <p class="empty">{t("effort.activities.empty")}</p> }.into_any();
                    }
                    view! {
                        <table class="list">
                            <thead>
                                <tr>
                                    <th>{t("effort.activities.code")}</th>
                                    <th>{t("field.name")}</th>
                                    <th>{t("effort.activities.state")}</th>
                                    <th>{t("common.actions")}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {all
                                    .into_iter()
                                    .map(|a| {
                                        let (ar, at) = (a.clone(), a.clone());
                                        view! {
                                            <tr data-testid=format!("activity-{}", a.code) class:inactive=!a.active>
                                                <td>{a.code.clone()}</td>
                                                <td>{a.name.clone()}</td>
                                                <td>{t(if a.active { "effort.activities.active" } else { "effort.activities.inactive" })}</td>
                                                <td class="row-actions">
                                                    <button type="button" class="small" on:click=move |_| renaming.set(Some(ar.clone()))>{t("effort.activities.rename")}</button>
                                                    <button type="button" class="small" on:click=move |_| toggle(at.clone())>
                                                        {t(if a.active { "effort.activities.deactivate" } else { "effort.activities.activate" })}
                                                    </button>
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    }
                    .into_any()
                })
            }}
            <form class="inline-form" on:submit=add novalidate data-testid=format!("activity-add-{level}")>
                <TextField id=code_id field="code" label=tr("effort.activities.code") value=code errors=errors />
                <TextField id=name_id field="name" label=tr("field.name") value=name errors=errors />
                <GeneralError errors=errors />
                <button type="submit" disabled=move || busy.get()>{tx("effort.activities.add")}</button>
            </form>
            {move || renaming.get().map(|a| view! { <RenameActivity activity=a on_done=Callback::new(move |saved: bool| { renaming.set(None); if saved { load(); } }) /> })}
        </section>
    }
}

#[component]
fn RenameActivity(activity: Activity, on_done: Callback<bool>) -> impl IntoView {
    let code = RwSignal::new(activity.code.clone());
    let name = RwSignal::new(activity.name.clone());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let a = activity.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let mut ok = errors.check("code", validation::required_text("code", &code.get_untracked(), 40));
        ok &= errors.check("name", validation::required_text("name", &name.get_untracked(), validation::NAME_MAX));
        if !ok {
            return;
        }
        let body = SaveActivity {
            level: a.level,
            code: code.get_untracked().trim().to_string(),
            name: name.get_untracked().trim().to_string(),
            active: a.active,
        };
        let id = a.id;
        busy.set(true);
        leptos::task::spawn_local(async move {
            let r = api_client::call::<routes::EditActivity>(&id, &(), &body).await;
            busy.set(false);
            match r {
                Ok(_) => on_done.run(true),
                Err(e) => errors.set_api(&e),
            }
        });
    };
    let title = Signal::derive(move || t("effort.activities.rename").to_string());
    view! {
        <Modal title=title on_close=Callback::new(move |_| on_done.run(false)) testid="activity-dialog">
            <form on:submit=submit novalidate>
                <TextField id="activity-code" field="code" label=tr("effort.activities.code") value=code errors=errors />
                <TextField id="activity-name" field="name" label=tr("field.name") value=name errors=errors autofocus=true />
                <GeneralError errors=errors />
                <div class="actions">
                    <button type="button" on:click=move |_| on_done.run(false)>{tx("common.cancel")}</button>
                    <SaveButton busy=busy testid="activity-save" />
                </div>
            </form>
        </Modal>
    }
}

/// Each organisation's gap threshold: its own (a number of minutes) or inherited (blank), the
/// one that applies shown beside it.
#[component]
fn GapThresholds() -> impl IntoView {
    let list = RwSignal::new(None::<Vec<GapThreshold>>);
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let load = move || {
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::ListGapThresholds>(&(), &(), &Empty).await {
                Ok(all) => list.set(Some(all)),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    load();
    let save = move |id: i64, text: String| {
        saved.set(false);
        let minutes = if text.trim().is_empty() {
            None
        } else {
            match whole_number(&text, 0..=1440) {
                Some(n) => Some(n),
                None => {
                    error.set(Some(t("effort.activities.threshold_invalid").to_string()));
                    return;
                }
            }
        };
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::SaveGapThreshold>(&id, &(), &SetGapThreshold { minutes }).await {
                Ok(_) => {
                    error.set(None);
                    saved.set(true);
                    load();
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    view! {
        <section data-testid="gap-thresholds" aria-labelledby="gap-thresholds-title">
            <h2 id="gap-thresholds-title">{tx("effort.thresholds.title")}</h2>
            <p class="hint">{tx("effort.thresholds.hint")}</p>
            {move || error.get().map(|m| view! { <p class="error-banner" role="alert">{m}</p> })}
            {move || saved.get().then(|| view! { <p class="ok-banner" role="status">{t("common.saved")}</p> })}
            {move || {
                let _ = app().lang.get();
                list.get().map(|all| {
                    if all.is_empty() {
                        return view! { <p class="empty">{t("effort.thresholds.none")}</p> }.into_any();
                    }
                    view! {
                        <table class="data">
                            <thead>
                                <tr>
                                    <th scope="col">{t("effort.thresholds.organisation")}</th>
                                    <th scope="col">{t("effort.thresholds.own")}</th>
                                    <th scope="col">{t("effort.thresholds.applies")}</th>
                                    <th scope="col"></th>
                                </tr>
                            </thead>
                            <tbody>
                                {all
                                    .into_iter()
                                    .map(|g| {
                                        let input_id = format!("gap-threshold-{}", g.organization_id);
                                        let text = RwSignal::new(g.own_minutes.map(|m| m.to_string()).unwrap_or_default());
                                        let id = g.organization_id;
                                        let applies = match g.own_minutes {
                                            Some(m) => format!("{m} {}", t("effort.thresholds.minutes")),
                                            None => t("effort.thresholds.inherited").replace("{n}", &g.effective_minutes.to_string()),
                                        };
                                        view! {
                                            <tr data-testid=format!("gap-threshold-{}", g.path)>
                                                <th scope="row"><label for=input_id.clone()>{g.path.clone()}</label></th>
                                                <td>
                                                    <input
                                                        id=input_id
                                                        type="number"
                                                        min="0"
                                                        max="1440"
                                                        inputmode="numeric"
                                                        placeholder=g.effective_minutes.to_string()
                                                        prop:value=move || text.get()
                                                        on:input=move |ev| text.set(event_target_value(&ev))
                                                        on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                                                            if ev.key() == "Enter" {
                                                                ev.prevent_default();
                                                                save(id, text.get_untracked());
                                                            }
                                                        }
                                                    />
                                                </td>
                                                <td>{applies}</td>
                                                <td>
                                                    <button type="button" class="small" on:click=move |_| save(id, text.get_untracked())>{t("common.save")}</button>
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    }
                    .into_any()
                })
            }}
        </section>
    }
}

#[component]
fn GapReasons() -> impl IntoView {
    let list = RwSignal::new(None::<Vec<GapReason>>);
    let error = RwSignal::new(None::<String>);
    let load = move || {
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::ListGapReasons>(&(), &(), &Empty).await {
                Ok(all) => list.set(Some(all)),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    load();
    let name = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || !errors.check("name", validation::required_text("name", &name.get_untracked(), validation::NAME_MAX)) {
            return;
        }
        let body = SaveGapReason { name: name.get_untracked().trim().to_string(), active: true };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::AddGapReason>(&(), &(), &body).await {
                Ok(_) => {
                    name.set(String::new());
                    load();
                }
                Err(e) => errors.set_api(&e),
            }
            busy.set(false);
        });
    };
    let save = move |r: GapReason, new_name: String, active: bool| {
        let body = SaveGapReason { name: new_name, active };
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::EditGapReason>(&r.id, &(), &body).await {
                Ok(_) => {
                    error.set(None);
                    load();
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    view! {
        <section data-testid="gap-reasons" aria-labelledby="gap-reasons-title">
            <h2 id="gap-reasons-title">{tx("effort.activities.gap_reasons")}</h2>
            <p class="hint">{tx("effort.activities.gap_reasons_hint")}</p>
            {move || error.get().map(|m| view! { <p class="error-banner" role="alert">{m}</p> })}
            {move || {
                let _ = app().lang.get();
                list.get().map(|all| {
                    if all.is_empty() {
                        return view! { <p class="empty">{t("effort.activities.no_reasons")}</p> }.into_any();
                    }
                    view! {
                        <ul class="plain">
                            {all
                                .into_iter()
                                .map(|r| {
                                    let input_id = format!("gap-reason-{}", r.id);
                                    let text = RwSignal::new(r.name.clone());
                                    let (rs, rt) = (r.clone(), r.clone());
                                    view! {
                                        <li data-testid=format!("gap-reason-{}", r.name) class:inactive=!r.active>
                                            <label class="visually-hidden" for=input_id.clone()>{t("field.name")}</label>
                                            <input id=input_id type="text" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev)) />
                                            <button type="button" class="small" on:click=move |_| save(rs.clone(), text.get_untracked().trim().to_string(), rs.active)>{t("effort.activities.rename")}</button>
                                            <button type="button" class="small" on:click=move |_| save(rt.clone(), rt.name.clone(), !rt.active)>
                                                {t(if r.active { "effort.activities.deactivate" } else { "effort.activities.activate" })}
                                            </button>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                    .into_any()
                })
            }}
            <form class="inline-form" on:submit=add novalidate>
                <TextField id="gap-reason-new" field="name" label=tr("effort.activities.reason_new") value=name errors=errors />
                <GeneralError errors=errors />
                <button type="submit" disabled=move || busy.get()>{tx("effort.activities.add")}</button>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::whole_number;

    #[test]
    fn whole_numbers_within_their_range() {
        assert_eq!(whole_number(" 30 ", 0..=1440), Some(30));
        assert_eq!(whole_number("-1", 0..=1440), None);
        assert_eq!(whole_number("1.5", 0..=1440), None);
        assert_eq!(whole_number("", 0..=366), None);
    }
}
