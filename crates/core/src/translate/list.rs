//! Plain lists of rows ("the 20 most recent orders"): no personal columns
//! but the table's label (a ranking of the same rows shows it too; the
//! extract has already pseudonymised it where the privacy level says so),
//! ordered by an output name as Polars wants.

use super::clauses::equals;
use super::clauses::period_cond;
use super::describe::append_clauses;
use super::describe::{metric_note, singular};
use super::lexicon::Col;
use super::measures::{row_size, sole_money_column};
use super::plan::{Filter, ListOrder, ListSpec, Plan};
use super::sql::{Ctx, Rendered};
use crate::catalog::MetricDef;
use crate::wire::ChartHint;

/// The metric that adds up the listed rows, when its condition names every
/// value the question set ("card payments": the metric over `kind = 'card'`),
/// so that they are sized as it sizes them (a debit by its amount spent).
pub(super) fn rows_metric<'a>(
    plan: &Plan,
    table: &str,
    catalog: &'a crate::catalog::Catalog,
) -> Option<&'a MetricDef> {
    let named: Vec<String> = plan
        .filters
        .iter()
        .filter_map(|f| match f {
            Filter::In {
                col,
                values,
                negated: false,
            } if col.table == table && values.len() == 1 => Some(equals(&col.column, &values[0])),
            _ => None,
        })
        .collect();
    if named.is_empty() {
        return None;
    }
    let mut fits = catalog.metrics.iter().filter(|m| {
        m.table == table
            && row_size(&m.expression).is_some()
            && m.filter.as_deref().is_some_and(|f| {
                let conds: Vec<&str> = f.split(" AND ").map(str::trim).collect();
                named.iter().all(|n| conds.contains(&n.as_str()))
            })
    });
    let first = fits.next()?;
    // Several metrics that size rows differently: none of them.
    fits.all(|m| row_size(&m.expression) == row_size(&first.expression))
        .then_some(first)
}

/// Whether a list of `table` shows column `c`: its label, and every column
/// that is not personal.
pub(super) fn shows(table: &crate::catalog::TableDef, c: &crate::catalog::ColumnDef) -> bool {
    !c.personal || table.label_column.as_deref() == Some(c.name.as_str())
}

/// Renders a list plan: the base table's label and non-personal columns,
/// filtered and ordered.
/// The most rows a list shows: "every" list ("clients that don't have a
/// credit card") is cut there, and says so.
pub(super) const MAX_LIST: usize = 1000;

