//! The browser's store of verified extract tables (the Cache API), so a
//! later visit takes the tables the fresh signed manifest still names from
//! disk instead of the network.
//!
//! One cache per partition (server origin, tenant, privacy level, user),
//! named by the SHA-256 of those four, so no id shows in the name. Its
//! entries are table bytes keyed by their SHA-256, plus an index: the
//! expiry of the last manifest that named them. A table's hash is checked
//! again before use; a table that does not match is thrown away. Every
//! failure of the store (denied, full, unavailable) leaves a plain download.

use std::cell::RefCell;
use std::collections::BTreeMap;

use js_sys::{ArrayBuffer, Uint8Array};
use serde::{Deserialize, Serialize};
use slicewise_core::manifest::sha256_hex;
use slicewise_core::wire::Privacy;
use slicewise_core::Manifest;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, CacheStorage, Request, Response, ResponseInit};

use crate::error::js_text;

/// Names of the widget's caches start with this; `Slicewise.clear()` in
/// `public/widget.js` and `clear()` in `packages/embed` delete by it.
pub const STORE_PREFIX: &str = "slicewise-tables-v1:";

/// Entries are keyed by URLs that never reach a network.
const ENTRY_BASE: &str = "https://tables.slicewise.invalid/";
const INDEX_URL: &str = "https://tables.slicewise.invalid/index";

/// What went wrong with the store: a notice in the console, never an error
/// the user sees.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoreError {
    /// No Cache API here (an insecure page), or the browser denied it.
    #[error("the browser's storage is not available: {0}")]
    Unavailable(String),
    /// A read or write failed (a full disk or quota included).
    #[error("the browser's storage failed: {0}")]
    Failed(String),
}

/// Whose tables a cache holds: a token for another tenant, privacy level or
/// user (or another server) opens another cache.
#[derive(Debug, Clone, PartialEq)]
pub struct Partition {
    pub origin: String,
    pub tenant: String,
    pub privacy: Privacy,
    pub user: String,
}

impl Partition {
    /// The cache's name: the prefix and a digest of the four parts.
    pub fn cache_name(&self) -> String {
        // A JSON array keeps the parts apart whatever characters they hold.
        let key = serde_json::json!([self.origin, self.tenant, self.privacy.as_str(), self.user]);
        format!("{STORE_PREFIX}{}", sha256_hex(key.to_string().as_bytes()))
    }
}

/// The index entry: when the partition expires, and which tables it holds.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StoreIndex {
    /// Unix seconds: the expiry of the last manifest that named the tables.
    pub expires_at: i64,
    /// Table name by SHA-256.
    pub tables: BTreeMap<String, String>,
}

impl StoreIndex {
    /// The index after a load of `manifest`.
    pub fn for_manifest(manifest: &Manifest) -> StoreIndex {
        StoreIndex {
            expires_at: manifest.expires_at,
            tables: manifest
                .tables
                .iter()
                .map(|t| (t.sha256.clone(), t.name.clone()))
                .collect(),
        }
    }

    /// Whether the entries may still be used at `now` (Unix seconds).
    pub fn live(&self, now: i64) -> bool {
        now < self.expires_at
    }

    /// Whether a table of this hash was kept.
    pub fn holds(&self, sha256: &str) -> bool {
        self.tables.contains_key(sha256)
    }
}

/// The key of a table's entry, or none for text that is not a hex SHA-256
/// (a manifest is read before it is verified).
pub fn entry_url(sha256: &str) -> Option<String> {
    let hex = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
    hex.then(|| format!("{ENTRY_BASE}{}", sha256.to_ascii_lowercase()))
}

/// Entry keys a new manifest no longer names (the index is not one).
pub fn stale_entries(keys: &[String], manifest: &Manifest) -> Vec<String> {
    let named: Vec<String> = manifest
        .tables
        .iter()
        .filter_map(|t| entry_url(&t.sha256))
        .collect();
    keys.iter()
        .filter(|k| k.as_str() != INDEX_URL && !named.contains(k))
        .cloned()
        .collect()
}

