//! Passes that settle what is measured: new rows, rows named by a value,
//! lists, the default figure, entity counts, averages and amounts. Part of
//! the `resolve` pipeline; each pass is called from `complete`.

use super::describe::table_words;
use super::options::{self, default_metric_for, metric_words};
use super::plan::{Filter, Group, ListOrder, ListSpec, Measure, Plan, Rank, RowAgg};
use super::read::{counted_entity, Parsed};
use super::resolve::{clarify_measure, count_metric, is_count_all, known_summary, Pass};
use super::{capitalise_first, clauses, unsupported, Translation};
use crate::catalog::Catalog;

/// "new customers": rows of the named table by its own time column.
pub(super) fn new_rows(plan: &mut Plan, p: &Parsed, catalog: &Catalog) -> Pass {
    if !p.wants_new {
        return Ok(());
    }
    // "new customers": that table; "signups": the one entity table with a date.
    let entities: Vec<&str> = catalog
        .tables
        .iter()
        .filter(|t| t.label_column.is_some() && t.time_column.is_some())
        .map(|t| t.name.as_str())
        .collect();
    let is_count = |n: &String| {
        catalog
            .metric(n)
            .is_some_and(|d| d.expression.starts_with("COUNT("))
    };
    let (table, counts) = match (&p.new_table, entities.as_slice()) {
        (Some((t, m)), _) => (
            Some(t.as_str()),
            plan.measures
                .iter()
                .all(|x| matches!(x, Measure::Metric(n) if Some(n) == m.as_ref())),
        ),
        (None, [one]) if plan.measures.is_empty() || p.tables.iter().any(|t| t == one) => (
            Some(*one),
            plan.measures
                .iter()
                .all(|x| matches!(x, Measure::Metric(n) if is_count(n))),
        ),
        // "how many clients joined": the one entity table the question
        // names, as a table or by its count.
        (None, _) => {
            let mut named: Vec<&str> = p.tables.iter().map(String::as_str).collect();
            named.extend(plan.measures.iter().filter_map(|m| match m {
                Measure::Metric(n) if is_count(n) => catalog.metric(n).map(|d| d.table.as_str()),
                _ => None,
            }));
            named.retain(|t| entities.contains(t));
            named.dedup();
            match named.as_slice() {
                [t] => (
                    Some(*t),
                    plan.measures.iter().all(|x| {
                        matches!(x, Measure::Metric(n) if is_count(n)
                            && catalog.metric(n).is_some_and(|d| d.table == *t))
                    }),
                ),
                _ => (None, false),
            }
        }
    };
    let table = table.filter(|t| catalog.table(t).is_some_and(|t| t.time_column.is_some()));
    // "revenue from customers who signed up in 2025": the figure of another
    // table, over the rows of entities new in the period (their own date).
    let of_new = |t: &str| {
        plan.period.is_some()
            && plan.compare.is_none()
            && !plan.measures.is_empty()
            && plan.measures.iter().all(|m| {
                clauses::measure_table(m, catalog)
                    .is_some_and(|mt| mt != t && catalog.relationship(&mt, t).is_some())
            })
    };
    match table {
        Some(t) if counts => {
            plan.measures = vec![Measure::New(t.to_string())];
            Ok(())
        }
        Some(t) if of_new(t) => {
            let time = catalog.table(t).and_then(|d| d.time_column.clone());
            plan.date_column = time.map(|c| super::lexicon::Col::new(t, &c));
            Ok(())
        }
        // "new signups": a plain count of rows dated by their own start is
        // a count of new ones already.
        _ if p.new_table.is_none() && counts_dated_rows(plan, catalog) => Ok(()),
        // "new signups" said with the count's verb ("sign up"), or read
        // as the date of the period after it ("signups last month").
        _ if plan.measures.is_empty() && p.new_table.is_none() => {
            let dated = plan.date_column.as_ref().filter(|c| {
                catalog
                    .table(&c.table)
                    .is_some_and(|t| t.time_column.as_deref() == Some(c.column.as_str()))
            });
            let counted_metric = match (&p.weak_metric, dated) {
                (Some((m, _)), _) => Measure::Metric(m.clone()),
                (None, Some(c)) => count_metric(&c.table, catalog),
                (None, None) => return Err(unsupported(catalog, NEW_ONLY_COUNTS)),
            };
            let mut counted = plan.clone();
            counted.measures = vec![counted_metric];
            if !counts_dated_rows(&counted, catalog) {
                return Err(unsupported(catalog, NEW_ONLY_COUNTS));
            }
            plan.measures = counted.measures;
            Ok(())
        }
        _ => Err(Translation::Unsupported {
            reason: NEW_ONLY_COUNTS.into(),
            suggestions: Vec::new(),
        }),
    }
}

/// What a figure of "new" rows that is no count is told.
const NEW_ONLY_COUNTS: &str =
    "I can count new rows of a table that has a date (\"new customers\"), not other figures of new ones.";

/// Whether every figure is the plain count of one table's rows (`COUNT(*)`,
/// no condition), a table dated by a time column of its own.
fn counts_dated_rows(plan: &Plan, catalog: &Catalog) -> bool {
    let tables: Vec<&str> = plan
        .measures
        .iter()
        .filter_map(|m| match m {
            Measure::Metric(n) => catalog
                .metric(n)
                .filter(|d| d.counts_rows() && d.filter.is_none())
                .map(|d| d.table.as_str()),
            _ => None,
        })
        .collect();
    !tables.is_empty()
        && tables.len() == plan.measures.len()
        && tables.iter().all(|t| *t == tables[0])
        && catalog
            .table(tables[0])
            .is_some_and(|t| t.time_column.is_some())
}

