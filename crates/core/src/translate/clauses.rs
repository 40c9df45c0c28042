//! The clauses a rendered query is made of: literals, aliases, each
//! measure's aggregate, conditional aggregates, period and filter
//! conditions, time buckets. `sql::render` puts them together.

use chrono::NaiveDate;

use super::describe::{
    capitalise, column_words, condition_words, metric_note, plural, singular, table_words,
};
use super::lexicon::{Col, Grain};
use super::period::Period;
use super::plan::{Filter, Measure, RowAgg};
use super::sql::Ctx;
use super::units::{column_unit, convert, metric_unit, unit_of};
use crate::catalog::{Catalog, ColumnType};

/// One measure resolved against the catalog.
pub(super) struct Agg {
    pub(super) alias: String,
    pub(super) label: String,
    pub(super) expr: String,
    pub(super) filter: Option<String>,
    pub(super) note: Option<String>,
}

pub(super) fn literal(d: NaiveDate, is_date: bool) -> String {
    if is_date {
        format!("DATE '{d}'")
    } else {
        format!("TIMESTAMP '{d} 00:00:00'")
    }
}

pub(super) fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The condition a catalog writes for one value of a column
/// (`kind = 'card'`), as metric filters and states hold it.
pub(super) fn equals(column: &str, value: &str) -> String {
    format!("{column} = {}", quote(value))
}

pub(super) fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// The first letter of the table's last word: `o` for orders, `t` for support_tickets.
pub(super) fn table_alias(table: &str, taken: &[String]) -> String {
    let last = table.rsplit('_').next().unwrap_or(table);
    let mut alias: String = last.chars().take(1).collect();
    while taken.contains(&alias) {
        alias.push('x');
    }
    alias
}

/// The table a measure counts.
pub fn measure_table(m: &Measure, catalog: &Catalog) -> Option<String> {
    match m {
        Measure::Metric(name) | Measure::OfRows { metric: name, .. } => {
            catalog.metric(name).map(|m| m.table.clone())
        }
        Measure::Rows(t) | Measure::New(t) | Measure::Span { table: t, .. } => Some(t.clone()),
        Measure::Average(c) => Some(c.table.clone()),
        Measure::Distinct { base, .. } => Some(base.clone()),
        Measure::Sum { col, .. } => Some(col.table.clone()),
    }
}

pub(super) fn agg(m: &Measure, ctx: &Ctx) -> Option<Agg> {
    let a = average_agg(m, ctx)?;
    if ctx.median {
        return median(a);
    }
    Some(a)
}

/// "median resolution time": the one average of an aggregate as the median
/// of the same values; any other aggregate has none.
fn median(a: Agg) -> Option<Agg> {
    let others = ["SUM(", "COUNT(", "MIN(", "MAX(", "MEDIAN("];
    if a.expr.matches("AVG(").count() != 1 || others.iter().any(|o| a.expr.contains(o)) {
        return None;
    }
    let label = match a.label.strip_prefix("Average ") {
        Some(rest) => format!("Median {rest}"),
        None => format!("Median {}", super::describe::lower(&a.label)),
    };
    Some(Agg {
        alias: format!(
            "median_{}",
            a.alias
                .trim_start_matches("avg_")
                .trim_start_matches("average_")
        ),
        label,
        expr: a.expr.replace("AVG(", "MEDIAN("),
        ..a
    })
}

