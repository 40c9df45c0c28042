//! The optional LLM translator: any OpenAI-compatible
//! `POST {base_url}/v1/chat/completions` endpoint.
//!
//! The prompt holds the catalog (tables, columns, synonyms, relationships,
//! metric definitions), the Polars SQL dialect notes and examples written by
//! the built-in translator: schema only, never a row. Every SQL it returns
//! passes the SQL guard; a refused SQL goes back to the model with the error,
//! at most twice. The caller falls back to the built-in translator on any
//! [`LlmError`].

use std::fmt::Write as _;
use std::time::Duration;

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{json, Value};
use slicewise_core::translate::{starter_questions, translate, TranslateContext, Translation};
use slicewise_core::wire::ChartHint;
use slicewise_core::{Catalog, SqlGuard};

use crate::config::LlmConfig;

/// Retries after the first answer when the guard refuses its SQL.
pub const MAX_RETRIES: usize = 2;

/// Polars 0.52 SQL, as the browser's engine runs it: what it rejects.
const DIALECT_NOTES: &str = "\
- One SELECT statement (WITH ... SELECT allowed). No INSERT/UPDATE/DELETE/CREATE, no table functions.
- GROUP BY an alias, an expression or a position fails: compute the expression in a CTE, then GROUP BY that CTE's plain columns.
- Periods: DATE_TRUNC('month', col) (also 'day', 'week', 'quarter', 'year') gives each period's first instant, STRFTIME(col, '%Y-%m') its text, EXTRACT(YEAR FROM col) a number. CURRENT_DATE and NOW do not exist: write literal timestamps in full, TIMESTAMP 'YYYY-MM-DD HH:MM:SS', and use today's date given below for relative periods.
- AGG(...) FILTER (WHERE ...) is refused: write AGG(CASE WHEN ... THEN x END).
- SUM(SUM(x)) OVER () fails: for shares, a grouped CTE, a total CTE and a CROSS JOIN.
- Alias every output column; ORDER BY an output alias.
- Identifiers are case-sensitive and lower case.
- Columns of the same name in two joined tables (two `name` columns) clash: alias them (customer_name, product_name).
- An aggregate in HAVING is refused (Polars reads it over the whole result): compute the figure in a grouped CTE and filter that CTE with WHERE.
- Durations: DATE_PART('epoch', t) gives seconds of a timestamp; CAST a DATE column AS TIMESTAMP first.";

/// Why the LLM could not answer; the built-in translator answers instead.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LlmError {
    #[error("the AI backend could not be reached: {0}")]
    Unreachable(String),
    #[error("the AI backend did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the AI backend answered HTTP {0}")]
    Status(u16),
    #[error("the AI backend's reply was not understood: {0}")]
    BadReply(String),
    #[error("the AI backend's SQL was refused {attempts} times; last: {last}")]
    Refused { attempts: usize, last: String },
}

/// What the LLM made of a question, checked by the guard.
#[derive(Debug, Clone, PartialEq)]
pub enum LlmAnswer {
    Answer {
        sql: String,
        interpretation: String,
        chart: ChartHint,
        tables: Vec<String>,
        columns: Vec<String>,
    },
    Unsupported {
        reason: String,
    },
}

/// The model's JSON reply, before checking.
#[derive(Debug, Deserialize)]
struct Reply {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    sql: Option<String>,
    #[serde(default)]
    interpretation: Option<String>,
    #[serde(default)]
    chart: Option<String>,
}

/// A client of one chat-completions endpoint with its system prompt.
#[derive(Clone)]
pub struct LlmTranslator {
    http: reqwest::Client,
    config: LlmConfig,
    endpoint: String,
    system_prompt: String,
}

impl std::fmt::Debug for LlmTranslator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmTranslator")
            .field("endpoint", &self.endpoint)
            .field("model", &self.config.model)
            .finish_non_exhaustive()
    }
}

