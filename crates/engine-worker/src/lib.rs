//! The engine as the widget's Web Worker sees it: a thin wasm-bindgen layer.
//!
//! `public/engine-worker.js` owns the message loop; this type only turns JS
//! values into typed requests once, at the boundary, and errors back into
//! `{code, message}` JSON text.

use std::sync::Mutex;

use slicewise_engine::protocol::{LoadRequest, WireError};
use slicewise_engine::{Engine, EngineError, StagedLoad};
use wasm_bindgen::prelude::*;

#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// The message of the last Rust panic in this instance. With
/// `panic = "abort"` a panic and a failed allocation both end in the same
/// bare `unreachable` trap; this tells them apart afterwards.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Notes panics (for `out_of_memory`) and sends their message to the console.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(info.to_string());
        }
        console_error_panic_hook::hook(info);
    }));
}

/// After an `unreachable` trap: whether it was memory running out, i.e. the
/// allocator aborting (no panic first) or a request beyond what wasm32 can
/// address ("capacity overflow" for more than 2 GiB in one piece).
#[wasm_bindgen(js_name = outOfMemory)]
pub fn out_of_memory() -> bool {
    match LAST_PANIC.lock().ok().and_then(|last| last.clone()) {
        None => true,
        Some(message) => is_memory_panic(&message),
    }
}

fn is_memory_panic(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    ["capacity overflow", "memory allocation", "out of memory"]
        .iter()
        .any(|m| message.contains(m))
}

/// One tenant's extract inside the worker.
#[wasm_bindgen]
pub struct WorkerEngine {
    engine: Option<Engine>,
    /// A load between [`WorkerEngine::stage`] and [`WorkerEngine::commit`].
    staged: Option<StagedLoad>,
}

fn wire_error(e: &EngineError) -> JsValue {
    let wire = WireError::from(e);
    JsValue::from_str(&serde_json::to_string(&wire).unwrap_or_default())
}

fn bad_request(message: String) -> JsValue {
    let wire = WireError {
        code: "engine_bad_request".into(),
        message,
    };
    JsValue::from_str(&serde_json::to_string(&wire).unwrap_or_default())
}

#[wasm_bindgen]
impl WorkerEngine {
    /// An engine with nothing loaded.
    #[wasm_bindgen(constructor)]
    pub fn new() -> WorkerEngine {
        WorkerEngine {
            engine: None,
            staged: None,
        }
    }

    /// Verifies and loads an extract. `request` is a `LoadRequest` as JSON;
    /// `buffers` holds one `Uint8Array` per table, in its order; `digests`,
    /// when given, their SHA-256 in hex, computed by the worker with
    /// WebCrypto over the same bytes (else the engine hashes in wasm).
    /// Returns the `LoadReport` as JSON; throws `{code, message}` JSON text.
    pub fn load(
        &mut self,
        request: &str,
        buffers: js_sys::Array,
        digests: Option<Vec<String>>,
    ) -> Result<String, JsValue> {
        let (request, owned) = self.take_request(request, &buffers)?;
        let slices: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
        let loaded = match &digests {
            Some(digests) => Engine::load_verified_with_digests(&request, &slices, digests),
            None => Engine::load_verified(&request, &slices),
        };
        self.finish(loaded)
    }

    /// The first half of a load while WebCrypto hashes the same bytes on its
    /// own thread: checks the manifest (signature, tenant, expiry, catalog,
    /// budget, lengths) and parses the tables, which stay unqueryable until
    /// [`WorkerEngine::commit`]. Throws `{code, message}` JSON text.
    pub fn stage(&mut self, request: &str, buffers: js_sys::Array) -> Result<(), JsValue> {
        let (request, owned) = self.take_request(request, &buffers)?;
        let slices: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
        self.staged = Some(Engine::stage(&request, &slices).map_err(|e| wire_error(&e))?);
        Ok(())
    }

    /// The second half: each table's SHA-256 (hex, by WebCrypto) against the
    /// signed manifest, then the tables become queryable. On a mismatch the
    /// parsed tables are dropped. Returns the `LoadReport` as JSON.
    pub fn commit(&mut self, digests: Vec<String>) -> Result<String, JsValue> {
        let staged = self
            .staged
            .take()
            .ok_or_else(|| bad_request("commit without a staged load".into()))?;
        self.finish(staged.commit(&digests))
    }

    /// The request parsed and the buffers copied into wasm memory (one copy
    /// per table, dropped after parsing), after dropping any previous
    /// extract: wasm memory never shrinks.
    fn take_request(
        &mut self,
        request: &str,
        buffers: &js_sys::Array,
    ) -> Result<(LoadRequest, Vec<Vec<u8>>), JsValue> {
        let request: LoadRequest =
            serde_json::from_str(request).map_err(|e| bad_request(e.to_string()))?;
        if buffers.length() as usize != request.tables.len() {
            return Err(bad_request("one buffer per table is expected".into()));
        }
        self.engine = None;
        self.staged = None;
        let owned = buffers
            .iter()
            .map(|b| js_sys::Uint8Array::new(&b).to_vec())
            .collect();
        Ok((request, owned))
    }

    fn finish(
        &mut self,
        loaded: Result<(Engine, slicewise_engine::protocol::LoadReport), EngineError>,
    ) -> Result<String, JsValue> {
        let (engine, report) = loaded.map_err(|e| wire_error(&e))?;
        self.engine = Some(engine);
        Ok(serde_json::to_string(&report).unwrap_or_default())
    }

    /// Runs guarded SQL; returns the `QueryResult` as JSON.
    pub fn query(&mut self, sql: &str, limit: u32) -> Result<String, JsValue> {
        let engine = self
            .engine
            .as_mut()
            .ok_or_else(|| wire_error(&EngineError::NotLoaded))?;
        let result = engine
            .query(sql, limit as usize)
            .map_err(|e| wire_error(&e))?;
        Ok(serde_json::to_string(&result).unwrap_or_default())
    }
}

impl Default for WorkerEngine {
    fn default() -> Self {
        WorkerEngine::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_panics_are_told_from_other_panics() {
        assert!(is_memory_panic(
            "panicked at library/alloc/src/raw_vec/mod.rs:28:5:\ncapacity overflow"
        ));
        assert!(is_memory_panic(
            "memory allocation of 4294967296 bytes failed"
        ));
        assert!(!is_memory_panic(
            "called `Option::unwrap()` on a `None` value"
        ));
    }
}
