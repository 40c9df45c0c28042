//! The widget's side of the engine worker: start it lazily, send it the
//! extract and queries, and replace it when it crashes or a query runs too
//! long. The extract's bytes stay here, so a fresh worker reloads without a
//! new download.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use futures::channel::oneshot;
use futures::future::{select, Either};
use js_sys::{Array, Object, Reflect, Uint8Array};
use slicewise_core::QueryResult;
use slicewise_engine::protocol::{LoadReport, LoadRequest};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, MessageEvent, Url, Worker, WorkerOptions, WorkerType};

use crate::error::{JsResultExt, WidgetError};

type Reply = Result<String, WidgetError>;

/// A load request's JSON and its table buffers, kept for reloading.
type KeptLoad = (String, Vec<Uint8Array>);

struct Running {
    worker: Worker,
    pending: Rc<RefCell<HashMap<u32, oneshot::Sender<Reply>>>>,
    ready: Rc<RefCell<Option<oneshot::Receiver<Reply>>>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

/// A handle on the engine worker. Cheap to clone; one per widget.
#[derive(Clone)]
pub struct EngineClient {
    script_url: String,
    /// A query running longer replaces the worker.
    query_timeout_ms: u32,
    next_id: Rc<RefCell<u32>>,
    running: Rc<RefCell<Option<Running>>>,
    /// The last successful load, kept to rebuild a replaced worker.
    loaded: Rc<RefCell<Option<KeptLoad>>>,
}

impl EngineClient {
    /// A client for the worker script at `script_url` (not started yet).
    pub fn new(script_url: String, query_timeout_ms: u32) -> EngineClient {
        EngineClient {
            script_url,
            query_timeout_ms,
            next_id: Rc::new(RefCell::new(0)),
            running: Rc::new(RefCell::new(None)),
            loaded: Rc::new(RefCell::new(None)),
        }
    }

    /// Starts the worker if needed and waits until its engine is up;
    /// returns the start-up time in milliseconds.
    pub async fn start(&self) -> Result<f64, WidgetError> {
        self.ensure_running()?;
        let ready = self
            .running
            .borrow()
            .as_ref()
            .and_then(|r| r.ready.borrow_mut().take());
        match ready {
            Some(rx) => {
                let json = rx
                    .await
                    .map_err(|_| WidgetError::Unexpected("engine worker stopped".into()))??;
                Ok(json.parse().unwrap_or(0.0))
            }
            None => Ok(0.0),
        }
    }

    /// Verifies and loads an extract in the worker. The bytes are copied to
    /// the worker and kept here.
    pub async fn load(
        &self,
        request: &LoadRequest,
        buffers: Vec<Uint8Array>,
    ) -> Result<LoadReport, WidgetError> {
        let request_json =
            serde_json::to_string(request).map_err(|e| WidgetError::Unexpected(e.to_string()))?;
        let json = self.call_load(&request_json, &buffers).await?;
        *self.loaded.borrow_mut() = Some((request_json, buffers));
        serde_json::from_str(&json).map_err(|e| WidgetError::Unexpected(e.to_string()))
    }

    /// Runs guarded SQL in the worker. After the query timeout the worker
    /// is replaced (reloaded from the kept bytes) and the query fails.
    pub async fn query(&self, sql: &str, limit: u32) -> Result<QueryResult, WidgetError> {
        let timeout_ms = self.query_timeout_ms;
        let message = Object::new();
        set(&message, "kind", &"query".into())?;
        set(&message, "sql", &sql.into())?;
        set(&message, "limit", &limit.into())?;
        let reply = self.call(message);
        let timer = sleep(timeout_ms);
        futures::pin_mut!(reply);
        futures::pin_mut!(timer);
        let json = match select(reply, timer).await {
            Either::Left((reply, _)) => reply,
            Either::Right(_) => {
                self.restart().await?;
                return Err(WidgetError::Engine {
                    code: "query_timeout".into(),
                    message: format!(
                        "the query ran longer than {:.1} s and was stopped",
                        f64::from(timeout_ms) / 1000.0
                    ),
                });
            }
        };
        match json {
            Ok(json) => {
                serde_json::from_str(&json).map_err(|e| WidgetError::Unexpected(e.to_string()))
            }
            Err(err) if crashed(&err) => {
                // The instance is gone: bring a fresh one back with the same data.
                self.restart().await?;
                Err(err)
            }
            Err(err) => Err(err),
        }
    }

    /// Stops the worker; the next call starts a new one.
    pub fn terminate(&self) {
        if let Some(running) = self.running.borrow_mut().take() {
            running.worker.terminate();
            for (_, tx) in running.pending.borrow_mut().drain() {
                let _ = tx.send(Err(WidgetError::Engine {
                    code: "engine_stopped".into(),
                    message: "the engine was stopped".into(),
                }));
            }
        }
    }

    async fn restart(&self) -> Result<(), WidgetError> {
        self.terminate();
        self.start().await?;
        let kept = self.loaded.borrow().clone();
        if let Some((request, buffers)) = kept {
            self.call_load(&request, &buffers).await?;
        }
        Ok(())
    }

