//! The widget's HTTP calls. Each request carries the question text, ids and
//! the token; never rows, cell values or results (invariant 1).

use js_sys::Uint8Array;
use serde::de::DeserializeOwned;
use serde::Serialize;
use slicewise_core::wire::{
    AskRequest, AskResponse, ErrorBody, FeedbackRequest, KeySet, SavedAnswer, SavedAnswerCreate,
    SavedAnswerList, SavedAnswerPatch,
};
use slicewise_core::SignedManifest;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStreamDefaultReader, Request, RequestInit, Response};

use crate::error::{js_text, JsResultExt, WidgetError};

/// The Slicewise server as seen from the widget, with one embed token.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// Server origin, without a trailing slash ("" for the page's own).
    pub base: String,
    pub token: String,
}

impl Api {
    /// Absolute or page-relative URL of a server path.
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}{}", self.base, path)
        }
    }

    /// The published manifest-signing keys.
    pub async fn keys(&self) -> Result<KeySet, WidgetError> {
        let text = self.send("GET", "/api/v1/keys", None, false).await?;
        parse(&text)
    }

    /// The demo server's tenants (`--demo` only): ids, never data.
    pub async fn demo_tenants(&self) -> Result<Vec<String>, WidgetError> {
        #[derive(serde::Deserialize)]
        struct Tenants {
            tenants: Vec<String>,
        }
        let text = self
            .send("GET", "/api/v1/demo/tenants", None, false)
            .await?;
        parse::<Tenants>(&text).map(|t| t.tenants)
    }

    /// The tenant's catalog, as JSON text (hashed by the engine).
    pub async fn catalog(&self) -> Result<String, WidgetError> {
        self.send("GET", "/api/v1/catalog", None, true).await
    }

    /// The tenant's signed extract manifest.
    pub async fn manifest(&self) -> Result<SignedManifest, WidgetError> {
        let text = self
            .send("GET", "/api/v1/extract/manifest", None, true)
            .await?;
        parse(&text)
    }

    /// Asks a question: only its text (and the previous question's) is sent.
    pub async fn ask(&self, request: &AskRequest) -> Result<AskResponse, WidgetError> {
        self.post_json("/api/v1/ask", request, true).await
    }

    /// POSTs a JSON body and reads a JSON answer.
    pub async fn post_json<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        request: &B,
        bearer: bool,
    ) -> Result<T, WidgetError> {
        let text = self
            .send("POST", path, Some(&body(request)?), bearer)
            .await?;
        parse(&text)
    }

    /// Sends a verdict on an answer, by its id.
    pub async fn feedback(&self, request: &FeedbackRequest) -> Result<(), WidgetError> {
        self.send("POST", "/api/v1/feedback", Some(&body(request)?), true)
            .await
            .map(|_| ())
    }

    /// The user's saved answers and its tenant's shared ones, in dashboard order.
    pub async fn saved(&self) -> Result<SavedAnswerList, WidgetError> {
        let text = self.send("GET", "/api/v1/saved", None, true).await?;
        parse(&text)
    }

    /// Saves an answer's definition (title, question, SQL, chart): never its rows.
    pub async fn save(&self, request: &SavedAnswerCreate) -> Result<SavedAnswer, WidgetError> {
        self.post_json("/api/v1/saved", request, true).await
    }

    /// Renames, moves, pins or unpins a saved answer the user owns.
    pub async fn change_saved(
        &self,
        id: &str,
        patch: &SavedAnswerPatch,
    ) -> Result<SavedAnswer, WidgetError> {
        let text = self
            .send("PATCH", &saved_path(id), Some(&body(patch)?), true)
            .await?;
        parse(&text)
    }

    /// Deletes a saved answer the user owns.
    pub async fn delete_saved(&self, id: &str) -> Result<(), WidgetError> {
        self.send("DELETE", &saved_path(id), None, true)
            .await
            .map(|_| ())
    }

    /// Downloads a table's bytes, reporting bytes received as they arrive.
    pub async fn download(
        &self,
        path: &str,
        mut progress: impl FnMut(u64),
    ) -> Result<Uint8Array, WidgetError> {
        let response = self.fetch("GET", path, None, false).await?;
        let body = response
            .body()
            .ok_or_else(|| WidgetError::Unexpected("empty response body".into()))?;
        let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
        let mut chunks: Vec<Uint8Array> = Vec::new();
        let mut received: u64 = 0;
        loop {
            let step = JsFuture::from(reader.read())
                .await
                .map_err(|e| WidgetError::Offline(js_text(&e)))?;
            let done = js_sys::Reflect::get(&step, &"done".into())
                .js_err()?
                .as_bool()
                .unwrap_or(true);
            if done {
                break;
            }
            let chunk: Uint8Array = js_sys::Reflect::get(&step, &"value".into())
                .js_err()?
                .unchecked_into();
            received += u64::from(chunk.length());
            progress(received);
            chunks.push(chunk);
        }
        // One contiguous buffer, as the engine reads it.
        let all = Uint8Array::new_with_length(received as u32);
        let mut offset = 0;
        for chunk in chunks {
            all.set(&chunk, offset);
            offset += chunk.length();
        }
        Ok(all)
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        bearer: bool,
    ) -> Result<String, WidgetError> {
        let response = self.fetch(method, path, body, bearer).await?;
        let text = JsFuture::from(response.text().js_err()?)
            .await
            .map_err(|e| WidgetError::Offline(js_text(&e)))?;
        Ok(text.as_string().unwrap_or_default())
    }

    async fn fetch(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        bearer: bool,
    ) -> Result<Response, WidgetError> {
        let init = RequestInit::new();
        init.set_method(method);
        if let Some(body) = body {
            init.set_body(&JsValue::from_str(body));
        }
        let request = Request::new_with_str_and_init(&self.url(path), &init).js_err()?;
        let headers = request.headers();
        if body.is_some() {
            headers.set("Content-Type", "application/json").js_err()?;
        }
        if bearer {
            headers
                .set("Authorization", &format!("Bearer {}", self.token))
                .js_err()?;
        }
        let window =
            web_sys::window().ok_or_else(|| WidgetError::Unexpected("no window".into()))?;
        let response: Response = JsFuture::from(window.fetch_with_request(&request))
            .await
            .map_err(|e| WidgetError::Offline(js_text(&e)))?
            .unchecked_into();
        if response.ok() {
            return Ok(response);
        }
        let status = response.status();
        let retry_after = response
            .headers()
            .get("Retry-After")
            .ok()
            .flatten()
            .and_then(|v| v.parse().ok());
        let text = JsFuture::from(response.text().js_err()?)
            .await
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_default();
        Err(match serde_json::from_str::<ErrorBody>(&text) {
            Ok(body) => WidgetError::Api {
                status,
                code: body.error.code,
                message: body.error.message,
                retry_after: body.error.retry_after.or(retry_after),
            },
            Err(_) => WidgetError::Api {
                status,
                code: format!("http_{status}"),
                message: format!("the server answered {status}"),
                retry_after,
            },
        })
    }
}

/// One saved answer's path; the id (a UUID from the server) is escaped all
/// the same, so no id can reach another path.
fn saved_path(id: &str) -> String {
    format!(
        "/api/v1/saved/{}",
        String::from(js_sys::encode_uri_component(id))
    )
}

fn body<T: Serialize>(value: &T) -> Result<String, WidgetError> {
    serde_json::to_string(value).map_err(|e| WidgetError::Unexpected(e.to_string()))
}

fn parse<T: DeserializeOwned>(text: &str) -> Result<T, WidgetError> {
    serde_json::from_str(text)
        .map_err(|e| WidgetError::Unexpected(format!("unreadable answer from the server: {e}")))
}
