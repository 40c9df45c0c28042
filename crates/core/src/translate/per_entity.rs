//! "how many customers have more than 5 orders": a threshold on a figure per
//! row of an entity table, computed per entity in a grouped CTE, then the
//! entities that pass are counted. Entities with no rows at all have no
//! figure, so a threshold they would pass ("fewer than 2 orders") is refused.

use super::clauses::period_cond;
use super::describe::{append_clauses, capitalise, condition_words, lower, singular, table_words};
use super::lexicon::Col;
use super::plan::{Filter, Group, Measure, Op, PerEntity, Plan};
use super::read::Parsed;
use super::resolve::count_metric;
use super::sql::{Ctx, Rendered};
use super::{unsupported, Translation};
use crate::catalog::Catalog;
use crate::wire::ChartHint;

/// "average number of orders per customer", "average card spend per
/// client": the figure per entity, averaged over the entities that have
/// rows. `Ok(true)`: the plan is that average.
pub(super) fn average_per(
    plan: &mut Plan,
    p: &Parsed,
    catalog: &Catalog,
) -> Result<bool, Translation> {
    let (Some(entity), true) = (&p.per_table, p.average) else {
        return Ok(false);
    };
    // "average card spend per client by segment": split by columns of the
    // entity itself, each entity in its own group.
    let own_groups = plan
        .groups
        .iter()
        .all(|g| matches!(g, Group::Dim(c) if c.table == *entity));
    if !own_groups
        || plan.compare.is_some()
        || plan.rank.is_some()
        || plan.share
        || plan.list.is_some()
    {
        return Ok(false);
    }
    let [Measure::Metric(name)] = plan.measures.as_slice() else {
        return Ok(false);
    };
    let Some(d) = catalog.metric(name) else {
        return Ok(false);
    };
    let additive = d.expression.replace(' ', "").starts_with("SUM(") || d.counts_rows();
    if !additive || d.table == *entity || catalog.relationship(&d.table, entity).is_none() {
        return Ok(false);
    }
    plan.per_entity = Some(PerEntity {
        entity: entity.clone(),
        op: Op::Gt,
        value: 0.0,
        list: false,
        average: true,
        with_empty: false,
    });
    Ok(true)
}

/// Makes the plan a count of entities past a threshold, or refuses.
pub(super) fn per_entity(
    plan: &mut Plan,
    p: &Parsed,
    catalog: &Catalog,
) -> Result<(), Translation> {
    let Some(r) = &p.per_entity else {
        return Ok(());
    };
    let entity = table_words(&r.entity);
    let d = catalog
        .metric(&r.figure)
        .ok_or_else(|| unsupported(catalog, "I don't know that figure."))?;
    if catalog.relationship(&d.table, &r.entity).is_none() {
        return Err(unsupported(
            catalog,
            format!("I can't relate {} to {entity}.", table_words(&d.table)),
        ));
    }
    // "customers with revenue over 1000": the figure is the threshold's.
    // "which products sold more than 100 units": the verb's own figure too.
    plan.measures.retain(|m| match m {
        Measure::Metric(n) => {
            *n != r.figure && !p.verb_measure && p.weak_metric.as_ref().is_none_or(|(w, _)| w != n)
        }
        _ => true,
    });
    // "which products sold more than 100 units": the products themselves
    // are listed, not split by their name; "by industry" is a split.
    plan.groups
        .retain(|g| !matches!(g, Group::Dim(c) if c.table == r.entity && c.names_rows(catalog)));
    // "how many clients have more than 2 accounts, by segment": a split by
    // the entity's own columns counts them in each group.
    let split_by_own = !plan.groups.is_empty()
        && p.asks_how_many
        && plan.compare.is_none()
        && plan.rank.is_none()
        && !plan.share
        && plan.list.is_none()
        && own_groups(plan, &r.entity);
    if (plan.is_shaped() && !split_by_own) || p.average || p.distinct.is_some() {
        return Err(unsupported(
            catalog,
            format!("I can count {entity} past a threshold, not split, rank or compare them."),
        ));
    }
    // "customers with more than 5 orders" alone: a list of them, each with
    // its figure; "how many customers ...": their count.
    let list = !p.asks_how_many;
    if list
        && !plan.measures.is_empty()
        && !plan.measures.iter().all(|m| counts_entity(m, r, catalog))
    {
        return Err(unsupported(
            catalog,
            format!("I can list the {entity} past a threshold, not another figure of them."),
        ));
    }
    // What is counted must be the entity itself, not another figure.
    if !plan.measures.iter().all(|m| counts_entity(m, r, catalog)) {
        return Err(unsupported(
            catalog,
            format!("I can only count the {entity} past a threshold, not another figure of them."),
        ));
    }
    let keeps_empty = match r.op {
        Op::Gt => r.value < 0.0,
        Op::Ge => r.value <= 0.0,
        Op::Lt | Op::Le => true,
        // "exactly 0 orders": the entities with none, which no row shows.
        Op::Eq => r.value <= 0.0,
    };
    // "companies with fewer than 3 users": a count or a total is 0 for an
    // entity with no rows, so every entity is read (its own conditions
    // would need its own rows: still refused).
    let zero_when_empty = {
        let e = d.expression.replace(' ', "");
        e.starts_with("COUNT(") || e.starts_with("SUM(")
    };
    let on_entity = plan.filters.iter().any(|f| match f {
        Filter::State { name, .. } => {
            super::plan::state_table(name, catalog).as_deref() == Some(r.entity.as_str())
        }
        Filter::Without { .. } => true,
        _ => f.column().is_some_and(|c| c.table == r.entity),
    });
    let labelled = catalog
        .table(&r.entity)
        .is_some_and(|t| t.label_column.is_some() || t.primary_key.is_some());
    if keeps_empty && !(zero_when_empty && !on_entity && labelled) {
        return Err(unsupported(
            catalog,
            format!(
                "{} with no {} at all would count too, and I can't see them; ask for more than a number instead.",
                capitalise(&entity),
                table_words(&d.table)
            ),
        ));
    }
    plan.measures = vec![Measure::Metric(r.figure.clone())];
    plan.per_entity = Some(PerEntity {
        entity: r.entity.clone(),
        op: r.op,
        value: r.value,
        list,
        average: false,
        with_empty: keeps_empty,
    });
    Ok(())
}

