//! Saved answers over real HTTP on loopback, in the state database (SQLite
//! and PostgreSQL): what a user saves it gets back in dashboard order and
//! changes or deletes as its owner; tenant and user come from the token
//! only, so another tenant never learns an id exists (404) and a colleague
//! never sees a private answer; the guard refuses SQL at saving and marks
//! an answer the current catalog no longer admits as broken, with why.

use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use slicewise_core::wire::Privacy;
use slicewise_core::Catalog;
use slicewise_server::store_pg::PgStore;
use slicewise_server::{AppConfig, Quotas, ServerKeys, SqliteStore, Store};

use crate::postgres::{pg_server, seeded};
use crate::support::{listen, TestServer};

/// An answer the retail catalog admits, reading the tickets table.
const TICKETS_SQL: &str = "SELECT COUNT(*) AS tickets FROM support_tickets";
/// An answer over orders only.
const REVENUE_SQL: &str =
    "SELECT STRFTIME(ordered_at, '%Y-%m') AS month, SUM(amount) AS revenue FROM orders GROUP BY 1";

/// One user of one tenant, talking to a server over HTTP with its token.
struct User {
    base: String,
    token: String,
    client: reqwest::Client,
}

/// A response, read.
struct Got {
    status: StatusCode,
    body: Value,
}

impl Got {
    fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }
}

impl User {
    fn new(base: &str, keys: &ServerKeys, tenant: &str, sub: &str) -> User {
        let token = slicewise_server::token::mint(
            &keys.embed_secret,
            tenant,
            sub,
            Privacy::Standard,
            600,
            chrono::Utc::now().timestamp(),
        )
        .expect("mint")
        .0;
        User {
            base: base.to_string(),
            token,
            client: reqwest::Client::new(),
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<String>) -> Got {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.header("content-type", "application/json").body(body);
        }
        let res = req.send().await.expect("response");
        let status = res.status();
        let text = res.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
        };
        Got { status, body }
    }

    async fn list(&self) -> Vec<Value> {
        let got = self.send(Method::GET, "/api/v1/saved", None).await;
        assert_eq!(got.status, StatusCode::OK, "{}", got.body);
        got.body["answers"].as_array().expect("answers").clone()
    }

    /// The ids of the list, in its order.
    async fn ids(&self) -> Vec<String> {
        self.list()
            .await
            .iter()
            .map(|a| a["id"].as_str().expect("id").to_string())
            .collect()
    }

    async fn save(&self, body: Value) -> Got {
        self.send(Method::POST, "/api/v1/saved", Some(body.to_string()))
            .await
    }

    /// Saves and returns the new answer's id.
    async fn saved(&self, title: &str, sql: &str, visibility: &str) -> String {
        let got = self
            .save(json!({
                "title": title,
                "question": format!("{title}?"),
                "sql": sql,
                "chart": "bar",
                "visibility": visibility,
            }))
            .await;
        assert_eq!(got.status, StatusCode::CREATED, "{}", got.body);
        got.body["id"].as_str().expect("id").to_string()
    }

    async fn get(&self, id: &str) -> Got {
        self.send(Method::GET, &format!("/api/v1/saved/{id}"), None)
            .await
    }

    async fn patch(&self, id: &str, body: Value) -> Got {
        self.send(
            Method::PATCH,
            &format!("/api/v1/saved/{id}"),
            Some(body.to_string()),
        )
        .await
    }

    async fn delete(&self, id: &str) -> Got {
        self.send(Method::DELETE, &format!("/api/v1/saved/{id}"), None)
            .await
    }
}

/// A SQLite server listening on loopback, with `config`.
async fn sqlite_server(config: AppConfig) -> (TestServer, String) {
    let s = TestServer::with_config(config);
    let base = listen(s.router.clone()).await;
    (s, base)
}

/// A PostgreSQL server (state and data in one database) on loopback.
async fn postgres_server() -> (crate::postgres::PgDb, TestServer, String) {
    let db = seeded().await;
    let s = pg_server(&db).await;
    let base = listen(s.router.clone()).await;
    (db, s, base)
}

