//! Organisations as a tree (company → department → team). Paths ("Acme / Sales / Team A") are
//! derived from the parent links, never stored, so a rename shows everywhere at once.

use kinmu_shared::messages::Text;
use std::collections::HashMap;

use kinmu_shared::api::{ORG_PATH_SEPARATOR, Organization, SaveOrganization};
use kinmu_shared::{Permission, validation};

use super::Actor;
use crate::database::Db;
use crate::error::{Error, Result};

#[derive(sqlx::FromRow, Clone)]
struct OrgRow {
    id: i64,
    name: String,
    parent_id: Option<i64>,
    user_count: i64,
    manager_id: Option<i64>,
}

/// Every organisation with its path, ordered so that a parent comes before its children and
/// siblings sort by name.
pub async fn list(db: &Db) -> Result<Vec<Organization>> {
    let rows: Vec<OrgRow> = sqlx::query_as(
        "SELECT o.id, o.name, o.parent_id, (SELECT COUNT(*) FROM users u WHERE u.organization_id = o.id) AS user_count, o.manager_id \
         FROM organizations o",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(as_tree(rows))
}

fn as_tree(rows: Vec<OrgRow>) -> Vec<Organization> {
    let mut children: HashMap<Option<i64>, Vec<OrgRow>> = HashMap::new();
    for r in rows {
        children.entry(r.parent_id).or_default().push(r);
    }
    for v in children.values_mut() {
        v.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.id.cmp(&b.id)));
    }
    let mut out = Vec::new();
    let mut stack: Vec<(OrgRow, String)> = children.get(&None).into_iter().flatten().rev().map(|r| (r.clone(), r.name.clone())).collect();
    while let Some((row, path)) = stack.pop() {
        if let Some(kids) = children.get(&Some(row.id)) {
            for k in kids.iter().rev() {
                stack.push((k.clone(), format!("{path}{ORG_PATH_SEPARATOR}{}", k.name)));
            }
        }
        out.push(Organization {
            id: row.id,
            name: row.name,
            parent_id: row.parent_id,
            path,
            user_count: row.user_count,
            manager_id: row.manager_id,
        });
    }
    out
}

pub async fn get(db: &Db, id: i64) -> Result<Organization> {
    list(db).await?.into_iter().find(|o| o.id == id).ok_or_else(|| {
        Error::NotFound(Text::new(format!("organisation {id} does not exist"), "組織が見つかりません。削除された可能性があります。"))
    })
}

/// Splits "Acme / Sales" (or "Acme/Sales") into its names.
pub fn split_path(path: &str) -> Vec<String> {
    path.split('/').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

/// The organisation at this path, compared case-insensitively.
pub fn find_by_path<'a>(orgs: &'a [Organization], path: &str) -> Option<&'a Organization> {
    let wanted = split_path(path).join(ORG_PATH_SEPARATOR).to_lowercase();
    orgs.iter().find(|o| o.path.to_lowercase() == wanted)
}

/// The ids of `root` and every organisation below it.
pub fn subtree(orgs: &[Organization], root: i64) -> Vec<i64> {
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let cur = out[i];
        out.extend(orgs.iter().filter(|o| o.parent_id == Some(cur)).map(|o| o.id));
        i += 1;
    }
    out
}

/// The levels of `id`'s path (a top-level organisation has one).
fn depth(orgs: &[Organization], id: i64) -> usize {
    orgs.iter().find(|o| o.id == id).map_or(0, |o| split_path(&o.path).len())
}

fn too_deep(field: &str, levels: usize) -> Error {
    Error::invalid(
        field,
        Text::new(
            format!("{field}: the organisation would be {levels} levels deep; at most {} levels are allowed", validation::ORG_DEPTH_MAX),
            format!("組織の階層が{levels}段になります。階層は{}段までです。", validation::ORG_DEPTH_MAX),
        ),
    )
}

