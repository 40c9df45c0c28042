//! Manifest-signing keys live in the database, on SQLite and PostgreSQL:
//! replicas list each other's keys, a rotated-out key stays listed until
//! the manifests it signed have expired, and `slicewise keygen` publishes.

use std::process::Command;

use ed25519_dalek::SigningKey;
use slicewise_core::wire::Privacy;
use slicewise_core::{ManifestError, SignedManifest};
use slicewise_server::state::EXTRACT_LIFETIME;
use slicewise_server::store_pg::{PgStore, SCHEMA};
use slicewise_server::{AppConfig, ServerKeys, SqliteStore, Store};

use crate::postgres::{pg_server, seeded, PgDb};
use crate::support::TestServer;

/// Where the shared state lives, for the statements a test runs itself on
/// the state tables (in PostgreSQL, in Slicewise's schema).
enum Backend {
    Sqlite(std::path::PathBuf),
    Postgres(PgDb),
}

impl Backend {
    async fn execute(&self, sql: &str) {
        match self {
            Backend::Sqlite(path) => {
                rusqlite::Connection::open(path)
                    .expect("open")
                    .execute_batch(sql)
                    .expect("sql");
            }
            Backend::Postgres(db) => db
                .client()
                .await
                .batch_execute(&format!("SET search_path TO {SCHEMA}; {sql}"))
                .await
                .expect("sql"),
        }
    }
}

/// The first replica and the shared store with its backend.
async fn first_replica(postgres: bool) -> (TestServer, Store, Backend) {
    if postgres {
        let db = seeded().await;
        let s = pg_server(&db).await;
        (
            s,
            Store::Postgres(PgStore::new(&db.url).allow_privileged_role(true)),
            Backend::Postgres(db),
        )
    } else {
        let s = TestServer::new();
        let store = Store::Sqlite(SqliteStore::new(&s.db));
        let backend = Backend::Sqlite(s.db.clone());
        (s, store, backend)
    }
}

fn signer(s: &TestServer) -> String {
    s.keys().signing_key().expect("signing key").0.to_string()
}

async fn kids(s: &TestServer) -> Vec<String> {
    s.key_set().await.keys.into_iter().map(|k| k.kid).collect()
}

