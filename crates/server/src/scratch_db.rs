//! A PostgreSQL database of its own, created on demand and dropped when
//! done: what the integration tests and the extract benchmark run against,
//! so neither touches another database on the same server.

use tokio_postgres::NoTls;

use crate::store::StoreError;

/// The local PostgreSQL the tests and benchmarks use (trust auth).
pub const LOCAL_ADMIN_URL: &str = "host=127.0.0.1 port=5432 user=postgres dbname=postgres";

/// A freshly created, empty database; dropped (connections and all) on drop.
#[derive(Debug)]
pub struct ScratchDb {
    admin_url: String,
    name: String,
    url: String,
}

/// The same connection string with another `dbname` (key=value form only).
fn with_dbname(admin_url: &str, name: &str) -> String {
    let rest: Vec<&str> = admin_url
        .split_whitespace()
        .filter(|p| !p.starts_with("dbname="))
        .collect();
    format!("{} dbname={name}", rest.join(" "))
}

impl ScratchDb {
    /// Creates `<prefix>_<random>` through `admin_url` (a `key=value` string).
    pub async fn create(admin_url: &str, prefix: &str) -> Result<ScratchDb, StoreError> {
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        let client = admin(admin_url).await?;
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await?;
        Ok(ScratchDb {
            url: with_dbname(admin_url, &name),
            admin_url: admin_url.to_string(),
            name,
        })
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its connection string.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The connection string of the database it was created from.
    pub fn admin_url(&self) -> &str {
        &self.admin_url
    }
}

async fn admin(url: &str) -> Result<tokio_postgres::Client, StoreError> {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(conn);
    Ok(client)
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        let (name, url) = (self.name.clone(), self.admin_url.clone());
        // Drop may run inside a runtime: a thread of its own with its own runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(rt) = rt {
                rt.block_on(async {
                    if let Ok(client) = admin(&url).await {
                        let _ = client
                            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .await;
                    }
                });
            }
        })
        .join();
    }
}
