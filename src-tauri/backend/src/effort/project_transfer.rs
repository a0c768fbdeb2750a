//! Kinmu's projects CSV ([`PROJECT_CSV_HEADER`]): activities, projects, their members, the
//! activities each project uses, work items and their assignees in one file, a `kind` column
//! saying what each row is; `kinmu project import` and
//! `export`, and the projects page's upload and download. The same columns both ways.
//!
//! Import goes row by row through the services of [`super::activities`], [`super::projects`]
//! and [`super::work_items`] as the actor, so every rule and permission holds; a refused row is
//! reported with its line and field and the good rows are stored. A row names its thing by its
//! key (activity level and code, project code, project and login, project and path; a project's
//! activity by project code, level and code; an assignee by project, path and login): a thing
//! already stored as the row says is left alone, a different one is updated, a new one created,
//! so exporting and importing again, or importing twice, changes nothing. Members and work items
//! absent from the file are kept (import adds and changes, it never deletes), and so are a
//! project's activities and a work item's assignees the file does not name. Rows are read in
//! order: a work item's parent (`Design` for `Design / Screens`) comes before it, a project's
//! row before its members, activities and items, an item's row before its assignees, as the
//! export writes them.

use kinmu_shared::Permission;
use kinmu_shared::api::{
    ImportReport, MemberRole, PROJECT_CSV_HEADER, ProgressMode, Project, ProjectRole, ProjectStatus, SaveActivity, SaveProject,
    SaveWorkItem,
};
use kinmu_shared::effort::{BareNumber, format_minutes, parse_duration_with};
use kinmu_shared::messages::Text;
use kinmu_shared::spreadsheet::{neutralise_formula, restore_neutralised};

use super::work_items::PATH_SEPARATOR;
use super::{activities, projects, work_items};
use crate::accounts::Actor;
use crate::accounts::csv_transfer::{parse_active, read_rows, row_error};
use crate::database::Db;
use crate::error::{Error, Result};

// Column indexes, following PROJECT_CSV_HEADER.
const KIND: usize = 0;
const PROJECT_CODE: usize = 1;
const NAME: usize = 2;
const PATH: usize = 3;
const LEVEL: usize = 4;
const CODE: usize = 5;
const LOGIN: usize = 6;
const ROLE: usize = 7;
const CLIENT: usize = 8;
const MANAGER: usize = 9;
const STATUS: usize = 10;
const PROGRESS_MODE: usize = 11;
const ALLOW_UNASSIGNED: usize = 12;
const PLANNED_START: usize = 13;
const PLANNED_END: usize = 14;
const PLANNED: usize = 15;
const MILESTONE: usize = 16;
const PROGRESS_PERCENT: usize = 17;
const ACTIVE: usize = 18;

/// What an import did: its report, and how many rows were already stored as they are.
#[derive(Debug, Clone, Default)]
pub struct ProjectImport {
    pub report: ImportReport,
    pub unchanged: i64,
}

#[derive(Debug, PartialEq)]
enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// Imports a projects CSV (UTF-8 with or without BOM, or Shift_JIS) as `actor`, who must hold
/// projects.manage (and manage each project a row changes).
pub async fn import(db: &Db, actor: &Actor, bytes: &[u8], now: i64) -> Result<ProjectImport> {
    actor.require(Permission::ManageProjects)?;
    let rows = read_rows(bytes, &PROJECT_CSV_HEADER, &["kind"], actor.language())?;
    let mut report = rows.report;
    let mut unchanged = 0;
    for (line, rec) in &rows.rows {
        let get = |i: usize| rows.cols[i].and_then(|c| rec.get(c)).map(|f| restore_neutralised(f.trim())).unwrap_or("");
        match import_row(db, actor, &get, now).await {
            Ok(Outcome::Created) => report.created += 1,
            Ok(Outcome::Updated) => report.updated += 1,
            Ok(Outcome::Unchanged) => unchanged += 1,
            Err(e) => {
                let api = e.to_api_in(actor.language());
                report.errors.push(row_error(*line, api.field.as_deref(), api.message));
            }
        }
    }
    report.errors.sort_by_key(|e| e.line);
    Ok(ProjectImport { report, unchanged })
}

