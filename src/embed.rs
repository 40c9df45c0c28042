//! The widget's JS API for host pages. `widget.js` (the loader) imports the
//! widget's module and calls `mountWidget(container, options)` for each
//! `<slicewise-widget>` element or `Slicewise.mount` call; the container
//! lives in a shadow root the loader made, so host CSS stays out.

use leptos::prelude::*;
use slicewise_core::wire::Privacy;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::i18n::Locale;
use crate::token::{TokenProvider, TokenSource};
use crate::widget::{Widget, WidgetOptions, QUERY_TIMEOUT_MS};

/// A mounted widget; `unmount()` removes it and stops its engine.
#[wasm_bindgen]
pub struct WidgetHandle {
    mounted: Option<Box<dyn std::any::Any>>,
}

#[wasm_bindgen]
impl WidgetHandle {
    /// Removes the widget from the page.
    pub fn unmount(&mut self) {
        self.mounted.take();
    }
}

/// Mounts a widget into `container` with options from the host:
/// `{server, getToken | token | demoTenant, locale, theme, refreshSeconds,
/// queryTimeoutSeconds, persist}`.
#[wasm_bindgen(js_name = mountWidget)]
pub fn mount_widget(
    container: web_sys::HtmlElement,
    options: JsValue,
) -> Result<WidgetHandle, JsValue> {
    let options = widget_options(&options)?;
    let handle = leptos::mount::mount_to(container, move || view! { <Widget options=options/> });
    Ok(WidgetHandle {
        mounted: Some(Box::new(handle)),
    })
}

fn text(options: &JsValue, key: &str) -> Option<String> {
    js_sys::Reflect::get(options, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_string())
        .filter(|v| !v.is_empty())
}

/// A number option, given as a number or as text (from an attribute).
fn number(options: &JsValue, key: &str) -> Option<f64> {
    js_sys::Reflect::get(options, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_f64().or_else(|| v.as_string()?.trim().parse().ok()))
}

/// A yes/no option: `true`, or text from an attribute (present and not
/// "false": `<slicewise-widget persist>` gives "").
fn flag(options: &JsValue, key: &str) -> bool {
    let value = js_sys::Reflect::get(options, &JsValue::from_str(key)).unwrap_or_default();
    value.as_bool().unwrap_or_else(|| {
        value
            .as_string()
            .is_some_and(|v| !matches!(v.trim(), "false" | "0" | "off"))
    })
}

/// Reads the host's options object; a missing token source is an error the
/// host sees at once, as an exception from `mount`.
fn widget_options(options: &JsValue) -> Result<WidgetOptions, JsValue> {
    let get_token = js_sys::Reflect::get(options, &JsValue::from_str("getToken"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let token = if let Some(f) = get_token {
        TokenSource::Provider(TokenProvider(f))
    } else if let Some(token) = text(options, "token") {
        TokenSource::Fixed(token)
    } else if let Some(tenant) = text(options, "demoTenant") {
        TokenSource::Demo {
            tenant,
            privacy: text(options, "privacy")
                .and_then(|p| Privacy::parse(&p))
                .unwrap_or_default(),
        }
    } else {
        return Err(js_sys::Error::new("Slicewise: options need getToken (or token)").into());
    };
    let locale = text(options, "locale")
        .or_else(|| web_sys::window().and_then(|w| w.navigator().language()))
        .map(|l| Locale::from_tag(&l))
        .unwrap_or_default();
    Ok(WidgetOptions {
        server: text(options, "server")
            .map(|s| s.trim_end_matches('/').to_string())
            .unwrap_or_default(),
        token,
        locale,
        theme: text(options, "theme"),
        refresh_seconds: number(options, "refreshSeconds")
            .filter(|s| s.is_finite() && *s >= 1.0)
            .map(|s| s.min(f64::from(u32::MAX)) as u32),
        query_timeout_ms: number(options, "queryTimeoutSeconds")
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(|s| (s * 1000.0).clamp(1.0, 600_000.0) as u32)
            .unwrap_or(QUERY_TIMEOUT_MS),
        persist: flag(options, "persist"),
    })
}
