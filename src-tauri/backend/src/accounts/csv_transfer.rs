//! CSV export and import of users and organisations. Imports store every good row and report
//! every bad one with its line, field and reason; nothing is dropped silently. Files may be
//! UTF-8 (with or without BOM) or Shift_JIS, as Excel writes them in Japan. Exports are UTF-8
//! with a BOM, so Excel opens them with the right characters (the download may re-encode them
//! as UTF-8 or Shift_JIS: `?encoding=`); a cell that a spreadsheet would
//! read as a formula is written with a leading `'` and read back without it.

use kinmu_shared::api::{CreateUser, ImportReport, ImportRowError, ORG_CSV_HEADER, USER_CSV_HEADER, UpdateUser};
use kinmu_shared::messages::Text;
use kinmu_shared::spreadsheet::{neutralise_formula, restore_neutralised};
use kinmu_shared::{Language, Permission, validation};

use super::{Actor, organizations, passwords, roles, users};
use crate::database::Db;
use crate::error::{Error, Result};

const BOM: &str = "\u{feff}";

/// Reads CSV bytes as text: UTF-8 when valid, otherwise Shift_JIS.
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(BOM.as_bytes()).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::SHIFT_JIS.decode(bytes).0.into_owned(),
    }
}

fn writer() -> csv::Writer<Vec<u8>> {
    let mut buf = Vec::new();
    buf.extend_from_slice(BOM.as_bytes());
    csv::WriterBuilder::new().from_writer(buf)
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<String> {
    let bytes = w.into_inner().map_err(|e| Error::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(e.to_string()))
}

pub async fn export_users(db: &Db, actor: &Actor, now: i64) -> Result<String> {
    actor.require(Permission::ViewUsers)?;
    let orgs = organizations::list(db).await?;
    let roles = roles::list(db).await?;
    let mut w = writer();
    w.write_record(USER_CSV_HEADER).map_err(|e| Error::Internal(e.to_string()))?;
    let all = users::list_all(db, actor, true, now).await?;
    let login_of = |id: Option<i64>| id.and_then(|id| all.iter().find(|u| u.id == id)).map(|u| u.login.clone()).unwrap_or_default();
    for u in &all {
        let approver = login_of(u.approver_id);
        let org = u.organization_id.and_then(|id| orgs.iter().find(|o| o.id == id)).map(|o| o.path.clone()).unwrap_or_default();
        let role = roles.iter().find(|r| r.id == u.role_id).map(|r| r.name.clone()).unwrap_or_default();
        let fields = [
            u.login.as_str(),
            &u.display_name,
            u.email.as_deref().unwrap_or(""),
            &org,
            &role,
            if u.active { "true" } else { "false" },
            u.language.code(),
            &u.log_accounts.join(";"),
            &approver,
        ];
        w.write_record(fields.map(neutralise_formula).iter().map(|f| &**f)).map_err(|e| Error::Internal(e.to_string()))?;
    }
    finish(w)
}

pub async fn export_organizations(db: &Db) -> Result<String> {
    let mut w = writer();
    w.write_record(ORG_CSV_HEADER).map_err(|e| Error::Internal(e.to_string()))?;
    let logins: std::collections::HashMap<i64, String> =
        sqlx::query_as::<_, (i64, String)>("SELECT id, login FROM users").fetch_all(&db.pool).await?.into_iter().collect();
    for o in organizations::list(db).await? {
        let manager = o.manager_id.and_then(|m| logins.get(&m)).map(String::as_str).unwrap_or("");
        w.write_record([&*neutralise_formula(&o.path), &*neutralise_formula(manager)]).map_err(|e| Error::Internal(e.to_string()))?;
    }
    finish(w)
}

/// The user with this login, for a CSV cell naming one (`field`).
async fn user_by_login(db: &Db, field: &str, login: &str) -> Result<i64> {
    users::find_id_by_login(db, login).await?.ok_or_else(|| {
        Error::invalid(
            field,
            Text::new(
                format!("{field}: no user has the login {login:?}: import the users first or fix the login"),
                format!("ログイン名「{login}」のユーザーはいません。先にユーザーを取り込むか、ログイン名を直してください。"),
            ),
        )
    })
}

/// Header positions by column name; unknown or missing required columns fail the whole file,
/// since every row would be misread.
fn columns(header: &csv::StringRecord, known: &[&str], required: &[&str]) -> Result<Vec<Option<usize>>> {
    let names: Vec<String> = header.iter().map(|h| h.trim().trim_start_matches(BOM).to_lowercase()).collect();
    for n in &names {
        if !known.contains(&n.as_str()) && n != "password" {
            return Err(Error::invalid(
                "file",
                Text::new(
                    format!("line 1: unknown column {n:?}; the columns are {} (and optionally password)", known.join(", ")),
                    format!("1行目：「{n}」という列はありません。使える列は {} です（ほかに password も使えます）。", known.join(", ")),
                ),
            ));
        }
    }
    for r in required {
        if !names.iter().any(|n| n == r) {
            return Err(Error::invalid(
                "file",
                Text::new(
                    format!("line 1: the column {r:?} is missing; the header must name it"),
                    format!("1行目：列「{r}」がありません。見出し行に入れてください。"),
                ),
            ));
        }
    }
    let mut all: Vec<&str> = known.to_vec();
    all.push("password");
    Ok(all.iter().map(|k| names.iter().position(|n| n == k)).collect())
}

/// A parsed upload: column positions, the readable rows with their line numbers, and a report
/// that already counts every row and lists the unreadable ones.
/// A CSV file's rows, its columns found by their header names (in the order asked for), and
/// the report its unreadable rows already went into.
pub(crate) struct CsvRows {
    pub cols: Vec<Option<usize>>,
    pub rows: Vec<(u64, csv::StringRecord)>,
    pub report: ImportReport,
}

pub(crate) fn read_rows(bytes: &[u8], known: &[&str], required: &[&str], lang: Language) -> Result<CsvRows> {
    // Lines ending in CRLF, as Excel writes them, are read as LF: the CSV reader counts a record
    // after a CRLF one line short, and a report must name the line the file shows.
    let text = decode(bytes).replace("\r\n", "\n");
    let mut rdr = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::Fields).from_reader(text.as_bytes());
    let header = rdr
        .headers()
        .map_err(|e| {
            Error::invalid("file", Text::new(format!("line 1: cannot read the header: {e}"), "1行目：見出し行を読み取れません。"))
        })?
        .clone();
    let cols = columns(&header, known, required)?;
    let mut report = ImportReport::default();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        report.rows_read += 1;
        match rec {
            Ok(r) => rows.push((r.position().map(|p| p.line()).unwrap_or(0), r)),
            Err(e) => report.errors.push(row_error(
                e.position().map(|p| p.line()).unwrap_or(0),
                None,
                match lang {
                    Language::Ja => "この行を読み取れません（列の数や引用符を確認してください）".to_string(),
                    Language::En => format!("unreadable row: {e}"),
                },
            )),
        }
    }
    Ok(CsvRows { cols, rows, report })
}

