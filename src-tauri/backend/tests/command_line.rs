//! The `kinmu` command as scripts use it: headless setup, users, and failures that say why.

mod kinmu_process;
mod test_databases;

use kinmu_process::kinmu;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

#[test]
fn headless_setup_and_user_scripting() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let out = kinmu(d, &["user", "add", "--login", "x", "--name", "X", "--password-stdin"], Some("Blue-Harbor-58\n"));
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("not set up"), "{}", text(&out.stderr));

    let out = kinmu(d, &["setup", "--org", "Acme", "--admin-login", "admin"], None);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--password-stdin"), "the password is never an argument: {}", text(&out.stderr));

    let out = kinmu(d, &["setup", "--org", "Acme", "--admin-login", "admin", "--password-stdin"], Some("weak\n"));
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("admin_password is too weak"), "{}", text(&out.stderr));

    let out = kinmu(
        d,
        &["setup", "--org", "Acme", "--admin-login", "admin", "--language", "en", "--password-stdin"],
        Some("Kinmu-Strong-2026\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(d.join("kinmu.db").is_file(), "the embedded database is created in the data folder");

    let out = kinmu(d, &["setup", "--org", "Again", "--admin-login", "other", "--password-stdin"], Some("Kinmu-Strong-2026\n"));
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("already set up"));

    let out = kinmu(
        d,
        &[
            "user",
            "add",
            "--login",
            "a-mogami",
            "--name",
            "最上 晶",
            "--org",
            "Acme / Osaka",
            "--log-account",
            "OSAKA\\a-mogami",
            "--log-account",
            "a-mogami@osaka.com",
            "--role",
            "manager",
            "--password-stdin",
        ],
        Some("Blue-Harbor-58\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    let out = kinmu(d, &["user", "list", "--format", "csv"], None);
    let csv = text(&out.stdout);
    assert!(csv.contains("a-mogami,最上 晶,Acme / Osaka,Manager,active,OSAKA\\a-mogami;a-mogami@osaka.com"), "{csv}");

    let out = kinmu(d, &["user", "disable", "a-mogami"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&kinmu(d, &["user", "list", "--all"], None).stdout);
    assert!(table.lines().any(|l| l.starts_with("a-mogami") && l.contains("disabled")), "{table}");
    let table = text(&kinmu(d, &["user", "list"], None).stdout);
    assert!(!table.contains("a-mogami"), "disabled users are listed only with --all: {table}");

    let out = kinmu(d, &["user", "disable", "nobody"], None);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("nobody"));
}

#[test]
fn an_unreachable_database_is_one_line_and_a_failure_exit() {
    let dir = tempfile::tempdir().unwrap();
    let out = kinmu(dir.path(), &["--database", "postgres://kinmu:hunter2@127.0.0.1:1/kinmu", "user", "list"], None);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("kinmu:")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].contains("cannot open the database"), "{err}");
    assert!(!err.contains("hunter2"), "no secret in the output: {err}");
    assert!(!err.contains("panicked"));

    let out = kinmu(dir.path(), &["--database", "mysql://x", "migrate"], None);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("unsupported database URL"));
}

#[test]
fn help_documents_every_option() {
    let dir = tempfile::tempdir().unwrap();
    let top = text(&kinmu(dir.path(), &["--help"], None).stdout);
    for word in ["serve", "setup", "user", "--database", "--config", "--data-dir", "KINMU_DATABASE_URL"] {
        assert!(top.contains(word), "kinmu --help mentions {word}: {top}");
    }
    let serve = text(&kinmu(dir.path(), &["serve", "--help"], None).stdout);
    for word in
        ["--addr", "--base-path", "--ui-dir", "--secure-cookies", "--inbox", "KINMU_ADDR", "KINMU_BASE_PATH", "KINMU_ATTENDANCE_INBOX"]
    {
        assert!(serve.contains(word), "kinmu serve --help mentions {word}: {serve}");
    }
}

