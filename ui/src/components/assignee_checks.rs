//! A work item's assignees as one checkbox per member of its project (the server assigns
//! members only), used by the work breakdown's dialog and the Gantt chart's form.

use kinmu_shared::api::ProjectMember;
use leptos::prelude::*;

use crate::i18n::tx;

/// The members as checkboxes (ids `{id_prefix}-{login}`) ticking the ids in `value`; without
/// members, a hint to add them to the project first.
#[component]
pub fn AssigneeChecks(id_prefix: &'static str, members: Vec<ProjectMember>, value: RwSignal<Vec<i64>>) -> impl IntoView {
    view! {
        <fieldset class="checks">
            <legend>{tx("effort.projects.assignees")}</legend>
            {if members.is_empty() {
                view! { <p class="hint">{tx("effort.projects.no_members")}</p> }.into_any()
            } else {
                members
                    .into_iter()
                    .map(|m| {
                        let uid = m.user_id;
                        let input_id = format!("{id_prefix}-{}", m.login);
                        view! {
                            <div class="field check">
                                <input
                                    id=input_id.clone()
                                    type="checkbox"
                                    prop:checked=move || value.with(|a| a.contains(&uid))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        value.update(|a| {
                                            a.retain(|x| *x != uid);
                                            if on {
                                                a.push(uid);
                                            }
                                        });
                                    }
                                />
                                <label for=input_id>{format!("{} ({})", m.display_name, m.login)}</label>
                            </div>
                        }
                    })
                    .collect_view()
                    .into_any()
            }}
        </fieldset>
    }
}
