//! Projects, their members and their activity choice; copying one as a template. A person sees
//! the projects they belong to or manage; an administrator sees all. A project is changed by its
//! managers (its `manager_id` or a member with the manager role) holding `projects.manage`, or by
//! an administrator.

use std::collections::HashMap;

use kinmu_shared::Permission;
use kinmu_shared::api::{CopyProject, MemberRole, ProgressMode, Project, ProjectMember, ProjectRole, ProjectStatus, SaveProject};
use kinmu_shared::messages::Text;

use super::{is_administrator, optional_date, optional_text, required_text};
use crate::accounts::Actor;
use crate::database::{Db, placeholders};
use crate::error::{Error, Result, is_unique_violation};

#[derive(sqlx::FromRow)]
struct ProjectRow {
    id: i64,
    code: String,
    name: String,
    client: String,
    manager_id: Option<i64>,
    planned_start: Option<String>,
    planned_end: Option<String>,
    status: String,
    allow_unassigned: i64,
    progress_mode: String,
    created_at: i64,
}

const COLUMNS: &str = "p.id, p.code, p.name, p.client, p.manager_id, p.planned_start, p.planned_end, p.status, p.allow_unassigned, p.progress_mode, p.created_at";

fn not_found(id: i64) -> Error {
    Error::NotFound(Text::new(format!("project {id} does not exist or is not yours to see"), "プロジェクトが見つかりません。"))
}

/// The projects the actor may see, by code.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Project>> {
    let rows: Vec<ProjectRow> = match actor.user_id() {
        Some(me) if !is_administrator(actor) => {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM projects p WHERE p.manager_id = $1 \
                 OR EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = p.id AND m.user_id = $1) ORDER BY p.code_key"
            ))
            .bind(me)
            .fetch_all(&db.pool)
            .await?
        }
        _ => sqlx::query_as(&format!("SELECT {COLUMNS} FROM projects p ORDER BY p.code_key")).fetch_all(&db.pool).await?,
    };
    complete(db, rows).await
}

/// A project the actor may see.
pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<Project> {
    let p = stored(db, id).await?;
    if !is_administrator(actor) && !p.members.iter().any(|m| Some(m.user_id) == actor.user_id()) && p.manager_id != actor.user_id() {
        return Err(not_found(id));
    }
    Ok(p)
}

/// A project, whoever asks (for the other services' checks).
pub async fn stored(db: &Db, id: i64) -> Result<Project> {
    let rows: Vec<ProjectRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM projects p WHERE p.id = $1")).bind(id).fetch_all(&db.pool).await?;
    complete(db, rows).await?.pop().ok_or_else(|| not_found(id))
}

/// Whether the actor manages `p` (its manager or a manager member, holding projects.manage) or
/// administers effort.
pub fn manages(actor: &Actor, p: &Project) -> bool {
    if is_administrator(actor) {
        return true;
    }
    let Some(me) = actor.user_id() else { return false };
    super::is_approver(actor) && (p.manager_id == Some(me) || p.members.iter().any(|m| m.user_id == me && m.role == ProjectRole::Manager))
}

/// Refuses unless the actor manages `p`.
pub fn require_manager(actor: &Actor, p: &Project) -> Result<()> {
    actor.require(Permission::ManageProjects)?;
    if manages(actor, p) {
        return Ok(());
    }
    Err(Error::NotAllowed(Text::new(
        format!("only a manager of project {} or an administrator can change it", p.code),
        format!("プロジェクト {} を変更できるのは、そのプロジェクトの管理者か管理者権限を持つ人だけです。", p.code),
    )))
}

async fn complete(db: &Db, rows: Vec<ProjectRow>) -> Result<Vec<Project>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut members: HashMap<i64, Vec<ProjectMember>> = HashMap::new();
    let mut activities: HashMap<i64, Vec<i64>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT m.project_id, m.user_id, u.login, u.display_name, m.role FROM project_members m JOIN users u ON u.id = m.user_id \
             WHERE m.project_id IN ({}) ORDER BY u.login_key",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query_as::<_, (i64, i64, String, String, String)>(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for (project, user_id, login, display_name, role) in q.fetch_all(&db.pool).await? {
            let role = ProjectRole::from_key(&role).unwrap_or_default();
            members.entry(project).or_default().push(ProjectMember { user_id, login, display_name, role });
        }
        let sql = format!(
            "SELECT project_id, activity_id FROM project_activities WHERE project_id IN ({}) ORDER BY activity_id",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query_as::<_, (i64, i64)>(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for (project, activity) in q.fetch_all(&db.pool).await? {
            activities.entry(project).or_default().push(activity);
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| Project {
            members: members.remove(&r.id).unwrap_or_default(),
            activity_ids: activities.remove(&r.id).unwrap_or_default(),
            id: r.id,
            code: r.code,
            name: r.name,
            client: r.client,
            manager_id: r.manager_id,
            planned_start: r.planned_start,
            planned_end: r.planned_end,
            status: ProjectStatus::from_key(&r.status).unwrap_or_default(),
            allow_unassigned: r.allow_unassigned != 0,
            progress_mode: ProgressMode::from_key(&r.progress_mode).unwrap_or_default(),
            created_at: r.created_at,
        })
        .collect())
}