/// The columns of a plan's column groups, by name.
fn dim_columns(plan: &Plan) -> Vec<String> {
    plan.groups
        .iter()
        .filter_map(|g| match g {
            Group::Dim(c) => Some(c.column.clone()),
            Group::Time(_) => None,
        })
        .collect()
}

/// The words of a plan's column groups ("client segment").
fn dim_words(plan: &Plan, catalog: &Catalog) -> Vec<String> {
    plan.groups
        .iter()
        .filter_map(|g| match g {
            Group::Dim(c) => Some(super::describe::column_words(c, catalog)),
            Group::Time(_) => None,
        })
        .collect()
}

/// Whether every group is a column of the entity's own table, other than
/// its label (a split of the entities, not one group each).
fn own_groups(plan: &Plan, entity: &str) -> bool {
    plan.groups
        .iter()
        .all(|g| matches!(g, Group::Dim(c) if c.table == entity))
}

/// Whether a measure counts the entity itself (its rows, or the distinct
/// keys of rows that link to it), not another figure of it.
fn counts_entity(m: &Measure, r: &super::threshold::PerEntityRead, catalog: &Catalog) -> bool {
    match m {
        Measure::Rows(t) => *t == r.entity,
        Measure::Metric(n) => {
            *m == count_metric(&r.entity, catalog)
                || catalog.metric(n).is_some_and(|x| {
                    let e = x.expression.replace(' ', "");
                    catalog.relationships.iter().any(|rel| {
                        rel.from_table == x.table
                            && rel.to_table == r.entity
                            && e == format!("COUNT(DISTINCT{})", rel.from_column)
                    })
                })
        }
        // "how many clients have card spend over 10000": the clients among
        // the figure's rows, by their key there.
        Measure::Distinct { col, base, .. } => catalog.relationships.iter().any(|rel| {
            rel.from_table == *base && rel.from_column == col.column && rel.to_table == r.entity
        }),
        _ => false,
    }
}