/// "how many orders were refunded": a filtered count says it all; "cancelled
/// orders": a value of a table with a count names that count.
pub(super) fn measures_named_by_rows(plan: &mut Plan, p: &Parsed, catalog: &Catalog) {
    let filtered_counts: Vec<String> = plan
        .measures
        .iter()
        .filter_map(|m| match m {
            Measure::Metric(n) => catalog
                .metric(n)
                .filter(|d| d.expression == "COUNT(*)" && d.filter.is_some())
                .map(|d| d.table.clone()),
            _ => None,
        })
        .collect();
    plan.measures.retain(|m| match m {
        Measure::Metric(n) => {
            !(is_count_all(n, catalog)
                && catalog
                    .metric(n)
                    .is_some_and(|d| filtered_counts.contains(&d.table)))
        }
        _ => true,
    });
    if plan.measures.is_empty()
        && p.tables.is_empty()
        && plan.list.is_none()
        && (p.value_names_rows || p.wants_count)
    {
        // "how many debits over 1000 eur": rows a state names, counted
        // (after "how many" only: "debits by type" may be an amount).
        let states: Vec<String> = plan
            .filters
            .iter()
            .filter_map(|f| match f {
                Filter::State {
                    name,
                    negated: false,
                } if p.wants_count => super::plan::state_table(name, catalog),
                _ => None,
            })
            .collect();
        let tables: Vec<&str> = plan
            .filters
            .iter()
            .filter_map(|f| match f {
                Filter::In { col, .. } => Some(col.table.as_str()),
                _ => None,
            })
            .chain(states.iter().map(String::as_str))
            .collect();
        // "how many private clients have a mortgage": the rows the first
        // value names, which the other values' rows belong to.
        // "american small businesses on annual billing": on it now, or
        // ever? Left asked.
        let led = p
            .leads_with
            .as_deref()
            .or(p.how_many_of.as_deref())
            .filter(|_| !p.says_on)
            .filter(|l| {
                tables.contains(l)
                    && tables
                        .iter()
                        .all(|u| u == l || catalog.relationship(u, l).is_some())
            });
        let one = tables
            .first()
            .filter(|t| tables.iter().all(|u| u == *t))
            .copied();
        // "business clients in Munich with a credit card", no "how many":
        // the clients, listed (as "retail clients in France" are).
        let labelled = |t: &str| catalog.table(t).is_some_and(|d| d.label_column.is_some());
        if let (None, Some(t), false) = (one, led, p.asks_how_many || p.wants_count) {
            if labelled(t) && plan.period.is_none() {
                plan.list = Some(super::plan::ListSpec::every(t));
                return;
            }
        }
        if let Some(t) = one.or(led) {
            if let Measure::Metric(m) = count_metric(t, catalog) {
                plan.measures.push(Measure::Metric(m));
            }
        }
    }
}

