//! The time-entry CSV exports of other tools, read row by row (pure: the caller splits the CSV
//! into fields and does every look-up). Which columns each format is read by, and where that
//! comes from:
//!
//! - **Toggl Track**, the detailed report's CSV export: `User, Email, Client, Project, Task,
//!   Description, Billable, Start date, Start time, End date, End time, Duration, Tags, Amount ()`.
//!   Toggl's help pages ("Editing and uploading a CSV file", "CSV import") say its importer takes
//!   the same columns "that the detailed report CSV export gives out" (`User, Email, Client,
//!   Project, Task, Description, Billable, Start date, Start time, Duration, Tags`); dates are
//!   `YYYY-MM-DD`, times and durations `hh:mm:ss` (or decimal hours when the profile's duration
//!   format says so). Newer exports name the person `Member` and the end `Stop date/time`: read too.
//! - **Clockify**, the detailed report's CSV export: `Project, Client, Description, Task, User,
//!   Group, Email, Tags, Billable, Start Date, Start Time, End Date, End Time, Duration (h),
//!   Duration (decimal), Billable Rate (USD), Billable Amount (USD)` (as Clockify writes it,
//!   e.g. a published sample export; the date is `MM/DD/YYYY` in its default format, times
//!   `hh:mm:ss AM`, `Duration (h)` is `hh:mm:ss`).
//! - **Kimai** (2.x), the timesheet export's CSV: the default template's columns
//!   (kimai/kimai `src/Export/DefaultTemplate.php`, headings from `src/Export/ColumnConverter.php`
//!   translated): `Date, Begin, End, Duration, Currency, Price, Internal price, Hourly price,
//!   Fixed price, Name, Username, E-mail, Account number, Customer, Project, Activity,
//!   Description, Billable, Tags, Type, Category, …`; the date is `Y-m-d`
//!   (`DateFormatter`), the duration decimal hours with two decimals (`DurationDecimalFormatter`)
//!   or `[hh]:mm`. Kimai 1.x wrote `From, To, User`: read too, as are German headings.
//!
//! A person is named by e-mail (preferred) or by login/name; a project, task and activity by name.
//! Columns not listed (billable, tags, rates) are ignored.

use chrono::NaiveDate;

use crate::api::ImportFormat;
use crate::effort::DURATION_MAX_MINUTES;
use crate::messages::Text;

/// A heading as compared: trimmed, lower-case, without a BOM.
fn key(h: &str) -> String {
    h.trim_start_matches('\u{feff}').trim().to_lowercase()
}

fn has(header: &[String], names: &[&str]) -> bool {
    names.iter().any(|n| header.iter().any(|h| h == n))
}

/// The format a header belongs to, or None.
pub fn detect(header: &[&str]) -> Option<ImportFormat> {
    let h: Vec<String> = header.iter().map(|s| key(s)).collect();
    if has(&h, &["project_code"]) && has(&h, &["login"]) && has(&h, &["duration"]) {
        return Some(ImportFormat::Kinmu);
    }
    if has(&h, &["duration (h)", "duration (decimal)"]) && has(&h, &["start date"]) {
        return Some(ImportFormat::Clockify);
    }
    if has(&h, &["activity", "tätigkeit"]) && has(&h, &["project", "projekt"]) && has(&h, &["date", "datum"]) {
        return Some(ImportFormat::Kimai);
    }
    if has(&h, &["start date"]) && has(&h, &["duration"]) && has(&h, &["email", "user", "member"]) {
        return Some(ImportFormat::Toggl);
    }
    None
}

/// Where each field is in a foreign format's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    pub format: ImportFormat,
    email: Option<usize>,
    login: Option<usize>,
    name: Option<usize>,
    date: usize,
    start: Option<usize>,
    project: usize,
    client: Option<usize>,
    task: Option<usize>,
    activity: Option<usize>,
    description: Option<usize>,
    /// `hh:mm:ss`, `h:mm` or decimal hours, whichever the cell holds.
    duration: usize,
}

/// A column a format needs that the header lacks, in both languages.
pub fn missing_column(format: ImportFormat, column: &str) -> Text {
    Text::new(
        format!("the {} file has no column {column:?}: export the detailed time entries with their headings", format.label()),
        format!("{} のファイルに列「{column}」がありません。見出し付きで詳細な時間記録を書き出してください。", format.label()),
    )
}

