//! `POST /api/v1/ask` and what surrounds it: answer cache, quotas, audit,
//! feedback and the admin reports.
//!
//! The server receives a question and returns SQL for the browser to run on
//! its own extract; it never sees a row. Every SQL passes the guard here too.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use slicewise_core::translate::{
    starter_questions, translate, TranslateContext, Translation, TRANSLATOR_VERSION,
};
use slicewise_core::wire::{
    AskBatchRequest, AskRequest, AskResponse, AskStatus, FeedbackRequest, Privacy, TranslatorEngine,
};

use crate::auth::{Admin, Caller};
use crate::error::AppError;
use crate::json_body::JsonBody;
use crate::llm::{LlmAnswer, LlmTranslator};
use crate::params::QueryParams;
use crate::state::AppState;
use crate::store::{AuditFilter, AuditRecord, Feedback, RateLimit, RateWindows, Reservation};

/// Longest question accepted, in characters.
pub const MAX_QUESTION_CHARS: usize = 1_000;
/// Most questions in one batch.
pub const MAX_BATCH: usize = 50;
/// Most answers kept in memory before the cache starts over.
const MAX_CACHED_ANSWERS: usize = 10_000;

/// A translated answer with what its SQL reads, minus the per-ask id.
#[derive(Debug, Clone)]
pub struct CachedAnswer {
    pub response: AskResponse,
    pub tables: Vec<String>,
    pub columns: Vec<String>,
}

/// Answers keyed by the digest of an [`AnswerKey`].
pub type AnswerCache = Mutex<HashMap<[u8; 32], CachedAnswer>>;

/// Lower case, single spaces, no trailing punctuation.
pub fn normalise_question(q: &str) -> String {
    q.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .trim_end_matches(['?', '.', '!', ' '])
        .to_string()
}

/// What an answer depends on, and whom it may be shown to: one tenant's
/// user at one privacy level (so `cached: true` says nothing about what a
/// colleague asked). "Today" is part of it: "last month" asked tomorrow is
/// another question, so an answer resolved against one date is never served
/// on the next (answers that do not depend on the date are translated again
/// once a day, which costs microseconds).
#[derive(Debug, Clone, Serialize)]
pub struct AnswerKey<'a> {
    pub tenant: &'a str,
    pub sub: &'a str,
    pub privacy: Privacy,
    pub schema_hash: &'a str,
    pub translator_version: &'a str,
    /// The LLM's model, when the LLM translator answers.
    pub llm_model: Option<&'a str>,
    pub today: chrono::NaiveDate,
    pub question: String,
    pub previous: Option<String>,
}

impl AnswerKey<'_> {
    /// SHA-256 of the key serialised as JSON: every field is delimited and
    /// escaped, so no two keys share a digest through a separator in a question.
    pub fn digest(&self) -> [u8; 32] {
        let json = serde_json::to_vec(self).unwrap_or_default();
        Sha256::digest(&json).into()
    }
}

fn check_question(q: &str, what: &str) -> Result<(), AppError> {
    if q.trim().is_empty() {
        return Err(AppError::bad_request(
            "question_invalid",
            format!("The {what} is empty."),
        ));
    }
    if q.chars().count() > MAX_QUESTION_CHARS {
        return Err(AppError::bad_request(
            "question_invalid",
            format!("The {what} is longer than {MAX_QUESTION_CHARS} characters."),
        ));
    }
    Ok(())
}

fn today(state: &AppState) -> chrono::NaiveDate {
    state
        .config()
        .today
        .unwrap_or_else(|| chrono::Utc::now().date_naive())
}

