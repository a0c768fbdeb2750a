//! Users: who they are, where they sit, what role they have, and the account names under which
//! they appear in PC logs (the attendance import matches on these).

use kinmu_shared::messages::Text;
use std::collections::HashMap;

use kinmu_shared::api::{CreateUser, Id, RoleSpan, UpdateUser, User, UserList};
use kinmu_shared::effort::plan::RoleHeld;
use kinmu_shared::permissions::BuiltinRole;
use kinmu_shared::validation::{self, normalize_log_account};
use kinmu_shared::{Language, Permission};

use super::{Actor, organizations, passwords, role_history, roles, sessions, system_settings};
use crate::database::{Db, placeholders};
use crate::error::{Error, Result, is_unique_violation};

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    login: String,
    display_name: String,
    email: Option<String>,
    organization_id: Option<i64>,
    role_id: i64,
    active: i64,
    language: String,
    time_zone: String,
    failed_logins: i64,
    locked_until: Option<i64>,
    last_login_at: Option<i64>,
    created_at: i64,
    approver_id: Option<i64>,
}

/// Users with their failed logins (counted per login name, see [`super::sessions`]).
const SELECT: &str = "SELECT id, login, display_name, email, organization_id, role_id, active, language, time_zone, \
     COALESCE(t.failures, 0) AS failed_logins, t.locked_until, last_login_at, created_at, approver_id \
     FROM users LEFT JOIN login_throttle t ON t.login_key = users.login_key";

fn to_user(r: UserRow, log_accounts: Vec<String>, roles: Vec<RoleHeld>, now: i64) -> User {
    User {
        id: r.id,
        login: r.login,
        display_name: r.display_name,
        email: r.email,
        organization_id: r.organization_id,
        role_id: r.role_id,
        active: r.active != 0,
        language: Language::parse(&r.language).unwrap_or_default(),
        time_zone: r.time_zone,
        log_accounts,
        failed_logins: r.failed_logins,
        locked_until: r.locked_until.filter(|t| *t > now),
        last_login_at: r.last_login_at,
        created_at: r.created_at,
        approver_id: r.approver_id,
        role_history: roles.into_iter().map(|h| RoleSpan { role_id: h.role_id, valid_from: h.valid_from.to_string() }).collect(),
    }
}

async fn log_accounts_of(db: &Db, ids: &[i64]) -> Result<HashMap<i64, Vec<String>>> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT user_id, account FROM user_log_accounts WHERE user_id IN ({}) ORDER BY user_id, account",
        placeholders(1, ids.len())
    );
    let mut q = sqlx::query_as::<_, (i64, String)>(&sql);
    for id in ids {
        q = q.bind(*id);
    }
    for (uid, acc) in q.fetch_all(&db.pool).await? {
        out.entry(uid).or_default().push(acc);
    }
    Ok(out)
}

#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Matches login, display name, email or a log account name, case-insensitively.
    pub q: Option<String>,
    /// This organisation and everything below it.
    pub organization_id: Option<Id>,
    pub include_disabled: bool,
    pub limit: i64,
    pub offset: i64,
}

