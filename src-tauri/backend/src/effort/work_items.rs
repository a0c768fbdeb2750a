//! A project's work breakdown: work items as a tree, each with its path (`Design / Screens`,
//! unique in its project, kept in step with names and parents), plan, milestone flag, progress
//! and assignees (members of the project).

use std::collections::{HashMap, HashSet};

use kinmu_shared::Permission;
use kinmu_shared::api::{ProgressMode, Project, SaveWorkItem, WorkItem};
use kinmu_shared::messages::Text;
use sqlx::{Any, Transaction};

use super::optional_date;
use super::projects::{self, require_manager};
use crate::accounts::Actor;
use crate::database::Db;
use crate::error::{Error, Result, is_unique_violation};

/// Separator of work item names in a path.
pub const PATH_SEPARATOR: &str = " / ";

#[derive(sqlx::FromRow, Clone)]
struct ItemRow {
    id: i64,
    project_id: i64,
    parent_id: Option<i64>,
    name: String,
    path: String,
    planned_minutes: Option<i64>,
    planned_start: Option<String>,
    planned_end: Option<String>,
    milestone: i64,
    progress_percent: Option<i64>,
}

const COLUMNS: &str = "id, project_id, parent_id, name, path, planned_minutes, planned_start, planned_end, milestone, progress_percent";

fn not_found(id: i64) -> Error {
    Error::NotFound(Text::new(format!("work item {id} does not exist"), "作業項目が見つかりません。"))
}

/// The work items of a project the actor may see, parents before children (by path).
pub async fn list(db: &Db, actor: &Actor, project_id: i64) -> Result<Vec<WorkItem>> {
    let p = projects::get(db, actor, project_id).await?;
    items_of(db, &p).await
}

async fn items_of(db: &Db, p: &Project) -> Result<Vec<WorkItem>> {
    let rows: Vec<ItemRow> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM work_items WHERE project_id = $1 ORDER BY path_key"))
        .bind(p.id)
        .fetch_all(&db.pool)
        .await?;
    let mut assignees: HashMap<i64, Vec<i64>> = HashMap::new();
    for (item, user) in sqlx::query_as::<_, (i64, i64)>(
        "SELECT a.work_item_id, a.user_id FROM work_item_assignees a JOIN work_items w ON w.id = a.work_item_id \
         WHERE w.project_id = $1 ORDER BY a.user_id",
    )
    .bind(p.id)
    .fetch_all(&db.pool)
    .await?
    {
        assignees.entry(item).or_default().push(user);
    }
    let actual: HashMap<i64, i64> = sqlx::query_as::<_, (i64, i64)>(
        "SELECT work_item_id, CAST(SUM(minutes) AS BIGINT) FROM effort_entries WHERE project_id = $1 AND work_item_id IS NOT NULL \
         AND deleted_at IS NULL GROUP BY work_item_id",
    )
    .bind(p.id)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .collect();
    // An item's actual effort is its own and its sub-items'.
    let parents: HashMap<i64, Option<i64>> = rows.iter().map(|r| (r.id, r.parent_id)).collect();
    let mut rolled: HashMap<i64, i64> = HashMap::new();
    for (item, minutes) in &actual {
        let (mut cur, mut steps) = (Some(*item), 0);
        while let Some(c) = cur.filter(|_| steps <= rows.len()) {
            *rolled.entry(c).or_default() += minutes;
            cur = parents.get(&c).copied().flatten();
            steps += 1;
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let actual_minutes = rolled.get(&r.id).copied().unwrap_or(0);
            let progress_percent = match p.progress_mode {
                ProgressMode::Entered => r.progress_percent,
                ProgressMode::Derived => r.planned_minutes.filter(|m| *m > 0).map(|plan| (actual_minutes * 100 / plan).min(100)),
            };
            WorkItem {
                assignee_ids: assignees.remove(&r.id).unwrap_or_default(),
                id: r.id,
                project_id: r.project_id,
                parent_id: r.parent_id,
                name: r.name,
                path: r.path,
                planned_minutes: r.planned_minutes,
                planned_start: r.planned_start,
                planned_end: r.planned_end,
                milestone: r.milestone != 0,
                progress_percent,
                actual_minutes,
            }
        })
        .collect())
}

