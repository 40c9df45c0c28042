//! Plain lists of rows ("the 20 most recent orders"): no personal columns,
//! ordered by an output name as Polars wants.

use super::clauses::period_cond;
use super::describe::append_clauses;
use super::lexicon::Col;
use super::plan::{ListOrder, ListSpec, Plan};
use super::sql::{Ctx, Rendered};
use crate::wire::ChartHint;

/// Renders a list plan: the base table's non-personal columns, filtered and ordered.
pub(super) fn render_list(
    plan: &Plan,
    list: &ListSpec,
    ctx: &Ctx,
    from: &str,
    mut conds: Vec<String>,
    notes: Vec<String>,
) -> Result<Rendered, String> {
    let table = ctx.catalog.table(&list.table).ok_or("unknown table")?;
    let columns: Vec<String> = table
        .columns
        .iter()
        .filter(|c| !c.personal)
        .map(|c| {
            let q = ctx.col(&Col::new(&table.name, &c.name));
            if ctx.qualified() {
                format!("{q} AS {}", c.name)
            } else {
                q
            }
        })
        .collect();
    let (ts, is_date) = ctx.time_column().unwrap_or_default();
    if let Some(p) = &plan.period {
        conds.extend(period_cond(p, &ts, is_date));
    }
    // Order by output names: Polars wants aliases, not qualified columns.
    let ts = table.time_column.clone().unwrap_or_default();
    // Rows are as large as what the table's default metric adds up.
    let size = table
        .default_metric
        .as_deref()
        .and_then(|m| ctx.catalog.metric(m))
        .and_then(|m| {
            let e = m.expression.replace(' ', "");
            Some(e.strip_prefix("SUM(")?.strip_suffix(')')?.to_string())
        })
        .filter(|c| table.column(c).is_some());
    let (order, words) = match list.order {
        ListOrder::Newest if !ts.is_empty() => (format!("{ts} DESC"), "most recent"),
        ListOrder::Oldest if !ts.is_empty() => (format!("{ts} ASC"), "oldest"),
        ListOrder::Largest => (
            format!("{} DESC", size.ok_or("those rows have no size to sort by")?),
            "largest",
        ),
        ListOrder::Smallest => (
            format!("{} ASC", size.ok_or("those rows have no size to sort by")?),
            "smallest",
        ),
        // No date to sort by: the catalog's order.
        _ => (
            format!(
                "{} ASC",
                table.columns.first().map_or("1", |c| c.name.as_str())
            ),
            "first",
        ),
    };
    let mut sql = format!("SELECT {} FROM {from}", columns.join(", "));
    if !conds.is_empty() {
        sql.push_str(&format!(" WHERE {}", conds.join(" AND ")));
    }
    sql.push_str(&format!(" ORDER BY {order} LIMIT {}", list.limit));
    let mut line = format!(
        "The {} {} {}",
        list.limit,
        words,
        table.name.replace('_', " ")
    );
    append_clauses(
        &mut line,
        plan.period.as_ref().map(|p| p.label.as_str()),
        &notes,
    );
    Ok(Rendered {
        sql,
        interpretation: line,
        chart: ChartHint::Table,
    })
}