pub(super) fn render_list(
    plan: &Plan,
    list: &ListSpec,
    ctx: &Ctx,
    from: &str,
    mut conds: Vec<String>,
    notes: Vec<String>,
) -> Result<Rendered, String> {
    let table = ctx.catalog.table(&list.table).ok_or("unknown table")?;
    let mut columns: Vec<String> = table
        .columns
        .iter()
        .filter(|c| shows(table, c))
        .map(|c| {
            let q = ctx.col(&Col::new(&table.name, &c.name));
            if ctx.qualified() {
                format!("{q} AS {}", c.name)
            } else {
                q
            }
        })
        .collect();
    // "and who holds them": the owner's key and label beside each row.
    let mut owner_words = None;
    if let Some(owner) = list.shown.as_ref().and_then(|t| ctx.catalog.table(t)) {
        for c in [&owner.primary_key, &owner.label_column]
            .into_iter()
            .flatten()
        {
            let named = columns
                .iter()
                .any(|x| x == c || x.ends_with(&format!(" AS {c}")));
            // The key the rows already carry (`client_id`) is not repeated.
            if named && owner.primary_key.as_ref() == Some(c) {
                continue;
            }
            let q = ctx.col(&Col::new(&owner.name, c));
            columns.push(if named {
                format!("{q} AS {}_{c}", singular(&owner.name))
            } else {
                format!("{q} AS {c}")
            });
        }
        owner_words = Some(singular(&owner.name).replace('_', " "));
    }
    let (ts, is_date) = ctx.time_column().unwrap_or_default();
    if let Some(p) = &plan.period {
        conds.extend(period_cond(p, &ts, is_date));
    }
    // Order by output names: Polars wants aliases, not qualified columns.
    let ts = table.time_column.clone().unwrap_or_default();
    // Rows are as large as what the metric named (else the table's default
    // metric) adds up; the named metric's rows are the only ones listed.
    let by = list.by.as_deref().and_then(|m| ctx.catalog.metric(m));
    let mut notes = notes;
    if let Some(m) = by {
        if let Some(f) = &m.filter {
            conds.insert(0, ctx.expr(f));
        }
        notes.extend(metric_note(m, ctx.catalog));
    }
    // "the 5 biggest card payments": the rows the metric of card payments
    // counts (booked ones), not every row of that value.
    let of_rows = by
        .is_none()
        .then(|| rows_metric(plan, &table.name, ctx.catalog))
        .flatten();
    if let Some(f) = of_rows.and_then(|m| m.filter.as_deref()) {
        let named: Vec<String> = conds.clone();
        let rest: Vec<&str> = f
            .split(" AND ")
            .map(str::trim)
            .filter(|c| !named.iter().any(|n| n.ends_with(c)))
            .collect();
        if !rest.is_empty() {
            conds.push(ctx.expr(&rest.join(" AND ")));
        }
    }
    // "top 5 companies by employees": the column asked.
    let asked = list.column.clone().filter(|c| table.column(c).is_some());
    let size = by
        .filter(|m| row_size(&m.expression).is_some())
        .or(of_rows)
        .or_else(|| {
            table
                .default_metric
                .as_deref()
                .and_then(|m| ctx.catalog.metric(m))
        })
        .and_then(|m| row_size(&m.expression))
        .filter(|e| table.column(e.trim_start_matches('-')).is_some())
        // Else the table's one money column ("the largest payments").
        .or_else(|| sole_money_column(table).map(|c| c.name.clone()));
    // Rows with no value of the asked column have no place in its order.
    if let Some(c) = &asked {
        conds.push(format!(
            "{} IS NOT NULL",
            ctx.col(&Col::new(&table.name, c))
        ));
    }
    let size = asked.or(size);
    // "the 5 biggest card payments": a figure that adds up a column negated
    // (spend is `-amount`) shows its rows' amounts as it counts them, and
    // orders by what is shown.
    let size = match size.as_deref().and_then(|s| s.strip_prefix('-')) {
        Some(col) => {
            let q = ctx.col(&Col::new(&table.name, col));
            for c in columns.iter_mut() {
                if *c == q || *c == format!("{q} AS {col}") {
                    *c = format!("-{q} AS {col}");
                }
            }
            Some(col.to_string())
        }
        None => size,
    };
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
    // Ties broken by the key: the same rows every time.
    let order = match table.primary_key.as_deref() {
        Some(pk) if !order.starts_with(&format!("{pk} ")) => {
            format!("{order}, {}", ctx.col(&Col::new(&table.name, pk)))
        }
        _ => order,
    };
    sql.push_str(&format!(" ORDER BY {order} LIMIT {}", list.limit));
    let mut rows = if list.limit == 1 {
        singular(&table.name).replace('_', " ")
    } else {
        table.name.replace('_', " ")
    };
    if let Some(m) = by {
        rows.push_str(&format!(" in {}", m.label.to_lowercase()));
    }
    if let Some(c) = &list.column {
        rows.push_str(&format!(
            " by {}",
            super::describe::column_words(&Col::new(&table.name, c), ctx.catalog)
        ));
    }
    let mut line = if list.limit == 1 {
        format!("The {words} {rows}")
    } else if list.limit >= MAX_LIST {
        // Every row the conditions keep (up to the cap, said).
        let order = match words {
            "first" => format!(
                "by {}",
                table
                    .columns
                    .first()
                    .map_or("id", |c| c.name.as_str())
                    .replace('_', " ")
            ),
            w => format!("{w} first"),
        };
        format!("Every one of the {rows} (up to {MAX_LIST}, {order})")
    } else {
        format!("The {} {words} {rows}", list.limit)
    };
    if let Some(w) = owner_words {
        line.push_str(&format!(", each with its {w}"));
    }
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