async fn import_row<'r>(db: &Db, actor: &Actor, get: &(dyn Fn(usize) -> &'r str + Sync), now: i64) -> Result<Outcome> {
    match get(KIND).to_lowercase().as_str() {
        "activity" => import_activity(db, actor, get, now).await,
        "project" => import_project(db, actor, get, now).await,
        "member" => import_member(db, actor, get).await,
        "work_item" => import_work_item(db, actor, get, now).await,
        "project_activity" => import_project_activity(db, actor, get, now).await,
        "assignee" => import_assignee(db, actor, get).await,
        other => Err(Error::invalid(
            "kind",
            Text::new(
                format!("kind {other:?}: write project, work_item, activity, member, project_activity or assignee"),
                format!("種類「{other}」：project、work_item、activity、member、project_activity、assignee のいずれかを書いてください。"),
            ),
        )),
    }
}

fn flag(field: &str, v: &str, default: bool) -> Result<bool> {
    if v.is_empty() {
        return Ok(default);
    }
    parse_active(v).ok_or_else(|| {
        Error::invalid(
            field,
            Text::new(format!("{field} {v:?}: write true or false"), format!("{field}「{v}」：true か false を書いてください。")),
        )
    })
}

fn optional(v: &str) -> Option<String> {
    Some(v.to_string()).filter(|s| !s.is_empty())
}

fn number(field: &str, v: &str) -> Result<Option<i64>> {
    if v.is_empty() {
        return Ok(None);
    }
    v.parse().map(Some).map_err(|_| {
        Error::invalid(field, Text::new(format!("{field} {v:?} is not a whole number"), format!("{field}「{v}」は整数ではありません。")))
    })
}

/// A user's id by login, naming `field` when there is none.
async fn user(db: &Db, field: &str, login: &str) -> Result<i64> {
    crate::accounts::users::find_id_by_login(db, login).await?.ok_or_else(|| {
        Error::invalid(
            field,
            Text::new(format!("{field}: no user has the login {login:?}"), format!("ログイン名「{login}」のユーザーはいません。")),
        )
    })
}

/// The project of a row's `project_code`, as the actor may see it.
async fn project(db: &Db, actor: &Actor, code: &str) -> Result<Option<Project>> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM projects WHERE code_key = $1").bind(code.to_lowercase()).fetch_optional(&db.pool).await?;
    match id {
        None => Ok(None),
        Some(id) => projects::get(db, actor, id).await.map(Some),
    }
}

async fn existing_project(db: &Db, actor: &Actor, code: &str) -> Result<Project> {
    if code.is_empty() {
        return Err(Error::invalid("project_code", Text::new("project_code is required", "プロジェクトコードを入力してください。")));
    }
    project(db, actor, code).await?.ok_or_else(|| {
        Error::invalid(
            "project_code",
            Text::new(
                format!("no project has the code {code:?}: put its project row first"),
                format!("プロジェクトコード「{code}」のプロジェクトはありません。先にプロジェクトの行を置いてください。"),
            ),
        )
    })
}

async fn import_activity<'r>(db: &Db, actor: &Actor, get: &(dyn Fn(usize) -> &'r str + Sync), now: i64) -> Result<Outcome> {
    let level = number("level", get(LEVEL))?.unwrap_or(0);
    let req = SaveActivity { level, code: get(CODE).to_string(), name: get(NAME).to_string(), active: flag("active", get(ACTIVE), true)? };
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM activities WHERE level = $1 AND code_key = $2")
        .bind(level)
        .bind(req.code.to_lowercase())
        .fetch_optional(&db.pool)
        .await?;
    match id {
        None => activities::create(db, actor, req, now).await.map(|_| Outcome::Created),
        Some(id) => {
            let a = activities::get(db, id).await?;
            if a.code == req.code && a.name == req.name && a.active == req.active {
                actor.require(Permission::ManageProjects)?;
                return Ok(Outcome::Unchanged);
            }
            activities::update(db, actor, id, req).await.map(|_| Outcome::Updated)
        }
    }
}

