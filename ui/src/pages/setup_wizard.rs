//! First-run wizard: organisation → administrator → language and time zone → confirm and run;
//! then, as the new administrator, the first projects (a small form, repeatable, or the projects
//! CSV) and the names of the two activity levels (or a level not used), then on to the users.

use kinmu_shared::Language;
use kinmu_shared::api::routes::{self, Empty};
use kinmu_shared::api::{Project, SaveProject, SetupRequest};
use kinmu_shared::validation;
use leptos::prelude::*;

use crate::api_client;
use crate::app_state::app;
use crate::components::csv_transfer::{CsvSubject, CsvTransfer};
use crate::components::field::{CheckField, SelectField, TextField};
use crate::components::form_errors::{FormErrors, GeneralError};
use crate::components::header::switch_language;
use crate::components::password_meter::PasswordMeter;
use crate::i18n::{language_name, t, tr, tx};
use crate::router::{Route, navigate};

const STEPS: [&str; 6] =
    ["setup.step_org", "setup.step_admin", "setup.step_locale", "setup.step_confirm", "setup.step_projects", "setup.step_activities"];
/// The step that runs the setup; the ones after it act as the new administrator.
const RUN_STEP: usize = 3;
const PROJECTS_STEP: usize = 4;
const LEVELS_STEP: usize = 5;