pub async fn list(db: &Db, actor: &Actor, f: UserFilter, now: i64) -> Result<UserList> {
    actor.require(Permission::ViewUsers)?;
    let mut conds: Vec<String> = Vec::new();
    let mut text_binds: Vec<String> = Vec::new();
    let mut id_binds: Vec<i64> = Vec::new();
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pat = format!("%{}%", q.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        conds.push(
            "(LOWER(login) LIKE $1 ESCAPE '\\' OR LOWER(display_name) LIKE $1 ESCAPE '\\' OR LOWER(COALESCE(email, '')) LIKE $1 ESCAPE '\\' \
             OR id IN (SELECT user_id FROM user_log_accounts WHERE account_key LIKE $1 ESCAPE '\\'))"
                .to_string(),
        );
        text_binds.push(pat);
    }
    if let Some(org) = f.organization_id {
        let orgs = organizations::list(db).await?;
        let ids = organizations::subtree(&orgs, org);
        conds.push(format!("organization_id IN ({})", placeholders(text_binds.len() + 1, ids.len())));
        id_binds.extend(ids);
    }
    if !f.include_disabled {
        conds.push("active = 1".into());
    }
    let where_sql = if conds.is_empty() { String::new() } else { format!(" WHERE {}", conds.join(" AND ")) };
    let limit = if f.limit <= 0 { 50 } else { f.limit.min(500) };
    let offset = f.offset.max(0);

    let count_sql = format!("SELECT COUNT(*) FROM users{where_sql}");
    let mut cq = sqlx::query_scalar::<_, i64>(&count_sql);
    for t in &text_binds {
        cq = cq.bind(t.clone());
    }
    for i in &id_binds {
        cq = cq.bind(*i);
    }
    let total = cq.fetch_one(&db.pool).await?;

    let page_sql = format!("{SELECT}{where_sql} ORDER BY LOWER(login) LIMIT {limit} OFFSET {offset}");
    let mut pq = sqlx::query_as::<_, UserRow>(&page_sql);
    for t in &text_binds {
        pq = pq.bind(t.clone());
    }
    for i in &id_binds {
        pq = pq.bind(*i);
    }
    let rows = pq.fetch_all(&db.pool).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut accounts = log_accounts_of(db, &ids).await?;
    let mut roles = role_history::of(db, Some(&ids)).await?;
    let users = rows.into_iter().map(|r| {
        let (acc, held) = (accounts.remove(&r.id).unwrap_or_default(), roles.remove(&r.id).unwrap_or_default());
        to_user(r, acc, held, now)
    });
    Ok(UserList { users: users.collect(), total })
}

/// Every user, page by page (for exports and the command line).
pub async fn list_all(db: &Db, actor: &Actor, include_disabled: bool, now: i64) -> Result<Vec<User>> {
    let mut all = Vec::new();
    loop {
        let filter = UserFilter { include_disabled, limit: 500, offset: all.len() as i64, ..Default::default() };
        let page = list(db, actor, filter, now).await?;
        let done = page.users.is_empty() || all.len() as i64 + page.users.len() as i64 >= page.total;
        all.extend(page.users);
        if done {
            return Ok(all);
        }
    }
}

pub async fn get(db: &Db, actor: &Actor, id: i64, now: i64) -> Result<User> {
    if actor.user_id() != Some(id) {
        actor.require(Permission::ViewUsers)?;
    }
    let row: Option<UserRow> = sqlx::query_as(&format!("{SELECT} WHERE id = $1")).bind(id).fetch_optional(&db.pool).await?;
    let row = row.ok_or_else(|| {
        Error::NotFound(Text::new(format!("user {id} does not exist"), "ユーザーが見つかりません。削除された可能性があります。"))
    })?;
    let acc = log_accounts_of(db, &[id]).await?.remove(&id).unwrap_or_default();
    let held = role_history::of(db, Some(&[id])).await?.remove(&id).unwrap_or_default();
    Ok(to_user(row, acc, held, now))
}

pub async fn find_id_by_login(db: &Db, login: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM users WHERE login_key = $1").bind(login.trim().to_lowercase()).fetch_optional(&db.pool).await?)
}

async fn check_refs(db: &Db, organization_id: Option<i64>, role_id: Option<i64>) -> Result<()> {
    if let Some(o) = organization_id {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organizations WHERE id = $1").bind(o).fetch_one(&db.pool).await?;
        if n == 0 {
            return Err(Error::invalid(
                "organization_id",
                Text::new(
                    format!("organisation {o} does not exist: pick one from the list"),
                    "組織が見つかりません。一覧から選んでください。",
                ),
            ));
        }
    }
    if let Some(r) = role_id {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM roles WHERE id = $1").bind(r).fetch_one(&db.pool).await?;
        if n == 0 {
            return Err(Error::invalid(
                "role_id",
                Text::new(format!("role {r} does not exist: pick one from the list"), "役割が見つかりません。一覧から選んでください。"),
            ));
        }
    }
    Ok(())
}