async fn import_project<'r>(db: &Db, actor: &Actor, get: &(dyn Fn(usize) -> &'r str + Sync), now: i64) -> Result<Outcome> {
    let manager_id = match get(MANAGER) {
        "" => None,
        login => Some(user(db, "manager", login).await?),
    };
    let status = match get(STATUS) {
        "" => ProjectStatus::default(),
        s => ProjectStatus::from_key(&s.to_lowercase()).ok_or_else(|| {
            Error::invalid(
                "status",
                Text::new(
                    format!("status {s:?}: write planning, active or closed"),
                    format!("状態「{s}」：planning、active、closed のいずれかを書いてください。"),
                ),
            )
        })?,
    };
    let progress_mode = match get(PROGRESS_MODE) {
        "" => ProgressMode::default(),
        s => ProgressMode::from_key(&s.to_lowercase()).ok_or_else(|| {
            Error::invalid(
                "progress_mode",
                Text::new(
                    format!("progress_mode {s:?}: write entered or derived"),
                    format!("進捗の方式「{s}」：entered か derived を書いてください。"),
                ),
            )
        })?,
    };
    let mut req = SaveProject {
        code: get(PROJECT_CODE).to_string(),
        name: get(NAME).to_string(),
        client: get(CLIENT).to_string(),
        manager_id,
        planned_start: optional(get(PLANNED_START)),
        planned_end: optional(get(PLANNED_END)),
        status,
        allow_unassigned: flag("allow_unassigned", get(ALLOW_UNASSIGNED), false)?,
        progress_mode,
        activity_ids: Vec::new(),
    };
    if req.code.is_empty() {
        return Err(Error::invalid("project_code", Text::new("project_code is required", "プロジェクトコードを入力してください。")));
    }
    match project(db, actor, &req.code).await? {
        None => projects::create(db, actor, req, now).await.map(|_| Outcome::Created),
        Some(p) => {
            req.activity_ids = p.activity_ids.clone();
            let same = p.code == req.code
                && p.name == req.name
                && p.client == req.client
                && p.manager_id == req.manager_id
                && p.planned_start == req.planned_start
                && p.planned_end == req.planned_end
                && p.status == req.status
                && p.allow_unassigned == req.allow_unassigned
                && p.progress_mode == req.progress_mode;
            if same {
                projects::require_manager(actor, &p)?;
                return Ok(Outcome::Unchanged);
            }
            projects::update(db, actor, p.id, req, now).await.map(|_| Outcome::Updated)
        }
    }
}

async fn import_member<'r>(db: &Db, actor: &Actor, get: &(dyn Fn(usize) -> &'r str + Sync)) -> Result<Outcome> {
    let p = existing_project(db, actor, get(PROJECT_CODE)).await?;
    let login = get(LOGIN);
    if login.is_empty() {
        return Err(Error::invalid("login", Text::new("login is required on a member row", "メンバーの行にはログイン名が必要です。")));
    }
    let user_id = user(db, "login", login).await?;
    let role = match get(ROLE) {
        "" => ProjectRole::Member,
        r => ProjectRole::from_key(&r.to_lowercase()).ok_or_else(|| {
            Error::invalid(
                "role",
                Text::new(format!("role {r:?}: write member or manager"), format!("役割「{r}」：member か manager を書いてください。")),
            )
        })?,
    };
    projects::require_manager(actor, &p)?;
    let outcome = match p.members.iter().find(|m| m.user_id == user_id) {
        Some(m) if m.role == role => return Ok(Outcome::Unchanged),
        Some(_) => Outcome::Updated,
        None => Outcome::Created,
    };
    let mut members: Vec<MemberRole> =
        p.members.iter().filter(|m| m.user_id != user_id).map(|m| MemberRole { user_id: m.user_id, role: m.role }).collect();
    members.push(MemberRole { user_id, role });
    projects::set_members(db, actor, p.id, members).await?;
    Ok(outcome)
}