/// What the store gave for one table.
#[derive(Debug)]
pub enum Taken {
    /// Bytes whose SHA-256 was checked again just now.
    Verified(Uint8Array),
    /// Not kept (or gone): download it.
    Absent,
    /// Kept, but its bytes did not match the hash: thrown away.
    Mismatch,
}

/// One partition's cache, opened for a load.
pub struct TableStore {
    name: String,
    cache: Cache,
    /// The index as found (none when absent or expired), less the tables
    /// found missing or thrown away since.
    index: RefCell<Option<StoreIndex>>,
}

impl TableStore {
    /// Opens a partition; an expired one (or one without an index) is
    /// deleted first, so nothing past its manifest's expiry is read.
    pub async fn open(partition: &Partition, now: i64) -> Result<TableStore, StoreError> {
        let caches = caches()?;
        let name = partition.cache_name();
        let cache = open_cache(&caches, &name).await?;
        let index = read_index(&cache).await?.filter(|i| i.live(now));
        if index.is_none() {
            delete_cache(&caches, &name).await?;
            let cache = open_cache(&caches, &name).await?;
            return Ok(TableStore {
                name,
                cache,
                index: RefCell::new(None),
            });
        }
        Ok(TableStore {
            name,
            cache,
            index: RefCell::new(index),
        })
    }

    /// The cache's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether a table of this hash is kept (and so needs no writing).
    pub fn holds(&self, sha256: &str) -> bool {
        self.index
            .borrow()
            .as_ref()
            .is_some_and(|i| i.holds(sha256))
    }

    /// Forgets a table the index named but the cache no longer holds as it
    /// was, so `keep` writes it again.
    fn forget(&self, sha256: &str) {
        if let Some(index) = self.index.borrow_mut().as_mut() {
            index.tables.remove(sha256);
        }
    }

    /// A kept table's bytes, its hash checked again; a table whose bytes do
    /// not match is deleted.
    pub async fn take(&self, sha256: &str) -> Result<Taken, StoreError> {
        let Some(url) = entry_url(sha256).filter(|_| self.holds(sha256)) else {
            return Ok(Taken::Absent);
        };
        let found = wait(self.cache.match_with_str(&url)).await?;
        let Ok(response) = found.dyn_into::<Response>() else {
            self.forget(sha256);
            return Ok(Taken::Absent);
        };
        let buffer = wait(response.array_buffer().map_err(failed)?).await?;
        let bytes = Uint8Array::new(&buffer);
        if digest_hex(&bytes).await? == sha256.to_ascii_lowercase() {
            return Ok(Taken::Verified(bytes));
        }
        self.forget(sha256);
        wait(self.cache.delete_with_str(&url)).await?;
        Ok(Taken::Mismatch)
    }

    /// After a verified load: writes the tables not kept yet, then the index
    /// with the manifest's expiry, then deletes the entries it no longer
    /// names. A failed write deletes the partition: nothing is half kept.
    pub async fn keep(
        &self,
        manifest: &Manifest,
        tables: &[(String, Uint8Array)],
    ) -> Result<usize, StoreError> {
        let written = match self.write(manifest, tables).await {
            Ok(n) => n,
            Err(err) => {
                let _ = delete_cache(&caches()?, &self.name).await;
                return Err(err);
            }
        };
        let keys = wait(self.cache.keys()).await?;
        let keys: Vec<String> = js_sys::Array::from(&keys)
            .iter()
            .filter_map(|r| r.dyn_into::<Request>().ok())
            .map(|r| r.url())
            .collect();
        for stale in stale_entries(&keys, manifest) {
            wait(self.cache.delete_with_str(&stale)).await?;
        }
        Ok(written)
    }