/// A list of rows, unless a real figure was asked for. `Ok(true)`: done.
pub(super) fn list(plan: &mut Plan, p: &Parsed, catalog: &Catalog) -> Result<bool, Translation> {
    let Some(order) = plan.list.as_ref().map(|l| l.order) else {
        return Ok(false);
    };
    let counts_only = plan
        .measures
        .iter()
        .all(|m| matches!(m, Measure::Metric(n) if is_count_all(n, catalog)));
    // "each account's latest balance: the 5 highest": a list by date and a
    // ranking at once; one of them would be dropped.
    if plan.rank.is_some() && matches!(order, ListOrder::Newest | ListOrder::Oldest) {
        return Err(unsupported(
            catalog,
            "I can list the most recent rows or rank them, not both at once.",
        ));
    }
    let sized = matches!(order, ListOrder::Largest | ListOrder::Smallest);
    let single = plan.groups.is_empty() && plan.compare.is_none() && !plan.share;
    if sized && !counts_only {
        // "the largest incoming payment": the rows of the one figure named,
        // by the size each adds to it; never the figure's total instead.
        let summed = match plan.measures.as_slice() {
            [Measure::Metric(m)] if single => catalog
                .metric(m)
                .filter(|d| names_rows(d))
                .map(|d| (d.name.clone(), d.table.clone())),
            _ => None,
        };
        let Some((metric, table)) = summed else {
            return Err(unsupported(
                catalog,
                "I can list the largest or smallest single rows of one figure, but not of an average, a count or within a breakdown.",
            ));
        };
        if let Some(list) = plan.list.as_mut() {
            list.table = table;
            list.by = Some(metric);
        }
        plan.measures.clear();
        plan.rank = None;
        return Ok(true);
    }
    // "the 5 most recent refunded orders", "the latest cash withdrawals":
    // the rows a figure over a condition names, listed with that condition
    // (the list was dropped for the count: silently wrong).
    let rows_named = match plan.measures.as_slice() {
        [Measure::Metric(n)] => catalog
            .metric(n)
            .filter(|d| names_rows(d) && d.filter.is_some()),
        _ => None,
    };
    if let (Some(d), true, Some(list)) = (rows_named, single, plan.list.as_mut()) {
        list.table = d.table.clone();
        list.by = Some(d.name.clone());
    } else if !(counts_only && single) {
        // "list revenue by month", "accounts per country, biggest first":
        // the words only show or order what is asked; a date order asked
        // of one figure ("most recent revenue") has no rows to put in it.
        if p.recency && single && plan.list.as_ref().is_some_and(|l| l.table.is_empty()) {
            // The example names the figure's own rows: no dataset's words.
            let rows = plan
                .measures
                .first()
                .and_then(|m| clauses::measure_table(m, catalog))
                .map_or_else(|| "rows".to_string(), |t| table_words(&t));
            return Err(unsupported(
                catalog,
                format!("I can list the most recent or oldest rows of a table, not of a total; name the rows (\"the 10 most recent {rows}\")."),
            ));
        }
        plan.list = None;
        return Ok(false);
    }
    // "the 5 largest card payments": fact rows one value names, sized by
    // the one figure that adds them up (card spend).
    let sizing = plan
        .list
        .as_ref()
        .filter(|l| {
            l.table.is_empty() && matches!(l.order, ListOrder::Largest | ListOrder::Smallest)
        })
        .filter(|_| p.tables.is_empty() && plan.measures.is_empty())
        .and_then(|_| {
            let mut tables = plan.filters.iter().filter_map(|f| match f {
                Filter::In { col, .. } => Some(&col.table),
                _ => None,
            });
            let t = tables.next()?;
            tables.all(|r| r == t).then_some(t)
        })
        .and_then(|t| {
            super::list::rows_metric(plan, t, catalog).map(|m| (t.clone(), m.name.clone()))
        });
    let Some(list) = plan.list.as_mut() else {
        return Ok(false);
    };
    if list.table.is_empty() {
        // "the cheapest accessory": rows a value names are its table's.
        let valued: Vec<&String> = plan
            .filters
            .iter()
            .filter_map(|f| match f {
                Filter::In { col, .. } => Some(&col.table),
                _ => None,
            })
            .collect();
        // Only rows that name themselves (an entity with a name column): a
        // value of fact rows ("the biggest card purchase") leaves open what
        // size they are listed by.
        let valued = match valued.as_slice() {
            [t, rest @ ..] if rest.iter().all(|r| r == t) => Some((*t).clone()),
            _ => None,
        };
        let valued = valued.filter(|t| catalog.table(t).is_some_and(|d| d.label_column.is_some()));
        if let Some((_, m)) = &sizing {
            list.by = Some(m.clone());
        }
        list.table = sizing
            .map(|(t, _)| t)
            .or_else(|| {
                p.tables
                    .first()
                    .cloned()
                    .or_else(|| {
                        plan.measures
                            .first()
                            .and_then(|m| clauses::measure_table(m, catalog))
                    })
                    .or(valued)
            })
            .ok_or_else(|| Translation::Clarify {
                reason: "Which rows should I list?".into(),
                options: options::lists(catalog),
            })?;
    }
    let table = list.table.clone();
    // A value the sizing figure's own condition holds is not said twice.
    let sized_by = list.by.as_deref().and_then(|m| catalog.metric(m));
    if let Some(cond) = sized_by.and_then(|d| d.filter.clone()) {
        let conds: Vec<&str> = cond.split(" AND ").map(str::trim).collect();
        plan.filters.retain(|f| match f {
            Filter::In {
                col,
                values,
                negated: false,
            } => !matches!(values.as_slice(), [v] if conds.contains(&clauses::equals(&col.column, v).as_str())),
            _ => true,
        });
    }
    plan.measures.clear();
    plan.rank = None;
    if !catalog
        .table(&table)
        .is_some_and(|t| t.columns.iter().any(|c| !c.personal && c.dimension))
    {
        // Only personal columns to show, or none that says what a row is.
        let personal = catalog
            .table(&table)
            .is_some_and(|t| t.columns.iter().any(|c| c.personal));
        let why = if personal {
            format!("I don't list {}' personal details.", table_words(&table))
        } else {
            format!(
                "I don't list {} row by row; ask for a figure of them (a total, or one by a column).",
                table_words(&table)
            )
        };
        return Err(unsupported(catalog, why));
    }
    Ok(true)
}

