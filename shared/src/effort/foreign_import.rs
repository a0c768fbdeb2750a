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

use crate::api::{DateOrder, ImportFormat};
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
    /// How slash dates read (set by [`Columns::with_date_order`] once the file's dates are known).
    date_order: DateOrder,
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
                date_order: DateOrder::Mdy,
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
                date_order: DateOrder::Mdy,
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
                date_order: DateOrder::Mdy,
            },
        };
        if c.email.is_none() && c.login.is_none() && c.name.is_none() {
            return Err(missing_column(format, "Email"));
        }
        Ok(c)
    }

    /// The date cell of a row (for [`SlashDates::see`] before the rows are read).
    pub fn date_cell<'a>(&self, fields: &[&'a str]) -> &'a str {
        fields.get(self.date).copied().unwrap_or("")
    }

    /// These columns reading slash dates in `order`.
    pub fn with_date_order(self, order: DateOrder) -> Columns {
        Columns { date_order: order, ..self }
    }
}

/// What a file's slash dates (`03/04/2026`) say about their order: an example of a date only
/// day-first can read (a first number above 12), of one only month-first can read (a second
/// number above 12), and of one that reads both ways. Dates written otherwise (`2026-04-03`,
/// `2026/04/03`, `03.04.2026`) say nothing: their order is fixed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlashDates {
    pub day_first: Option<String>,
    pub month_first: Option<String>,
    pub either: Option<String>,
}

impl SlashDates {
    /// Takes one date cell into account.
    pub fn see(&mut self, cell: &str) {
        let d = cell.trim().split([' ', 'T']).next().unwrap_or("");
        let n: Vec<u32> = d.split('/').filter_map(|p| p.parse().ok()).collect();
        if n.len() != 3 || d.split('/').next().is_some_and(|p| p.len() > 2) {
            return;
        }
        let slot = match (n[0] > 12, n[1] > 12) {
            (true, false) => &mut self.day_first,
            (false, true) => &mut self.month_first,
            (false, false) => &mut self.either,
            (true, true) => return,
        };
        if slot.is_none() {
            *slot = Some(d.to_string());
        }
    }

