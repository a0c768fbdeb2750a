//! Desktop only: which Kinmu server the app talks to.

use leptos::prelude::*;

use crate::api_client;
use crate::components::field::TextField;
use crate::components::form_errors::{FormErrors, GeneralError};
use crate::i18n::{t, tr, tx};

#[component]
pub fn ConnectionPage(on_connected: Callback<()>) -> impl IntoView {
    let url = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let ok = RwSignal::new(None::<String>);
    leptos::task::spawn_local(async move {
        if let Ok(Some(u)) = api_client::server_url_get().await
            && url.get_untracked().is_empty()
        {
            url.set(u);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        ok.set(None);
        errors.clear();
        let u = url.get_untracked().trim().to_string();
        if u.is_empty() {
            errors.set_field("url", t("connection.enter_url"));
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api_client::server_url_set(&u).await {
                Ok(h) => {
                    ok.set(Some(format!("{} (Kinmu {}, {})", t("connection.ok"), h.version, h.database)));
                    on_connected.run(());
                }
                Err(e) => errors.set_api(&e),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card narrow">
            <h1>{tx("connection.title")}</h1>
            <p class="lead">{tx("connection.intro")}</p>
            <form on:submit=submit novalidate>
                <TextField id="url" field="url" label=tr("connection.url") value=url errors=errors kind="url" autofocus=true hint=tr("connection.url_hint") />
                <GeneralError errors=errors />
                {move || ok.get().map(|m| view! { <p class="ok-banner" role="status">{m}</p> })}
                <div class="actions">
                    <button type="submit" class="primary" data-testid="connection-save" disabled=move || busy.get()>
                        {move || if busy.get() { t("common.working") } else { t("connection.test_save") }}
                    </button>
                </div>
            </form>
        </section>
    }
}