    async fn call_load(&self, request: &str, buffers: &[Uint8Array]) -> Reply {
        let message = Object::new();
        set(&message, "kind", &"load".into())?;
        set(&message, "request", &request.into())?;
        let list: Array = buffers.iter().collect();
        set(&message, "buffers", &list)?;
        let reply = self.call(message).await;
        if let Err(err) = &reply {
            if crashed(err) {
                self.terminate();
            }
        }
        reply
    }

    async fn call(&self, message: Object) -> Reply {
        self.ensure_running()?;
        let id = {
            let mut next = self.next_id.borrow_mut();
            *next += 1;
            *next
        };
        set(&message, "id", &id.into())?;
        let (tx, rx) = oneshot::channel();
        {
            let running = self.running.borrow();
            let running = running
                .as_ref()
                .ok_or_else(|| WidgetError::Unexpected("engine worker missing".into()))?;
            running.pending.borrow_mut().insert(id, tx);
            running.worker.post_message(&message).js_err()?;
        }
        rx.await
            .map_err(|_| WidgetError::Unexpected("engine worker stopped".into()))?
    }

    fn ensure_running(&self) -> Result<(), WidgetError> {
        if self.running.borrow().is_some() {
            return Ok(());
        }
        let worker = spawn_module_worker(&self.script_url)?;
        let pending: Rc<RefCell<HashMap<u32, oneshot::Sender<Reply>>>> = Rc::default();
        let (ready_tx, ready_rx) = oneshot::channel::<Reply>();
        let ready_tx = Rc::new(RefCell::new(Some(ready_tx)));
        let on_message = {
            let pending = pending.clone();
            let ready_tx = ready_tx.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let data = event.data();
                let field = |name: &str| Reflect::get(&data, &name.into()).unwrap_or_default();
                let kind = field("kind").as_string().unwrap_or_default();
                let json = field("json").as_string().unwrap_or_default();
                match kind.as_str() {
                    "ready" => {
                        let ms = field("startup_ms").as_f64().unwrap_or(0.0);
                        if let Some(tx) = ready_tx.borrow_mut().take() {
                            let _ = tx.send(Ok(ms.to_string()));
                        }
                    }
                    "fatal" => {
                        if let Some(tx) = ready_tx.borrow_mut().take() {
                            let _ = tx.send(Err(WidgetError::from_wire(&json)));
                        }
                    }
                    _ => {
                        let id = field("id").as_f64().unwrap_or(0.0) as u32;
                        if let Some(tx) = pending.borrow_mut().remove(&id) {
                            let reply = if kind == "ok" {
                                Ok(json)
                            } else {
                                Err(WidgetError::from_wire(&json))
                            };
                            let _ = tx.send(reply);
                        }
                    }
                }
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // A worker script that cannot load (network, CSP) only fires `error`:
        // without this the widget would wait for `ready` forever.
        let on_error = {
            let pending = pending.clone();
            let ready_tx = ready_tx.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                event.prevent_default();
                let failure = || WidgetError::Engine {
                    code: "engine_start_failed".into(),
                    message: "the engine could not be loaded".into(),
                };
                if let Some(tx) = ready_tx.borrow_mut().take() {
                    let _ = tx.send(Err(failure()));
                }
                for (_, tx) in pending.borrow_mut().drain() {
                    let _ = tx.send(Err(failure()));
                }
            })
        };
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        *self.running.borrow_mut() = Some(Running {
            worker,
            pending,
            ready: Rc::new(RefCell::new(Some(ready_rx))),
            _on_message: on_message,
            _on_error: on_error,
        });
        Ok(())
    }
}

fn crashed(err: &WidgetError) -> bool {
    matches!(err.code(), "engine_crashed" | "engine_out_of_memory")
}

fn set(target: &Object, key: &str, value: &JsValue) -> Result<(), WidgetError> {
    Reflect::set(target, &key.into(), value)
        .js_err()
        .map(|_| ())
}

/// Starts a module worker. A worker must come from the page's origin, so a
/// script on another origin (the widget embedded by script tag) is started
/// through a same-origin blob that imports it.
fn spawn_module_worker(script_url: &str) -> Result<Worker, WidgetError> {
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let window = web_sys::window().ok_or_else(|| WidgetError::Unexpected("no window".into()))?;
    let page_origin = window.location().origin().js_err()?;
    let absolute = Url::new_with_base(script_url, &window.location().href().js_err()?).js_err()?;
    if absolute.origin() == page_origin {
        return Worker::new_with_options(&absolute.href(), &options).js_err();
    }
    let source = format!("import {:?};", absolute.href());
    let parts = Array::of1(&JsValue::from_str(&source));
    let bag = BlobPropertyBag::new();
    bag.set_type("text/javascript");
    let blob = Blob::new_with_str_sequence_and_options(&parts, &bag).js_err()?;
    let url = Url::create_object_url_with_blob(&blob).js_err()?;
    Worker::new_with_options(&url, &options).js_err()
}

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ =
                window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