fn average_agg(m: &Measure, ctx: &Ctx) -> Option<Agg> {
    let catalog = ctx.catalog;
    Some(match m {
        Measure::Sum { col, filter } => Agg {
            alias: format!("total_{}", col.column),
            label: format!("Total {}", column_words(col, catalog)),
            expr: format!("SUM({})", col.column),
            filter: filter.clone(),
            note: filter
                .as_deref()
                .and_then(|f| condition_words(f, &ctx.base, catalog)),
        },
        Measure::Distinct { col, filter, .. } => Agg {
            alias: format!("distinct_{}", col.column),
            // Over which rows, said: "countries of customers" or "of orders".
            // A key of another table counts that table's rows: "accounts".
            label: match catalog
                .relationships
                .iter()
                .find(|r| r.from_table == col.table && r.from_column == col.column)
            {
                Some(r) => format!(
                    "Number of {} with {}",
                    table_words(&r.to_table),
                    table_words(&ctx.base)
                ),
                None => format!(
                    "Number of {} of {}",
                    plural(&column_words(col, catalog)),
                    table_words(&ctx.base)
                ),
            },
            expr: format!("COUNT(DISTINCT {})", ctx.col(col)),
            filter: filter.clone(),
            note: filter
                .as_deref()
                .and_then(|f| condition_words(f, &ctx.base, catalog)),
        },
        Measure::Metric(name) if ctx.unit.is_some() => {
            let d = catalog.metric(name)?;
            let to = ctx.unit.clone()?;
            let expr = convert(&d.expression, &metric_unit(name, catalog)?, &to)?;
            let label = d.label.split(" (").next().unwrap_or(&d.label);
            Agg {
                alias: format!("{}_{}s", d.name, to.name),
                label: format!("{label} in {}s", to.name),
                expr,
                filter: d.filter.clone(),
                note: metric_note(d, catalog),
            }
        }
        Measure::Metric(name) => {
            let d = catalog.metric(name)?;
            Agg {
                alias: d.name.clone(),
                label: d.label.clone(),
                expr: d.expression.clone(),
                filter: d.filter.clone(),
                note: metric_note(d, catalog),
            }
        }
        Measure::OfRows { metric, agg } => {
            let d = catalog.metric(metric)?;
            let inner = d
                .expression
                .trim()
                .strip_prefix("SUM(")?
                .strip_suffix(')')?;
            let words = d.label.to_lowercase();
            let (alias, label, expr) = match agg {
                RowAgg::Average => (
                    format!("avg_{}", d.name),
                    format!("Average {}", singular(&words)),
                    format!("AVG({inner})"),
                ),
                RowAgg::Count => (
                    format!("number_of_{}", d.name),
                    format!("Number of {} ({words})", table_words(&d.table)),
                    "COUNT(*)".to_string(),
                ),
            };
            Agg {
                alias,
                label,
                expr,
                filter: d.filter.clone(),
                note: metric_note(d, catalog),
            }
        }
        Measure::Rows(t) => Agg {
            alias: t.clone(),
            label: capitalise(&table_words(t)),
            expr: "COUNT(*)".into(),
            filter: None,
            note: None,
        },
        Measure::Average(c) if ctx.unit.is_some() => {
            let to = ctx.unit.clone()?;
            let words = column_words(c, catalog);
            Agg {
                alias: format!("avg_{}_{}s", c.column, to.name),
                label: format!(
                    "Average {} in {}s",
                    words.split(" (").next().unwrap_or(&words),
                    to.name
                ),
                expr: convert(
                    &format!("AVG({})", c.column),
                    &column_unit(c, catalog)?,
                    &to,
                )?,
                filter: None,
                note: None,
            }
        }
        Measure::Average(c) => Agg {
            alias: format!("avg_{}", c.column),
            label: format!("Average {}", column_words(c, catalog)),
            expr: format!("AVG({})", c.column),
            filter: None,
            note: None,
        },
        Measure::Span { table, start, end } => {
            let to = ctx.unit.clone().or_else(|| unit_of("days"))?;
            let (s, e) = (
                epoch(&Col::new(table, start), ctx),
                epoch(&Col::new(table, end), ctx),
            );
            let seconds = format!("AVG({e} - {s})");
            let head = end.split('_').next().unwrap_or(end);
            Agg {
                alias: format!("avg_{}s_to_{head}", to.name),
                label: format!(
                    "Average {}s from {} to {}",
                    to.name,
                    column_words(&Col::new(table, start), catalog),
                    column_words(&Col::new(table, end), catalog)
                ),
                expr: convert(&seconds, &unit_of("second")?, &to)?,
                filter: Some(format!("{end} IS NOT NULL")),
                note: None,
            }
        }
        Measure::New(t) => Agg {
            alias: format!("new_{t}"),
            label: format!("New {}", table_words(t)),
            expr: "COUNT(*)".into(),
            filter: None,
            note: None,
        },
    })
}

/// A date or timestamp column as a timestamp: Polars has no epoch of a
/// Date, so a date is read as its midnight.
fn as_timestamp(col: &Col, ctx: &Ctx) -> String {
    let q = ctx.col(col);
    if col.column_type(ctx.catalog) == Some(ColumnType::Date) {
        format!("CAST({q} AS TIMESTAMP)")
    } else {
        q
    }
}

/// Seconds since the epoch of a date or timestamp column.
fn epoch(col: &Col, ctx: &Ctx) -> String {
    format!("DATE_PART('epoch', {})", as_timestamp(col, ctx))
}

/// An aggregate restricted to rows meeting `cond` (the guard's parser has
/// no `FILTER` clause): `AGG(x)` becomes `AGG(CASE WHEN cond THEN x END)`.
pub(super) fn conditional(expr: &str, cond: &str) -> Option<String> {
    let open = expr.find('(')?;
    let inner = expr.get(open + 1..)?.strip_suffix(')')?;
    let name = &expr[..open];
    if !name.chars().all(|c| c.is_ascii_alphabetic() || c == '_') {
        return None;
    }
    Some(if inner == "*" {
        format!("{name}(CASE WHEN {cond} THEN 1 END)")
    } else if let Some(arg) = inner.strip_prefix("DISTINCT ") {
        format!("{name}(DISTINCT CASE WHEN {cond} THEN {arg} END)")
    } else {
        format!("{name}(CASE WHEN {cond} THEN {inner} END)")
    })
}

