//! A report page's filter: a labelled `<select>` over (value, label) choices that sets its signal
//! when changed (value "" for "all"), and the organisations as such choices — loaded once per
//! filter, shown by path, led by "(all)".

use leptos::prelude::*;

use crate::api_client;
use crate::i18n::{t, tx};

/// A filter's `<select>` (id and `data-testid` = `id`): `choices` as options, the one equal to
/// `value` selected; disabled while `disabled` holds.
#[component]
pub fn FilterSelect(
    id: &'static str,
    /// The label's translation key.
    label: &'static str,
    value: RwSignal<String>,
    choices: Signal<Vec<(String, String)>>,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{tx(label)}</label>
            <select id=id data-testid=id disabled=move || disabled.get() on:change=move |ev| value.set(event_target_value(&ev))>
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

/// The organisation filter (`value`: an organisation's id, "" for all).
#[component]
pub fn OrganizationFilter(id: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! { <FilterSelect id=id label="field.organization" value=value choices=organization_choices() /> }
}