    /// The order to read the file's slash dates in: `chosen` when given, else the one its dates
    /// show. Refused, naming the field `date_order` and the fix, when the dates contradict each
    /// other or when every one reads both ways — never guessed.
    pub fn order(&self, chosen: Option<DateOrder>) -> Result<DateOrder, Text> {
        if let Some(o) = chosen {
            return Ok(o);
        }
        match (&self.day_first, &self.month_first, &self.either) {
            (Some(d), Some(m), _) => Err(Text::new(
                format!(
                    "date_order: the file's slash dates disagree ({d} has the day first, {m} the month first): correct the file, or choose the order (--date-order mdy|dmy, or Date order on the import page) and the other rows are reported"
                ),
                format!(
                    "日付の並びがそろっていません（{d} は日が先、{m} は月が先）。ファイルを直すか、日付の並び（--date-order mdy|dmy、または取り込み画面の「日付の並び」）を選んでください。合わない行はエラーとして報告します。"
                ),
            )),
            (Some(_), None, _) => Ok(DateOrder::Dmy),
            (None, Some(_), _) => Ok(DateOrder::Mdy),
            (None, None, Some(e)) => Err(Text::new(
                format!(
                    "date_order: the file's dates such as {e} read as month/day or as day/month and no row decides it: choose the order (--date-order mdy for MM/DD/YYYY or dmy for DD/MM/YYYY; Date order on the import page)"
                ),
                format!(
                    "{e} のような日付は「月/日」とも「日/月」とも読め、どちらかを決める行がありません。日付の並びを選んでください（--date-order mdy は MM/DD/YYYY、dmy は DD/MM/YYYY。取り込み画面では「日付の並び」）。"
                ),
            )),
            (None, None, None) => Ok(DateOrder::Mdy),
        }
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
            date: parse_date(get(Some(self.date)), self.date_order).map_err(|text| FieldProblem { field: "date", text })?,
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

/// A day as the exports write it: `YYYY-MM-DD`, `YYYY/MM/DD`, a slash date of two-digit first
/// number in `order` (`MM/DD/YYYY`, `DD/MM/YYYY`, or `YY/MM/DD` for [`DateOrder::Ymd`]),
/// `DD.MM.YYYY`; a time after the date is ignored.
pub fn parse_date(s: &str, order: DateOrder) -> Result<NaiveDate, Text> {
    let bad = || {
        Text::new(
            format!("{s:?} is not a date as {}: write YYYY-MM-DD, or choose the date order the file is written in", order.pattern()),
            format!(
                "「{s}」は {} の日付として読めません。YYYY-MM-DD の形にするか、ファイルの日付の並びを選んでください。",
                order.pattern()
            ),
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
        if d.split('/').next().is_some_and(|p| p.len() > 2) {
            ymd(n[0], n[1], n[2])
        } else {
            match order {
                DateOrder::Mdy => ymd(n[2], n[0], n[1]),
                DateOrder::Dmy => ymd(n[2], n[1], n[0]),
                DateOrder::Ymd => ymd(2000 + n[0], n[1], n[2]),
            }
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
        let (mdy, dmy, ymd) = (DateOrder::Mdy, DateOrder::Dmy, DateOrder::Ymd);
        assert_eq!(parse_date("2026-11-10", mdy).unwrap(), d("2026-11-10"));
        assert_eq!(parse_date("11/10/2026", mdy).unwrap(), d("2026-11-10"));
        assert_eq!(parse_date("11/10/2026", dmy).unwrap(), d("2026-10-11"));
        assert_eq!(parse_date("25/10/2026", dmy).unwrap(), d("2026-10-25"));
        assert_eq!(parse_date("26/11/10", ymd).unwrap(), d("2026-11-10"));
        for order in DateOrder::ALL {
            assert_eq!(parse_date("2026/11/10", order).unwrap(), d("2026-11-10"));
            assert_eq!(parse_date("10.11.2026", order).unwrap(), d("2026-11-10"));
            assert_eq!(parse_date("2026-11-10 09:00:00", order).unwrap(), d("2026-11-10"));
        }
        // A date the chosen order cannot read is refused, never read the other way.
        assert!(parse_date("25/10/2026", mdy).unwrap_err().en().contains("MM/DD/YYYY"));
        assert!(parse_date("10/25/2026", dmy).is_err());
        for bad in ["", "2026-13-01", "02/30/2026", "yesterday", "20261110"] {
            assert!(parse_date(bad, mdy).is_err(), "{bad}");
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

    fn order_of(cells: &[&str], chosen: Option<DateOrder>) -> Result<DateOrder, Text> {
        let mut seen = SlashDates::default();
        cells.iter().for_each(|c| seen.see(c));
        seen.order(chosen)
    }

    #[test]
    fn a_files_slash_dates_decide_their_order_or_the_file_must_say_it() {
        // One row with a day above 12 decides for the whole file, wherever it is.
        assert_eq!(order_of(&["03/04/2026", "05/06/2026", "25/06/2026 09:00"], None), Ok(DateOrder::Dmy));
        assert_eq!(order_of(&["03/04/2026", "06/25/2026"], None), Ok(DateOrder::Mdy));
        // Undecided: refused, naming the field and the fix; a choice settles it.
        let e = order_of(&["03/04/2026", "05/06/2026"], None).unwrap_err();
        assert!(e.en().starts_with("date_order:") && e.en().contains("--date-order") && e.en().contains("03/04/2026"), "{}", e.en());
        assert_eq!(order_of(&["03/04/2026"], Some(DateOrder::Dmy)), Ok(DateOrder::Dmy));
        // Contradicting rows: refused unless chosen.
        let e = order_of(&["25/04/2026", "04/25/2026"], None).unwrap_err();
        assert!(e.en().contains("25/04/2026") && e.en().contains("04/25/2026"), "{}", e.en());
        // Dates whose order is fixed by their form say nothing and need no choice.
        assert_eq!(order_of(&["2026-04-03", "2026/04/03", "03.04.2026", ""], None), Ok(DateOrder::Mdy));
        // The chosen order reads the rows.
        let h = ["Email", "Project", "Start date", "Duration"];
        let c = Columns::of(ImportFormat::Toggl, &h).unwrap().with_date_order(DateOrder::Dmy);
        assert_eq!(c.date_cell(&["a@x.jp", "P", "03/04/2026", "1:00"]), "03/04/2026");
        assert_eq!(c.read(&["a@x.jp", "P", "03/04/2026", "1:00"]).unwrap().date, d("2026-04-03"));
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
