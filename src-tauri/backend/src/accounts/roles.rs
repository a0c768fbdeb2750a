//! System roles: a name and a set of named permissions. The three built-in roles are created
//! at setup; the administrator role always keeps every permission.

use kinmu_shared::api::{Role, SaveRole};
use kinmu_shared::messages::Text;
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
    row.map(Role::from).ok_or_else(|| {
        Error::NotFound(Text::new(format!("role {id} does not exist"), "役割が見つかりません。削除された可能性があります。"))
    })
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
        sqlx::query("INSERT INTO roles (name, builtin, permissions, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (builtin) DO NOTHING")
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
        Error::conflict(
            "name",
            Text::new(
                format!("a role named {:?} already exists: choose another name", name.trim()),
                format!("「{}」という名前の役割はすでにあります。別の名前にしてください。", name.trim()),
            ),
        )
    } else {
        e.into()
    }
}

/// Serialises the changes that could leave the organisation without an administrator (a user
/// demoted or disabled, a role's permissions cut): each takes this row lock first, so two such
/// changes in parallel cannot both see the other's administrator still there. A write, so that
/// SQLite's one writer and PostgreSQL's row lock both order them.
pub(crate) async fn lock_administrators(tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<()> {
    sqlx::query("UPDATE roles SET permissions = permissions WHERE builtin = $1")
        .bind(BuiltinRole::Administrator.key())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Active users whose role holds every permission, as the transaction sees them.
pub(crate) async fn count_active_administrators(tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<i64> {
    let roles: Vec<(i64, String)> = sqlx::query_as("SELECT id, permissions FROM roles").fetch_all(&mut **tx).await?;
    let admin_roles: Vec<i64> = roles
        .into_iter()
        .filter(|(_, text)| {
            let held = permissions_from_text(text);
            Permission::ALL.iter().all(|p| held.contains(p))
        })
        .map(|(id, _)| id)
        .collect();
    if admin_roles.is_empty() {
        return Ok(0);
    }
    let sql =
        format!("SELECT COUNT(*) FROM users WHERE active = 1 AND role_id IN ({})", crate::database::placeholders(1, admin_roles.len()));
    let mut q = sqlx::query_scalar::<_, i64>(&sql);
    for id in admin_roles {
        q = q.bind(id);
    }
    Ok(q.fetch_one(&mut **tx).await?)
}

pub async fn create(db: &Db, actor: &Actor, req: SaveRole, now: i64) -> Result<Role> {
    actor.require(Permission::ManageRoles)?;
    validate(&req)?;
    actor.require_all(&req.permissions, || format!("create the role {:?} with these permissions", req.name.trim()))?;
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
    // Both what the role holds now (its users' accounts are changed) and what it will hold.
    let mut involved = existing.permissions.clone();
    involved.extend(permissions.iter().copied());
    actor.require_all(&involved, || format!("edit the role {}", existing.name))?;
    let mut tx = db.pool.begin().await?;
    lock_administrators(&mut tx).await?;
    sqlx::query("UPDATE roles SET name = $1, permissions = $2 WHERE id = $3")
        .bind(req.name.trim())
        .bind(permissions_to_text(&permissions))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_name(e, &req.name))?;
    if count_active_administrators(&mut tx).await? == 0 {
        return Err(Error::LastAdministrator(Text::new(
            format!(
                "the role {} holds the last active administrators: give another user every permission before you take any from it",
                existing.name
            ),
            format!(
                "役割「{}」には最後の有効な管理者がいます。権限を外す前に、ほかのユーザーにすべての権限を与えてください。",
                existing.name
            ),
        )));
    }
    tx.commit().await?;
    get(db, id).await
}

pub async fn delete(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    actor.require(Permission::ManageRoles)?;
    let role = get(db, id).await?;
    actor.require_all(&role.permissions, || format!("delete the role {}", role.name))?;
    if role.builtin.is_some() {
        return Err(Error::Conflict {
            field: None,
            message: Text::new(
                format!("{} is a built-in role and cannot be deleted; rename it instead", role.name),
                format!("「{}」は組み込みの役割なので削除できません。名前を変えることはできます。", role.name),
            ),
        });
    }
    if role.user_count > 0 {
        return Err(Error::Conflict {
            field: None,
            message: Text::new(
                format!("{} still has {} user(s): give them another role first", role.name, role.user_count),
                format!("「{}」にはまだユーザーが{}人います。先に別の役割を与えてください。", role.name, role.user_count),
            ),
        });
    }
    let held = super::role_history::holders(db, id).await?;
    if held > 0 {
        return Err(Error::Conflict {
            field: None,
            message: Text::new(
                format!(
                    "{} was held by {held} user(s) in the past and prices their effort of those days: it cannot be deleted; rename it instead",
                    role.name
                ),
                format!(
                    "「{}」は過去に{held}人が持っていた役割で、その期間の工数の原価に使われるため削除できません。名前を変えることはできます。",
                    role.name
                ),
            ),
        });
    }
    sqlx::query("DELETE FROM roles WHERE id = $1").bind(id).execute(&db.pool).await?;
    Ok(())
}
