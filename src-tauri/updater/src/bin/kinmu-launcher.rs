//! `kinmu-launcher`: starts the current version of the Kinmu desktop (see `kinmu_updater::launch`).
//!
//! ```text
//! kinmu-launcher [--install DIR] [--program NAME] [--health-timeout SECS] [--wait] [-- ARGS…]
//!     starts the current version's program with ARGS; a version on trial is watched until it
//!     reports healthy, else the previous version is restored and started; with --wait the
//!     launcher stays until the program ends. The health timeout defaults to
//!     $KINMU_HEALTH_TIMEOUT seconds, else 60
//! kinmu-launcher apply DIR --version X [--install DIR]
//!     installs the files of DIR as version X beside the installed ones and makes it current
//!     (a new install from the install media, or an update carried by hand); when DIR holds a
//!     launcher that differs from the installed one, the launcher is replaced first (updater
//!     first: it replaces itself, see `apply::replace_launcher`)
//! kinmu-launcher status [--install DIR]
//!     prints the pointer and the versions in place
//! ```
//! The install folder defaults to the launcher's own folder.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use kinmu_shared::update_policy::InstallKind;
use kinmu_updater::apply::{self, Applied, NewVersion};
use kinmu_updater::fault::Faults;
use kinmu_updater::launch::{self, LaunchOptions, Launched};
use kinmu_updater::{Layout, layout, plan};

fn usage() -> String {
    "usage: kinmu-launcher [--install DIR] [--program NAME] [--health-timeout SECS] [--wait] [-- ARGS…]\n       \
     kinmu-launcher apply DIR --version X [--install DIR]\n       kinmu-launcher status [--install DIR]"
        .to_string()
}

fn main() -> ExitCode {
    match run(std::env::args_os().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kinmu-launcher: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<OsString>) -> Result<(), String> {
    let mut install: Option<PathBuf> = None;
    let mut options = LaunchOptions::default();
    let mut command: Option<String> = None;
    let mut positional: Vec<OsString> = Vec::new();
    let mut version: Option<String> = None;
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let text = arg.to_string_lossy().to_string();
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value\n{}", usage()));
        match text.as_str() {
            "--" => {
                options.args = it.by_ref().collect();
            }
            "--install" => install = Some(PathBuf::from(value("--install")?)),
            "--program" => options.program = value("--program")?.to_string_lossy().to_string(),
            "--health-timeout" => {
                let secs = value("--health-timeout")?;
                let secs: f64 = secs.to_string_lossy().parse().map_err(|_| format!("--health-timeout takes seconds, not {secs:?}"))?;
                options.health_timeout = Duration::from_secs_f64(secs.max(0.0));
            }
            "--wait" => options.wait = true,
            "--version" => version = Some(value("--version")?.to_string_lossy().to_string()),
            "--help" | "-h" => {
                println!("{}", usage());
                return Ok(());
            }
            "apply" | "status" if command.is_none() && positional.is_empty() => command = Some(text),
            _ if text.starts_with("--") => return Err(format!("unknown option {text}\n{}", usage())),
            _ => positional.push(arg),
        }
    }
    let install = match install {
        Some(dir) => dir,
        None => std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(PathBuf::from))
            .ok_or("cannot tell the launcher's own folder: give --install DIR")?,
    };
    let layout = Layout::new(install);
    let faults = Faults::from_env();
    match command.as_deref() {
        None => {
            if !positional.is_empty() {
                return Err(format!("unexpected argument {:?}: the program's arguments go after --\n{}", positional[0], usage()));
            }
            match launch::launch(&layout, &options, &faults).map_err(|e| e.to_string())? {
                Launched::Started { version } => println!("started version {version}"),
                Launched::Confirmed { version } => println!("version {version} started healthy"),
                Launched::RolledBack { failed, version, reason } => {
                    println!("rolled back from version {failed} to {version}: {reason}")
                }
            }
            Ok(())
        }
        Some("apply") => {
            let [dir] = positional.as_slice() else { return Err(format!("apply takes one folder\n{}", usage())) };
            let version = version.ok_or_else(|| format!("apply needs --version X\n{}", usage()))?;
            let files = apply::files_of_folder(std::path::Path::new(dir)).map_err(|e| e.to_string())?;
            if let Some(l) = files.iter().find(|f| f.path == layout::launcher_file_name())
                && !apply::launcher_is(&layout, l.length, &l.sha256)
            {
                apply::replace_launcher(&layout, &l.source, l.length, &l.sha256, &faults).map_err(|e| e.to_string())?;
                println!("the launcher was replaced first");
            }
            let kind =
                if layout.read_pointer().map_err(|e| e.to_string())?.is_some() { InstallKind::Differential } else { InstallKind::New };
            let mut modules: Vec<String> = files.iter().map(|f| plan::module_of(&f.path).to_string()).collect();
            modules.sort();
            modules.dedup();
            let new =
                NewVersion { version: version.clone(), files, install_kind: kind, modules, update_id: kinmu_updater::files::fresh_id() };
            match apply::apply(&layout, &new, &faults).map_err(|e| e.to_string())? {
                Applied::AlreadyCurrent => println!("version {version} is current already"),
                Applied::Switched { folder, previous: Some(p), .. } => {
                    println!("version {version} applied in versions/{folder}; it starts on trial, {p} stays until it is healthy")
                }
                Applied::Switched { folder, previous: None, .. } => println!("version {version} installed in versions/{folder}"),
            }
            Ok(())
        }
        Some("status") => {
            let pointer = layout.read_pointer().map_err(|e| e.to_string())?;
            println!("{}", serde_json::to_string_pretty(&pointer).unwrap_or_default());
            println!("versions in place: {}", layout.installed_versions().map_err(|e| e.to_string())?.join(", "));
            Ok(())
        }
        Some(other) => Err(format!("unknown command {other}")),
    }
}