pub(super) fn period_cond(p: &Period, ts: &str, is_date: bool) -> Vec<String> {
    let mut c = Vec::new();
    if let Some(s) = p.start {
        c.push(format!("{ts} >= {}", literal(s, is_date)));
    }
    if let Some(e) = p.end {
        c.push(format!("{ts} < {}", literal(e, is_date)));
    }
    c
}

pub(super) fn filter_sql(f: &Filter, ctx: &Ctx) -> (String, String) {
    match f {
        Filter::In {
            col,
            values,
            negated,
        } => {
            let c = ctx.col(col);
            let words = column_words(col, ctx.catalog);
            // A yes/no column compares with TRUE or FALSE, not a text.
            let is_bool = col.column_type(ctx.catalog) == Some(ColumnType::Bool);
            let lit = |v: &str| {
                if is_bool && (v == "true" || v == "false") {
                    v.to_uppercase()
                } else {
                    quote(v)
                }
            };
            let sql = match (values.as_slice(), negated) {
                ([one], false) => format!("{c} = {}", lit(one)),
                // "did not opt in": false, or not known (as "without").
                ([one], true) if is_bool => format!("({c} IS NULL OR {c} <> {})", lit(one)),
                ([one], true) => format!("{c} <> {}", lit(one)),
                (many, neg) => format!(
                    "{c} {}IN ({})",
                    if *neg { "NOT " } else { "" },
                    many.iter().map(|v| lit(v)).collect::<Vec<_>>().join(", ")
                ),
            };
            let text = format!(
                "{words} {}{}",
                if *negated { "not " } else { "" },
                values.join(" or ")
            );
            (sql, text)
        }
        Filter::Cmp { col, op, value } => (
            format!("{} {} {}", ctx.col(col), op.sql(), number(*value)),
            format!(
                "{} {} {}",
                column_words(col, ctx.catalog),
                op.words(),
                number(*value)
            ),
        ),
        Filter::State { name, negated } => {
            let cond = ctx
                .catalog
                .states
                .iter()
                .find(|s| s.name == *name)
                .map(|s| s.condition.clone())
                .unwrap_or_else(|| "FALSE".into());
            let words = condition_words(&cond, &ctx.base, ctx.catalog).unwrap_or_default();
            if *negated {
                (format!("NOT ({})", ctx.expr(&cond)), format!("not {words}"))
            } else {
                (ctx.expr(&cond), words)
            }
        }
        // "no discount": empty, or zero for a number ("no" of an amount);
        // "no industry": empty, or an empty text.
        Filter::Null { col, negated } => {
            let words = column_words(col, ctx.catalog);
            let c = ctx.col(col);
            let none = match col.column_type(ctx.catalog) {
                Some(ColumnType::Int | ColumnType::Float) => "0",
                Some(ColumnType::Text) => "''",
                // "without marketing consent": false, or not known.
                Some(ColumnType::Bool) => "FALSE",
                _ => "",
            };
            // "with an industry", "with a cancel reason".
            let article = if words.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            match (none, negated) {
                ("", false) => (format!("{c} IS NULL"), format!("no {words}")),
                ("", true) => (
                    format!("{c} IS NOT NULL"),
                    format!("with {article} {words}"),
                ),
                (z, false) => (format!("({c} IS NULL OR {c} = {z})"), format!("no {words}")),
                (z, true) => (
                    format!("({c} IS NOT NULL AND {c} <> {z})"),
                    format!("with {article} {words}"),
                ),
            }
        }
        Filter::Span {
            col,
            start,
            within,
            same,
            longer,
        } => {
            let start_col = Col::new(&col.table, start);
            let (op, how, rel) = if *longer {
                (">", "more than", "after")
            } else {
                ("<=", "within", "of")
            };
            let (sql, text) = match (within, same) {
                (Some(secs), _) => (
                    format!(
                        "{} IS NOT NULL AND {} - {} {op} {}",
                        ctx.col(col),
                        epoch(col, ctx),
                        epoch(&start_col, ctx),
                        number(*secs)
                    ),
                    format!(
                        "{} {how} {} {rel} {}",
                        column_words(col, ctx.catalog),
                        super::units::spoken(*secs),
                        column_words(&Col::new(&col.table, start), ctx.catalog)
                    ),
                ),
                (None, Some(fmt)) => (
                    format!(
                        "STRFTIME({}, '{fmt}') = STRFTIME({}, '{fmt}')",
                        as_timestamp(col, ctx),
                        as_timestamp(&start_col, ctx)
                    ),
                    format!(
                        "{} in the same {} as {}",
                        column_words(col, ctx.catalog),
                        match fmt.as_str() {
                            "%Y-%m" => "month",
                            "%G-%V" => "week",
                            _ => "day",
                        },
                        column_words(&Col::new(&col.table, start), ctx.catalog)
                    ),
                ),
                (None, None) => ("TRUE".into(), String::new()),
            };
            (sql, text)
        }
        Filter::Dated { col, period } => {
            let is_date = col.column_type(ctx.catalog) == Some(ColumnType::Date);
            (
                period_cond(period, &ctx.col(col), is_date).join(" AND "),
                format!("{} {}", column_words(col, ctx.catalog), period.label),
            )
        }
        Filter::Named { col, name } => (
            format!("LOWER({}) = {}", ctx.col(col), quote(&name.to_lowercase())),
            format!(
                "{} {}",
                column_words(col, ctx.catalog),
                super::names::title(name)
            ),
        ),
        // Checked before rendering: `table` links to the base table.
        Filter::Without {
            table,
            within,
            of,
            being,
        } => {
            let base = &ctx.base;
            let link = ctx.catalog.relationship(table, base);
            // "products not sold": only the rows the verb's figure counts.
            let figure = of.as_deref().and_then(|m| ctx.catalog.metric(m));
            let mut kept = figure
                .and_then(|d| d.filter.as_deref())
                .map_or(String::new(), |f| format!(" AND {f}"));
            for (c, v) in being {
                kept.push_str(&format!(" AND {} = {}", c.column, quote(v)));
            }
            let (dated, when) = match within {
                Some((column, period)) => {
                    let is_date =
                        Col::new(table, column).column_type(ctx.catalog) == Some(ColumnType::Date);
                    let conds = period_cond(period, column, is_date);
                    (
                        conds.iter().map(|c| format!(" AND {c}")).collect(),
                        format!(" {}", period.label),
                    )
                }
                None => (String::new(), String::new()),
            };
            let sql = match link {
                Some(r) => format!(
                    "{} NOT IN (SELECT {fk} FROM {table} WHERE {fk} IS NOT NULL{kept}{dated})",
                    ctx.col(&Col::new(base, &r.to_column)),
                    fk = r.from_column,
                ),
                None => "FALSE".into(),
            };
            let words = figure.map_or_else(|| table_words(table), |d| d.label.to_lowercase());
            let words = if being.is_empty() {
                words
            } else {
                let said: Vec<String> = being
                    .iter()
                    .map(|(c, v)| format!("{} {v}", column_words(c, ctx.catalog)))
                    .collect();
                format!("{words} with {}", said.join(", "))
            };
            (sql, format!("without {words}{when}"))
        }
    }
}