/// What one row adds to a metric that sums a column: `amount` of
/// `SUM(amount)`, `-amount_cents` of `SUM(-amount_cents)`.
pub(super) fn row_size(expression: &str) -> Option<String> {
    let e = expression.replace(' ', "");
    let inner = e.strip_prefix("SUM(")?.strip_suffix(')')?;
    let column = inner.strip_prefix('-').unwrap_or(inner);
    (!column.is_empty()
        && column
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then(|| inner.to_string())
}

/// A table's one shareable money column, when it has exactly one.
pub(super) fn sole_money_column(
    table: &crate::catalog::TableDef,
) -> Option<&crate::catalog::ColumnDef> {
    let mut money = table
        .columns
        .iter()
        .filter(|c| !c.personal && c.format == Some(crate::catalog::DisplayFormat::Money));
    match (money.next(), money.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// Whether a metric's rows can be listed by size: it adds up a column, or
/// counts rows of a condition ("refunds").
pub(super) fn names_rows(d: &crate::catalog::MetricDef) -> bool {
    row_size(&d.expression).is_some() || d.expression == "COUNT(*)" && d.filter.is_some()
}

/// "top 10 orders" (the largest rows) or a list of rows of a named table.
pub(super) fn largest_rows(plan: &mut Plan, table: &str) {
    let (order, n) = match plan.rank {
        Some(Rank::Top(n)) => (ListOrder::Largest, n),
        Some(Rank::Bottom(n)) => (ListOrder::Smallest, n),
        None => return,
    };
    plan.list = Some(ListSpec {
        table: table.to_string(),
        order,
        limit: n,
        by: None,
        shown: None,
        column: None,
    });
    plan.measures.clear();
    plan.rank = None;
}

/// The measure when none was named. `Ok(true)`: the plan became a list.
pub(super) fn default_measure(
    plan: &mut Plan,
    p: &Parsed,
    catalog: &Catalog,
) -> Result<bool, Translation> {
    if !plan.measures.is_empty() {
        if p.vague && plan.rank.is_none() && plan.groups.is_empty() {
            return Err(clarify_measure(plan, catalog));
        }
        return Ok(false);
    }
    if plan.rank.is_some() && plan.groups.is_empty() {
        if let Some(t) = p.tables.first() {
            largest_rows(plan, t);
            return Ok(true);
        }
    }
    // "which country is Tara Berg from": that entity's own row, by the
    // groups asked for.
    if let Some((_, tables)) = &plan.named {
        // "how many open accounts does Giulia Thomas have": the rows a
        // state names, of the entity named, are what is counted.
        let state_rows = plan.filters.iter().find_map(|f| match f {
            Filter::State {
                name,
                negated: false,
            } => super::plan::state_table(name, catalog).filter(|s| {
                plan.groups.is_empty()
                    && tables
                        .iter()
                        .any(|t| t != s && catalog.relationship(s, t).is_some())
            }),
            _ => None,
        });
        if let Some(s) = state_rows {
            plan.measures.push(count_metric(&s, catalog));
            return Ok(false);
        }
        let of_groups = tables.iter().find(|t| {
            !plan.groups.is_empty()
                && plan
                    .groups
                    .iter()
                    .all(|g| matches!(g, Group::Dim(c) if c.table == **t))
        });
        if let Some(t) = of_groups.or(if tables.len() == 1 {
            tables.first()
        } else {
            None
        }) {
            plan.measures.push(Measure::Rows(t.clone()));
            return Ok(false);
        }
    }
    // "most common transaction type": how often each value occurs, in the
    // rows of its own table.
    if let ([Group::Dim(c)], true, Some(_)) = (plan.groups.as_slice(), p.frequency, plan.rank) {
        if p.tables.iter().all(|t| *t == c.table) {
            plan.measures.push(count_metric(&c.table, catalog));
            return Ok(false);
        }
    }
    // "kyc status breakdown": how the column's own rows split (those that
    // hold a value: "churn reasons" are the canceled subscriptions').
    // Rows named ("paying subscriptions broken down by plan") are counted
    // as "by plan" counts them.
    if let ([Group::Dim(c)], true, None) = (plan.groups.as_slice(), p.breakdown, plan.rank) {
        if p.tables.is_empty() {
            let held = Filter::Null {
                col: c.clone(),
                negated: true,
            };
            if !plan.filters.contains(&held) {
                plan.filters.push(held);
            }
            plan.measures.push(count_metric(&c.table, catalog));
            return Ok(false);
        }
    }
    // "busiest weekday for support": the rows of a table named beside the
    // groups, not one of the groups' own tables.
    // "which product has the most closed accounts": rows a state names are
    // counted even when the group is a column of their own table.
    let in_state = |t: &str| {
        plan.filters.iter().any(|f| match f {
            Filter::State { name, .. } => {
                super::plan::state_table(name, catalog).as_deref() == Some(t)
            }
            _ => false,
        })
    };
    let named = p.tables.iter().find(|t| {
        in_state(t)
            || !plan
                .groups
                .iter()
                .any(|g| matches!(g, Group::Dim(c) if c.table == **t))
    });
    if let (Some(_), false, Some(t)) = (plan.rank, plan.groups.is_empty(), named) {
        plan.measures.push(count_metric(t, catalog));
        return Ok(false);
    }
    // "which city has the most private banking clients": the rows a value
    // describes, of a table the question names, are what is ranked.
    let described = p.tables.iter().find(|t| {
        plan.filters
            .iter()
            .any(|f| matches!(f, Filter::In { col, negated: false, .. } if col.table == **t))
    });
    // ("best selling software product" ranks the products themselves.)
    let entities = plan
        .groups
        .iter()
        .any(|g| matches!(g, Group::Dim(c) if c.names_rows(catalog)));
    if let (Some(_), false, false, Some(t)) =
        (plan.rank, plan.groups.is_empty(), entities, described)
    {
        plan.measures.push(count_metric(t, catalog));
        return Ok(false);
    }
    // "top 3 companies by number of exports", "which companies had the most
    // logins": a value that names other rows than the ranked ones is
    // counted for each of them.
    let valued: Vec<&String> = plan
        .filters
        .iter()
        .filter_map(|f| match f {
            Filter::In {
                col,
                negated: false,
                ..
            } => Some(&col.table),
            _ => None,
        })
        .collect();
    if let (Some(_), true, [t, rest @ ..]) = (plan.rank, p.value_names_rows, valued.as_slice()) {
        let others_ranked = !plan.groups.is_empty()
            && plan
                .groups
                .iter()
                .all(|g| matches!(g, Group::Dim(c) if c.names_rows(catalog) && c.table != **t));
        if others_ranked && rest.iter().all(|x| x == t) {
            plan.measures.push(count_metric(t, catalog));
            return Ok(false);
        }
    }
    if p.vague {
        return Err(clarify_measure(plan, catalog));
    }
    // "total overdue amount": the amount of the rows one state names.
    if p.money_word && p.tables.is_empty() {
        if let [t] = plan.state_tables(catalog).as_slice() {
            if let Measure::Metric(count) = count_metric(t, catalog) {
                if let Some(sum) = sum_of_counted_rows(&count, catalog) {
                    plan.measures.push(sum);
                    return Ok(false);
                }
            }
        }
    }
    if plan.rank.is_some() && !plan.groups.is_empty() {
        // "top products": by the default metric of a table that reaches them.
        if let Some(m) = default_metric_for(&plan.groups, catalog) {
            plan.measures.push(Measure::Metric(m));
        }
    } else if let Some(t) = p.tables.first() {
        plan.measures.push(count_metric(t, catalog));
    }
    if plan.measures.is_empty() {
        if !plan.groups.is_empty() || !plan.filters.is_empty() || plan.period.is_some() {
            return Err(clarify_measure(plan, catalog));
        }
        return Err(unsupported(
            catalog,
            format!(
                "I couldn't find a figure to compute in that question. I know about {}.",
                known_summary(catalog)
            ),
        ));
    }
    Ok(false)
}

/// "which country has the most customers": a distinct count of an entity
/// referenced by the facts, split only by the entity's own columns with no
/// period, is a count of the entity's rows (those without facts included).
pub(super) fn entity_count(plan: &mut Plan, catalog: &Catalog) {
    let [Measure::Metric(n)] = plan.measures.as_slice() else {
        return;
    };
    let Some(d) = catalog.metric(n) else { return };
    let e = d.expression.replace(' ', "");
    let Some(fk) = e
        .strip_prefix("COUNT(DISTINCT")
        .and_then(|x| x.strip_suffix(')'))
    else {
        return;
    };
    let Some(rel) = catalog
        .relationships
        .iter()
        .find(|r| r.from_table == d.table && r.from_column == fk)
    else {
        return;
    };
    // The catalog counts the entity's own rows with a metric of its own:
    // a distinct count beside it ("account holders") means those with rows.
    let own_count = catalog
        .metrics
        .iter()
        .any(|m| m.table == rel.to_table && m.counts_rows() && m.filter.is_none());
    if own_count {
        return;
    }
    let on_entity = |c: &crate::translate::lexicon::Col| c.table == rel.to_table;
    let grouped_by_entity = !plan.groups.is_empty()
        && plan
            .groups
            .iter()
            .all(|g| matches!(g, Group::Dim(c) if on_entity(c)));
    let filters_on_entity = plan
        .filters
        .iter()
        .all(|f| f.column().is_some_and(on_entity));
    // "what % of customers are in Germany": a share of the entity's rows.
    let share_of_entity = plan.share && plan.groups.is_empty() && !plan.filters.is_empty();
    if (grouped_by_entity || share_of_entity)
        && filters_on_entity
        && plan.period.is_none()
        && plan.compare.is_none()
    {
        plan.measures = vec![Measure::Rows(rel.to_table.clone())];
    }
}

/// "how many cash withdrawals": the rows a total of money adds up, counted
/// with the total's own filter. A snapshot, a total that is a number of
/// things already ("units sold") or no plain total (`SUM(a * b)`) is left
/// to be asked about.
pub(super) fn count_of_totals(plan: &mut Plan, p: &Parsed, catalog: &Catalog) {
    // "how many dollars": money, never a count of rows.
    if !p.wants_count
        || p.money_word
        || p.distinct.is_some()
        || p.per_entity.is_some()
        || plan.per_entity.is_some()
        || plan.having.is_some()
        || plan.measures.is_empty()
    {
        return;
    }
    let totals: Option<Vec<Measure>> = plan
        .measures
        .iter()
        .map(|m| match m {
            // "how many subscriptions are billed annually": the rows named,
            // not those a verb's figure adds up.
            Measure::Metric(n) if p.weak_metric.as_ref().is_some_and(|(w, _)| w == n) => None,
            Measure::Metric(n) => catalog
                .metric(n)
                .filter(|d| d.is_additive() && row_size(&d.expression).is_some())
                // "how many units sold" is the units themselves.
                .filter(|d| d.format == "money")
                // "top 3 clients by number of cash withdrawals": the
                // ranked rows are the groups, not the rows counted.
                .filter(|d| {
                    p.tables.iter().all(|t| {
                        *t == d.table
                            || plan
                                .groups
                                .iter()
                                .any(|g| matches!(g, Group::Dim(c) if c.table == *t))
                    })
                })
                .map(|_| Measure::OfRows {
                    metric: n.clone(),
                    agg: RowAgg::Count,
                }),
            _ => None,
        })
        .collect();
    if let Some(t) = totals {
        plan.measures = t;
    }
}

/// "customers with no tickets": a count of the customers who have orders
/// (`COUNT(DISTINCT customer_id)` of orders) read with rows they are
/// without counts the customers' own rows instead.
pub(super) fn entities_without(plan: &mut Plan, catalog: &Catalog) {
    let [Measure::Metric(n)] = plan.measures.as_slice() else {
        return;
    };
    let Some(d) = catalog.metric(n) else { return };
    let absent = plan
        .filters
        .iter()
        .any(|f| matches!(f, Filter::Without { .. }));
    let e = d.expression.replace(' ', "");
    let fk = e
        .strip_prefix("COUNT(DISTINCT")
        .and_then(|x| x.strip_suffix(')'));
    let entity = fk.and_then(|fk| {
        catalog
            .relationships
            .iter()
            .find(|r| r.from_table == d.table && r.from_column == fk)
    });
    if let (true, Some(r)) = (absent, entity) {
        plan.measures = vec![Measure::Rows(r.to_table.clone())];
    }
}

/// "average X": the catalog's average of what X sums, or X when it is one.
pub(super) fn average(plan: &mut Plan, p: &Parsed, catalog: &Catalog) -> Pass {
    if !p.average {
        return Ok(());
    }
    let timed = plan.groups.iter().any(|g| matches!(g, Group::Time(_)));
    let mut out = Vec::new();
    for m in &plan.measures {
        if let Measure::Average(_) | Measure::Span { .. } = m {
            out.push(m.clone());
            continue;
        }
        let Measure::Metric(n) = m else {
            return Err(cannot_average(catalog));
        };
        let d = catalog.metric(n).ok_or_else(|| cannot_average(catalog))?;
        let e = d.expression.replace(' ', "");
        if e.starts_with("AVG(") {
            out.push(m.clone());
            continue;
        }
        // "average orders per day": the mean of the totals of each bucket.
        if timed && d.is_additive() && p.per_grain && plan.groups.len() == 1 {
            plan.bucket_average = true;
            out.push(m.clone());
            continue;
        }
        if timed && d.is_additive() {
            return Err(unsupported(
                catalog,
                "I can't average totals over time yet; ask for the figure by month instead.",
            ));
        }
        // "average paid invoice": the rows' own average, the one the
        // catalog defines on their table ("average invoice").
        if e == "COUNT(*)" && d.filter.is_none() {
            // Only an average of all the rows (bar values it leaves out,
            // `status <> 'void'`), or of the ones the question names: the
            // "average card payment" is no "average transaction".
            let said = |part: &str| {
                part.contains(" <> ")
                    || plan.filters.iter().any(|f| match f {
                        Filter::In {
                            col,
                            values,
                            negated: false,
                        } => values
                            .iter()
                            .any(|v| part == clauses::equals(&col.column, v)),
                        _ => false,
                    })
            };
            // Each condition that keeps rows is said, or on a column the
            // question says nothing of, and at least one is said.
            let filtered = |part: &str| {
                plan.filters.iter().any(|f| match f {
                    Filter::In { col, .. } => part.starts_with(&format!("{} ", col.column)),
                    _ => false,
                })
            };
            let fits = |f: &str| {
                let keeps: Vec<&str> = f
                    .split(" AND ")
                    .map(str::trim)
                    .filter(|p| !p.contains(" <> "))
                    .collect();
                keeps.iter().all(|p| said(p) || !filtered(p))
                    && (keeps.is_empty() || keeps.iter().any(|p| said(p)))
            };
            let mut avgs = catalog.metrics.iter().filter(|a| {
                a.table == d.table
                    && a.expression.replace(' ', "").starts_with("AVG(")
                    && a.filter.as_deref().is_none_or(fits)
            });
            if let (Some(a), None) = (avgs.next(), avgs.next()) {
                out.push(Measure::Metric(a.name.clone()));
                continue;
            }
        }
        let avg = e.strip_prefix("SUM(").map(|inner| format!("AVG({inner}"));
        let found = catalog.metrics.iter().find(|a| {
            a.table == d.table && a.filter == d.filter && Some(a.expression.replace(' ', "")) == avg
        });
        match found {
            Some(a) => out.push(Measure::Metric(a.name.clone())),
            // A total of rows is averaged over the same rows; a snapshot or
            // a distinct count has no one reading per row.
            None if avg.is_some() && d.is_additive() => out.push(Measure::OfRows {
                metric: n.clone(),
                agg: RowAgg::Average,
            }),
            None => match column_of_rows_named(plan, p, d, catalog) {
                Some(col) => out.push(Measure::Average(col)),
                None => return Err(cannot_average(catalog)),
            },
        }
    }
    out.dedup();
    plan.measures = out;
    Ok(())
}

/// "average seats of active subscriptions": a snapshot's total of `seats`
/// has no one reading per row, but the rows the question names (by their
/// table or one of their states) carry a number column of that name.
fn column_of_rows_named(
    plan: &Plan,
    p: &Parsed,
    d: &crate::catalog::MetricDef,
    catalog: &Catalog,
) -> Option<super::lexicon::Col> {
    let inner = d.expression.replace(' ', "");
    let column = inner.strip_prefix("SUM(")?.strip_suffix(')')?.to_string();
    let mut named: Vec<String> = plan.state_tables(catalog);
    named.extend(p.tables.iter().cloned());
    named.retain(|t| *t != d.table);
    named.dedup();
    let [table] = named.as_slice() else {
        return None;
    };
    let col = super::lexicon::Col::new(table, &column);
    matches!(
        col.column_type(catalog),
        Some(crate::catalog::ColumnType::Int | crate::catalog::ColumnType::Float)
    )
    .then_some(col)
}

fn cannot_average(catalog: &Catalog) -> Translation {
    let avgs: Vec<String> = catalog
        .metrics
        .iter()
        .filter(|m| m.expression.starts_with("AVG("))
        .map(|m| m.label.to_lowercase())
        .collect();
    unsupported(
        catalog,
        format!(
            "I can only average what the catalog defines as an average ({}) or a numeric column.",
            avgs.join(", ")
        ),
    )
}

/// "value of refunds": a count has no amount to add up.
pub(super) fn money(plan: &mut Plan, p: &Parsed, catalog: &Catalog) -> Pass {
    if !p.money_word {
        return Ok(());
    }
    let found = plan.measures.clone().into_iter().find(|m| match m {
        Measure::Metric(n) => catalog
            .metric(n)
            .is_some_and(|d| d.expression.starts_with("COUNT(")),
        Measure::Average(_) => false,
        _ => true,
    });
    let Some(Measure::Metric(name)) = found.as_ref() else {
        return Ok(());
    };
    if let ([_], Some(sum)) = (plan.measures.as_slice(), sum_of_counted_rows(name, catalog)) {
        // Rows of one state ("refunded orders") have one amount; rows of any
        // state next to a metric that keeps one state are asked about.
        if matches!(
            &sum,
            Measure::Sum {
                filter: Some(_),
                ..
            }
        ) || names_state_column(plan, catalog)
            || names_rows_state(plan, name, catalog)
        {
            plan.measures = vec![sum];
            return Ok(());
        }
    }
    // "amount of card payments": the figure that sizes the rows a value
    // names (card spend), when the catalog has one.
    let table = catalog
        .metric(name)
        .map(|d| d.table.clone())
        .unwrap_or_default();
    if let ([_], Some(sized)) = (
        plan.measures.as_slice(),
        super::list::rows_metric(plan, &table, catalog),
    ) {
        plan.measures = vec![Measure::Metric(sized.name.clone())];
        return Ok(());
    }
    let words = metric_words(name);
    let mut suggestions = vec![words.clone()];
    if let Some(d) = catalog
        .metric(name)
        .and_then(|d| catalog.table(&d.table))
        .and_then(|t| t.default_metric.clone())
        .filter(|d| d != name)
    {
        suggestions.push(metric_words(&d));
    }
    suggestions.push(format!("{words} by month"));
    Err(Translation::Unsupported {
        reason: format!(
            "{} is a count; I have no amount to add up for it.",
            capitalise_first(&words)
        ),
        suggestions,
    })
}

/// Whether a filter names a value of the column the table's default metric
/// keeps one value of ("cancelled" orders, where revenue keeps completed).
fn names_state_column(plan: &Plan, catalog: &Catalog) -> bool {
    plan.filters.iter().any(|f| match f {
        Filter::In { col, .. } => catalog
            .table(&col.table)
            .and_then(|t| t.default_metric.as_deref())
            .and_then(|m| catalog.metric(m))
            .and_then(|m| m.filter.as_deref())
            .is_some_and(|f| f.starts_with(&format!("{} = ", col.column))),
        _ => false,
    })
}

/// "total amount of overdue invoices": a catalog state of the counted rows
/// names which rows the amount is of.
fn names_rows_state(plan: &Plan, count: &str, catalog: &Catalog) -> bool {
    let Some(table) = catalog.metric(count).map(|d| d.table.as_str()) else {
        return false;
    };
    plan.state_tables(catalog).iter().any(|t| t == table)
}

/// "amount of refunded orders": a row count's rows, summed over the column
/// the table's default metric adds up (its own filter left out).
fn sum_of_counted_rows(count: &str, catalog: &Catalog) -> Option<Measure> {
    let d = catalog
        .metric(count)
        .filter(|d| d.expression == "COUNT(*)")?;
    let default = catalog.metric(catalog.table(&d.table)?.default_metric.as_deref()?)?;
    let e = default.expression.replace(' ', "");
    let column = e.strip_prefix("SUM(")?.strip_suffix(')')?;
    catalog.table(&d.table)?.column(column)?;
    Some(Measure::Sum {
        col: super::lexicon::Col::new(&d.table, column),
        filter: d.filter.clone(),
    })
}

/// "how many accounts had a negative balance": a count of an entity whose
/// rows of another table are in a state of that table is the number of
/// distinct entity keys among those rows.
pub(super) fn entities_in_state(plan: &mut Plan, p: &Parsed, catalog: &Catalog) {
    // "which companies have overdue invoices": rows that link to the
    // entity grouped by its label; the entity is what is counted.
    let mut measures = plan.measures.clone();
    // The rows: those counted, or those a state names ("overdue invoices").
    let state_rows = plan.filters.iter().find_map(|f| match f {
        Filter::State {
            name,
            negated: false,
        } => super::plan::state_table(name, catalog),
        Filter::In {
            col,
            negated: false,
            ..
        } => Some(col.table.clone()),
        _ => None,
    });
    let rows_measure = match plan.measures.as_slice() {
        [m] => Some(m.clone()),
        [] => state_rows.map(|t| count_metric(&t, catalog)),
        _ => None,
    };
    if let ([Group::Dim(c)], Some(m)) = (plan.groups.as_slice(), rows_measure) {
        let label = catalog
            .table(&c.table)
            .is_some_and(|t| t.label_column.as_deref() == Some(c.column.as_str()));
        let rows = counted_entity(&m, catalog)
            .filter(|f| *f != c.table && catalog.relationship(f, &c.table).is_some());
        if let (true, Some(_), Measure::Metric(_)) = (label, rows, count_metric(&c.table, catalog))
        {
            measures = vec![count_metric(&c.table, catalog), m];
        }
    }
    let counted_tables: Vec<String> = measures
        .iter()
        .filter_map(|m| counted_entity(m, catalog))
        .collect();
    // The companies are then listed, not split by their name (a split by
    // another of their columns, "by industry", stays a split).
    let own_groups = !plan.groups.is_empty()
        && !p.money_word
        && plan.compare.is_none()
        && plan.rank.is_none()
        && !plan.share
        && plan.list.is_none()
        && !p.asks_how_many
        && plan
            .groups
            .iter()
            .all(|g| matches!(g, Group::Dim(c) if counted_tables.contains(&c.table) && c.names_rows(catalog)));
    if plan.is_shaped() && !own_groups {
        return;
    }
    if !own_groups {
        entities_in_state_of(plan, p, catalog);
        return;
    }
    let (groups, before) = (std::mem::take(&mut plan.groups), plan.measures.clone());
    plan.measures = measures;
    entities_in_state_of(plan, p, catalog);
    // Not read as entities with such rows: the split stays.
    if plan.per_entity.is_none() {
        plan.groups = groups;
        plan.measures = before;
    }
}

/// "clients with both a savings account and a credit card": the entities
/// (one semi-join per value), counted after "how many", else listed.
fn entities_holding_each(plan: &mut Plan, p: &Parsed, entity: &str, catalog: &Catalog) {
    if p.asks_how_many {
        plan.measures = vec![count_metric(entity, catalog)];
        return;
    }
    plan.measures.clear();
    plan.per_entity = None;
    plan.list = Some(super::plan::ListSpec::every(entity));
}

fn entities_in_state_of(plan: &mut Plan, p: &Parsed, catalog: &Catalog) {
    // "how many clients have both a checking and a savings account": each
    // value on a row of its own, so the entities are counted (one
    // semi-join per value), never the distinct holders of either.
    if let [Measure::Distinct { col, base, .. }] = plan.measures.as_slice() {
        let each = plan.each_value_filter(base).is_some();
        let entity = catalog
            .relationships
            .iter()
            .find(|r| r.from_table == *base && r.from_column == col.column)
            .map(|r| r.to_table.clone());
        if let (true, Some(entity)) = (each, entity) {
            entities_holding_each(plan, p, &entity, catalog);
            return;
        }
    }
    // "how many customers have refunded orders", "customers with refunded
    // orders": the customers a distinct count keeps on orders, among the
    // rows a count with a filter names.
    if let ([Measure::Metric(a), Measure::Metric(b)], true) =
        (plan.measures.as_slice(), p.asks_how_many || p.having)
    {
        let (Some(da), Some(db)) = (catalog.metric(a), catalog.metric(b)) else {
            return;
        };
        let fk = da
            .expression
            .replace(' ', "")
            .strip_prefix("COUNT(DISTINCT")
            .and_then(|x| x.strip_suffix(')'))
            .map(str::to_string);
        let linked = fk.as_ref().is_some_and(|fk| {
            catalog
                .relationships
                .iter()
                .any(|r| r.from_table == da.table && r.from_column == *fk)
        });
        if let (true, Some(fk), Some(filter)) = (linked, fk, db.filter.as_ref()) {
            if db.table == da.table && db.counts_rows() {
                plan.measures = vec![Measure::Distinct {
                    col: super::lexicon::Col::new(&da.table, &fk),
                    base: da.table.clone(),
                    filter: Some(filter.clone()),
                }];
                return;
            }
        }
        if p.asks_how_many {
            return;
        }
    }
    let counted = |m: &Measure| counted_entity(m, catalog);
    // "how many clients have a dormant account": the entity's count and
    // the count of the rows named beside it, which link to the entity.
    let (entity, named) = match plan.measures.as_slice() {
        // "customers with overdue invoices": the entity's word alone.
        [] => match p.tables.first() {
            Some(t) if catalog.table(t).is_some_and(|d| d.label_column.is_some()) => {
                (t.clone(), None)
            }
            _ => return,
        },
        [m] => match counted(m) {
            Some(e) => (e, None),
            None => return,
        },
        [a, b] => match (counted(a), counted(b)) {
            (Some(e), Some(f)) if catalog.relationship(&f, &e).is_some() => (e, Some(f)),
            _ => return,
        },
        _ => return,
    };
    // "how many card payments by Vienna clients": the rows named first
    // after "how many" are counted; the entity says whose they are.
    // "mortgages of clients in Berlin": the rows named first, too.
    let first = p
        .how_many_of
        .as_ref()
        .filter(|_| p.asks_how_many)
        .or(p.rows_first.as_ref());
    if let Some(rows) =
        first.filter(|t| **t != entity && catalog.relationship(t, &entity).is_some())
    {
        plan.measures = vec![count_metric(rows, catalog)];
        return;
    }
    // The states of the rows, and their values where those rows are named.
    // After "how many", a value of rows that link to the entity names those
    // rows too ("how many clients have a savings account": clients have no
    // product).
    let named_fact = |t: &str| {
        named.as_deref() == Some(t)
            || p.tables.iter().any(|x| x == t)
            || p.asks_how_many && catalog.relationship(t, &entity).is_some()
    };
    let mut facts = plan.filters.iter().filter_map(|f| match f {
        Filter::State { name, .. } => super::plan::state_table(name, catalog),
        Filter::In {
            col,
            negated: false,
            ..
        } if col.table != entity && named_fact(&col.table) => Some(col.table.clone()),
        _ => None,
    });
    // "how many clients opened an account this year": no condition on the
    // rows named, but a period of theirs, after "how many".
    let dated_rows = || {
        let t = p
            .tables
            .iter()
            .find(|t| **t != entity && catalog.relationship(t, &entity).is_some())?;
        let dated = catalog.table(t).is_some_and(|d| d.time_column.is_some());
        (p.asks_how_many && plan.period.is_some() && plan.filters.is_empty() && dated)
            .then(|| t.clone())
    };
    let Some(fact) = facts.next().or_else(dated_rows) else {
        return;
    };
    if fact == entity || facts.any(|t| t != fact) || named.as_ref().is_some_and(|n| *n != fact) {
        return;
    }
    // "how many clients have a credit card and a mortgage": rows of each
    // value, so the entities themselves are counted (one semi-join per
    // value), never the distinct holders of either.
    if plan.each_value_filter(&fact).is_some() {
        entities_holding_each(plan, p, &entity, catalog);
        return;
    }
    if let Some(rel) = catalog
        .relationships
        .iter()
        .find(|r| r.from_table == fact && r.to_table == entity)
    {
        // "companies with overdue invoices", no "how many": the companies
        // themselves, each with how many such rows it has.
        if let (false, Measure::Metric(count)) = (p.asks_how_many, count_metric(&fact, catalog)) {
            plan.measures = vec![Measure::Metric(count)];
            plan.per_entity = Some(super::plan::PerEntity {
                entity,
                op: super::plan::Op::Ge,
                value: 1.0,
                list: true,
                average: false,
                with_empty: false,
            });
            return;
        }
        plan.measures = vec![Measure::Distinct {
            col: super::lexicon::Col::new(&fact, &rel.from_column),
            base: fact,
            filter: None,
        }];
    }
}
