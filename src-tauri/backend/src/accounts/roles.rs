//! System roles: a name and a set of named permissions. The three built-in roles are created
//! at setup; the administrator role always keeps every permission.

use kinmu_shared::api::{Role, SaveRole};
use kinmu_shared::permissions::BuiltinRole;
use kinmu_shared::{Permission, validation};

use super::{Actor, permissions_from_text, permissions_to_text};
use crate::database::Db;
use crate::error::{Error, Result, is_unique_violation};

#[derive(sqlx::FromRow)]
struct RoleRow {
    id: i64,
    name: String,
    builtin: Option<String>,
    permissions: String,
    user_count: i64,
}

impl From<RoleRow> for Role {
    fn from(r: RoleRow) -> Role {
        Role { id: r.id, name: r.name, builtin: r.builtin, permissions: permissions_from_text(&r.permissions), user_count: r.user_count }
    }
}

const SELECT: &str = "SELECT r.id, r.name, r.builtin, r.permissions, \
     (SELECT COUNT(*) FROM users u WHERE u.role_id = r.id) AS user_count FROM roles r";

pub async fn list(db: &Db) -> Result<Vec<Role>> {
    let rows: Vec<RoleRow> = sqlx::query_as(&format!("{SELECT} ORDER BY r.id")).fetch_all(&db.pool).await?;
    Ok(rows.into_iter().map(Role::from).collect())
}

pub async fn get(db: &Db, id: i64) -> Result<Role> {
    let row: Option<RoleRow> = sqlx::query_as(&format!("{SELECT} WHERE r.id = $1")).bind(id).fetch_optional(&db.pool).await?;
    row.map(Role::from).ok_or_else(|| Error::NotFound(format!("role {id} does not exist")))
}

/// The role with this name (case-insensitive) or built-in key, for CSV import and the CLI.
pub async fn find_by_name(db: &Db, name: &str) -> Result<Option<Role>> {
    let row: Option<RoleRow> = sqlx::query_as(&format!("{SELECT} WHERE LOWER(r.name) = LOWER($1) OR r.builtin = LOWER($1)"))
        .bind(name.trim())
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(Role::from))
}

pub async fn builtin_id(db: &Db, role: BuiltinRole) -> Result<i64> {
    sqlx::query_scalar::<_, i64>("SELECT id FROM roles WHERE builtin = $1")
        .bind(role.key())
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| Error::Internal(format!("built-in role {} is missing: was setup completed?", role.key())))
}

/// Creates the built-in roles inside the setup transaction (idempotent).
pub async fn create_builtins(tx: &mut sqlx::Transaction<'_, sqlx::Any>, now: i64) -> Result<()> {
    for role in BuiltinRole::ALL {
        sqlx::query(
            "INSERT INTO roles (name, builtin, permissions, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (builtin) DO NOTHING",
        )
        .bind(role.default_name())
        .bind(role.key())
        .bind(permissions_to_text(&role.permissions()))
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

fn validate(req: &SaveRole) -> Result<()> {
    validation::role_name(&req.name)?;
    Ok(())
}

fn unique_name(e: sqlx::Error, name: &str) -> Error {
    if is_unique_violation(&e) {
        Error::conflict("name", format!("a role named {:?} already exists: choose another name", name.trim()))
    } else {
        e.into()
    }
}

pub async fn create(db: &Db, actor: &Actor, req: SaveRole, now: i64) -> Result<Role> {
    actor.require(Permission::ManageRoles)?;
    validate(&req)?;
    let id: i64 = sqlx::query_scalar("INSERT INTO roles (name, builtin, permissions, created_at) VALUES ($1, NULL, $2, $3) RETURNING id")
        .bind(req.name.trim())
        .bind(permissions_to_text(&req.permissions))
        .bind(now)
        .fetch_one(&db.pool)
        .await
        .map_err(|e| unique_name(e, &req.name))?;
    get(db, id).await
}

pub async fn update(db: &Db, actor: &Actor, id: i64, req: SaveRole) -> Result<Role> {
    actor.require(Permission::ManageRoles)?;
    validate(&req)?;
    let existing = get(db, id).await?;
    let permissions = if existing.builtin.as_deref() == Some(BuiltinRole::Administrator.key()) {
        // Nobody may lock the organisation out of its own console.
        Permission::ALL.to_vec()
    } else {
        req.permissions.clone()
    };
    sqlx::query("UPDATE roles SET name = $1, permissions = $2 WHERE id = $3")
        .bind(req.name.trim())
        .bind(permissions_to_text(&permissions))
        .bind(id)
        .execute(&db.pool)
        .await
        .map_err(|e| unique_name(e, &req.name))?;
    get(db, id).await
}

pub async fn delete(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    actor.require(Permission::ManageRoles)?;
    let role = get(db, id).await?;
    if role.builtin.is_some() {
        return Err(Error::Conflict { field: None, message: format!("{} is a built-in role and cannot be deleted; rename it instead", role.name) });
    }
    if role.user_count > 0 {
        return Err(Error::Conflict {
            field: None,
            message: format!("{} still has {} user(s): give them another role first", role.name, role.user_count),
        });
    }
    sqlx::query("DELETE FROM roles WHERE id = $1").bind(id).execute(&db.pool).await?;
    Ok(())
}