pub(super) fn bucket(g: Grain, ts: &str) -> (String, &'static str) {
    match g {
        Grain::Day => (format!("STRFTIME({ts}, '%Y-%m-%d')"), "day"),
        Grain::Week => (format!("STRFTIME({ts}, '%G-W%V')"), "week"),
        Grain::Month => (format!("STRFTIME({ts}, '%Y-%m')"), "month"),
        Grain::Quarter => (
            format!(
                "CONCAT(CAST(EXTRACT(year FROM {ts}) AS VARCHAR), '-Q', CAST(EXTRACT(quarter FROM {ts}) AS VARCHAR))"
            ),
            "quarter",
        ),
        Grain::Year => (format!("EXTRACT(year FROM {ts})"), "year"),
        // "1 Mon" .. "7 Sun": sorts Monday first and reads as a day.
        Grain::Weekday => (format!("STRFTIME({ts}, '%u %a')"), "weekday"),
        Grain::Hour => (format!("STRFTIME({ts}, '%H')"), "hour"),
        Grain::DayType => (weekend_case(ts), "day_type"),
    }
}

/// 'weekend' for Saturday and Sunday, else 'weekday'.
fn weekend_case(ts: &str) -> String {
    format!(
        "CASE WHEN {} THEN 'weekend' ELSE 'weekday' END",
        weekend(ts, true)
    )
}

/// Whether `ts` falls on a weekend (`true`) or a working day.
pub(super) fn weekend(ts: &str, on_weekend: bool) -> String {
    let not = if on_weekend { "" } else { "NOT " };
    format!("STRFTIME({ts}, '%u') {not}IN ('6', '7')")
}
