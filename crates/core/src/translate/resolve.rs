//! A read plan made whole: defaults filled in, then checked against the
//! catalog; anything doubtful becomes a question back or a refusal.

use super::lexicon::Grain;
use super::plan::{Compare, Filter, Group, ListOrder, ListSpec, Measure, Plan, Rank};
use super::read::Parsed;
use super::{capitalise_first, describe, period, sql, unsupported, TranslateContext, Translation};
use crate::catalog::Catalog;

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

pub(super) fn group_phrase(groups: &[Group]) -> String {
    groups
        .iter()
        .map(|g| match g {
            Group::Dim(c) => describe::column_words(c),
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
    }
}

pub(super) fn plural(word: &str) -> String {
    match word.strip_suffix('y') {
        Some(s) if word != "day" => format!("{s}ies"),
        _ => format!("{word}s"),
    }
}

/// Fills defaults and checks the plan; refuses or asks back when unsure.
pub(super) fn complete(
    mut plan: Plan,
    p: &Parsed,
    catalog: &Catalog,
    ctx: &TranslateContext,
) -> Result<Plan, Translation> {
    if let Some((col, value)) = &p.by_value {
        let m = match plan.measures.first() {
            Some(Measure::Metric(n)) => n.replace('_', " "),
            _ => "revenue".into(),
        };
        let words = describe::column_words(col);
        return Err(Translation::Clarify {
            reason: format!("\"{value}\" is a {words}, not something to break down by."),
            options: vec![format!("{m} by {words}"), format!("{m} in {value}")],
        });
    }
    if p.derived {
        return Err(unsupported(
            "I can't compute rates, ratios or margins yet; I can give each figure on its own.",
        ));
    }
    let customers = Measure::Metric("customers".into());
    if p.wants_new {
        let only_customers = plan.measures.iter().all(|m| *m == customers);
        if !only_customers {
            return Err(unsupported(
                "I can't tell new customers' figures from returning ones'; I can count new customers.",
            ));
        }
        if catalog
            .table("customers")
            .is_some_and(|t| t.time_column.is_some())
        {
            plan.measures = vec![Measure::Rows("customers".into())];
        }
    }
    // "how many orders were refunded": the filtered count says it all.
    let filtered_counts: Vec<String> = plan
        .measures
        .iter()
        .filter_map(|m| match m {
            Measure::Metric(n) => catalog
                .metric(n)
                .filter(|d| d.expression == "COUNT(*)" && d.filter.is_some())
                .map(|d| d.table.clone()),
            Measure::Rows(_) => None,
        })
        .collect();
    plan.measures.retain(|m| match m {
        Measure::Metric(n) => !catalog.metric(n).is_some_and(|d| {
            d.expression == "COUNT(*)" && d.filter.is_none() && filtered_counts.contains(&d.table)
        }),
        Measure::Rows(_) => true,
    });
    // "tickets from customers in Canada": there "customers" names the table.
    if plan.measures.len() > 1 && plan.measures.contains(&customers) {
        plan.measures.retain(|m| *m != customers);
    }
    // "cancelled orders": a value of a table with a count names that count.
    if plan.measures.is_empty()
        && p.tables.is_empty()
        && plan.list.is_none()
        && (p.value_names_rows || p.wants_count)
    {
        let tables: Vec<&str> = plan
            .filters
            .iter()
            .filter_map(|f| match f {
                Filter::In { col, .. } => Some(col.table.as_str()),
                _ => None,
            })
            .collect();
        if let Some(t) = tables.first().filter(|t| tables.iter().all(|u| u == *t)) {
            if let Measure::Metric(m) = count_metric(t, catalog) {
                plan.measures.push(Measure::Metric(m));
            }
        }
    }
    // A list of rows, unless a real figure was asked for.
    if let Some(list) = plan.list.as_mut() {
        let counts_only = plan.measures.iter().all(|m| matches!(m, Measure::Metric(n) if catalog.metric(n).is_some_and(|d| d.expression == "COUNT(*)" && d.filter.is_none())));
        if counts_only && plan.groups.is_empty() && plan.compare.is_none() && !plan.share {
            if list.table.is_empty() {
                list.table = p
                    .tables
                    .first()
                    .cloned()
                    .or_else(|| {
                        plan.measures
                            .first()
                            .and_then(|m| sql::measure_table(m, catalog))
                    })
                    .ok_or_else(clarify_list)?;
            }
            plan.measures.clear();
            plan.rank = None;
            if list.table == "customers"
                && !catalog
                    .table("customers")
                    .is_some_and(|t| t.columns.iter().any(|c| !c.personal && c.dimension))
            {
                return Err(unsupported("I don't list customers' personal details."));
            }
            return Ok(plan);
        }
        plan.list = None;
    }
    if plan.measures.is_empty() {
        if let (Some(Rank::Top(n) | Rank::Bottom(n)), true) = (plan.rank, plan.groups.is_empty()) {
            if let Some(t) = p.tables.first() {
                // "top 10 orders": the largest ones.
                let order = if matches!(plan.rank, Some(Rank::Top(_))) {
                    ListOrder::Largest
                } else {
                    ListOrder::Smallest
                };
                plan.list = Some(ListSpec {
                    table: t.clone(),
                    order,
                    limit: n,
                });
                plan.rank = None;
                return Ok(plan);
            }
        }
        if p.vague {
            return Err(clarify_measure(&plan));
        }
        if plan.rank.is_some() && !plan.groups.is_empty() {
            // "top products": by revenue, or by tickets for ticket-only groups.
            let on_orders = plan.groups.iter().all(|g| reachable(g, "orders", catalog));
            if on_orders && catalog.metric("revenue").is_some() {
                plan.measures.push(Measure::Metric("revenue".into()));
            } else if plan
                .groups
                .iter()
                .all(|g| reachable(g, "support_tickets", catalog))
            {
                plan.measures.push(count_metric("support_tickets", catalog));
            }
        } else if let Some(t) = p.tables.first() {
            plan.measures.push(count_metric(t, catalog));
        }
        if plan.measures.is_empty() {
            if !plan.groups.is_empty() || !plan.filters.is_empty() || plan.period.is_some() {
                return Err(clarify_measure(&plan));
            }
            return Err(unsupported(format!(
                "I couldn't find a figure to compute in that question. I know about {}.",
                known_summary(catalog)
            )));
        }
    } else if p.vague && plan.rank.is_none() && plan.groups.is_empty() {
        return Err(clarify_measure(&plan));
    }
    if p.average {
        if plan.groups.iter().any(|g| matches!(g, Group::Time(_)))
            && plan
                .measures
                .iter()
                .any(|m| matches!(m, Measure::Metric(n) if n == "revenue" || n == "orders"))
        {
            return Err(unsupported(
                "I can't average totals over time yet; ask for the figure by month instead.",
            ));
        }
        let mut out = Vec::new();
        for m in &plan.measures {
            match m {
                Measure::Metric(n) if matches!(n.as_str(), "revenue" | "orders" | "aov") => out.push(Measure::Metric("aov".into())),
                Measure::Metric(n) if catalog.metric(n).is_some_and(|d| d.expression.starts_with("AVG(")) => out.push(m.clone()),
                _ => return Err(unsupported("I can only average what the catalog defines as an average: order value, satisfaction, resolution time.")),
            }
        }
        out.dedup();
        plan.measures = out;
    }
    // "value of refunds": a count has no amount to add up.
    if p.money_word {
        if let Some(Measure::Metric(name)) = plan.measures.iter().find(|m| match m {
            Measure::Metric(n) => catalog
                .metric(n)
                .is_some_and(|d| d.expression.starts_with("COUNT(")),
            Measure::Rows(_) => true,
        }) {
            return Err(Translation::Unsupported {
                reason: format!(
                    "{} is a count; I have no amount to add up for it.",
                    capitalise_first(&name.replace('_', " "))
                ),
                suggestions: vec![
                    name.replace('_', " "),
                    "revenue".into(),
                    format!("{} by month", name.replace('_', " ")),
                ],
            });
        }
    }
    let tables: Vec<String> = plan
        .measures
        .iter()
        .filter_map(|m| sql::measure_table(m, catalog))
        .collect();
    let base = tables.first().cloned().unwrap_or_default();
    if tables.iter().any(|t| *t != base) {
        return Err(unsupported(
            "Those figures come from different tables; ask for them one at a time.",
        ));
    }
    // A table named with no role in the plan: "revenue of product A".
    for t in &p.loose_tables {
        let used = *t == base
            || plan
                .groups
                .iter()
                .any(|g| matches!(g, Group::Dim(c) if c.table == *t))
            || plan.filters.iter().any(|f| {
                matches!(f, Filter::In { col, .. } | Filter::Cmp { col, .. } if col.table == *t)
            });
        if !used
            && catalog
                .table(t)
                .is_some_and(|d| d.columns.iter().any(|c| c.name == "name"))
        {
            let m = match plan.measures.first() {
                Some(Measure::Metric(n)) => n.replace('_', " "),
                _ => "revenue".into(),
            };
            let one = t.strip_suffix('s').unwrap_or(t);
            return Err(Translation::Clarify {
                reason: format!(
                    "I can't pick out a single {one} by name; I can break {m} down by {one}."
                ),
                options: vec![format!("{m} by {one}"), format!("top 10 {t} by {m}")],
            });
        }
    }
    if plan
        .groups
        .iter()
        .filter(|g| matches!(g, Group::Time(_)))
        .count()
        > 1
    {
        return Err(unsupported(
            "I bucket time one way at a time (day, week, month, quarter or year); day of week is not supported.",
        ));
    }
    if plan.groups.len() > 2 {
        return Err(unsupported(
            "I can break a figure down by at most two things at once.",
        ));
    }
    // A metric that fixes the order status cannot take another one.
    for m in &plan.measures {
        let Measure::Metric(name) = m else { continue };
        let Some(fixed) = catalog.metric(name).and_then(|d| d.filter.clone()) else {
            continue;
        };
        let mut conflict = None;
        plan.filters.retain(|f| match f {
            Filter::In {
                col,
                values,
                negated,
            } if fixed.starts_with(&format!("{} = ", col.column)) => {
                if !negated
                    && values.len() == 1
                    && fixed == format!("{} = '{}'", col.column, values[0])
                {
                    false
                } else {
                    conflict = Some(values.join(" or "));
                    true
                }
            }
            Filter::Open(open) if fixed.contains("closed_at") => {
                // The metric already counts closed tickets only.
                if *open {
                    conflict = Some("open tickets".into());
                }
                false
            }
            _ => true,
        });
        if let Some(c) = conflict {
            let label = catalog
                .metric(name)
                .map(|d| d.label.clone())
                .unwrap_or_default();
            return Err(Translation::Clarify {
                reason: format!(
                    "{label} only counts {}, so it can't be limited to {c}.",
                    fixed.replace('\'', "")
                ),
                options: vec![
                    format!(
                        "{} by status",
                        if base == "orders" {
                            "orders"
                        } else {
                            "tickets"
                        }
                    ),
                    format!("total {}", name.replace('_', " ")),
                ],
            });
        }
    }
    if plan.filters.iter().any(|f| matches!(f, Filter::Open(_))) && base != "support_tickets" {
        return Err(unsupported("Only support tickets are open or closed."));
    }
    if plan.share {
        if plan.groups.is_empty() {
            // "share of revenue from web": the split by that column.
            if let Some(pos) = plan
                .filters
                .iter()
                .position(|f| matches!(f, Filter::In { negated: false, .. }))
            {
                if let Filter::In { col, .. } = plan.filters.remove(pos) {
                    plan.groups.push(Group::Dim(col));
                }
            }
        }
        let additive = plan.measures.iter().all(|m| match m {
            Measure::Metric(n) => catalog
                .metric(n)
                .is_some_and(|d| d.expression.starts_with("SUM(") || d.expression == "COUNT(*)"),
            Measure::Rows(_) => true,
        });
        if plan.groups.len() != 1 || plan.measures.len() != 1 || !additive || plan.compare.is_some()
        {
            return Err(Translation::Clarify {
                reason: "A share needs one additive figure split by one thing.".into(),
                options: vec![
                    "share of revenue by channel".into(),
                    "share of orders by country".into(),
                ],
            });
        }
        plan.rank = None;
    }
    if let Some(c) = &plan.compare {
        if plan.period.is_none() {
            let g = if *c == Compare::YearAgo {
                Grain::Year
            } else {
                Grain::Month
            };
            plan.period = period::to_date(g, ctx.today);
        }
        if plan.groups.iter().any(|g| matches!(g, Group::Time(_))) {
            return Err(unsupported("I compare two periods as two figures; ask for a time series or a comparison, not both."));
        }
    }
    if let (Some(Rank::Top(n) | Rank::Bottom(n)), true) = (plan.rank, plan.groups.is_empty()) {
        // "top 10 orders": the largest ones.
        if let Some(t) = p
            .tables
            .first()
            .filter(|t| plan.measures.iter().all(|m| *m == count_metric(t, catalog)))
        {
            let order = if matches!(plan.rank, Some(Rank::Top(_))) {
                ListOrder::Largest
            } else {
                ListOrder::Smallest
            };
            plan.list = Some(ListSpec {
                table: t.clone(),
                order,
                limit: n,
            });
            plan.measures.clear();
            plan.rank = None;
            return Ok(plan);
        }
    }
    if plan.rank.is_some() && plan.groups.is_empty() {
        return Err(Translation::Clarify {
            reason: "Top or bottom of what?".into(),
            options: vec![
                "top 10 products by revenue".into(),
                "top 10 customers by revenue".into(),
                "top 5 countries by orders".into(),
            ],
        });
    }
    for g in &plan.groups {
        if !reachable(g, &base, catalog) {
            let what = match g {
                Group::Dim(c) => describe::column_words(c),
                Group::Time(_) => "date".into(),
            };
            return Err(unsupported(format!(
                "{} can't be broken down by {what}: the data doesn't link them.",
                capitalise_first(&base.replace('_', " "))
            )));
        }
    }
    Ok(plan)
}

fn reachable(g: &Group, base: &str, catalog: &Catalog) -> bool {
    match g {
        Group::Time(_) => catalog.table(base).is_some_and(|t| t.time_column.is_some()),
        Group::Dim(c) => {
            c.table == base
                || catalog
                    .relationships
                    .iter()
                    .any(|r| r.from_table == base && r.to_table == c.table)
        }
    }
}

fn clarify_list() -> Translation {
    Translation::Clarify {
        reason: "Which rows should I list?".into(),
        options: vec![
            "the 20 most recent orders".into(),
            "the 20 most recent tickets".into(),
        ],
    }
}

fn clarify_measure(plan: &Plan) -> Translation {
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
        " this month".to_string()
    } else {
        format!(" by {}", group_phrase(&plan.groups))
    };
    let head = match plan.rank {
        Some(Rank::Top(n)) if !plan.groups.is_empty() => {
            let g = group_phrase(&plan.groups);
            return Translation::Clarify {
                reason: "Best by which figure?".into(),
                options: vec![
                    format!("top {n} {} by revenue", plural(&g)),
                    format!("top {n} {} by units sold", plural(&g)),
                    format!("top {n} {} by orders", plural(&g)),
                ],
            };
        }
        _ => String::new(),
    };
    Translation::Clarify {
        reason: "Which figure do you mean?".into(),
        options: ["revenue", "orders", "customers"]
            .iter()
            .map(|m| format!("{head}{m}{tail}"))
            .collect(),
    }
}
