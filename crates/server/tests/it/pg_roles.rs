//! PostgreSQL as production runs it: `slicewise pg setup` creates the login
//! role, the server logs in as it (no `SET ROLE`), serves a tenant's rows,
//! and that role can neither read another tenant's rows by hand nor write;
//! a privileged login is refused at start and on every connection unless a
//! development flag says so.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use slicewise_core::wire::Privacy;
use slicewise_core::{Catalog, SignedManifest};
use slicewise_server::pg::{tenant_mac, LOGIN_ROLE};
use slicewise_server::pg_setup::binding_key_sql;
use slicewise_server::source_pg::PgSource;
use slicewise_server::store_pg::PgStore;
use slicewise_server::{ServerKeys, TableSource};
use tokio_postgres::NoTls;

use crate::postgres::{audit_rows, seeded, PgDb};
use crate::support::read_stream;

/// The retail example's catalog file (the demo data's).
fn catalog_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/retail/catalog.toml")
}

/// The database's connection string, logged in as another user.
fn as_user(db: &PgDb, user: &str) -> String {
    db.url.replace("user=postgres", &format!("user={user}"))
}

/// `slicewise pg setup` as the README runs it, with the servers' data dir.
fn pg_setup(db: &PgDb, data: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_slicewise"))
        .args(["pg", "setup", "--catalog"])
        .arg(catalog_file())
        .arg("--data-dir")
        .arg(data)
        .args(["--database-url", &db.url])
        .output()
        .expect("run slicewise pg setup");
    assert!(out.status.success(), "{out:?}");
}

