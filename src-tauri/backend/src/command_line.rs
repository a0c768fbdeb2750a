//! The `kinmu` command: `serve`, `setup`, `user add|list|disable`, `migrate`, `import`, `release …`, `updates …`, `effort import|export|show|gaps`, `project import|export`. Errors print one
//! line saying what went wrong and what to do, and exit non-zero; secrets are never printed.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand, ValueEnum};
use kinmu_shared::Language;
use kinmu_shared::api::{CreateUser, SetupRequest};

use crate::accounts::{Actor, organizations, roles, setup, users};
use crate::config::{self, DatabaseUrl, FileConfig};
use crate::database::Db;
use crate::http::{AppState, ServerOptions};

#[derive(Parser, Debug)]
#[command(name = "kinmu", version, about = "Kinmu: effort tracking, attendance from PC logs and client updates, self-hosted")]
pub struct Cli {
    /// TOML configuration file (sections [server], [database], [log], [attendance]); flags and KINMU_* variables override it.
    #[arg(long, global = true, env = "KINMU_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Database URL: sqlite:///path/kinmu.db or postgres://user:password@host/db. Default: kinmu.db in the data folder.
    #[arg(long, global = true, env = "KINMU_DATABASE_URL", value_name = "URL", hide_env_values = true)]
    database: Option<String>,
    /// Folder for the embedded database and other files. Default: $XDG_DATA_HOME/kinmu or ~/.local/share/kinmu.
    #[arg(long, global = true, env = "KINMU_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Largest number of database connections.
    #[arg(long, global = true, env = "KINMU_DB_MAX_CONNECTIONS", value_name = "N")]
    max_connections: Option<u32>,
    /// Log format.
    #[arg(long, global = true, env = "KINMU_LOG_FORMAT", value_enum)]
    log_format: Option<LogFormat>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the web UI and the JSON API (/api/v1).
    Serve(ServeArgs),
    /// Set Kinmu up without the browser wizard: organisation, administrator, language, time zone.
    Setup(SetupArgs),
    /// Add, list and disable users.
    #[command(subcommand)]
    User(UserCommand),
    /// Create or update the database schema, then exit.
    Migrate,
    /// Import access-log files (ALog CSV, Windows EVTX, JSON lines); each event is stored once.
    Import(ImportArgs),
    /// Attendance computed from the imported logs.
    #[command(subcommand)]
    Attendance(AttendanceCommand),
    /// Every administrator setting as one TOML file.
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// Write an attendance table (from the stored records) as CSV or Excel.
    Export(ExportArgs),
    /// The output profiles: files of attendance tables written after each attendance task.
    #[command(subcommand)]
    Files(FilesCommand),
    /// Client releases, published as a signed TUF repository under <data-dir>/updates and served
    /// at <base-path>/updates/.
    #[command(subcommand)]
    Release(ReleaseCommand),
    /// Effort entries in Kinmu's effort CSV (and imports from Kimai, Toggl Track and Clockify),
    /// and a person's effort beside their attendance.
    #[command(subcommand)]
    Effort(EffortCommand),
    /// Projects, their members and work items, and the activities, in Kinmu's projects CSV.
    #[command(subcommand)]
    Project(ProjectCommand),
    /// Client updates: the update policy, the clients, their update records and the system log.
    #[command(subcommand)]
    Updates(UpdatesCommand),
}

