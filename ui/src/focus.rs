//! Moving the keyboard focus after the view changes: to an element just added (a new row) or to
//! the first field a save refused.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

/// Focuses the element with this id after the next paint (when it was just rendered).
pub fn focus_id(id: String) {
    request_animation_frame(move || {
        if let Some(el) = document().and_then(|d| d.get_element_by_id(&id)).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = el.focus();
        }
    });
}

/// Focuses the first input marked invalid (or error message) after the next paint.
pub fn focus_first_invalid() {
    request_animation_frame(|| {
        if let Some(el) = document().and_then(|d| d.query_selector("[aria-invalid=true], .field-error").ok().flatten()) {
            el.scroll_into_view();
            if let Ok(h) = el.dyn_into::<web_sys::HtmlElement>() {
                let _ = h.focus();
            }
        }
    });
}
