//! Runtime settings of the HTTP API (the CLI fills them from flags, env, TOML).

use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDate;
use serde::Deserialize;
use slicewise_core::Catalog;

use crate::tier::Tier;

/// Ask quotas per tier (`None` means unlimited), feedback limits per user
/// and how many answers a user may save.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Quotas {
    pub free_daily: Option<u64>,
    pub pro_daily: Option<u64>,
    pub enterprise_daily: Option<u64>,
    /// Asks per clock minute for any tier.
    pub burst_per_minute: u64,
    /// Feedback messages per user and clock minute.
    pub feedback_per_minute: u64,
    /// Feedback messages per user and UTC day; `None` means unlimited.
    pub feedback_daily: Option<u64>,
    /// Saved answers one user may keep (shared ones included).
    pub saved_per_user: u64,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas {
            free_daily: Some(50),
            pro_daily: Some(1_000),
            enterprise_daily: None,
            burst_per_minute: 30,
            feedback_per_minute: 10,
            feedback_daily: Some(500),
            saved_per_user: 200,
        }
    }
}

impl Quotas {
    /// Daily limit of a tier.
    pub fn daily(&self, tier: Tier) -> Option<u64> {
        match tier {
            Tier::Free => self.free_daily,
            Tier::Pro => self.pro_daily,
            Tier::Enterprise => self.enterprise_daily,
        }
    }
}

/// Which translator answers questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TranslatorKind {
    /// The core crate's translator: no key, no network.
    #[default]
    Builtin,
    /// An OpenAI-compatible backend, the built-in one as fallback.
    Llm,
}

/// An OpenAI-compatible chat-completions backend.
#[derive(Clone, PartialEq, Eq)]
pub struct LlmConfig {
    /// Base URL; requests go to `{base_url}/v1/chat/completions`.
    pub base_url: String,
    pub model: String,
    pub api_key: Option<String>,
    /// Longest wait for one completion.
    pub timeout: Duration,
}

impl std::fmt::Debug for LlmConfig {
    // The key stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmConfig")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// How long a build waits for a slot unless told otherwise.
pub const DEFAULT_EXTRACT_BUILD_WAIT: Duration = Duration::from_secs(10);

/// Builds at once unless told otherwise: one per CPU.
pub fn default_max_extract_builds() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

/// Settings of the router.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Enables `POST /api/v1/demo/token` (tokens without an admin key).
    pub demo: bool,
    /// Origins allowed by CORS; empty means same-origin only.
    pub allowed_origins: Vec<String>,
    /// Folder served at `/`.
    pub static_dir: PathBuf,
    pub quotas: Quotas,
    /// "Today" for relative periods; the server's UTC date when `None`.
    pub today: Option<NaiveDate>,
    /// How long a built extract stays in memory.
    pub extract_ttl: Duration,
    /// Extract builds at once, server-wide (they are CPU and memory heavy).
    pub max_extract_builds: usize,
    /// Longest a build waits for a slot before `builds_busy`.
    pub extract_build_wait: Duration,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Which translator answers; `Llm` needs `llm`.
    pub translator: TranslatorKind,
    /// The LLM backend, when `translator` is `Llm`.
    pub llm: Option<LlmConfig>,
    /// The vendor's catalog: every extract, answer and check follows it.
    pub catalog: Catalog,
    /// The tier of a tenant when neither its token nor the registry says.
    pub default_tier: Tier,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            demo: false,
            allowed_origins: Vec::new(),
            static_dir: PathBuf::from("dist"),
            quotas: Quotas::default(),
            today: None,
            extract_ttl: Duration::from_secs(600),
            max_extract_builds: default_max_extract_builds(),
            extract_build_wait: DEFAULT_EXTRACT_BUILD_WAIT,
            max_body_bytes: 64 * 1024,
            translator: TranslatorKind::Builtin,
            llm: None,
            // The retail example, so tests and `--demo` need no file.
            catalog: Catalog::demo(),
            default_tier: Tier::Free,
        }
    }
}