/// A project as its save request, with `activity_ids`.
fn as_saved(p: &Project, activity_ids: Vec<i64>) -> SaveProject {
    SaveProject {
        code: p.code.clone(),
        name: p.name.clone(),
        client: p.client.clone(),
        manager_id: p.manager_id,
        planned_start: p.planned_start.clone(),
        planned_end: p.planned_end.clone(),
        status: p.status,
        allow_unassigned: p.allow_unassigned,
        progress_mode: p.progress_mode,
        activity_ids,
    }
}

/// A `project_activity` row: the project (project_code) uses the activity (level, code).
async fn import_project_activity<'r>(db: &Db, actor: &Actor, get: &(dyn Fn(usize) -> &'r str + Sync), now: i64) -> Result<Outcome> {
    let p = existing_project(db, actor, get(PROJECT_CODE)).await?;
    let level = number("level", get(LEVEL))?.unwrap_or(0);
    let code = get(CODE);
    let id: i64 = sqlx::query_scalar("SELECT id FROM activities WHERE level = $1 AND code_key = $2")
        .bind(level)
        .bind(code.to_lowercase())
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| {
            Error::invalid(
                "code",
                Text::new(
                    format!("no activity of level {level} has the code {code:?}: put its activity row first"),
                    format!("第{level}分類にコード「{code}」の分類はありません。先にその分類の行を置いてください。"),
                ),
            )
        })?;
    projects::require_manager(actor, &p)?;
    if p.activity_ids.contains(&id) {
        return Ok(Outcome::Unchanged);
    }
    let mut ids = p.activity_ids.clone();
    ids.push(id);
    projects::update(db, actor, p.id, as_saved(&p, ids), now).await.map(|_| Outcome::Created)
}

/// An `assignee` row: the user (login) is assigned to the work item (project_code, path).
async fn import_assignee<'r>(db: &Db, actor: &Actor, get: &(dyn Fn(usize) -> &'r str + Sync)) -> Result<Outcome> {
    let p = existing_project(db, actor, get(PROJECT_CODE)).await?;
    let (path, _, _) = split_path(get(PATH));
    let login = get(LOGIN);
    if login.is_empty() {
        return Err(Error::invalid("login", Text::new("login is required on an assignee row", "担当者の行にはログイン名が必要です。")));
    }
    let user_id = user(db, "login", login).await?;
    let missing = || {
        Error::invalid(
            "path",
            Text::new(
                format!("project {} has no work item {path:?}: put its row first", p.code),
                format!("プロジェクト {} に作業項目「{path}」はありません。先にその行を置いてください。", p.code),
            ),
        )
    };
    let id = item_id(db, p.id, &path).await?.ok_or_else(missing)?;
    let w = work_items::list(db, actor, p.id).await?.into_iter().find(|w| w.id == id).ok_or_else(missing)?;
    projects::require_manager(actor, &p)?;
    if w.assignee_ids.contains(&user_id) {
        return Ok(Outcome::Unchanged);
    }
    let mut assignee_ids = w.assignee_ids.clone();
    assignee_ids.push(user_id);
    let req = SaveWorkItem {
        parent_id: w.parent_id,
        name: w.name.clone(),
        planned_minutes: w.planned_minutes,
        planned_start: w.planned_start.clone(),
        planned_end: w.planned_end.clone(),
        milestone: w.milestone,
        progress_percent: match p.progress_mode {
            ProgressMode::Entered => w.progress_percent,
            ProgressMode::Derived => None,
        },
        assignee_ids,
    };
    work_items::update(db, actor, id, req).await.map(|_| Outcome::Created)
}