/// A work item, whoever asks (for the other services' checks).
pub async fn stored(db: &Db, id: i64) -> Result<(i64, String)> {
    sqlx::query_as("SELECT project_id, path FROM work_items WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| not_found(id))
}

async fn one(db: &Db, actor: &Actor, id: i64) -> Result<WorkItem> {
    let (project_id, _) = stored(db, id).await?;
    let p = projects::get(db, actor, project_id).await?;
    items_of(db, &p).await?.into_iter().find(|w| w.id == id).ok_or_else(|| not_found(id))
}

fn check(req: &SaveWorkItem, p: &Project) -> Result<String> {
    let name = super::required_text("name", &req.name, 100)?;
    if name.contains('/') {
        return Err(Error::invalid(
            "name",
            Text::new("a work item's name cannot contain \"/\" (it separates the levels of a path)", "作業項目名に「/」は使えません。"),
        ));
    }
    if req.planned_minutes.is_some_and(|m| !(0..=10_000_000).contains(&m)) {
        return Err(Error::invalid("planned_minutes", Text::new("planned_minutes must be 0 or more", "予定工数は 0 以上にしてください。")));
    }
    if req.progress_percent.is_some_and(|m| !(0..=100).contains(&m)) {
        return Err(Error::invalid(
            "progress_percent",
            Text::new("progress_percent must be from 0 to 100", "進捗率は 0〜100 にしてください。"),
        ));
    }
    let start = optional_date("planned_start", &req.planned_start)?;
    let end = optional_date("planned_end", &req.planned_end)?;
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        return Err(Error::invalid(
            "planned_end",
            Text::new(format!("the planned end {e} is before the planned start {s}"), "予定終了日が予定開始日より前です。"),
        ));
    }
    for (i, a) in req.assignee_ids.iter().enumerate() {
        if !p.members.iter().any(|m| m.user_id == *a) {
            return Err(Error::invalid(
                &format!("assignee_ids[{i}]"),
                Text::new(
                    format!("user {a} is not a member of project {}: add them to the project first", p.code),
                    format!("ユーザー {a} はプロジェクト {} のメンバーではありません。先にメンバーに追加してください。", p.code),
                ),
            ));
        }
    }
    Ok(name)
}

fn path_taken(path: &str) -> Error {
    Error::conflict(
        "name",
        Text::new(
            format!("the work item {path:?} already exists in this project"),
            format!("作業項目「{path}」はこのプロジェクトにすでにあります。"),
        ),
    )
}

pub async fn create(db: &Db, actor: &Actor, project_id: i64, req: SaveWorkItem, now: i64) -> Result<WorkItem> {
    actor.require(Permission::ManageProjects)?;
    let p = projects::get(db, actor, project_id).await?;
    require_manager(actor, &p)?;
    let name = check(&req, &p)?;
    let path = match req.parent_id {
        None => name.clone(),
        Some(parent) => {
            let (pp, parent_path) = stored(db, parent).await.map_err(|_| {
                Error::invalid(
                    "parent_id",
                    Text::new("parent_id: no such work item: pick one from the list", "親の作業項目が見つかりません。"),
                )
            })?;
            if pp != project_id {
                return Err(Error::invalid(
                    "parent_id",
                    Text::new("parent_id: the parent belongs to another project", "親の作業項目は別のプロジェクトのものです。"),
                ));
            }
            format!("{parent_path}{PATH_SEPARATOR}{name}")
        }
    };
    let mut tx = db.pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO work_items (project_id, parent_id, name, path, path_key, planned_minutes, planned_start, planned_end, milestone, \
         progress_percent, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(project_id)
    .bind(req.parent_id)
    .bind(&name)
    .bind(&path)
    .bind(path.to_lowercase())
    .bind(req.planned_minutes)
    .bind(optional_date("planned_start", &req.planned_start)?.map(|d| d.to_string()))
    .bind(optional_date("planned_end", &req.planned_end)?.map(|d| d.to_string()))
    .bind(i64::from(req.milestone))
    .bind(req.progress_percent)
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| if is_unique_violation(&e) { path_taken(&path) } else { e.into() })?;
    set_assignees(&mut tx, id, &req.assignee_ids).await?;
    tx.commit().await?;
    one(db, actor, id).await
}

