//! PostgreSQL connections and the roles the server works as.
//!
//! In production the server logs in as a dedicated login role (created by
//! `slicewise pg setup`, [`LOGIN_ROLE`] by default): no superuser, no
//! `BYPASSRLS`, owner of no table, a member of the read role [`APP_ROLE`]
//! whose policies let it `SELECT` the catalog's tables for the tenant bound
//! to its transaction, and granted what Slicewise's own state tables need.
//! There is no `SET ROLE` to undo: the login role is all the session has.
//!
//! A privileged login (superuser, `BYPASSRLS`, a table owner) is refused,
//! unless the source or store was told it is a development setup: then the
//! session switches to [`APP_ROLE`] so the policies still hold for its reads.
//!
//! The tenant a transaction reads is bound by two settings, the tenant and
//! a MAC of it under this server's `tenant_binding_key`; the policies call
//! [`TENANT_FUNCTION`], which returns the tenant only when the MAC matches
//! the key the database holds (readable by nobody but its owner). A session
//! that sets `slicewise.tenant` by hand, without the key, reads nothing.
//! Connections are pooled (see `pool`): each new one goes through
//! [`app_connect`], and one is handed out again only once it is reset.

use sha2::{Digest, Sha256};
use tokio_postgres::{Client, NoTls};

/// The read role: the catalog tables' policies are for it; no login.
pub const APP_ROLE: &str = "slicewise_app";

/// The login role `slicewise pg setup` creates unless told another name.
pub const LOGIN_ROLE: &str = "slicewise_server";

/// The schema of the tenant binding: its key and [`TENANT_FUNCTION`].
pub const BINDING_SCHEMA: &str = "slicewise_rls";

/// The function the policies compare the tenant column with.
pub const TENANT_FUNCTION: &str = "slicewise_rls.tenant()";

/// SQLSTATE of a session refused because its login role is privileged.
const PRIVILEGED_SQLSTATE: &str = "SW001";

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

/// A connection as the server works: its login role as it is, refused when
/// it is a superuser or has `BYPASSRLS` (on every connection, so a server
/// that started while the database was down is no exception); or, in a
/// development setup, switched to the read role whatever the login.
pub async fn app_connect(
    url: &str,
    allow_privileged: bool,
) -> Result<Client, tokio_postgres::Error> {
    let client = connect(url).await?;
    let session = if allow_privileged {
        format!("SET ROLE {APP_ROLE}")
    } else {
        format!(
            "DO $$ BEGIN
               IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user
                          AND (rolsuper OR rolbypassrls)) THEN
                 RAISE EXCEPTION 'the login role % is a superuser or has BYPASSRLS', current_user
                   USING ERRCODE = '{PRIVILEGED_SQLSTATE}';
               END IF;
             END $$"
        )
    };
    client.batch_execute(&session).await?;
    Ok(client)
}

/// What the log says of a PostgreSQL error: its SQLSTATE and message when
/// the database sent one (the driver's own text is only "db error").
pub fn detail(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

/// The MAC that binds a transaction to `tenant` (hex): SHA-256 of the key
/// and the SHA-256 of the key and the tenant, since PostgreSQL has no HMAC
/// without pgcrypto (the outer hash rules out length extension).
pub fn tenant_mac(key: &[u8], tenant: &str) -> String {
    let inner = Sha256::new()
        .chain_update(key)
        .chain_update(tenant.as_bytes())
        .finalize();
    hex::encode(
        Sha256::new()
            .chain_update(key)
            .chain_update(inner)
            .finalize(),
    )
}

/// Creates the read role and lets the connecting user switch to it (a
/// development setup, whose privileged login switches to it).
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

/// What a login role may do, as the server checks it at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginRole {
    pub name: String,
    pub superuser: bool,
    pub bypass_rls: bool,
    /// Tables and views it owns outside Slicewise's schemas: an owner may
    /// turn row-level security off or write.
    pub owned_relations: i64,
    /// Whether it has the read role's privileges (its policies apply).
    pub reads_as_app: bool,
}

