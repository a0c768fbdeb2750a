//! Kinmu's desktop app: a window showing the Kinmu UI (`ui/dist`, embedded at build time) whose
//! API calls go through the shell to the Kinmu server the user chose on first start.

// No console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod error;
mod server_connection;

use tauri::Manager;

use crate::server_connection::ServerConnection;

fn main() {
    tauri::Builder::default()
        .setup(|app| {
            // e.g. ~/.config/jp.kinmu.desktop/server.json on Linux.
            let config_dir = app.path().app_config_dir()?;
            app.manage(ServerConnection::load(&config_dir));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![commands::server_url_get, commands::server_url_set, commands::api_request,])
        // Reads src-tauri/tauri.conf.json, a symlink to the top-level tauri.conf.json; the paths
        // in it are therefore relative to src-tauri/ (e.g. "../ui/dist").
        .run(tauri::generate_context!())
        .expect("Kinmu could not start its window");
}
