//! "What counts as revenue?", "how is MRR calculated", "what does churn
//! mean": a figure's definition, answered from the catalog alone (its
//! expression, the rows it reads, their condition and date), in words and
//! in the SQL that computes it. No row is read to say it.

use super::describe::{column_words, table_words};
use super::lexicon::Col;
use super::{translate, Answer, TranslateContext, Translation};
use crate::catalog::{Catalog, MetricDef, StateDef};
use chrono::Datelike;

/// How a definition is asked, around the thing defined: (before, after).
const ASKED: &[(&str, &str)] = &[
    ("what counts as ", ""),
    ("what is counted as ", ""),
    ("what gets counted as ", ""),
    ("what does ", " mean"),
    ("what do you mean by ", ""),
    ("what do we mean by ", ""),
    ("what is meant by ", ""),
    ("what is the definition of ", ""),
    ("whats the definition of ", ""),
    ("definition of ", ""),
    ("define ", ""),
    ("how is ", " defined"),
    ("how is ", " calculated"),
    ("how is ", " computed"),
    ("how is ", " counted"),
    ("how is ", " measured"),
    ("how are ", " defined"),
    ("how are ", " calculated"),
    ("how are ", " counted"),
    ("how do you calculate ", ""),
    ("how do you define ", ""),
    ("how do you count ", ""),
    ("how do we calculate ", ""),
    ("how do we define ", ""),
    ("how do we count ", ""),
];

/// The phrase a definition is asked of, if the question asks one.
fn subject(question: &str) -> Option<String> {
    let q = question
        .trim()
        .trim_end_matches(['?', '.', '!', ' '])
        .to_lowercase()
        .replace('\u{2019}', "'")
        .replace("what's", "whats");
    ASKED.iter().find_map(|(before, after)| {
        let rest = q.strip_prefix(before)?.strip_suffix(after)?;
        let rest = rest.trim();
        let rest = ["the ", "our ", "a ", "an "]
            .iter()
            .find_map(|d| rest.strip_prefix(d))
            .unwrap_or(rest);
        (!rest.is_empty()).then(|| rest.to_string())
    })
}

/// Whether `phrase` names `name`, `label` or one of `synonyms`.
fn names(phrase: &str, name: &str, label: &str, synonyms: &[String]) -> bool {
    let norm = |s: &str| s.to_lowercase().replace('_', " ");
    let p = norm(phrase);
    let p = p.trim_end_matches('s');
    std::iter::once(name)
        .chain(std::iter::once(label))
        .chain(synonyms.iter().map(String::as_str))
        .any(|n| norm(n).trim_end_matches('s') == p)
}

/// The definition asked, answered; `None` when the question asks none.
pub(super) fn answer(
    question: &str,
    catalog: &Catalog,
    ctx: &TranslateContext,
) -> Option<Translation> {
    let phrase = subject(question)?;
    let metrics: Vec<&MetricDef> = catalog
        .metrics
        .iter()
        .filter(|m| names(&phrase, &m.name, &m.label, &m.synonyms))
        .collect();
    let states: Vec<&StateDef> = catalog
        .states
        .iter()
        .filter(|s| names(&phrase, &s.name, &s.name, &s.synonyms))
        .collect();
    let (words, asked) = match (metrics.as_slice(), states.as_slice()) {
        ([m], _) => (of_metric(m, catalog, ctx), m.label.clone()),
        ([], [s]) => (
            of_state(s),
            format!("{} {}", s.name.replace('_', " "), table_words(&s.table)),
        ),
        _ => {
            return Some(super::unsupported(
                catalog,
                format!(
                    "I don't know one figure called '{phrase}'. I know about {}.",
                    super::resolve::known_summary(catalog)
                ),
            ))
        }
    };
    // The SQL is the figure asked alone, as any question of it would be.
    match translate(&asked, None, catalog, ctx) {
        Translation::Answer(a) => Some(Translation::Answer(Box::new(Answer {
            interpretation: words,
            suggestions: Vec::new(),
            ..*a
        }))),
        _ => Some(super::unsupported(catalog, words)),
    }
}

/// The date a figure's periods read, as the translator reads them: the
/// column its "last month" is bounded by.
fn dated_by(m: &MetricDef, catalog: &Catalog, ctx: &TranslateContext) -> Option<String> {
    let Translation::Answer(a) = translate(&format!("{} last month", m.label), None, catalog, ctx)
    else {
        return None;
    };
    let first = ctx.today.with_day(1)?;
    let start = first.checked_sub_months(chrono::Months::new(1))?;
    let at = a
        .sql
        .find(&format!(">= DATE '{start}'"))
        .or_else(|| a.sql.find(&format!(">= TIMESTAMP '{start} 00:00:00'")))?;
    let col = a.sql[..at].trim_end().rsplit([' ', '(', '.']).next()?;
    catalog
        .table(&m.table)
        .and_then(|t| t.column(col))
        .map(|_| column_words(&Col::new(&m.table, col), catalog))
}

/// A metric in words: what it computes, over which rows, dated how.
fn of_metric(m: &MetricDef, catalog: &Catalog, ctx: &TranslateContext) -> String {
    let mut s = format!("{}: ", m.label);
    if let Some(d) = m.description.as_deref().filter(|d| !d.trim().is_empty()) {
        s.push_str(d.trim().trim_end_matches('.'));
        s.push_str(". ");
    }
    s.push_str(&format!(
        "Computed as {} over {}",
        m.expression,
        table_words(&m.table)
    ));
    if let Some(f) = &m.filter {
        s.push_str(&format!(" where {f}"));
    }
    let table = catalog.table(&m.table);
    if let Some(date) = dated_by(m, catalog, ctx) {
        s.push_str(&format!("; a period reads its {date}"));
    }
    if table.is_some_and(|t| t.snapshot) {
        s.push_str("; a reading at a date, never added up over dates");
    } else if !m.is_additive() {
        s.push_str("; it does not add up across periods or groups");
    }
    s.push('.');
    s
}

/// A named state in words: which rows are in it.
fn of_state(st: &StateDef) -> String {
    let mut s = format!(
        "{} {}: rows of {} where {}",
        capitalised(&st.name.replace('_', " ")),
        table_words(&st.table),
        table_words(&st.table),
        st.condition
    );
    if let Some(d) = st.description.as_deref().filter(|d| !d.trim().is_empty()) {
        s.push_str(&format!(" ({})", d.trim().trim_end_matches('.')));
    }
    s.push('.');
    s
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::subject;

    #[test]
    fn reads_the_thing_a_definition_is_asked_of() {
        assert_eq!(
            subject("What counts as revenue?").as_deref(),
            Some("revenue")
        );
        assert_eq!(subject("how is MRR calculated").as_deref(), Some("mrr"));
        assert_eq!(subject("what does churn mean").as_deref(), Some("churn"));
        assert_eq!(
            subject("define the average order value").as_deref(),
            Some("average order value")
        );
        assert_eq!(subject("what is revenue"), None);
        assert_eq!(subject("revenue by month"), None);
    }
}
