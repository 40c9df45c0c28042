//! Where each table of a load comes from: the bytes the page kept from its
//! last load, the browser's store of verified tables (when the host lets the
//! widget persist them), or the network. After the engine has verified the
//! load, the tables not stored yet are written to the store.

use std::collections::HashMap;

use js_sys::Uint8Array;
use slicewise_core::Manifest;

use crate::api::Api;
use crate::error::WidgetError;
use crate::table_store::{self, Partition, StoreError, TableStore, Taken};
use crate::token;

/// Table bytes of the last load by SHA-256: a refresh downloads only the
/// tables whose signed hash changed.
pub type KeptTables = HashMap<String, Uint8Array>;

/// How far the tables are: bytes in hand of all, and how many tables came
/// from the browser's store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableProgress {
    pub received: u64,
    pub total: u64,
    pub stored: u32,
}

/// Every table of a manifest, in its order, and where they came from.
pub struct GatheredTables {
    pub buffers: Vec<Uint8Array>,
    /// The bytes to keep in memory for the next refresh.
    pub kept: KeptTables,
    /// Tables taken from the browser's store.
    pub stored: u32,
    /// What to write to the store once the engine has verified the load.
    pub to_store: Option<StoreWrite>,
}

/// Tables to write to a partition after a verified load.
pub struct StoreWrite {
    store: TableStore,
    manifest: Manifest,
    tables: Vec<(String, Uint8Array)>,
}

impl StoreWrite {
    /// Writes the tables not stored yet and the index, deletes what the
    /// manifest no longer names and every other expired partition; returns
    /// the tables written.
    pub async fn run(self, now: i64) -> Result<usize, StoreError> {
        let written = self.store.keep(&self.manifest, &self.tables).await?;
        table_store::delete_expired(self.store.name(), now).await?;
        Ok(written)
    }
}

/// Opens the store of this token's partition, or says in the console why
/// the tables are downloaded as usual.
pub async fn open_store(api: &Api, manifest: &Manifest, now: i64) -> Option<TableStore> {
    let partition = Partition {
        origin: server_origin(api),
        tenant: manifest.tenant.clone(),
        privacy: manifest.privacy,
        user: token::subject(&api.token).unwrap_or_default(),
    };
    match TableStore::open(&partition, now).await {
        Ok(store) => Some(store),
        Err(err) => {
            notice(&format!("tables are not kept in this browser: {err}"));
            None
        }
    }
}

/// Takes each table from memory, the store (its hash checked again) or the
/// network, reporting progress.
pub async fn gather(
    api: &Api,
    manifest: &Manifest,
    kept: &KeptTables,
    store: Option<TableStore>,
    progress: impl Fn(TableProgress),
) -> Result<GatheredTables, WidgetError> {
    let total: u64 = manifest.tables.iter().map(|t| t.bytes).sum();
    let mut at = TableProgress {
        received: 0,
        total,
        stored: 0,
    };
    let mut buffers = Vec::with_capacity(manifest.tables.len());
    let mut fresh = KeptTables::new();
    let mut store_usable = store.is_some();
    for table in &manifest.tables {
        let mut bytes = kept.get(&table.sha256).cloned();
        let in_memory = bytes.is_some();
        if bytes.is_none() && store_usable {
            if let Some(store) = &store {
                match store.take(&table.sha256).await {
                    Ok(Taken::Verified(b)) => {
                        at.stored += 1;
                        bytes = Some(b);
                    }
                    Ok(Taken::Absent) => {}
                    Ok(Taken::Mismatch) => notice(&format!(
                        "the stored table {} did not match its hash: thrown away, downloading it again",
                        table.name
                    )),
                    Err(err) => {
                        notice(&format!("the stored tables are not used: {err}"));
                        store_usable = false;
                    }
                }
            }
        }
        let bytes = match bytes {
            Some(b) => b,
            None => {
                progress(at);
                let before = at.received;
                api.download(&table.url, |n| {
                    progress(TableProgress {
                        received: before + n,
                        ..at
                    })
                })
                .await?
            }
        };
        at.received += u64::from(bytes.length());
        if !in_memory {
            progress(at);
        }
        fresh.insert(table.sha256.clone(), bytes.clone());
        buffers.push(bytes);
    }
    let to_store = store.filter(|_| store_usable).map(|store| StoreWrite {
        tables: manifest
            .tables
            .iter()
            .filter(|t| !store.holds(&t.sha256))
            .filter_map(|t| Some((t.sha256.clone(), fresh.get(&t.sha256)?.clone())))
            .collect(),
        store,
        manifest: manifest.clone(),
    });
    Ok(GatheredTables {
        buffers,
        kept: fresh,
        stored: at.stored,
        to_store,
    })
}

/// The origin of the server the tables come from ("" means the page's).
fn server_origin(api: &Api) -> String {
    let page = web_sys::window().and_then(|w| w.location().href().ok());
    page.and_then(|page| web_sys::Url::new_with_base(&api.url("/"), &page).ok())
        .map(|u| u.origin())
        .unwrap_or_else(|| api.base.clone())
}

/// A notice in the console: the store is an optimisation, never an error.
pub fn notice(message: &str) {
    web_sys::console::warn_1(&format!("slicewise: {message}").into());
}
