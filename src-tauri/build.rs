fn main() {
    // Reads src-tauri/tauri.conf.json, a symlink to the top-level tauri.conf.json.
    tauri_build::build();
}