impl Columns {
    /// The columns of a Kimai, Toggl or Clockify header (Kinmu's CSV has its own reader).
    pub fn of(format: ImportFormat, header: &[&str]) -> Result<Columns, Text> {
        let h: Vec<String> = header.iter().map(|s| key(s)).collect();
        let find = |names: &[&str]| names.iter().find_map(|n| h.iter().position(|x| x == n));
        let heading = |n: &str| n.chars().take(1).flat_map(char::to_uppercase).chain(n.chars().skip(1)).collect::<String>();
        let need = |names: &[&str]| find(names).ok_or_else(|| missing_column(format, &heading(names[0])));
        let c = match format {
            ImportFormat::Kinmu => {
                return Err(Text::new("Kinmu's CSV is read by its own reader", "勤務の CSV は専用の読み込みで読みます。"));
            }
            ImportFormat::Toggl => Columns {
                format,
                email: find(&["email"]),
                login: None,
                name: find(&["user", "member"]),
                date: need(&["start date"])?,
                start: find(&["start time"]),
                project: need(&["project"])?,
                client: find(&["client"]),
                task: find(&["task"]),
                activity: None,
                description: find(&["description"]),
                duration: need(&["duration"])?,
            },
            ImportFormat::Clockify => Columns {
                format,
                email: find(&["email"]),
                login: None,
                name: find(&["user"]),
                date: need(&["start date"])?,
                start: find(&["start time"]),
                project: need(&["project"])?,
                client: find(&["client"]),
                task: find(&["task"]),
                activity: None,
                description: find(&["description"]),
                duration: need(&["duration (h)", "duration (decimal)"])?,
            },
            ImportFormat::Kimai => Columns {
                format,
                email: find(&["e-mail", "email"]),
                login: find(&["username", "benutzername"]),
                name: find(&["name", "user", "alias", "benutzer"]),
                date: need(&["date", "datum"])?,
                start: find(&["begin", "from", "beginn", "von"]),
                project: need(&["project", "projekt"])?,
                client: find(&["customer", "kunde"]),
                task: None,
                activity: find(&["activity", "tätigkeit"]),
                description: find(&["description", "beschreibung"]),
                duration: need(&["duration", "dauer"])?,
            },
        };
        if c.email.is_none() && c.login.is_none() && c.name.is_none() {
            return Err(missing_column(format, "Email"));
        }
        Ok(c)
    }
}

/// One time entry of a foreign file, as read (names not yet looked up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignRow {
    /// E-mail address, if the file has one for the row.
    pub email: String,
    /// Login (Kimai's username), if any.
    pub login: String,
    /// The person's name as the tool shows it (Toggl's User, Kimai's Name).
    pub name: String,
    pub date: NaiveDate,
    /// The start time as written (part of the row's source key).
    pub start: String,
    pub project: String,
    pub client: String,
    /// Toggl's and Clockify's task: a work item of the project, by name or path.
    pub task: String,
    /// Kimai's activity: an activity of level 1, by name or code.
    pub activity: String,
    pub note: String,
    pub minutes: i64,
}

impl ForeignRow {
    /// The text a row's source key is made from: the same row of the same export gives the same
    /// text (the caller adds how many identical rows came before it in the file).
    pub fn source_text(&self, format: ImportFormat) -> String {
        let person = if !self.email.is_empty() {
            self.email.to_lowercase()
        } else if !self.login.is_empty() {
            self.login.to_lowercase()
        } else {
            self.name.to_lowercase()
        };
        [format.key(), &person, &self.date.to_string(), &self.start, &self.project, &self.task, &self.activity, &self.note].join("\u{1f}")
            + &format!("\u{1f}{}", self.minutes)
    }
}

/// Why a field of a row could not be read: the field and what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: &'static str,
    pub text: Text,
}

impl Columns {
    /// Reads one row's fields (`fields[i]` is the cell under heading `i`).
    pub fn read(&self, fields: &[&str]) -> Result<ForeignRow, FieldProblem> {
        let get = |i: Option<usize>| i.and_then(|i| fields.get(i)).map(|s| s.trim()).unwrap_or("");
        let row = ForeignRow {
            email: get(self.email).to_string(),
            login: get(self.login).to_string(),
            name: get(self.name).to_string(),
            date: parse_date(get(Some(self.date))).map_err(|text| FieldProblem { field: "date", text })?,
            start: get(self.start).to_string(),
            project: get(Some(self.project)).to_string(),
            client: get(self.client).to_string(),
            task: get(self.task).to_string(),
            activity: get(self.activity).to_string(),
            note: get(self.description).to_string(),
            minutes: parse_hours(get(Some(self.duration))).map_err(|text| FieldProblem { field: "duration", text })?,
        };
        if row.email.is_empty() && row.login.is_empty() && row.name.is_empty() {
            return Err(FieldProblem {
                field: "user",
                text: Text::new(
                    "the row names nobody: fill in the person's e-mail address or login",
                    "だれの記録かがありません。メールアドレスかログイン名を入れてください。",
                ),
            });
        }
        if row.project.is_empty() {
            return Err(FieldProblem {
                field: "project",
                text: Text::new(
                    "the row has no project: Kinmu books every entry on a project; fill in its name",
                    "プロジェクトがありません。工数は必ずプロジェクトに付けます。プロジェクト名を入れてください。",
                ),
            });
        }
        Ok(row)
    }
}

