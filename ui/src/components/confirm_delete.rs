//! The dialog that asks before deleting something, sends the DELETE and shows the server's
//! refusal (e.g. "still has users") without closing.

use leptos::prelude::*;

use crate::api_client;
use crate::components::dialog::Modal;
use crate::components::form_errors::{FormErrors, GeneralError};
use crate::i18n::{t, tx};

/// `path` is the API path to DELETE (`/roles/7`); `confirm_key`'s text has `{name}` replaced.
#[component]
pub fn ConfirmDeleteDialog(
    path: String,
    name: String,
    title_key: &'static str,
    confirm_key: &'static str,
    dialog_testid: &'static str,
    confirm_testid: &'static str,
    on_done: Callback<bool>,
) -> impl IntoView {
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let confirm = move |_| {
        busy.set(true);
        let path = path.clone();
        leptos::task::spawn_local(async move {
            let r = api_client::send_empty("DELETE", &path, None).await;
            busy.set(false);
            match r {
                Ok(()) => on_done.run(true),
                Err(e) => errors.set_general(e.message),
            }
        });
    };
    view! {
        <Modal title=Signal::derive(move || t(title_key).to_string()) on_close=Callback::new(move |_| on_done.run(false)) testid=dialog_testid>
            <p>{move || t(confirm_key).replace("{name}", &name)}</p>
            <GeneralError errors=errors />
            <div class="actions">
                <button type="button" on:click=move |_| on_done.run(false)>{tx("common.cancel")}</button>
                <button type="button" class="danger" data-testid=confirm_testid disabled=move || busy.get() on:click=confirm>{tx("common.delete")}</button>
            </div>
        </Modal>
    }
}