    async fn write(
        &self,
        manifest: &Manifest,
        tables: &[(String, Uint8Array)],
    ) -> Result<usize, StoreError> {
        let mut written = 0;
        for (sha256, bytes) in tables {
            let Some(url) = entry_url(sha256).filter(|_| !self.holds(sha256)) else {
                continue;
            };
            let response = response(bytes, "application/vnd.apache.arrow.stream")?;
            wait(self.cache.put_with_str(&url, &response)).await?;
            written += 1;
        }
        let index = serde_json::to_string(&StoreIndex::for_manifest(manifest))
            .map_err(|e| StoreError::Failed(e.to_string()))?;
        let index = Uint8Array::from(index.as_bytes());
        let response = response(&index, "application/json")?;
        wait(self.cache.put_with_str(INDEX_URL, &response)).await?;
        Ok(written)
    }
}

/// Deletes the partitions (of any tenant or user) whose manifest expired or
/// which lost their index, except the one named `keep`.
pub async fn delete_expired(keep: &str, now: i64) -> Result<usize, StoreError> {
    let caches = caches()?;
    let names = js_sys::Array::from(&wait(caches.keys()).await?);
    let mut deleted = 0;
    for name in names.iter().filter_map(|n| n.as_string()) {
        if !name.starts_with(STORE_PREFIX) || name == keep {
            continue;
        }
        let cache = open_cache(&caches, &name).await?;
        if !read_index(&cache).await?.is_some_and(|i| i.live(now)) {
            delete_cache(&caches, &name).await?;
            deleted += 1;
        }
    }
    Ok(deleted)
}

fn caches() -> Result<CacheStorage, StoreError> {
    let window = web_sys::window().ok_or_else(|| StoreError::Unavailable("no window".into()))?;
    // `caches` is missing on an insecure page: the getter throws or is undefined.
    let present = js_sys::Reflect::get(&window, &JsValue::from_str("caches"))
        .map(|c| !c.is_undefined())
        .unwrap_or(false);
    if !present {
        return Err(StoreError::Unavailable(
            "no Cache API (the page is not a secure context)".into(),
        ));
    }
    window
        .caches()
        .map_err(|e| StoreError::Unavailable(js_text(&e)))
}

async fn open_cache(caches: &CacheStorage, name: &str) -> Result<Cache, StoreError> {
    JsFuture::from(caches.open(name))
        .await
        .map_err(|e| StoreError::Unavailable(js_text(&e)))?
        .dyn_into::<Cache>()
        .map_err(|_| StoreError::Unavailable("caches.open gave no cache".into()))
}

async fn delete_cache(caches: &CacheStorage, name: &str) -> Result<(), StoreError> {
    wait(caches.delete(name)).await.map(|_| ())
}

async fn read_index(cache: &Cache) -> Result<Option<StoreIndex>, StoreError> {
    let found = wait(cache.match_with_str(INDEX_URL)).await?;
    let Ok(response) = found.dyn_into::<Response>() else {
        return Ok(None);
    };
    let text = wait(response.text().map_err(failed)?).await?;
    // An unreadable index is treated as none: the partition starts over.
    Ok(text.as_string().and_then(|t| serde_json::from_str(&t).ok()))
}

fn response(bytes: &Uint8Array, content_type: &str) -> Result<Response, StoreError> {
    let init = ResponseInit::new();
    let headers = web_sys::Headers::new().map_err(failed)?;
    headers.set("Content-Type", content_type).map_err(failed)?;
    init.set_headers(&headers);
    Response::new_with_opt_js_u8_array_and_init(Some(bytes), &init).map_err(failed)
}