/// `Design/ Screens ` → (`Design / Screens`, its parent `Design`).
fn split_path(path: &str) -> (String, Option<String>, String) {
    let parts: Vec<&str> = path.split('/').map(str::trim).filter(|s| !s.is_empty()).collect();
    let name = parts.last().map(|s| s.to_string()).unwrap_or_default();
    let parent = (parts.len() > 1).then(|| parts[..parts.len() - 1].join(PATH_SEPARATOR));
    (parts.join(PATH_SEPARATOR), parent, name)
}

async fn item_id(db: &Db, project_id: i64, path: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM work_items WHERE project_id = $1 AND path_key = $2")
        .bind(project_id)
        .bind(path.to_lowercase())
        .fetch_optional(&db.pool)
        .await?)
}

async fn import_work_item<'r>(db: &Db, actor: &Actor, get: &(dyn Fn(usize) -> &'r str + Sync), now: i64) -> Result<Outcome> {
    let p = existing_project(db, actor, get(PROJECT_CODE)).await?;
    let (path, parent, name) = split_path(get(PATH));
    if name.is_empty() {
        return Err(Error::invalid(
            "path",
            Text::new("path is required on a work item row (e.g. Design / Screens)", "作業項目の行にはパスが必要です（例：設計 / 画面）。"),
        ));
    }
    let parent_id = match &parent {
        None => None,
        Some(pp) => Some(item_id(db, p.id, pp).await?.ok_or_else(|| {
            Error::invalid(
                "path",
                Text::new(
                    format!("project {} has no work item {pp:?}: put its row before {path:?}", p.code),
                    format!("プロジェクト {} に作業項目「{pp}」はありません。「{path}」より前にその行を置いてください。", p.code),
                ),
            )
        })?),
    };
    let planned_minutes = match get(PLANNED) {
        "" => None,
        d => Some(parse_duration_with(d, BareNumber::Minutes).map_err(|e| Error::invalid("planned", e.text()))?),
    };
    let mut req = SaveWorkItem {
        parent_id,
        name,
        planned_minutes,
        planned_start: optional(get(PLANNED_START)),
        planned_end: optional(get(PLANNED_END)),
        milestone: flag("milestone", get(MILESTONE), false)?,
        progress_percent: number("progress_percent", get(PROGRESS_PERCENT))?,
        assignee_ids: Vec::new(),
    };
    match item_id(db, p.id, &path).await? {
        None => work_items::create(db, actor, p.id, req, now).await.map(|_| Outcome::Created),
        Some(id) => {
            let w = work_items::list(db, actor, p.id).await?.into_iter().find(|w| w.id == id).ok_or_else(|| {
                Error::NotFound(Text::new(format!("work item {path:?} is gone"), format!("作業項目「{path}」が見つかりません。")))
            })?;
            req.assignee_ids = w.assignee_ids.clone();
            let same = w.name == req.name
                && w.planned_minutes == req.planned_minutes
                && w.planned_start == req.planned_start
                && w.planned_end == req.planned_end
                && w.milestone == req.milestone
                && (p.progress_mode == ProgressMode::Derived || w.progress_percent == req.progress_percent);
            if same {
                projects::require_manager(actor, &p)?;
                return Ok(Outcome::Unchanged);
            }
            work_items::update(db, actor, id, req).await.map(|_| Outcome::Updated)
        }
    }
}