#[test]
fn a_bad_config_file_names_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("kinmu.toml");
    std::fs::write(&cfg, "[server]\nadress = \"0.0.0.0:80\"\n").unwrap();
    let out = kinmu(dir.path(), &["--config", cfg.to_str().unwrap(), "migrate"], None);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("adress"), "{}", text(&out.stderr));
}

#[test]
fn import_prints_a_summary_per_file_and_fails_when_a_file_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let evtx = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/evtx"));
    let real = evtx.join("DE_RDP_Tunneling_4624.evtx");
    let csv = d.join("alog.csv");
    let mut body = String::from("時刻,ユーザー,サーバ,対象,操作,詳細\n");
    for i in 0..25 {
        body.push_str(&format!("not a time {i},DOMAIN\\u,DC,T,LOGON,\n"));
    }
    body.push_str("2024/04/01 08:51:00,DOMAIN\\Kawasaki,DC001,CLPC001,LOGON,ClientName:CLPC001\n");
    std::fs::write(&csv, body).unwrap();
    let (real, csv) = (real.to_str().unwrap(), csv.to_str().unwrap());

    let out = kinmu(d, &["import", real, csv, "--keep-older"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains(&format!("{real}: 18 events read, 18 imported, 0 duplicates, 0 rejected (evtx")), "{stdout}");
    assert!(stdout.contains(&format!("{csv}: 1 events read, 1 imported, 0 duplicates, 25 rejected (alog-csv")), "{stdout}");
    assert!(stdout.contains(&format!("{csv}:2: ")), "rejected lines as file:line: reason: {stdout}");
    assert!(stdout.contains(&format!("{csv}:21: ")) && !stdout.contains(&format!("{csv}:22: ")), "the first 20: {stdout}");
    assert!(stdout.contains("… and 5 more rejected lines"), "{stdout}");

    let out = kinmu(d, &["import", real, "--keep-older"], None);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("18 events read, 0 imported, 18 duplicates"), "{}", text(&out.stdout));

    let missing = d.join("missing.evtx");
    let out = kinmu(d, &["import", missing.to_str().unwrap(), real, "--keep-older"], None);
    assert!(!out.status.success(), "a missing file fails the command");
    assert!(text(&out.stderr).contains("missing.evtx: no such file"), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("18 duplicates"), "the other files are still imported");

    let out = kinmu(d, &["import", real, "--format", "jsonl"], None);
    assert!(!out.status.success(), "a file with nothing readable fails");
    assert!(text(&out.stdout).contains("FAILED"), "{}", text(&out.stdout));

    let out = kinmu(d, &["import", real, "--format", "xml"], None);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("alog-csv, evtx or jsonl"), "{}", text(&out.stderr));
}

#[test]
fn import_leaves_out_events_older_than_the_retention_unless_asked_to_keep_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let real = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/evtx/DE_RDP_Tunneling_4624.evtx");
    let out = kinmu(d, &["import", real], None);
    assert!(out.status.success(), "all old is not a failure: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("18 events read, 0 imported, 0 duplicates, 0 rejected"), "{stdout}");
    assert!(stdout.contains("18 events older than the retention of raw events (400 days): left out"), "{stdout}");
    assert!(stdout.contains("--keep-older stores them"), "{stdout}");
    let out = kinmu(d, &["import", real, "--keep-older"], None);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("18 events read, 18 imported, 0 duplicates"), "{stdout}");
    assert!(stdout.contains("18 events older than the retention of raw events (400 days): stored as asked"), "{stdout}");
}

