//! The dialog that asks before deleting something, sends the DELETE and shows the server's
//! refusal (e.g. "still has users") without closing.

use std::future::Future;
use std::pin::Pin;

use kinmu_shared::api::Id;
use kinmu_shared::api::routes::{Empty, Endpoint};
use leptos::prelude::*;

use crate::api_client::{self, ApiResult};

/// A DELETE on its way.
type Sending = Pin<Box<dyn Future<Output = ApiResult<()>>>>;

/// What the dialog deletes: one id through a DELETE route of the shared table.
#[derive(Clone, Copy)]
pub struct Deletion {
    id: Id,
    send: fn(Id) -> Sending,
}

impl Deletion {
    /// Deletes `id` through route `E` (e.g. `routes::DeleteRole`).
    pub fn of<E: Endpoint<Path = Id, Query = (), Body = Empty, Answer = Empty>>(id: Id) -> Self {
        fn send<E: Endpoint<Path = Id, Query = (), Body = Empty, Answer = Empty>>(id: Id) -> Sending {
            Box::pin(async move { api_client::call::<E>(&id, &(), &Empty).await.map(|_| ()) })
        }
        Deletion { id, send: send::<E> }
    }
}
use crate::components::dialog::Modal;
use crate::components::form_errors::{FormErrors, GeneralError};
use crate::i18n::{t, tx};

/// `delete` says what to delete (`Deletion::of::<routes::DeleteRole>(7)`); `confirm_key`'s text
/// has `{name}` replaced.
#[component]
pub fn ConfirmDeleteDialog(
    delete: Deletion,
    name: String,
    title_key: &'static str,
    confirm_key: &'static str,
    dialog_testid: &'static str,
    confirm_testid: &'static str,
    on_done: Callback<bool>,
    /// The confirming button's text (default "Delete").
    #[prop(optional)]
    action_key: Option<&'static str>,
) -> impl IntoView {
    let action_key = action_key.unwrap_or("common.delete");
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let confirm = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            let r = (delete.send)(delete.id).await;
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
                <button type="button" class="danger" data-testid=confirm_testid disabled=move || busy.get() on:click=confirm>{tx(action_key)}</button>
            </div>
        </Modal>
    }
}
