//! "how many countries": the distinct values of a dimension, over the rows
//! of the column's own table, or of the one table the question names that
//! links to it. Anything that would split or bound those rows in a way the
//! count cannot show is refused, never answered around.

use super::describe::{column_words, plural, table_words};
use super::lexicon::Col;
use super::plan::{Filter, Measure, Plan};
use super::read::Parsed;
use super::resolve::shares_column;
use super::{unsupported, Translation};
use crate::catalog::Catalog;

/// Makes the plan the distinct count the question asked for, or refuses.
pub(super) fn distinct(plan: &mut Plan, p: &Parsed, catalog: &Catalog) -> Result<(), Translation> {
    let Some(col) = &p.distinct else {
        return Ok(());
    };
    // "how many countries have more than 100 orders": groups counted.
    if plan.having.is_some() {
        return Ok(());
    }
    let what = plural(&column_words(col, catalog));
    if plan.is_shaped() || p.average {
        return Err(unsupported(
            catalog,
            format!(
                "I can count how many {what} there are overall, not split, ranked or compared."
            ),
        ));
    }
    let rows = rows_counted_over(plan, p, col, catalog).ok_or_else(|| {
        unsupported(
            catalog,
            format!(
                "I can't tell which rows to count {what} over; ask \"how many {what}\" on its own."
            ),
        )
    })?;
    let Rows {
        base,
        filter,
        facts,
    } = rows;
    // Only rows named by a figure have a period to bound them by.
    if !facts && plan.period.is_some() {
        return Err(unsupported(
            catalog,
            format!(
                "I can't tell what the period bounds when counting {what} of {}.",
                table_words(&col.table)
            ),
        ));
    }
    if let Some(f) = &filter {
        let clash = plan.filters.iter().any(|x| match x {
            Filter::In { col: c, .. }
            | Filter::Cmp { col: c, .. }
            | Filter::Null { col: c, .. }
            | Filter::Named { col: c, .. }
            | Filter::Dated { col: c, .. }
            | Filter::Span { col: c, .. } => c.table == base && shares_column(&c.column, f),
            Filter::State { .. } | Filter::Without { .. } => true,
        });
        if clash {
            return Err(unsupported(
                catalog,
                "That filter contradicts the figure's own condition.",
            ));
        }
    }
    plan.measures = vec![Measure::Distinct {
        col: col.clone(),
        base,
        filter,
    }];
    Ok(())
}

/// The rows the values are counted over.
struct Rows {
    base: String,
    /// The condition of the figure that named them.
    filter: Option<String>,
    /// Named by a figure (facts with a date), not by the table alone.
    facts: bool,
}

/// The table whose rows carry the values, and the condition on them: the
/// column's table (under the condition of a figure of it: "channels that had
/// refunds"), unless one other named table or figure links to it.
fn rows_counted_over(plan: &Plan, p: &Parsed, col: &Col, catalog: &Catalog) -> Option<Rows> {
    let names_entity = p.tables.contains(&col.table);
    let mut others: Vec<(String, Option<String>)> = Vec::new();
    let mut own: Vec<Option<String>> = Vec::new();
    for m in &plan.measures {
        if p.verb_measure {
            continue;
        }
        let (table, filter) = match m {
            Measure::Metric(n) => {
                let d = catalog.metric(n)?;
                // "customers" as a figure counts the entity: with the entity's
                // table named, it is that table's rows.
                if names_entity && counts_entity(&d.expression, &d.table, col, catalog) {
                    continue;
                }
                (d.table.clone(), d.filter.clone())
            }
            Measure::Rows(t) => (t.clone(), None),
            _ => return None,
        };
        if table == col.table {
            own.push(filter);
        } else if !others.iter().any(|(t, _)| *t == table) {
            others.push((table, filter));
        }
    }
    for t in p.tables.iter().filter(|t| **t != col.table) {
        if !others.iter().any(|(o, _)| o == t) {
            others.push((t.clone(), None));
        }
    }
    own.dedup();
    match (others.as_slice(), own.as_slice()) {
        ([], []) => Some(Rows {
            base: col.table.clone(),
            filter: None,
            // A table of facts (it has a default figure) is bounded by its date;
            // a table of entities ("customers") is not, by a date of its own.
            facts: catalog
                .table(&col.table)
                .is_some_and(|t| t.default_metric.is_some()),
        }),
        ([], [f]) => Some(Rows {
            base: col.table.clone(),
            filter: f.clone(),
            facts: true,
        }),
        ([(t, f)], []) if catalog.relationship(t, &col.table).is_some() => Some(Rows {
            base: t.clone(),
            filter: f.clone(),
            facts: true,
        }),
        _ => None,
    }
}

/// `COUNT(DISTINCT fk)` of rows that reference the column's table.
fn counts_entity(expression: &str, table: &str, col: &Col, catalog: &Catalog) -> bool {
    let e = expression.replace(' ', "");
    e.strip_prefix("COUNT(DISTINCT")
        .and_then(|x| x.strip_suffix(')'))
        .is_some_and(|fk| {
            catalog
                .relationships
                .iter()
                .any(|r| r.from_table == table && r.from_column == fk && r.to_table == col.table)
        })
}
