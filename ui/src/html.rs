//! HTML text with one event listener on its container ("data-action" on the element clicked),
//! left only for the attendance rules page, whose form is built over the engine's rules JSON;
//! every other page is Leptos views. To go with that page (issue 16), keeping the DOM helpers
//! (`focus_id`, `focus_first_invalid`) the views use.

use std::fmt::Write;

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A growing HTML text.
#[derive(Default)]
pub struct Html(pub String);

impl Html {
    pub fn new() -> Html {
        Html(String::with_capacity(1024))
    }
    /// Markup, as it is.
    pub fn raw(&mut self, s: &str) -> &mut Html {
        self.0.push_str(s);
        self
    }
    /// Text, escaped.
    pub fn text(&mut self, s: &str) -> &mut Html {
        self.0.push_str(&esc(s));
        self
    }
    pub fn fmt(&mut self, args: std::fmt::Arguments<'_>) -> &mut Html {
        let _ = self.0.write_fmt(args);
        self
    }
    /// `<tag attrs>text</tag>` with the text escaped.
    pub fn el(&mut self, tag: &str, attrs: &str, text: &str) -> &mut Html {
        let _ = write!(self.0, "<{tag}{}{attrs}>{}</{tag}>", if attrs.is_empty() { "" } else { " " }, esc(text));
        self
    }
}

/// A container whose content is the HTML `html` gives (re-written when it changes).
#[component]
pub fn RawHtml(
    html: Signal<String>,
    #[prop(optional)] class: &'static str,
    #[prop(optional)] testid: &'static str,
    /// Called with (action, element, shift) when an element with `data-action` inside is
    /// clicked, changed (checkboxes, selects, inputs that carry the action themselves), submitted
    /// (forms, by their `data-submit`), or Enter is pressed with Shift on it.
    #[prop(optional)]
    on_action: Option<Callback<(String, web_sys::Element, bool)>>,
) -> impl IntoView {
    let dispatch = move |ev: &web_sys::Event, shift: bool| {
        let Some(cb) = on_action else { return };
        let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
        if let Ok(Some(a)) = el.closest("[data-action]") {
            let action = a.get_attribute("data-action").unwrap_or_default();
            // The content may be written again: keep the focus on the element of the same id.
            if !a.id().is_empty() {
                focus_id(a.id());
            }
            cb.run((action, a, shift));
        }
    };
    view! {
        <div
            class=class
            data-testid=(!testid.is_empty()).then_some(testid)
            inner_html=move || html.get()
            on:click=move |ev: leptos::ev::MouseEvent| {
                // Checkboxes report through "change".
                let is_box = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).is_some_and(|i| i.type_() == "checkbox");
                if !is_box {
                    dispatch(&ev, ev.shift_key());
                }
            }
            on:change=move |ev: leptos::ev::Event| {
                let tag = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).map(|e| e.tag_name()).unwrap_or_default();
                let is_box = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()).is_some_and(|i| i.type_() == "checkbox");
                let own = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).is_some_and(|e| e.has_attribute("data-action"));
                if is_box || tag == "SELECT" || own {
                    dispatch(&ev, false);
                }
            }
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                let key = ev.key();
                if key == "Enter" && ev.shift_key() {
                    ev.prevent_default();
                    dispatch(&ev, true);
                } else if key == "ArrowLeft" || key == "ArrowRight" {
                    // Tabs (data-arrows) move with the arrow keys: the action is the key's name.
                    let el = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).filter(|e| e.has_attribute("data-arrows"));
                    if let (Some(cb), Some(el)) = (on_action, el) {
                        ev.prevent_default();
                        cb.run((key, el, false));
                    }
                }
            }
            on:submit=move |ev: leptos::ev::SubmitEvent| {
                // A form's action is its data-submit (not data-action: a click inside the form
                // must not submit it).
                ev.prevent_default();
                if let (Some(cb), Some(form)) = (on_action, ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok())) {
                    let action = form.get_attribute("data-submit").unwrap_or_default();
                    cb.run((action, form, false));
                }
            }
        ></div>
    }
}

fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

/// The `value` of the input, select or text area with this id ("" when missing).
pub fn value_of(id: &str) -> String {
    document()
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| js_sys::Reflect::get(&e, &JsValue::from_str("value")).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// Whether the checkbox with this id is ticked.
pub fn checked(id: &str) -> bool {
    document()
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| js_sys::Reflect::get(&e, &JsValue::from_str("checked")).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// Focuses the element with this id (after the next paint, when it was just written).
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

/// Form inputs as HTML, each with its label and the error `errors` holds for `field` (the same
/// markup and test ids as `components::field`).
impl Html {
    fn error(&mut self, id: &str, field: &str, errors: crate::components::form_errors::FormErrors) -> bool {
        match errors.field(field) {
            Some(m) => {
                let _ = write!(self.0, r#"<p class="field-error" id="{id}-error" data-testid="{}-error">{}</p>"#, esc(field), esc(&m));
                true
            }
            None => false,
        }
    }

    fn open_field(&mut self, id: &str, field: &str, label: &str, errors: crate::components::form_errors::FormErrors) -> bool {
        let bad = errors.field(field).is_some();
        let _ = write!(self.0, r#"<div class="field{}"><label for="{id}">{}</label>"#, if bad { " invalid" } else { "" }, esc(label));
        bad
    }

    fn close_field(&mut self, id: &str, field: &str, hint: &str, errors: crate::components::form_errors::FormErrors) {
        if !hint.is_empty() {
            let _ = write!(self.0, r#"<p class="hint">{}</p>"#, esc(hint));
        }
        self.error(id, field, errors);
        self.0.push_str("</div>");
    }

    /// `<input>` of `kind` (text, number, time…).
    #[allow(clippy::too_many_arguments)] // html.rs is to go: pages become Leptos views (issue 16)
    pub fn input(
        &mut self,
        id: &str,
        field: &str,
        label: &str,
        kind: &str,
        value: &str,
        hint: &str,
        errors: crate::components::form_errors::FormErrors,
    ) {
        let bad = self.open_field(id, field, label, errors);
        let _ = write!(
            self.0,
            r#"<input id="{id}" name="{field}" type="{kind}" value="{}" aria-invalid="{bad}"{}>"#,
            esc(value),
            if bad { format!(r#" aria-describedby="{id}-error""#) } else { String::new() }
        );
        self.close_field(id, field, hint, errors);
    }
}