/// Refuses log account names that belong to another user: each name identifies one person.
async fn check_log_accounts_free(db: &Db, accounts: &[String], user_id: Option<i64>) -> Result<()> {
    for a in accounts {
        let owner: Option<(i64, String)> =
            sqlx::query_as("SELECT u.id, u.login FROM user_log_accounts l JOIN users u ON u.id = l.user_id WHERE l.account_key = $1")
                .bind(normalize_log_account(a))
                .fetch_optional(&db.pool)
                .await?;
        if let Some((owner_id, owner_login)) = owner
            && Some(owner_id) != user_id
        {
            return Err(Error::conflict(
                "log_accounts",
                Text::new(
                    format!("log account \"{}\" already belongs to {owner_login}", a.trim()),
                    format!("ログアカウント「{}」はすでに{owner_login}のものです。", a.trim()),
                ),
            ));
        }
    }
    Ok(())
}

async fn replace_log_accounts(tx: &mut sqlx::Transaction<'_, sqlx::Any>, user_id: i64, accounts: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM user_log_accounts WHERE user_id = $1").bind(user_id).execute(&mut **tx).await?;
    for a in accounts {
        sqlx::query("INSERT INTO user_log_accounts (account_key, account, user_id) VALUES ($1, $2, $3)")
            .bind(normalize_log_account(a))
            .bind(a.trim())
            .bind(user_id)
            .execute(&mut **tx)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    Error::conflict(
                        "log_accounts",
                        Text::new(
                            format!("log account \"{}\" already belongs to another user", a.trim()),
                            format!("ログアカウント「{}」はすでに別のユーザーのものです。", a.trim()),
                        ),
                    )
                } else {
                    e.into()
                }
            })?;
    }
    Ok(())
}

pub(crate) fn validate_create(req: &CreateUser) -> Result<()> {
    validation::login(&req.login)?;
    validation::display_name(&req.display_name)?;
    validation::email(req.email.as_deref().unwrap_or(""))?;
    validation::log_accounts(&req.log_accounts)?;
    if let Some(tz) = &req.time_zone {
        crate::time_zones::check("time_zone", tz)?;
    }
    passwords::check_new("password", &req.password, &req.login, Some(&req.display_name))?;
    Ok(())
}

pub async fn create(db: &Db, actor: &Actor, req: CreateUser, now: i64) -> Result<User> {
    actor.require(Permission::ManageUsers)?;
    validate_create(&req)?;
    let id = insert(db, actor, &req, Some(&req.password), now).await?;
    get(db, &Actor::Operator, id, now).await
}

async fn role_or_member(db: &Db, role_id: Option<i64>) -> Result<i64> {
    match role_id {
        Some(r) => Ok(r),
        None => roles::builtin_id(db, BuiltinRole::Member).await,
    }
}

/// Giving a role grants its permissions: the actor must hold every one of them.
async fn require_grant(db: &Db, actor: &Actor, role_id: i64, login: &str) -> Result<()> {
    let role = roles::get(db, role_id).await?;
    actor.require_all(&role.permissions, || format!("give the role {} to {login}", role.name))
}

/// Changing an account (its details, role, password or lock) needs every permission the account
/// holds: a lesser role cannot take over a greater account.
async fn require_account_within_reach(db: &Db, actor: &Actor, user: &User) -> Result<()> {
    let role = roles::get(db, user.role_id).await?;
    actor.require_all(&role.permissions, || format!("change the account {}, whose role is {}", user.login, role.name))
}

