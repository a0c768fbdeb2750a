//! Labelled inputs with their error shown underneath.

use leptos::prelude::*;

use super::form_errors::FormErrors;

fn describedby(id: &str, has_error: bool) -> Option<String> {
    has_error.then(|| format!("{id}-error"))
}

#[component]
fn FieldErrorText(id: String, field: String, errors: FormErrors) -> impl IntoView {
    move || {
        errors.field(&field).map(|m| view! { <p class="field-error" id=format!("{id}-error") data-testid=format!("{field}-error")>{m}</p> })
    }
}

/// A text-like input (`kind` = text, password, email, search, url…).
#[component]
pub fn TextField(
    id: &'static str,
    /// The name errors use for this field (the API's field name).
    field: &'static str,
    label: Signal<&'static str>,
    value: RwSignal<String>,
    errors: FormErrors,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] autofocus: bool,
    #[prop(optional, into)] hint: Option<Signal<&'static str>>,
) -> impl IntoView {
    let has_err = move || errors.field(field).is_some();
    view! {
        <div class="field" class:invalid=has_err>
            <label for=id>{move || label.get()}</label>
            <input
                id=id
                name=field
                type=kind
                autocomplete=autocomplete
                required=required
                autofocus=autofocus
                aria-invalid=move || if has_err() { "true" } else { "false" }
                aria-describedby=move || describedby(id, has_err())
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    errors.clear_field(field);
                }
            />
            {hint.map(|h| view! { <p class="hint">{move || h.get()}</p> })}
            <FieldErrorText id=id.to_string() field=field.to_string() errors=errors />
        </div>
    }
}

/// A `<select>` over (value, label) options.
#[component]
pub fn SelectField(
    id: &'static str,
    field: &'static str,
    label: Signal<&'static str>,
    value: RwSignal<String>,
    errors: FormErrors,
    options: Signal<Vec<(String, String)>>,
) -> impl IntoView {
    let has_err = move || errors.field(field).is_some();
    view! {
        <div class="field" class:invalid=has_err>
            <label for=id>{move || label.get()}</label>
            <select
                id=id
                name=field
                aria-invalid=move || if has_err() { "true" } else { "false" }
                aria-describedby=move || describedby(id, has_err())
                on:change=move |ev| {
                    value.set(event_target_value(&ev));
                    errors.clear_field(field);
                }
                prop:value=move || value.get()
            >
                {move || {
                    options
                        .get()
                        .into_iter()
                        .map(|(v, l)| {
                            let sel = value.get_untracked() == v;
                            view! { <option value=v selected=sel>{l}</option> }
                        })
                        .collect_view()
                }}
            </select>
            <FieldErrorText id=id.to_string() field=field.to_string() errors=errors />
        </div>
    }
}

/// A multi-line text area.
#[component]
pub fn TextAreaField(
    id: &'static str,
    field: &'static str,
    label: Signal<&'static str>,
    value: RwSignal<String>,
    errors: FormErrors,
    #[prop(optional, into)] hint: Option<Signal<&'static str>>,
) -> impl IntoView {
    let has_err = move || errors.field(field).is_some();
    view! {
        <div class="field" class:invalid=has_err>
            <label for=id>{move || label.get()}</label>
            <textarea
                id=id
                name=field
                rows="3"
                aria-invalid=move || if has_err() { "true" } else { "false" }
                aria-describedby=move || describedby(id, has_err())
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    errors.clear_field(field);
                }
            ></textarea>
            {hint.map(|h| view! { <p class="hint">{move || h.get()}</p> })}
            <FieldErrorText id=id.to_string() field=field.to_string() errors=errors />
        </div>
    }
}

/// A checkbox with its label after it.
#[component]
pub fn CheckField(
    id: &'static str,
    label: Signal<&'static str>,
    value: RwSignal<bool>,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    view! {
        <div class="field check">
            <input
                id=id
                type="checkbox"
                prop:checked=move || value.get()
                disabled=move || disabled.get()
                on:change=move |ev| value.set(event_target_checked(&ev))
            />
            <label for=id>{move || label.get()}</label>
        </div>
    }
}