/// Translates and guards one question (no cache, no quota).
pub fn translate_guarded(state: &AppState, question: &str, previous: Option<&str>) -> CachedAnswer {
    let ctx = TranslateContext {
        today: today(state),
    };
    let base = AskResponse::empty(TranslatorEngine::Builtin);
    match translate(question, previous, state.catalog(), &ctx) {
        Translation::Answer(a) => match guard_all(state, &a) {
            Ok(g) => CachedAnswer {
                response: AskResponse {
                    status: AskStatus::Answered,
                    sql: Some(a.sql),
                    interpretation: Some(a.interpretation),
                    chart: Some(a.chart),
                    suggestions: a.suggestions,
                    as_of: a.as_of.map(|d| d.to_string()),
                    follows: a.follows,
                    compared: a.compared.map(|(c, o)| [c, o]),
                    names: a.names,
                    ..base
                },
                tables: g.tables,
                columns: g.columns,
            },
            Err(e) => {
                tracing::warn!(code = e.code(), error = %e, question, "translator SQL refused by the guard");
                CachedAnswer {
                    response: AskResponse {
                        reason: Some("I couldn't write a safe query for that question.".into()),
                        suggestions: starter_questions(state.catalog()),
                        ..base
                    },
                    tables: Vec::new(),
                    columns: Vec::new(),
                }
            }
        },
        Translation::Clarify { reason, options } => CachedAnswer {
            response: AskResponse {
                status: AskStatus::Clarify,
                reason: Some(reason),
                options,
                ..base
            },
            tables: Vec::new(),
            columns: Vec::new(),
        },
        Translation::Unsupported {
            reason,
            suggestions,
        } => CachedAnswer {
            response: AskResponse {
                reason: Some(reason),
                suggestions,
                ..base
            },
            tables: Vec::new(),
            columns: Vec::new(),
        },
    }
}

/// The guard over every SQL an answer may have the browser run: its own,
/// and for a typed name each kind's count and reading. What they read,
/// together.
fn guard_all(
    state: &AppState,
    a: &slicewise_core::translate::Answer,
) -> Result<slicewise_core::guard::GuardedSql, slicewise_core::guard::GuardError> {
    let mut all = state.guard().check(&a.sql)?;
    for c in a.names.iter().flat_map(|n| &n.candidates) {
        for sql in [&c.check_sql, &c.sql] {
            let g = state.guard().check(sql)?;
            for t in g.tables {
                if !all.tables.contains(&t) {
                    all.tables.push(t);
                }
            }
            for col in g.columns {
                if !all.columns.contains(&col) {
                    all.columns.push(col);
                }
            }
        }
    }
    all.tables.sort();
    all.columns.sort();
    Ok(all)
}

fn status_name(s: AskStatus) -> &'static str {
    match s {
        AskStatus::Answered => "answered",
        AskStatus::Clarify => "clarify",
        AskStatus::Unsupported => "unsupported",
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The scope of ask quotas in the state database (subject: the tenant).
pub const ASK_SCOPE: &str = "ask";
/// The scope of feedback limits (subject: the tenant and user).
pub const FEEDBACK_SCOPE: &str = "feedback";

/// What an ask's reservation allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AskGrant {
    /// Within every limit.
    Full,
    /// Past the daily quota with the LLM on: the built-in translator answers.
    BuiltinOnly,
}

/// The metrics' name of a refused reservation's full window.
fn full_window_name(full: Reservation) -> &'static str {
    match full {
        Reservation::DayFull => "day",
        _ => "minute",
    }
}

/// The 429 of a full window, with the seconds until it ends.
fn quota_error(
    full: Reservation,
    windows: RateWindows,
    now: i64,
    limit: RateLimit,
    what: &str,
) -> AppError {
    let (message, ends) = match full {
        Reservation::DayFull => (
            format!(
                "The limit of {} {what} a day is reached; it resets at midnight UTC.",
                limit.per_day.unwrap_or_default()
            ),
            windows.day_start + 86_400_000,
        ),
        _ => (
            format!(
                "Too many {what} at once (at most {} a minute); try again in a minute.",
                limit.per_minute
            ),
            windows.minute_start + 60_000,
        ),
    };
    AppError::Quota {
        message,
        retry_after: ((ends - now).max(0) as u64).div_ceil(1000).max(1),
    }
}