#[test]
fn a_file_out_of_time_order_is_sorted_in_the_temporary_folder_or_the_import_says_what_to_free() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 2,000 logs from 10:00, then 100 from 8:00: the last lines reach back two hours.
    let mut body = String::new();
    for i in 0..2_000 {
        body.push_str(&format!("2024/04/01 10:{:02}:{:02},DOMAIN\\u{},DC,PC{},LOGON,\n", i / 60 % 60, i % 60, i % 50, i % 50));
    }
    for i in 0..100 {
        body.push_str(&format!("2024/04/01 08:{:02}:{:02},DOMAIN\\early{i},DC,PC{i},LOGON,\n", i / 60, i % 60));
    }
    let csv = d.join("late-lines.csv");
    std::fs::write(&csv, body).unwrap();
    let import = |tmp: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_kinmu"))
            .args(["import", csv.to_str().unwrap(), "--keep-older"])
            .env("KINMU_DATA_DIR", d)
            .env("TMPDIR", tmp)
            .env_remove("KINMU_DATABASE_URL")
            .env_remove("KINMU_CONFIG")
            .output()
            .unwrap()
    };

    let out = import(&d.join("no-such-folder"));
    assert!(!out.status.success(), "the sort could not be written");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("not in time order") && stderr.contains("TMPDIR") && stderr.contains("no-such-folder"), "{stderr}");

    // What had been read when the sort could not start was stored as it came: nothing is
    // lost, and with room to sort the file is read again as duplicates.
    let out = import(d);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("2100 events read, 0 imported, 2100 duplicates, 0 rejected"), "{stdout}");
}

