//! A page's filter: a labelled `<select>` over (value, label) choices that sets its signal when
//! changed (value "" for "all"), and the organisations and the projects as such choices — loaded
//! once per filter; organisations shown by path and led by "(all)", projects by code and name.

use kinmu_shared::api::routes::{self, Empty};
use leptos::prelude::*;

use crate::api_client;
use crate::i18n::{t, tx};

/// A filter's `<select>` (id and `data-testid` = `id`): `choices` as options, the one equal to
/// `value` selected; disabled while `disabled` holds; `on_change` told the new value after it is set.
#[component]
pub fn FilterSelect(
    id: &'static str,
    /// The label's translation key.
    label: &'static str,
    value: RwSignal<String>,
    choices: Signal<Vec<(String, String)>>,
    #[prop(optional, into)] disabled: Signal<bool>,
    #[prop(optional)] on_change: Option<Callback<String>>,
) -> impl IntoView {
    let changed = move |ev| {
        let v = event_target_value(&ev);
        value.set(v.clone());
        if let Some(f) = on_change {
            f.run(v);
        }
    };
    view! {
        <div class="field">
            <label for=id>{tx(label)}</label>
            <select id=id data-testid=id disabled=move || disabled.get() on:change=changed>
                {move || {
                    let current = value.get();
                    choices
                        .get()
                        .into_iter()
                        .map(|(v, l)| {
                            let selected = v == current;
                            view! { <option value=v selected=selected>{l}</option> }
                        })
                        .collect_view()
                }}
            </select>
        </div>
    }
}

/// Every organisation (by path) as a filter's choices, led by "(all)" (value "").
pub fn organization_choices() -> Signal<Vec<(String, String)>> {
    let orgs = RwSignal::new(Vec::<(String, String)>::new());
    leptos::task::spawn_local(async move {
        if let Ok(o) = api_client::organizations().await {
            orgs.set(o.into_iter().map(|o| (o.id.to_string(), o.path)).collect());
        }
    });
    Signal::derive(move || {
        let mut v = vec![(String::new(), t("users.all_orgs").to_string())];
        v.extend(orgs.get());
        v
    })
}

/// The projects the caller may see as choices ("code name"), led by "(all)" (the translation key
/// `all`) when given. Without it the page is about one project: an empty `value` becomes the first
/// project once they are loaded. A failed load is put in `error`.
pub fn project_choices(
    value: RwSignal<String>,
    all: Option<&'static str>,
    error: RwSignal<Option<String>>,
) -> Signal<Vec<(String, String)>> {
    let projects = RwSignal::new(Vec::<(String, String)>::new());
    leptos::task::spawn_local(async move {
        match api_client::call::<routes::ListProjects>(&(), &(), &Empty).await {
            Ok(list) => {
                if all.is_none()
                    && value.get_untracked().is_empty()
                    && let Some(p) = list.first()
                {
                    value.set(p.id.to_string());
                }
                projects.set(list.into_iter().map(|p| (p.id.to_string(), format!("{} {}", p.code, p.name))).collect());
            }
            Err(e) => error.set(Some(e.message)),
        }
    });
    Signal::derive(move || {
        let mut v: Vec<(String, String)> = all.map(|key| (String::new(), t(key).to_string())).into_iter().collect();
        v.extend(projects.get());
        v
    })
}

/// The organisation filter (`value`: an organisation's id, "" for all).
#[component]
pub fn OrganizationFilter(id: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! { <FilterSelect id=id label="field.organization" value=value choices=organization_choices() /> }
}