/// Reserves one ask of the caller's tenant in the state database, before
/// any work: the burst limit per clock minute and the tier's daily quota,
/// both or neither. With the LLM translator on, the daily quota is the AI
/// quota: past it the ask is still granted (within the burst limit) and the
/// built-in translator answers. A refusal is counted, not written as a row.
async fn reserve_ask(
    state: &AppState,
    caller: &Caller,
    now: i64,
    ai: bool,
) -> Result<AskGrant, AppError> {
    let quotas = state.config().quotas;
    let tenant = caller.claims.tenant.as_str();
    let windows = RateWindows::at(now);
    let limit = RateLimit {
        per_minute: quotas.burst_per_minute,
        per_day: quotas.daily(caller.tier),
    };
    let store = state.store();
    let full = match store.reserve(ASK_SCOPE, tenant, windows, limit).await? {
        Reservation::Granted => return Ok(AskGrant::Full),
        Reservation::DayFull if ai => {
            let burst_only = RateLimit {
                per_day: None,
                ..limit
            };
            match store
                .reserve(ASK_SCOPE, tenant, windows, burst_only)
                .await?
            {
                Reservation::Granted => return Ok(AskGrant::BuiltinOnly),
                full => full,
            }
        }
        full => full,
    };
    state
        .metrics()
        .quota_refused(ASK_SCOPE, full_window_name(full));
    store.count_refusal(ASK_SCOPE, tenant, windows).await?;
    Err(quota_error(full, windows, now, limit, "questions"))
}

/// What the user is told when the built-in translator stands in for the LLM.
const FALLBACK_NOTICE: &str =
    "The AI translator was unavailable, so the built-in translator answered.";
const OVER_AI_QUOTA_NOTICE: &str =
    "Your team has used today's AI questions, so the built-in translator answered.";

/// Asks the LLM; on any failure the built-in translator answers with a notice.
pub async fn translate_with_llm(
    state: &AppState,
    llm: &LlmTranslator,
    question: &str,
    previous: Option<&str>,
) -> CachedAnswer {
    let base = AskResponse::empty(TranslatorEngine::Llm);
    match llm
        .translate(question, previous, today(state), state.guard())
        .await
    {
        Ok(LlmAnswer::Answer {
            sql,
            interpretation,
            chart,
            tables,
            columns,
        }) => CachedAnswer {
            response: AskResponse {
                status: AskStatus::Answered,
                sql: Some(sql),
                interpretation: Some(interpretation),
                chart: Some(chart),
                ..base
            },
            tables,
            columns,
        },
        Ok(LlmAnswer::Unsupported { reason }) => CachedAnswer {
            response: AskResponse {
                reason: Some(reason),
                suggestions: starter_questions(state.catalog()),
                ..base
            },
            tables: Vec::new(),
            columns: Vec::new(),
        },
        Err(e) => {
            tracing::warn!(error = %e, question, "LLM translator failed; built-in fallback");
            with_notice(
                translate_guarded(state, question, previous),
                FALLBACK_NOTICE,
            )
        }
    }
}

fn with_notice(mut answer: CachedAnswer, notice: &str) -> CachedAnswer {
    answer.response.notice = Some(notice.to_string());
    answer
}

/// Answers one question for a caller: quota, cache, translate, guard, audit.
///
/// The quota is reserved first, for cache hits too; when the answer cannot
/// be recorded the reservation is given back, so every unit taken is one
/// audited answer.
pub async fn ask_one(
    state: &AppState,
    caller: &Caller,
    question: &str,
    previous: Option<&str>,
) -> Result<AskResponse, AppError> {
    check_question(question, "question")?;
    if let Some(p) = previous {
        check_question(p, "previous question")?;
    }
    let started = Instant::now();
    let now = now_ms();
    let grant = reserve_ask(state, caller, now, state.llm().is_some()).await?;
    let answered = answer_and_audit(state, caller, question, previous, grant, started, now).await;
    if answered.is_err() {
        let tenant = caller.claims.tenant.as_str();
        if let Err(e) = state
            .store()
            .release(ASK_SCOPE, tenant, RateWindows::at(now))
            .await
        {
            tracing::warn!(error = %e, tenant, "could not give back a quota reservation");
        }
    }
    answered
}