/// A day as the exports write it: `YYYY-MM-DD`, `YYYY/MM/DD`, `MM/DD/YYYY` (Clockify's default;
/// a first number above 12 is read as the day), `DD.MM.YYYY`; a time after the date is ignored.
pub fn parse_date(s: &str) -> Result<NaiveDate, Text> {
    let bad = || {
        Text::new(
            format!("{s:?} is not a date: write YYYY-MM-DD (or MM/DD/YYYY as Clockify exports it)"),
            format!("「{s}」は日付として読めません。YYYY-MM-DD の形にしてください。"),
        )
    };
    let d = s.trim().split([' ', 'T']).next().unwrap_or("");
    let nums = |sep: char| -> Option<Vec<u32>> {
        let parts: Vec<&str> = d.split(sep).collect();
        (parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.len() <= 4 && p.chars().all(|c| c.is_ascii_digit())))
            .then(|| parts.iter().filter_map(|p| p.parse().ok()).collect())
    };
    let ymd = |y: u32, m: u32, dd: u32| NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, dd);
    let date = if let Some(n) = nums('-') {
        ymd(n[0], n[1], n[2])
    } else if let Some(n) = nums('/') {
        if n[0] > 31 {
            ymd(n[0], n[1], n[2])
        } else if n[0] > 12 {
            ymd(n[2], n[1], n[0])
        } else {
            ymd(n[2], n[0], n[1])
        }
    } else if let Some(n) = nums('.') {
        ymd(n[2], n[1], n[0])
    } else {
        None
    };
    date.filter(|d| (1900..=2999).contains(&chrono::Datelike::year(d))).ok_or_else(bad)
}