/// Why a login role is refused; each has a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    #[error(
        "the PostgreSQL login role {role} {why}; log in as the role `slicewise pg setup` \
         creates ({LOGIN_ROLE}), or pass --allow-privileged-database-role for a development setup"
    )]
    Privileged { role: String, why: String },
    #[error(
        "the PostgreSQL login role {role} is not a member of {APP_ROLE}, whose policies \
         scope every read to a tenant; run `slicewise pg setup`"
    )]
    NotGranted { role: String },
}

impl RoleError {
    /// A stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            RoleError::Privileged { .. } => "database_role_privileged",
            RoleError::NotGranted { .. } => "database_role_not_granted",
        }
    }
}

impl LoginRole {
    /// Reads the connection's login role.
    pub async fn of(client: &Client) -> Result<LoginRole, tokio_postgres::Error> {
        let row = client
            .query_one(
                &format!(
                    "SELECT r.rolname::text, r.rolsuper, r.rolbypassrls,
                   (SELECT COUNT(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relowner = r.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                      AND n.nspname NOT IN ('slicewise', 'pg_catalog', 'information_schema')
                      AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'),
                   CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}')
                        THEN pg_has_role(r.oid, '{APP_ROLE}', 'USAGE') ELSE false END
                 FROM pg_roles r WHERE r.rolname = session_user"
                ),
                &[],
            )
            .await?;
        Ok(LoginRole {
            name: row.try_get(0)?,
            superuser: row.try_get(1)?,
            bypass_rls: row.try_get(2)?,
            owned_relations: row.try_get(3)?,
            reads_as_app: row.try_get(4)?,
        })
    }

    /// Whether the server may work as this role: never a privileged one
    /// unless `allow_privileged` (a development setup, logged as a warning).
    pub fn check(&self, allow_privileged: bool) -> Result<(), RoleError> {
        let why = if self.superuser {
            Some("is a superuser".to_string())
        } else if self.bypass_rls {
            Some("has BYPASSRLS".to_string())
        } else if self.owned_relations > 0 {
            Some(format!("owns {} tables or views", self.owned_relations))
        } else {
            None
        };
        match why {
            Some(why) if allow_privileged => {
                tracing::warn!(
                    role = %self.name,
                    "the PostgreSQL login role {why}: allowed as a development setup only"
                );
                Ok(())
            }
            Some(why) => Err(RoleError::Privileged {
                role: self.name.clone(),
                why,
            }),
            None if !self.reads_as_app => Err(RoleError::NotGranted {
                role: self.name.clone(),
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(superuser: bool, bypass_rls: bool, owned: i64, member: bool) -> LoginRole {
        LoginRole {
            name: "r".into(),
            superuser,
            bypass_rls,
            owned_relations: owned,
            reads_as_app: member,
        }
    }

    #[test]
    fn privileged_roles_are_refused_unless_development_says_so() {
        for r in [
            role(true, false, 0, true),
            role(false, true, 0, true),
            role(false, false, 3, true),
        ] {
            let e = r.check(false).expect_err("refused");
            assert_eq!(e.code(), "database_role_privileged", "{r:?}");
            assert!(r.check(true).is_ok());
        }
        assert_eq!(
            role(false, false, 0, false)
                .check(false)
                .map_err(|e| e.code()),
            Err("database_role_not_granted")
        );
        assert!(role(false, false, 0, true).check(false).is_ok());
    }

    #[test]
    fn the_mac_is_the_nested_sha256_the_database_computes() {
        // encode(sha256(k || sha256(k || convert_to('acme', 'UTF8'))), 'hex') in PostgreSQL.
        let key = hex::decode("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
            .expect("hex");
        assert_eq!(
            tenant_mac(&key, "acme"),
            "005af796a5fd015e851e95eb30bcc0ba261d10cfbe2e4c874fc5b53d1d48544c"
        );
        assert_ne!(tenant_mac(&key, "acme"), tenant_mac(&key, "acme "));
    }
}
