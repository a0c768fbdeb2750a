//! Desktop only: which Kinmu server the app talks to and, when the app runs from an install, its
//! own settings: the temporary download folder of its updates (seed II.4 ②) and the repair of the
//! installed version (全プログラムアップデート, seed II.2 ii)).

use kinmu_shared::api::DownloadFolderSetting;
use leptos::prelude::*;

use crate::api_client;
use crate::app_state::app;
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
        <DesktopAppSettings />
    }
}

/// The app's own settings, shown when it runs from an install (it updates itself): the download
/// folder and the repair.
#[component]
fn DesktopAppSettings() -> impl IntoView {
    let setting = RwSignal::new(None::<DownloadFolderSetting>);
    leptos::task::spawn_local(async move {
        if let Ok(s) = api_client::download_folder_get().await {
            setting.set(s);
        }
    });
    move || setting.get().map(|s| view! { <DesktopAppSettingsForm setting=s /> })
}

#[component]
fn DesktopAppSettingsForm(setting: DownloadFolderSetting) -> impl IntoView {
    let state = app();
    let current = RwSignal::new(setting.clone());
    let folder = RwSignal::new(if setting.chosen { setting.folder.clone() } else { String::new() });
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let save = move |path: String| {
        saved.set(false);
        errors.clear();
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api_client::download_folder_set(&path, app().lang.get_untracked()).await {
                Ok(s) => {
                    folder.set(if s.chosen { s.folder.clone() } else { String::new() });
                    current.set(s);
                    saved.set(true);
                }
                Err(e) => errors.set_api(&e),
            }
            busy.set(false);
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save(folder.get_untracked().trim().to_string());
    };
    let version = move || state.desktop_update.with(|s| s.as_ref().and_then(|s| s.installed_version.clone()).unwrap_or_default());
    view! {
        <section class="card narrow" data-testid="desktop-app-settings">
            <h2>{tx("connection.app_title")}</h2>
            <form on:submit=submit novalidate>
                <TextField id="download-dir" field="download_dir" label=tr("connection.download_dir") value=folder errors=errors hint=tr("connection.download_dir_hint") />
                <p class="hint" data-testid="download-dir-used">
                    {move || current.with(|c| {
                        let key = if c.chosen { "connection.download_dir_used" } else { "connection.download_dir_default_used" };
                        t(key).replace("{folder}", &c.folder)
                    })}
                </p>
                <GeneralError errors=errors />
                {move || saved.get().then(|| view! { <p class="ok-banner" role="status" data-testid="download-dir-saved">{tx("common.saved")}</p> })}
                <div class="actions">
                    <button type="submit" class="primary" data-testid="download-dir-save" disabled=move || busy.get()>{tx("common.save")}</button>
                    <button type="button" data-testid="download-dir-default" disabled=move || busy.get() on:click=move |_| save(String::new())>
                        {tx("connection.download_dir_reset")}
                    </button>
                </div>
            </form>
            <h3>{tx("connection.repair_title")}</h3>
            <p>{move || t("connection.repair_text").replace("{v}", &version())}</p>
            <div class="actions">
                <button type="button" data-testid="repair-now" on:click=move |_| crate::pages::app_update::start_repair()>
                    {tx("connection.repair")}
                </button>
            </div>
        </section>
    }
}