pub async fn update(db: &Db, actor: &Actor, id: i64, req: SaveWorkItem) -> Result<WorkItem> {
    actor.require(Permission::ManageProjects)?;
    let (project_id, _) = stored(db, id).await?;
    let p = projects::get(db, actor, project_id).await?;
    require_manager(actor, &p)?;
    let name = check(&req, &p)?;
    let mut rows: Vec<ItemRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM work_items WHERE project_id = $1")).bind(project_id).fetch_all(&db.pool).await?;
    if let Some(parent) = req.parent_id {
        if !rows.iter().any(|r| r.id == parent) {
            return Err(Error::invalid(
                "parent_id",
                Text::new(
                    "parent_id: the parent is not a work item of this project",
                    "親の作業項目はこのプロジェクトのものではありません。",
                ),
            ));
        }
        // Not under itself or one of its own sub-items.
        let mut cur = Some(parent);
        while let Some(c) = cur {
            if c == id {
                return Err(Error::invalid(
                    "parent_id",
                    Text::new(
                        "a work item cannot move under itself or one of its sub-items",
                        "作業項目を自分自身やその下位項目の下には移せません。",
                    ),
                ));
            }
            cur = rows.iter().find(|r| r.id == c).and_then(|r| r.parent_id);
        }
    }
    if let Some(r) = rows.iter_mut().find(|r| r.id == id) {
        r.name = name.clone();
        r.parent_id = req.parent_id;
    }
    let paths = paths_of(&rows);
    let mut seen = HashSet::new();
    for path in paths.values() {
        if !seen.insert(path.to_lowercase()) {
            return Err(path_taken(path));
        }
    }
    let mut tx = db.pool.begin().await?;
    // Paths change in two steps so that swapping two names never meets the unique index halfway.
    for r in &rows {
        if paths.get(&r.id) != Some(&r.path) {
            sqlx::query("UPDATE work_items SET path_key = $1 WHERE id = $2")
                .bind(format!("\u{1}{}", r.id))
                .bind(r.id)
                .execute(&mut *tx)
                .await?;
        }
    }
    for r in &rows {
        let path = &paths[&r.id];
        if path != &r.path {
            sqlx::query("UPDATE work_items SET path = $1, path_key = $2 WHERE id = $3")
                .bind(path)
                .bind(path.to_lowercase())
                .bind(r.id)
                .execute(&mut *tx)
                .await?;
        }
    }
    sqlx::query(
        "UPDATE work_items SET parent_id = $1, name = $2, planned_minutes = $3, planned_start = $4, planned_end = $5, milestone = $6, \
         progress_percent = $7 WHERE id = $8",
    )
    .bind(req.parent_id)
    .bind(&name)
    .bind(req.planned_minutes)
    .bind(optional_date("planned_start", &req.planned_start)?.map(|d| d.to_string()))
    .bind(optional_date("planned_end", &req.planned_end)?.map(|d| d.to_string()))
    .bind(i64::from(req.milestone))
    .bind(req.progress_percent)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    set_assignees(&mut tx, id, &req.assignee_ids).await?;
    tx.commit().await?;
    one(db, actor, id).await
}