/// `WITH facts, per AS (figure per entity) SELECT COUNT(*) FROM per WHERE v > n`.
pub(super) fn render(
    plan: &Plan,
    pe: &PerEntity,
    ctx: &Ctx,
    from: &str,
    mut conds: Vec<String>,
    mut notes: Vec<String>,
) -> Result<Rendered, String> {
    let catalog = ctx.catalog;
    let Some(Measure::Metric(name)) = plan.measures.first() else {
        return Err("nothing to count per entity".into());
    };
    let d = catalog.metric(name).ok_or("unknown figure")?;
    let rel = catalog
        .relationship(&ctx.base, &pe.entity)
        .ok_or("those rows don't link to that table")?;
    if let Some(f) = &d.filter {
        conds.insert(0, ctx.expr(f));
        if let Some(n) = condition_words(f, &ctx.base, catalog) {
            notes.insert(0, n);
        }
    }
    if let Some(p) = &plan.period {
        let (ts, is_date) = ctx.time_column().ok_or("those rows have no date")?;
        conds.extend(period_cond(p, &ts, is_date));
    }
    // Rows of no entity (an unknown requester) are no entity's figure.
    conds.push(format!(
        "{} IS NOT NULL",
        ctx.col(&Col::new(&ctx.base, &rel.from_column))
    ));
    let table = catalog.table(&ctx.base).ok_or("unknown table")?;
    let read: Vec<&str> = d
        .expression
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .collect();
    let mut facts = vec![format!(
        "{} AS entity_key",
        ctx.col(&Col::new(&ctx.base, &rel.from_column))
    )];
    for c in table
        .columns
        .iter()
        .filter(|c| read.contains(&c.name.as_str()))
    {
        facts.push(format!(
            "{} AS {}",
            ctx.col(&Col::new(&ctx.base, &c.name)),
            c.name
        ));
    }
    let where_sql = if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    };
    let value = if pe.value.fract() == 0.0 {
        format!("{}", pe.value as i64)
    } else {
        format!("{}", pe.value)
    };
    // ROUND keeps Polars 0.52 off its streaming group-by; 6 places keep the threshold exact enough.
    let per = format!(
        "WITH facts AS (SELECT {} FROM {from}{where_sql}), per AS (SELECT entity_key, ROUND({}, 6) AS v FROM facts GROUP BY entity_key)",
        facts.join(", "),
        d.expression,
    );
    if !pe.average && !plan.groups.is_empty() {
        // Counted per group of the entity's own columns; any other split
        // is no split of these entities.
        if pe.list || !own_groups(plan, &pe.entity) {
            return Err(
                "I can count these entities past a threshold per group of their own columns only"
                    .into(),
            );
        }
        let cols = dim_columns(plan);
        let select: Vec<String> = cols.iter().map(|c| format!("e.{c} AS {c}")).collect();
        let by: Vec<String> = cols.iter().map(|c| format!("e.{c}")).collect();
        let (joined, passes) = if pe.with_empty {
            (
                format!(
                    "{} e LEFT JOIN per ON per.entity_key = e.{}",
                    pe.entity, rel.to_column
                ),
                format!("COALESCE(per.v, 0) {} {value}", pe.op.sql()),
            )
        } else {
            (
                format!(
                    "per JOIN {} e ON per.entity_key = e.{}",
                    pe.entity, rel.to_column
                ),
                format!("per.v {} {value}", pe.op.sql()),
            )
        };
        let sql = format!(
            "{per} SELECT {}, COUNT(*) AS {} FROM {joined} WHERE {passes} GROUP BY {} ORDER BY {}",
            select.join(", "),
            pe.entity,
            by.join(", "),
            by.join(", "),
        );
        let words = dim_words(plan, catalog);
        let mut line = format!(
            "{} with {} {} {value}{}, by {}",
            capitalise(&table_words(&pe.entity)),
            lower(&d.label),
            pe.op.words(),
            if pe.with_empty {
                " (those with none included)"
            } else {
                ""
            },
            words.join(" and ")
        );
        append_clauses(
            &mut line,
            plan.period.as_ref().map(|p| p.label.as_str()),
            &notes,
        );
        return Ok(Rendered {
            sql,
            interpretation: line,
            chart: ChartHint::Bar,
        });
    }
    let (sql, chart) = if pe.average {
        let agg = if plan.median { "MEDIAN" } else { "AVG" };
        let alias = format!("{}_per_{}", d.name, singular(&pe.entity).replace(' ', "_"));
        let cols = dim_columns(plan);
        if cols.is_empty() {
            (
                format!("{per} SELECT {agg}(v) AS {alias} FROM per"),
                ChartHint::BigNumber,
            )
        } else {
            // Each entity's figure beside its own columns, then averaged
            // within each group (ROUND keeps Polars off its streaming path).
            let key = &rel.to_column;
            let select: Vec<String> = cols.iter().map(|c| format!("e.{c} AS {c}")).collect();
            (
                format!(
                    "{per}, grouped AS (SELECT {}, per.v AS v FROM per JOIN {} e ON per.entity_key = e.{key}) \
                     SELECT {}, ROUND({agg}(v), 2) AS {alias} FROM grouped GROUP BY {} ORDER BY {alias} DESC",
                    select.join(", "),
                    pe.entity,
                    cols.join(", "),
                    cols.join(", "),
                ),
                ChartHint::Bar,
            )
        }
    } else if pe.list {
        // Each entity by its key and its label, as a group shows them (the
        // extract already pseudonymised a personal label).
        let entity = catalog.table(&pe.entity).ok_or("unknown table")?;
        let key = &rel.to_column;
        let label = entity
            .label_column
            .as_deref()
            .filter(|l| entity.column(l).is_some() && *l != key);
        let label_sql = label.map_or(String::new(), |l| format!(", e.{l} AS {l}"));
        if pe.with_empty {
            // Every entity, those with no rows at 0.
            return Ok(with_empty_rows(
                plan, pe, ctx, &per, &d.name, key, &label_sql, &value, notes,
            ));
        }
        (
            format!(
                "{per} SELECT e.{key} AS {key}{label_sql}, per.v AS {} FROM per JOIN {} e ON per.entity_key = e.{key} WHERE per.v {} {value} ORDER BY {} DESC, {key}",
                d.name,
                pe.entity,
                pe.op.sql(),
                d.name,
            ),
            ChartHint::Table,
        )
    } else if pe.with_empty {
        (
            format!(
                "{per} SELECT COUNT(*) AS {} FROM {} e LEFT JOIN per ON per.entity_key = e.{} WHERE COALESCE(per.v, 0) {} {value}",
                pe.entity,
                pe.entity,
                rel.to_column,
                pe.op.sql(),
            ),
            ChartHint::BigNumber,
        )
    } else {
        (
            format!(
                "{per} SELECT COUNT(*) AS {} FROM per WHERE v {} {value}",
                pe.entity,
                pe.op.sql(),
            ),
            ChartHint::BigNumber,
        )
    };
    let mut line = if pe.average {
        let mut line = format!(
            "{} {} per {}, over the {} with {}",
            if plan.median { "Median" } else { "Average" },
            lower(&d.label),
            singular(&pe.entity),
            table_words(&pe.entity),
            table_words(&ctx.base)
        );
        if !plan.groups.is_empty() {
            line = format!("{line}, by {}", dim_words(plan, catalog).join(" and "));
        }
        line
    } else {
        format!(
            "{} with {} {} {value}",
            capitalise(&table_words(&pe.entity)),
            lower(&d.label),
            pe.op.words()
        )
    };
    if pe.with_empty {
        line = format!("{line} (those with none included)");
    }
    if pe.list {
        line = format!("{line}, each with its {}", lower(&d.label));
    }
    append_clauses(
        &mut line,
        plan.period.as_ref().map(|p| p.label.as_str()),
        &notes,
    );
    Ok(Rendered {
        sql,
        interpretation: line,
        chart,
    })
}