#[derive(Subcommand, Debug)]
enum UpdatesCommand {
    /// The update policy (start-up mode, message, concurrency limit, new installs, paused, system
    /// log, retention), the release offered per platform and the clients transferring and waiting.
    Show,
    /// Change the update policy: only the settings given change. Like the administrator page, it
    /// needs a user holding updates.manage and their password entered again: --as LOGIN, and the
    /// password at the prompt, on standard input (--password-stdin) or in a file (--password-file).
    Set(UpdatePolicyArgs),
    /// Pause the update service: no transfer is admitted and no file is served until resumed
    /// (needs --as LOGIN and the password, as `set`).
    Pause(ConfirmedBy),
    /// Resume the paused update service (needs --as LOGIN and the password, as `set`).
    Resume(ConfirmedBy),
    /// The clients the server has seen, most recently seen first, with their transfer and step.
    Clients {
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Write the update records (one per client and update) as CSV.
    Records {
        /// Only records whose host, user or client id contains this.
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// Only this result: in_progress, normal, abnormal or failed.
        #[arg(long, value_name = "RESULT", value_parser = parse_record_result)]
        result: Option<kinmu_shared::update_policy::RecordResult>,
        /// Only this kind: new, differential, repair or updater.
        #[arg(long, value_name = "KIND", value_parser = parse_install_kind)]
        kind: Option<kinmu_shared::update_policy::InstallKind>,
        /// Started on or after this day (YYYY-MM-DD, UTC).
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<String>,
        /// Started on or before this day (YYYY-MM-DD, UTC).
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: Option<String>,
        /// Headings and results in this language: ja or en.
        #[arg(long, default_value = "en", value_parser = parse_language)]
        language: Language,
        /// CSV encoding: utf-8, utf-8-bom or shift_jis.
        #[arg(long, value_name = "ENCODING", default_value = "utf-8-bom", value_parser = parse_encoding)]
        encoding: crate::attendance::reports::CsvEncoding,
        /// The file to write.
        #[arg(long, value_name = "FILE.csv")]
        out: PathBuf,
    },
    /// Write the system log (info, warning and error entries of the clients' updates) as CSV.
    Log {
        /// Only this level: info, warning or error.
        #[arg(long, value_name = "LEVEL", value_parser = parse_log_level)]
        level: Option<kinmu_shared::update_policy::LogLevel>,
        /// Only this client's entries (its id).
        #[arg(long, value_name = "ID")]
        client: Option<String>,
        /// Headings and categories in this language: ja or en.
        #[arg(long, default_value = "en", value_parser = parse_language)]
        language: Language,
        /// CSV encoding: utf-8, utf-8-bom or shift_jis.
        #[arg(long, value_name = "ENCODING", default_value = "utf-8-bom", value_parser = parse_encoding)]
        encoding: crate::attendance::reports::CsvEncoding,
        /// The file to write.
        #[arg(long, value_name = "FILE.csv")]
        out: PathBuf,
    },
}

#[derive(Args, Debug)]
struct UpdatePolicyArgs {
    /// Start-up mode: mandatory, optional or refuse_start.
    #[arg(long, value_name = "MODE", value_parser = parse_startup_mode)]
    mode: Option<kinmu_shared::update_policy::StartupMode>,
    /// The administrator's message shown in every start-up dialog ("" for none).
    #[arg(long, value_name = "TEXT")]
    message: Option<String>,
    /// How many clients may transfer an update at once.
    #[arg(long, value_name = "N")]
    limit: Option<i64>,
    /// Whether a client the server has never seen may install: allowed or forbidden.
    #[arg(long, value_name = "ALLOWED", value_parser = parse_allowed)]
    new_installs: Option<bool>,
    /// Write the system log: on or off.
    #[arg(long, value_name = "ON", value_parser = parse_on_off)]
    system_log: Option<bool>,
    /// Records and log entries older than this many days are deleted.
    #[arg(long, value_name = "DAYS")]
    retention_days: Option<i64>,
    #[command(flatten)]
    by: ConfirmedBy,
}

/// Who makes a change to the update policy, and the proof: their password entered again.
#[derive(Args, Debug)]
struct ConfirmedBy {
    /// The login of the user making the change (they must hold updates.manage).
    #[arg(long = "as", value_name = "LOGIN")]
    login: String,
    /// Read the password from the first line of standard input.
    #[arg(long, conflicts_with = "password_file")]
    password_stdin: bool,
    /// Read the password from the first line of FILE (readable by its owner only).
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
}

fn parse_startup_mode(s: &str) -> Result<kinmu_shared::update_policy::StartupMode, String> {
    kinmu_shared::update_policy::StartupMode::from_key(s)
        .ok_or_else(|| format!("{s:?} is not a start-up mode: use mandatory, optional or refuse_start"))
}

fn parse_record_result(s: &str) -> Result<kinmu_shared::update_policy::RecordResult, String> {
    kinmu_shared::update_policy::RecordResult::from_key(s)
        .ok_or_else(|| format!("{s:?} is not a result: use in_progress, normal, abnormal or failed"))
}

fn parse_install_kind(s: &str) -> Result<kinmu_shared::update_policy::InstallKind, String> {
    kinmu_shared::update_policy::InstallKind::from_key(s)
        .ok_or_else(|| format!("{s:?} is not an install kind: use new, differential, repair or updater"))
}

fn parse_log_level(s: &str) -> Result<kinmu_shared::update_policy::LogLevel, String> {
    kinmu_shared::update_policy::LogLevel::from_key(s).ok_or_else(|| format!("{s:?} is not a level: use info, warning or error"))
}

fn parse_allowed(s: &str) -> Result<bool, String> {
    match s {
        "allowed" | "allow" => Ok(true),
        "forbidden" | "forbid" => Ok(false),
        _ => Err(format!("{s:?}: use allowed or forbidden")),
    }
}

fn parse_on_off(s: &str) -> Result<bool, String> {
    match s {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(format!("{s:?}: use on or off")),
    }
}

#[derive(Subcommand, Debug)]
enum ProjectCommand {
    /// Import Kinmu's projects CSV (a `kind` column: activity, project, member, work_item);
    /// creates what is new, updates what differs, leaves the rest; refused rows are listed by line.
    Import {
        /// The CSV file (UTF-8, with or without BOM, or Shift_JIS).
        #[arg(value_name = "FILE.csv")]
        file: PathBuf,
    },
    /// Write the activities and every project with its members and work items as Kinmu's
    /// projects CSV (the import's columns).
    Export {
        /// CSV encoding: utf-8, utf-8-bom or shift_jis.
        #[arg(long, value_name = "ENCODING", default_value = "utf-8", value_parser = parse_encoding)]
        encoding: crate::attendance::reports::CsvEncoding,
        /// The file to write.
        #[arg(long, value_name = "FILE.csv")]
        out: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum EffortCommand {
    /// Import effort entries from Kinmu's effort CSV (login, date, project_code, work_item,
    /// activity1, activity2, duration, note, id; idempotent by id) or from the time-entry CSV
    /// exports of Kimai, Toggl Track and Clockify (idempotent by each row's source key); the
    /// format is detected from the header unless given. Rows inside a submitted or approved
    /// period, for unknown people or projects, are refused one by one and listed by line.
    Import {
        /// The CSV file (UTF-8, with or without BOM, or Shift_JIS).
        #[arg(value_name = "FILE.csv")]
        file: PathBuf,
        /// kinmu, kimai, toggl or clockify (default: detected from the header).
        #[arg(long, value_name = "FORMAT", value_parser = parse_import_format)]
        format: Option<kinmu_shared::api::ImportFormat>,
        /// How slash dates read: mdy (MM/DD/YYYY), dmy (DD/MM/YYYY) or ymd (default: what the
        /// file's dates show; a file where every slash date reads both ways is refused until
        /// this is given).
        #[arg(long, value_name = "mdy|dmy|ymd", value_parser = parse_date_order)]
        date_order: Option<kinmu_shared::api::DateOrder>,
        /// Create the projects, activities (Kimai) and work items (Toggl, Clockify tasks) the
        /// file names that do not exist yet.
        #[arg(long)]
        create_missing: bool,
        /// Read and check every row, store nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write the entries of a range of days as Kinmu's effort CSV (the import's columns), or with
    /// --format csv or xlsx the effort report of the range: grouped by up to two of project,
    /// work_item, activity1, activity2, person, organization (subtotals and a total), filtered,
    /// rounded as asked (never the stored entries).
    Export {
        /// First day, YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: String,
        /// Last day, YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: String,
        /// Only this person's entries (a login).
        #[arg(long, value_name = "LOGIN")]
        user: Option<String>,
        /// entries: the entries as Kinmu's effort CSV; csv or xlsx: the effort report.
        #[arg(long, value_enum, default_value = "entries")]
        format: EffortExportFormat,
        /// The report's groupings, filters and rounding.
        #[command(flatten)]
        report: Box<EffortReportArgs>,
        /// CSV encoding: utf-8, utf-8-bom or shift_jis.
        #[arg(long, value_name = "ENCODING", default_value = "utf-8", value_parser = parse_encoding)]
        encoding: crate::attendance::reports::CsvEncoding,
        /// The file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// A person's effort per day and row (project, work item, activities) as h:mm, with the
    /// day's attended work beside it.
    Show {
        /// The person's login.
        #[arg(long, value_name = "LOGIN")]
        user: String,
        /// An ISO week, YYYY-Www.
        #[arg(long, value_name = "YYYY-Www", conflicts_with = "month", required_unless_present = "month")]
        week: Option<String>,
        /// A month, YYYY-MM.
        #[arg(long, value_name = "YYYY-MM")]
        month: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Every person's days of a month whose effort and attended work differ by more than the
    /// threshold: effort, attended work (clock-in, clock-out, actual work), gap and reason.
    ///
    /// With --out, writes the month's gap report instead (per person over the threshold: marked
    /// days with and without reason, average and largest gap, days with PC activity and no effort
    /// and the reverse; Excel adds the days, the organisations and the six months before) as
    /// --format csv or xlsx.
    Gaps {
        /// The month, YYYY-MM.
        #[arg(long, value_name = "YYYY-MM")]
        month: String,
        /// Only this organisation (its path, "Acme / Sales") and the ones below it.
        #[arg(long, alias = "organisation", alias = "organization", value_name = "PATH")]
        org: Option<String>,
        /// Output format (xlsx needs --out).
        #[arg(long, value_enum, default_value = "table")]
        format: GapsFormat,
        /// Write the gap report to this file.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// The report CSV's encoding: utf-8, utf-8-bom or shift_jis.
        #[arg(long, value_name = "ENCODING", default_value = "utf-8-bom", value_parser = parse_encoding)]
        encoding: crate::attendance::reports::CsvEncoding,
    },
}

#[derive(Subcommand, Debug)]
enum ReleaseCommand {
    /// The repository's signing keys.
    #[command(subcommand)]
    Keys(ReleaseKeysCommand),
    /// Publish every file under DIR as a release: target <platform>/<version>/<path in DIR>.
    Publish {
        /// The folder of the release's files.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// The release's version, e.g. 1.4.0 (a published version never changes).
        #[arg(long, value_name = "X")]
        version: String,
        /// The platform, e.g. windows-x86_64 (default: this machine's).
        #[arg(long, value_name = "P")]
        platform: Option<String>,
    },
    /// List the published releases, newest first.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Offer a release to the clients of its platform (in place of the one offered before).
    Offer {
        /// The release's version.
        #[arg(value_name = "VERSION")]
        version: String,
        /// Its platform (default: this machine's).
        #[arg(long, value_name = "P")]
        platform: Option<String>,
    },
    /// Write the repository's newest root metadata: the trusted root a client ships with.
    Root {
        /// The file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Replace a key: a new root version lists the new key, signed by the root key (and by the
    /// new root key too when the root key is replaced), so clients walk from the root they hold.
    RotateKey {
        /// The current root key's file.
        #[arg(long, value_name = "FILE")]
        root_key: PathBuf,
        /// Whose key: targets, snapshot, timestamp or root.
        #[arg(long, default_value = "timestamp", value_parser = parse_rotated_role)]
        role: crate::updates::releases::RotatedRole,
        /// Where the new root key is written (with --role root; mode 0600, never overwritten).
        #[arg(long, value_name = "FILE")]
        new_root_key: Option<PathBuf>,
    },
    /// Sign again the metadata that expires soon (`kinmu serve` does this every ten minutes).
    Refresh,
}

#[derive(Subcommand, Debug)]
enum ReleaseKeysCommand {
    /// Create the root key (written to FILE, mode 0600: keep it offline), the online keys of the
    /// targets, snapshot and timestamp roles (in <data-dir>/updates/keys) and the first root.
    Init {
        /// Where to write the root key (a new file).
        #[arg(long, value_name = "FILE")]
        root_key: PathBuf,
    },
}

fn parse_rotated_role(s: &str) -> Result<crate::updates::releases::RotatedRole, String> {
    crate::updates::releases::RotatedRole::parse(s).ok_or_else(|| format!("{s:?} is not a role: use targets, snapshot, timestamp or root"))
}

#[derive(Subcommand, Debug)]
enum FilesCommand {
    /// List the output profiles.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Write the files of every enabled profile (or of one) now.
    Run {
        /// Only this profile (by name; it runs even when disabled).
        #[arg(long, value_name = "NAME")]
        profile: Option<String>,
        /// The month to write, YYYY-MM (default: the last finished day and its month).
        #[arg(long, value_name = "YYYY-MM", conflicts_with = "date")]
        month: Option<String>,
        /// The day to write, YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
    },
}

#[derive(Args, Debug)]
struct ExportArgs {
    /// The table: monthly, timesheet, daily, ranking or terminal.
    #[arg(value_name = "KIND", value_parser = parse_report_kind)]
    kind: kinmu_shared::api::ReportKind,
    /// The month, YYYY-MM (monthly, timesheet, ranking, terminal).
    #[arg(long, value_name = "YYYY-MM", conflicts_with = "date")]
    month: Option<String>,
    /// The day, YYYY-MM-DD (daily, terminal).
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<String>,
    /// Only this person: a Kinmu login or a log user (required for a timesheet).
    #[arg(long, value_name = "NAME")]
    user: Option<String>,
    /// Only this organisation (its path, "Acme / Sales", or its name) and its sub-organisations.
    #[arg(long, value_name = "NAME")]
    org: Option<String>,
    /// What a ranking ranks by: holiday_work, overtime, actual_work or late_count.
    #[arg(long, value_name = "ITEM", default_value = "overtime", value_parser = parse_ranking)]
    ranking: kinmu_shared::api::RankingItem,
    /// File format.
    #[arg(long, value_name = "FORMAT", value_parser = ["csv", "xlsx"])]
    format: String,
    /// CSV encoding: utf-8, utf-8-bom or shift_jis.
    #[arg(long, value_name = "ENCODING", default_value = "utf-8", value_parser = parse_encoding)]
    encoding: crate::attendance::reports::CsvEncoding,
    /// Leave out the header row.
    #[arg(long)]
    no_header: bool,
    /// The file to write (replaced whole when complete).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

fn parse_report_kind(s: &str) -> Result<kinmu_shared::api::ReportKind, String> {
    kinmu_shared::api::ReportKind::from_key(s)
        .ok_or_else(|| format!("{s:?} is not a table: use monthly, timesheet, daily, ranking or terminal"))
}

fn parse_ranking(s: &str) -> Result<kinmu_shared::api::RankingItem, String> {
    kinmu_shared::api::RankingItem::ALL
        .into_iter()
        .find(|r| r.key() == s)
        .ok_or_else(|| format!("{s:?} is not a ranking: use holiday_work, overtime, actual_work or late_count"))
}

fn parse_import_format(s: &str) -> Result<kinmu_shared::api::ImportFormat, String> {
    kinmu_shared::api::ImportFormat::from_key(s).ok_or_else(|| format!("{s:?} is not a format: use kinmu, kimai, toggl or clockify"))
}

fn parse_date_order(s: &str) -> Result<kinmu_shared::api::DateOrder, String> {
    kinmu_shared::api::DateOrder::from_key(s)
        .ok_or_else(|| format!("{s:?} is not a date order: use mdy (MM/DD/YYYY), dmy (DD/MM/YYYY) or ymd"))
}

fn parse_encoding(s: &str) -> Result<crate::attendance::reports::CsvEncoding, String> {
    crate::attendance::reports::CsvEncoding::parse(s).ok_or_else(|| format!("{s:?} is not an encoding: use utf-8, utf-8-bom or shift_jis"))
}

#[derive(Subcommand, Debug)]
enum SettingsCommand {
    /// Print the settings (system, attendance rules, organisation overrides, task) as TOML.
    Export,
    /// Check and apply a TOML settings file: all of it, or nothing when any value is wrong.
    Import {
        /// The file (`-` for standard input).
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum AttendanceCommand {
    /// One person's month, day by day, computed from the imported logs under the stored rules.
    Show {
        /// A Kinmu login (its log accounts are used) or a log user, with or without its domain.
        #[arg(long, value_name = "NAME")]
        user: String,
        /// The month, YYYY-MM.
        #[arg(long, value_name = "YYYY-MM")]
        month: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
    },
    /// Compute and store the records of a date range again (after changing rules or importing
    /// old logs). Ctrl-C stops after the day being written; every day stays whole.
    Rebuild {
        /// First attendance date, YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: String,
        /// Last attendance date, YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: String,
    },
    /// Run the attendance task now for its scheduled range (the last days up to yesterday).
    Run,
    /// The attendance task: schedule, the run in progress and the last runs.
    Status {
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
    },
}

#[derive(Args, Debug)]
struct ImportArgs {
    /// The log files.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// The files' format: alog-csv, evtx or jsonl (default: detected from each file's content).
    #[arg(long, value_name = "FORMAT", value_parser = parse_log_format)]
    format: Option<kinmu_pc_logs::LogFormat>,
    /// Store the events older than the retention of raw events too (by default they are counted
    /// and left out, since the next attendance task run would delete them).
    #[arg(long)]
    keep_older: bool,
}

fn parse_log_format(s: &str) -> Result<kinmu_pc_logs::LogFormat, String> {
    crate::pc_logs::parse_format(s).map_err(|e| e.to_string())
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "KINMU_ADDR", value_name = "IP:PORT")]
    addr: Option<String>,
    /// URL path the app lives under, e.g. /kinmu (the login page is then /kinmu/login).
    #[arg(long, env = "KINMU_BASE_PATH", value_name = "PATH")]
    base_path: Option<String>,
    /// Folder of the built UI (ui/dist).
    #[arg(long, env = "KINMU_UI_DIR", value_name = "DIR")]
    ui_dir: Option<PathBuf>,
    /// Mark the session cookie Secure (set this when users reach Kinmu over HTTPS).
    #[arg(long, env = "KINMU_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Watched folder: log files dropped there are imported, then moved to processed/ (or failed/ with the reason).
    #[arg(long, env = "KINMU_ATTENDANCE_INBOX", value_name = "DIR")]
    inbox: Option<PathBuf>,
    /// Desktop clients' update check-ins and event reports allowed a minute per client address
    /// (past it: 429 rate_limited with Retry-After); 0 counts nothing. Default: 600.
    #[arg(long, env = "KINMU_UPDATE_REQUESTS_PER_MINUTE", value_name = "N")]
    update_requests_per_minute: Option<i64>,
    /// How long a desktop client's transfer slot lasts without renewal, in seconds (the client
    /// renews it at a third of that, also during a long download; a slot not renewed is freed for
    /// the next waiting client). Default: 60; at least 3.
    #[arg(long, env = "KINMU_UPDATE_SLOT_SECONDS", value_name = "SECS")]
    update_slot_seconds: Option<i64>,
    /// A reverse proxy whose X-Forwarded-For header names the client (an IP address; repeat, or
    /// separate with commas). Default: none, the header is not believed.
    #[arg(long = "trusted-proxy", env = "KINMU_TRUSTED_PROXIES", value_name = "IP", value_delimiter = ',')]
    trusted_proxies: Vec<std::net::IpAddr>,
}

#[derive(Args, Debug)]
struct SetupArgs {
    /// Organisation (company) name.
    #[arg(long, value_name = "NAME")]
    org: String,
    /// The administrator's login.
    #[arg(long, value_name = "LOGIN")]
    admin_login: String,
    /// The administrator's display name (default: the login).
    #[arg(long, value_name = "NAME")]
    admin_name: Option<String>,
    /// Default language of the UI: ja or en.
    #[arg(long, default_value = "ja", value_parser = parse_language)]
    language: Language,
    /// Time zone (IANA name).
    #[arg(long, default_value = "Asia/Tokyo", value_name = "ZONE")]
    time_zone: String,
    /// Read the administrator's password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Add a user.
    Add(UserAddArgs),
    /// List users as a table (or CSV).
    List {
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
        /// Include disabled users.
        #[arg(long)]
        all: bool,
    },
    /// Disable a user: their sessions end and they can no longer log in.
    Disable {
        /// The user's login.
        login: String,
    },
    /// Lift the lock that failed logins put on a login (an administrator locked out by someone
    /// guessing can unlock themselves here).
    Unlock {
        /// The login.
        login: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, ValueEnum)]
enum ListFormat {
    Table,
    Csv,
}

/// The effort report's options of `kinmu effort export`.
#[derive(Args, Debug)]
struct EffortReportArgs {
    /// The report's groupings, outer first: e.g. project,person.
    #[arg(long, value_name = "A,B")]
    group_by: Option<String>,
    /// Only this project (its code).
    #[arg(long, value_name = "CODE")]
    project: Option<String>,
    /// Only this work item and the ones below it (its path, "Design / Screens"; needs --project).
    #[arg(long, value_name = "PATH", requires = "project")]
    work_item: Option<String>,
    /// Only this activity of the first level (its code).
    #[arg(long, value_name = "CODE")]
    activity1: Option<String>,
    /// Only this activity of the second level (its code).
    #[arg(long, value_name = "CODE")]
    activity2: Option<String>,
    /// Only this organisation (its path, "Acme / Sales") and the ones below it.
    #[arg(long, alias = "organisation", alias = "organization", value_name = "PATH")]
    org: Option<String>,
    /// Round the report's effort: up, down or nearest.
    #[arg(long, value_name = "up|down|nearest")]
    rounding: Option<String>,
    /// The rounding step in minutes (default 15).
    #[arg(long, value_name = "MINUTES")]
    round_to: Option<u32>,
    /// What is rounded: entry (default) or day (a person's day on one row).
    #[arg(long, value_name = "entry|day")]
    round_per: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum EffortExportFormat {
    Entries,
    Csv,
    Xlsx,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum GapsFormat {
    Table,
    Csv,
    Xlsx,
}

#[derive(Args, Debug)]
struct UserAddArgs {
    #[arg(long, value_name = "LOGIN")]
    login: String,
    /// Display name.
    #[arg(long, value_name = "NAME")]
    name: String,
    #[arg(long)]
    email: Option<String>,
    /// Organisation path, e.g. "Acme / Sales" (created when missing).
    #[arg(long, value_name = "PATH")]
    org: Option<String>,
    /// Role name or built-in key (administrator, manager, member). Default: member.
    #[arg(long)]
    role: Option<String>,
    /// A name under which the user appears in PC logs, e.g. 'OSAKA\a-mogami'. Repeat for more.
    #[arg(long = "log-account", value_name = "ACCOUNT")]
    log_accounts: Vec<String>,
    /// Language: ja or en (default: the system's).
    #[arg(long, value_parser = parse_language)]
    language: Option<Language>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
}

fn parse_language(s: &str) -> Result<Language, String> {
    Language::parse(s).ok_or_else(|| format!("{s:?} is not a language: use ja or en"))
}

/// A failure to report on one line.
struct Failure(String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Failure {
        Failure(e.to_string())
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let file = match config::load_file(cli.config.as_deref()) {
        Ok(f) => f,
        Err(e) => return fail(&e.to_string()),
    };
    init_logging(cli.log_format.or(match file.log.format.as_deref() {
        Some("json") => Some(LogFormat::Json),
        _ => None,
    }));
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")),
    };
    match runtime.block_on(run(cli, file)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(msg)) => fail(&msg),
    }
}

fn fail(msg: &str) -> ExitCode {
    let one_line = msg.split_whitespace().collect::<Vec<_>>().join(" ");
    eprintln!("kinmu: {one_line}");
    ExitCode::FAILURE
}

fn init_logging(format: Option<LogFormat>) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("KINMU_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,evtx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if format == Some(LogFormat::Json) { builder.json().try_init() } else { builder.try_init() };
}

fn database_url(cli: &Cli, file: &FileConfig) -> Result<DatabaseUrl, Failure> {
    if let Some(u) = cli.database.as_deref().or(file.database.url.as_deref()) {
        return Ok(DatabaseUrl::parse(u)?);
    }
    Ok(DatabaseUrl::sqlite_in(&data_dir(cli, file)))
}

fn data_dir(cli: &Cli, file: &FileConfig) -> PathBuf {
    cli.data_dir.clone().or_else(|| file.server.data_dir.clone()).unwrap_or_else(config::default_data_dir)
}

/// Where output profiles may write: the configuration file's `[attendance] output_roots`, or the
/// data folder's `files` (created when missing).
fn output_roots(cli: &Cli, file: &FileConfig) -> crate::attendance::output_roots::OutputRoots {
    let roots = match &file.attendance.output_roots {
        Some(roots) => roots.clone(),
        None => {
            let files = data_dir(cli, file).join("files");
            if let Err(e) = std::fs::create_dir_all(&files) {
                tracing::warn!(folder = %files.display(), error = %e, "cannot create the output files folder");
            }
            vec![files]
        }
    };
    crate::attendance::output_roots::OutputRoots::new(roots)
}

async fn open_db(cli: &Cli, file: &FileConfig) -> Result<Db, Failure> {
    let url = database_url(cli, file)?;
    let max = cli.max_connections.or(file.database.max_connections).unwrap_or(10);
    Ok(Db::open(&url, max).await?)
}

fn read_password(flag: bool) -> Result<String, Failure> {
    if !flag {
        return Err(Failure("pass --password-stdin and write the password on standard input (it is never taken as an argument)".into()));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password: ");
        let _ = std::io::stderr().flush();
        return Ok(rpassword::read_password()?);
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

async fn run(cli: Cli, file: FileConfig) -> Result<(), Failure> {
    match &cli.command {
        Command::Serve(args) => serve(&cli, &file, args).await,
        Command::Migrate => {
            let db = open_db(&cli, &file).await?;
            let v = crate::database::MIGRATIONS.last().map(|m| m.version).unwrap_or(0);
            println!("database {} is at schema version {v}", db.kind.name());
            Ok(())
        }
        Command::Setup(a) => {
            let password = read_password(a.password_stdin)?;
            let db = open_db(&cli, &file).await?;
            let req = SetupRequest {
                organization_name: a.org.clone(),
                admin_login: a.admin_login.clone(),
                admin_display_name: a.admin_name.clone().unwrap_or_else(|| a.admin_login.clone()),
                admin_password: password,
                default_language: a.language,
                time_zone: a.time_zone.clone(),
            };
            setup::run(&db, &req, crate::now()).await?;
            println!("Kinmu is set up for {}; the administrator is {}", req.organization_name.trim(), req.admin_login.trim());
            Ok(())
        }
        Command::User(UserCommand::Add(a)) => {
            let password = read_password(a.password_stdin)?;
            let db = open_db(&cli, &file).await?;
            if setup::needs_setup(&db).await? {
                return Err(Failure("Kinmu is not set up yet: run `kinmu setup` (or the browser wizard) first".into()));
            }
            let now = crate::now();
            let organization_id = match &a.org {
                Some(path) => Some(organizations::ensure_path(&db, path, now).await?.0),
                None => None,
            };
            let role_id = match &a.role {
                Some(r) => {
                    Some(roles::find_by_name(&db, r).await?.ok_or_else(|| Failure(format!("no role named {r:?}: see the roles page")))?.id)
                }
                None => None,
            };
            let user = users::create(
                &db,
                &Actor::Operator,
                CreateUser {
                    login: a.login.clone(),
                    display_name: a.name.clone(),
                    email: a.email.clone(),
                    organization_id,
                    role_id,
                    language: a.language,
                    time_zone: None,
                    log_accounts: a.log_accounts.clone(),
                    password,
                    approver_id: None,
                },
                now,
            )
            .await?;
            println!("added user {} (id {})", user.login, user.id);
            Ok(())
        }
        Command::User(UserCommand::List { format, all }) => {
            let db = open_db(&cli, &file).await?;
            let now = crate::now();
            let all_users = users::list_all(&db, &Actor::Operator, *all, now).await?;
            let orgs = organizations::list(&db).await?;
            let roles = roles::list(&db).await?;
            let rows: Vec<[String; 6]> = all_users
                .iter()
                .map(|u| {
                    [
                        u.login.clone(),
                        u.display_name.clone(),
                        u.organization_id.and_then(|id| orgs.iter().find(|o| o.id == id)).map(|o| o.path.clone()).unwrap_or_default(),
                        roles.iter().find(|r| r.id == u.role_id).map(|r| r.name.clone()).unwrap_or_default(),
                        if !u.active {
                            "disabled".into()
                        } else if u.locked_until.is_some() {
                            "locked".into()
                        } else {
                            "active".into()
                        },
                        u.log_accounts.join(";"),
                    ]
                })
                .collect();
            let header = ["login", "name", "organization", "role", "status", "log_accounts"];
            match format {
                ListFormat::Csv => print_csv(&header, &rows)?,
                ListFormat::Table => print_table(&header, &rows),
            }
            Ok(())
        }
        Command::Import(a) => import(&cli, &file, a).await,
        Command::Attendance(AttendanceCommand::Show { user, month, format }) => attendance_show(&cli, &file, user, month, *format).await,
        Command::Attendance(AttendanceCommand::Rebuild { from, to }) => {
            attendance_run(&cli, &file, Some((from.as_str(), to.as_str()))).await
        }
        Command::Attendance(AttendanceCommand::Run) => attendance_run(&cli, &file, None).await,
        Command::Attendance(AttendanceCommand::Status { format }) => attendance_status(&cli, &file, *format).await,
        Command::Export(a) => export(&cli, &file, a).await,
        Command::Release(c) => release(&cli, &file, c).await,
        Command::Files(FilesCommand::List { format }) => files_list(&cli, &file, *format).await,
        Command::Effort(c) => effort(&cli, &file, c).await,
        Command::Project(c) => project(&cli, &file, c).await,
        Command::Updates(c) => updates(&cli, &file, c).await,
        Command::Files(FilesCommand::Run { profile, month, date }) => {
            files_run(&cli, &file, profile.as_deref(), month.as_deref(), date.as_deref()).await
        }
        Command::Settings(SettingsCommand::Export) => {
            let db = open_db(&cli, &file).await?;
            print!("{}", crate::settings_file::export(&db).await?);
            Ok(())
        }
        Command::Settings(SettingsCommand::Import { file: path }) => {
            let text = if path.as_os_str() == "-" {
                let mut s = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
                s
            } else {
                std::fs::read_to_string(path).map_err(|e| Failure(format!("cannot read {}: {e}", path.display())))?
            };
            let db = open_db(&cli, &file).await?;
            let applied = crate::settings_file::import(&db, &text, &output_roots(&cli, &file), crate::now()).await?;
            println!(
                "settings imported: system, attendance rules, {} organisation overrides, task {} at {}",
                applied.organization_rules.len(),
                if applied.attendance_task.enabled { "enabled" } else { "disabled" },
                applied.attendance_task.run_at
            );
            Ok(())
        }
        Command::User(UserCommand::Disable { login }) => {
            let db = open_db(&cli, &file).await?;
            let u = users::disable_by_login(&db, &Actor::Operator, login, crate::now()).await?;
            println!("disabled user {}", u.login);
            Ok(())
        }
        Command::User(UserCommand::Unlock { login }) => {
            let db = open_db(&cli, &file).await?;
            let id =
                users::find_id_by_login(&db, login).await?.ok_or_else(|| Failure(format!("no user has the login {:?}", login.trim())))?;
            let u = users::unlock(&db, &Actor::Operator, id, crate::now()).await?;
            println!("unlocked user {}", u.login);
            Ok(())
        }
    }
}

/// Rejected lines printed per file; the rest are counted.
const REJECTS_SHOWN: usize = 20;

async fn import(cli: &Cli, file: &FileConfig, a: &ImportArgs) -> Result<(), Failure> {
    use crate::pc_logs::{ImportOptions, ImportStatus, format_name, import_file_with, retention_start};
    let db = open_db(cli, file).await?;
    // Naive log times are read in the attendance rules' time zone.
    let tz = crate::attendance::rule_settings::company_rules(&db).await?.time_zone;
    let retention_days = crate::attendance::rule_settings::task_settings(&db).await?.retention.events_days;
    let mut failed = 0usize;
    for path in &a.files {
        let started = Instant::now();
        let mut last_report = Instant::now();
        let mut last_count = 0u64;
        let mut reported = false;
        let now = crate::now();
        let options = ImportOptions {
            retention_start: retention_start(&db, tz, now).await?,
            keep_older: a.keep_older,
            ..ImportOptions::new(a.format, tz, now)
        };
        let result = import_file_with(&db, path, &options, |p| {
            if last_report.elapsed().as_secs() >= 1 || p.events_read >= last_count + 100_000 {
                if p.events_stored < p.events_read {
                    eprintln!(
                        "{}: {} events read, {} stored (sorting: the file is not in time order)…",
                        p.file, p.events_read, p.events_stored
                    );
                } else {
                    eprintln!("{}: {} events read…", p.file, p.events_read);
                }
                last_report = Instant::now();
                last_count = p.events_read;
                reported = true;
            }
        })
        .await;
        match result {
            Ok(s) => {
                let seconds = started.elapsed().as_secs_f64();
                let status = match s.status {
                    ImportStatus::Done => String::new(),
                    ImportStatus::Failed => {
                        failed += 1;
                        format!(" FAILED: {}", s.message.as_deref().unwrap_or("nothing could be read"))
                    }
                };
                let _ = reported;
                println!(
                    "{}: {} events read, {} imported, {} duplicates, {} rejected ({}, {seconds:.1} s){status}",
                    s.file,
                    s.read,
                    s.imported,
                    s.duplicates,
                    s.rejected,
                    format_name(s.format)
                );
                if s.older_than_retention > 0 {
                    let what = if s.older_kept {
                        "stored as asked (--keep-older); the next attendance task run deletes them unless the retention is changed"
                    } else {
                        "left out, since the next attendance task run would delete them (--keep-older stores them)"
                    };
                    println!(
                        "{}: {} events older than the retention of raw events ({retention_days} days): {what}",
                        s.file, s.older_than_retention
                    );
                }
                for r in s.first_rejects.iter().take(REJECTS_SHOWN) {
                    println!("{}:{}: {}", r.file, r.position, r.reason);
                }
                if s.rejected > REJECTS_SHOWN as u64 {
                    println!("… and {} more rejected lines", s.rejected - REJECTS_SHOWN as u64);
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!("kinmu: {e}");
            }
        }
    }
    if failed > 0 {
        return Err(Failure(format!("{failed} of {} files could not be imported", a.files.len())));
    }
    Ok(())
}

async fn attendance_show(cli: &Cli, file: &FileConfig, user: &str, month: &str, format: ListFormat) -> Result<(), Failure> {
    use crate::attendance::month_report::{day_notes, hours, month_report};
    use crate::attendance::period::parse_month;
    let (year, month) = parse_month(month)?;
    let db = open_db(cli, file).await?;
    // The command speaks the system's language, as the files it writes do.
    let language = crate::accounts::system_settings::load(&db).await?.default_language;
    let report = month_report(&db, user, year, month, crate::now()).await?;
    let header = ["date", "clock_in", "clock_out", "actual_work", "overtime", "late_night", "late", "early_leave", "note"];
    let mut rows: Vec<Vec<String>> = report
        .days
        .iter()
        .map(|d| {
            let notes = day_notes(d, language);
            vec![
                d.date.format("%Y-%m-%d %a").to_string(),
                d.clock_in.as_ref().map(|c| c.text.clone()).unwrap_or_default(),
                d.clock_out.as_ref().map(|c| c.text.clone()).unwrap_or_default(),
                hours(d.actual_work_minutes.into()),
                hours(d.overtime_minutes.into()),
                hours(d.late_night_minutes.into()),
                hours(d.late_minutes.into()),
                hours(d.early_leave_minutes.into()),
                notes.join("; "),
            ]
        })
        .collect();
    let t = &report.total;
    rows.push(vec![
        "total".into(),
        String::new(),
        String::new(),
        hours(t.actual_work_minutes),
        hours(t.overtime_minutes),
        hours(t.late_night_minutes),
        hours(t.late_minutes),
        hours(t.early_leave_minutes),
        format!("{} days worked", t.days_worked),
    ]);
    match format {
        ListFormat::Csv => print_csv(&header, &rows)?,
        ListFormat::Table => {
            println!(
                "{} {year}-{month:02} (logs of {})",
                report.user,
                if report.log_users.is_empty() { "nobody yet".to_string() } else { report.log_users.join(", ") }
            );
            print_table(&header, &rows);
        }
    }
    Ok(())
}

/// The user `by` names, once their password is read: the actor of a policy change, which the
/// service checks (the permission, and the password under the login throttle) as for the page.
async fn confirmed_user(db: &Db, by: &ConfirmedBy) -> Result<(Actor, String), Failure> {
    let password = match &by.password_file {
        Some(path) => read_password_file(path)?,
        None if by.password_stdin || std::io::stdin().is_terminal() => read_password(true)?,
        None => {
            return Err(Failure(format!(
                "a change to the update policy needs the password of {} entered again: pass --password-stdin (or --password-file \
                 FILE), or run the command in a terminal to be asked",
                by.login
            )));
        }
    };
    let Some(id) = users::find_id_by_login(db, &by.login).await? else {
        return Err(Failure(format!("no user has the login {:?}: give the login of a user holding updates.manage", by.login)));
    };
    let (user, _) = crate::accounts::sessions::current_user(db, id).await?;
    Ok((Actor::User(user), password))
}

/// The first line of a password file, refused when others may read it.
fn read_password_file(path: &std::path::Path) -> Result<String, Failure> {
    let unreadable = |e: std::io::Error| Failure(format!("cannot read the password file {}: {e}", path.display()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_err(unreadable)?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(Failure(format!(
                "the password file {} may be read by others (mode {:o}): make it its owner's only (chmod 600)",
                path.display(),
                mode & 0o777
            )));
        }
    }
    let text = std::fs::read_to_string(path).map_err(unreadable)?;
    Ok(text.lines().next().unwrap_or_default().to_string())
}

fn print_policy(view: &kinmu_shared::api::UpdatePolicyView) {
    let p = &view.policy;
    let yes_no = |b: bool, yes: &str, no: &str| if b { yes.to_string() } else { no.to_string() };
    let mut rows = vec![
        vec!["mode".to_string(), p.startup_mode.key().to_string()],
        vec!["message".to_string(), if p.message.is_empty() { "(none)".to_string() } else { p.message.clone() }],
        vec!["limit".to_string(), p.concurrency_limit.to_string()],
        vec!["new_installs".to_string(), yes_no(p.new_installs_allowed, "allowed", "forbidden")],
        vec!["service".to_string(), yes_no(p.service_paused, "paused", "running")],
        vec!["system_log".to_string(), yes_no(p.system_log_enabled, "on", "off")],
        vec!["retention_days".to_string(), p.retention_days.to_string()],
        vec!["transferring".to_string(), view.admitted.to_string()],
        vec!["waiting".to_string(), view.waiting.to_string()],
    ];
    for r in &view.offered {
        rows.push(vec![format!("offered {}", r.platform), r.version.clone()]);
    }
    if view.offered.is_empty() {
        rows.push(vec!["offered".to_string(), "(none: `kinmu release offer VERSION` offers one)".to_string()]);
    }
    print_table(&["setting", "value"], &rows);
}

/// The day `YYYY-MM-DD` at 00:00 UTC (seconds), plus `days`.
fn utc_day(field: &str, s: &str, days: i64) -> Result<i64, Failure> {
    let d =
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| Failure(format!("{field} {s:?} is not a day: write YYYY-MM-DD")))?;
    Ok(d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp()).unwrap_or(0) + days * 86_400)
}

async fn updates(cli: &Cli, file: &FileConfig, command: &UpdatesCommand) -> Result<(), Failure> {
    use crate::updates::{clients, policy, records};
    use kinmu_shared::api::{UpdateLogQuery, UpdatePolicyChange, UpdateRecordQuery};
    let db = open_db(cli, file).await?;
    let now = crate::now();
    let change = async |by: &ConfirmedBy, edit: &dyn Fn(&mut kinmu_shared::update_policy::UpdatePolicy)| -> Result<(), Failure> {
        let (actor, password) = confirmed_user(&db, by).await?;
        let mut p = policy::view(&db, &actor).await?.policy;
        edit(&mut p);
        let view = policy::save(&db, &actor, UpdatePolicyChange { policy: p, password }, now).await?;
        print_policy(&view);
        Ok(())
    };
    match command {
        UpdatesCommand::Show => print_policy(&policy::view(&db, &Actor::Operator).await?),
        UpdatesCommand::Set(a) => {
            change(&a.by, &|p| {
                if let Some(m) = a.mode {
                    p.startup_mode = m;
                }
                if let Some(m) = &a.message {
                    p.message = m.clone();
                }
                if let Some(n) = a.limit {
                    p.concurrency_limit = n;
                }
                if let Some(b) = a.new_installs {
                    p.new_installs_allowed = b;
                }
                if let Some(b) = a.system_log {
                    p.system_log_enabled = b;
                }
                if let Some(n) = a.retention_days {
                    p.retention_days = n;
                }
            })
            .await?
        }
        UpdatesCommand::Pause(by) => change(by, &|p| p.service_paused = true).await?,
        UpdatesCommand::Resume(by) => change(by, &|p| p.service_paused = false).await?,
        UpdatesCommand::Clients { format } => {
            let list = clients::list(&db, &Actor::Operator).await?;
            let header = ["client_id", "program", "host", "user", "version", "last_seen", "transfer", "step"];
            let at = |t: i64| chrono::DateTime::from_timestamp(t, 0).map(|t| t.to_rfc3339()).unwrap_or_default();
            let rows: Vec<Vec<String>> = list
                .clients
                .iter()
                .map(|c| {
                    vec![
                        c.client_id.clone(),
                        c.program.key().to_string(),
                        c.host.clone(),
                        c.user.clone(),
                        c.version.clone().unwrap_or_default(),
                        at(c.last_seen_at),
                        c.transfer.clone().unwrap_or_default(),
                        c.progress.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            match format {
                ListFormat::Csv => print_csv(&header, &rows)?,
                ListFormat::Table if rows.is_empty() => println!("no client has checked in yet"),
                ListFormat::Table => {
                    print_table(&header, &rows);
                    println!("{} transferring (limit {}), {} waiting", list.admitted, list.limit, list.waiting);
                }
            }
        }
        UpdatesCommand::Records { search, result, kind, from, to, language, encoding, out } => {
            let q = UpdateRecordQuery {
                q: search.clone(),
                result: *result,
                kind: *kind,
                from: from.as_deref().map(|d| utc_day("--from", d, 0)).transpose()?,
                to: to.as_deref().map(|d| utc_day("--to", d, 1)).transpose()?,
                ..UpdateRecordQuery::default()
            };
            let text = records::export_csv(&db, &Actor::Operator, &q, *language).await?;
            write_csv_file(out, &text, *encoding)?;
        }
        UpdatesCommand::Log { level, client, language, encoding, out } => {
            let q = UpdateLogQuery { level: *level, client_id: client.clone(), ..UpdateLogQuery::default() };
            let text = records::export_log_csv(&db, &Actor::Operator, &q, *language).await?;
            write_csv_file(out, &text, *encoding)?;
        }
    }
    Ok(())
}

/// Writes CSV text in `encoding` and says how many rows.
fn write_csv_file(out: &std::path::Path, text: &str, encoding: crate::attendance::reports::CsvEncoding) -> Result<(), Failure> {
    let rows = csv::ReaderBuilder::new().from_reader(text.as_bytes()).records().count();
    std::fs::write(out, crate::attendance::reports::encode_text(text, encoding))
        .map_err(|e| Failure(format!("cannot write {}: {e}", out.display())))?;
    println!("{}: {rows} rows", out.display());
    Ok(())
}

async fn release(cli: &Cli, file: &FileConfig, command: &ReleaseCommand) -> Result<(), Failure> {
    use crate::updates::releases::{self, RepositoryDir};
    let db = open_db(cli, file).await?;
    let repo = RepositoryDir::in_data_dir(&data_dir(cli, file));
    let now = crate::now();
    match command {
        ReleaseCommand::Keys(ReleaseKeysCommand::Init { root_key }) => {
            let done = releases::init_keys(&db, &repo, root_key, now).await?;
            println!("root key {} written to {} (keep it offline: it signs new roots only)", done.root_key_id, root_key.display());
            println!("online keys written to {}", repo.keys().display());
            println!("first root signed: {}", done.root_file.display());
        }
        ReleaseCommand::Publish { dir, version, platform } => {
            let platform = platform.clone().unwrap_or_else(releases::this_platform);
            let started = Instant::now();
            let r = releases::publish(&db, &Actor::Operator, &repo, dir, version, &platform, now).await?;
            println!(
                "release {} of {} published: {} {}, {} bytes, signed in {:.1} s",
                r.version,
                r.platform,
                r.files,
                if r.files == 1 { "file" } else { "files" },
                r.bytes,
                started.elapsed().as_secs_f64()
            );
        }
        ReleaseCommand::List { format } => {
            let list = releases::list(&db, &Actor::Operator).await?;
            let header = ["version", "platform", "published_at", "files", "bytes", "offered"];
            let rows: Vec<Vec<String>> = list
                .releases
                .iter()
                .map(|r| {
                    let at = chrono::DateTime::from_timestamp(r.published_at, 0).map(|t| t.to_rfc3339()).unwrap_or_default();
                    vec![r.version.clone(), r.platform.clone(), at, r.files.to_string(), r.bytes.to_string(), r.offered.to_string()]
                })
                .collect();
            match format {
                ListFormat::Csv => print_csv(&header, &rows)?,
                ListFormat::Table if rows.is_empty() => println!("no releases: `kinmu release publish DIR --version X` publishes one"),
                ListFormat::Table => print_table(&header, &rows),
            }
        }
        ReleaseCommand::Offer { version, platform } => {
            let platform = platform.clone().unwrap_or_else(releases::this_platform);
            let r = releases::offer_version(&db, &Actor::Operator, version, &platform).await?;
            println!("release {} is offered to the {} clients", r.version, r.platform);
        }
        ReleaseCommand::Root { out } => {
            let root = repo.latest_root()?;
            std::fs::copy(&root, out).map_err(|e| Failure(format!("cannot write {}: {e}", out.display())))?;
            println!("{} written to {}", root.file_name().and_then(|n| n.to_str()).unwrap_or("root"), out.display());
        }
        ReleaseCommand::RotateKey { root_key, role, new_root_key } => {
            let v = releases::rotate_key(&db, &repo, root_key, *role, new_root_key.as_deref(), now).await?;
            println!("root version {v} lists the new {role:?} key; targets, snapshot and timestamp are signed again");
        }
        ReleaseCommand::Refresh => {
            let done = releases::refresh(&db, &repo, now).await?;
            println!(
                "{}",
                match done {
                    releases::Refreshed::Nothing => "nothing expires soon: nothing signed",
                    releases::Refreshed::Timestamp => "timestamp signed again",
                    releases::Refreshed::All => "targets, snapshot and timestamp signed again",
                }
            );
        }
    }
    Ok(())
}

async fn files_list(cli: &Cli, file: &FileConfig, format: ListFormat) -> Result<(), Failure> {
    use crate::attendance::output_profiles;
    let db = open_db(cli, file).await?;
    let profiles = output_profiles::list(&db, &Actor::Operator).await?;
    let header = ["name", "enabled", "kind", "format", "zip", "unit", "split", "folder", "file_name", "keep_days"];
    let rows: Vec<Vec<String>> = profiles
        .iter()
        .map(|p| {
            vec![
                p.name.clone(),
                p.enabled.to_string(),
                p.kind.key().to_string(),
                serde_key(&p.format),
                p.zip.to_string(),
                serde_key(&p.unit),
                serde_key(&p.split),
                p.folder.clone(),
                output_profiles::template(p),
                p.keep_days.to_string(),
            ]
        })
        .collect();
    match format {
        ListFormat::Csv => print_csv(&header, &rows)?,
        ListFormat::Table if rows.is_empty() => println!("no output profiles: add one on the attendance settings page"),
        ListFormat::Table => print_table(&header, &rows),
    }
    Ok(())
}

/// The serde name of a unit enum value (`per_month`, `xlsx`).
fn serde_key<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

async fn files_run(cli: &Cli, file: &FileConfig, profile: Option<&str>, month: Option<&str>, date: Option<&str>) -> Result<(), Failure> {
    use crate::attendance::{output_profiles, rule_settings};
    let db = open_db(cli, file).await?;
    // The period first: a bad one is refused before anything else is looked at.
    let days: Vec<chrono::NaiveDate> = match (month, date) {
        (_, Some(d)) => vec![crate::attendance::period::parse_date("date", d)?],
        (Some(m), None) => crate::attendance::period::days_of_month("month", m)?,
        (None, None) => {
            let rules = rule_settings::company_rules(&db).await?;
            let today = kinmu_attendance::attendance_date(chrono::Utc::now(), &rules);
            vec![today.pred_opt().unwrap_or(today)]
        }
    };
    let profiles = match profile {
        Some(name) => {
            let all = output_profiles::list(&db, &Actor::Operator).await?;
            let p = all
                .into_iter()
                .find(|p| p.name.eq_ignore_ascii_case(name.trim()))
                .ok_or_else(|| Failure(format!("no output profile named {name:?}: `kinmu files list` shows them")))?;
            vec![p]
        }
        None => output_profiles::enabled(&db).await?,
    };
    if profiles.is_empty() {
        println!("no enabled output profile: nothing to write");
        return Ok(());
    }
    let started = Instant::now();
    let report = output_profiles::run(&db, &profiles, &days, &output_roots(cli, file), crate::now()).await?;
    for f in &report.files {
        println!("{}: {} ({} rows, {} bytes)", f.profile, f.path, f.rows, f.bytes);
    }
    println!("{} files written, {} old files deleted in {:.1} s", report.files.len(), report.deleted, started.elapsed().as_secs_f64());
    if !report.errors.is_empty() {
        for e in &report.errors {
            eprintln!("kinmu: {e}");
        }
        return Err(Failure(format!("{} profiles failed", report.errors.len())));
    }
    Ok(())
}

async fn export(cli: &Cli, file: &FileConfig, a: &ExportArgs) -> Result<(), Failure> {
    use crate::attendance::reports::{self, FileFormat, Period, ReportRequest};
    use kinmu_shared::api::ReportKind;
    let period = match (a.kind, a.month.as_deref(), a.date.as_deref()) {
        (ReportKind::Daily, _, None) => return Err(Failure("the daily table needs --date YYYY-MM-DD".into())),
        (ReportKind::Daily | ReportKind::Terminal, None, Some(d)) => Period::Day(crate::attendance::period::parse_date("--date", d)?),
        (_, Some(m), _) => {
            let (y, m) = crate::attendance::parse_month(m)?;
            Period::Month(y, m)
        }
        (_, None, _) => return Err(Failure(format!("the {} table needs --month YYYY-MM", a.kind.key()))),
    };
    let db = open_db(cli, file).await?;
    let organization_id = match a.org.as_deref() {
        None => None,
        Some(name) => {
            let orgs = organizations::list(&db).await?;
            let found = organizations::find_by_path(&orgs, name)
                .or_else(|| orgs.iter().find(|o| o.name.eq_ignore_ascii_case(name.trim())))
                .ok_or_else(|| Failure(format!("no organisation {name:?}: give its path (\"Acme / Sales\") or its name")))?;
            Some(found.id)
        }
    };
    let started = Instant::now();
    let req = ReportRequest {
        kind: a.kind,
        period,
        organization_id,
        user: a.user.clone(),
        terminal: None,
        ranking: a.ranking,
        layout: reports::display_settings(&db).await?.layout(a.kind).clone(),
        language: reports::file_language(&db).await?,
    };
    let format = FileFormat::parse(&a.format).unwrap_or(FileFormat::Csv);
    // Past the limits of one file (10,000 persons a month, 50,000 rows a day, 1,000 sheets in an
    // Excel timesheet) the file is split: FILE_1.ext, FILE_2.ext, … The rows stream from the
    // database to the files.
    let stem = a.out.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
    let base = a.out.with_file_name(&stem);
    let spec = reports::FileSpec {
        table: reports::Table { kind: a.kind, period: period.label(), columns: req.layout.columns.clone(), rows: Vec::new() },
        format,
        header: !a.no_header,
        encoding: a.encoding,
        language: req.language,
        split: true,
        zip: false,
        extension: Some(a.out.extension().map(|e| e.to_string_lossy().to_string()).unwrap_or_default()),
        empty: Some(base.clone()),
    };
    let (table, written) = reports::export_files(
        &db,
        &Actor::Operator,
        &req,
        reports::file_grouping(a.kind, format),
        spec,
        Box::new(move |_| (String::new(), base.clone())),
    )
    .await?;
    for f in &written {
        println!("{}: {} rows ({} {})", f.path.display(), f.rows, a.kind.key(), table.period);
    }
    let rows: usize = written.iter().map(|f| f.rows).sum();
    eprintln!("{rows} rows in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Runs the attendance task in this process: a rebuild of `range`, or the scheduled range.
async fn attendance_run(cli: &Cli, file: &FileConfig, range: Option<(&str, &str)>) -> Result<(), Failure> {
    use crate::attendance::{daily_task, rule_settings};
    use kinmu_shared::api::{TaskStatus, TaskTrigger};
    let db = open_db(cli, file).await?;
    let now = chrono::Utc::now();
    let rules = rule_settings::company_rules(&db).await?;
    let (trigger, from, to) = match range {
        Some((f, t)) => {
            let (from, to) = (crate::attendance::period::parse_date("from", f)?, crate::attendance::period::parse_date("to", t)?);
            daily_task::check_range(from, to, kinmu_attendance::attendance_date(now, &rules))?;
            (TaskTrigger::Rebuild, from, to)
        }
        None => {
            let settings = rule_settings::task_settings(&db).await?;
            let (from, to) = daily_task::scheduled_range(&settings, &rules, now);
            (TaskTrigger::Manual, from, to)
        }
    };
    let control = daily_task::TaskControl::writing_to(output_roots(cli, file));
    let run = daily_task::begin(&db, &control, &Actor::Operator, trigger, from, to, now.timestamp()).await?;
    eprintln!("attendance task run {}: {from} to {to} ({} days); Ctrl-C stops after the day being written", run.id, run.days_total);
    let stopper = control.clone();
    let ctrl_c = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("stopping after the day being written…");
            stopper.request_stop();
        }
    });
    let started = Instant::now();
    let mut last = Instant::now();
    let run = daily_task::execute(&db, &control, run, now, |r| {
        if r.status == TaskStatus::Running && last.elapsed().as_secs() >= 1 {
            eprintln!("{} of {} days, {} records", r.days_done, r.days_total, r.daily_records);
            last = Instant::now();
        }
    })
    .await;
    ctrl_c.abort();
    println!(
        "run {}: {} — {} of {} days, {} daily records from {} events in {:.1} s{}",
        run.id,
        run.status.key(),
        run.days_done,
        run.days_total,
        run.daily_records,
        run.events_read,
        started.elapsed().as_secs_f64(),
        run.message.as_deref().map(|m| format!("; {m}")).unwrap_or_default()
    );
    match run.status {
        TaskStatus::Completed => Ok(()),
        TaskStatus::Stopped => Err(Failure("the run was stopped: run the rebuild again for the days left".into())),
        _ => Err(Failure(format!("the run ended {}", run.status.key()))),
    }
}

async fn attendance_status(cli: &Cli, file: &FileConfig, format: ListFormat) -> Result<(), Failure> {
    use crate::attendance::daily_task;
    let db = open_db(cli, file).await?;
    let o = daily_task::overview(&db, &Actor::Operator, chrono::Utc::now()).await?;
    let time = |t: i64| chrono::DateTime::from_timestamp(t, 0).map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string()).unwrap_or_default();
    if format == ListFormat::Table {
        println!(
            "schedule: {} at {} (recomputes {} days), next run: {}",
            if o.settings.enabled { "enabled" } else { "disabled" },
            o.settings.run_at,
            o.settings.recompute_days,
            o.next_run_at.map(time).unwrap_or_else(|| "none".into())
        );
        match &o.running {
            Some(r) => println!("running: run {} since {} ({} of {} days)", r.id, time(r.started_at), r.days_done, r.days_total),
            None => println!("running: no"),
        }
    }
    let header = ["run", "trigger", "from", "to", "started", "seconds", "status", "days", "records", "message"];
    let rows: Vec<Vec<String>> = o
        .recent
        .iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                r.trigger.key().to_string(),
                r.from.clone(),
                r.to.clone(),
                time(r.started_at),
                r.finished_at.map(|f| (f - r.started_at).to_string()).unwrap_or_default(),
                r.status.key().to_string(),
                format!("{}/{}", r.days_done, r.days_total),
                r.daily_records.to_string(),
                r.message.clone().unwrap_or_default(),
            ]
        })
        .collect();
    match format {
        ListFormat::Csv => print_csv(&header, &rows)?,
        ListFormat::Table => print_table(&header, &rows),
    }
    Ok(())
}

async fn project(cli: &Cli, file: &FileConfig, c: &ProjectCommand) -> Result<(), Failure> {
    use crate::effort::project_transfer;
    let db = open_db(cli, file).await?;
    match c {
        ProjectCommand::Import { file: path } => {
            let bytes = std::fs::read(path).map_err(|e| Failure(format!("cannot read {}: {e}", path.display())))?;
            let done = project_transfer::import(&db, &Actor::Operator, &bytes, crate::now()).await?;
            let r = &done.report;
            println!(
                "{}: {} rows read, {} created, {} updated, {} unchanged, {} refused",
                path.display(),
                r.rows_read,
                r.created,
                r.updated,
                done.unchanged,
                r.errors.len()
            );
            for e in &r.errors {
                println!("line {}: {}{}", e.line, e.field.as_deref().map(|f| format!("{f}: ")).unwrap_or_default(), e.message);
            }
            if r.errors.is_empty() { Ok(()) } else { Err(Failure(format!("{} rows were refused (listed above)", r.errors.len()))) }
        }
        ProjectCommand::Export { encoding, out } => {
            let text = project_transfer::export(&db, &Actor::Operator).await?;
            let rows = text.lines().count().saturating_sub(1);
            std::fs::write(out, crate::attendance::reports::encode_text(&text, *encoding))
                .map_err(|e| Failure(format!("cannot write {}: {e}", out.display())))?;
            println!("{}: {rows} rows", out.display());
            Ok(())
        }
    }
}

async fn effort(cli: &Cli, file: &FileConfig, c: &EffortCommand) -> Result<(), Failure> {
    use crate::effort::{parse_date, parse_month, parse_week, today, transfer, week};
    use kinmu_shared::effort::format_minutes;
    let db = open_db(cli, file).await?;
    match c {
        EffortCommand::Import { file: path, format, date_order, create_missing, dry_run } => {
            use crate::effort::foreign_import::{ImportOptions, import};
            let bytes = std::fs::read(path).map_err(|e| Failure(format!("cannot read {}: {e}", path.display())))?;
            let today = today(&db).await?;
            let options = ImportOptions { format: *format, date_order: *date_order, create_missing: *create_missing, dry_run: *dry_run };
            let r = import(&db, &Actor::Operator, &bytes, options, kinmu_shared::api::ChangePath::Cli, today, crate::now()).await?;
            println!(
                "{}: {} ({}{}): {} rows read, {} created, {} updated, {} unchanged, {} refused{}",
                path.display(),
                r.format.label(),
                r.format.key(),
                if r.dry_run { ", dry run: nothing stored" } else { "" },
                r.rows_read,
                r.created,
                r.updated,
                r.unchanged,
                r.errors.len(),
                // Kinmu's own CSV is imported by its reader, which does not add up the minutes.
                if r.format == kinmu_shared::api::ImportFormat::Kinmu {
                    String::new()
                } else {
                    format!("; {} h:mm in the created entries", format_minutes(r.minutes))
                }
            );
            for (what, names) in
                [("projects", &r.created_projects), ("activities", &r.created_activities), ("work items", &r.created_work_items)]
            {
                if !names.is_empty() {
                    println!("{} {what}: {}", if r.dry_run { "would create" } else { "created" }, names.join(", "));
                }
            }
            for e in &r.errors {
                println!("line {}: {}{}", e.line, e.field.as_deref().map(|f| format!("{f}: ")).unwrap_or_default(), e.message);
            }
            if r.errors.is_empty() { Ok(()) } else { Err(Failure(format!("{} rows were refused (listed above)", r.errors.len()))) }
        }
        EffortCommand::Export { from, to, user, format, report: options, encoding, out } if *format != EffortExportFormat::Entries => {
            use crate::effort::report;
            let EffortReportArgs { group_by, project, work_item, activity1, activity2, org, rounding, round_to, round_per } =
                options.as_ref();
            let named = report::NamedFilters {
                project: project.clone(),
                work_item: work_item.clone(),
                activity1: activity1.clone(),
                activity2: activity2.clone(),
                login: user.clone(),
                organization: org.clone(),
            };
            let mut q = report::resolve(&db, &named).await?;
            q.from = from.clone();
            q.to = to.clone();
            q.group_by = group_by.clone();
            q.rounding = rounding.clone();
            q.round_to = *round_to;
            q.round_per = round_per.clone();
            let r = report::report(&db, &Actor::Operator, &q).await?;
            let language = crate::accounts::system_settings::load(&db).await?.default_language;
            let bytes = if *format == EffortExportFormat::Xlsx {
                report::xlsx_bytes(&r, language)?
            } else {
                crate::attendance::reports::encode_text(&report::csv_text(&r, language), *encoding)
            };
            std::fs::write(out, bytes).map_err(|e| Failure(format!("cannot write {}: {e}", out.display())))?;
            println!(
                "{}: effort from {} to {}, {} groups, {} entries, total {}",
                out.display(),
                r.from,
                r.to,
                r.groups.len(),
                r.entries,
                format_minutes(r.total_minutes)
            );
            Ok(())
        }
        EffortCommand::Export { from, to, user, encoding, out, report: options, .. } => {
            if options.group_by.is_some() {
                return Err(Failure("--group-by makes a report: give --format csv or --format xlsx".into()));
            }
            let (from, to) = (parse_date("from", from)?, parse_date("to", to)?);
            let text = transfer::export(&db, &Actor::Operator, from, to, user.as_deref()).await?;
            let rows = text.lines().count().saturating_sub(1);
            std::fs::write(out, crate::attendance::reports::encode_text(&text, *encoding))
                .map_err(|e| Failure(format!("cannot write {}: {e}", out.display())))?;
            println!("{}: {rows} entries from {from} to {to}", out.display());
            Ok(())
        }
        EffortCommand::Gaps { month, org, format, out, encoding } => {
            let (first, last) = parse_month("month", month)?;
            let organization = match org {
                None => None,
                Some(path) => {
                    let orgs = organizations::list(&db).await?;
                    Some(organizations::find_by_path(&orgs, path).ok_or_else(|| Failure(format!("no organisation {path:?}")))?.id)
                }
            };
            if let Some(out) = out {
                use crate::effort::gap_report;
                let q = kinmu_shared::api::GapReportQuery { month: month.clone(), organization_id: organization, months: None };
                let report = gap_report::report(&db, &Actor::Operator, &q).await?;
                let language = crate::accounts::system_settings::load(&db).await?.default_language;
                let bytes = match format {
                    GapsFormat::Xlsx => gap_report::xlsx_bytes(&report, language)?,
                    GapsFormat::Csv => crate::attendance::reports::encode_text(&gap_report::csv_text(&report, language), *encoding),
                    GapsFormat::Table => return Err(Failure("with --out, give --format csv or --format xlsx".into())),
                };
                std::fs::write(out, bytes).map_err(|e| Failure(format!("cannot write {}: {e}", out.display())))?;
                let t = &report.totals;
                println!(
                    "{}: {} people over the threshold in {}, {} marked days ({} without a reason)",
                    out.display(),
                    t.people_over,
                    report.month,
                    t.marked_days,
                    t.unexplained_days
                );
                return Ok(());
            }
            if *format == GapsFormat::Xlsx {
                return Err(Failure("--format xlsx writes a file: give --out FILE.xlsx".into()));
            }
            let days = crate::effort::gaps::people_month(&db, &Actor::Operator, first, last, organization).await?;
            let reasons = crate::effort::gaps::reasons(&db).await?;
            let header = ["login", "name", "date", "effort", "clock_in", "clock_out", "actual_work", "gap", "kind", "reason"];
            let rows: Vec<Vec<String>> = days
                .iter()
                .map(|(p, g)| {
                    let a = g.attendance.as_ref();
                    let reason = [
                        g.reason_id.and_then(|id| reasons.iter().find(|r| r.id == id)).map(|r| r.name.clone()).unwrap_or_default(),
                        g.reason_text.clone(),
                    ]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(": ");
                    vec![
                        p.login.clone(),
                        p.display_name.clone(),
                        g.date.clone(),
                        format_minutes(g.effort_minutes),
                        a.map(|a| a.clock_in_text.clone()).unwrap_or_default(),
                        a.map(|a| a.clock_out_text.clone()).unwrap_or_default(),
                        a.map(|a| format_minutes(a.actual_work_minutes)).unwrap_or_default(),
                        format!("{}{}", if g.difference_minutes > 0 { "+" } else { "" }, format_minutes(g.difference_minutes)),
                        g.kind.key().to_string(),
                        reason,
                    ]
                })
                .collect();
            match format {
                GapsFormat::Csv => print_csv(&header, &rows)?,
                _ => {
                    println!("gaps over each organisation's threshold in {}: {} days", &month, rows.len());
                    print_table(&header, &rows);
                }
            }
            Ok(())
        }
        EffortCommand::Show { user, week: w, month, format } => {
            let (first, last) = match (w, month) {
                (Some(w), _) => parse_week("week", w)?,
                (None, Some(m)) => parse_month("month", m)?,
                (None, None) => return Err(Failure("give --week YYYY-Www or --month YYYY-MM".into())),
            };
            let rows = week::day_rows(&db, &Actor::Operator, user, first, last).await?;
            let header = ["date", "project", "work_item", "activity1", "activity2", "effort", "attended_work", "clock_in", "clock_out"];
            let mut table: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    let a = r.attendance.as_ref();
                    vec![
                        r.date.format("%Y-%m-%d %a").to_string(),
                        r.project_code.clone(),
                        r.work_item.clone(),
                        r.activity1.clone(),
                        r.activity2.clone(),
                        if r.project_code.is_empty() { String::new() } else { format_minutes(r.minutes) },
                        a.map(|a| format_minutes(a.actual_work_minutes)).unwrap_or_default(),
                        a.map(|a| a.clock_in_text.clone()).unwrap_or_default(),
                        a.map(|a| a.clock_out_text.clone()).unwrap_or_default(),
                    ]
                })
                .collect();
            let effort: i64 = rows.iter().map(|r| r.minutes).sum();
            let mut seen = std::collections::HashSet::new();
            let attended: i64 =
                rows.iter().filter(|r| seen.insert(r.date)).filter_map(|r| r.attendance.as_ref()).map(|a| a.actual_work_minutes).sum();
            table.push(vec![
                "total".into(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                format_minutes(effort),
                format_minutes(attended),
                String::new(),
                String::new(),
            ]);
            match format {
                ListFormat::Csv => print_csv(&header, &table)?,
                ListFormat::Table => {
                    println!("{user} {first} – {last}");
                    print_table(&header, &table);
                }
            }
            Ok(())
        }
    }
}

/// Writes rows as CSV on standard output.
fn print_csv<R: AsRef<[String]>>(header: &[&str], rows: &[R]) -> Result<(), Failure> {
    let mut w = csv::Writer::from_writer(std::io::stdout());
    w.write_record(header)?;
    for r in rows {
        w.write_record(r.as_ref())?;
    }
    w.flush()?;
    Ok(())
}

/// Prints rows as aligned columns under their header.
fn print_table<R: AsRef<[String]>>(header: &[&str], rows: &[R]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.as_ref().iter().enumerate() {
            widths[i] = widths[i].max(display_width(c));
        }
    }
    let line = |cells: Vec<&str>| {
        let parts: Vec<String> =
            cells.iter().enumerate().map(|(i, c)| format!("{c}{}", " ".repeat(widths[i].saturating_sub(display_width(c))))).collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(header.to_vec());
    for r in rows {
        line(r.as_ref().iter().map(String::as_str).collect());
    }
}

/// Terminal columns: East Asian wide characters take two.
fn display_width(s: &str) -> usize {
    s.chars().map(|c| if (c as u32) >= 0x1100 && !matches!(c as u32, 0xFF61..=0xFF9F) { 2 } else { 1 }).sum()
}

async fn serve(cli: &Cli, file: &FileConfig, a: &ServeArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let addr = config::parse_addr(a.addr.as_deref().or(file.server.addr.as_deref()).unwrap_or("127.0.0.1:8080"))?;
    let base_path = config::normalize_base_path(a.base_path.as_deref().or(file.server.base_path.as_deref()).unwrap_or(""))?;
    let ui_dir = a.ui_dir.clone().or_else(|| file.server.ui_dir.clone()).or_else(default_ui_dir);
    let db = open_db(cli, file).await?;
    tracing::info!(database = %database_url(cli, file)?, kind = db.kind.name(), "database ready");
    let inbox = start_inbox(a.inbox.clone().or_else(|| file.attendance.inbox.clone()), &db)?;
    let state = AppState::new(
        db,
        ServerOptions {
            base_path: base_path.clone(),
            ui_dir,
            secure_cookies: a.secure_cookies || file.server.secure_cookies.unwrap_or(false),
            output_roots: output_roots(cli, file),
            updates: Some(crate::updates::releases::RepositoryDir::in_data_dir(&data_dir(cli, file))),
        },
    )
    .await?;
    let per_minute = a.update_requests_per_minute.or(file.server.update_requests_per_minute);
    let trusted_proxies =
        if a.trusted_proxies.is_empty() { file.server.trusted_proxies.clone().unwrap_or_default() } else { a.trusted_proxies.clone() };
    if per_minute.is_some_and(|n| n < 0) {
        return Err(Failure("update_requests_per_minute cannot be negative: give 0 to count nothing, or the requests a minute".into()));
    }
    let slot_seconds = a.update_slot_seconds.or(file.server.update_slot_seconds).unwrap_or(crate::updates::clients::SLOT_SECONDS);
    if slot_seconds < 3 {
        return Err(Failure(format!(
            "update_slot_seconds {slot_seconds} is too short: give at least 3 (a client renews its slot at a third of it); the default is {}",
            crate::updates::clients::SLOT_SECONDS
        )));
    }
    state.set_update_slot_seconds(slot_seconds);
    state.set_client_rate(crate::http::ClientRateSettings {
        per_minute: per_minute.unwrap_or(crate::http::DEFAULT_UPDATE_REQUESTS_PER_MINUTE),
        trusted_proxies,
    });
    let needs_setup = state.needs_setup().await?;
    let interrupted = crate::attendance::daily_task::mark_interrupted(&state.db, crate::now()).await?;
    if interrupted > 0 {
        tracing::warn!(runs = interrupted, "attendance task runs left running by an earlier process were marked interrupted");
    }
    let (_stop_schedule, schedule_stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(crate::attendance::daily_task::schedule(state.db.clone(), state.attendance_task.clone(), schedule_stopped.clone()));
    if let Some(repo) = state.updates.clone() {
        tokio::spawn(crate::updates::releases::keep_signed(state.db.clone(), repo, schedule_stopped));
    }
    crate::http::serve(state, addr, |local| {
        let host = if local.ip().is_unspecified() { "localhost".to_string() } else { local.ip().to_string() };
        let host = if local.is_ipv6() && host != "localhost" { format!("[{host}]") } else { host };
        let page = if needs_setup { "setup" } else { "login" };
        tracing::info!(addr = %local, startup_ms = started.elapsed().as_millis() as u64, "listening");
        println!("Kinmu is running: open http://{host}:{}{base_path}/{page}", local.port());
    })
    .await
    .map_err(|e| Failure(format!("cannot listen on {addr}: {e}")))?;
    if let Some((stop, task)) = inbox {
        let _ = stop.send(true);
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), task).await;
    }
    Ok(())
}

type InboxTask = (tokio::sync::watch::Sender<bool>, tokio::task::JoinHandle<()>);

/// Starts watching the inbox folder, when one is configured; a folder that cannot be used stops `serve`.
fn start_inbox(dir: Option<PathBuf>, db: &Db) -> Result<Option<InboxTask>, Failure> {
    use crate::pc_logs::inbox::{DEFAULT_SETTLE, Inbox};
    let Some(dir) = dir else { return Ok(None) };
    let inbox = Inbox::open(&dir, DEFAULT_SETTLE)?;
    println!("Watching the inbox folder {} for access logs (imported files go to processed/, failed ones to failed/)", dir.display());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    Ok(Some((stop, tokio::spawn(inbox.watch(db.clone(), stopped)))))
}

/// `ui/dist` under the current folder, or `ui` beside the executable (an installed layout).
fn default_ui_dir() -> Option<PathBuf> {
    let here = PathBuf::from("ui/dist");
    if here.join("index.html").is_file() {
        return Some(here);
    }
    let exe = std::env::current_exe().ok()?;
    let beside = exe.parent()?.join("ui");
    beside.join("index.html").is_file().then_some(beside)
}