/// A duration as the exports write it, in whole minutes (seconds rounded to the nearest
/// minute): `hh:mm:ss`, `h:mm`, or decimal hours (`1.5`, `1,5`).
pub fn parse_hours(s: &str) -> Result<i64, Text> {
    let t = s.trim();
    let bad = || {
        Text::new(
            format!("{t:?} is not a duration: write hh:mm:ss, h:mm or decimal hours such as 1.5"),
            format!("「{t}」は時間として読めません。hh:mm:ss、h:mm、または 1.5 のような時間数にしてください。"),
        )
    };
    if t.is_empty() {
        return Err(Text::new("the duration is empty: fill in the time spent", "時間が空です。かかった時間を入れてください。"));
    }
    if t.starts_with('-') {
        return Err(Text::new(format!("{t:?}: a duration cannot be negative"), format!("「{t}」：時間は負にできません。")));
    }
    let seconds: i64 = if t.contains(':') {
        let parts: Vec<&str> = t.split(':').collect();
        if parts.len() > 3 || parts.iter().any(|p| p.is_empty() || p.len() > 4 || !p.chars().all(|c| c.is_ascii_digit())) {
            return Err(bad());
        }
        let n: Vec<i64> = parts.iter().filter_map(|p| p.parse().ok()).collect();
        if n[1..].iter().any(|x| *x >= 60) {
            return Err(bad());
        }
        n[0] * 3600 + n[1] * 60 + n.get(2).copied().unwrap_or(0)
    } else {
        let d = t.replace(',', ".");
        if d.len() > 12 || !d.chars().all(|c| c.is_ascii_digit() || c == '.') || d.matches('.').count() > 1 || d == "." {
            return Err(bad());
        }
        let hours: f64 = d.parse().map_err(|_| bad())?;
        (hours * 3600.0).round() as i64
    };
    let minutes = (seconds + 30) / 60;
    if minutes > DURATION_MAX_MINUTES {
        return Err(Text::new(
            format!("{t:?} is {minutes} minutes: one entry holds at most 24:00; split it by day"),
            format!("「{t}」は {minutes} 分です。1 件は 24:00 までです。日ごとに分けてください。"),
        ));
    }
    Ok(minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn formats_are_told_apart_by_their_headers() {
        let toggl = "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,End time,Duration,Tags,Amount ()";
        let clockify = "Project,Client,Description,Task,User,Group,Email,Tags,Billable,Start Date,Start Time,End Date,End Time,Duration (h),Duration (decimal),Billable Rate (USD),Billable Amount (USD)";
        let kimai = "Date,Begin,End,Duration,Currency,Price,Internal price,Hourly price,Fixed price,Name,Username,E-mail,Account number,Customer,Project,Activity,Description,Billable,Tags,Type,Category";
        let kimai1 = "Date,From,To,Duration,Rate,User,Customer,Project,Activity,Description,Exported,Tags,Hourly rate,Fixed rate";
        let kinmu = "\u{feff}login,date,project_code,work_item,activity1,activity2,duration,note,id";
        for (h, f) in [
            (toggl, Some(ImportFormat::Toggl)),
            (clockify, Some(ImportFormat::Clockify)),
            (kimai, Some(ImportFormat::Kimai)),
            (kimai1, Some(ImportFormat::Kimai)),
            (kinmu, Some(ImportFormat::Kinmu)),
            ("name,hours", None),
        ] {
            let fields: Vec<&str> = h.split(',').collect();
            assert_eq!(detect(&fields), f, "{h}");
            if let Some(f) = f.filter(|f| *f != ImportFormat::Kinmu) {
                Columns::of(f, &fields).unwrap();
            }
        }
    }

    #[test]
    fn rows_are_read_with_their_minutes_and_day() {
        let h = ["User", "Email", "Client", "Project", "Task", "Description", "Start date", "Start time", "Duration"];
        let c = Columns::of(ImportFormat::Toggl, &h).unwrap();
        let r = c.read(&["Sato", "sato@example.com", "Acme", "Portal", "Design", "review", "2026-11-10", "09:00:00", "01:30:29"]).unwrap();
        assert_eq!((r.date, r.minutes, r.project.as_str(), r.task.as_str()), (d("2026-11-10"), 90, "Portal", "Design"));
        assert_eq!(c.read(&["", "", "", "Portal", "", "", "2026-11-10", "", "1:00:00"]).unwrap_err().field, "user");
        assert_eq!(c.read(&["S", "", "", "", "", "", "2026-11-10", "", "1:00:00"]).unwrap_err().field, "project");
        assert_eq!(c.read(&["S", "", "", "P", "", "", "10th", "", "1:00:00"]).unwrap_err().field, "date");
        assert_eq!(c.read(&["S", "", "", "P", "", "", "2026-11-10", "", "ninety"]).unwrap_err().field, "duration");
    }

    #[test]
    fn dates_and_durations_as_the_tools_write_them() {
        assert_eq!(parse_date("2026-11-10").unwrap(), d("2026-11-10"));
        assert_eq!(parse_date("11/10/2026").unwrap(), d("2026-11-10"));
        assert_eq!(parse_date("25/10/2026").unwrap(), d("2026-10-25"));
        assert_eq!(parse_date("2026/11/10").unwrap(), d("2026-11-10"));
        assert_eq!(parse_date("10.11.2026").unwrap(), d("2026-11-10"));
        assert_eq!(parse_date("2026-11-10 09:00:00").unwrap(), d("2026-11-10"));
        for bad in ["", "2026-13-01", "02/30/2026", "yesterday", "20261110"] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_hours("01:30:00").unwrap(), 90);
        assert_eq!(parse_hours("1:30").unwrap(), 90);
        assert_eq!(parse_hours("00:00:29").unwrap(), 0);
        assert_eq!(parse_hours("00:00:30").unwrap(), 1);
        assert_eq!(parse_hours("1.5").unwrap(), 90);
        assert_eq!(parse_hours("0,25").unwrap(), 15);
        assert_eq!(parse_hours("0.33").unwrap(), 20);
        assert_eq!(parse_hours("24:00:00").unwrap(), 1440);
        for bad in ["", "-1", "25:00:00", "1:75", "1.2.3", "abc", "1:2:3:4"] {
            assert!(parse_hours(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn identical_rows_share_their_source_text_and_others_do_not() {
        let h = ["Email", "Project", "Start date", "Start time", "Duration", "Description"];
        let c = Columns::of(ImportFormat::Toggl, &h).unwrap();
        let a = c.read(&["a@x.jp", "P", "2026-11-10", "09:00:00", "1:00:00", "x"]).unwrap();
        let b = c.read(&["A@X.JP", "P", "2026-11-10", "09:00:00", "1:00:00", "x"]).unwrap();
        let later = c.read(&["a@x.jp", "P", "2026-11-10", "10:00:00", "1:00:00", "x"]).unwrap();
        assert_eq!(a.source_text(ImportFormat::Toggl), b.source_text(ImportFormat::Toggl));
        assert_ne!(a.source_text(ImportFormat::Toggl), later.source_text(ImportFormat::Toggl));
        assert_ne!(a.source_text(ImportFormat::Toggl), a.source_text(ImportFormat::Clockify));
    }
}
