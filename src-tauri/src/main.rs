//! Kinmu's desktop app: a window showing the Kinmu UI whose API calls go through the shell to the
//! Kinmu server the user chose on first start. The UI is the bundle of the installed version
//! (`<install>/versions/<v>/ui/`, served through the `kinmu-ui` protocol), or the one compiled in
//! when the app does not run from an install. At start the shell checks in with the server
//! through the desktop updater; the UI shows the start-up mode's dialog and runs the update.

// No console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod desktop_update;
mod download_folder;
mod error;
mod server_connection;
mod settings_file;
mod ui_protocol;

use tauri::{Manager, WebviewUrl, WebviewWindowBuilder};

use crate::desktop_update::DesktopUpdates;
use crate::server_connection::ServerConnection;

fn main() {
    // The install this program runs from (the launcher says so), if any.
    let running = kinmu_updater::running::Running::from_env();
    if let Some(r) = &running
        && let Err(e) = kinmu_updater::apply::recover_launcher(r.layout())
    {
        eprintln!("kinmu-desktop: cannot restore the launcher: {e}");
    }
    let ui_dir = running.as_ref().and_then(|r| r.ui_dir());
    let served = ui_dir.clone();
    tauri::Builder::default()
        .register_asynchronous_uri_scheme_protocol(ui_protocol::SCHEME, move |ctx, request, responder| {
            ui_protocol::answer(ctx.app_handle(), served.clone(), request.uri().path().to_string(), responder);
        })
        .setup(move |app| {
            // e.g. ~/.config/jp.kinmu.desktop/server.json on Linux.
            let config_dir = app.path().app_config_dir()?;
            app.manage(ServerConnection::load(&config_dir));
            app.manage(DesktopUpdates::new(running, ui_dir.is_some(), settings_file::path_in(&config_dir)));
            // The main window (tauri.conf.json, "create": false) opens the UI through the protocol.
            let mut config = app.config().app.windows.iter().find(|w| w.label == "main").cloned().ok_or("no main window configured")?;
            config.url = WebviewUrl::CustomProtocol(ui_protocol::start_url());
            WebviewWindowBuilder::from_config(app.handle(), &config)?.build()?;
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::server_url_get,
            commands::server_url_set,
            commands::api_request,
            commands::update_status,
            commands::update_run,
            commands::update_progress,
            commands::download_folder_get,
            commands::download_folder_set,
            commands::app_ready,
            commands::app_quit,
        ])
        // Reads src-tauri/tauri.conf.json, a symlink to the top-level tauri.conf.json; the paths
        // in it are therefore relative to src-tauri/ (e.g. "../ui/dist").
        .run(tauri::generate_context!())
        .expect("Kinmu could not start its window");
}
