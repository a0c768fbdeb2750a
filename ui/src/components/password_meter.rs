//! Live password strength from the shared rule, with what would make it stronger.

use kinmu_shared::validation::password_strength;
use leptos::prelude::*;

use crate::i18n::{password_problem, t, tx};

#[component]
pub fn PasswordMeter(password: RwSignal<String>, login: Signal<String>, id: &'static str) -> impl IntoView {
    let strength = Memo::new(move |_| password.with(|p| password_strength(p, &login.get())));
    let label = move || {
        let s = strength.get();
        t(match s.score {
            _ if password.with(String::is_empty) => "pw.empty",
            0 | 1 => "pw.weak",
            2 => "pw.fair",
            3 => "pw.good",
            _ => "pw.strong",
        })
    };
    view! {
        <div class="password-meter" id=id data-testid="password-strength" aria-live="polite">
            <meter min="0" max="4" low="2" high="3" optimum="4" value=move || strength.get().score.to_string()></meter>
            <span class="meter-label">{tx("pw.strength")} ": " {label}</span>
            <ul class="problems">
                {move || {
                    if password.with(String::is_empty) {
                        Vec::new()
                    } else {
                        strength.get().problems.into_iter().map(|p| view! { <li>{password_problem(p)}</li> }).collect::<Vec<_>>()
                    }
                }}
            </ul>
        </div>
    }
}
