//! The `kinmu` command run as scripts run it, for the integration tests: a data folder of its own,
//! no configuration from the environment, standard input given or closed.

#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `kinmu ARGS` with `data_dir` as its data folder and `stdin` as its input.
pub fn kinmu(data_dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kinmu"))
        .args(args)
        .env("KINMU_DATA_DIR", data_dir)
        .env_remove("KINMU_DATABASE_URL")
        .env_remove("KINMU_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kinmu starts");
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}
