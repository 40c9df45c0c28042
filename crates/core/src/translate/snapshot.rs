//! Snapshot tables (month-end balances, daily stock levels): each row is a
//! reading at the table's time column, so a figure reads the last reading of
//! its period (of each bucket when split by time) and never adds up the
//! readings of several dates.

use super::clauses::{bucket, literal, period_cond};
use super::describe::column_words;
use super::lexicon::{Col, Grain};
use super::period::Period;
use super::plan::{Filter, Group, Measure, Plan};
use super::read::counted_entity;
use super::sql::Ctx;
use crate::catalog::Catalog;

/// "how many accounts did we have at the end of October": rows that are no
/// readings, counted at the end of a period, are those in place then: begun
/// before its end (by the table's date) and not ended by it (the date
/// column a catalog state of theirs reads as empty, "open" = `closed_on IS
/// NULL`). The condition, replacing the period's own bound and that state
/// (which reads today), its note and the state's name; `None` where that
/// does not apply.
pub(super) fn in_place_at_end(plan: &Plan, ctx: &Ctx) -> Option<(String, String, Option<String>)> {
    let table = ctx.catalog.table(&ctx.base).filter(|t| !t.snapshot)?;
    // Only a number asked for ("how many accounts did we have"): a figure
    // that fell back to a count ("total held ...") is no such question.
    let end = plan
        .period
        .as_ref()
        .filter(|_| plan.at_end && plan.count_asked && plan.compare.is_none())?
        .end?;
    let counted = !plan.measures.is_empty()
        && plan
            .measures
            .iter()
            .all(|m| counted_entity(m, ctx.catalog).as_deref() == Some(table.name.as_str()));
    if !counted || plan.groups.iter().any(|g| matches!(g, Group::Time(_))) {
        return None;
    }
    let (start, start_is_date) = ctx.time_column()?;
    let ended_by = ctx
        .catalog
        .states
        .iter()
        .filter(|s| s.table == table.name)
        .find_map(|s| {
            let (c, empty) = super::plan::state_date(s, ctx.catalog)?;
            let is_date = table.column(&c.column)?.column_type == crate::catalog::ColumnType::Date;
            empty.then(|| (c.column, is_date, s.name.clone()))
        });
    let time = ctx.time.clone().unwrap_or_default();
    // Another date that no such state names may end the rows too
    // ("canceled on"): what was in place then cannot be told.
    let other_dates = table
        .columns
        .iter()
        .any(|c| c.name != time && crate::catalog_file::is_temporal(c.column_type));
    if ended_by.is_none() && other_dates {
        return None;
    }
    let table_col = |c: &str| column_words(&Col::new(&table.name, c), ctx.catalog);
    let mut cond = format!("{start} < {}", literal(end, start_is_date));
    let mut note = format!(
        "those in place at the end of the period ({} before {end}",
        table_col(&time)
    );
    if let Some((col, is_date, _)) = &ended_by {
        let q = ctx.col(&Col::new(&table.name, col));
        let at = literal(end, *is_date);
        cond = format!("{cond} AND ({q} IS NULL OR {q} >= {at})");
        note.push_str(&format!(", no {} before it", table_col(col)));
    }
    note.push(')');
    Some((cond, note, ended_by.map(|(_, _, s)| s)))
}

/// The condition that keeps only the rows of the last reading date, and how
/// the interpretation says it; `None` when the base table is not a snapshot.
pub(super) fn last_reading(
    plan: &Plan,
    ctx: &Ctx,
    compare: Option<&(Period, Period)>,
) -> Result<Option<(String, String)>, String> {
    let Some(table) = ctx.catalog.table(&ctx.base).filter(|t| t.snapshot) else {
        if plan.at_end {
            return Err(format!(
                "{} add up over a period; \"at the end of\" fits readings taken at a date, such as balances. Ask for the period itself",
                super::describe::table_words(&ctx.base)
            ));
        }
        return Ok(None);
    };
    let Some(ts) = table.time_column.as_deref() else {
        return Ok(None);
    };
    let is_date = table
        .column(ts)
        .is_some_and(|c| c.column_type == crate::catalog::ColumnType::Date);
    let outer = ctx.col(&Col::new(&ctx.base, ts));
    let base = &ctx.base;
    let words = column_words(&Col::new(base, ts), ctx.catalog);
    let last_in = |p: Option<&Period>| {
        let conds = p.map(|p| period_cond(p, ts, is_date)).unwrap_or_default();
        let filter = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        format!("{outer} IN (SELECT MAX({ts}) AS last_reading FROM {base}{filter})")
    };
    let grain = plan.groups.iter().find_map(|g| match g {
        Group::Time(g) => Some(*g),
        Group::Dim(_) => None,
    });
    if let Some(g) = grain {
        if matches!(g, Grain::Weekday | Grain::Hour | Grain::DayType) {
            return Err(format!(
                "{} are readings at one {words} each; they cannot be split by {}",
                base.replace('_', " "),
                super::resolve::grain_word(g)
            ));
        }
        let (expr, alias) = bucket(g, ts);
        // Polars returns a GROUP BY's keys too: the dates are picked from
        // the grouped rows in a query of their own.
        let cond = format!(
            "{outer} IN (SELECT last_reading FROM (SELECT {alias}, MAX({ts}) AS last_reading FROM (SELECT {ts}, {expr} AS {alias} FROM {base}) readings GROUP BY {alias}) last_readings)"
        );
        let note = format!(
            "at the last {words} of each {}",
            super::resolve::grain_word(g)
        );
        return Ok(Some((cond, note)));
    }
    Ok(Some(match compare {
        Some((cur, other)) => (
            format!("({} OR {})", last_in(Some(cur)), last_in(Some(other))),
            format!("at the last {words} of each period"),
        ),
        None => match &plan.period {
            Some(p) => (
                last_in(Some(p)),
                format!("at the last {words} of the period"),
            ),
            None => (last_in(None), format!("at the last {words}")),
        },
    }))
}

/// "paying subscriptions", "paying subscriptions at the end of September",
/// "… by month": a state's phrase that a snapshot's figure shares (the
/// catalog gives "paying subscriptions" to both), counted, names that
/// figure: the catalog's own definition of the number, read at a date (the
/// last reading when none is named), not a count of the state's rows now.
/// The state stays a filter where rows are listed or other figures asked.
pub(super) fn figure_of_reading(plan: &mut Plan, catalog: &Catalog) {
    let Some((i, state)) = plan.filters.iter().enumerate().find_map(|(i, f)| match f {
        Filter::State {
            name,
            negated: false,
        } => catalog
            .states
            .iter()
            .find(|s| s.name == *name)
            .map(|s| (i, s)),
        _ => None,
    }) else {
        return;
    };
    // The state's rows counted, or named with no figure yet.
    let counts_its_rows = plan.list.is_none()
        && plan
            .measures
            .iter()
            .all(|m| counted_entity(m, catalog).as_deref() == Some(state.table.as_str()));
    let phrases: Vec<String> = std::iter::once(&state.name)
        .chain(&state.synonyms)
        .map(|s| s.to_lowercase())
        .collect();
    let reading = catalog.metrics.iter().find(|m| {
        catalog.table(&m.table).is_some_and(|t| t.snapshot)
            && m.synonyms
                .iter()
                .any(|s| phrases.contains(&s.to_lowercase()))
    });
    if let (Some(m), true) = (reading, counts_its_rows) {
        plan.filters.remove(i);
        plan.measures = vec![Measure::Metric(m.name.clone())];
    }
}