/// The activities, and the projects the actor may see with their members and work items, as a
/// projects CSV (UTF-8 without BOM; the caller encodes it).
pub async fn export(db: &Db, actor: &Actor) -> Result<String> {
    actor.require(Permission::ManageProjects)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| Error::Internal(e.to_string());
    w.write_record(PROJECT_CSV_HEADER).map_err(fail)?;
    let mut write = |cells: &[(usize, String)]| -> Result<()> {
        let mut row = vec![String::new(); PROJECT_CSV_HEADER.len()];
        for (i, v) in cells {
            row[*i] = neutralise_formula(v).into_owned();
        }
        w.write_record(&row).map_err(fail)
    };
    let yes_no = |b: bool| if b { "true" } else { "false" }.to_string();
    let all_activities = activities::list(db).await?;
    let logins: std::collections::HashMap<i64, String> =
        sqlx::query_as::<_, (i64, String)>("SELECT id, login FROM users").fetch_all(&db.pool).await?.into_iter().collect();
    for a in all_activities.clone() {
        write(&[(KIND, "activity".into()), (LEVEL, a.level.to_string()), (CODE, a.code), (NAME, a.name), (ACTIVE, yes_no(a.active))])?;
    }
    for p in projects::list(db, actor).await? {
        let manager = p.members.iter().find(|m| Some(m.user_id) == p.manager_id).map(|m| m.login.clone());
        let manager = match (manager, p.manager_id) {
            (Some(l), _) => l,
            (None, Some(id)) => {
                sqlx::query_scalar("SELECT login FROM users WHERE id = $1").bind(id).fetch_optional(&db.pool).await?.unwrap_or_default()
            }
            (None, None) => String::new(),
        };
        write(&[
            (KIND, "project".into()),
            (PROJECT_CODE, p.code.clone()),
            (NAME, p.name.clone()),
            (CLIENT, p.client.clone()),
            (MANAGER, manager),
            (STATUS, p.status.key().into()),
            (PROGRESS_MODE, p.progress_mode.key().into()),
            (ALLOW_UNASSIGNED, yes_no(p.allow_unassigned)),
            (PLANNED_START, p.planned_start.clone().unwrap_or_default()),
            (PLANNED_END, p.planned_end.clone().unwrap_or_default()),
        ])?;
        for m in &p.members {
            write(&[(KIND, "member".into()), (PROJECT_CODE, p.code.clone()), (LOGIN, m.login.clone()), (ROLE, m.role.key().into())])?;
        }
        // The activities the project uses, by level and code.
        let mut used: Vec<(i64, String)> =
            all_activities.iter().filter(|a| p.activity_ids.contains(&a.id)).map(|a| (a.level, a.code.clone())).collect();
        used.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.to_lowercase().cmp(&b.1.to_lowercase())));
        for (level, code) in used {
            write(&[(KIND, "project_activity".into()), (PROJECT_CODE, p.code.clone()), (LEVEL, level.to_string()), (CODE, code)])?;
        }
        // By path: a parent comes before its sub-items.
        for item in work_items::list(db, actor, p.id).await? {
            let progress = match p.progress_mode {
                ProgressMode::Entered => item.progress_percent.map(|n| n.to_string()).unwrap_or_default(),
                ProgressMode::Derived => String::new(),
            };
            let mut assignees: Vec<String> = item.assignee_ids.iter().filter_map(|id| logins.get(id).cloned()).collect();
            assignees.sort_by_key(|l| l.to_lowercase());
            write(&[
                (KIND, "work_item".into()),
                (PROJECT_CODE, p.code.clone()),
                (PATH, item.path.clone()),
                (PLANNED, item.planned_minutes.map(format_minutes).unwrap_or_default()),
                (PLANNED_START, item.planned_start.unwrap_or_default()),
                (PLANNED_END, item.planned_end.unwrap_or_default()),
                (MILESTONE, yes_no(item.milestone)),
                (PROGRESS_PERCENT, progress),
            ])?;
            for login in assignees {
                write(&[(KIND, "assignee".into()), (PROJECT_CODE, p.code.clone()), (PATH, item.path.clone()), (LOGIN, login)])?;
            }
        }
    }
    let bytes = w.into_inner().map_err(|e| Error::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_parent_and_name() {
        assert_eq!(split_path("Design/ Screens "), ("Design / Screens".into(), Some("Design".into()), "Screens".into()));
        assert_eq!(split_path("設計"), ("設計".into(), None, "設計".into()));
        assert_eq!(split_path(" / "), (String::new(), None, String::new()));
        assert_eq!(PROJECT_CSV_HEADER[ACTIVE], "active");
        assert_eq!(PROJECT_CSV_HEADER[PLANNED], "planned");
    }
}