/// Hex SHA-256 by the browser's own digest (native code, off the wasm heap).
async fn digest_hex(bytes: &Uint8Array) -> Result<String, StoreError> {
    let window = web_sys::window().ok_or_else(|| StoreError::Unavailable("no window".into()))?;
    let subtle = window.crypto().map_err(failed)?.subtle();
    let digest = subtle
        .digest_with_str_and_buffer_source("SHA-256", bytes)
        .map_err(failed)?;
    let digest: ArrayBuffer = wait(digest).await?.unchecked_into();
    Ok(Uint8Array::new(&digest)
        .to_vec()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

async fn wait(promise: js_sys::Promise) -> Result<JsValue, StoreError> {
    JsFuture::from(promise).await.map_err(failed)
}

fn failed(err: JsValue) -> StoreError {
    StoreError::Failed(js_text(&err))
}

#[cfg(test)]
mod tests {
    use super::*;
    use slicewise_core::TableEntry;

    fn partition(tenant: &str, privacy: Privacy, user: &str) -> Partition {
        Partition {
            origin: "https://analytics.example.com".into(),
            tenant: tenant.into(),
            privacy,
            user: user.into(),
        }
    }

    fn manifest(tables: &[(&str, char)]) -> Manifest {
        Manifest {
            version: 1,
            tenant: "acme".into(),
            privacy: Privacy::Standard,
            issued_at: 100,
            expires_at: 3_700,
            schema_hash: "0".repeat(64),
            tables: tables
                .iter()
                .map(|(name, c)| TableEntry {
                    name: (*name).into(),
                    rows: 1,
                    bytes: 1,
                    sha256: c.to_string().repeat(64),
                    url: format!("/t/{name}"),
                })
                .collect(),
        }
    }

    #[test]
    fn each_tenant_privacy_user_and_server_has_a_cache_of_its_own() {
        let base = partition("acme", Privacy::Standard, "alice");
        let names = [
            base.cache_name(),
            partition("globex", Privacy::Standard, "alice").cache_name(),
            partition("acme", Privacy::High, "alice").cache_name(),
            partition("acme", Privacy::Standard, "bob").cache_name(),
            Partition {
                origin: "https://other.example.com".into(),
                ..base.clone()
            }
            .cache_name(),
        ];
        for (i, a) in names.iter().enumerate() {
            assert!(a.starts_with(STORE_PREFIX));
            assert!(!a.contains("acme") && !a.contains("alice"), "no ids in {a}");
            for b in &names[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(base.cache_name(), base.clone().cache_name(), "stable");
    }

    #[test]
    fn parts_cannot_run_into_each_other() {
        let a = partition("ac", Privacy::Standard, "me-bob");
        let b = partition("ac\",\"me", Privacy::Standard, "bob");
        assert_ne!(a.cache_name(), b.cache_name());
    }

    #[test]
    fn the_index_lives_until_the_manifest_expires() {
        let index = StoreIndex::for_manifest(&manifest(&[("orders", 'a'), ("customers", 'b')]));
        assert!(index.live(3_699));
        assert!(!index.live(3_700));
        assert!(index.holds(&"a".repeat(64)));
        assert!(!index.holds(&"c".repeat(64)));
        assert_eq!(
            index.tables.get(&"b".repeat(64)).map(String::as_str),
            Some("customers")
        );
    }

    #[test]
    fn only_hex_hashes_become_entry_keys() {
        assert_eq!(
            entry_url(&"AB".repeat(32)).as_deref(),
            Some(format!("{ENTRY_BASE}{}", "ab".repeat(32)).as_str())
        );
        assert_eq!(entry_url("../index"), None);
        assert_eq!(entry_url(&"g".repeat(64)), None);
        assert_eq!(entry_url(&"a".repeat(63)), None);
    }

    #[test]
    fn entries_a_new_manifest_does_not_name_are_stale() {
        let keys = vec![
            entry_url(&"a".repeat(64)).unwrap_or_default(),
            entry_url(&"b".repeat(64)).unwrap_or_default(),
            INDEX_URL.to_string(),
        ];
        let next = manifest(&[("orders", 'a'), ("customers", 'c')]);
        assert_eq!(
            stale_entries(&keys, &next),
            vec![entry_url(&"b".repeat(64)).unwrap_or_default()]
        );
    }

    #[test]
    fn the_loader_and_the_package_clear_by_the_same_prefix() {
        for (file, text) in [
            ("public/widget.js", include_str!("../public/widget.js")),
            (
                "packages/embed/index.js",
                include_str!("../packages/embed/index.js"),
            ),
        ] {
            assert!(text.contains(&format!("\"{STORE_PREFIX}\"")), "{file}");
        }
    }
}
