//! The widget's errors: a stable code for the host, a message for people.

use wasm_bindgen::JsValue;

/// What went wrong, as the widget shows it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WidgetError {
    /// The server answered with an error body.
    #[error("{message}")]
    Api {
        status: u16,
        code: String,
        message: String,
        retry_after: Option<u64>,
    },
    /// The server could not be reached.
    #[error("the server cannot be reached: {0}")]
    Offline(String),
    /// The engine refused or failed (guard, signature, tamper, limits).
    #[error("{message}")]
    Engine { code: String, message: String },
    /// Something the widget did not expect; the detail is in the console.
    #[error("unexpected: {0}")]
    Unexpected(String),
}

impl WidgetError {
    /// The stable machine code (`token_expired`, `extract_tampered`, ...).
    pub fn code(&self) -> &str {
        match self {
            WidgetError::Api { code, .. } | WidgetError::Engine { code, .. } => code,
            WidgetError::Offline(_) => "offline",
            WidgetError::Unexpected(_) => "unexpected",
        }
    }

    /// An engine error from the worker's `{code, message}` JSON text.
    pub fn from_wire(json: &str) -> WidgetError {
        match serde_json::from_str::<slicewise_engine::protocol::WireError>(json) {
            Ok(w) => WidgetError::Engine {
                code: w.code,
                message: w.message,
            },
            Err(_) => WidgetError::Unexpected(json.to_string()),
        }
    }
}

/// Turns JS exceptions into typed errors once, at the boundary.
pub trait JsResultExt<T> {
    /// Maps a JS error to `WidgetError::Unexpected` with its text.
    fn js_err(self) -> Result<T, WidgetError>;
}

impl<T> JsResultExt<T> for Result<T, JsValue> {
    fn js_err(self) -> Result<T, WidgetError> {
        self.map_err(|e| WidgetError::Unexpected(js_text(&e)))
    }
}

/// A readable text for any JS value (Error objects included).
pub fn js_text(value: &JsValue) -> String {
    if let Some(s) = value.as_string() {
        return s;
    }
    js_sys::Reflect::get(value, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}