impl LlmTranslator {
    /// A translator over a catalog; examples are dated `today`.
    pub fn new(
        config: LlmConfig,
        catalog: &Catalog,
        today: NaiveDate,
    ) -> Result<LlmTranslator, LlmError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| LlmError::Unreachable(e.to_string()))?;
        let endpoint = format!(
            "{}/v1/chat/completions",
            config.base_url.trim_end_matches('/')
        );
        Ok(LlmTranslator {
            http,
            endpoint,
            system_prompt: system_prompt(catalog, today),
            config,
        })
    }

    /// The model name, for cache keys and logs.
    pub fn model(&self) -> &str {
        &self.config.model
    }

    /// The system message: catalog, dialect, examples, reply format.
    pub fn system_prompt(&self) -> &str {
        &self.system_prompt
    }

    /// Asks the model; retries at most [`MAX_RETRIES`] times with the
    /// guard's error when it refuses the SQL.
    pub async fn translate(
        &self,
        question: &str,
        previous: Option<&str>,
        today: NaiveDate,
        guard: &SqlGuard,
    ) -> Result<LlmAnswer, LlmError> {
        let mut user = format!("Today is {today}.\n");
        if let Some(p) = previous {
            let _ = writeln!(user, "The previous question was: {p}");
        }
        let _ = write!(user, "Question: {question}");
        let mut messages = vec![
            json!({"role": "system", "content": self.system_prompt}),
            json!({"role": "user", "content": user}),
        ];
        let mut last = String::new();
        for attempt in 0..=MAX_RETRIES {
            let content = self.complete(&messages).await?;
            let problem = match parse_reply(&content) {
                Ok(ParsedReply::Unsupported(reason)) => {
                    return Ok(LlmAnswer::Unsupported { reason })
                }
                Ok(ParsedReply::Answer {
                    sql,
                    interpretation,
                    chart,
                }) => match guard.check(&sql) {
                    Ok(g) => {
                        return Ok(LlmAnswer::Answer {
                            sql,
                            interpretation,
                            chart,
                            tables: g.tables,
                            columns: g.columns,
                        })
                    }
                    Err(e) => format!("The SQL was refused by the SQL guard: {e}"),
                },
                Err(e) => e,
            };
            tracing::info!(attempt, problem, "LLM answer refused; asking again");
            messages.push(json!({"role": "assistant", "content": content}));
            messages.push(json!({"role": "user", "content": format!(
                "{problem}\nReply again with corrected JSON only, in the same format."
            )}));
            last = problem;
        }
        Err(LlmError::Refused {
            attempts: MAX_RETRIES + 1,
            last,
        })
    }

    /// One chat completion: the assistant message's text.
    async fn complete(&self, messages: &[Value]) -> Result<String, LlmError> {
        let body = json!({
            "model": self.config.model,
            "messages": messages,
            "temperature": 0,
        });
        let mut req = self
            .http
            .post(&self.endpoint)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        if let Some(key) = &self.config.api_key {
            req = req.bearer_auth(key);
        }
        let res = req.send().await.map_err(|e| self.transport(e))?;
        let status = res.status();
        if !status.is_success() {
            return Err(LlmError::Status(status.as_u16()));
        }
        let bytes = res.bytes().await.map_err(|e| self.transport(e))?;
        let v: Value =
            serde_json::from_slice(&bytes).map_err(|e| LlmError::BadReply(e.to_string()))?;
        v.pointer("/choices/0/message/content")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| LlmError::BadReply("no choices[0].message.content".into()))
    }

    fn transport(&self, e: reqwest::Error) -> LlmError {
        if e.is_timeout() {
            LlmError::Timeout(self.config.timeout)
        } else {
            LlmError::Unreachable(e.to_string())
        }
    }
}

enum ParsedReply {
    Answer {
        sql: String,
        interpretation: String,
        chart: ChartHint,
    },
    Unsupported(String),
}

/// Reads the model's JSON (tolerating code fences and prose around it); the
/// error is worded for the model, which gets it on a retry.
fn parse_reply(content: &str) -> Result<ParsedReply, String> {
    let (Some(start), Some(end)) = (content.find('{'), content.rfind('}')) else {
        return Err("The reply held no JSON object.".into());
    };
    let reply: Reply = content
        .get(start..=end)
        .ok_or_else(|| "The reply held no JSON object.".to_string())
        .and_then(|s| {
            serde_json::from_str(s).map_err(|e| format!("The reply was not valid JSON: {e}"))
        })?;
    if reply.status.as_deref() == Some("unsupported") {
        return Ok(ParsedReply::Unsupported(reply.reason.unwrap_or_else(
            || "The AI translator can't answer that from this data.".into(),
        )));
    }
    let sql = reply.sql.filter(|s| !s.trim().is_empty()).ok_or_else(|| {
        "The reply had neither \"sql\" nor \"status\":\"unsupported\".".to_string()
    })?;
    let chart = match reply.chart.as_deref().map(str::trim) {
        Some("line") => ChartHint::Line,
        Some("big_number") => ChartHint::BigNumber,
        Some("grouped_bar") => ChartHint::GroupedBar,
        Some("share") => ChartHint::Share,
        Some("table") => ChartHint::Table,
        _ => ChartHint::Bar,
    };
    Ok(ParsedReply::Answer {
        sql: sql.trim().trim_end_matches(';').to_string(),
        interpretation: reply.interpretation.unwrap_or_default(),
        chart,
    })
}

fn chart_name(c: ChartHint) -> &'static str {
    match c {
        ChartHint::BigNumber => "big_number",
        ChartHint::Line => "line",
        ChartHint::Bar => "bar",
        ChartHint::GroupedBar => "grouped_bar",
        ChartHint::Share => "share",
        ChartHint::Table => "table",
    }
}