async fn signed(s: &TestServer) -> SignedManifest {
    s.manifest(&s.token("acme", Privacy::Standard)).await
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn replicas_list_each_others_keys(postgres: bool) {
    let (a, store, _backend) = first_replica(postgres).await;
    // Its own data dir, with the deployment's tenant binding key (one per
    // database, as `slicewise pg setup` stores it).
    let dir = tempfile::tempdir().expect("dir");
    let (mut keys, _) = ServerKeys::load_or_create(&dir.path().join("data")).expect("keys");
    keys.tenant_binding_key = a.keys().tenant_binding_key.clone();
    let b = TestServer::with_keys(dir, store, keys, AppConfig::default());
    let (ka, kb) = (signer(&a), signer(&b));
    assert_ne!(ka, kb);
    let (ma, mb) = (signed(&a).await, signed(&b).await);
    assert_eq!(
        (ma.kid.as_str(), mb.kid.as_str()),
        (ka.as_str(), kb.as_str())
    );
    for s in [&a, &b] {
        let listed = kids(s).await;
        assert!(listed.contains(&ka) && listed.contains(&kb), "{listed:?}");
        let set = s.key_set().await;
        ma.verify(&set, Some("acme"), now()).expect("a's manifest");
        mb.verify(&set, Some("acme"), now()).expect("b's manifest");
    }
}

async fn retired_key_disappears_after_its_manifests_expire(postgres: bool) {
    let (a, store, backend) = first_replica(postgres).await;
    let old = signer(&a);
    let before = signed(&a).await;
    // B holds the old key and a newer one, as a data folder after `slicewise
    // keygen` does; at start it signs with the newer and retires the old.
    let mut keys = a.keys().clone();
    keys.manifest_keys.push((
        "99990101000000-rotated".into(),
        SigningKey::from_bytes(&[9; 32]),
    ));
    let dir = tempfile::tempdir().expect("dir");
    let b = TestServer::with_keys(dir, store.clone(), keys, AppConfig::default());
    b.state.publish_signing_keys().await.expect("publish");
    let after = signed(&b).await;
    assert_eq!(after.kid, "99990101000000-rotated");
    // The old key's manifests are still valid, so it stays listed.
    assert_eq!(kids(&b).await, [old.clone(), after.kid.clone()]);
    before
        .verify(&b.key_set().await, Some("acme"), now())
        .expect("manifest of the retired key");
    let later = store
        .published_keys(now() + EXTRACT_LIFETIME + 1)
        .await
        .expect("keys");
    assert_eq!(
        later.keys.iter().map(|k| &k.kid).collect::<Vec<_>>(),
        [&after.kid]
    );
    // An extract lifetime later (its retirement moved back by that much), it is gone.
    backend
        .execute(&format!(
            "UPDATE signing_keys SET retired_at = retired_at - {s}, expires_at = expires_at - {s}
             WHERE kid = '{old}'",
            s = EXTRACT_LIFETIME + 1
        ))
        .await;
    assert_eq!(kids(&b).await, std::slice::from_ref(&after.kid));
    assert!(matches!(
        before.verify(&b.key_set().await, Some("acme"), now()),
        Err(ManifestError::UnknownKey(_))
    ));
    // A replica that still signs with the old key publishes it again.
    a.state.publish_signing_keys().await.expect("republish");
    assert_eq!(kids(&b).await, [old, after.kid]);
}

#[tokio::test]
async fn replicas_list_each_others_keys_on_sqlite() {
    replicas_list_each_others_keys(false).await;
}

#[tokio::test]
async fn replicas_list_each_others_keys_on_postgres() {
    replicas_list_each_others_keys(true).await;
}

#[tokio::test]
async fn retired_key_disappears_after_its_manifests_expire_on_sqlite() {
    retired_key_disappears_after_its_manifests_expire(false).await;
}

#[tokio::test]
async fn retired_key_disappears_after_its_manifests_expire_on_postgres() {
    retired_key_disappears_after_its_manifests_expire(true).await;
}

/// `slicewise keygen` against a database: the new key is listed at once.
async fn keygen_publishes(postgres: bool) {
    let (a, store, backend) = first_replica(postgres).await;
    let before = kids(&a).await;
    let mut keygen = Command::new(env!("CARGO_BIN_EXE_slicewise"));
    keygen
        .arg("keygen")
        .arg("--data-dir")
        .arg(a.dir.path().join("data"));
    match &backend {
        Backend::Sqlite(path) => keygen.arg("--db").arg(path).arg("--state-db").arg(path),
        Backend::Postgres(db) => keygen.arg("--database-url").arg(&db.url),
    };
    let out = keygen.output().expect("run slicewise keygen");
    assert!(out.status.success(), "{out:?}");
    let after: Vec<String> = store
        .published_keys(now())
        .await
        .expect("keys")
        .keys
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert_eq!(after.len(), before.len() + 1, "{after:?}");
    let new = after.iter().find(|k| !before.contains(k)).expect("new kid");
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains(new.as_str()), "{printed}");
    assert!(a
        .dir
        .path()
        .join(format!("data/manifest_keys/{new}.ed25519"))
        .exists());
}

#[tokio::test]
async fn keygen_publishes_on_sqlite() {
    keygen_publishes(false).await;
}

#[tokio::test]
async fn keygen_publishes_on_postgres() {
    keygen_publishes(true).await;
}

#[cfg(unix)]
#[test]
fn secrets_are_created_owner_only_and_never_through_a_planted_link() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    slicewise_server::ServerKeys::load_or_create(&data).expect("keys");
    let mut files = vec![
        data.join("embed_secret"),
        data.join("admin_key"),
        data.join("url_key"),
        data.join("pseudonym_key"),
    ];
    for entry in std::fs::read_dir(data.join("manifest_keys")).expect("manifest keys") {
        files.push(entry.expect("entry").path());
    }
    for f in &files {
        let mode = std::fs::metadata(f).expect("metadata").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", f.display());
    }
    assert!(
        std::fs::read_dir(&data).expect("data dir").all(|e| !e
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .ends_with(".tmp")),
        "no temporary file is left behind"
    );
    // A link planted where a secret is to be created: the secret must not
    // be written where it points.
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).expect("other");
    let stolen = dir.path().join("stolen");
    std::os::unix::fs::symlink(&stolen, other.join("embed_secret")).expect("symlink");
    assert!(slicewise_server::ServerKeys::load_or_create(&other).is_err());
    assert!(!stolen.exists(), "the secret was written through the link");
}