pub(crate) fn parse_active(v: &str) -> Option<bool> {
    match v.trim().to_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "有効" | "active" => Some(true),
        "false" | "0" | "no" | "n" | "無効" | "disabled" => Some(false),
        _ => None,
    }
}

pub(crate) fn row_error(line: u64, field: Option<&str>, message: impl Into<String>) -> ImportRowError {
    ImportRowError { line: line as i64, field: field.map(str::to_string), message: message.into() }
}

pub async fn import_users(db: &Db, actor: &Actor, bytes: &[u8], now: i64) -> Result<ImportReport> {
    actor.require(Permission::ManageUsers)?;
    let CsvRows { cols, rows, mut report } = read_rows(bytes, &USER_CSV_HEADER, &["login"], actor.language())?;
    let orgs = organizations::list(db).await?;
    // Column indexes follow USER_CSV_HEADER, then "password".
    const APPROVER: usize = 8;
    let mut approvers: Vec<(u64, String, String)> = Vec::new();
    for (line, rec) in &rows {
        let get = |i: usize| cols[i].and_then(|c| rec.get(c)).map(|f| restore_neutralised(f.trim())).unwrap_or("");
        let has = |i: usize| cols[i].is_some();
        match import_user_row(db, actor, &orgs, &get, &has, now).await {
            Ok(created) => {
                if created {
                    report.created += 1;
                } else {
                    report.updated += 1;
                }
                if has(APPROVER) {
                    approvers.push((*line, get(0).to_string(), get(APPROVER).to_string()));
                }
            }
            Err(e) => {
                let api = e.to_api_in(actor.language());
                report.errors.push(row_error(*line, api.field.as_deref(), api.message));
            }
        }
    }
    // Approvers once every row is stored, so a row may name a person further down the file.
    for (line, login, approver) in approvers {
        let set = async {
            let id = user_by_login(db, "login", &login).await?;
            let approver_id = match approver.as_str() {
                "" => 0,
                a => user_by_login(db, "approver", a).await?,
            };
            users::update(db, actor, id, UpdateUser { approver_id: Some(approver_id), ..Default::default() }, now).await
        };
        if let Err(e) = set.await {
            let api = e.to_api_in(actor.language());
            report.errors.push(row_error(
                line,
                Some(api.field.as_deref().map(|f| if f == "approver_id" { "approver" } else { f }).unwrap_or("approver")),
                api.message,
            ));
        }
    }
    report.errors.sort_by_key(|e| e.line);
    Ok(report)
}

