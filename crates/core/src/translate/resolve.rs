//! A read plan made whole: a pipeline of named passes that fill defaults
//! from the catalog and check the plan against it; anything doubtful
//! becomes a question back or a refusal.

use super::describe::{column_words, condition_words, is_label, singular, table_words};
use super::lexicon::{Col, Grain};
use super::measures;
use super::options::{self, metric_words, reaches};
use super::plan::{Compare, Filter, Group, Measure, Plan, Rank, RowAgg};
use super::read::Parsed;
use super::{capitalise_first, clauses, period, unsupported, TranslateContext, Translation};
use crate::catalog::Catalog;

pub(super) type Pass = Result<(), Translation>;

pub(super) fn known_summary(catalog: &Catalog) -> String {
    let names: Vec<String> = catalog
        .metrics
        .iter()
        .map(|m| m.label.to_lowercase())
        .collect();
    names.join(", ")
}

/// The metric that counts a table's rows, if the catalog has one.
pub(super) fn count_metric(table: &str, catalog: &Catalog) -> Measure {
    catalog
        .metrics
        .iter()
        .find(|m| m.table == table && m.filter.is_none() && m.expression == "COUNT(*)")
        .or_else(|| catalog.metrics.iter().find(|m| m.name == table))
        .map(|m| Measure::Metric(m.name.clone()))
        .unwrap_or_else(|| Measure::Rows(table.to_string()))
}

