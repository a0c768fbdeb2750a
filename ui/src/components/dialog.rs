//! A modal built on `<dialog>`: the browser traps focus, Escape closes it.

use leptos::html;
use leptos::prelude::*;

#[component]
pub fn Modal(title: Signal<String>, on_close: Callback<()>, children: Children, #[prop(optional)] testid: &'static str) -> impl IntoView {
    let node: NodeRef<html::Dialog> = NodeRef::new();
    Effect::new(move |_| {
        if let Some(d) = node.get()
            && !d.open() {
                let _ = d.show_modal();
            }
    });
    view! {
        <dialog
            node_ref=node
            class="modal"
            aria-labelledby="modal-title"
            data-testid=testid
            on:close=move |_| on_close.run(())
        >
            <div class="modal-head">
                <h2 id="modal-title">{move || title.get()}</h2>
                <button type="button" class="icon" aria-label=move || crate::i18n::t("common.close") on:click=move |_| on_close.run(())>
                    "×"
                </button>
            </div>
            {children()}
        </dialog>
    }
}
