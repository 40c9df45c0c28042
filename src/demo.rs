//! The standalone demo page: pick a tenant and a privacy level, and the
//! widget loads that tenant's extract, so isolation is visible.

use leptos::prelude::*;
use slicewise_core::wire::Privacy;

use crate::i18n::Locale;
use crate::token::TokenSource;
use crate::widget::{Widget, WidgetOptions};

/// The demo dataset's tenants (`slicewise seed-demo`).
pub const DEMO_TENANTS: &[&str] = &[
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "stark",
    "wayne",
    "wonka",
    "tyrell",
    "cyberdyne",
    "soylent",
    "oscorp",
];

/// The demo page's body.
#[component]
pub fn Demo(tenant: String, locale: Locale) -> impl IntoView {
    let tenant = RwSignal::new(tenant);
    let privacy = RwSignal::new(Privacy::Standard);
    view! {
        <div class="sw-demo">
            <div class="sw-demo-controls">
                <label>
                    "Tenant "
                    <select id="sw-tenant" on:change=move |ev| tenant.set(event_target_value(&ev))
                        prop:value=move || tenant.get()>
                        {DEMO_TENANTS
                            .iter()
                            .map(|t| view! { <option value=*t selected=move || tenant.get() == *t>{*t}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    "Privacy "
                    <select id="sw-privacy" on:change=move |ev| {
                        privacy.set(Privacy::parse(&event_target_value(&ev)).unwrap_or_default())
                    }>
                        <option value="standard">"standard"</option>
                        <option value="high">"high (pseudonymised)"</option>
                        <option value="gdpr">"gdpr (consenting customers only)"</option>
                    </select>
                </label>
            </div>
            {move || {
                let options = WidgetOptions {
                    server: String::new(),
                    token: TokenSource::Demo {
                        tenant: tenant.get(),
                        privacy: privacy.get(),
                    },
                    locale,
                    theme: None,
                    refresh_seconds: None,
                    query_timeout_ms: crate::widget::QUERY_TIMEOUT_MS,
                };
                view! { <Widget options=options/> }
            }}
        </div>
    }
}
