//! A form's submit button: "Save", or "Working…" while the form is being sent, when it is
//! disabled (and says so to assistive technology with `aria-busy`).

use leptos::prelude::*;

use crate::i18n::t;

#[component]
pub fn SaveButton(
    /// True while the form is being sent.
    busy: RwSignal<bool>,
    testid: &'static str,
    /// Also disabled when this is true (e.g. the reader may not change the form).
    #[prop(optional, into)]
    disabled: Option<Signal<bool>>,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            class="primary"
            data-testid=testid
            disabled=move || busy.get() || disabled.is_some_and(|d| d.get())
            aria-busy=move || busy.get().to_string()
        >
            {move || if busy.get() { t("common.working") } else { t("common.save") }}
        </button>
    }
}