#[component]
pub fn SetupWizard() -> impl IntoView {
    let state = app();
    let step = RwSignal::new(0usize);
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let org = RwSignal::new(String::new());
    let login = RwSignal::new(String::new());
    let display = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let lang = RwSignal::new(state.lang.get_untracked().code().to_string());
    let tz = RwSignal::new("Asia/Tokyo".to_string());
    let project_code = RwSignal::new(String::new());
    let project_name = RwSignal::new(String::new());
    let created = RwSignal::new(Vec::<Project>::new());
    let label1 = RwSignal::new(String::new());
    let label2 = RwSignal::new(String::new());
    let used1 = RwSignal::new(true);
    let used2 = RwSignal::new(true);

    let validate = move |s: usize| -> bool {
        match s {
            0 => errors.check("organization_name", validation::organization_name(&org.get_untracked())),
            1 => {
                let a = errors.check("admin_login", validation::login(&login.get_untracked()));
                let b = errors.check("admin_display_name", validation::display_name(&display.get_untracked()));
                let c = errors
                    .check("admin_password", validation::password("admin_password", &password.get_untracked(), &login.get_untracked()));
                let d = if c && password.get_untracked() != confirm.get_untracked() {
                    errors.set_field("admin_password_confirm", t("setup.password_mismatch"));
                    false
                } else {
                    true
                };
                a && b && c && d
            }
            2 => errors.check("time_zone", validation::time_zone_shape(&tz.get_untracked())),
            _ => true,
        }
    };

    let next = move || {
        let s = step.get_untracked();
        if validate(s) {
            errors.clear();
            step.set(s + 1);
        }
    };

    let run = move || {
        if busy.get_untracked() {
            return;
        }
        if !(0..3).all(validate) {
            // Go back to the first step with a problem.
            for s in 0..3 {
                if !validate(s) {
                    step.set(s);
                    break;
                }
            }
            return;
        }
        let req = SetupRequest {
            organization_name: org.get_untracked().trim().to_string(),
            admin_login: login.get_untracked().trim().to_string(),
            admin_display_name: display.get_untracked().trim().to_string(),
            admin_password: password.get_untracked(),
            default_language: Language::parse(&lang.get_untracked()).unwrap_or_default(),
            time_zone: tz.get_untracked(),
        };
        busy.set(true);
        errors.clear();
        leptos::task::spawn_local(async move {
            match api_client::call::<kinmu_shared::api::routes::RunSetup>(&(), &(), &req).await {
                Ok(session) => {
                    let l = session.user.language;
                    state.session.set(Some(session));
                    switch_language(l);
                    step.set(PROJECTS_STEP);
                }
                Err(e) => {
                    errors.set_api(&e);
                    if let Some(f) = &e.field {
                        // Show the step holding the faulty field; the message also stays on top.
                        let s = match f.as_str() {
                            "organization_name" => 0,
                            "admin_login" | "admin_display_name" | "admin_password" => 1,
                            "default_language" | "time_zone" => 2,
                            _ => 3,
                        };
                        step.set(s);
                        errors.set_general(e.message.clone());
                    }
                    if e.code == kinmu_shared::ErrorCode::SetupDone {
                        navigate(Route::Login);
                    }
                }
            }
            busy.set(false);
        });
    };

    // A first project: code and name (the rest is set on the Projects page).
    let add_project = move || {
        if busy.get_untracked() {
            return;
        }
        let (code, name) = (project_code.get_untracked().trim().to_string(), project_name.get_untracked().trim().to_string());
        if code.is_empty() || name.is_empty() {
            errors.set_general(t("setup.project_required").to_string());
            return;
        }
        busy.set(true);
        errors.clear();
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::AddProject>(&(), &(), &SaveProject { code, name, ..SaveProject::default() }).await {
                Ok(p) => {
                    created.update(|l| l.push(p));
                    project_code.set(String::new());
                    project_name.set(String::new());
                    crate::focus::focus_id("first_project_code".to_string());
                }
                Err(e) => errors.set_api(&e),
            }
            busy.set(false);
        });
    };

    // The activity levels' names into the effort settings, then on to the users.
    let finish = move || {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        errors.clear();
        leptos::task::spawn_local(async move {
            let saved = match api_client::call::<routes::GetEffortSettings>(&(), &(), &Empty).await {
                Ok(mut s) => {
                    let named = |v: RwSignal<String>| Some(v.get_untracked().trim().to_string()).filter(|l| !l.is_empty());
                    s.activity1_label = named(label1);
                    s.activity2_label = named(label2);
                    s.activity1_used = used1.get_untracked();
                    s.activity2_used = used2.get_untracked();
                    api_client::call::<routes::SaveEffortSettings>(&(), &(), &s).await
                }
                Err(e) => Err(e),
            };
            busy.set(false);
            match saved {
                Ok(_) => navigate(Route::Users),
                Err(e) => errors.set_api(&e),
            }
        });
    };

    // Keyboard users land on the new step's first field (the old one left the page).
    Effect::new(move |prev: Option<usize>| {
        let s = step.get();
        if prev.is_some_and(|p| p != s) {
            request_animation_frame(|| {
                let doc = web_sys::window().and_then(|w| w.document());
                let target = doc.and_then(|d| {
                    d.query_selector("#setup-step input, #setup-step select")
                        .ok()
                        .flatten()
                        .or_else(|| d.query_selector("[data-testid=setup-next]").ok().flatten())
                });
                if let Some(el) = target.and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok()) {
                    let _ = el.focus();
                }
            });
        }
        s
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match step.get_untracked() {
            s if s < RUN_STEP => next(),
            RUN_STEP => run(),
            // Enter in the project fields adds the project; with them empty, on to the next step.
            PROJECTS_STEP if !(project_code.get_untracked().trim().is_empty() && project_name.get_untracked().trim().is_empty()) => {
                add_project()
            }
            PROJECTS_STEP => {
                errors.clear();
                step.set(LEVELS_STEP);
            }
            _ => finish(),
        }
    };

    let tz_options = Signal::derive(move || {
        let mut zones = state.time_zones.get();
        if zones.is_empty() {
            zones = vec!["Asia/Tokyo".into(), "UTC".into()];
        }
        zones.into_iter().map(|z| (z.clone(), z)).collect::<Vec<_>>()
    });
    let lang_options =
        Signal::derive(|| Language::ALL.iter().map(|l| (l.code().to_string(), language_name(*l).to_string())).collect::<Vec<_>>());
    let lang_label = move || Language::parse(&lang.get()).map(language_name).unwrap_or_default();

    view! {
        <section class="card narrow setup">
            <h1>{tx("setup.title")}</h1>
            <p class="lead">{tx("setup.intro")}</p>
            <ol class="steps" aria-label=tx("setup.steps")>
                {STEPS
                    .iter()
                    .enumerate()
                    .map(|(i, k)| {
                        view! {
                            <li class:current=move || step.get() == i class:done=move || { step.get() > i } aria-current=move || (step.get() == i).then_some("step")>
                                {move || t(k)}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
            <form on:submit=on_submit novalidate data-testid="setup-form">
                <h2 data-testid="setup-step-title">{move || t(STEPS[step.get()])}</h2>
                <div id="setup-step">
                {move || match step.get() {
                    0 => view! {
                        <TextField id="organization_name" field="organization_name" label=tr("setup.org_name") value=org errors=errors autofocus=true hint=tr("setup.org_name_hint") />
                    }.into_any(),
                    1 => view! {
                        <TextField id="admin_login" field="admin_login" label=tr("field.login") value=login errors=errors autocomplete="username" autofocus=true />
                        <TextField id="admin_display_name" field="admin_display_name" label=tr("field.display_name") value=display errors=errors autocomplete="name" />
                        <TextField id="admin_password" field="admin_password" label=tr("field.password") value=password errors=errors kind="password" autocomplete="new-password" />
                        <PasswordMeter password=password login=login.into() id="admin_password-strength" />
                        <TextField id="admin_password_confirm" field="admin_password_confirm" label=tr("field.password_confirm") value=confirm errors=errors kind="password" autocomplete="new-password" />
                    }.into_any(),
                    2 => view! {
                        <SelectField id="default_language" field="default_language" label=tr("setup.default_language") value=lang errors=errors options=lang_options />
                        <SelectField id="time_zone" field="time_zone" label=tr("field.time_zone") value=tz errors=errors options=tz_options />
                    }.into_any(),
                    PROJECTS_STEP => view! {
                        <p class="hint">{tx("setup.projects_intro")}</p>
                        <TextField id="first_project_code" field="code" label=tr("setup.project_code") value=project_code errors=errors autofocus=true />
                        <TextField id="first_project_name" field="name" label=tr("setup.project_name") value=project_name errors=errors />
                        <button type="button" data-testid="setup-add-project" disabled=move || busy.get() on:click=move |_| add_project()>{tx("setup.add_project")}</button>
                        {move || (!created.with(Vec::is_empty)).then(|| view! {
                            <h3>{tx("setup.projects_created")}</h3>
                            <ul data-testid="setup-projects">
                                {created.get().into_iter().map(|p| view! { <li>{format!("{} {}", p.code, p.name)}</li> }).collect_view()}
                            </ul>
                        })}
                        <CsvTransfer subject=CsvSubject::Projects filename="projects.csv" can_import=Signal::derive(|| true) on_imported=Callback::new(move |_| {
                            leptos::task::spawn_local(async move {
                                if let Ok(all) = api_client::call::<routes::ListProjects>(&(), &(), &Empty).await {
                                    created.set(all);
                                }
                            });
                        }) />
                    }.into_any(),
                    LEVELS_STEP => view! {
                        <p class="hint">{tx("setup.activities_intro")}</p>
                        <TextField id="activity1_label" field="activity1_label" label=tr("effort.activities.level1_label") value=label1 errors=errors hint=tr("effort.activities.level_label_hint") />
                        <CheckField id="activity1_used" label=tr("effort.activities.level1_used") value=used1 />
                        <TextField id="activity2_label" field="activity2_label" label=tr("effort.activities.level2_label") value=label2 errors=errors hint=tr("effort.activities.level_label_hint") />
                        <CheckField id="activity2_used" label=tr("effort.activities.level2_used") value=used2 />
                    }.into_any(),
                    _ => view! {
                        <dl class="summary" data-testid="setup-summary">
                            <dt>{t("setup.org_name")}</dt><dd>{org.get_untracked()}</dd>
                            <dt>{t("field.login")}</dt><dd>{login.get_untracked()}</dd>
                            <dt>{t("field.display_name")}</dt><dd>{display.get_untracked()}</dd>
                            <dt>{t("field.password")}</dt><dd>{"•".repeat(password.get_untracked().chars().count().min(16))}</dd>
                            <dt>{t("setup.default_language")}</dt><dd>{lang_label}</dd>
                            <dt>{t("field.time_zone")}</dt><dd>{tz.get_untracked()}</dd>
                        </dl>
                        <h3>{tx("setup.next_title")}</h3>
                        <ol class="next-steps" data-testid="setup-next-steps">
                            <li>{tx("setup.next_users")}</li>
                            <li>{tx("setup.next_logs")}</li>
                            <li>{tx("setup.next_rules")}</li>
                        </ol>
                    }.into_any(),
                }}
                </div>
                <GeneralError errors=errors />
                <div class="actions">
                    <Show when=move || { step.get() > 0 && step.get() != PROJECTS_STEP }>
                        <button type="button" data-testid="setup-back" on:click=move |_| { errors.clear(); step.update(|s| *s -= 1) } disabled=move || busy.get()>
                            {tx("common.back")}
                        </button>
                    </Show>
                    <button type="submit" class="primary" data-testid="setup-next" disabled=move || busy.get() aria-busy=move || busy.get().to_string()>
                        {move || match step.get() {
                            RUN_STEP if busy.get() => t("common.working"),
                            RUN_STEP => t("setup.run"),
                            LEVELS_STEP => t("setup.finish"),
                            _ => t("common.next"),
                        }}
                    </button>
                </div>
            </form>
        </section>
    }
}
