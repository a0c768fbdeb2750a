//! The releases as the database records them: version, platform, files (length and SHA-256, as
//! the targets metadata signs them), when and by whom they were published, and which release of
//! each platform is offered.

use kinmu_shared::api::{Release, ReleaseFile};

use kinmu_shared::messages::Text;

use crate::database::Db;
use crate::error::{Error, Result};

#[derive(sqlx::FromRow)]
struct ReleaseRow {
    id: i64,
    version: String,
    platform: String,
    published_at: i64,
    published_by: Option<String>,
    offered: i64,
    files: i64,
    bytes: i64,
}

impl From<ReleaseRow> for Release {
    fn from(r: ReleaseRow) -> Release {
        Release {
            id: r.id,
            version: r.version,
            platform: r.platform,
            published_at: r.published_at,
            published_by: r.published_by,
            offered: r.offered != 0,
            files: r.files,
            bytes: r.bytes,
        }
    }
}

const SELECT: &str = "SELECT r.id, r.version, r.platform, r.published_at, r.published_by, r.offered, \
     COUNT(f.path) AS files, CAST(COALESCE(SUM(f.length), 0) AS BIGINT) AS bytes \
     FROM update_releases r LEFT JOIN update_release_files f ON f.release_id = r.id";
const GROUP: &str = "GROUP BY r.id, r.version, r.platform, r.published_at, r.published_by, r.offered";

pub async fn all(db: &Db) -> Result<Vec<Release>> {
    let rows: Vec<ReleaseRow> =
        sqlx::query_as(&format!("{SELECT} {GROUP} ORDER BY r.published_at DESC, r.id DESC")).fetch_all(&db.pool).await?;
    Ok(rows.into_iter().map(Release::from).collect())
}

pub async fn find(db: &Db, id: i64) -> Result<Option<Release>> {
    let row: Option<ReleaseRow> = sqlx::query_as(&format!("{SELECT} WHERE r.id = $1 {GROUP}")).bind(id).fetch_optional(&db.pool).await?;
    Ok(row.map(Release::from))
}

pub async fn find_version(db: &Db, platform: &str, version: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM update_releases WHERE platform = $1 AND version = $2")
        .bind(platform)
        .bind(version)
        .fetch_optional(&db.pool)
        .await?)
}

pub async fn files(db: &Db, id: i64) -> Result<Vec<ReleaseFile>> {
    let rows: Vec<(String, i64, String)> =
        sqlx::query_as("SELECT path, length, sha256 FROM update_release_files WHERE release_id = $1 ORDER BY path")
            .bind(id)
            .fetch_all(&db.pool)
            .await?;
    Ok(rows.into_iter().map(|(target, length, sha256)| ReleaseFile { target, length, sha256 }).collect())
}

/// Records a published release with its files.
pub async fn record(db: &Db, version: &str, platform: &str, by: Option<&str>, now: i64, files: &[ReleaseFile]) -> Result<i64> {
    let mut tx = db.pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO update_releases (version, platform, published_at, published_by, offered) VALUES ($1, $2, $3, $4, 0) RETURNING id",
    )
    .bind(version)
    .bind(platform)
    .bind(now)
    .bind(by)
    .fetch_one(&mut *tx)
    .await?;
    for f in files {
        sqlx::query("INSERT INTO update_release_files (release_id, path, length, sha256) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(&f.target)
            .bind(f.length)
            .bind(&f.sha256)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Makes release `id` the one offered on its platform.
pub async fn offer(db: &Db, id: i64) -> Result<()> {
    let mut tx = db.pool.begin().await?;
    let platform: Option<String> =
        sqlx::query_scalar("SELECT platform FROM update_releases WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
    let platform = platform.ok_or_else(|| Error::NotFound(Text::new(format!("no release {id}"), format!("リリース {id} はありません"))))?;
    sqlx::query("UPDATE update_releases SET offered = 0 WHERE platform = $1 AND id <> $2")
        .bind(&platform)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE update_releases SET offered = 1 WHERE id = $1").bind(id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// The release offered to the clients of `platform` (None: none is offered there, and its clients
/// have no update pending). The one truth of what clients are offered.
pub async fn offered(db: &Db, platform: &str) -> Result<Option<Release>> {
    let row: Option<ReleaseRow> = sqlx::query_as(&format!("{SELECT} WHERE r.platform = $1 AND r.offered = 1 {GROUP}"))
        .bind(platform)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(Release::from))
}

/// The release offered on each platform that has one, by platform.
pub async fn offered_all(db: &Db) -> Result<Vec<Release>> {
    let rows: Vec<ReleaseRow> =
        sqlx::query_as(&format!("{SELECT} WHERE r.offered = 1 {GROUP} ORDER BY r.platform")).fetch_all(&db.pool).await?;
    Ok(rows.into_iter().map(Release::from).collect())
}
