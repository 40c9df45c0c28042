//! PostgreSQL connections and the role the server works as.
//!
//! The server works as the non-owner role `slicewise_app` (`SET ROLE` right
//! after connecting), so the vendor's row-level security policies hold for
//! every read, and its own state tables are granted to that role. A
//! connection is opened per operation: simple, and a restarted database is
//! picked up at once.

use tokio_postgres::{Client, NoTls};

/// The role the server works as: not the tables' owner, no `BYPASSRLS`.
pub const APP_ROLE: &str = "slicewise_app";

/// A connection to PostgreSQL, its driver task spawned.
pub async fn connect(url: &str) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "postgres connection closed");
        }
    });
    Ok(client)
}

/// Creates the app role and lets the connecting user switch to it.
pub async fn ensure_role(client: &Client) -> Result<(), tokio_postgres::Error> {
    let exists = client
        .query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&APP_ROLE])
        .await?
        .is_some();
    if !exists {
        // Roles are cluster-wide; another server or database may win the race.
        if let Err(e) = client
            .batch_execute(&format!(
                "CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS"
            ))
            .await
        {
            tracing::debug!(error = %e, "creating the app role");
        }
    }
    let me: String = client
        .query_one("SELECT current_user::text", &[])
        .await?
        .get(0);
    if me != APP_ROLE {
        let _ = client
            .batch_execute(&format!(
                "GRANT {APP_ROLE} TO \"{}\"",
                me.replace('"', "\"\"")
            ))
            .await;
    }
    Ok(())
}