#[test]
fn attendance_show_computes_a_login_s_month_from_its_log_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = kinmu(
        d,
        &["setup", "--org", "Acme", "--admin-login", "admin", "--language", "en", "--password-stdin"],
        Some("Kinmu-Strong-2026\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = kinmu(
        d,
        &["user", "add", "--login", "kawa", "--name", "川崎", "--log-account", "DOMAIN\\Kawasaki", "--password-stdin"],
        Some("Blue-Harbor-58-x\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = d.join("alog.csv");
    std::fs::write(
        &csv,
        "2024/04/01 08:51:00,DOMAIN\\Kawasaki,DC001,CLPC001,LOGON,ClientName:CLPC001 LogonType:Script\n\
         2024/04/01 18:02:00,DOMAIN\\Kawasaki,DC001,CLPC001,LOGOFF,ClientName:CLPC001 LogonType:Script\n",
    )
    .unwrap();
    let out = kinmu(d, &["import", csv.to_str().unwrap(), "--keep-older"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let out = kinmu(d, &["attendance", "show", "--user", "kawa", "--month", "2024-04", "--format", "csv"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "date,clock_in,clock_out,actual_work,overtime,late_night,late,early_leave,note");
    assert_eq!(lines.len(), 1 + 30 + 1, "a line a day and the total: {stdout}");
    assert!(lines[1].starts_with("2024-04-01 Mon,") && !lines[1].contains(",,"), "{}", lines[1]);
    assert!(lines[31].starts_with("total,") && lines[31].ends_with("1 days worked"), "{}", lines[31]);

    let out = kinmu(d, &["attendance", "show", "--user", "Kawasaki", "--month", "2024-04"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("logs of domain\\kawasaki"), "{}", text(&out.stdout));

    let out = kinmu(d, &["attendance", "show", "--user", "kawa", "--month", "April"], None);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("YYYY-MM"), "{}", text(&out.stderr));
}

#[test]
fn settings_travel_as_toml_and_rebuild_applies_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = kinmu(
        d,
        &["setup", "--org", "Acme", "--admin-login", "admin", "--language", "en", "--password-stdin"],
        Some("Kinmu-Strong-2026\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = kinmu(
        d,
        &["user", "add", "--login", "kawa", "--name", "川崎", "--log-account", "DOMAIN\\Kawasaki", "--password-stdin"],
        Some("Blue-Harbor-58-x\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = d.join("alog.csv");
    std::fs::write(
        &csv,
        "2024/04/01 08:51:00,DOMAIN\\Kawasaki,DC001,CLPC001,LOGON,ClientName:CLPC001 LogonType:Script\n\
         2024/04/01 18:12:00,DOMAIN\\Kawasaki,DC001,CLPC001,LOGOFF,ClientName:CLPC001 LogonType:Script\n",
    )
    .unwrap();
    assert!(kinmu(d, &["import", csv.to_str().unwrap(), "--keep-older"], None).status.success());

    let out = kinmu(d, &["settings", "export"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let exported = text(&out.stdout);
    assert!(exported.contains("[attendance_rules]") && exported.contains("rounding_minutes = 0"), "{exported}");
    // Keep raw events and daily records for ever (the April 2024 logs are older than the
    // default 400 days) and round to 5 minutes.
    let edited = exported
        .replace("events_days = 400", "events_days = 0")
        .replace("daily_days = 760", "daily_days = 0")
        .replace("rounding_minutes = 0", "rounding_minutes = 5");
    let file = d.join("settings.toml");
    std::fs::write(&file, &edited).unwrap();
    let out = kinmu(d, &["settings", "import", file.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("settings imported"), "{}", text(&out.stdout));

    let out = kinmu(d, &["attendance", "rebuild", "--from", "2024-04-01", "--to", "2024-04-02"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("completed") && stdout.contains("2 of 2 days"), "{stdout}");
    let out = kinmu(d, &["attendance", "status", "--format", "csv"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let status = text(&out.stdout);
    assert!(status.lines().any(|l| l.contains(",rebuild,2024-04-01,2024-04-02,") && l.contains(",completed,2/2,")), "{status}");
    let out = kinmu(d, &["attendance", "show", "--user", "kawa", "--month", "2024-04", "--format", "csv"], None);
    assert!(text(&out.stdout).lines().nth(1).unwrap().starts_with("2024-04-01 Mon,8:55,18:10,"), "{}", text(&out.stdout));

    // Bad input: a reversed range, a settings file with a wrong value (nothing applied).
    let out = kinmu(d, &["attendance", "rebuild", "--from", "2024-04-02", "--to", "2024-04-01"], None);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("before"), "{}", text(&out.stderr));
    std::fs::write(&file, edited.replace("rounding_minutes = 5", "rounding_minutes = 61")).unwrap();
    let out = kinmu(d, &["settings", "import", file.to_str().unwrap()], None);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("rounding_minutes"), "{}", text(&out.stderr));
    assert!(text(&kinmu(d, &["settings", "export"], None).stdout).contains("rounding_minutes = 5"));
}

#[test]
fn export_and_output_profiles_write_attendance_tables() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = kinmu(
        d,
        &["setup", "--org", "Acme", "--admin-login", "admin", "--language", "en", "--password-stdin"],
        Some("Kinmu-Strong-2026\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = kinmu(
        d,
        &["user", "add", "--login", "kawa", "--name", "川崎", "--log-account", "DOMAIN\\Kawasaki", "--password-stdin"],
        Some("Blue-Harbor-58-x\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = d.join("alog.csv");
    std::fs::write(
        &csv,
        "2024/04/01 08:51:00,DOMAIN\\Kawasaki,DC001,CLPC001,LOGON,ClientName:CLPC001 LogonType:Script\n\
         2024/04/01 18:12:00,DOMAIN\\Kawasaki,DC001,CLPC001,LOGOFF,ClientName:CLPC001 LogonType:Script\n",
    )
    .unwrap();
    assert!(kinmu(d, &["import", csv.to_str().unwrap(), "--keep-older"], None).status.success());
    // A daily output profile, and raw events kept for ever, through the settings file.
    let exported = text(&kinmu(d, &["settings", "export"], None).stdout)
        .replace("events_days = 400", "events_days = 0")
        .replace("daily_days = 760", "daily_days = 0");
    let files = d.join("files");
    let with_profile = format!(
        "{exported}\n[[output_profiles]]\nname = \"Daily\"\nkind = \"daily\"\nunit = \"per_day\"\nfolder = \"{}\"\n\n[output_profiles.layout]\ncolumns = [\"user\", \"date\", \"clock_in\", \"clock_out\", \"actual_work\"]\n",
        files.display()
    );
    let settings = d.join("settings.toml");
    std::fs::write(&settings, &with_profile).unwrap();
    let out = kinmu(d, &["settings", "import", settings.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = kinmu(d, &["files", "list", "--format", "csv"], None);
    assert!(text(&out.stdout).lines().any(|l| l.starts_with("Daily,true,daily,csv,false,per_day,none,")), "{}", text(&out.stdout));

    // The rebuild writes the profile's files.
    let out = kinmu(d, &["attendance", "rebuild", "--from", "2024-04-01", "--to", "2024-04-02"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let day1 = std::fs::read_to_string(files.join("daily_2024-04-01.csv")).unwrap();
    assert_eq!(day1, "\u{feff}User,Date,Clock-in,Clock-out,Actual work\n川崎,2024-04-01,8:51,18:12,8:21\n");
    assert!(files.join("daily_2024-04-02.csv").is_file());
    std::fs::remove_file(files.join("daily_2024-04-01.csv")).unwrap();
    let out = kinmu(d, &["files", "run", "--profile", "daily", "--date", "2024-04-01"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("daily_2024-04-01.csv (1 rows"), "{}", text(&out.stdout));

    // kinmu export: CSV in Shift_JIS, an Excel timesheet.
    let m = d.join("monthly.csv");
    let out = kinmu(
        d,
        &["export", "monthly", "--month", "2024-04", "--format", "csv", "--encoding", "shift_jis", "--out", m.to_str().unwrap()],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let bytes = std::fs::read(&m).unwrap();
    let (monthly, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!bad && monthly.lines().nth(1).unwrap().starts_with("川崎,,0,0,8:21,"), "{monthly}");
    let t = d.join("timesheet.xlsx");
    let out =
        kinmu(d, &["export", "timesheet", "--month", "2024-04", "--user", "kawa", "--format", "xlsx", "--out", t.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(std::fs::read(&t).unwrap().starts_with(b"PK"), "an xlsx is a zip");
    let out = kinmu(d, &["export", "daily", "--month", "2024-04", "--format", "csv", "--out", m.to_str().unwrap()], None);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--date"), "{}", text(&out.stderr));
}

/// An administrator locked out by someone guessing their password unlocks themselves on the
/// server with the command.
#[tokio::test]
async fn a_locked_login_is_unlocked_with_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = kinmu(d, &["setup", "--org", "Acme", "--admin-login", "admin", "--password-stdin"], Some("Kinmu-Strong-2026\n"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let db = kinmu::database::Db::open(&kinmu::config::DatabaseUrl::sqlite_in(d), 1).await.unwrap();
    let now = kinmu::now();
    for i in 0..5 {
        let _ = kinmu::accounts::sessions::login(&db, "admin", &format!("guess-{i}"), None, now).await;
    }
    let locked = kinmu::accounts::sessions::login(&db, "admin", "Kinmu-Strong-2026", None, now).await;
    assert!(matches!(locked, Err(kinmu::error::Error::AccountLocked { .. })));
    let out = kinmu(d, &["user", "unlock", "ADMIN"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("unlocked user admin"), "{}", text(&out.stdout));
    assert!(kinmu::accounts::sessions::login(&db, "admin", "Kinmu-Strong-2026", None, now).await.is_ok());
    let out = kinmu(d, &["user", "unlock", "nobody"], None);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("nobody"), "{}", text(&out.stderr));
}

/// `kinmu release …` as an operator scripts it: the order of the steps, the key files' safety,
/// and failures that name their fix.
#[test]
fn release_commands_guide_the_operator_and_keep_keys_private() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let help = text(&kinmu(d, &["release", "--help"], None).stdout);
    for word in ["keys", "publish", "list", "offer", "root", "rotate-key", "refresh"] {
        assert!(help.contains(word), "kinmu release --help mentions {word}: {help}");
    }
    let src = d.join("release");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(src.join("kinmu-desktop"), b"binary").unwrap();
    let src_arg = src.to_str().unwrap();

    // Publishing before the keys exist says what to run first.
    let out = kinmu(d, &["release", "publish", src_arg, "--version", "1.0.0"], None);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("kinmu release keys init"), "{}", text(&out.stderr));

    let root_key = d.join("offline").join("root.key");
    std::fs::create_dir_all(root_key.parent().unwrap()).unwrap();
    let key_arg = root_key.to_str().unwrap();
    let out = kinmu(d, &["release", "keys", "init", "--root-key", key_arg], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let all_output = format!("{}{}", text(&out.stdout), text(&out.stderr));
    let key_bytes = std::fs::read(&root_key).unwrap();
    assert!(!all_output.contains(&hex::encode(&key_bytes)), "the private key is never printed");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&root_key), 0o600);
        for role in ["targets", "snapshot", "timestamp"] {
            assert_eq!(mode(&d.join("updates/keys").join(format!("{role}.key"))), 0o600, "{role}");
        }
        assert_eq!(mode(&d.join("updates/keys")), 0o700);
    }
    // Twice: refused, and the root key is not overwritten.
    let out = kinmu(d, &["release", "keys", "init", "--root-key", d.join("other.key").to_str().unwrap()], None);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("rotate-key"), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&root_key).unwrap(), key_bytes);

    let out = kinmu(d, &["release", "publish", src_arg, "--version", "1.0 beta"], None);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("is not a version"), "{}", text(&out.stderr));
    let out = kinmu(d, &["release", "publish", src_arg, "--version", "1.0.0", "--platform", "Windows"], None);
    assert!(text(&out.stderr).contains("is not a platform"), "{}", text(&out.stderr));
    let out = kinmu(d, &["release", "publish", d.join("missing").to_str().unwrap(), "--version", "1.0.0"], None);
    assert!(text(&out.stderr).contains("is not a folder"), "{}", text(&out.stderr));
    let out = kinmu(d, &["release", "publish", src_arg, "--version", "1.0.0", "--platform", "linux-x86_64"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("1 file, 6 bytes"), "{}", text(&out.stdout));
    let out = kinmu(d, &["release", "offer", "9.9.9", "--platform", "linux-x86_64"], None);
    assert!(text(&out.stderr).contains("kinmu release list"), "{}", text(&out.stderr));
    let out = kinmu(d, &["release", "offer", "1.0.0", "--platform", "linux-x86_64"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let list = text(&kinmu(d, &["release", "list"], None).stdout);
    assert!(list.contains("1.0.0") && list.contains("linux-x86_64") && list.contains("true"), "{list}");

    let out = kinmu(d, &["release", "rotate-key", "--root-key", d.join("nowhere.key").to_str().unwrap()], None);
    assert!(text(&out.stderr).contains("cannot read the key file"), "{}", text(&out.stderr));
    let out = kinmu(d, &["release", "rotate-key", "--root-key", key_arg, "--role", "mirror"], None);
    assert!(text(&out.stderr).contains("targets, snapshot, timestamp or root"), "{}", text(&out.stderr));
    let out = kinmu(d, &["release", "rotate-key", "--root-key", key_arg, "--role", "targets"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let trusted = d.join("trusted.json");
    let out = kinmu(d, &["release", "root", "--out", trusted.to_str().unwrap()], None);
    assert!(text(&out.stdout).contains("2.root.json"), "{}", text(&out.stdout));
    let root: serde_json::Value = serde_json::from_slice(&std::fs::read(&trusted).unwrap()).unwrap();
    assert_eq!(root["signed"]["version"], 2);
    let out = kinmu(d, &["release", "refresh"], None);
    assert!(text(&out.stdout).contains("nothing expires soon"), "{}", text(&out.stdout));
}

/// `kinmu updates …` over the same services as the page: reading needs only the command; a change
/// needs a user holding updates.manage and their password entered again (stdin or a private file,
/// never an argument), checked as the page checks it; the clients, records and the system log
/// come out as the page's lists and CSV.
async fn updates_commands(d: &std::path::Path, database: &[&str]) {
    use kinmu_shared::api::{ClientCheckIn, ClientEventReport};
    use kinmu_shared::update_policy::{ClientProgram, InstallKind, LogCategory, UpdateEvent};
    let run = |args: &[&str], stdin: Option<&str>| {
        let all: Vec<&str> = database.iter().copied().chain(args.iter().copied()).collect();
        kinmu(d, &all, stdin)
    };
    let ok = |out: &std::process::Output| assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    ok(&run(&["setup", "--org", "Acme", "--admin-login", "admin", "--password-stdin"], Some("Kinmu-Strong-2026\n")));
    ok(&run(&["user", "add", "--login", "member1", "--name", "M", "--password-stdin"], Some("Blue-Harbor-58\n")));

    let shown = text(&run(&["updates", "show"], None).stdout);
    assert!(shown.contains("mandatory") && shown.lines().any(|l| l.starts_with("limit") && l.ends_with("15")), "{shown}");
    let set = ["updates", "set", "--mode", "optional", "--limit", "7", "--message", "月曜に更新します", "--retention-days", "30"];
    let with = |extra: &[&'static str]| -> Vec<&str> { set.iter().copied().chain(extra.iter().copied()).collect() };

    // No password given (and no terminal to ask at): refused, saying how to give it.
    let out = run(&with(&["--as", "admin"]), None);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--password-stdin"), "{}", text(&out.stderr));
    // A wrong password, or a user without updates.manage: refused by the service, nothing changed.
    let out = run(&with(&["--as", "admin", "--password-stdin"]), Some("not-the-password\n"));
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("password is wrong"), "{}", text(&out.stderr));
    let out = run(&with(&["--as", "member1", "--password-stdin"]), Some("Blue-Harbor-58\n"));
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("updates.manage"), "{}", text(&out.stderr));
    let out = run(&with(&["--as", "nobody", "--password-stdin"]), Some("x\n"));
    assert!(!out.status.success() && text(&out.stderr).contains("nobody"), "{}", text(&out.stderr));
    assert!(text(&run(&["updates", "show"], None).stdout).contains("mandatory"), "nothing changed");
    // A bad value names its field.
    let out = run(&["updates", "set", "--limit", "0", "--as", "admin", "--password-stdin"], Some("Kinmu-Strong-2026\n"));
    assert!(!out.status.success() && text(&out.stderr).contains("concurrency_limit"), "{}", text(&out.stderr));

    let out = run(&with(&["--as", "admin", "--password-stdin"]), Some("Kinmu-Strong-2026\n"));
    ok(&out);
    let shown = text(&run(&["updates", "show"], None).stdout);
    for want in ["optional", "月曜に更新します", "30"] {
        assert!(shown.contains(want), "{want}: {shown}");
    }
    assert!(shown.lines().any(|l| l.starts_with("limit") && l.ends_with('7')), "{shown}");
    assert!(shown.lines().any(|l| l.starts_with("new_installs") && l.ends_with("allowed")), "settings not given stay: {shown}");

    // A password file others may read is refused; a private one works.
    let file = d.join("password.txt");
    std::fs::write(&file, "Kinmu-Strong-2026\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = run(&["updates", "pause", "--as", "admin", "--password-file", file.to_str().unwrap()], None);
        assert!(!out.status.success() && text(&out.stderr).contains("chmod 600"), "{}", text(&out.stderr));
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    ok(&run(&["updates", "pause", "--as", "admin", "--password-file", file.to_str().unwrap()], None));
    assert!(text(&run(&["updates", "show"], None).stdout).lines().any(|l| l.starts_with("service") && l.ends_with("paused")));
    ok(&run(&["updates", "resume", "--as", "admin", "--password-file", file.to_str().unwrap()], None));
    assert!(text(&run(&["updates", "show"], None).stdout).lines().any(|l| l.starts_with("service") && l.ends_with("running")));

    // A client checks in and fails an update: the clients, records and log commands show it.
    assert!(text(&run(&["updates", "clients"], None).stdout).contains("no client has checked in yet"));
    let url = match database.get(1) {
        Some(u) => kinmu::config::DatabaseUrl::parse(u).unwrap(),
        None => kinmu::config::DatabaseUrl::sqlite_in(d),
    };
    let db = kinmu::database::Db::open(&url, 1).await.unwrap();
    let now = kinmu::now();
    let check_in = ClientCheckIn {
        client_id: "cli-client-0001".into(),
        host: "PC-OSAKA-7".into(),
        user: "OSAKA\\sato".into(),
        program: ClientProgram::App,
        platform: "windows-x86_64".into(),
        version: Some("1.0".into()),
        ..ClientCheckIn::default()
    };
    let answer = kinmu::updates::clients::check_in(
        &db,
        check_in,
        now,
        &kinmu::updates::clients::Draws::seeded(1),
        kinmu::updates::clients::SLOT_SECONDS,
    )
    .await
    .unwrap();
    let secret = answer.client_secret.unwrap();
    for (n, event) in
        [UpdateEvent::DownloadStarted, UpdateEvent::Failed { category: LogCategory::DownloadError, reason: "=the network broke".into() }]
            .into_iter()
            .enumerate()
    {
        let report = ClientEventReport {
            client_id: "cli-client-0001".into(),
            client_secret: secret.clone(),
            request_id: format!("cli-event-{n:04}"),
            module: "app".into(),
            install_kind: InstallKind::Differential,
            from_version: Some("1.0".into()),
            to_version: "2.0".into(),
            event,
            update_id: None,
        };
        kinmu::updates::records::report_event(&db, report, now).await.unwrap();
    }
    db.pool.close().await;
    let clients = text(&run(&["updates", "clients", "--format", "csv"], None).stdout);
    assert!(clients.starts_with("client_id,program,host") && clients.contains("cli-client-0001,app,PC-OSAKA-7"), "{clients}");

    let records = d.join("records.csv");
    let out = run(&["updates", "records", "--result", "failed", "--encoding", "utf-8", "--out", records.to_str().unwrap()], None);
    ok(&out);
    assert!(text(&out.stdout).contains("1 rows"), "{}", text(&out.stdout));
    let csv = std::fs::read_to_string(&records).unwrap();
    assert!(csv.starts_with("id,client_id,host") && csv.contains("PC-OSAKA-7") && csv.contains("'=the network broke"), "{csv}");
    let out = run(&["updates", "records", "--result", "normal", "--out", records.to_str().unwrap()], None);
    assert!(text(&out.stdout).contains("0 rows"), "filters apply: {}", text(&out.stdout));

    let log = d.join("log.csv");
    ok(&run(&["updates", "log", "--level", "error", "--language", "ja", "--encoding", "utf-8", "--out", log.to_str().unwrap()], None));
    let csv = std::fs::read_to_string(&log).unwrap();
    assert!(csv.starts_with("ID,日時,レベル,分類") && csv.contains("cli-client-0001") && csv.contains(",error,"), "{csv}");
    ok(&run(&["updates", "log", "--level", "info", "--out", log.to_str().unwrap()], None));
    let bytes = std::fs::read(&log).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM by default");
    let out = run(&["updates", "log", "--level", "loud", "--out", log.to_str().unwrap()], None);
    assert!(!out.status.success() && text(&out.stderr).contains("info, warning or error"), "{}", text(&out.stderr));
}

#[tokio::test]
async fn updates_commands_show_and_change_the_policy_with_the_password_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    updates_commands(dir.path(), &[]).await;
}

#[tokio::test]
async fn updates_commands_show_and_change_the_policy_with_the_password_on_postgres() {
    let Some(url) = test_databases::postgres_url().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = url.expose().to_string();
    updates_commands(dir.path(), &["--database", &url]).await;
}