/// Inserts a validated user, after checking that the actor may give its role (and before the
/// password, if any, is hashed: a refused request costs no hashing). `password` None leaves the
/// account without a password.
pub(crate) async fn insert(db: &Db, actor: &Actor, req: &CreateUser, password: Option<&str>, now: i64) -> Result<i64> {
    check_refs(db, req.organization_id, req.role_id).await?;
    organizations::check_manager(db, "approver_id", req.approver_id).await?;
    check_log_accounts_free(db, &req.log_accounts, None).await?;
    let settings = system_settings::load(db).await?;
    let role_id = role_or_member(db, req.role_id).await?;
    require_grant(db, actor, role_id, req.login.trim()).await?;
    let day = role_history::change_day(now, &crate::attendance::rule_settings::company_rules(db).await?);
    let password_hash = match password {
        Some(p) => Some(passwords::hash_blocking(p.to_string()).await?),
        None => None,
    };
    let mut tx = db.pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (login, login_key, display_name, email, organization_id, role_id, active, language, time_zone, \
         password_hash, created_at, updated_at, approver_id) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $10, $10, $11) RETURNING id",
    )
    .bind(req.login.trim())
    .bind(req.login.trim().to_lowercase())
    .bind(req.display_name.trim())
    .bind(req.email.as_deref().map(str::trim).filter(|e| !e.is_empty()))
    .bind(req.organization_id)
    .bind(role_id)
    .bind(req.language.unwrap_or(settings.default_language).code())
    .bind(req.time_zone.as_deref().map(str::trim).unwrap_or(&settings.time_zone))
    .bind(password_hash)
    .bind(now)
    .bind(req.approver_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            Error::conflict(
                "login",
                Text::new(
                    format!("login {:?} is already taken: choose another", req.login.trim()),
                    format!("ログイン名「{}」はすでに使われています。別の名前にしてください。", req.login.trim()),
                ),
            )
        } else {
            e.into()
        }
    })?;
    role_history::hold(&mut tx, id, role_id, day).await?;
    replace_log_accounts(&mut tx, id, &req.log_accounts).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(db: &Db, actor: &Actor, id: i64, req: UpdateUser, now: i64) -> Result<User> {
    actor.require(Permission::ManageUsers)?;
    let current = get(db, actor, id, now).await?;
    require_account_within_reach(db, actor, &current).await?;
    if let Some(n) = &req.display_name {
        validation::display_name(n)?;
    }
    if let Some(e) = &req.email {
        validation::email(e)?;
    }
    if let Some(tz) = &req.time_zone {
        crate::time_zones::check("time_zone", tz)?;
    }
    if let Some(acc) = &req.log_accounts {
        validation::log_accounts(acc)?;
        check_log_accounts_free(db, acc, Some(id)).await?;
    }
    let organization_id = match req.organization_id {
        Some(0) => None,
        Some(o) => Some(o),
        None => current.organization_id,
    };
    check_refs(db, organization_id, req.role_id).await?;
    let approver_id = match req.approver_id {
        Some(0) => None,
        Some(a) => Some(a),
        None => current.approver_id,
    };
    if approver_id == Some(id) {
        return Err(Error::invalid(
            "approver_id",
            Text::new(
                "a person cannot be their own approver: pick someone else, or none (their organisation's manager approves)",
                "本人を自分の承認者にはできません。別の人を選ぶか、指定なし（組織の管理者が承認）にしてください。",
            ),
        ));
    }
    organizations::check_manager(db, "approver_id", approver_id).await?;
    let role_id = req.role_id.unwrap_or(current.role_id);
    let active = req.active.unwrap_or(current.active);
    if actor.user_id() == Some(id) && !active {
        return Err(Error::invalid(
            "active",
            Text::new(
                "you cannot disable your own account: ask another administrator",
                "自分のアカウントは無効にできません。ほかの管理者に依頼してください。",
            ),
        ));
    }
    if actor.user_id() == Some(id) && role_id != current.role_id {
        return Err(Error::invalid(
            "role_id",
            Text::new(
                "you cannot change your own role: ask another administrator",
                "自分の役割は変えられません。ほかの管理者に依頼してください。",
            ),
        ));
    }
    if role_id != current.role_id {
        require_grant(db, actor, role_id, &current.login).await?;
    }
    let may_lose_an_administrator = role_id != current.role_id || (current.active && !active);
    let role_change_day = match role_id != current.role_id {
        true => Some(role_history::change_day(now, &crate::attendance::rule_settings::company_rules(db).await?)),
        false => None,
    };
    let email = match &req.email {
        Some(e) if e.trim().is_empty() => None,
        Some(e) => Some(e.trim().to_string()),
        None => current.email.clone(),
    };
    let mut tx = db.pool.begin().await?;
    if may_lose_an_administrator {
        roles::lock_administrators(&mut tx).await?;
    }
    sqlx::query(
        "UPDATE users SET display_name = $1, email = $2, organization_id = $3, active = $4, language = $5, \
         time_zone = $6, updated_at = $7, approver_id = $8 WHERE id = $9",
    )
    .bind(req.display_name.as_deref().map(str::trim).unwrap_or(&current.display_name).to_string())
    .bind(email)
    .bind(organization_id)
    .bind(active as i64)
    .bind(req.language.unwrap_or(current.language).code())
    .bind(req.time_zone.as_deref().map(str::trim).unwrap_or(&current.time_zone).to_string())
    .bind(now)
    .bind(approver_id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if let Some(day) = role_change_day {
        role_history::hold(&mut tx, id, role_id, day).await?;
    }
    if let Some(acc) = &req.log_accounts {
        replace_log_accounts(&mut tx, id, acc).await?;
    }
    if may_lose_an_administrator && roles::count_active_administrators(&mut tx).await? == 0 {
        return Err(Error::LastAdministrator(Text::new(
            format!(
                "{} is the last active administrator: make another user administrator before you disable them or change their role",
                current.login
            ),
            format!(
                "{}は最後の有効な管理者です。無効にしたり役割を変えたりする前に、ほかのユーザーを管理者にしてください。",
                current.login
            ),
        )));
    }
    if !active {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    get(db, actor, id, now).await
}

/// Disables by login (the command line's `kinmu user disable`).
pub async fn disable_by_login(db: &Db, actor: &Actor, login: &str, now: i64) -> Result<User> {
    let id = find_id_by_login(db, login).await?.ok_or_else(|| {
        Error::NotFound(Text::new(
            format!("no user has the login {:?}", login.trim()),
            format!("ログイン名「{}」のユーザーはいません。", login.trim()),
        ))
    })?;
    update(db, actor, id, UpdateUser { active: Some(false), ..Default::default() }, now).await
}

pub async fn set_password(db: &Db, actor: &Actor, id: i64, password: &str, now: i64) -> Result<()> {
    actor.require(Permission::ManageUsers)?;
    let user = get(db, actor, id, now).await?;
    require_account_within_reach(db, actor, &user).await?;
    passwords::check_new("password", password, &user.login, Some(&user.display_name))?;
    let hash = passwords::hash_blocking(password.to_string()).await?;
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sessions::clear_failures(&mut *tx, &user.login).await?;
    // A new password ends the sessions opened with the old one (other than the actor's own).
    if actor.user_id() != Some(id) {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn unlock(db: &Db, actor: &Actor, id: i64, now: i64) -> Result<User> {
    actor.require(Permission::ManageUsers)?;
    let user = get(db, actor, id, now).await?;
    require_account_within_reach(db, actor, &user).await?;
    sessions::clear_failures(&db.pool, &user.login).await?;
    get(db, actor, id, now).await
}

/// Changes the actor's own language and time zone.
pub async fn set_preferences(db: &Db, user_id: i64, language: Option<Language>, time_zone: Option<&str>, now: i64) -> Result<()> {
    if let Some(tz) = time_zone {
        crate::time_zones::check("time_zone", tz)?;
    }
    if let Some(l) = language {
        sqlx::query("UPDATE users SET language = $1, updated_at = $2 WHERE id = $3")
            .bind(l.code())
            .bind(now)
            .bind(user_id)
            .execute(&db.pool)
            .await?;
    }
    if let Some(tz) = time_zone {
        sqlx::query("UPDATE users SET time_zone = $1, updated_at = $2 WHERE id = $3")
            .bind(tz.trim())
            .bind(now)
            .bind(user_id)
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}