/// The answer to a granted ask, from the cache or translated, and its audit row.
async fn answer_and_audit(
    state: &AppState,
    caller: &Caller,
    question: &str,
    previous: Option<&str>,
    grant: AskGrant,
    started: Instant,
    now: i64,
) -> Result<AskResponse, AppError> {
    let llm = state.llm();
    let key = AnswerKey {
        tenant: &caller.claims.tenant,
        sub: &caller.claims.sub,
        privacy: caller.claims.privacy,
        schema_hash: state.schema_hash(),
        translator_version: TRANSLATOR_VERSION,
        // LLM answers are cached apart from the built-in translator's.
        llm_model: llm.map(|l| l.model()),
        today: today(state),
        question: normalise_question(question),
        previous: previous.map(normalise_question),
    }
    .digest();
    let hit = state
        .answers()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
        .cloned();
    let cached = hit.is_some();
    state.metrics().answer_cache(cached);
    let answer = match hit {
        Some(answer) => answer,
        None => {
            let answer = match llm {
                Some(l) if grant == AskGrant::Full => {
                    translate_with_llm(state, l, question, previous).await
                }
                Some(_) => with_notice(
                    translate_guarded(state, question, previous),
                    OVER_AI_QUOTA_NOTICE,
                ),
                None => translate_guarded(state, question, previous),
            };
            // A stand-in answer is not kept: the LLM gets the next ask.
            if answer.response.notice.is_none() {
                let mut cache = state.answers().lock().unwrap_or_else(|e| e.into_inner());
                if cache.len() >= MAX_CACHED_ANSWERS {
                    cache.clear();
                }
                cache.insert(key, answer.clone());
            }
            answer
        }
    };
    let mut response = answer.response;
    response.id = uuid::Uuid::new_v4().to_string();
    response.cached = cached;
    let record = AuditRecord {
        id: response.id.clone(),
        tenant: caller.claims.tenant.clone(),
        sub: caller.claims.sub.clone(),
        question: question.to_string(),
        status: status_name(response.status).into(),
        sql: response.sql.clone(),
        engine: match response.engine {
            TranslatorEngine::Builtin => "builtin",
            TranslatorEngine::Llm => "llm",
        }
        .into(),
        cached,
        counted: true,
        latency_ms: started.elapsed().as_secs_f64() * 1000.0,
        tables: answer.tables.join(","),
        columns: answer.columns.join(","),
        privacy: caller.claims.privacy.as_str().to_string(),
        created_at: now,
    };
    if let Err(e) = state.store().record_audit(record).await {
        state.metrics().audit_write_failed();
        return Err(e.into());
    }
    Ok(response)
}

/// `POST /api/v1/ask`.
pub async fn ask(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<AskRequest>,
) -> Result<Json<AskResponse>, AppError> {
    ask_one(
        &state,
        &caller,
        &req.question,
        req.previous_question.as_deref(),
    )
    .await
    .map(Json)
}

/// One item of a batch answer: an answer or that question's error.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum BatchItem {
    Answer(Box<AskResponse>),
    Error(slicewise_core::wire::ErrorBody),
}

/// `POST /api/v1/ask/batch` answer.
#[derive(Debug, Serialize)]
pub struct BatchResponse {
    pub answers: Vec<BatchItem>,
}

