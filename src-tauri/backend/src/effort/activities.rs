//! Activities in two levels (1: process, 工程分類; 2: work, 作業分類), kept by project managers.
//! An inactive activity stays on the entries that name it and is offered for no new one.

use kinmu_shared::Permission;
use kinmu_shared::api::{Activity, SaveActivity};
use kinmu_shared::messages::Text;

use super::required_text;
use crate::accounts::Actor;
use crate::database::Db;
use crate::error::{Error, Result, is_unique_violation};

#[derive(sqlx::FromRow)]
struct ActivityRow {
    id: i64,
    level: i64,
    code: String,
    name: String,
    active: i64,
}

impl From<ActivityRow> for Activity {
    fn from(r: ActivityRow) -> Activity {
        Activity { id: r.id, level: r.level, code: r.code, name: r.name, active: r.active != 0 }
    }
}

const COLUMNS: &str = "id, level, code, name, active";

pub async fn list(db: &Db) -> Result<Vec<Activity>> {
    let rows: Vec<ActivityRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM activities ORDER BY level, code_key")).fetch_all(&db.pool).await?;
    Ok(rows.into_iter().map(Activity::from).collect())
}

pub async fn get(db: &Db, id: i64) -> Result<Activity> {
    let row: Option<ActivityRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM activities WHERE id = $1")).bind(id).fetch_optional(&db.pool).await?;
    row.map(Activity::from).ok_or_else(|| Error::NotFound(Text::new(format!("activity {id} does not exist"), "作業分類が見つかりません。")))
}

fn check(req: &SaveActivity) -> Result<(String, String)> {
    if req.level != 1 && req.level != 2 {
        return Err(Error::invalid("level", Text::new("level must be 1 or 2", "分類の階層は 1 か 2 にしてください。")));
    }
    Ok((required_text("code", &req.code, 32)?, required_text("name", &req.name, 100)?))
}

fn taken(code: &str) -> Error {
    Error::conflict(
        "code",
        Text::new(
            format!("the activity code {code:?} is taken at this level: choose another"),
            format!("分類コード「{code}」はこの階層ですでに使われています。"),
        ),
    )
}

pub async fn create(db: &Db, actor: &Actor, req: SaveActivity, now: i64) -> Result<Activity> {
    actor.require(Permission::ManageProjects)?;
    let (code, name) = check(&req)?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO activities (level, code, code_key, name, active, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(req.level)
    .bind(&code)
    .bind(code.to_lowercase())
    .bind(&name)
    .bind(i64::from(req.active))
    .bind(now)
    .fetch_one(&db.pool)
    .await
    .map_err(|e| if is_unique_violation(&e) { taken(&code) } else { e.into() })?;
    get(db, id).await
}

pub async fn update(db: &Db, actor: &Actor, id: i64, req: SaveActivity) -> Result<Activity> {
    actor.require(Permission::ManageProjects)?;
    let before = get(db, id).await?;
    let (code, name) = check(&req)?;
    if before.level != req.level {
        let used: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM effort_entries WHERE activity1_id = $1 OR activity2_id = $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await?;
        if used > 0 {
            return Err(Error::conflict(
                "level",
                Text::new(
                    "the activity is on effort entries: its level cannot change (add a new one and make this one inactive)",
                    "この分類は工数に使われているため階層を変更できません。新しい分類を追加し、この分類を無効にしてください。",
                ),
            ));
        }
    }
    sqlx::query("UPDATE activities SET level = $1, code = $2, code_key = $3, name = $4, active = $5 WHERE id = $6")
        .bind(req.level)
        .bind(&code)
        .bind(code.to_lowercase())
        .bind(&name)
        .bind(i64::from(req.active))
        .bind(id)
        .execute(&db.pool)
        .await
        .map_err(|e| if is_unique_violation(&e) { taken(&code) } else { e.into() })?;
    get(db, id).await
}
