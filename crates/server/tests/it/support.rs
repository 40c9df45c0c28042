//! Shared set-up: a seeded database per test, tokens, requests.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use slicewise_core::wire::{KeySet, Privacy};
use slicewise_core::SignedManifest;
use slicewise_server::state::source_of_store;
use slicewise_server::{app, AppConfig, AppState, DataSource, ServerKeys, SqliteStore, Store};
use tempfile::TempDir;
use tower::ServiceExt;

/// Scale of the test data: acme has 10,000 orders.
pub const SCALE: f64 = 0.01;

/// The seeded database every test copies (seeding once is the slow part).
fn seeded_template() -> &'static Path {
    static TEMPLATE: OnceLock<(TempDir, PathBuf)> = OnceLock::new();
    &TEMPLATE
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("template.db");
            slicewise_demo_seed::seed_sqlite(&path, SCALE, false).expect("seed");
            // The tests' one file holds the data and Slicewise's state.
            SqliteStore::create(&path).expect("state tables");
            // Fold the WAL into the main file so a plain copy is complete.
            let c = rusqlite::Connection::open(&path).expect("open");
            c.pragma_update(None, "journal_mode", "DELETE")
                .expect("journal");
            drop(c);
            (dir, path)
        })
        .1
}

/// A copy of the seeded database (data and state tables) in `dir`, where
/// [`TestServer::db`] expects it.
pub fn seeded_copy(dir: &Path) -> PathBuf {
    let db = dir.join("slicewise.db");
    std::fs::copy(seeded_template(), &db).expect("copy db");
    db
}

/// A server over its own copy of the seeded database (or over a given store).
pub struct TestServer {
    pub dir: TempDir,
    /// The SQLite file (of `new` and `with_config`; absent for other stores).
    pub db: PathBuf,
    pub state: AppState,
    pub router: Router,
}

impl TestServer {
    pub fn new() -> TestServer {
        Self::with_config(AppConfig::default())
    }

    pub fn with_config(config: AppConfig) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = seeded_copy(dir.path());
        Self::over(dir, Store::Sqlite(SqliteStore::new(&db)), config)
    }

    /// A server over `store` with new secrets in `dir/data`: another replica
    /// when the store is shared.
    pub fn over(dir: TempDir, store: Store, config: AppConfig) -> TestServer {
        let (keys, _) = ServerKeys::load_or_create(&dir.path().join("data")).expect("keys");
        Self::with_keys(dir, store, keys, config)
    }

    /// A server reading tenant data from `source`, keeping its state in `store`.
    pub fn with_source(
        dir: TempDir,
        source: DataSource,
        store: Store,
        keys: ServerKeys,
        mut config: AppConfig,
    ) -> TestServer {
        let db = dir.path().join("slicewise.db");
        if config.static_dir == Path::new("dist") {
            config.static_dir = dir.path().join("dist");
        }
        let state = AppState::with_source(source, store, keys, config);
        let router = app(state.clone());
        TestServer {
            dir,
            db,
            state,
            router,
        }
    }

    /// A server over `store` with the given secrets.
    pub fn with_keys(
        dir: TempDir,
        store: Store,
        keys: ServerKeys,
        config: AppConfig,
    ) -> TestServer {
        let source = source_of_store(&store);
        Self::with_source(dir, source, store, keys, config)
    }

    pub fn keys(&self) -> &ServerKeys {
        self.state.keys()
    }

    pub fn token(&self, tenant: &str, privacy: Privacy) -> String {
        slicewise_server::token::mint(
            &self.keys().embed_secret,
            tenant,
            "user-1",
            privacy,
            600,
            chrono::Utc::now().timestamp(),
        )
        .expect("mint")
        .0
    }

    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.expect("body").to_bytes();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str, bearer: Option<&str>) -> Reply {
        let mut b = Request::get(uri);
        if let Some(t) = bearer {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        self.send(b.body(Body::empty()).expect("request")).await
    }

    pub async fn post(&self, uri: &str, bearer: Option<&str>, body: impl Into<Body>) -> Reply {
        let mut b = Request::post(uri).header("content-type", "application/json");
        if let Some(t) = bearer {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        self.send(b.body(body.into()).expect("request")).await
    }

    pub async fn manifest(&self, token: &str) -> SignedManifest {
        let r = self.get("/api/v1/extract/manifest", Some(token)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        serde_json::from_slice(&r.body).expect("manifest json")
    }

    pub async fn key_set(&self) -> KeySet {
        let r = self.get("/api/v1/keys", None).await;
        assert_eq!(r.status, StatusCode::OK);
        serde_json::from_slice(&r.body).expect("keys json")
    }

    /// Direct read access to the test's database.
    pub fn sql(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.db).expect("open db")
    }
}

/// A response, fully read.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The `error.code` of an error body.
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error code: {}", self.text()))
            .to_string()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// All record batches of an Arrow IPC stream.
pub fn read_stream(bytes: &[u8]) -> Vec<arrow_array::RecordBatch> {
    let reader = arrow_ipc::reader::StreamReader::try_new(std::io::Cursor::new(bytes), None)
        .expect("arrow stream");
    reader.map(|b| b.expect("batch")).collect()
}

/// The values of an Int64 column over all batches.
pub fn i64_column(batches: &[arrow_array::RecordBatch], name: &str) -> Vec<i64> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::Int64Type;
    batches
        .iter()
        .flat_map(|b| {
            b.column_by_name(name)
                .unwrap_or_else(|| panic!("column {name}"))
                .as_primitive::<Int64Type>()
                .values()
                .to_vec()
        })
        .collect()
}

/// The values of a Utf8 column, plain or dictionary-encoded, over all batches.
pub fn string_column(batches: &[arrow_array::RecordBatch], name: &str) -> Vec<String> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::Int32Type;
    batches
        .iter()
        .flat_map(|b| {
            let column = b
                .column_by_name(name)
                .unwrap_or_else(|| panic!("column {name}"));
            match column.as_dictionary_opt::<Int32Type>() {
                Some(dict) => {
                    let labels = dict.values().as_string::<i32>();
                    dict.keys()
                        .iter()
                        .map(|k| {
                            k.map(|k| labels.value(k as usize))
                                .unwrap_or_default()
                                .to_string()
                        })
                        .collect::<Vec<_>>()
                }
                None => column
                    .as_string::<i32>()
                    .iter()
                    .map(|v| v.unwrap_or_default().to_string())
                    .collect::<Vec<_>>(),
            }
        })
        .collect()
}

/// The query string parameter of a URL.
pub fn query_param(url: &str, key: &str) -> String {
    url.split_once('?')
        .map(|x| x.1)
        .unwrap_or_default()
        .split('&')
        .find_map(|p| p.strip_prefix(&format!("{key}=")))
        .unwrap_or_default()
        .to_string()
}

/// Serves `router` on a loopback port with the production accept loop and
/// `limits`; returns `http://127.0.0.1:PORT` (the server lives as long as the
/// test's runtime).
pub async fn listen_with(router: Router, limits: slicewise_server::ServeLimits) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(slicewise_server::serve(
        listener,
        router,
        limits,
        std::future::pending(),
    ));
    format!("http://{addr}")
}

/// [`listen_with`] with the default limits.
pub async fn listen(router: Router) -> String {
    listen_with(router, slicewise_server::ServeLimits::default()).await
}
