//! Errors of one form: per field (shown next to the input) and general (shown above the buttons).

use kinmu_shared::ApiError;
use kinmu_shared::validation::FieldError;
use leptos::prelude::*;

use crate::i18n::field_error_text;

#[derive(Clone, Copy)]
pub struct FormErrors {
    fields: RwSignal<Vec<(String, String)>>,
    general: RwSignal<Option<String>>,
}

impl Default for FormErrors {
    fn default() -> Self {
        Self::new()
    }
}

impl FormErrors {
    pub fn new() -> Self {
        FormErrors { fields: RwSignal::new(Vec::new()), general: RwSignal::new(None) }
    }

    pub fn clear(&self) {
        self.fields.set(Vec::new());
        self.general.set(None);
    }

    pub fn clear_field(&self, field: &str) {
        self.fields.update(|f| f.retain(|(k, _)| k != field));
    }

    pub fn set_field(&self, field: &str, msg: impl Into<String>) {
        let msg = msg.into();
        self.fields.update(|f| {
            f.retain(|(k, _)| k != field);
            f.push((field.to_string(), msg));
        });
    }

    /// Reactive: the message for `field`, if any.
    pub fn field(&self, field: &str) -> Option<String> {
        self.fields.with(|f| f.iter().find(|(k, _)| k == field).map(|(_, m)| m.clone()))
    }

    pub fn general(&self) -> Option<String> {
        self.general.get()
    }

    pub fn set_general(&self, msg: impl Into<String>) {
        self.general.set(Some(msg.into()));
    }

    pub fn has_any(&self) -> bool {
        self.fields.with(|f| !f.is_empty()) || self.general.with(|g| g.is_some())
    }

    /// Shows a server error next to its field when it names one, otherwise above the form. A
    /// message listing several problems as `field: message; field: message` (the attendance
    /// rules do) puts each next to its own field.
    pub fn set_api(&self, e: &ApiError) {
        match e.field.as_deref().filter(|f| !f.is_empty()) {
            Some(f) => {
                let parts: Vec<(&str, &str)> = e.message.split("; ").filter_map(|p| p.split_once(": ")).collect();
                let several = parts.len() > 1
                    && parts.len() == e.message.split("; ").count()
                    && parts[0].0 == f
                    && parts.iter().all(|(k, _)| !k.contains(' '));
                if several {
                    for (k, m) in parts {
                        self.set_field(k, format!("{k}: {m}"));
                    }
                } else {
                    self.set_field(f, e.message.clone());
                }
            }
            None => self.set_general(e.message.clone()),
        }
    }

    /// Reactive: the messages for `prefix` and the fields inside it (`prefix.x`, `prefix[0]`).
    pub fn under(&self, prefix: &str) -> Vec<String> {
        self.fields.with(|f| {
            f.iter()
                .filter(|(k, _)| k == prefix || k.strip_prefix(prefix).is_some_and(|r| r.starts_with('.') || r.starts_with('[')))
                .map(|(_, m)| m.clone())
                .collect()
        })
    }

    /// Records a client-side check under `field` (the form's name for it); true when it passed.
    pub fn check(&self, field: &str, r: Result<(), FieldError>) -> bool {
        match r {
            Ok(()) => {
                self.clear_field(field);
                true
            }
            Err(e) => {
                self.set_field(field, field_error_text(&e));
                false
            }
        }
    }
}

/// The general error of a form, announced to screen readers.
#[component]
pub fn GeneralError(errors: FormErrors) -> impl IntoView {
    move || errors.general().map(|m| view! { <p class="error-banner" role="alert" data-testid="form-error">{m}</p> })
}
