//! A report page's answer that follows its form: each change of the query asks the server again,
//! and only the latest question's answer is shown (an older answer arriving late is dropped).

use kinmu_shared::api::routes::{Empty, Endpoint};
use leptos::prelude::*;

use crate::api_client;

/// Asks route `E` (no path parameters, no body) whenever the signals `query` reads change, and
/// sets `answer` — or `error`, with the server's message — from the latest question only.
pub fn follow_query<E>(query: impl Fn() -> E::Query + 'static, answer: RwSignal<Option<E::Answer>>, error: RwSignal<Option<String>>)
where
    E: Endpoint<Path = (), Body = Empty>,
    E::Answer: Send + Sync + 'static,
{
    let generation = StoredValue::new(0u32);
    Effect::new(move |_| {
        let q = query();
        generation.update_value(|g| *g += 1);
        let g = generation.get_value();
        leptos::task::spawn_local(async move {
            let r = api_client::call::<E>(&(), &q, &Empty).await;
            if generation.try_get_value() != Some(g) {
                return;
            }
            match r {
                Ok(r) => {
                    error.set(None);
                    answer.set(Some(r));
                }
                Err(e) => {
                    answer.set(None);
                    error.set(Some(e.message));
                }
            }
        });
    });
}
