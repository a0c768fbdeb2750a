//! Every UI string in Japanese and English: `t("key")` looks the key up in the current language.

mod table;

use kinmu_shared::validation::{FieldError, PasswordProblem};
use kinmu_shared::{Language, Permission};
use leptos::prelude::*;

use crate::app_state::app;

/// The text for `key` in the current language (reactive when called inside a closure).
pub fn t(key: &'static str) -> &'static str {
    lookup(app().lang.get(), key)
}

/// Like [`t`] for a key built at run time (`"corr.absent"`); an unknown key is shown as it is.
pub fn t_dyn(key: &str) -> &'static str {
    let lang = app().lang.get();
    match table::TABLE.iter().find(|(k, _, _)| *k == key) {
        Some((_, ja, en)) => match lang {
            Language::Ja => ja,
            Language::En => en,
        },
        None => "?",
    }
}

pub fn lookup(lang: Language, key: &'static str) -> &'static str {
    match table::TABLE.iter().find(|(k, _, _)| *k == key) {
        Some((_, ja, en)) => match lang {
            Language::Ja => ja,
            Language::En => en,
        },
        None => key,
    }
}

/// A reactive text for views and attributes: `{tx("key")}`. Every call returns the same closure
/// type, so the views share one piece of code for it (a `move || t("key")` written in place is a
/// new type, and new wasm code, each time).
pub fn tx(key: &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    move || t(key)
}

/// A reactive text for views and component props.
pub fn tr(key: &'static str) -> Signal<&'static str> {
    Signal::derive(move || t(key))
}

pub fn language_name(l: Language) -> &'static str {
    match l {
        Language::Ja => "日本語",
        Language::En => "English",
    }
}

pub fn permission_label(p: Permission) -> &'static str {
    t(match p {
        Permission::ManageUsers => "perm.users.manage",
        Permission::ViewUsers => "perm.users.view",
        Permission::ManageOrganizations => "perm.orgs.manage",
        Permission::ManageRoles => "perm.roles.manage",
        Permission::ManageSettings => "perm.settings.manage",
        Permission::ViewAttendance => "perm.attendance.view",
        Permission::ManageProjects => "perm.projects.manage",
        Permission::EnterEffort => "perm.effort.enter",
        Permission::ManageUpdates => "perm.updates.manage",
    })
}

pub fn password_problem(p: PasswordProblem) -> &'static str {
    t(match p {
        PasswordProblem::TooShort => "pw.too_short",
        PasswordProblem::TooLong => "pw.too_long",
        PasswordProblem::ContainsLogin => "pw.contains_login",
        PasswordProblem::FewCharacterKinds => "pw.few_kinds",
        PasswordProblem::Common => "pw.common",
        PasswordProblem::Repetitive => "pw.repetitive",
    })
}

/// A client-side message at a field: the field's label (never its key), then `message`, in the
/// current language (`始業時刻：…`, `Start of work: …`).
pub fn at_field(field: &str, message: &str) -> String {
    let lang = app().lang.get_untracked();
    let label = kinmu_shared::messages::field_label(field, lang);
    match lang {
        Language::Ja => format!("{label}：{message}"),
        Language::En => format!("{label}: {message}"),
    }
}

/// The text for `key` in the current language, read outside any view (the API client's own
/// errors).
pub fn said(key: &'static str) -> &'static str {
    lookup(app().lang.get_untracked(), key)
}

/// A client-side validation error in the UI language. The shared rules word their messages in
/// English around the raw field name; in English the name is replaced by the field's label, in
/// Japanese the field's rule is explained instead. Password problems are listed by the meter.
pub fn field_error_text(e: &FieldError) -> String {
    let lang = app().lang.get_untracked();
    let (rule, label) = match e.field.as_str() {
        "login" | "admin_login" => ("rule.login", "field.login"),
        "display_name" | "admin_display_name" => ("rule.display_name", "field.display_name"),
        "email" => ("rule.email", "field.email"),
        "name" => ("rule.name", "field.name"),
        "organization_name" => ("rule.name", "setup.org_name"),
        "log_accounts" => ("rule.log_accounts", "field.log_accounts"),
        "time_zone" => ("rule.time_zone", "field.time_zone"),
        f if f.contains("password") => return lookup(lang, "rule.password").to_string(),
        _ => {
            let api = kinmu_shared::ApiError::in_language(kinmu_shared::ErrorCode::Validation, Some(e.field.clone()), &e.message, lang);
            return api.message;
        }
    };
    match lang {
        Language::Ja => lookup(lang, rule).to_string(),
        Language::En => match e.message.strip_prefix(e.field.as_str()) {
            Some(rest) => format!("{}{rest}", lookup(lang, label)),
            None => e.message.to_string(),
        },
    }
}

/// A role's name for display: the built-in roles' default names are translated, names an
/// administrator gave are shown as they are.
pub fn role_label(name: &str) -> String {
    use kinmu_shared::permissions::BuiltinRole;
    for r in BuiltinRole::ALL {
        if name == r.default_name() {
            return t(match r {
                BuiltinRole::Administrator => "role.administrator",
                BuiltinRole::Manager => "role.manager",
                BuiltinRole::Member => "role.member",
            })
            .to_string();
        }
    }
    name.to_string()
}
