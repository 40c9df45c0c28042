//! Slicewise widget: "ask your data" inside a host page, answered in the
//! browser on the tenant's own verified extract.
//!
//! `main.rs` only installs the panic hook and mounts; components live here so
//! browser tests can mount them.

pub mod answer;
pub mod api;
pub mod chart;
pub mod columns;
pub mod dashboard;
pub mod demo;
pub mod embed;
pub mod engine_client;
pub mod error;
pub mod export;
pub mod extract_tables;
pub mod format;
pub mod i18n;
pub mod icon;
pub mod insight;
pub mod saved;
pub mod table_store;
pub mod token;
pub mod widget;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::i18n::Locale;

/// Mounts the demo into `#slicewise-demo` when the page has one.
pub fn mount_page() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Some(root) = document.get_element_by_id("slicewise-demo") {
        let locale = root
            .get_attribute("data-locale")
            .or_else(browser_language)
            .map(|l| Locale::from_tag(&l))
            .unwrap_or_default();
        let tenant = root
            .get_attribute("data-tenant")
            .unwrap_or_else(|| "acme".to_string());
        // The demo keeps verified tables for the next visit unless the page
        // says `data-persist="false"`.
        let persist = root.get_attribute("data-persist").as_deref() != Some("false");
        if let Ok(root) = root.dyn_into::<web_sys::HtmlElement>() {
            leptos::mount::mount_to(
                root,
                move || view! { <demo::Demo tenant=tenant locale=locale persist=persist/> },
            )
            .forget();
        }
    }
}

fn browser_language() -> Option<String> {
    web_sys::window().and_then(|w| w.navigator().language())
}