pub(super) fn group_phrase(groups: &[Group], catalog: &Catalog) -> String {
    groups
        .iter()
        .map(|g| match g {
            Group::Dim(c) => column_words(c, catalog),
            Group::Time(g) => grain_word(*g).to_string(),
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

pub(super) fn grain_word(g: Grain) -> &'static str {
    match g {
        Grain::Day => "day",
        Grain::Week => "week",
        Grain::Month => "month",
        Grain::Quarter => "quarter",
        Grain::Year => "year",
        Grain::Weekday => "day of the week",
        Grain::DayType => "weekend or weekday",
        Grain::Hour => "hour of the day",
    }
}

pub(super) fn is_count_all(name: &str, catalog: &Catalog) -> bool {
    catalog
        .metric(name)
        .is_some_and(|d| d.expression == "COUNT(*)" && d.filter.is_none())
}

fn additive(m: &Measure, catalog: &Catalog) -> bool {
    match m {
        Measure::Metric(n) => catalog.metric(n).is_some_and(|d| d.is_additive()),
        Measure::Rows(_) | Measure::New(_) => true,
        Measure::Sum { .. } => true,
        Measure::OfRows {
            agg: RowAgg::Count, ..
        } => true,
        Measure::Average(_)
        | Measure::OfRows { .. }
        | Measure::Distinct { .. }
        | Measure::Span { .. } => false,
    }
}

fn first_measure_words(plan: &Plan, catalog: &Catalog) -> String {
    match plan.measures.first() {
        Some(Measure::Metric(n)) => metric_words(n),
        _ => options::measure_words(catalog)
            .into_iter()
            .next()
            .unwrap_or_default(),
    }
}

/// Fills defaults and checks the plan; refuses or asks back when unsure.
pub(super) fn complete(
    mut plan: Plan,
    p: &Parsed,
    catalog: &Catalog,
    ctx: &TranslateContext,
) -> Result<Plan, Translation> {
    // "still hold open accounts", "an open savings account and an open
    // credit card": a condition said twice is one.
    plan.dedup_filters();
    plan.count_asked = p.asks_how_many;
    if super::per_entity::average_per(&mut plan, p, catalog)? {
        return Ok(plan);
    }
    having(&mut plan, p, catalog)?;
    measures::count_of_totals(&mut plan, p, catalog);
    let rate = rate(&mut plan, p, catalog);
    refusals(&plan, p, catalog, rate)?;
    super::distinct::distinct(&mut plan, p, catalog)?;
    super::per_entity::per_entity(&mut plan, p, catalog)?;
    measures::new_rows(&mut plan, p, catalog)?;
    measures::measures_named_by_rows(&mut plan, p, catalog);
    super::snapshot::figure_of_reading(&mut plan, catalog);
    measures::entities_in_state(&mut plan, p, catalog);
    if plan.list.is_some() {
        absent_within(&mut plan, catalog);
    }
    if measures::list(&mut plan, p, catalog)? {
        return Ok(plan);
    }
    if measures::default_measure(&mut plan, p, catalog)? {
        return Ok(plan);
    }
    measures::entity_count(&mut plan, catalog);
    measures::average(&mut plan, p, catalog)?;
    measures::money(&mut plan, p, catalog)?;
    verb_beside_named_figures(&plan, p, catalog)?;
    measures::entities_without(&mut plan, catalog);
    // "how many customers joined since March": a count of the entity a
    // distinct count keeps over other rows is of its own rows, by its date.
    if let (Some(c), [Measure::Metric(m)]) = (&plan.date_column, plan.measures.as_slice()) {
        if super::read::distinct_keys_of(m, catalog).as_deref() == Some(c.table.as_str()) {
            plan.measures = vec![Measure::Rows(c.table.clone())];
        }
    }
    absent_rows_values(&mut plan, catalog)?;
    let base = base_table(&plan, catalog)?;
    own_columns(&mut plan, p, &base, catalog);
    values_agree(&plan, catalog)?;
    one_row_each(&plan, catalog)?;
    dates_agree(&plan, &base, catalog)?;
    reading_of_other_rows(&mut plan, &base, catalog);
    dated_beside_other_rows(&plan, &base, catalog)?;
    // "revenue from customers who signed up in 2025": the period dates the
    // linked rows; the measured ones keep any date.
    if let (Some(c), Some(p)) = (
        plan.date_column
            .clone()
            .filter(|c| c.table != base && catalog.relationship(&base, &c.table).is_some()),
        plan.period.clone(),
    ) {
        if plan.compare.is_none() && !plan.groups.iter().any(|g| matches!(g, Group::Time(_))) {
            plan.filters.push(Filter::Dated { col: c, period: p });
            plan.period = None;
            plan.date_column = None;
        }
    }
    absent_within(&mut plan, catalog);
    if let Some(c) = plan.date_column.as_ref().filter(|c| c.table != base) {
        return Err(unsupported(
            catalog,
            format!(
                "I can bound a period by a date of the {} measured, not by the {} of {}.",
                super::describe::table_words(&base),
                column_words(c, catalog),
                super::describe::table_words(&c.table)
            ),
        ));
    }
    absent_links(&plan, &base, catalog)?;
    loose_tables(&plan, p, &base, catalog)?;
    shape(&plan)?;
    metric_filters(&mut plan, p, &base, catalog)?;
    share(&mut plan, p, catalog)?;
    compare(&mut plan, ctx)?;
    // A snapshot asked about now ("what is our MRR"): its last reading up
    // to today, not one dated in the future.
    if plan.period.is_none()
        && plan.compare.is_none()
        && !plan.groups.iter().any(|g| matches!(g, Group::Time(_)))
        && catalog.table(&base).is_some_and(|t| t.snapshot)
    {
        plan.period = period::up_to_today(ctx.today);
    }
    if rank_rows(&mut plan, p, catalog) {
        return Ok(plan);
    }
    reach(&plan, &base, catalog)?;
    absent_entities_listed(&mut plan, p, catalog);
    Ok(plan)
}

/// "which priority has the best resolution time": "best" and "worst" rank
/// by the figure's good end (a duration's, or one the catalog says is
/// better lower, is its lowest); "slowest" and "fastest" rank a duration
/// only.
pub(super) fn orient_rank(plan: &mut Plan, p: &Parsed, catalog: &Catalog) -> Pass {
    if !p.speed && p.quality.is_none() {
        return Ok(());
    }
    let Some(rank) = plan.rank else {
        return Ok(());
    };
    let first = plan.measures.first();
    let duration = first.is_some_and(|m| is_duration(m, catalog));
    if p.speed && !duration {
        return Err(unsupported(
            catalog,
            "'Slowest' and 'fastest' rank a duration; name one to rank by.",
        ));
    }
    let better = first.and_then(|m| match m {
        Measure::Metric(n) | Measure::OfRows { metric: n, .. } => {
            catalog.metric(n).and_then(|d| d.better)
        }
        _ => None,
    });
    let lower_is_better = better.map_or(duration, |b| b == crate::catalog::Better::Lower);
    if p.quality.is_some() && lower_is_better {
        plan.rank = Some(match rank {
            Rank::Top(n) => Rank::Bottom(n),
            Rank::Bottom(n) => Rank::Top(n),
        });
    }
    Ok(())
}

/// Whether a measure is a length of time (its unit is one of time).
pub(super) fn is_duration(m: &Measure, catalog: &Catalog) -> bool {
    match m {
        Measure::Metric(n) | Measure::OfRows { metric: n, .. } => {
            super::units::metric_unit(n, catalog).is_some()
        }
        Measure::Average(c) => super::units::column_unit(c, catalog).is_some(),
        Measure::Span { .. } => true,
        _ => false,
    }
}

/// "countries with more than 100 orders": a threshold on each group's
/// figure needs groups and one figure; "how many countries ...": the
/// groups that pass are counted.
fn having(plan: &mut Plan, p: &Parsed, catalog: &Catalog) -> Pass {
    let Some(h) = plan.having.as_mut() else {
        return Ok(());
    };
    if let Some(col) = &p.distinct {
        if plan.groups.is_empty() {
            plan.groups.push(Group::Dim(col.clone()));
        }
        h.count = true;
    } else if p.asks_how_many && !p.groups_asked {
        h.count = true;
    }
    let why = if plan.groups.is_empty() {
        Some("a threshold on each group's figure needs the groups (\"countries with more than 100 orders\")")
    } else if plan.compare.is_some() || plan.share || plan.list.is_some() {
        Some("I can keep the groups past a threshold, not compare, share or list them as well")
    } else if h.count && plan.rank.is_some() {
        Some("I can count the groups past a threshold, not rank them as well")
    } else {
        None
    };
    match why {
        Some(w) => Err(unsupported(catalog, format!("{}.", capitalise_first(w)))),
        None => Ok(()),
    }
}

/// "average messages per conversation": an average over the rows of the
/// table named after "per" is already one per row of it.
fn per_own_row(plan: &Plan, p: &Parsed, catalog: &Catalog) -> bool {
    let Some(t) = &p.per_table else {
        return false;
    };
    !plan.measures.is_empty()
        && plan.measures.iter().all(|m| match m {
            Measure::Average(c) => c.table == *t,
            Measure::Metric(n) => catalog.metric(n).is_some_and(|d| {
                let e = d.expression.replace(' ', "");
                d.table == *t && (e.starts_with("AVG(") || p.average && e.starts_with("SUM("))
            }),
            _ => false,
        })
}

/// What is refused or asked back before anything else.
fn refusals(plan: &Plan, p: &Parsed, catalog: &Catalog, rate: bool) -> Pass {
    // "spend by card": the value the measure is already limited to.
    let implied = |col: &Col, value: &str| {
        plan.measures.iter().any(|m| match m {
            Measure::Metric(n) => catalog
                .metric(n)
                .and_then(|d| d.filter.as_deref())
                .is_some_and(|f| {
                    f.split(" AND ")
                        .any(|c| c.trim() == clauses::equals(&col.column, value))
                }),
            _ => false,
        })
    };
    if let Some((col, value)) = p.by_value.as_ref().filter(|(c, v)| !implied(c, v)) {
        let m = first_measure_words(plan, catalog);
        let words = column_words(col, catalog);
        return Err(Translation::Clarify {
            reason: format!("\"{value}\" is a {words}, not something to break down by."),
            options: vec![format!("{m} by {words}"), format!("{m} in {value}")],
        });
    }
    // "how many cash withdrawals": a number of rows, and the figure the
    // words name is an amount. Asked back, never answered with the amount.
    let amounts: Vec<&crate::catalog::MetricDef> = plan
        .measures
        .iter()
        .filter_map(|m| match m {
            Measure::Metric(n) => catalog.metric(n),
            _ => None,
        })
        .filter(|d| {
            !d.expression
                .trim_start()
                .to_ascii_uppercase()
                .starts_with("COUNT(")
        })
        // The catalog says it is asked as a number ("how many units"), or
        // that it is a count ("how many seats": their sum).
        .filter(|d| {
            d.format != "count"
                && !d
                    .synonyms
                    .iter()
                    .any(|s| s.starts_with("how many ") || s.starts_with("number of "))
        })
        .collect();
    if p.wants_count
        && p.distinct.is_none()
        && plan.having.is_none()
        && !amounts.is_empty()
        && amounts.len() == plan.measures.len()
    {
        let d = amounts[0];
        return Err(Translation::Clarify {
            reason: format!(
                "\"How many\" asks for a number of {}, and {} is an amount.",
                table_words(&d.table),
                d.label.to_lowercase()
            ),
            options: vec![
                format!("number of {}", table_words(&d.table)),
                format!("total {}", d.label.to_lowercase()),
            ],
        });
    }
    if p.derived && !rate && !per_own_row(plan, p, catalog) {
        return Err(unsupported(
            catalog,
            "I can't compute rates, ratios or margins yet; I can give each figure on its own.",
        ));
    }
    Ok(())
}

/// "refund rate by channel": the share of a table's rows in one state, the
/// state named by a count with one plain condition ("refunds": `status =
/// 'refunded'`), a value or a catalog state. Anything else stays a ratio
/// it cannot compute. `true`: the plan became that share.
fn rate(plan: &mut Plan, p: &Parsed, catalog: &Catalog) -> bool {
    if !p.rate || plan.share || plan.share_of.is_some() || plan.compare.is_some() {
        return false;
    }
    let part = match plan.measures.as_slice() {
        [Measure::Metric(n)] => {
            let Some(d) = catalog.metric(n) else {
                return false;
            };
            if !d.counts_rows() {
                return false;
            }
            let Some(f) = d
                .filter
                .as_deref()
                .and_then(|f| plain_condition(f, &d.table))
            else {
                return false;
            };
            f
        }
        [] => {
            // The one value or state the question names is the part.
            let mut parts = plan.filters.iter().enumerate().filter(|(_, f)| {
                matches!(f, Filter::In { negated: false, values, .. } if values.len() == 1)
                    || matches!(f, Filter::State { negated: false, .. })
            });
            let (Some((k, _)), None) = (parts.next(), parts.next()) else {
                return false;
            };
            plan.filters.remove(k)
        }
        _ => return false,
    };
    let table = match &part {
        Filter::In { col, .. }
        | Filter::Cmp { col, .. }
        | Filter::Null { col, .. }
        | Filter::Named { col, .. }
        | Filter::Dated { col, .. }
        | Filter::Span { col, .. } => col.table.clone(),
        Filter::Without { .. } => return false,
        Filter::State { name, .. } => match catalog.states.iter().find(|s| s.name == *name) {
            Some(s) => s.table.clone(),
            None => return false,
        },
    };
    // "churn rate in 2025": of the subscriptions started in 2025, or those
    // canceled then over the ones running? When the part has a date of its
    // own, a period is not guessed.
    let timed = plan.period.is_some() || plan.groups.iter().any(|g| matches!(g, Group::Time(_)));
    let own_date = Plan {
        filters: vec![part.clone()],
        ..Plan::default()
    };
    if timed && super::sql::event_time_column(&own_date, &table, catalog).is_some() {
        return false;
    }
    plan.measures = vec![count_metric(&table, catalog)];
    // "refund rate, i.e. refunded orders as a % of all orders": the part
    // said again is the part, never also a filter of the whole.
    let said_again = |f: &Filter| match (f, &part) {
        (Filter::State { name, negated }, Filter::In { col, values, .. }) => {
            !negated
                && catalog.states.iter().any(|s| {
                    s.name == *name
                        && plain_condition(&s.condition, &s.table).is_some_and(|g| match g {
                            Filter::In {
                                col: c, values: v, ..
                            } => c == *col && v == *values,
                            _ => false,
                        })
                })
        }
        (a, b) => a == b,
    };
    plan.filters.retain(|f| !said_again(f));
    plan.share_of = Some(part);
    plan.rank = plan.rank.filter(|_| !plan.groups.is_empty());
    true
}

/// `status = 'refunded'` as a filter on `table`; other conditions: none.
pub(super) fn plain_condition(cond: &str, table: &str) -> Option<Filter> {
    let (column, value) = cond.split_once(" = ")?;
    let column = column.trim();
    let value = value.trim().strip_prefix('\'')?.strip_suffix('\'')?;
    let plain = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (plain(column) && !value.contains('\'')).then(|| Filter::In {
        col: Col::new(table, column),
        values: vec![value.to_string()],
        negated: false,
    })
}

/// "customers with no orders this year": the one period of a plan whose
/// rows are without rows of another table bounds those rows (by the date
/// named, or their table's own), never the rows counted.
fn absent_within(plan: &mut Plan, catalog: &Catalog) {
    let absent: Vec<usize> = (0..plan.filters.len())
        .filter(|&i| matches!(plan.filters[i], Filter::Without { .. }))
        .collect();
    let ([i], Some(period)) = (absent.as_slice(), plan.period.clone()) else {
        return;
    };
    if plan.compare.is_some() || plan.groups.iter().any(|g| matches!(g, Group::Time(_))) {
        return;
    }
    // "customers who signed up in 2024 with no orders": new rows are dated
    // by their own date, and so is a figure that says which date it reads.
    let undated = |m: &Measure| match m {
        Measure::Rows(_) => true,
        Measure::Metric(n) => catalog.metric(n).is_some_and(|d| d.time_column.is_none()),
        _ => false,
    };
    if !plan.measures.iter().all(undated) {
        return;
    }
    let Filter::Without { table, within, .. } = &mut plan.filters[*i] else {
        return;
    };
    let named = plan
        .date_column
        .as_ref()
        .map(|c| (c.table == *table).then(|| c.column.clone()));
    let column = match named {
        Some(Some(c)) => Some(c),
        // A date of another table was named: not this one's.
        Some(None) => None,
        None => catalog.table(table).and_then(|t| t.time_column.clone()),
    };
    if let Some(column) = column {
        *within = Some((column, period));
        plan.period = None;
        plan.date_column = None;
    }
}

/// "clients with no account": the rows named absent must link to the rows
/// counted, or there is nothing to be without.
fn absent_links(plan: &Plan, base: &str, catalog: &Catalog) -> Pass {
    for f in &plan.filters {
        if let Filter::Without { table, .. } = f {
            // "customers with no orders last month": the period would bound
            // the customers, not the orders; never guessed. A date of the
            // counted rows named ("clients who joined in 2025 but have no
            // account") bounds them.
            let own_date = plan.date_column.as_ref().is_some_and(|c| c.table == base)
                || !plan.measures.is_empty()
                    && plan
                        .measures
                        .iter()
                        .all(|m| matches!(m, Measure::New(t) if t == base));
            let timed = !own_date && plan.reads_dates();
            if timed {
                return Err(unsupported(
                    catalog,
                    format!(
                        "I can't yet bound the {} they have none of by a period.",
                        table_words(table)
                    ),
                ));
            }
            if table == base || catalog.relationship(table, base).is_none() {
                return Err(unsupported(
                    catalog,
                    format!(
                        "I can't tell which {} have no {}: the data doesn't link them.",
                        table_words(base),
                        table_words(table)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The one table every measure comes from.
fn base_table(plan: &Plan, catalog: &Catalog) -> Result<String, Translation> {
    let tables: Vec<String> = plan
        .measures
        .iter()
        .filter_map(|m| clauses::measure_table(m, catalog))
        .collect();
    let base = tables.first().cloned().unwrap_or_default();
    if tables.iter().any(|t| *t != base) {
        return Err(unsupported(
            catalog,
            "Those figures come from different tables; ask for them one at a time.",
        ));
    }
    Ok(base)
}

/// "clients that don't have a credit card", "open accounts with no
/// transactions this year": the entities themselves, listed (the whole
/// list, newest first); a number of them needs "how many".
fn absent_entities_listed(plan: &mut Plan, p: &Parsed, catalog: &Catalog) {
    let absent = plan
        .filters
        .iter()
        .any(|f| matches!(f, Filter::Without { .. }));
    let plain = plan.list.is_none()
        && plan.per_entity.is_none()
        && plan.groups.is_empty()
        && plan.rank.is_none()
        && plan.compare.is_none()
        && !plan.share
        && !p.asks_how_many
        && !p.wants_count;
    let entity = match plan.measures.as_slice() {
        // "customers who signed up in 2024 with no orders": listed too.
        [Measure::New(t)] => Some(t.clone()),
        [m] => super::read::counted_entity(m, catalog),
        _ => None,
    };
    let Some(t) = entity else { return };
    // "retail clients in France with an expired KYC", "clients whose KYC is
    // pending": rows of an entity said by their own values, with no period
    // and no word asking how many, are those entities (their number shows).
    // So are "clients with a mortgage", "companies that are past due":
    // entities said by the values of rows that belong to them.
    let theirs = |table: &str| table == t || catalog.relationship(table, &t).is_some();
    let own = |f: &Filter| match f {
        Filter::In { col, .. } | Filter::Cmp { col, .. } | Filter::Null { col, .. } => {
            theirs(&col.table)
        }
        Filter::State { name, .. } => {
            super::plan::state_table(name, catalog).is_some_and(|s| theirs(&s))
        }
        _ => false,
    };
    let described = !plan.filters.is_empty()
        && plan.filters.iter().all(own)
        && plan.period.is_none()
        && p.leads_with.as_deref() == Some(t.as_str())
        && catalog.table(&t).is_some_and(|d| d.label_column.is_some());
    if !(plain && (absent || described)) {
        return;
    }
    plan.measures.clear();
    plan.list = Some(super::plan::ListSpec::every(&t));
}

/// "customers with no orders from the mobile app": a value said of the rows
/// said absent is theirs (only mobile orders count as absent), never a
/// second condition that the entities have such rows.
fn absent_rows_values(plan: &mut Plan, catalog: &Catalog) -> Pass {
    let absent: Vec<String> = plan
        .filters
        .iter()
        .filter_map(|f| match f {
            Filter::Without { table, .. } => Some(table.clone()),
            _ => None,
        })
        .collect();
    for t in absent {
        let mut values: Vec<(Col, String)> = Vec::new();
        let mut doubtful = false;
        plan.filters.retain(|f| match f {
            Filter::In {
                col,
                values: v,
                negated: false,
            } if col.table == t => {
                match v.as_slice() {
                    [one] => values.push((col.clone(), one.clone())),
                    _ => doubtful = true,
                }
                false
            }
            Filter::Cmp { col, .. } | Filter::Null { col, .. } | Filter::In { col, .. }
                if col.table == t =>
            {
                doubtful = true;
                true
            }
            _ => true,
        });
        if doubtful {
            return Err(unsupported(
                catalog,
                format!(
                    "I can keep what has no {t} of one kind (\"with no web {t}\"), not of several kinds or past a number.",
                    t = table_words(&t)
                ),
            ));
        }
        for f in plan.filters.iter_mut() {
            if let Filter::Without { table, being, .. } = f {
                if *table == t {
                    being.extend(values.iter().cloned());
                }
            }
        }
    }
    Ok(())
}

/// A table named with no role in the plan: "revenue of product A".
fn loose_tables(plan: &Plan, p: &Parsed, base: &str, catalog: &Catalog) -> Pass {
    for t in &p.loose_tables {
        let used = *t == base
            || plan.per_entity.as_ref().is_some_and(|e| e.entity == *t)
            || plan
                .groups
                .iter()
                .any(|g| matches!(g, Group::Dim(c) if c.table == *t))
            || plan.filters.iter().any(|f| {
                matches!(f, Filter::In { col, .. } | Filter::Cmp { col, .. } if col.table == *t)
            });
        if used {
            continue;
        }
        if catalog.table(t).is_some_and(|d| d.label_column.is_some()) {
            let m = first_measure_words(plan, catalog);
            let one = singular(t);
            return Err(Translation::Clarify {
                reason: format!(
                    "I can't pick out a single {one} by name; I can break {m} down by {one}."
                ),
                options: vec![
                    format!("{m} by {one}"),
                    format!("top 10 {} by {m}", table_words(t)),
                ],
            });
        }
    }
    for t in &p.tables {
        // "customers who opened tickets": rows the measure cannot see;
        // "companies with overdue invoices by country": those rows' filter
        // keeps the companies that have such invoices.
        let held = plan.filters.iter().any(|f| {
            f.rows(catalog).as_ref() == Some(t) && plan.held_by_other_rows(f, base, catalog)
        });
        if *t != base && catalog.relationship(base, t).is_none() && !held {
            return Err(unsupported(
                catalog,
                format!(
                    "I can't relate {} to {} in one figure.",
                    table_words(t),
                    table_words(base)
                ),
            ));
        }
    }
    Ok(())
}

/// Limits of what one query shows.
fn shape(plan: &Plan) -> Pass {
    let times = plan
        .groups
        .iter()
        .filter(|g| matches!(g, Group::Time(_)))
        .count();
    if times > 1 {
        return Err(Translation::Unsupported {
            reason: "I bucket time one way at a time (hour of the day, day of the week, day, week, month, quarter or year).".into(),
            suggestions: Vec::new(),
        });
    }
    // "top channel by revenue by month": the top one within each month is
    // not what one ranked list of pairs shows.
    if plan.rank.is_some() && plan.groups.len() > 1 {
        return Err(Translation::Unsupported {
            reason: "I can rank one thing at a time, not the top one within each group.".into(),
            suggestions: Vec::new(),
        });
    }
    if plan.groups.len() > 2 {
        return Err(Translation::Unsupported {
            reason: "I can break a figure down by at most two things at once.".into(),
            suggestions: Vec::new(),
        });
    }
    Ok(())
}

/// A metric's own filter: a filter saying the same is dropped, one that
/// contradicts it is asked about; states must be of the base table or of
/// named rows that refer to it.
fn metric_filters(plan: &mut Plan, p: &Parsed, base: &str, catalog: &Catalog) -> Pass {
    for f in &plan.filters {
        if let Filter::State { name, .. } = f {
            // "companies with overdue invoices by country": the companies
            // that have such invoices.
            // Rows named by a table word, or by values of theirs ("a
            // savings account and a credit card").
            // Or by the date of their readings ("overdrawn at the end of
            // October").
            let named_rows = |t: &str| {
                p.tables.iter().any(|x| x == t)
                    || plan.filters.iter().any(|g| match g {
                        Filter::In {
                            col,
                            negated: false,
                            ..
                        }
                        | Filter::Dated { col, .. } => col.table == t,
                        _ => false,
                    })
            };
            let st = catalog.states.iter().find(|s| s.name == *name);
            if let Some(st) = st.filter(|s| {
                s.table != base
                    && !(named_rows(&s.table) && plan.held_by_other_rows(f, base, catalog))
            }) {
                return Err(unsupported(
                    catalog,
                    format!("Only {} are {}.", table_words(&st.table), st.name),
                ));
            }
        }
    }
    let measures = plan.measures.clone();
    for m in &measures {
        let Measure::Metric(name) = m else { continue };
        let Some(d) = catalog.metric(name) else {
            continue;
        };
        let Some(fixed) = d.filter.clone() else {
            continue;
        };
        // Each condition of a compound filter ("kind = 'atm' AND status =
        // 'booked'") stands on its own: "cash withdrawals in cash" repeats one.
        let parts: Vec<&str> = fixed.split(" AND ").map(str::trim).collect();
        let mut conflict = None;
        // "average void invoice": a value the figure's own condition rules
        // out (`status <> 'void'`) leaves no row.
        for f in &plan.filters {
            if let Filter::In {
                col,
                values,
                negated: false,
            } = f
            {
                let excluded = values.iter().any(|v| {
                    parts.contains(&format!("{} <> {}", col.column, clauses::quote(v)).as_str())
                });
                if excluded && col.table == d.table {
                    conflict = Some(values.join(" or "));
                }
            }
        }
        plan.filters.retain(|f| match f {
            Filter::In {
                col,
                values,
                negated,
            } if parts
                .iter()
                .any(|p| p.starts_with(&format!("{} = ", col.column)))
                && col.table == d.table =>
            {
                let same = !negated
                    && values.len() == 1
                    && parts.contains(&format!("{} = '{}'", col.column, values[0]).as_str());
                if !same {
                    conflict = Some(values.join(" or "));
                }
                !same
            }
            Filter::State { name: s, negated } => {
                let Some(st) = catalog.states.iter().find(|x| x.name == *s) else {
                    return true;
                };
                if (st.condition == fixed || parts.contains(&st.condition.trim())) && !negated {
                    return false;
                }
                // "billed from overdue invoices": a figure that only leaves
                // out some values (`status <> 'void'`) keeps a state of
                // others (`status = 'past_due'`).
                let leaves_it = parts
                    .iter()
                    .filter(|p| shares_column(p, &st.condition))
                    .all(|p| {
                        p.split_once(" <> ")
                            .is_some_and(|(_, v)| !st.condition.contains(v.trim()))
                    });
                if shares_column(&st.condition, &fixed) && !leaves_it {
                    conflict = Some(format!("{} {}", st.name, table_words(&st.table)));
                }
                true
            }
            _ => true,
        });
        if let Some(c) = conflict {
            let kept = condition_words(&fixed, &d.table, catalog).unwrap_or(fixed);
            let count = match count_metric(&d.table, catalog) {
                Measure::Metric(n) => metric_words(&n),
                _ => table_words(&d.table),
            };
            return Err(Translation::Clarify {
                reason: format!(
                    "{} only counts {kept}, so it can't be limited to {c}.",
                    d.label
                ),
                options: vec![
                    format!("{count} by month"),
                    format!("total {}", metric_words(name)),
                ],
            });
        }
    }
    Ok(())
}

/// "how much interest did we pay out to clients": a figure read from a verb
/// ("pay": money out) over rows of a value that the catalog's own figures
/// size in more than one way ("interest paid to clients", "interest
/// charged"): which one is asked, never the verb's sign guessed.
fn verb_beside_named_figures(plan: &Plan, p: &Parsed, catalog: &Catalog) -> Pass {
    let [Measure::Metric(m)] = plan.measures.as_slice() else {
        return Ok(());
    };
    let from_verb = p.verb_measure && p.weak_metric.is_none();
    let Some(d) = catalog.metric(m).filter(|_| from_verb) else {
        return Ok(());
    };
    for f in &plan.filters {
        let Filter::In {
            col,
            values,
            negated: false,
        } = f
        else {
            continue;
        };
        let [v] = values.as_slice() else { continue };
        let cond = clauses::equals(&col.column, v);
        let named: Vec<&crate::catalog::MetricDef> = catalog
            .metrics
            .iter()
            .filter(|x| {
                x.table == d.table
                    && x.filter
                        .as_deref()
                        .is_some_and(|f| f.split(" AND ").any(|c| c.trim() == cond))
            })
            .collect();
        if named.len() > 1 && !named.iter().any(|x| x.name == *m) {
            return Err(Translation::Clarify {
                reason: format!(
                    "{} may be {}: which do you mean?",
                    v.replace('_', " "),
                    named
                        .iter()
                        .map(|x| x.label.to_lowercase())
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
                options: named.iter().map(|x| x.label.to_lowercase()).collect(),
            });
        }
    }
    Ok(())
}

/// Whether two SQL conditions read a column in common.
pub(super) fn shares_column(a: &str, b: &str) -> bool {
    let idents = |s: &str| -> Vec<String> {
        s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| w.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .map(str::to_string)
            .collect()
    };
    let b = idents(b);
    idents(a).iter().any(|w| b.contains(w))
}

/// "share of revenue by channel": one additive figure split by one thing.
fn share(plan: &mut Plan, p: &Parsed, catalog: &Catalog) -> Pass {
    if !plan.share {
        return Ok(());
    }
    // "what % of web orders are returns": a count the catalog names by a
    // condition ("returns": refunded orders), said after the verb, is the
    // part of the rows named before it, never the whole (it was the share
    // of web orders among the returns).
    // (The part then stands where the verb was read: `p.part_from` still.)
    if let (Some(k), [Measure::Metric(n)]) = (p.part_from, plan.measures.as_slice()) {
        let part = catalog
            .metric(n)
            .filter(|d| d.counts_rows() && p.tables.contains(&d.table))
            .and_then(|d| {
                let f = plain_condition(d.filter.as_deref()?, &d.table)?;
                Some((d.table.clone(), f))
            });
        if let Some((table, f)) = part.filter(|_| k == plan.filters.len()) {
            plan.measures = vec![count_metric(&table, catalog)];
            plan.filters.push(f);
        }
    }

    // "share of MRR by plan": a snapshot's total adds up across its rows at
    // one reading (never over time), and a share reads one.
    let timed = plan.groups.iter().any(|g| matches!(g, Group::Time(_)));
    let across_rows = |m: &Measure| match m {
        Measure::Metric(n) => catalog.metric(n).is_some_and(|d| {
            let e = d.expression.replace(' ', "");
            catalog.table(&d.table).is_some_and(|t| t.snapshot)
                && (e.starts_with("SUM(") || e == "COUNT(*)")
        }),
        _ => false,
    };
    let all_additive = plan
        .measures
        .iter()
        .all(|m| additive(m, catalog) || !timed && across_rows(m));
    if plan.groups.is_empty() {
        return single_share(plan, p.part_from, catalog, all_additive);
    }
    // "share of orders that are refunded by month": a rate per month, or how
    // refunded orders spread over months? Asked, not guessed.
    let base = plan
        .measures
        .first()
        .and_then(|m| clauses::measure_table(m, catalog))
        .unwrap_or_default();
    let part_of_rows = plan.filters.iter().any(|f| match f {
        Filter::In { col, negated, .. } | Filter::Null { col, negated } => {
            !negated && col.table == base
        }
        Filter::State { negated, .. } => !negated,
        Filter::Cmp { .. }
        | Filter::Without { .. }
        | Filter::Named { .. }
        | Filter::Dated { .. }
        | Filter::Span { .. } => false,
    });
    // "what % of clients opted in, per segment", "share of orders that
    // were refunded by month": the part said after a verb is each group's
    // own share; "share of refunded orders by month" is still asked.
    let part_said = p.part_from.is_some_and(|k| k < plan.filters.len());
    if part_of_rows && part_said && plan.groups.len() == 1 {
        // "held in a currency other than euro": the column the part is of
        // is no split.
        let part_col = plan.filters[p.part_from.unwrap_or(0)..]
            .iter()
            .find_map(|f| match f {
                Filter::In { col, .. } | Filter::Null { col, .. } => Some(col.clone()),
                _ => None,
            });
        if matches!(&plan.groups[0], Group::Dim(c) if Some(c) == part_col.as_ref()) {
            plan.groups.clear();
        }
        return single_share(plan, p.part_from, catalog, all_additive);
    }
    if part_of_rows {
        return Err(Translation::Clarify {
            reason: "Do you mean that part's share within each group, or how that part splits across the groups? I can give one share at a time (\"what % of orders are refunded\") or a split (\"share of orders by status\").".into(),
            options: options::breakdowns(catalog)
                .iter()
                .map(|b| format!("share of {b}"))
                .collect(),
        });
    }
    if plan.groups.len() != 1 || plan.measures.len() != 1 || !all_additive || plan.compare.is_some()
    {
        return Err(Translation::Clarify {
            reason: "A share needs one additive figure split by one thing.".into(),
            options: options::breakdowns(catalog)
                .iter()
                .map(|b| format!("share of {b}"))
                .collect(),
        });
    }
    plan.rank = None;
    Ok(())
}

/// "what % of tickets are urgent", "share of revenue from web": the one
/// filter named is the part, every other filter and the period bound both
/// part and whole. More than one candidate, or none, is asked about.
fn single_share(
    plan: &mut Plan,
    part_from: Option<usize>,
    catalog: &Catalog,
    all_additive: bool,
) -> Pass {
    // "what share of paid invoices were paid by card": a filter said again
    // after the verb is the one before it, not a second part.
    let mut part_from = part_from;
    let mut k = 0;
    while k < plan.filters.len() {
        if plan.filters[..k].contains(&plan.filters[k]) {
            plan.filters.remove(k);
            if let Some(at) = part_from.as_mut().filter(|at| k < **at) {
                *at -= 1;
            }
        } else {
            k += 1;
        }
    }
    // "what % of checking accounts are closed": one filter after the verb
    // is the part; the ones before it bound part and whole.
    let after_verb = part_from.filter(|&k| k > 0 && k + 1 == plan.filters.len());
    // "what % of closed tickets were resolved within 24 hours": a span of
    // two dates is what the share asks about; the rest bound the whole.
    let spans: Vec<usize> = plan
        .filters
        .iter()
        .enumerate()
        .filter(|(_, f)| matches!(f, Filter::Span { .. }))
        .map(|(i, _)| i)
        .collect();
    let candidates: Vec<usize> = if spans.len() == 1 {
        spans
    } else {
        plan.filters
            .iter()
            .enumerate()
            .skip(after_verb.unwrap_or(0))
            .filter(|&(i, f)| {
                matches!(
                    f,
                    Filter::In { .. }
                        | Filter::State { .. }
                        | Filter::Cmp { .. }
                        | Filter::Null { negated: true, .. }
                ) || matches!(f, Filter::Null { .. }) && after_verb == Some(i)
            })
            .map(|(i, _)| i)
            .collect()
    };
    let ok = candidates.len() == 1
        && plan.measures.len() == 1
        && all_additive
        && plan.compare.is_none()
        && plan.rank.is_none();
    if !ok {
        return Err(Translation::Clarify {
            reason: "A share needs one additive figure and one part of it (\"share of revenue from web\"), or a split (\"share of revenue by channel\").".into(),
            options: options::breakdowns(catalog)
                .iter()
                .map(|b| format!("share of {b}"))
                .collect(),
        });
    }
    // "what % of accounts are checking, savings, credit card and mortgage":
    // every value of the column is no part of the whole (100%): the share
    // of each, a split by the column.
    if let Filter::In {
        col,
        values,
        negated: false,
    } = &plan.filters[candidates[0]]
    {
        let known = catalog
            .table(&col.table)
            .and_then(|t| t.column(&col.column))
            .map(|d| d.values.clone())
            .unwrap_or_default();
        if values.len() > 1 && !known.is_empty() && known.iter().all(|v| values.contains(v)) {
            // (Within other groups, each group's own whole: asked back.)
            if !plan.groups.is_empty() {
                let words = column_words(col, catalog);
                return Err(Translation::Clarify {
                    reason: format!(
                        "Every {words} together is the whole; a share of each is a split by {words}."
                    ),
                    options: vec![format!("share of {} by {words}", table_words(&col.table))],
                });
            }
            let col = col.clone();
            plan.filters.remove(candidates[0]);
            super::plan::push_group(&mut plan.groups, Group::Dim(col));
            return Ok(());
        }
    }
    plan.share_of = Some(plan.filters.remove(candidates[0]));
    plan.share = false;
    Ok(())
}

/// A comparison needs a period, and is two figures, not a series.
fn compare(plan: &mut Plan, ctx: &TranslateContext) -> Pass {
    // "revenue growth last month": against the period before it.
    let series = matches!(plan.groups.as_slice(), [Group::Time(_)]);
    if plan.growth && plan.compare.is_none() && !series {
        if plan.period.is_none() {
            return Err(Translation::Unsupported {
                reason: "A change needs two periods: say which, e.g. \"this year vs last year\", or ask for it by month.".into(),
                suggestions: Vec::new(),
            });
        }
        plan.compare = Some(Compare::Previous);
    }
    if plan.growth
        && (plan.share || plan.rank.is_some() || plan.list.is_some() || plan.having.is_some())
    {
        return Err(Translation::Unsupported {
            reason: "I can give a change between periods, not ranked, shared or listed as well."
                .into(),
            suggestions: Vec::new(),
        });
    }
    let Some(c) = &plan.compare else {
        return Ok(());
    };
    if plan.period.is_none() {
        let g = if *c == Compare::YearAgo {
            Grain::Year
        } else {
            Grain::Month
        };
        plan.period = period::to_date(g, ctx.today);
    }
    if plan.groups.iter().any(|g| matches!(g, Group::Time(_))) {
        return Err(Translation::Unsupported {
            reason: "I compare two periods as two figures; ask for a time series or a comparison, not both.".into(),
            suggestions: Vec::new(),
        });
    }
    Ok(())
}

/// "top 10 orders": the largest rows. `true`: the plan became a list.
fn rank_rows(plan: &mut Plan, p: &Parsed, catalog: &Catalog) -> bool {
    if plan.rank.is_none() || !plan.groups.is_empty() {
        return false;
    }
    // The rows named by a table word, or by values of one table ("the 5
    // biggest card payments").
    let named = p.tables.first().cloned().or_else(|| {
        let mut tables = plan.filters.iter().filter_map(|f| match f {
            Filter::In { col, .. } if p.value_names_rows => Some(col.table.clone()),
            _ => None,
        });
        let first = tables.next()?;
        tables.all(|t| t == first).then_some(first)
    });
    match named
        .as_ref()
        .filter(|t| plan.measures.iter().all(|m| *m == count_metric(t, catalog)))
    {
        Some(t) => {
            let t = t.clone();
            measures::largest_rows(plan, &t);
            true
        }
        // "top 5 card payments": the largest rows of the one figure named,
        // when its word names rows (a plural or a count of them).
        None => match plan.measures.as_slice() {
            [Measure::Metric(m)] if plan.compare.is_none() && !plan.share => {
                // Sized by what it adds up, or rows that a count names
                // ("the 5 largest refunded orders", "the biggest refund");
                // "the highest revenue" names no rows.
                let Some(d) = catalog.metric(m).filter(|d| {
                    measures::names_rows(d)
                        && p.ranked_rows.is_some_and(|(plural, counted)| {
                            plural || counted || measures::row_size(&d.expression).is_none()
                        })
                }) else {
                    return false;
                };
                let (metric, table) = (d.name.clone(), d.table.clone());
                measures::largest_rows(plan, &table);
                if let Some(l) = plan.list.as_mut() {
                    l.by = Some(metric);
                }
                true
            }
            _ => false,
        },
    }
}

/// Every group must be reachable from the base table; a ranking needs a group.
fn reach(plan: &Plan, base: &str, catalog: &Catalog) -> Pass {
    if plan.rank.is_some() && plan.groups.is_empty() {
        return Err(Translation::Clarify {
            reason: "Top or bottom of what?".into(),
            options: options::rankings(catalog),
        });
    }
    for g in &plan.groups {
        if !reaches(base, g, catalog) {
            let what = match g {
                Group::Dim(c) => column_words(c, catalog),
                Group::Time(_) => "date".into(),
            };
            return Err(unsupported(
                catalog,
                format!(
                    "{} can't be broken down by {what}: the data doesn't link them.",
                    capitalise_first(&table_words(base))
                ),
            ));
        }
        if let Group::Dim(c) = g {
            // A label names rows but is not unique: never a key on its own.
            if is_label(c, catalog)
                && catalog
                    .table(&c.table)
                    .and_then(|t| t.primary_key.as_ref())
                    .is_none()
            {
                return Err(unsupported(
                    catalog,
                    format!(
                        "{} has no key to tell its rows apart.",
                        table_words(&c.table)
                    ),
                ));
            }
        }
    }
    Ok(())
}

pub(super) fn clarify_measure(plan: &Plan, catalog: &Catalog) -> Translation {
    let value = plan.filters.iter().find_map(|f| match f {
        Filter::In {
            values,
            negated: false,
            ..
        } => values.first().cloned(),
        _ => None,
    });
    let tail = if let (true, Some(v)) = (plan.groups.is_empty(), value) {
        format!(" in {v}")
    } else if plan.groups.is_empty() {
        // The question's own period ("last month (October 2025)" said as
        // "last month"), else one to show the shape.
        let said = plan
            .period
            .as_ref()
            .map(|p| p.label.split(" (").next().unwrap_or_default());
        format!(" {}", said.unwrap_or("this month"))
    } else {
        format!(" by {}", group_phrase(&plan.groups, catalog))
    };
    let measures: Vec<String> = options::measure_names(catalog)
        .into_iter()
        .filter(|m| {
            let t = catalog
                .metric(m)
                .map(|d| d.table.as_str())
                .unwrap_or_default();
            plan.groups.iter().all(|g| reaches(t, g, catalog))
                && plan.filters.iter().all(|f| match f {
                    Filter::In { col, .. }
                    | Filter::Cmp { col, .. }
                    | Filter::Null { col, .. }
                    | Filter::Named { col, .. }
                    | Filter::Dated { col, .. }
                    | Filter::Span { col, .. } => reaches(t, &Group::Dim(col.clone()), catalog),
                    Filter::State { .. } | Filter::Without { .. } => true,
                })
        })
        .take(3)
        .map(|m| metric_words(&m))
        .collect();
    if let (Some(Rank::Top(n)), false) = (plan.rank, plan.groups.is_empty()) {
        // "top month by revenue", "top 5 products by revenue".
        let g = group_phrase(&plan.groups, catalog);
        let ranked = if n == 1 {
            g
        } else {
            format!("{n} {}", super::describe::plural(&g))
        };
        return Translation::Clarify {
            reason: "Best by which figure?".into(),
            options: measures
                .iter()
                .map(|m| format!("top {ranked} by {m}"))
                .collect(),
        };
    }
    Translation::Clarify {
        reason: "Which figure do you mean?".into(),
        options: measures.iter().map(|m| format!("{m}{tail}")).collect(),
    }
}

/// "MRR of the team plan", "paying subscriptions per plan": a column of
/// another table that the measured rows hold too (a snapshot's plan at its
/// month end, not the subscription's plan today) is read on the measured
/// rows, unless a word names the other table's rows ("invoices of
/// subscriptions on the team plan").
fn own_columns(plan: &mut Plan, p: &Parsed, base: &str, catalog: &Catalog) {
    let own = |c: &Col, values: &[String]| -> Option<Col> {
        if c.table == base || p.named_rows.contains(&c.table) {
            return None;
        }
        let mine = catalog.table(base)?.column(&c.column)?;
        let theirs = catalog.table(&c.table)?.column(&c.column)?;
        let holds = if values.is_empty() {
            mine.dimension && theirs.dimension
        } else {
            values.iter().all(|v| mine.values.contains(v))
        };
        holds.then(|| Col::new(base, &c.column))
    };
    for g in &mut plan.groups {
        if let Group::Dim(c) = g {
            if let Some(o) = own(c, &[]) {
                *c = o;
            }
        }
    }
    for f in &mut plan.filters {
        if let Filter::In { col, values, .. } = f {
            if let Some(o) = own(col, values) {
                *col = o;
            }
        }
    }
}

/// "billed vs collected in October": figures dated by different dates
/// (issued, paid) cannot share one period; each is asked on its own.
fn dates_agree(plan: &Plan, base: &str, catalog: &Catalog) -> Pass {
    if !plan.reads_dates() || plan.date_column.is_some() || plan.measures.len() < 2 {
        return Ok(());
    }
    let default = catalog.table(base).and_then(|t| t.time_column.clone());
    let mut dates: Vec<(String, Option<String>)> = plan
        .measures
        .iter()
        .map(|m| match m {
            Measure::Metric(n) => match catalog.metric(n) {
                Some(d) => (
                    d.label.to_lowercase(),
                    d.time_column.clone().or_else(|| default.clone()),
                ),
                None => (metric_words(n), default.clone()),
            },
            _ => (String::new(), default.clone()),
        })
        .collect();
    dates.dedup_by(|a, b| a.1 == b.1);
    if dates.len() < 2 {
        return Ok(());
    }
    let said: Vec<String> = dates
        .iter()
        .filter(|(w, _)| !w.is_empty())
        .map(|(w, d)| {
            let d = d.as_deref().map_or("no date".to_string(), |c| {
                column_words(&Col::new(base, c), catalog)
            });
            format!("{w} is dated by {d}")
        })
        .collect();
    Err(unsupported(
        catalog,
        format!(
            "Those figures are dated differently ({}), so one period cannot bound both; ask for them one at a time.",
            said.join(", ")
        ),
    ))
}

/// "accounts overdrawn at the end of October": a reading date ("at the end
/// of") beside entities having rows of a snapshot table dates those
/// readings, never the entities.
fn reading_of_other_rows(plan: &mut Plan, base: &str, catalog: &Catalog) {
    let by_time = plan.groups.iter().any(|g| matches!(g, Group::Time(_)));
    if !plan.at_end || plan.date_column.is_some() || plan.compare.is_some() || by_time {
        return;
    }
    let Some(period) = plan.period.clone() else {
        return;
    };
    let other = plan
        .filters
        .iter()
        .find(|f| plan.held_by_other_rows(f, base, catalog))
        .and_then(|f| f.rows(catalog));
    let Some((t, ts)) = other.and_then(|t| {
        let d = catalog.table(&t).filter(|d| d.snapshot)?;
        Some((t.clone(), d.time_column.clone()?))
    }) else {
        return;
    };
    // "overdrawn on a checking account": readings said of rows of another
    // table too, which one semi-join each would not tie together.
    let one_table = plan
        .filters
        .iter()
        .filter(|f| plan.held_by_other_rows(f, base, catalog))
        .all(|f| f.rows(catalog).as_deref() == Some(t.as_str()));
    if !one_table {
        return;
    }
    plan.filters.push(Filter::Dated {
        col: Col::new(&t, &ts),
        period,
    });
    plan.period = None;
    plan.at_end = false;
}

/// "on which day of the week do users export the most": users having
/// export events, bucketed by a date no word named. Whose date, the users'
/// or the events', the question does not say; the users' was read (when
/// they signed up). Asked back rather than guessed.
fn dated_beside_other_rows(plan: &Plan, base: &str, catalog: &Catalog) -> Pass {
    if !plan.reads_dates() || plan.date_column.is_some() {
        return Ok(());
    }
    let Some(other) = plan
        .filters
        .iter()
        .find(|f| plan.held_by_other_rows(f, base, catalog))
        .and_then(|f| f.rows(catalog))
    else {
        return Ok(());
    };
    Err(unsupported(
        catalog,
        format!(
            "The period could date the {} or their {}; say which date (\"{} created in …\" or \"{} in …\").",
            table_words(base),
            table_words(&other),
            table_words(base),
            table_words(&other)
        ),
    ))
}

/// "how many clients were charged mortgage interest": a value ("charged":
/// fees) that the figure's own filter rules out (interest only) leaves no
/// row; a reading that can only be empty is a misreading, said so.
fn values_agree(plan: &Plan, catalog: &Catalog) -> Pass {
    for m in &plan.measures {
        // A distinct count of a figure's rows ("how many clients were
        // charged") keeps the figure's own condition, on its table.
        // (A figure itself is asked back by `metric_filters`.)
        let (label, table, filter) = match m {
            Measure::Distinct { base, filter, .. } => {
                (table_words(base), base.clone(), filter.clone())
            }
            _ => continue,
        };
        let Some(filter) = filter else { continue };
        for part in filter.split(" AND ") {
            let Some(Filter::In { col, values, .. }) = plain_condition(part.trim(), &table) else {
                continue;
            };
            let clash = plan.filters.iter().find_map(|f| match f {
                Filter::In {
                    col: c,
                    values: v,
                    negated: false,
                } if *c == col && !v.iter().any(|x| values.contains(x)) => Some(v.join(", ")),
                _ => None,
            });
            if let Some(asked) = clash {
                return Err(unsupported(
                    catalog,
                    format!(
                        "{} counts only {} {}, and the question asks for {asked}; ask for one of them.",
                        capitalise_first(&label),
                        column_words(&col, catalog),
                        values.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// "most popular product": products counted per product are one each; a
/// ranking or split of an entity by the number of its own rows says
/// nothing, so the figure to rank it by is asked for.
fn one_row_each(plan: &Plan, catalog: &Catalog) -> Pass {
    let [Group::Dim(c)] = plan.groups.as_slice() else {
        return Ok(());
    };
    let own_key = c.names_rows(catalog);
    let counts_itself = matches!(
        plan.measures.as_slice(),
        [m] if super::read::counted_entity(m, catalog).as_deref() == Some(c.table.as_str())
    );
    // ("which customers never contacted support" lists the ones kept.)
    let ranked_or_plain = plan.rank.is_some() || plan.filters.is_empty();
    if own_key
        && counts_itself
        && ranked_or_plain
        && plan.per_entity.is_none()
        && plan.having.is_none()
    {
        // An example: a figure of rows that refer to them.
        let example = catalog
            .metrics
            .iter()
            .find(|m| catalog.relationship(&m.table, &c.table).is_some())
            .map(|m| {
                format!(
                    " (e.g. \"top {} by {}\")",
                    table_words(&c.table),
                    m.label.to_lowercase()
                )
            })
            .unwrap_or_default();
        return Err(unsupported(
            catalog,
            format!(
                "Each {} is one row of its own; say what to rank or split them by{example}.",
                singular(&c.table)
            ),
        ));
    }
    Ok(())
}
