//! Databases for the integration tests: a fresh SQLite file in a temp folder, or a fresh
//! database on the test PostgreSQL server. `KINMU_TEST_POSTGRES_URL` names a server whose user
//! may create databases (the test command starts one); `KINMU_TEST_REQUIRE_POSTGRES=1` makes a
//! missing URL fail instead of skipping.

#![allow(dead_code)]

use kinmu::config::DatabaseUrl;
use kinmu::database::Db;

pub fn sqlite_url(dir: &tempfile::TempDir) -> DatabaseUrl {
    DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("kinmu.db").display())).unwrap()
}

/// A fresh database on the test PostgreSQL server, or None when there is none.
pub async fn postgres_url() -> Option<DatabaseUrl> {
    let Ok(base) = std::env::var("KINMU_TEST_POSTGRES_URL") else {
        if std::env::var("KINMU_TEST_REQUIRE_POSTGRES").as_deref() == Ok("1") {
            panic!("KINMU_TEST_REQUIRE_POSTGRES=1 but KINMU_TEST_POSTGRES_URL is not set");
        }
        eprintln!("skipping the PostgreSQL run: KINMU_TEST_POSTGRES_URL is not set (the test command sets it)");
        return None;
    };
    let admin = Db::connect(&DatabaseUrl::parse(&base).unwrap(), 1).await.expect("test PostgreSQL server answers");
    let name = format!("kinmu_test_{}_{}", std::process::id(), &kinmu::accounts::passwords::random_token()[..8].to_lowercase());
    sqlx::raw_sql(&format!("CREATE DATABASE {name}")).execute(&admin.pool).await.unwrap();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    Some(DatabaseUrl::parse(&format!("{prefix}/{name}")).unwrap())
}