async fn sibling_exists(db: &Db, name: &str, parent_id: Option<i64>, except: Option<i64>) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM organizations WHERE LOWER(name) = LOWER($1) \
         AND ((parent_id IS NULL AND $2 IS NULL) OR parent_id = $2) AND id <> $3",
    )
    .bind(name.trim())
    .bind(parent_id)
    .bind(except.unwrap_or(-1))
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// Refuses a manager who is not a user.
pub(crate) async fn check_manager(db: &Db, field: &str, manager_id: Option<i64>) -> Result<()> {
    if let Some(m) = manager_id {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE id = $1").bind(m).fetch_one(&db.pool).await?;
        if n == 0 {
            return Err(Error::invalid(
                field,
                Text::new(
                    format!("{field}: user {m} does not exist: pick one from the list"),
                    "ユーザーが見つかりません。一覧から選んでください。",
                ),
            ));
        }
    }
    Ok(())
}

async fn check(db: &Db, req: &SaveOrganization, id: Option<i64>) -> Result<()> {
    validation::organization_name(&req.name)?;
    check_manager(db, "manager_id", req.manager_id).await?;
    if let Some(p) = req.parent_id {
        let orgs = list(db).await?;
        if !orgs.iter().any(|o| o.id == p) {
            return Err(Error::invalid(
                "parent_id",
                Text::new(
                    format!("parent organisation {p} does not exist: pick one from the list"),
                    "親組織が見つかりません。一覧から選んでください。",
                ),
            ));
        }
        if let Some(id) = id
            && subtree(&orgs, id).contains(&p)
        {
            return Err(Error::invalid(
                "parent_id",
                Text::new(
                    "an organisation cannot be moved under itself or one of its own sub-organisations",
                    "組織を自分自身やその下位組織の下には移せません。",
                ),
            ));
        }
        // Its own levels below it move along.
        let below =
            id.map_or(0, |id| subtree(&orgs, id).iter().map(|d| depth(&orgs, *d)).max().unwrap_or(0).saturating_sub(depth(&orgs, id)));
        let levels = depth(&orgs, p) + 1 + below;
        if levels > validation::ORG_DEPTH_MAX {
            return Err(too_deep("parent_id", levels));
        }
    }
    if sibling_exists(db, &req.name, req.parent_id, id).await? {
        return Err(Error::conflict(
            "name",
            Text::new(
                format!("{:?} already exists at this level: choose another name", req.name.trim()),
                format!("「{}」は同じ階層にすでにあります。別の名前にしてください。", req.name.trim()),
            ),
        ));
    }
    Ok(())
}

pub async fn create(db: &Db, actor: &Actor, req: SaveOrganization, now: i64) -> Result<Organization> {
    actor.require(Permission::ManageOrganizations)?;
    check(db, &req, None).await?;
    let id = insert(&db.pool, req.name.trim(), req.parent_id, now).await?;
    set_manager(db, id, req.manager_id).await?;
    get(db, id).await
}

pub(crate) async fn insert<'e, E>(exec: E, name: &str, parent_id: Option<i64>, now: i64) -> Result<i64>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(sqlx::query_scalar("INSERT INTO organizations (name, parent_id, created_at) VALUES ($1, $2, $3) RETURNING id")
        .bind(name)
        .bind(parent_id)
        .bind(now)
        .fetch_one(exec)
        .await?)
}

pub async fn update(db: &Db, actor: &Actor, id: i64, req: SaveOrganization) -> Result<Organization> {
    actor.require(Permission::ManageOrganizations)?;
    get(db, id).await?;
    check(db, &req, Some(id)).await?;
    sqlx::query("UPDATE organizations SET name = $1, parent_id = $2, manager_id = $3 WHERE id = $4")
        .bind(req.name.trim())
        .bind(req.parent_id)
        .bind(req.manager_id)
        .bind(id)
        .execute(&db.pool)
        .await?;
    get(db, id).await
}

/// Sets (or, with None, clears) an organisation's manager; the caller checked the user exists.
pub(crate) async fn set_manager(db: &Db, id: i64, manager_id: Option<i64>) -> Result<()> {
    sqlx::query("UPDATE organizations SET manager_id = $1 WHERE id = $2").bind(manager_id).bind(id).execute(&db.pool).await?;
    Ok(())
}