/// A project's checked fields.
struct Checked {
    code: String,
    name: String,
    client: String,
    planned_start: Option<String>,
    planned_end: Option<String>,
}

async fn check(db: &Db, req: &SaveProject) -> Result<Checked> {
    let code = required_text("code", &req.code, 32)?;
    if code.chars().any(char::is_whitespace) {
        return Err(Error::invalid(
            "code",
            Text::new("code must not contain spaces: write e.g. P-2026-014", "コードに空白は使えません（例：P-2026-014）。"),
        ));
    }
    let name = required_text("name", &req.name, 100)?;
    let client = optional_text("client", &req.client, 100)?;
    let start = optional_date("planned_start", &req.planned_start)?;
    let end = optional_date("planned_end", &req.planned_end)?;
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        return Err(Error::invalid(
            "planned_end",
            Text::new(
                format!("the planned end {e} is before the planned start {s}"),
                format!("予定終了日 {e} が予定開始日 {s} より前です。"),
            ),
        ));
    }
    if let Some(m) = req.manager_id {
        super::person(db, m).await.map_err(|_| {
            Error::invalid(
                "manager_id",
                Text::new("manager_id: no such user: pick one from the list", "ユーザーが見つかりません。一覧から選んでください。"),
            )
        })?;
    }
    for a in &req.activity_ids {
        super::activities::get(db, *a).await.map_err(|_| {
            Error::invalid(
                "activity_ids",
                Text::new(
                    format!("activity_ids: activity {a} does not exist: pick one from the list"),
                    "分類が見つかりません。一覧から選んでください。",
                ),
            )
        })?;
    }
    Ok(Checked { code, name, client, planned_start: start.map(|d| d.to_string()), planned_end: end.map(|d| d.to_string()) })
}

fn code_taken(code: &str) -> Error {
    Error::conflict(
        "code",
        Text::new(
            format!("the project code {code:?} is taken: choose another"),
            format!("プロジェクトコード「{code}」はすでに使われています。"),
        ),
    )
}

/// A new project; its manager (`manager_id`, else the creator) joins it as manager.
pub async fn create(db: &Db, actor: &Actor, req: SaveProject, now: i64) -> Result<Project> {
    actor.require(Permission::ManageProjects)?;
    let c = check(db, &req).await?;
    let manager = req.manager_id.or(actor.user_id());
    let mut tx = db.pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO projects (code, code_key, name, client, manager_id, planned_start, planned_end, status, allow_unassigned, \
         progress_mode, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(&c.code)
    .bind(c.code.to_lowercase())
    .bind(&c.name)
    .bind(&c.client)
    .bind(manager)
    .bind(&c.planned_start)
    .bind(&c.planned_end)
    .bind(req.status.key())
    .bind(i64::from(req.allow_unassigned))
    .bind(req.progress_mode.key())
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| if is_unique_violation(&e) { code_taken(&c.code) } else { e.into() })?;
    if let Some(m) = manager {
        sqlx::query("INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, 'manager')")
            .bind(id)
            .bind(m)
            .execute(&mut *tx)
            .await?;
    }
    set_activities(&mut tx, id, &req.activity_ids).await?;
    tx.commit().await?;
    stored(db, id).await
}