/// The catalog as text for the prompt: names, types, descriptions, synonyms,
/// known labels of dimensions, relationships and metric definitions.
pub fn describe_catalog(catalog: &Catalog) -> String {
    let mut out = String::new();
    for t in &catalog.tables {
        let _ = write!(
            out,
            "TABLE {} -- {}; one row = {}",
            t.name, t.description, t.grain
        );
        if let Some(tc) = &t.time_column {
            let _ = write!(out, "; time column {tc}");
        }
        if !t.synonyms.is_empty() {
            let _ = write!(out, "; also called: {}", t.synonyms.join(", "));
        }
        out.push('\n');
        for c in &t.columns {
            let ty = serde_json::to_value(c.column_type)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let _ = write!(out, "  {} {ty} -- {}", c.name, c.description);
            if !c.synonyms.is_empty() {
                let _ = write!(out, "; also called: {}", c.synonyms.join(", "));
            }
            if let Some(unit) = &c.unit {
                let _ = write!(out, "; in {unit}");
            }
            // Labels of low-cardinality dimensions are schema (like an enum), not rows.
            if !c.values.is_empty() && !c.personal {
                let _ = write!(out, "; values: {}", c.values.join(", "));
            }
            if c.personal {
                out.push_str("; personal data");
            }
            out.push('\n');
        }
    }
    out.push_str("RELATIONSHIPS (many-to-one)\n");
    for r in &catalog.relationships {
        let _ = writeln!(
            out,
            "  {}.{} -> {}.{}",
            r.from_table, r.from_column, r.to_table, r.to_column
        );
    }
    if !catalog.states.is_empty() {
        out.push_str("STATES (named conditions)\n");
        for st in &catalog.states {
            let _ = writeln!(out, "  {} {} = WHERE {}", st.table, st.name, st.condition);
        }
    }
    out.push_str("METRICS (use these exact definitions)\n");
    for m in &catalog.metrics {
        let _ = write!(out, "  {} ({}", m.name, m.label);
        if !m.synonyms.is_empty() {
            let _ = write!(out, "; also: {}", m.synonyms.join(", "));
        }
        let _ = write!(out, ") = {} FROM {}", m.expression, m.table);
        if let Some(f) = &m.filter {
            let _ = write!(out, " WHERE {f}");
        }
        out.push('\n');
    }
    out
}

/// The system message.
pub fn system_prompt(catalog: &Catalog, today: NaiveDate) -> String {
    let mut out = String::from(
        "You translate business questions into one SQL query over the tables below. \
         The SQL runs in Polars SQL (version 0.52) on the user's own data.\n\n",
    );
    out.push_str(&describe_catalog(catalog));
    out.push_str("\nSQL DIALECT NOTES\n");
    out.push_str(DIALECT_NOTES);
    out.push_str(
        "\n\nREPLY with one JSON object and nothing else:\n\
         {\"sql\": \"...\", \"interpretation\": \"one line saying what the figures are\", \
         \"chart\": \"line|bar|big_number|grouped_bar|share|table\"}\n\
         or, when the data cannot answer the question or it is ambiguous:\n\
         {\"status\": \"unsupported\", \"reason\": \"...\"}\n\
         A wrong answer is worse than no answer.\n",
    );
    if let Some(context) = &catalog.context {
        let _ = write!(out, "\nCONTEXT\n{}\n", context.trim());
    }
    // Examples: the catalog's verified ones, then the built-in translator's
    // answers to its starter questions; all from the catalog, none in code.
    let ctx = TranslateContext { today };
    let mut examples = String::new();
    for e in &catalog.examples {
        let reply = json!({ "sql": e.sql });
        let _ = writeln!(examples, "Question: {}\nReply: {reply}", e.question);
    }
    for q in starter_questions(catalog) {
        if let Translation::Answer(a) = translate(&q, None, catalog, &ctx) {
            let reply = json!({
                "sql": a.sql,
                "interpretation": a.interpretation,
                "chart": chart_name(a.chart),
            });
            let _ = writeln!(examples, "Question: {q}\nReply: {reply}");
        }
    }
    if !examples.is_empty() {
        let _ = write!(out, "\nEXAMPLES (today = {today})\n{examples}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_parse_with_fences_and_refusals() {
        let fenced = "```json\n{\"sql\": \"SELECT 1 AS v;\", \"chart\": \"line\"}\n```";
        match parse_reply(fenced) {
            Ok(ParsedReply::Answer { sql, chart, .. }) => {
                assert_eq!(sql, "SELECT 1 AS v");
                assert_eq!(chart, ChartHint::Line);
            }
            _ => panic!("expected an answer"),
        }
        assert!(matches!(
            parse_reply("{\"status\":\"unsupported\",\"reason\":\"no\"}"),
            Ok(ParsedReply::Unsupported(r)) if r == "no"
        ));
        assert!(parse_reply("no json here").is_err());
        assert!(parse_reply("{\"interpretation\": \"x\"}").is_err());
    }

    #[test]
    fn prompt_holds_metrics_dialect_and_examples() {
        let today = NaiveDate::from_ymd_opt(2025, 11, 15).expect("date");
        let p = system_prompt(&Catalog::demo(), today);
        assert!(p.contains("revenue (Revenue"));
        assert!(p.contains("WHERE status = 'completed'"));
        assert!(p.contains("DATE_TRUNC"));
        // Examples come from the catalog: its verified pairs and starter questions.
        assert!(p.contains("Question: revenue by channel"));
        assert!(p.contains("Question: revenue by month"));
        assert!(p.contains("CONTEXT\nAn online shop."));
        assert!(p.contains("support_tickets open = WHERE closed_at IS NULL"));
    }
}