pub async fn delete(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    actor.require(Permission::ManageOrganizations)?;
    let orgs = list(db).await?;
    let org = orgs.iter().find(|o| o.id == id).ok_or_else(|| {
        Error::NotFound(Text::new(format!("organisation {id} does not exist"), "組織が見つかりません。削除された可能性があります。"))
    })?;
    let children = orgs.iter().filter(|o| o.parent_id == Some(id)).count();
    if children > 0 {
        return Err(Error::Conflict {
            field: None,
            message: Text::new(
                format!("{} has {children} sub-organisation(s): move or delete them first", org.path),
                format!("{}には下位組織が{children}件あります。先に移動するか削除してください。", org.path),
            ),
        });
    }
    if org.user_count > 0 {
        return Err(Error::Conflict {
            field: None,
            message: Text::new(
                format!("{} still has {} user(s): move them to another organisation first", org.path, org.user_count),
                format!("{}にはまだユーザーが{}人います。先に別の組織へ移してください。", org.path, org.user_count),
            ),
        });
    }
    sqlx::query("DELETE FROM organizations WHERE id = $1").bind(id).execute(&db.pool).await?;
    Ok(())
}

/// Finds or creates every level of `path`; returns the last level's id and how many were created.
pub async fn ensure_path(db: &Db, path: &str, now: i64) -> Result<(i64, i64)> {
    let names = split_path(path);
    if names.is_empty() {
        return Err(Error::invalid(
            "path",
            Text::new(
                "path is empty: write the names from the top, e.g. Acme / Sales",
                "組織のパスが空です。Acme / Sales のように上位から名前を書いてください。",
            ),
        ));
    }
    if path.split('/').any(|part| part.trim().is_empty()) {
        return Err(Error::invalid(
            "path",
            Text::new(
                format!("path {:?} has an empty part: write each name between the slashes, from the top, e.g. Acme / Sales", path.trim()),
                format!(
                    "組織のパス「{}」に空の部分があります。Acme / Sales のように、スラッシュの間に上位から名前を書いてください。",
                    path.trim()
                ),
            ),
        ));
    }
    if names.len() > validation::ORG_DEPTH_MAX {
        return Err(too_deep("path", names.len()));
    }
    for n in &names {
        validation::organization_name(n).map_err(|e| Error::invalid("path", e.message))?;
    }
    let mut parent: Option<i64> = None;
    let mut created = 0;
    for name in names {
        let existing: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM organizations WHERE LOWER(name) = LOWER($1) AND ((parent_id IS NULL AND $2 IS NULL) OR parent_id = $2)",
        )
        .bind(&name)
        .bind(parent)
        .fetch_optional(&db.pool)
        .await?;
        parent = Some(match existing {
            Some(id) => id,
            None => {
                created += 1;
                insert(&db.pool, &name, parent, now).await?
            }
        });
    }
    Ok((parent.expect("non-empty path"), created))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, name: &str, parent: Option<i64>) -> OrgRow {
        OrgRow { id, name: name.into(), parent_id: parent, user_count: 0, manager_id: None }
    }

    #[test]
    fn tree_order_and_paths() {
        let orgs = as_tree(vec![
            row(3, "Team B", Some(2)),
            row(1, "Acme", None),
            row(2, "Sales", Some(1)),
            row(4, "Dev", Some(1)),
            row(5, "Team A", Some(2)),
        ]);
        let paths: Vec<&str> = orgs.iter().map(|o| o.path.as_str()).collect();
        assert_eq!(paths, ["Acme", "Acme / Dev", "Acme / Sales", "Acme / Sales / Team A", "Acme / Sales / Team B"]);
        assert_eq!(find_by_path(&orgs, "acme/sales").map(|o| o.id), Some(2));
        let mut sub = subtree(&orgs, 2);
        sub.sort();
        assert_eq!(sub, [2, 3, 5]);
    }
}
