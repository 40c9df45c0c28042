//! Follow-up questions that fit an answer; each is itself answerable.

use super::lexicon;
use super::plan::{Group, Measure, Plan};
use super::resolve::{grain_word, plural};
use super::{describe, starter_questions};
use crate::catalog::Catalog;

/// Two to four follow-ups that fit the answer just given.
pub(super) fn suggestions(plan: &Plan, catalog: &Catalog) -> Vec<String> {
    if plan.list.is_some() {
        return vec![
            "orders by month".into(),
            "revenue by channel".into(),
            "top 10 products by revenue".into(),
        ];
    }
    let Some(first) = plan.measures.first() else {
        return starter_questions();
    };
    let (m, base, additive) = match first {
        Measure::Metric(n) => {
            let d = catalog.metric(n);
            (
                n.replace('_', " "),
                d.map(|d| d.table.clone()).unwrap_or_default(),
                d.is_some_and(|d| d.expression.starts_with("SUM(") || d.expression == "COUNT(*)"),
            )
        }
        Measure::Rows(t) if t == "customers" => ("new customers".into(), t.clone(), true),
        Measure::Rows(t) => (t.replace('_', " "), t.clone(), true),
    };
    // The base table's own dimensions, then those of the tables it links to.
    let mut dims: Vec<String> = Vec::new();
    let linked = catalog
        .relationships
        .iter()
        .filter(|r| r.from_table == base)
        .map(|r| r.to_table.clone());
    for t in std::iter::once(base.clone()).chain(linked) {
        if let Some(table) = catalog.table(&t) {
            for c in table
                .columns
                .iter()
                .filter(|c| c.dimension && c.name != "name")
            {
                dims.push(describe::column_words(&lexicon::Col::new(&t, &c.name)));
            }
        }
    }
    let timed = catalog
        .table(&base)
        .is_some_and(|t| t.time_column.is_some());
    let grouped: Vec<String> = plan
        .groups
        .iter()
        .map(|g| match g {
            Group::Dim(c) => describe::column_words(c),
            Group::Time(g) => grain_word(*g).to_string(),
        })
        .collect();
    let dim = dims.iter().find(|d| !grouped.iter().any(|g| g == *d));
    let has_time = plan.groups.iter().any(|g| matches!(g, Group::Time(_)));
    let mut out = Vec::new();
    if !timed {
        if let Some(d) = dim {
            out.push(format!("{m} by {d}"));
        }
        out.extend([
            "revenue by product category".to_string(),
            "top 10 products by revenue".to_string(),
        ]);
    } else if plan.groups.is_empty() {
        out.push(format!("{m} by month"));
        if let Some(d) = dim {
            out.push(format!("{m} by {d}"));
        }
        if base != "customers" {
            out.push(format!("{m} this month vs last month"));
        } else {
            out.push(format!("{m} by year"));
        }
    } else if has_time {
        let other = if grouped.iter().any(|g| g == "quarter") {
            "month"
        } else {
            "quarter"
        };
        out.push(format!("{m} by {other}"));
        if let Some(d) = dim {
            out.push(format!("{m} by {d}"));
        }
        out.push(format!("{m} by month this year"));
    } else {
        let g = grouped.first().cloned().unwrap_or_default();
        out.push(format!("top 5 {} by {m}", plural(&g)));
        if base != "customers" {
            out.push(format!("{m} by month"));
        }
        if additive {
            out.push(format!("share of {m} by {g}"));
        }
    }
    out.truncate(4);
    out
}
