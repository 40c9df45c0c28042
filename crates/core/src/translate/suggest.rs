//! Follow-up questions that fit an answer; each is itself answerable and
//! built from the catalog (its dimensions and time columns).

use super::describe::{column_words, is_label, plural, table_words};
use super::lexicon::Col;
use super::options::{metric_words, starter_questions};
use super::plan::{Group, Measure, Plan};
use super::resolve::grain_word;
use crate::catalog::Catalog;

/// Two to four follow-ups that fit the answer just given.
pub(super) fn suggestions(plan: &Plan, catalog: &Catalog) -> Vec<String> {
    let starters = || starter_questions(catalog).into_iter().take(3).collect();
    if plan.list.is_some() {
        return starters();
    }
    let Some(first) = plan.measures.first() else {
        return starters();
    };
    let (m, base, additive) = match first {
        Measure::Metric(n) => {
            let d = catalog.metric(n);
            (
                metric_words(n),
                d.map(|d| d.table.clone()).unwrap_or_default(),
                d.is_some_and(|d| d.is_additive()),
            )
        }
        Measure::New(t) => (format!("new {}", table_words(t)), t.clone(), true),
        Measure::Rows(t) => (table_words(t), t.clone(), true),
        Measure::Average(c) => (
            // The table too: several tables may have a column of that name.
            format!(
                "average {} of {}",
                column_words(c, catalog),
                table_words(&c.table)
            ),
            c.table.clone(),
            false,
        ),
        // A distinct count is not split further.
        Measure::Distinct { .. }
        | Measure::Sum { .. }
        | Measure::OfRows { .. }
        | Measure::Span { .. } => return starters(),
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
            for c in table.columns.iter().filter(|c| c.dimension) {
                let col = Col::new(&t, &c.name);
                if !is_label(&col, catalog) {
                    dims.push(column_words(&col, catalog));
                }
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
            Group::Dim(c) => column_words(c, catalog),
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
        out.extend(starter_questions(catalog).into_iter().take(2));
    } else if plan.groups.is_empty() {
        out.push(format!("{m} by month"));
        if let Some(d) = dim {
            out.push(format!("{m} by {d}"));
        }
        out.push(if additive {
            format!("{m} this month vs last month")
        } else {
            format!("{m} by year")
        });
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
        // "top 5 countries by customers" would read "customers" as a group.
        let names_rows = catalog
            .tables
            .iter()
            .any(|t| t.name == m || t.synonyms.contains(&m));
        if !names_rows {
            out.push(format!("top 5 {} by {m}", plural(&g)));
        }
        out.push(format!("{m} by month"));
        if additive {
            out.push(format!("share of {m} by {g}"));
        }
    }
    out.truncate(4);
    out
}