/// `POST /api/v1/ask/batch`: up to 50 questions, answered in order.
pub async fn ask_batch(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<AskBatchRequest>,
) -> Result<Json<BatchResponse>, AppError> {
    if req.questions.is_empty() || req.questions.len() > MAX_BATCH {
        return Err(AppError::bad_request(
            "batch_invalid",
            format!("A batch holds 1 to {MAX_BATCH} questions."),
        ));
    }
    let mut answers = Vec::with_capacity(req.questions.len());
    for q in &req.questions {
        match ask_one(&state, &caller, q, None).await {
            Ok(a) => answers.push(BatchItem::Answer(Box::new(a))),
            Err(e @ (AppError::BadRequest { .. } | AppError::Quota { .. })) => {
                answers.push(BatchItem::Error(e.body()))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(Json(BatchResponse { answers }))
}

/// `POST /api/v1/feedback`: a verdict on one of the tenant's answers.
pub async fn feedback(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(req): JsonBody<FeedbackRequest>,
) -> Result<StatusCode, AppError> {
    if req
        .comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > 2_000)
    {
        return Err(AppError::bad_request(
            "comment_invalid",
            "The comment is longer than 2000 characters.",
        ));
    }
    reserve_feedback(&state, &caller).await?;
    let stored = state
        .store()
        .record_feedback(Feedback {
            id: uuid::Uuid::new_v4().to_string(),
            tenant: caller.claims.tenant.clone(),
            sub: caller.claims.sub.clone(),
            answer_id: req.answer_id,
            helpful: req.helpful,
            comment: req.comment,
            created_at: now_ms(),
        })
        .await?;
    if stored {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::not_found("answer_not_found", "No such answer."))
    }
}

/// Reserves one feedback of the caller (per user, not per tenant: one
/// user's clicks never use up a colleague's).
async fn reserve_feedback(state: &AppState, caller: &Caller) -> Result<(), AppError> {
    let quotas = state.config().quotas;
    let limit = RateLimit {
        per_minute: quotas.feedback_per_minute,
        per_day: quotas.feedback_daily,
    };
    let now = now_ms();
    let windows = RateWindows::at(now);
    let subject = serde_json::to_string(&[&caller.claims.tenant, &caller.claims.sub])
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let store = state.store();
    match store
        .reserve(FEEDBACK_SCOPE, &subject, windows, limit)
        .await?
    {
        Reservation::Granted => Ok(()),
        full => {
            state
                .metrics()
                .quota_refused(FEEDBACK_SCOPE, full_window_name(full));
            store
                .count_refusal(FEEDBACK_SCOPE, &subject, windows)
                .await?;
            Err(quota_error(full, windows, now, limit, "feedback messages"))
        }
    }
}

/// Filters of `GET /api/v1/admin/audit`.
#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    pub tenant: Option<String>,
    pub status: Option<String>,
    /// Unix seconds.
    pub since: Option<i64>,
    pub limit: Option<usize>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// One CSV cell. A cell a spreadsheet would read as a formula (starting
/// with `=`, `+`, `-`, `@`, a tab or a carriage return: a user's question
/// can) gets a leading apostrophe, as OWASP advises, so opening the export
/// never runs it; then it is quoted when it holds a separator.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// `GET /api/v1/admin/audit` (admin key): the audit log as JSON or CSV.
pub async fn admin_audit(
    State(state): State<AppState>,
    _admin: Admin,
    QueryParams(q): QueryParams<AuditQuery>,
) -> Result<Response, AppError> {
    let records = state
        .store()
        .list_audit(AuditFilter {
            tenant: q.tenant,
            status: q.status,
            since: q.since.map(|s| s * 1000),
            limit: q.limit.unwrap_or(1_000).min(100_000),
        })
        .await?;
    if q.format.as_deref() == Some("csv") {
        let mut out = String::from(
            "id,tenant,sub,question,status,sql,engine,cached,latency_ms,tables,columns,privacy,created_at\n",
        );
        for r in &records {
            let created = chrono::DateTime::from_timestamp_millis(r.created_at)
                .map(|t| t.to_rfc3339())
                .unwrap_or_default();
            let fields = [
                r.id.clone(),
                r.tenant.clone(),
                r.sub.clone(),
                r.question.clone(),
                r.status.clone(),
                r.sql.clone().unwrap_or_default(),
                r.engine.clone(),
                r.cached.to_string(),
                format!("{:.3}", r.latency_ms),
                r.tables.clone(),
                r.columns.clone(),
                r.privacy.clone(),
                created,
            ];
            out.push_str(
                &fields
                    .iter()
                    .map(|f| csv_field(f))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            out.push('\n');
        }
        return Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], out).into_response());
    }
    Ok(Json(serde_json::json!({ "records": records })).into_response())
}

