//! Route-level code splitting: the pages behind a login that not every visit needs live in wasm
//! chunks of their own, fetched the first time one of them is shown (`scripts/build-ui` splits
//! the module with `wasm-split-cli`, the tool cargo-leptos uses). The login page and the home page
//! stay in the main module, so what a browser downloads before the login works is the main
//! module alone.
//!
//! Pages are grouped (one chunk per group, named after it: `pkg/split_<group>.wasm`): a chunk per
//! page made the first visit of a page fetch dozens of small shared chunks.

use leptos::prelude::*;
use wasm_split_helpers::SplitLoaderError;

use crate::i18n::tx;
use crate::pages;

/// A page's constructor, in its chunk.
pub type BuildPage = fn() -> AnyView;

/// Where a page's chunk stands.
#[derive(Clone, Copy)]
enum Chunk {
    Loading,
    Loaded(BuildPage),
    Failed,
}

/// Shows a page whose code is in a chunk: "loading" while the chunk downloads, then the page,
/// built in this view (so the page belongs to it like any other); when the chunk cannot be
/// fetched, an error with a button that tries again (the rest of the app keeps working).
pub fn lazy_page<Fut>(load: fn() -> Fut) -> AnyView
where
    Fut: Future<Output = Result<BuildPage, SplitLoaderError>> + 'static,
{
    let chunk = RwSignal::new(Chunk::Loading);
    let fetch = move || {
        leptos::task::spawn_local(async move {
            chunk.set(match load().await {
                Ok(build) => Chunk::Loaded(build),
                Err(_) => Chunk::Failed,
            })
        })
    };
    fetch();
    let view = move || match chunk.get() {
        Chunk::Loading => view! { <p class="loading" aria-busy="true">{tx("common.loading")}</p> }.into_any(),
        // Built untracked, as a page outside a chunk is: what the page reads while it is built
        // must not build it again.
        Chunk::Loaded(build) => untrack(build),
        Chunk::Failed => view! {
            <section class="card narrow">
                <p class="error-banner" role="alert">{tx("common.page_load_failed")}</p>
                <button
                    type="button"
                    class="primary"
                    on:click=move |_| {
                        chunk.set(Chunk::Loading);
                        fetch();
                    }
                >
                    {tx("common.retry")}
                </button>
            </section>
        }
        .into_any(),
    };
    view.into_any()
}

/// `lazy!(group, fn_name, Page)`: an async function that loads `group`'s chunk and answers how
/// to build `Page`.
macro_rules! lazy {
    ($group:ident, $name:ident, $($page:ident)::+) => {
        #[wasm_split_helpers::wasm_split($group, fallible)]
        pub fn $name() -> Result<BuildPage, SplitLoaderError> {
            Ok(|| view! { <$($page)::+ /> }.into_any())
        }
    };
}

lazy!(setup, setup_wizard, pages::setup_wizard::SetupWizard);
lazy!(admin, users, pages::admin::users::UsersPage);
lazy!(admin, organizations, pages::admin::organizations::OrganizationsPage);
lazy!(admin, roles, pages::admin::roles::RolesPage);
lazy!(admin, settings, pages::admin::settings::SettingsPage);
lazy!(admin, updates, pages::admin::updates::UpdatesPage);
lazy!(attendance, console, pages::attendance::console::ConsolePage);
lazy!(attendance_admin, task, pages::attendance::task::TaskPage);
lazy!(attendance_admin, log_imports, pages::attendance::imports::ImportsPage);
lazy!(attendance_admin, rules, pages::attendance::rules::RulesPage);
lazy!(attendance_admin, holidays, pages::attendance::holidays::HolidaysPage);
lazy!(attendance_admin, display, pages::attendance::display::DisplayPage);
lazy!(attendance_admin, output_profiles, pages::attendance::profiles::ProfilesPage);
lazy!(effort_admin, effort_projects, pages::effort::projects::ProjectsPage);
lazy!(effort_admin, effort_approvals, pages::effort::approvals::ApprovalsPage);
lazy!(effort_admin, effort_settings, pages::effort::settings::EffortSettingsPage);
lazy!(effort_admin, effort_gaps, pages::effort::gaps::GapReportPage);
lazy!(effort_admin, effort_import, pages::effort::import::EffortImportPage);
lazy!(effort_admin, effort_plan, pages::effort::plan::ProjectPlanPage);
lazy!(effort_admin, effort_gantt, pages::effort::gantt::GanttPage);
lazy!(effort_admin, effort_report, pages::effort::report::EffortReportPage);
lazy!(effort_admin, effort_resources, pages::effort::resources::ResourcesPage);
lazy!(effort, effort_week, pages::effort::week::EffortWeekPage);
lazy!(effort, effort_dashboard, pages::effort::dashboard::EffortDashboard);
