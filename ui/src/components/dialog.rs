//! A modal built on `<dialog>`: the browser traps focus, Escape closes it, and the focus goes
//! back where it was when the modal goes away.

use std::cell::RefCell;

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

thread_local! {
    /// The element focused when the (single) open modal appeared.
    static OPENER: RefCell<Option<web_sys::HtmlElement>> = const { RefCell::new(None) };
}

fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

fn restore_focus() {
    let opener = OPENER.with(|o| o.borrow_mut().take());
    let target = opener.filter(|el| el.is_connected()).or_else(|| {
        // The opener was re-rendered (e.g. the list reloaded): start again at the page content.
        document()?.get_element_by_id("main")?.dyn_into::<web_sys::HtmlElement>().ok()
    });
    if let Some(el) = target {
        let _ = el.focus();
    }
}

#[component]
pub fn Modal(title: Signal<String>, on_close: Callback<()>, children: Children, #[prop(optional)] testid: &'static str) -> impl IntoView {
    let node: NodeRef<html::Dialog> = NodeRef::new();
    let opener = document().and_then(|d| d.active_element()).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    OPENER.with(|o| *o.borrow_mut() = opener);
    // Runs after the dialog left the page.
    on_cleanup(|| {
        request_animation_frame(restore_focus);
    });
    Effect::new(move |_| {
        if let Some(d) = node.get()
            && !d.open()
        {
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