/// Project `id` offers exactly the activities `ids` (none: every active one).
async fn set_activities(tx: &mut sqlx::Transaction<'static, sqlx::Any>, id: i64, ids: &[i64]) -> Result<()> {
    sqlx::query("DELETE FROM project_activities WHERE project_id = $1").bind(id).execute(&mut **tx).await?;
    for a in ids {
        sqlx::query("INSERT INTO project_activities (project_id, activity_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(a)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

pub async fn update(db: &Db, actor: &Actor, id: i64, req: SaveProject, now: i64) -> Result<Project> {
    actor.require(Permission::ManageProjects)?;
    let before = get(db, actor, id).await?;
    require_manager(actor, &before)?;
    let c = check(db, &req).await?;
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "UPDATE projects SET code = $1, code_key = $2, name = $3, client = $4, manager_id = $5, planned_start = $6, planned_end = $7, \
         status = $8, allow_unassigned = $9, progress_mode = $10, updated_at = $11 WHERE id = $12",
    )
    .bind(&c.code)
    .bind(c.code.to_lowercase())
    .bind(&c.name)
    .bind(&c.client)
    .bind(req.manager_id)
    .bind(&c.planned_start)
    .bind(&c.planned_end)
    .bind(req.status.key())
    .bind(i64::from(req.allow_unassigned))
    .bind(req.progress_mode.key())
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(|e| if is_unique_violation(&e) { code_taken(&c.code) } else { e.into() })?;
    if let Some(m) = req.manager_id {
        sqlx::query(
            "INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, 'manager') \
             ON CONFLICT (project_id, user_id) DO UPDATE SET role = 'manager'",
        )
        .bind(id)
        .bind(m)
        .execute(&mut *tx)
        .await?;
    }
    set_activities(&mut tx, id, &req.activity_ids).await?;
    tx.commit().await?;
    stored(db, id).await
}

/// Replaces the project's members; its `manager_id` stays a manager member.
pub async fn set_members(db: &Db, actor: &Actor, id: i64, members: Vec<MemberRole>) -> Result<Project> {
    actor.require(Permission::ManageProjects)?;
    let p = get(db, actor, id).await?;
    require_manager(actor, &p)?;
    let mut wanted: Vec<MemberRole> = Vec::new();
    for (i, m) in members.into_iter().enumerate() {
        super::person(db, m.user_id).await.map_err(|_| {
            Error::invalid(
                &format!("members[{i}]"),
                Text::new(
                    format!("members[{i}]: user {} does not exist", m.user_id),
                    format!("{}件目のメンバー：ユーザーが見つかりません。", i + 1),
                ),
            )
        })?;
        wanted.retain(|w| w.user_id != m.user_id);
        wanted.push(m);
    }
    if let Some(manager) = p.manager_id {
        wanted.retain(|w| w.user_id != manager);
        wanted.push(MemberRole { user_id: manager, role: ProjectRole::Manager });
    }
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM project_members WHERE project_id = $1").bind(id).execute(&mut *tx).await?;
    for m in &wanted {
        sqlx::query("INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(m.user_id)
            .bind(m.role.key())
            .execute(&mut *tx)
            .await?;
    }
    // Assignees who left the project leave its work items.
    sqlx::query(
        "DELETE FROM work_item_assignees WHERE work_item_id IN (SELECT id FROM work_items WHERE project_id = $1) \
         AND user_id NOT IN (SELECT user_id FROM project_members WHERE project_id = $1)",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    stored(db, id).await
}

/// A new project made from `id` as a template: its settings, members, activities and work items
/// (plans kept, progress cleared), planning, under the new code and name.
pub async fn copy(db: &Db, actor: &Actor, id: i64, req: CopyProject, now: i64) -> Result<Project> {
    actor.require(Permission::ManageProjects)?;
    let template = get(db, actor, id).await?;
    let save = SaveProject {
        code: req.code,
        name: req.name,
        client: template.client.clone(),
        manager_id: template.manager_id.or(actor.user_id()),
        planned_start: template.planned_start.clone(),
        planned_end: template.planned_end.clone(),
        status: ProjectStatus::Planning,
        allow_unassigned: template.allow_unassigned,
        progress_mode: template.progress_mode,
        activity_ids: template.activity_ids.clone(),
    };
    let c = check(db, &save).await?;
    let mut tx = db.pool.begin().await?;
    let new_id: i64 = sqlx::query_scalar(
        "INSERT INTO projects (code, code_key, name, client, manager_id, planned_start, planned_end, status, allow_unassigned, \
         progress_mode, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(&c.code)
    .bind(c.code.to_lowercase())
    .bind(&c.name)
    .bind(&c.client)
    .bind(save.manager_id)
    .bind(&c.planned_start)
    .bind(&c.planned_end)
    .bind(save.status.key())
    .bind(i64::from(save.allow_unassigned))
    .bind(save.progress_mode.key())
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| if is_unique_violation(&e) { code_taken(&c.code) } else { e.into() })?;
    let mut members: Vec<(i64, ProjectRole)> = template.members.iter().map(|m| (m.user_id, m.role)).collect();
    if let Some(m) = save.manager_id
        && !members.iter().any(|(u, _)| *u == m)
    {
        members.push((m, ProjectRole::Manager));
    }
    for (user, role) in members {
        sqlx::query("INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, $3)")
            .bind(new_id)
            .bind(user)
            .bind(role.key())
            .execute(&mut *tx)
            .await?;
    }
    set_activities(&mut tx, new_id, &save.activity_ids).await?;
    super::work_items::copy_tree(&mut tx, id, new_id, now).await?;
    tx.commit().await?;
    stored(db, new_id).await
}