/// Imports one row; true when a user was created, false when one was updated.
async fn import_user_row<'r>(
    db: &Db,
    actor: &Actor,
    orgs: &[kinmu_shared::api::Organization],
    get: &(dyn Fn(usize) -> &'r str + Sync),
    has: &(dyn Fn(usize) -> bool + Sync),
    now: i64,
) -> Result<bool> {
    // Column indexes follow USER_CSV_HEADER, then "password".
    let login = get(0);
    validation::login(login)?;
    let organization_id = match get(3) {
        "" => None,
        path => Some(
            organizations::find_by_path(orgs, path)
                .ok_or_else(|| {
                    Error::invalid(
                        "organization",
                        Text::new(
                            format!("no organisation {path:?}: import organisations first or fix the path"),
                            format!("組織「{path}」はありません。先に組織を取り込むか、パスを直してください。"),
                        ),
                    )
                })?
                .id,
        ),
    };
    let role_id = match get(4) {
        "" => None,
        name => Some(
            roles::find_by_name(db, name)
                .await?
                .ok_or_else(|| {
                    Error::invalid("role", Text::new(format!("no role named {name:?}"), format!("役割「{name}」はありません。")))
                })?
                .id,
        ),
    };
    let active = match get(5) {
        "" => None,
        v => Some(parse_active(v).ok_or_else(|| {
            Error::invalid(
                "active",
                Text::new(format!("active {v:?}: write true or false"), format!("有効「{v}」：true か false を書いてください。")),
            )
        })?),
    };
    let language = match get(6) {
        "" => None,
        v => Some(Language::parse(v).ok_or_else(|| {
            Error::invalid(
                "language",
                Text::new(format!("language {v:?}: write ja or en"), format!("言語「{v}」：ja か en を書いてください。")),
            )
        })?),
    };
    let log_accounts: Option<Vec<String>> =
        has(7).then(|| get(7).split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect());
    let password = get(9);
    if !password.is_empty() {
        passwords::check_new("password", password, login, Some(get(1)))?;
    }
    match users::find_id_by_login(db, login).await? {
        Some(id) => {
            let upd = UpdateUser {
                display_name: Some(get(1)).filter(|s| !s.is_empty()).map(str::to_string),
                email: has(2).then(|| get(2).to_string()),
                organization_id: if has(3) { Some(organization_id.unwrap_or(0)) } else { None },
                role_id,
                active,
                language,
                time_zone: None,
                log_accounts,
                approver_id: None,
            };
            users::update(db, actor, id, upd, now).await?;
            if !password.is_empty() {
                users::set_password(db, actor, id, password, now).await?;
            }
            Ok(false)
        }
        None => {
            let req = CreateUser {
                login: login.to_string(),
                display_name: get(1).to_string(),
                email: Some(get(2).to_string()).filter(|s| !s.is_empty()),
                organization_id,
                role_id,
                language,
                time_zone: None,
                log_accounts: log_accounts.unwrap_or_default(),
                password: String::new(),
                approver_id: None,
            };
            validation::display_name(&req.display_name)?;
            validation::email(req.email.as_deref().unwrap_or(""))?;
            validation::log_accounts(&req.log_accounts)?;
            let id = users::insert(db, actor, &req, Some(password).filter(|p| !p.is_empty()), now).await?;
            if active == Some(false) {
                users::update(db, actor, id, UpdateUser { active: Some(false), ..Default::default() }, now).await?;
            }
            Ok(true)
        }
    }
}

pub async fn import_organizations(db: &Db, actor: &Actor, bytes: &[u8], now: i64) -> Result<ImportReport> {
    actor.require(Permission::ManageOrganizations)?;
    let CsvRows { cols, rows, mut report } = read_rows(bytes, &ORG_CSV_HEADER, &["path"], actor.language())?;
    for (line, rec) in &rows {
        let path = cols[0].and_then(|c| rec.get(c)).map(restore_neutralised).unwrap_or("");
        let id = match organizations::ensure_path(db, path, now).await {
            Ok((id, created)) => {
                report.created += created;
                id
            }
            Err(e) => {
                report.errors.push(row_error(*line, Some("path"), e.to_api_in(actor.language()).message));
                continue;
            }
        };
        // A file with a manager column sets each organisation's manager (blank: none).
        if let Some(c) = cols[1] {
            let manager = rec.get(c).map(|m| restore_neutralised(m.trim())).unwrap_or("");
            let set = async {
                let manager_id = match manager {
                    "" => None,
                    m => Some(user_by_login(db, "manager", m).await?),
                };
                organizations::set_manager(db, id, manager_id).await
            };
            if let Err(e) = set.await {
                report.errors.push(row_error(*line, Some("manager"), e.to_api_in(actor.language()).message));
            }
        }
    }
    report.errors.sort_by_key(|e| e.line);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_jis_and_bom_are_decoded() {
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("login,display_name\nmogami,最上\n");
        assert_eq!(decode(&sjis), "login,display_name\nmogami,最上\n");
        assert_eq!(decode("\u{feff}path\nA".as_bytes()), "path\nA");
    }

    #[test]
    fn unknown_columns_are_named() {
        let h = csv::StringRecord::from(vec!["login", "colour"]);
        let e = columns(&h, &USER_CSV_HEADER, &["login"]).unwrap_err().to_api();
        assert!(e.message.contains("colour"), "{}", e.message);
        let h = csv::StringRecord::from(vec!["display_name"]);
        assert!(columns(&h, &USER_CSV_HEADER, &["login"]).unwrap_err().to_api().message.contains("\"login\" is missing"));
    }

    #[test]
    fn active_values() {
        assert_eq!(parse_active("TRUE"), Some(true));
        assert_eq!(parse_active("無効"), Some(false));
        assert_eq!(parse_active("maybe"), None);
    }
}