/// Only while no effort (tombstones included: a device may still sync them) and no sub-item
/// refers to it.
pub async fn delete(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    actor.require(Permission::ManageProjects)?;
    let (project_id, path) = stored(db, id).await?;
    let p = projects::get(db, actor, project_id).await?;
    require_manager(actor, &p)?;
    let children: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM work_items WHERE parent_id = $1").bind(id).fetch_one(&db.pool).await?;
    let entries: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM effort_entries WHERE work_item_id = $1").bind(id).fetch_one(&db.pool).await?;
    if children > 0 || entries > 0 {
        return Err(Error::conflict(
            "id",
            Text::new(
                format!("the work item {path:?} has {children} sub-items and {entries} effort entries: it cannot be deleted"),
                format!("作業項目「{path}」には下位項目が {children} 件、工数が {entries} 件あるため削除できません。"),
            ),
        ));
    }
    sqlx::query("DELETE FROM work_items WHERE id = $1").bind(id).execute(&db.pool).await?;
    Ok(())
}

async fn set_assignees(tx: &mut Transaction<'static, Any>, id: i64, users: &[i64]) -> Result<()> {
    sqlx::query("DELETE FROM work_item_assignees WHERE work_item_id = $1").bind(id).execute(&mut **tx).await?;
    let mut seen = HashSet::new();
    for u in users.iter().filter(|u| seen.insert(**u)) {
        sqlx::query("INSERT INTO work_item_assignees (work_item_id, user_id) VALUES ($1, $2)").bind(id).bind(u).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Each item's path from its parents' names.
fn paths_of(rows: &[ItemRow]) -> HashMap<i64, String> {
    let by_id: HashMap<i64, &ItemRow> = rows.iter().map(|r| (r.id, r)).collect();
    let mut out = HashMap::new();
    for r in rows {
        let mut names = vec![r.name.as_str()];
        let mut cur = r.parent_id;
        let mut guard = 0;
        while let Some(c) = cur.and_then(|c| by_id.get(&c)) {
            names.push(c.name.as_str());
            cur = c.parent_id;
            guard += 1;
            if guard > rows.len() {
                break;
            }
        }
        names.reverse();
        out.insert(r.id, names.join(PATH_SEPARATOR));
    }
    out
}

/// Copies `from`'s work items into project `to` (plans and assignees kept, progress cleared).
pub(crate) async fn copy_tree(tx: &mut Transaction<'static, Any>, from: i64, to: i64, now: i64) -> Result<()> {
    let rows: Vec<ItemRow> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM work_items WHERE project_id = $1 ORDER BY id"))
        .bind(from)
        .fetch_all(&mut **tx)
        .await?;
    let mut new_ids: HashMap<i64, i64> = HashMap::new();
    // Parents first: repeat until every item whose parent is copied is copied.
    let mut left: Vec<&ItemRow> = rows.iter().collect();
    while !left.is_empty() {
        let before = left.len();
        let mut rest = Vec::new();
        for r in left {
            let parent = match r.parent_id {
                None => None,
                Some(p) => match new_ids.get(&p) {
                    Some(n) => Some(*n),
                    None => {
                        rest.push(r);
                        continue;
                    }
                },
            };
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO work_items (project_id, parent_id, name, path, path_key, planned_minutes, planned_start, planned_end, \
                 milestone, progress_percent, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10) RETURNING id",
            )
            .bind(to)
            .bind(parent)
            .bind(&r.name)
            .bind(&r.path)
            .bind(r.path.to_lowercase())
            .bind(r.planned_minutes)
            .bind(&r.planned_start)
            .bind(&r.planned_end)
            .bind(r.milestone)
            .bind(now)
            .fetch_one(&mut **tx)
            .await?;
            new_ids.insert(r.id, id);
        }
        if rest.len() == before {
            break;
        }
        left = rest;
    }
    for (old, new) in &new_ids {
        sqlx::query(
            "INSERT INTO work_item_assignees (work_item_id, user_id) SELECT $1, user_id FROM work_item_assignees WHERE work_item_id = $2",
        )
        .bind(new)
        .bind(old)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