/// The list of every entity whose figure passes a threshold that entities
/// with no rows pass too (at 0): the entity table, its figure joined on.
#[allow(clippy::too_many_arguments)]
fn with_empty_rows(
    plan: &Plan,
    pe: &PerEntity,
    ctx: &Ctx,
    per: &str,
    figure: &str,
    key: &str,
    label_sql: &str,
    value: &str,
    notes: Vec<String>,
) -> Rendered {
    let catalog = ctx.catalog;
    let label = catalog
        .metric(figure)
        .map_or(figure.to_string(), |d| lower(&d.label));
    let sql = format!(
        "{per} SELECT e.{key} AS {key}{label_sql}, COALESCE(per.v, 0) AS {figure} FROM {} e LEFT JOIN per ON per.entity_key = e.{key} WHERE COALESCE(per.v, 0) {} {value} ORDER BY {figure}, {key}",
        pe.entity,
        pe.op.sql(),
    );
    let mut line = format!(
        "{} with {label} {} {value} (those with none included), each with its {label}",
        capitalise(&table_words(&pe.entity)),
        pe.op.words()
    );
    append_clauses(
        &mut line,
        plan.period.as_ref().map(|p| p.label.as_str()),
        &notes,
    );
    Rendered {
        sql,
        interpretation: line,
        chart: ChartHint::Table,
    }
}