/// A `slicewise serve` process, killed when dropped.
struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `slicewise serve` over `url`; the address it listens on, or its
/// exit status and standard error when it refuses to start.
fn serve(url: &str, data: &Path, extra: &[&str]) -> Result<(Serve, String), (i32, String)> {
    // Standard error to a file: a pipe nobody reads could fill and block it.
    let log = data.with_extension(format!("{}.log", uuid::Uuid::new_v4().simple()));
    let stderr = std::fs::File::create(&log).expect("log file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_slicewise"))
        .arg("serve")
        .arg("--catalog")
        .arg(catalog_file())
        .args(["--database-url", url, "--addr", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(data)
        .arg("--static-dir")
        .arg(data.join("no-static"))
        .args(extra)
        .env_remove("SLICEWISE_ALLOW_PRIVILEGED_DATABASE_ROLE")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("start slicewise serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    // The first line is the address, unless it exits first (then nothing).
    let _ = BufReader::new(stdout).read_line(&mut line);
    match line.trim().strip_prefix("Slicewise listening on ") {
        Some(addr) => Ok((Serve(child), addr.to_string())),
        None => {
            let status = child.wait().expect("exit");
            let stderr = std::fs::read_to_string(&log).unwrap_or_default();
            Err((status.code().unwrap_or(-1), stderr))
        }
    }
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, NoTls).await.expect("connect");
    tokio::spawn(conn);
    client
}

/// A tenant's rows of a table, counted by the database's owner.
async fn owner_count(db: &PgDb, table: &str, tenant: &str) -> i64 {
    db.client()
        .await
        .query_one(
            &format!("SELECT COUNT(*) FROM {table} WHERE tenant_id = $1"),
            &[&tenant],
        )
        .await
        .expect("count")
        .get(0)
}

#[tokio::test]
async fn the_server_logs_in_as_the_setup_login_role_and_serves_a_tenant() {
    let db = seeded().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    pg_setup(&db, &data);
    let login = as_user(&db, LOGIN_ROLE);
    // What pg setup made of the role: nothing privileged, nothing owned.
    let role = connect(&db.url)
        .await
        .query_one(
            "SELECT rolcanlogin, rolsuper, rolbypassrls, rolcreatedb, rolcreaterole
             FROM pg_roles WHERE rolname = $1",
            &[&LOGIN_ROLE],
        )
        .await
        .expect("role");
    let flags: Vec<bool> = (0..5).map(|i| role.get(i)).collect();
    assert_eq!(flags, [true, false, false, false, false]);

    let (_server, base) = serve(&login, &data, &[]).expect("serves as the login role");
    let (keys, _) = ServerKeys::load_or_create(&data).expect("keys");
    let now = chrono::Utc::now().timestamp();
    let (token, _) =
        slicewise_server::token::mint(&keys.embed_secret, "acme", "u", Privacy::Standard, 600, now)
            .expect("mint");
    let http = reqwest::Client::new();
    let res = http
        .get(format!("{base}/api/v1/extract/manifest"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("manifest");
    assert_eq!(res.status(), 200);
    let signed: SignedManifest =
        serde_json::from_slice(&res.bytes().await.expect("body")).expect("json");
    let m = signed
        .verify(&keys.key_set(), Some("acme"), now)
        .expect("verifies");
    for table in ["orders", "customers", "support_tickets"] {
        let entry = m.table(table).expect("entry");
        let bytes = http
            .get(format!("{base}{}", entry.url))
            .send()
            .await
            .expect("table")
            .bytes()
            .await
            .expect("body");
        m.check_table(table, &bytes).expect("hash");
        let rows: usize = read_stream(&bytes).iter().map(|b| b.num_rows()).sum();
        let want = owner_count(&db, table, "acme").await;
        assert!(want > 0);
        assert_eq!(rows as i64, want, "{table}: acme's rows, all of them");
    }
    // The state tables take its writes: an ask is answered and audited.
    let res = http
        .post(format!("{base}/api/v1/ask"))
        .bearer_auth(&token)
        .body(r#"{"question":"total revenue"}"#)
        .send()
        .await
        .expect("ask");
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let audited = audit_rows(&db.client().await, "acme").await;
    assert_eq!(audited, 1);
}

/// Runs `sql` as the login role in a fresh session bound to `tenant` the
/// way the server binds it (tenant and MAC set locally), then `then`;
/// the rows of `then`, or the database's refusal.
async fn bound(
    login: &str,
    key: &[u8],
    tenant: &str,
    sql: &str,
    then: &str,
) -> Result<Vec<String>, String> {
    let mut c = connect(login).await;
    let tx = c.transaction().await.expect("tx");
    tx.execute(
        "SELECT set_config('slicewise.tenant', $1, true), set_config('slicewise.tenant_mac', $2, true)",
        &[&tenant, &tenant_mac(key, tenant)],
    )
    .await
    .expect("bind");
    tx.batch_execute(sql).await.map_err(refusal)?;
    let rows = tx
        .query(then, &[])
        .await
        .map_err(refusal)?
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect();
    Ok(rows)
}

/// The database's SQLSTATE and message.
fn refusal(e: tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => format!("{}: {}", d.code().code(), d.message()),
        None => e.to_string(),
    }
}

#[tokio::test]
async fn the_login_role_reads_only_its_bound_tenant_and_writes_nothing() {
    let db = seeded().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    pg_setup(&db, &data);
    let (keys, _) = ServerKeys::load_or_create(&data).expect("keys");
    let key = keys.tenant_binding_key.clone();
    let login = as_user(&db, LOGIN_ROLE);
    let tenants = "SELECT DISTINCT tenant_id FROM orders UNION SELECT tenant_id FROM tenants";

    // Bound as the server binds it: acme's rows, nobody else's.
    assert_eq!(
        bound(&login, &key, "acme", "", tenants).await,
        Ok(vec!["acme".into()])
    );
    // Nothing to undo: RESET ROLE leaves the login role as it is.
    assert_eq!(
        bound(
            &login,
            &key,
            "acme",
            "RESET ROLE; RESET SESSION AUTHORIZATION",
            tenants
        )
        .await,
        Ok(vec!["acme".into()])
    );
    // Another tenant set by hand, keeping acme's MAC, or with a MAC of
    // another key: nothing at all.
    for trick in [
        "SET LOCAL slicewise.tenant = 'globex'".to_string(),
        "SET slicewise.tenant = 'globex'".to_string(),
        format!(
            "SET LOCAL slicewise.tenant = 'globex'; SET LOCAL slicewise.tenant_mac = '{}'",
            tenant_mac(&[0u8; 32], "globex")
        ),
        "SET LOCAL slicewise.tenant_mac = ''".to_string(),
    ] {
        assert_eq!(
            bound(&login, &key, "acme", &trick, tenants).await,
            Ok(vec![]),
            "{trick}"
        );
    }
    // No session without the binding sees a row.
    let n: i64 = connect(&login)
        .await
        .query_one("SELECT COUNT(*) FROM orders", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(n, 0);
    // Refused outright: switching to a privileged role, reading the key,
    // replacing the binding, turning the policies off, writing anything.
    for refused in [
        "SET ROLE postgres",
        "SET SESSION AUTHORIZATION postgres",
        "SELECT key FROM slicewise_rls.binding_key",
        "CREATE OR REPLACE FUNCTION slicewise_rls.tenant() RETURNS text LANGUAGE sql AS $$ SELECT 'globex' $$",
        "ALTER TABLE orders DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE orders NO FORCE ROW LEVEL SECURITY",
        "DROP POLICY slicewise_tenant ON orders",
        "CREATE POLICY everything ON orders FOR SELECT USING (true)",
        "INSERT INTO orders (order_id, tenant_id) VALUES (-1, 'acme')",
        "UPDATE orders SET tenant_id = 'acme'",
        "DELETE FROM orders",
        "TRUNCATE orders",
        "CREATE TABLE public.stolen AS SELECT 1",
        "DELETE FROM slicewise.audit",
        "UPDATE slicewise.audit SET question = ''",
        "DROP TABLE slicewise.audit",
    ] {
        let r = bound(&login, &key, "acme", refused, "SELECT 'ran'").await;
        let e = r.expect_err(refused);
        // 42501: insufficient privilege (permission denied, must be owner).
        assert!(e.starts_with("42501: "), "{refused}: {e}");
    }
}

#[tokio::test]
async fn a_privileged_login_is_refused_at_start_unless_development() {
    let db = seeded().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    pg_setup(&db, &data);
    // The URL's user is the superuser the tests' databases belong to.
    let (status, stderr) = serve(&db.url, &data, &[]).err().expect("refused");
    assert_ne!(status, 0);
    assert!(stderr.contains("database_role_privileged"), "{stderr}");
    assert!(stderr.contains("superuser"), "{stderr}");
    // The flag of a development setup lets it start, and it serves.
    let (_server, base) = serve(&db.url, &data, &["--allow-privileged-database-role"])
        .expect("a development setup starts");
    let res = reqwest::get(format!("{base}/readyz"))
        .await
        .expect("readyz");
    assert_eq!(res.status(), 200);
    // A login role without the read role's grant is refused too.
    let bare = format!("slicewise_bare_{}", &db.name()[db.name().len() - 8..]);
    db.client()
        .await
        .batch_execute(&format!("CREATE ROLE {bare} LOGIN"))
        .await
        .expect("role");
    let refused = serve(&as_user(&db, &bare), &data, &[]).err();
    let _ = db
        .client()
        .await
        .batch_execute(&format!("DROP ROLE {bare}"))
        .await;
    let (_, stderr) = refused.expect("refused");
    assert!(stderr.contains("database_role_not_granted"), "{stderr}");
}

#[tokio::test]
async fn every_connection_refuses_a_privileged_login_unless_development() {
    // What a server that started while the database was down meets later.
    let db = seeded().await;
    let key = [3u8; 32];
    db.client()
        .await
        .batch_execute(&binding_key_sql(&key))
        .await
        .expect("key");
    let store = PgStore::new(&db.url);
    let source = PgSource::new(&db.url).with_binding_key(&key);
    let e = store.ping().await.expect_err("refused");
    assert!(e.to_string().contains("superuser or has BYPASSRLS"), "{e}");
    assert!(source.ping().await.is_err());
    // A development setup works as the read role, its reads still bound.
    let store = store.allow_privileged_role(true);
    store.migrate_state().await.expect("migrate");
    store.ping().await.expect("development store");
    let source = source.allow_privileged_role(true);
    let registry = Catalog::demo().tenants.expect("registry");
    let tier = source.tenant_tier(&registry, "acme").await.expect("tier");
    assert!(matches!(tier, Some(Some(_))), "{tier:?}");
    assert_eq!(
        source.tenant_tier(&registry, "nobody").await.expect("tier"),
        None
    );
    // Listing tenants binds none: the policies show no row.
    assert_eq!(
        source.list_tenants(&registry, 5).await.expect("list"),
        Vec::<String>::new()
    );
}