async fn lifecycle(base: &str, keys: &ServerKeys) {
    let ann = User::new(base, keys, "acme", "ann");
    assert!(ann.list().await.is_empty());
    let created = ann
        .save(json!({
            "title": "  Revenue by month ",
            "question": "revenue by month",
            "sql": REVENUE_SQL,
            "chart": "line",
            "pinned": true,
        }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let a = &created.body;
    let id = a["id"].as_str().expect("id").to_string();
    assert_eq!(a["title"], "Revenue by month", "trimmed");
    assert_eq!(a["question"], "revenue by month");
    assert_eq!(a["sql"], REVENUE_SQL);
    assert_eq!(a["chart"], "line");
    assert_eq!(a["visibility"], "private", "private unless said");
    assert_eq!(
        (a["pinned"].clone(), a["mine"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(a["status"], "ok");
    assert!(a.get("reason").is_none(), "{a}");
    assert_eq!(a["schema_hash"], Catalog::demo().public().schema_hash());
    assert!(a["created_at"].as_i64().expect("created_at") > 0);
    for field in ["tenant", "owner", "sub", "rows", "result"] {
        assert!(a.get(field).is_none(), "{field} in {a}");
    }
    // Read back as saved.
    let got = ann.get(&id).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(&got.body, a);
    let tickets = ann.saved("Tickets", TICKETS_SQL, "private").await;
    let third = ann.saved("Third", TICKETS_SQL, "private").await;
    // Pinned first, then in the order saved.
    assert_eq!(
        ann.ids().await,
        [id.clone(), tickets.clone(), third.clone()]
    );
    // Rename, move, pin, change the chart.
    let moved = ann
        .patch(
            &third,
            json!({"title": "Open tickets", "position": 0, "pinned": true, "chart": "table"}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(moved.body["title"], "Open tickets");
    assert_eq!(moved.body["chart"], "table");
    assert_eq!(moved.body["question"], "Third?", "unchanged");
    assert!(
        moved.body["updated_at"].as_i64() >= moved.body["created_at"].as_i64(),
        "{}",
        moved.body
    );
    // Both pinned at position 0: the older one first.
    assert_eq!(
        ann.ids().await,
        [id.clone(), third.clone(), tickets.clone()]
    );
    let unpinned = ann.patch(&id, json!({"pinned": false})).await;
    assert_eq!(unpinned.body["pinned"], false);
    assert_eq!(unpinned.body["title"], "Revenue by month", "unchanged");
    assert_eq!(
        ann.ids().await,
        [third.clone(), id.clone(), tickets.clone()]
    );
    let last = ann.patch(&id, json!({"position": 7})).await;
    assert_eq!(last.body["position"], 7);
    assert_eq!(
        ann.ids().await,
        [third.clone(), tickets.clone(), id.clone()]
    );
    // Delete: gone from the list and from its URL.
    let deleted = ann.delete(&tickets).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(ann.ids().await, [third.clone(), id.clone()]);
    let again = ann.get(&tickets).await;
    assert_eq!(
        (again.status, again.code()),
        (StatusCode::NOT_FOUND, "saved_not_found")
    );
    let twice = ann.delete(&tickets).await;
    assert_eq!(
        (twice.status, twice.code()),
        (StatusCode::NOT_FOUND, "saved_not_found")
    );
}

async fn tenants_are_isolated(base: &str, keys: &ServerKeys) {
    let ann = User::new(base, keys, "acme", "ann");
    // Same user name, another tenant: nothing of acme's.
    let other = User::new(base, keys, "globex", "ann");
    let shared = ann.saved("Shared", REVENUE_SQL, "tenant").await;
    let private = ann.saved("Private", REVENUE_SQL, "private").await;
    let theirs = other.saved("Globex's", REVENUE_SQL, "tenant").await;
    assert_eq!(other.ids().await, std::slice::from_ref(&theirs));
    assert_eq!(ann.ids().await, [shared.clone(), private.clone()]);
    for id in [&shared, &private] {
        for got in [
            other.get(id).await,
            other.patch(id, json!({"title": "mine now"})).await,
            other.patch(id, json!({"visibility": "private"})).await,
            other.delete(id).await,
        ] {
            assert_eq!(
                (got.status, got.code()),
                (StatusCode::NOT_FOUND, "saved_not_found"),
                "{}",
                got.body
            );
        }
    }
    // Nothing changed for acme, and acme cannot reach globex's either.
    let kept = ann.get(&shared).await;
    assert_eq!(kept.body["title"], "Shared");
    assert_eq!(kept.body["visibility"], "tenant");
    assert_eq!(ann.get(&theirs).await.status, StatusCode::NOT_FOUND);
    assert_eq!(ann.delete(&theirs).await.status, StatusCode::NOT_FOUND);
    assert_eq!(other.ids().await, [theirs]);
}

async fn visibility_is_per_user(base: &str, keys: &ServerKeys) {
    let ann = User::new(base, keys, "acme", "ann");
    let bob = User::new(base, keys, "acme", "bob");
    let shared = ann.saved("Shared", REVENUE_SQL, "tenant").await;
    let private = ann.saved("Private", REVENUE_SQL, "private").await;
    let bobs = bob.saved("Bob's own", TICKETS_SQL, "private").await;
    // Bob sees the shared one (not his) and his own; never ann's private one.
    let seen = bob.list().await;
    let seen: Vec<(&str, bool)> = seen
        .iter()
        .map(|a| (a["id"].as_str().unwrap_or_default(), a["mine"] == true))
        .collect();
    assert_eq!(seen, [(shared.as_str(), false), (bobs.as_str(), true)]);
    assert_eq!(ann.ids().await, [shared.clone(), private.clone()]);
    let hidden = bob.get(&private).await;
    assert_eq!(
        (hidden.status, hidden.code()),
        (StatusCode::NOT_FOUND, "saved_not_found")
    );
    for got in [
        bob.patch(&private, json!({"visibility": "tenant"})).await,
        bob.delete(&private).await,
    ] {
        assert_eq!(
            (got.status, got.code()),
            (StatusCode::NOT_FOUND, "saved_not_found")
        );
    }
    // Bob may read the shared one but not change or delete it.
    assert_eq!(bob.get(&shared).await.body["title"], "Shared");
    for got in [
        bob.patch(&shared, json!({"title": "Bob's now"})).await,
        bob.patch(&shared, json!({"pinned": true})).await,
        bob.delete(&shared).await,
    ] {
        assert_eq!(
            (got.status, got.code()),
            (StatusCode::FORBIDDEN, "saved_not_owner"),
            "{}",
            got.body
        );
    }
    assert_eq!(ann.get(&shared).await.body["title"], "Shared");
    // Ann makes it private again: gone for bob.
    let unshared = ann.patch(&shared, json!({"visibility": "private"})).await;
    assert_eq!(unshared.body["visibility"], "private");
    assert_eq!(bob.ids().await, [bobs]);
    assert_eq!(bob.get(&shared).await.status, StatusCode::NOT_FOUND);
}

async fn the_guard_refuses_at_saving(base: &str, keys: &ServerKeys) {
    let ann = User::new(base, keys, "acme", "ann");
    let before = ann.ids().await;
    for (sql, code) in [
        ("SELECT * FROM secrets", "sql_unknown_table"),
        ("SELECT password FROM customers", "sql_unknown_column"),
        ("DELETE FROM orders", "sql_not_select"),
        ("SELECT 1; SELECT 2", "sql_multiple_statements"),
        ("", "sql_empty"),
    ] {
        let got = ann
            .save(json!({"title": "t", "question": "q", "sql": sql}))
            .await;
        assert_eq!(
            (got.status, got.code()),
            (StatusCode::BAD_REQUEST, code),
            "{sql}"
        );
        let message = got.body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("This SQL cannot be saved"), "{message}");
    }
    assert_eq!(ann.ids().await, before, "nothing refused was stored");
}

/// A second server over the same state with `catalog`: the first one
/// restarted after its catalog was edited.
fn restarted_with(first: &TestServer, store: Store, catalog: Catalog) -> TestServer {
    let config = AppConfig {
        catalog,
        ..AppConfig::default()
    };
    TestServer::with_source(
        tempfile::tempdir().expect("tempdir"),
        first.state.source().clone(),
        store,
        first.keys().clone(),
        config,
    )
}

/// The retail catalog without its tickets table.
fn catalog_without_tickets() -> Catalog {
    let mut catalog = Catalog::demo();
    catalog.tables.retain(|t| t.name != "support_tickets");
    catalog
}

async fn broken_after_a_catalog_change(first: &TestServer, base: &str, store: Store) {
    let ann = User::new(base, first.keys(), "acme", "ann");
    let tickets = ann.saved("Tickets", TICKETS_SQL, "tenant").await;
    let revenue = ann.saved("Revenue", REVENUE_SQL, "private").await;
    let old_hash = ann.get(&tickets).await.body["schema_hash"].clone();
    let second = restarted_with(first, store, catalog_without_tickets());
    let base = listen(second.router.clone()).await;
    let ann = User::new(&base, second.keys(), "acme", "ann");
    let listed = ann.list().await;
    assert_eq!(listed.len(), 2, "a broken answer is listed, not dropped");
    let broken = &listed[0];
    assert_eq!(broken["id"], tickets.as_str());
    assert_eq!(broken["status"], "broken");
    assert_eq!(broken["reason"]["code"], "sql_unknown_table");
    let reason = broken["reason"]["message"].as_str().unwrap_or_default();
    assert!(reason.contains("support_tickets"), "{reason}");
    assert_eq!(
        broken["schema_hash"], old_hash,
        "saved under the old catalog"
    );
    assert_ne!(
        old_hash,
        json!(catalog_without_tickets().public().schema_hash())
    );
    assert_eq!(listed[1]["id"], revenue.as_str());
    assert_eq!(listed[1]["status"], "ok");
    assert!(listed[1].get("reason").is_none());
    let one = ann.get(&tickets).await;
    assert_eq!(one.body["status"], "broken");
    assert_eq!(one.body["reason"]["code"], "sql_unknown_table");
    // A colleague sees the shared one broken too; its owner may still
    // rename or delete it; the same SQL cannot be saved again.
    let bob = User::new(&base, second.keys(), "acme", "bob");
    assert_eq!(bob.list().await[0]["status"], "broken");
    let renamed = ann.patch(&tickets, json!({"title": "Tickets (old)"})).await;
    assert_eq!(renamed.status, StatusCode::OK);
    assert_eq!(renamed.body["status"], "broken");
    let refused = ann
        .save(json!({"title": "t", "question": "q", "sql": TICKETS_SQL}))
        .await;
    assert_eq!(refused.code(), "sql_unknown_table");
    assert_eq!(ann.delete(&tickets).await.status, StatusCode::NO_CONTENT);
    assert_eq!(ann.ids().await, [revenue]);
}

async fn limits_per_user(base: &str, keys: &ServerKeys, limit: usize) {
    let ann = User::new(base, keys, "acme", "ann");
    let bob = User::new(base, keys, "acme", "bob");
    // Saves racing each other never pass the limit.
    let burst = (0..limit * 3)
        .map(|i| ann.save(json!({"title": format!("t{i}"), "question": "q", "sql": REVENUE_SQL})));
    let statuses: Vec<(StatusCode, String)> = join_all(burst)
        .await
        .iter()
        .map(|g| (g.status, g.code().to_string()))
        .collect();
    let created = statuses
        .iter()
        .filter(|s| s.0 == StatusCode::CREATED)
        .count();
    assert_eq!(created, limit, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .filter(|s| s.0 != StatusCode::CREATED)
            .all(|s| *s == (StatusCode::CONFLICT, "saved_limit_reached".to_string())),
        "{statuses:?}"
    );
    let ids = ann.ids().await;
    assert_eq!(ids.len(), limit);
    // Positions are distinct: the dashboard order is total.
    let mut positions: Vec<i64> = ann
        .list()
        .await
        .iter()
        .map(|a| a["position"].as_i64().expect("position"))
        .collect();
    positions.dedup();
    assert_eq!(positions.len(), limit, "{positions:?}");
    // Per user: bob still saves; ann saves again once she deleted one.
    bob.saved("Bob's", REVENUE_SQL, "private").await;
    assert_eq!(ann.delete(&ids[0]).await.status, StatusCode::NO_CONTENT);
    ann.saved("Again", REVENUE_SQL, "private").await;
}

fn limited(limit: u64) -> AppConfig {
    AppConfig {
        quotas: Quotas {
            saved_per_user: limit,
            ..Quotas::default()
        },
        ..AppConfig::default()
    }
}

#[tokio::test]
async fn sqlite_saved_answers_are_created_listed_read_changed_and_deleted() {
    let (s, base) = sqlite_server(AppConfig::default()).await;
    lifecycle(&base, s.keys()).await;
}

#[tokio::test]
async fn sqlite_another_tenant_never_reaches_an_answer() {
    let (s, base) = sqlite_server(AppConfig::default()).await;
    tenants_are_isolated(&base, s.keys()).await;
}

#[tokio::test]
async fn sqlite_private_answers_are_their_owners_and_shared_ones_read_only() {
    let (s, base) = sqlite_server(AppConfig::default()).await;
    visibility_is_per_user(&base, s.keys()).await;
}

#[tokio::test]
async fn sqlite_sql_the_guard_refuses_is_not_saved() {
    let (s, base) = sqlite_server(AppConfig::default()).await;
    the_guard_refuses_at_saving(&base, s.keys()).await;
}

#[tokio::test]
async fn sqlite_an_answer_the_catalog_no_longer_admits_is_listed_broken() {
    let (s, base) = sqlite_server(AppConfig::default()).await;
    let store = Store::Sqlite(SqliteStore::new(&s.db));
    broken_after_a_catalog_change(&s, &base, store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_a_user_keeps_at_most_the_limit() {
    let (s, base) = sqlite_server(limited(3)).await;
    limits_per_user(&base, s.keys(), 3).await;
}

#[tokio::test]
async fn postgres_saved_answers_are_created_listed_read_changed_and_deleted() {
    let (_db, s, base) = postgres_server().await;
    lifecycle(&base, s.keys()).await;
}

#[tokio::test]
async fn postgres_another_tenant_never_reaches_an_answer() {
    let (_db, s, base) = postgres_server().await;
    tenants_are_isolated(&base, s.keys()).await;
}

#[tokio::test]
async fn postgres_private_answers_are_their_owners_and_shared_ones_read_only() {
    let (_db, s, base) = postgres_server().await;
    visibility_is_per_user(&base, s.keys()).await;
    the_guard_refuses_at_saving(&base, s.keys()).await;
}

#[tokio::test]
async fn postgres_an_answer_the_catalog_no_longer_admits_is_listed_broken() {
    let (db, s, base) = postgres_server().await;
    let store = Store::Postgres(PgStore::new(&db.url).allow_privileged_role(true));
    broken_after_a_catalog_change(&s, &base, store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_a_user_keeps_at_most_the_limit() {
    let db = seeded().await;
    let first = pg_server(&db).await;
    let store = Store::Postgres(PgStore::new(&db.url).allow_privileged_role(true));
    // Two replicas sharing the database, the saves spread over both.
    let mut bases = Vec::new();
    for _ in 0..2 {
        let replica = TestServer::with_source(
            tempfile::tempdir().expect("tempdir"),
            first.state.source().clone(),
            store.clone(),
            first.keys().clone(),
            limited(3),
        );
        bases.push(listen(replica.router.clone()).await);
    }
    limits_per_user(&bases[0], first.keys(), 3).await;
    // The other replica counts the same rows.
    let ann = User::new(&bases[1], first.keys(), "acme", "ann");
    let over = ann
        .save(json!({"title": "one more", "question": "q", "sql": REVENUE_SQL}))
        .await;
    assert_eq!(over.code(), "saved_limit_reached");
}

#[tokio::test]
async fn bad_input_gets_a_stable_code() {
    let (s, base) = sqlite_server(AppConfig::default()).await;
    let ann = User::new(&base, s.keys(), "acme", "ann");
    let id = ann.saved("Revenue", REVENUE_SQL, "private").await;
    let long_title = "x".repeat(201);
    let long_question = "q".repeat(1_001);
    let columns: Vec<String> = (0..1_000).map(|i| format!("amount AS a{i}")).collect();
    let long_sql = format!("SELECT {} FROM orders", columns.join(", "));
    let cases: Vec<(Got, StatusCode, &str)> = vec![
        // The tenant and owner come from the token, never from the body.
        (
            ann.save(
                json!({"title": "t", "question": "q", "sql": REVENUE_SQL, "tenant": "globex"}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "body_invalid",
        ),
        (
            ann.save(json!({"title": "t", "question": "q", "sql": REVENUE_SQL, "rows": [[1]]}))
                .await,
            StatusCode::BAD_REQUEST,
            "body_invalid",
        ),
        (
            ann.save(json!({"title": "t", "question": "q", "sql": REVENUE_SQL, "chart": "pie"}))
                .await,
            StatusCode::BAD_REQUEST,
            "body_invalid",
        ),
        (
            ann.save(
                json!({"title": "t", "question": "q", "sql": REVENUE_SQL, "visibility": "public"}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "body_invalid",
        ),
        (
            ann.save(json!({"title": long_title, "question": "q", "sql": REVENUE_SQL}))
                .await,
            StatusCode::BAD_REQUEST,
            "saved_title_invalid",
        ),
        (
            ann.save(json!({"title": " ", "question": "q", "sql": REVENUE_SQL}))
                .await,
            StatusCode::BAD_REQUEST,
            "saved_title_invalid",
        ),
        (
            ann.save(json!({"title": "t", "question": long_question, "sql": REVENUE_SQL}))
                .await,
            StatusCode::BAD_REQUEST,
            "question_invalid",
        ),
        (
            ann.save(json!({"title": "t", "question": "q", "sql": long_sql}))
                .await,
            StatusCode::BAD_REQUEST,
            "sql_too_long",
        ),
        (
            ann.send(Method::POST, "/api/v1/saved", Some("{not json".into()))
                .await,
            StatusCode::BAD_REQUEST,
            "body_invalid",
        ),
        (
            ann.get("not-a-uuid").await,
            StatusCode::BAD_REQUEST,
            "saved_id_invalid",
        ),
        (
            ann.patch("1' OR '1'='1", json!({"title": "t"})).await,
            StatusCode::BAD_REQUEST,
            "saved_id_invalid",
        ),
        (
            ann.delete("42").await,
            StatusCode::BAD_REQUEST,
            "saved_id_invalid",
        ),
        (
            ann.get(&uuid::Uuid::new_v4().to_string()).await,
            StatusCode::NOT_FOUND,
            "saved_not_found",
        ),
        (
            ann.patch(&id, json!({})).await,
            StatusCode::BAD_REQUEST,
            "saved_change_empty",
        ),
        (
            ann.patch(&id, json!({"sql": "SELECT 1"})).await,
            StatusCode::BAD_REQUEST,
            "body_invalid",
        ),
        (
            ann.patch(&id, json!({"owner": "bob"})).await,
            StatusCode::BAD_REQUEST,
            "body_invalid",
        ),
        (
            ann.patch(&id, json!({"position": -1})).await,
            StatusCode::BAD_REQUEST,
            "saved_position_invalid",
        ),
        (
            ann.patch(&id, json!({"title": long_title})).await,
            StatusCode::BAD_REQUEST,
            "saved_title_invalid",
        ),
    ];
    for (i, (got, status, code)) in cases.iter().enumerate() {
        assert_eq!(
            (got.status, got.code()),
            (*status, *code),
            "case {i}: {}",
            got.body
        );
        assert!(
            got.body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "case {i}"
        );
    }
    // Without a token there is nothing at all.
    let anonymous = reqwest::get(format!("{base}/api/v1/saved"))
        .await
        .expect("get");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    // The answer is as it was.
    let kept = ann.get(&id).await.body;
    assert_eq!(
        (kept["title"].clone(), kept["position"].clone()),
        (json!("Revenue"), json!(0))
    );
    assert_eq!(ann.ids().await, [id]);
}

#[tokio::test]
async fn hosts_on_an_allowed_origin_may_patch_and_delete() {
    let (_s, base) = sqlite_server(AppConfig {
        allowed_origins: vec!["https://portal.example".into()],
        ..AppConfig::default()
    })
    .await;
    for method in ["PATCH", "DELETE"] {
        let res = reqwest::Client::new()
            .request(
                Method::OPTIONS,
                format!("{base}/api/v1/saved/{}", uuid::Uuid::new_v4()),
            )
            .header("origin", "https://portal.example")
            .header("access-control-request-method", method)
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
            .await
            .expect("preflight");
        let allowed = res
            .headers()
            .get("access-control-allow-methods")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(allowed.contains(method), "{method}: {allowed}");
    }
}

#[tokio::test]
async fn the_saved_answers_table_is_migration_four_of_the_state_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.db");
    SqliteStore::create(&path).expect("create");
    let c = rusqlite::Connection::open(&path).expect("open");
    let version: i64 = c
        .query_row(
            "SELECT MAX(version) FROM refinery_schema_history",
            [],
            |r| r.get(0),
        )
        .expect("history");
    assert!(version >= 4, "{version}");
    let columns: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM pragma_table_info('saved_answers')",
            [],
            |r| r.get(0),
        )
        .expect("table");
    assert_eq!(columns, 13);
}

/// What `savedAnswers` of `@slicewise/embed` does against this server, in
/// node (the module's own tests use a fake fetch; this one the real API).
const EMBED_CLIENT_SCRIPT: &str = r#"
const { savedAnswers, SlicewiseApiError } = await import(process.env.EMBED_MODULE);
const client = (token) => savedAnswers({ server: process.env.BASE, getToken: async () => token });
const ann = client(process.env.ANN), bob = client(process.env.BOB);
const created = await ann.create({ title: "Revenue", question: "revenue", sql: process.env.SQL, chart: "line", visibility: "tenant" });
const moved = await ann.update(created.id, { pinned: true, position: 3 });
const seen = await bob.list();
const refused = await bob.remove(created.id).catch((e) => e);
const broken = await ann.create({ title: "t", question: "q", sql: "SELECT * FROM secrets" }).catch((e) => e);
await ann.remove(created.id);
const gone = await ann.get(created.id).catch((e) => e);
console.log(JSON.stringify({
  created: [created.visibility, created.chart, created.status],
  moved: [moved.pinned, moved.position],
  seen: seen.map((a) => [a.id === created.id, a.mine]),
  refused: [refused instanceof SlicewiseApiError, refused.status, refused.code],
  broken: [broken.status, broken.code],
  gone: [gone.status, gone.code],
}));
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embed_module_speaks_the_servers_api() {
    let (s, base) = sqlite_server(AppConfig::default()).await;
    let token = |sub: &str| User::new(&base, s.keys(), "acme", sub).token;
    let module = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../packages/embed/index.js")
        .canonicalize()
        .expect("packages/embed/index.js");
    let (ann, bob) = (token("ann"), token("bob"));
    let env_base = base.clone();
    // Blocking in a thread of its own: the server answers on this runtime.
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .args(["--input-type=module", "-e", EMBED_CLIENT_SCRIPT])
            .env("EMBED_MODULE", format!("file://{}", module.display()))
            .env("BASE", env_base)
            .env("ANN", ann)
            .env("BOB", bob)
            .env("SQL", REVENUE_SQL)
            .output()
    })
    .await
    .expect("join")
    .expect("node must be installed (cargo xtask installs it)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    assert_eq!(
        got,
        json!({
            "created": ["tenant", "line", "ok"],
            "moved": [true, 3],
            "seen": [[true, false]],
            "refused": [true, 403, "saved_not_owner"],
            "broken": [400, "sql_unknown_table"],
            "gone": [404, "saved_not_found"],
        })
    );
}
