//! The people a form may name (an organisation's manager, a person's approver): loaded once per
//! form as `(id, "Display name (login)")` choices, with a first choice for nobody.

use kinmu_shared::api::UserQuery;
use kinmu_shared::api::routes::{self, Empty};
use leptos::prelude::*;

use crate::api_client;
use crate::i18n::t;

/// Every active user as a select's choices, led by `none_key`'s text (value ""), leaving out
/// `except` (a person is never their own approver). A role without `users.view` gets the
/// current choice alone, so the form still saves what it holds.
pub fn people_choices(none_key: &'static str, except: Option<i64>, current: Option<(i64, String)>) -> Signal<Vec<(String, String)>> {
    let people = RwSignal::new(current.into_iter().collect::<Vec<(i64, String)>>());
    leptos::task::spawn_local(async move {
        let q = UserQuery { limit: Some(500), ..Default::default() };
        if let Ok(list) = api_client::call::<routes::ListUsers>(&(), &q, &Empty).await {
            people.set(list.users.into_iter().map(|u| (u.id, format!("{} ({})", u.display_name, u.login))).collect());
        }
    });
    Signal::derive(move || {
        let mut v = vec![(String::new(), t(none_key).to_string())];
        v.extend(people.get().into_iter().filter(|(id, _)| Some(*id) != except).map(|(id, label)| (id.to_string(), label)));
        v
    })
}