/// Per-tenant figures of `GET /api/v1/admin/usage`.
#[derive(Debug, Serialize, Default)]
pub struct TenantUsage {
    pub questions: u64,
    pub answered: u64,
    pub answer_rate: f64,
    pub cache_hits: u64,
    pub cache_hit_rate: f64,
    pub quota_rejections: u64,
    pub latency_ms_p50: f64,
    pub latency_ms_p95: f64,
    pub latency_ms_p99: f64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// `GET /api/v1/admin/usage` (admin key): questions, answer and cache-hit
/// rates, latency percentiles per tenant.
pub async fn admin_usage(
    State(state): State<AppState>,
    _admin: Admin,
    QueryParams(q): QueryParams<AuditQuery>,
) -> Result<Json<BTreeMap<String, TenantUsage>>, AppError> {
    let records = state
        .store()
        .list_audit(AuditFilter {
            tenant: q.tenant.clone(),
            status: None,
            since: q.since.map(|s| s * 1000),
            limit: 1_000_000,
        })
        .await?;
    let mut latencies: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut out: BTreeMap<String, TenantUsage> = BTreeMap::new();
    for r in &records {
        let u = out.entry(r.tenant.clone()).or_default();
        if r.status == "quota_exceeded" {
            u.quota_rejections += 1;
            continue;
        }
        u.questions += 1;
        u.answered += u64::from(r.status == "answered");
        u.cache_hits += u64::from(r.cached);
        latencies
            .entry(r.tenant.clone())
            .or_default()
            .push(r.latency_ms);
    }
    let since = q.since.map_or(0, |s| s.saturating_mul(1000));
    for (tenant, refused) in state
        .store()
        .refusals(ASK_SCOPE, q.tenant.clone(), since)
        .await?
    {
        out.entry(tenant).or_default().quota_rejections += refused;
    }
    for (tenant, u) in out.iter_mut() {
        let q = u.questions.max(1) as f64;
        u.answer_rate = u.answered as f64 / q;
        u.cache_hit_rate = u.cache_hits as f64 / q;
        let mut l = latencies.remove(tenant).unwrap_or_default();
        l.sort_by(f64::total_cmp);
        u.latency_ms_p50 = percentile(&l, 0.5);
        u.latency_ms_p95 = percentile(&l, 0.95);
        u.latency_ms_p99 = percentile(&l, 0.99);
    }
    Ok(Json(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2025, 11, d).unwrap_or_default()
    }

    fn key(question: &str, previous: Option<&str>) -> AnswerKey<'static> {
        AnswerKey {
            tenant: "acme",
            sub: "u1",
            privacy: Privacy::Standard,
            schema_hash: "h",
            translator_version: TRANSLATOR_VERSION,
            llm_model: None,
            today: day(15),
            question: normalise_question(question),
            previous: previous.map(normalise_question),
        }
    }

    #[test]
    fn questions_normalise() {
        assert_eq!(normalise_question("  Total   Revenue?? "), "total revenue");
        assert_eq!(key("X", None).digest(), key("x?", None).digest());
        let other_tenant = AnswerKey {
            tenant: "globex",
            ..key("x", None)
        };
        assert_ne!(key("x", None).digest(), other_tenant.digest());
    }

    #[test]
    fn csv_cells_never_start_a_formula() {
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("-2"), "'-2");
        assert_eq!(csv_field("+2"), "'+2");
        assert_eq!(csv_field("\tx"), "'\tx");
        assert_eq!(csv_field("\r=x"), "\"'\r=x\"");
        assert_eq!(csv_field("=a,b"), "\"'=a,b\"");
        assert_eq!(csv_field("total revenue"), "total revenue");
        assert_eq!(csv_field("a \"b\""), "\"a \"\"b\"\"\"");
    }

    #[test]
    fn keys_are_scoped_to_user_privacy_and_engine() {
        let base = key("total revenue", None);
        for other in [
            AnswerKey {
                sub: "u2",
                ..base.clone()
            },
            AnswerKey {
                privacy: Privacy::High,
                ..base.clone()
            },
            AnswerKey {
                llm_model: Some("m"),
                ..base.clone()
            },
        ] {
            assert_ne!(base.digest(), other.digest(), "{other:?}");
        }
    }

    #[test]
    fn separators_in_questions_never_join_two_keys() {
        // Joined with NUL these two were one key.
        assert_ne!(
            key("a\u{0}b", None).digest(),
            key("a", Some("b\u{0}")).digest()
        );
        assert_ne!(key("a", Some("")).digest(), key("a", None).digest());
    }

    #[test]
    fn answers_are_cached_under_the_date_they_were_resolved_against() {
        // "last month" on 2025-11-30 is October; on 2025-12-01 it is November.
        let nov30 = AnswerKey {
            today: day(30),
            ..key("revenue last month", None)
        };
        let dec01 = AnswerKey {
            today: day(30).succ_opt().unwrap_or_default(),
            ..nov30.clone()
        };
        assert_ne!(nov30.digest(), dec01.digest());
        let same = AnswerKey {
            today: day(30),
            ..key("Revenue last month?", None)
        };
        assert_eq!(nov30.digest(), same.digest());
    }
}
