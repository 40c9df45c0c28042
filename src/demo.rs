//! The standalone demo page: pick a tenant and a privacy level, and the
//! widget loads that tenant's extract, so isolation is visible.

use leptos::prelude::*;
use slicewise_core::wire::Privacy;

use leptos::task::spawn_local;

use crate::api::Api;
use crate::i18n::Locale;
use crate::token::TokenSource;
use crate::widget::{Widget, WidgetOptions};

/// The demo page's body. `persist`: keep verified tables in the browser
/// for the next visit.
#[component]
pub fn Demo(tenant: String, locale: Locale, persist: bool) -> impl IntoView {
    // The picker lists the server's demo tenants once they arrive; until
    // then (or on a server without a registry) only the page's own.
    let tenants = RwSignal::new(vec![tenant.clone()]);
    let tenant = RwSignal::new(tenant);
    let privacy = RwSignal::new(Privacy::Standard);
    spawn_local(async move {
        let api = Api {
            base: String::new(),
            token: String::new(),
        };
        if let Ok(listed) = api.demo_tenants().await {
            if !listed.is_empty() {
                if !listed.contains(&tenant.get_untracked()) {
                    tenant.set(listed[0].clone());
                }
                tenants.set(listed);
            }
        }
    });
    view! {
        <div class="sw-demo">
            <div class="sw-demo-controls">
                <label>
                    "Tenant "
                    <select id="sw-tenant" on:change=move |ev| tenant.set(event_target_value(&ev))
                        prop:value=move || tenant.get()>
                        {move || tenants
                            .get()
                            .into_iter()
                            .map(|t| {
                                let (value, label, id) = (t.clone(), t.clone(), t);
                                view! { <option value=value selected=move || tenant.get() == id>{label}</option> }
                            })
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
                        <option value="gdpr">"gdpr (consenting people only)"</option>
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
                    persist,
                };
                view! { <Widget options=options/> }
            }}
        </div>
    }
}
