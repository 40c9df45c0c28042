//! A plan to SQL that Polars SQL 0.52 accepts: every output aliased, ORDER BY
//! aliases, full timestamp literals, qualified columns when joining.

use super::clauses::{
    agg, bucket, conditional, filter_sql, literal, measure_table, period_cond, table_alias, Agg,
};
use super::describe::{
    append_clauses, column_words, group_alias, join_words, lower, plural, table_words,
};
use super::lexicon::{Col, Grain};
use super::period::Period;
use super::plan::{Compare, Filter, Group, Measure, Plan, Rank};
use super::units::TimeUnit;
use crate::catalog::{Catalog, ColumnType};
use crate::wire::ChartHint;

/// The SQL of a plan, what it means and how to draw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub sql: String,
    pub interpretation: String,
    pub chart: ChartHint,
}

/// Table, alias and how it joins the base table.
struct Join {
    table: String,
    alias: String,
    on: String,
    /// Joined only to show its label: rows without one are kept.
    left: bool,
}

pub(super) struct Ctx<'a> {
    pub(super) catalog: &'a Catalog,
    /// The unit durations are shown in ("in days").
    pub(super) unit: Option<TimeUnit>,
    pub(super) base: String,
    base_alias: String,
    joins: Vec<Join>,
    /// The time column periods and time buckets apply to.
    pub(super) time: Option<String>,
    /// Averages are read as medians.
    pub(super) median: bool,
}

impl Ctx<'_> {
    /// The base table's columns unqualified, as a grouped query's CTE names them.
    fn plain(&self) -> Ctx<'_> {
        Ctx {
            catalog: self.catalog,
            unit: self.unit.clone(),
            base: self.base.clone(),
            base_alias: self.base_alias.clone(),
            joins: Vec::new(),
            time: self.time.clone(),
            median: self.median,
        }
    }

    pub(super) fn qualified(&self) -> bool {
        !self.joins.is_empty()
    }

    pub(super) fn col(&self, col: &Col) -> String {
        if !self.qualified() {
            return col.column.clone();
        }
        let alias = if col.table == self.base {
            &self.base_alias
        } else {
            self.joins
                .iter()
                .find(|j| j.table == col.table)
                .map_or(&self.base_alias, |j| &j.alias)
        };
        format!("{alias}.{}", col.column)
    }

    /// Prefixes the base table's columns in a catalog expression when joining.
    pub(super) fn expr(&self, text: &str) -> String {
        if !self.qualified() {
            return text.to_string();
        }
        let table = self.catalog.table(&self.base);
        let mut out = String::new();
        let mut word = String::new();
        let mut in_quote = false;
        let flush = |word: &mut String, out: &mut String| {
            if !word.is_empty() {
                let is_col = table.is_some_and(|t| t.column(word).is_some());
                if is_col && !out.ends_with('.') {
                    out.push_str(&self.base_alias);
                    out.push('.');
                }
                out.push_str(word);
                word.clear();
            }
        };
        for c in text.chars() {
            if c == '\'' {
                flush(&mut word, &mut out);
                in_quote = !in_quote;
                out.push(c);
            } else if !in_quote && (c.is_ascii_alphanumeric() || c == '_') {
                word.push(c);
            } else {
                flush(&mut word, &mut out);
                out.push(c);
            }
        }
        flush(&mut word, &mut out);
        out
    }

    pub(super) fn time_column(&self) -> Option<(String, bool)> {
        let t = self.catalog.table(&self.base)?;
        let name = self.time.clone()?;
        let is_date = t
            .column(&name)
            .is_some_and(|c| c.column_type == ColumnType::Date);
        Some((self.col(&Col::new(&self.base, &name)), is_date))
    }
}

/// The base rows that at least one row of another table refers to, that
/// table's filters all holding on that one row: one semi-join per table
/// (`client_id IN (SELECT client_id FROM accounts WHERE product = ...)`),
/// which neither repeats nor drops a base row as a join would.
fn having_rows(plan: &Plan, ctx: &Ctx) -> Vec<(String, String)> {
    let mut tables: Vec<String> = Vec::new();
    for f in &plan.filters {
        if !plan.held_by_other_rows(f, &ctx.base, ctx.catalog) {
            continue;
        }
        if let Some(t) = f.rows(ctx.catalog).filter(|t| !tables.contains(t)) {
            tables.push(t);
        }
    }
    // "clients with a credit card and a mortgage": a row for each value,
    // each its own semi-join (one row holding both values never exists).
    let mut parts: Vec<(String, Option<(usize, String)>)> = Vec::new();
    for t in &tables {
        match plan.each_value_filter(t) {
            Some((k, values)) => {
                parts.extend(values.iter().map(|v| (t.clone(), Some((k, v.clone())))))
            }
            None => parts.push((t.clone(), None)),
        }
    }
    parts
        .iter()
        .filter_map(|(t, one)| {
            let link = ctx.catalog.relationship(t, &ctx.base)?;
            let inner = Ctx {
                catalog: ctx.catalog,
                unit: None,
                base: t.clone(),
                base_alias: table_alias(t, &[]),
                joins: Vec::new(),
                time: None,
                median: false,
            };
            let (conds, texts): (Vec<String>, Vec<String>) = plan
                .filters
                .iter()
                .enumerate()
                .filter(|(_, f)| f.rows(ctx.catalog).as_ref() == Some(t))
                .map(|(k, f)| match (one, f) {
                    (Some((at, v)), Filter::In { col, negated, .. }) if *at == k => filter_sql(
                        &Filter::In {
                            col: col.clone(),
                            values: vec![v.clone()],
                            negated: *negated,
                        },
                        &inner,
                    ),
                    _ => filter_sql(f, &inner),
                })
                .unzip();
            // "clients with a balance over 100,000": readings of a snapshot
            // table are those of its last reading date, never any date's.
            let mut conds = conds;
            let mut texts = texts;
            // "overdrawn at the end of October": the last reading of the
            // period the readings are dated in.
            let dated = plan.filters.iter().find_map(|f| match f {
                Filter::Dated { col, period } if col.table == *t => Some((col, period)),
                _ => None,
            });
            let snapshot = ctx.catalog.table(t).filter(|d| d.snapshot);
            if let Some(ts) = snapshot.and_then(|d| d.time_column.as_deref()) {
                let within = dated
                    .filter(|(c, _)| c.column == ts)
                    .map(|(c, p)| {
                        let is_date = c.column_type(ctx.catalog) == Some(ColumnType::Date);
                        format!(" WHERE {}", period_cond(p, ts, is_date).join(" AND "))
                    })
                    .unwrap_or_default();
                conds.push(format!(
                    "{ts} IN (SELECT MAX({ts}) AS last_reading FROM {t}{within})"
                ));
                texts.push(format!(
                    "at the last {}",
                    super::describe::column_words(&Col::new(t, ts), ctx.catalog)
                ));
            }
            let fk = &link.from_column;
            Some((
                format!(
                    "{} IN (SELECT {fk} FROM {t} WHERE {fk} IS NOT NULL AND {})",
                    ctx.col(&Col::new(&ctx.base, &link.to_column)),
                    conds.join(" AND ")
                ),
                // "having overdue invoices", not "having invoices with
                // overdue invoices", where the condition names its rows.
                if texts.iter().all(|x| x.contains(&table_words(t))) {
                    format!("having {}", texts.join(", "))
                } else {
                    format!("having {} with {}", table_words(t), texts.join(", "))
                },
            ))
        })
        .collect()
}

/// Renders a checked plan; the error says what cannot be expressed.
pub fn render(plan: &Plan, catalog: &Catalog) -> Result<Rendered, String> {
    let base = match (&plan.list, plan.measures.first()) {
        (Some(l), _) => l.table.clone(),
        (None, Some(m)) => measure_table(m, catalog).ok_or("unknown measure")?,
        (None, None) => return Err("nothing to measure".into()),
    };
    let named;
    let plan = match &plan.named {
        Some((name, tables)) => {
            named = with_name(plan, name, tables, &base, catalog)?;
            &named
        }
        None => plan,
    };
    let mut ctx = Ctx {
        catalog,
        unit: plan.unit.clone(),
        base: base.clone(),
        base_alias: table_alias(&base, &[]),
        joins: Vec::new(),
        time: None,
        median: plan.median,
    };
    let event = event_time_column(plan, &base, catalog);
    ctx.time = event
        .clone()
        .or_else(|| catalog.table(&base).and_then(|t| t.time_column.clone()));
    let mut needed: Vec<String> = Vec::new();
    for col in plan
        .groups
        .iter()
        .filter_map(|g| match g {
            Group::Dim(c) => Some(c),
            Group::Time(_) => None,
        })
        .chain(plan.measures.iter().filter_map(|m| match m {
            Measure::Distinct { col, .. } => Some(col),
            _ => None,
        }))
        .chain(
            plan.filters
                .iter()
                .filter(|f| !plan.held_by_other_rows(f, &base, catalog))
                .chain(&plan.share_of)
                .filter_map(Filter::column),
        )
    {
        if col.table != base && !needed.contains(&col.table) {
            needed.push(col.table.clone());
        }
    }
    // "and who holds them": the owner whose label a list shows.
    let mut shown_only = None;
    if let Some(t) = plan.list.as_ref().and_then(|l| l.shown.clone()) {
        if t != base && !needed.contains(&t) {
            shown_only = Some(t.clone());
            needed.push(t);
        }
    }
    for t in needed {
        let rel = catalog
            .relationships
            .iter()
            .find(|r| r.from_table == base && r.to_table == t)
            .ok_or_else(|| {
                format!(
                    "{} cannot be linked to {}",
                    t.replace('_', " "),
                    base.replace('_', " ")
                )
            })?;
        let mut taken: Vec<String> = ctx.joins.iter().map(|j| j.alias.clone()).collect();
        taken.push(ctx.base_alias.clone());
        let alias = table_alias(&t, &taken);
        let on = format!(
            "{}.{} = {alias}.{}",
            ctx.base_alias, rel.from_column, rel.to_column
        );
        ctx.joins.push(Join {
            left: shown_only.as_ref() == Some(&t),
            table: t,
            alias,
            on,
        });
    }
    let from = if ctx.qualified() {
        let mut s = format!("{} {}", base, ctx.base_alias);
        for j in &ctx.joins {
            let kind = if j.left { "LEFT JOIN" } else { "JOIN" };
            s.push_str(&format!(" {kind} {} {} ON {}", j.table, j.alias, j.on));
        }
        s
    } else {
        base.clone()
    };

    let mut conds: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    // Rows in place at a period's end: their state then, not today's.
    let in_place = super::snapshot::in_place_at_end(plan, &ctx);
    let read_then = |f: &Filter| matches!((f, &in_place), (Filter::State { name, negated: false }, Some((_, _, Some(s)))) if name == s);
    for f in plan
        .filters
        .iter()
        .filter(|f| !plan.held_by_other_rows(f, &base, catalog) && !read_then(f))
    {
        let (sql, text) = filter_sql(f, &ctx);
        conds.push(sql);
        notes.push(text);
    }
    for (sql, text) in having_rows(plan, &ctx) {
        conds.push(sql);
        notes.push(text);
    }
    // Which date a period or bucket reads, when the rows have several.
    let several_dates = event.is_some()
        || catalog
            .table(&base)
            .is_some_and(|t| t.all_time_columns().nth(1).is_some());
    let dated = plan.period.is_some() || plan.groups.iter().any(|g| matches!(g, Group::Time(_)));
    if let (Some(c), true, true) = (&ctx.time, several_dates, dated) {
        notes.push(format!(
            "dated by {}",
            column_words(&Col::new(&base, c), catalog)
        ));
    }
    // "what % of tickets are urgent": the part, inside the measure; a grouped
    // query reads it from its CTE, which carries base columns only.
    let grouped = !plan.groups.is_empty();
    let part = match &plan.share_of {
        Some(f) if grouped => {
            let on_base = match f {
                Filter::In { col, .. }
                | Filter::Cmp { col, .. }
                | Filter::Null { col, .. }
                | Filter::Named { col, .. }
                | Filter::Dated { col, .. }
                | Filter::Span { col, .. } => col.table == base,
                Filter::State { .. } | Filter::Without { .. } => true,
            };
            if !on_base {
                return Err("I can't split a share of a linked table's rows".into());
            }
            Some(filter_sql(f, &ctx.plain()))
        }
        Some(f) => Some(filter_sql(f, &ctx)),
        None => None,
    };
    let ts = ctx.time_column();
    let needs_time =
        plan.period.is_some() || plan.groups.iter().any(|g| matches!(g, Group::Time(_)));
    if needs_time && ts.is_none() {
        return Err(format!(
            "{} have no date to filter or bucket by",
            table_words(&base)
        ));
    }

    if ts.as_ref().is_some_and(|(_, is_date)| *is_date)
        && plan.groups.contains(&Group::Time(Grain::Hour))
    {
        return Err(format!(
            "{} have a date but no time of day",
            table_words(&base)
        ));
    }
    // A distinct count through a join is not split further (the grouped
    // query reads plain columns of the base table).
    let distinct_joined = plan
        .measures
        .iter()
        .any(|m| matches!(m, Measure::Distinct { col, .. } if col.table != base));
    if distinct_joined && (!plan.groups.is_empty() || plan.compare.is_some()) {
        return Err("I can't split or compare a count of distinct values of a linked table".into());
    }
    // A comparison's periods; its error only matters where it is rendered.
    let compare = compared_periods(plan);
    let compared = compare.as_ref().ok().and_then(Option::as_ref);
    if let Some((cond, note, _)) = in_place.clone() {
        conds.push(cond);
        notes.push(note);
    } else if let Some((cond, note)) = super::snapshot::last_reading(plan, &ctx, compared)? {
        conds.push(cond);
        notes.push(note);
    }
    if let Some(on_weekend) = plan.day_type {
        let (ts, _) = ctx
            .time_column()
            .ok_or_else(|| format!("{} have no date to filter by", table_words(&base)))?;
        conds.push(super::clauses::weekend(&ts, on_weekend));
        notes.push(
            if on_weekend {
                "weekends only"
            } else {
                "working days only (Monday to Friday)"
            }
            .into(),
        );
    }
    if let Some(pe) = &plan.per_entity {
        return super::per_entity::render(plan, pe, &ctx, &from, conds, notes);
    }
    if let Some(list) = &plan.list {
        return super::list::render_list(plan, list, &ctx, &from, conds, notes);
    }

    let aggs: Vec<Agg> = plan.measures.iter().filter_map(|m| agg(m, &ctx)).collect();
    if aggs.len() < plan.measures.len() && plan.unit.is_some() {
        return Err("only a duration can be given in a unit of time".into());
    }
    if aggs.is_empty() {
        return Err("nothing to measure".into());
    }
    let shared_filter = aggs.iter().all(|a| a.filter == aggs[0].filter);
    // "agents with at least 50 conversations" beside a figure over some of
    // them (rated ones): the count would be of those only.
    if plan.having.is_some_and(|h| h.rows && !h.rows_qualified)
        && aggs.iter().any(|a| a.filter.is_some())
    {
        return Err(format!(
            "the figure reads only some {} ({}), so I can't also count all of them per group",
            table_words(&base),
            aggs.iter().find_map(|a| a.note.clone()).unwrap_or_default()
        ));
    }
    if shared_filter {
        if let Some(f) = &aggs[0].filter {
            conds.insert(0, ctx.expr(f));
        }
        if let Some(n) = &aggs[0].note {
            notes.insert(0, n.clone());
        }
    }
    let (ts_col, is_date) = ts.clone().unwrap_or_default();
    // Grouped queries read from a CTE of plain rows: Polars SQL 0.52 cannot
    // GROUP BY a computed expression or an alias, only by a column.
    let (ts_ref, ts_name) = match ctx.time.clone() {
        Some(name) => (ts_col.clone(), name),
        None => (String::new(), String::new()),
    };
    let outer_ts = if grouped {
        ts_name.clone()
    } else {
        ts_ref.clone()
    };
    let outer_expr = |e: &str| if grouped { e.to_string() } else { ctx.expr(e) };
    let mut facts: Vec<String> = Vec::new();
    if grouped {
        // The CTE carries the keys and the base columns the measures read.
        let table = catalog.table(&base).ok_or("unknown table")?;
        let mut read = String::new();
        if let Some((cond, _)) = &part {
            read.push_str(cond);
            read.push(' ');
        }
        for a in &aggs {
            read.push_str(&a.expr);
            read.push(' ');
            if !shared_filter {
                read.push_str(a.filter.as_deref().unwrap_or_default());
                read.push(' ');
            }
        }
        let words: Vec<&str> = read
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .collect();
        // A personal column is read only as a group the catalog allows
        // (`dimension`: pseudonymised in the extract, "per agent").
        let grouped_by = |name: &str| {
            plan.groups
                .iter()
                .any(|g| matches!(g, Group::Dim(d) if d.table == base && d.column == name))
        };
        for c in table
            .columns
            .iter()
            .filter(|c| !c.personal || c.dimension && grouped_by(&c.name))
        {
            let needed = words.contains(&c.name.as_str())
                || (plan.compare.is_some() && c.name == ts_name)
                || plan
                    .groups
                    .iter()
                    .any(|g| matches!(g, Group::Dim(d) if d.table == base && d.column == c.name));
            if !needed {
                continue;
            }
            let q = ctx.col(&Col::new(&base, &c.name));
            facts.push(if ctx.qualified() {
                format!("{q} AS {}", c.name)
            } else {
                q
            });
        }
    }
    let mut select: Vec<String> = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    let mut group_words: Vec<String> = Vec::new();
    for g in &plan.groups {
        // An entity's label is not unique: group by its key too, shown first.
        if let Some((key, alias)) = entity_key(g, &base, catalog) {
            let taken = facts.iter().any(|f| {
                *f == alias
                    || f.ends_with(&format!(" AS {alias}"))
                    || f.ends_with(&format!(".{alias}"))
            });
            if !taken {
                let q = ctx.col(&key);
                facts.push(if q == alias {
                    q
                } else {
                    format!("{q} AS {alias}")
                });
            }
            select.push(alias.clone());
            keys.push(alias);
        }
        let (expr, alias, words) = match g {
            Group::Dim(c) => (
                ctx.col(c),
                group_alias(c, catalog),
                column_words(c, catalog),
            ),
            Group::Time(grain) => {
                let (e, alias) = bucket(*grain, &ts_ref);
                let words = super::resolve::grain_word(*grain).to_string();
                (e, alias.to_string(), words)
            }
        };
        if !(matches!(g, Group::Dim(c) if c.table == base && c.column == alias)) {
            facts.push(format!("{expr} AS {alias}"));
        }
        select.push(alias.clone());
        keys.push(alias);
        group_words.push(words);
    }

    // The measures, each once or once per compared period.
    let compare = compare?;
    let mut measure_aliases: Vec<String> = Vec::new();
    // Polars 0.52 without its streaming engine panics on a GROUP BY whose
    // aggregates are all bare partitionable ones (SUM, COUNT, AVG over a
    // column): wrapping each in ROUND keeps it on the in-memory path.
    let wrap = |e: String| if grouped { format!("ROUND({e}, 2)") } else { e };
    for a in &aggs {
        let own = if shared_filter {
            None
        } else {
            a.filter.as_ref().map(|f| outer_expr(f))
        };
        let expr = outer_expr(&a.expr);
        match &compare {
            Some((cur, other)) => {
                let mut both = Vec::new();
                for (suffix, p) in [("current", cur), ("previous", other)] {
                    let mut c = period_cond(p, &outer_ts, is_date);
                    c.extend(own.clone());
                    let e = conditional(&expr, &c.join(" AND "))
                        .ok_or("that figure cannot be compared")?;
                    select.push(format!("{} AS {}_{suffix}", wrap(e.clone()), a.alias));
                    both.push(e);
                }
                // "revenue growth": the change from the earlier period, in percent.
                if let (true, [now, before]) = (plan.growth, both.as_slice()) {
                    select.push(format!(
                        "{} AS {}_change_pct",
                        wrap(format!("({now} - {before}) * 100.0 / {before}")),
                        a.alias
                    ));
                }
                measure_aliases.push(format!("{}_current", a.alias));
            }
            None => {
                let e = match &own {
                    Some(f) => conditional(&expr, f).ok_or("those figures cannot be combined")?,
                    None => expr.clone(),
                };
                match &part {
                    Some((cond, _)) => {
                        let p = conditional(&e, cond).ok_or("that figure has no share")?;
                        let alias = format!("{}_share_pct", a.alias);
                        select.push(format!("100.0 * {p} / {e} AS {alias}"));
                        measure_aliases.push(alias);
                    }
                    None => {
                        select.push(format!("{} AS {}", wrap(e), a.alias));
                        measure_aliases.push(a.alias.clone());
                    }
                }
            }
        }
    }
    match &compare {
        Some((cur, other)) => {
            // Rows of either period only.
            if let (Some(s), Some(e), Some(_), Some(_)) = (
                cur.start.min(other.start),
                cur.end.max(other.end),
                cur.start,
                other.start,
            ) {
                conds.push(format!("{ts_ref} >= {}", literal(s, is_date)));
                conds.push(format!("{ts_ref} < {}", literal(e, is_date)));
            }
        }
        None => {
            if let Some(p) = plan.period.as_ref().filter(|_| in_place.is_none()) {
                conds.extend(period_cond(p, &ts_ref, is_date));
            }
        }
    }
    let where_sql = if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    };
    let first_measure = measure_aliases.first().cloned().unwrap_or_default();
    let sql = if !grouped {
        format!("SELECT {} FROM {from}{where_sql}", select.join(", "))
    } else {
        let cte = format!(
            "WITH facts AS (SELECT {} FROM {from}{where_sql})",
            facts.join(", ")
        );
        let has_time = plan.groups.iter().any(|g| matches!(g, Group::Time(_)));
        // Ties at a cut-off are broken by the groups' keys, so the same
        // question always gives the same rows.
        let order = match plan.rank {
            Some(Rank::Top(_)) => format!("{first_measure} DESC, {}", keys.join(", ")),
            Some(Rank::Bottom(_)) => format!("{first_measure} ASC, {}", keys.join(", ")),
            None if has_time || plan.groups.len() > 1 => keys.join(", "),
            None => format!("{first_measure} DESC"),
        };
        let limit = match plan.rank {
            Some(Rank::Top(n) | Rank::Bottom(n)) => format!(" LIMIT {n}"),
            None => String::new(),
        };
        // "agents with at least 50 conversations": each group's rows counted.
        let rows_counted = format!("{base}_count");
        let mut select = select.clone();
        if plan.having.is_some_and(|h| h.rows) {
            select.push(format!("COUNT(*) AS {rows_counted}"));
        }
        let grouped_sql = format!(
            "SELECT {} FROM facts GROUP BY {}",
            select.join(", "),
            keys.join(", ")
        );
        if let (true, [Group::Time(g)], None) =
            (plan.bucket_average, plan.groups.as_slice(), &compare)
        {
            // "average orders per day": each bucket's total, then their mean.
            let m = &first_measure;
            format!(
                "{cte}, grouped AS ({grouped_sql}) SELECT AVG({m}) AS {m}_per_{} FROM grouped",
                super::resolve::grain_word(*g).replace(' ', "_")
            )
        } else if let (true, [Group::Time(_)], None) =
            (plan.growth, plan.groups.as_slice(), &compare)
        {
            // "revenue growth by month": each bucket against the one before
            // (a window over a grouped CTE, not inside the GROUP BY).
            let key = keys.join(", ");
            let m = &first_measure;
            format!(
                "{cte}, grouped AS ({grouped_sql}) SELECT {key}, {m}, ({m} - LAG({m}) OVER (ORDER BY {key})) * 100.0 / LAG({m}) OVER (ORDER BY {key}) AS {m}_change_pct FROM grouped ORDER BY {key}"
            )
        } else if let Some(h) = plan.having {
            // "countries with more than 100 orders": each group's figure,
            // kept when it passes; "how many countries ...": their count.
            let cond = format!(
                "{} {} {}",
                if h.rows {
                    &rows_counted
                } else {
                    &first_measure
                },
                h.op.sql(),
                super::clauses::number(h.value)
            );
            if h.count {
                format!(
                    "{cte}, grouped AS ({grouped_sql}) SELECT COUNT(*) AS groups FROM grouped WHERE {cond}"
                )
            } else {
                format!("{cte}, grouped AS ({grouped_sql}) SELECT * FROM grouped WHERE {cond} ORDER BY {order}{limit}")
            }
        } else if plan.share {
            // A window over a grouped CTE fails in 0.52; a total CTE does not.
            format!(
                "{cte}, grouped AS ({grouped_sql}), total AS (SELECT SUM({first_measure}) AS total_{first_measure} FROM grouped) \
                 SELECT {}, {first_measure}, {first_measure} * 100.0 / total_{first_measure} AS share_pct FROM grouped CROSS JOIN total ORDER BY {first_measure} DESC",
                keys.join(", ")
            )
        } else {
            format!("{cte} {grouped_sql} ORDER BY {order}{limit}")
        }
    };

    // The one line saying what was understood.
    let labels: Vec<String> = aggs
        .iter()
        .enumerate()
        .map(|(i, a)| {
            if i == 0 {
                a.label.clone()
            } else {
                lower(&a.label)
            }
        })
        .collect();
    let what = join_words(&labels);
    if !shared_filter {
        for a in &aggs {
            if let Some(n) = &a.note {
                notes.push(format!("{} over {n}", lower(&a.label)));
            }
        }
    }
    if let Some((_, text)) = &part {
        labels_share(&mut notes, text);
    }
    let what = match &part {
        Some(_) => format!("Share of {}", lower(&what)),
        None => what,
    };
    let mut line = match (plan.rank, plan.share) {
        (Some(r), _) if !group_words.is_empty() => {
            let (dir, n) = match r {
                Rank::Top(n) => ("Top", n),
                Rank::Bottom(n) => ("Bottom", n),
            };
            if n == 1 {
                format!("{dir} {} by {}", join_words(&group_words), lower(&what))
            } else {
                let plural: Vec<String> = group_words.iter().map(|w| plural(w)).collect();
                format!("{dir} {n} {} by {}", join_words(&plural), lower(&what))
            }
        }
        (_, true) => format!("Share of {} by {}", lower(&what), join_words(&group_words)),
        _ if group_words.is_empty() => what.clone(),
        _ => format!("{what} by {}", join_words(&group_words)),
    };
    let period = match &compare {
        Some((cur, other)) => Some(format!("{} vs {}", cur.label, other.label)),
        None => plan.period.as_ref().map(|p| p.label.clone()),
    };
    if plan.growth {
        line.push_str(" and its change in percent");
    }
    if plan.bucket_average {
        line = format!("Average {} per {}", lower(&what), join_words(&group_words));
    }
    if let Some(h) = plan.having {
        let passing = if h.rows {
            format!("{} {}", h.op.words(), super::clauses::number(h.value))
                + &format!(" {}", table_words(&base))
        } else {
            format!(
                "{} {} {}",
                lower(&what),
                h.op.words(),
                super::clauses::number(h.value)
            )
        };
        line = if h.count {
            let plural: Vec<String> = group_words.iter().map(|w| plural(w)).collect();
            format!("Number of {} with {passing}", join_words(&plural))
        } else {
            format!("{line}, only those with {passing}")
        };
    }
    append_clauses(&mut line, period.as_deref(), &notes);
    if let Some(col) = unfiltered_business_column(plan, &base, catalog) {
        line.push_str(&format!(", any {}", column_words(&col, catalog)));
    }
    // Hours of the day and days of the week are categories, not a series.
    let has_time = plan
        .groups
        .iter()
        .any(|g| matches!(g, Group::Time(t) if !matches!(t, Grain::Weekday | Grain::Hour | Grain::DayType)));
    let chart = if plan.having.is_some_and(|h| h.count) || plan.bucket_average {
        ChartHint::BigNumber
    } else if plan.share {
        ChartHint::Share
    } else if plan.groups.is_empty() {
        ChartHint::BigNumber
    } else if has_time && plan.rank.is_none() {
        ChartHint::Line
    } else if plan.groups.len() > 1 || compare.is_some() {
        ChartHint::GroupedBar
    } else {
        ChartHint::Bar
    };
    Ok(Rendered {
        sql,
        interpretation: line,
        chart,
    })
}

/// "closed accounts last year", "subscriptions canceled last month",
/// "collected in Q3": a condition that is an event with its own date dates
/// the rows by that column, not by the table's default time column. The
/// conditions are those of the states and values the question set and of
/// the metric measured; an event's date is the time column the condition
/// tests (`closed_on IS NOT NULL`) or the one named after the value it
/// sets (`status = 'paid'`: `paid_on`, `paid_at`).
pub(super) fn event_time_column(plan: &Plan, base: &str, catalog: &Catalog) -> Option<String> {
    if let Some(c) = plan.date_column.as_ref().filter(|c| c.table == base) {
        return Some(c.column.clone());
    }
    let table = catalog.table(base)?;
    // A metric that says which date it reads.
    let mut declared = plan.measures.iter().filter_map(|m| match m {
        Measure::Metric(n) | Measure::OfRows { metric: n, .. } => catalog
            .metric(n)
            .filter(|d| d.table == base)
            .and_then(|d| d.time_column.clone()),
        _ => None,
    });
    if let Some(first) = declared.next() {
        if declared.all(|c| c == first) {
            return Some(first);
        }
    }
    let mut conds: Vec<String> = Vec::new();
    for f in &plan.filters {
        match f {
            Filter::State {
                name,
                negated: false,
            } => conds.extend(
                catalog
                    .states
                    .iter()
                    .find(|s| s.name == *name && s.table == base)
                    .map(|s| s.condition.clone()),
            ),
            Filter::In {
                col,
                values,
                negated: false,
            } if col.table == base && values.len() == 1 => {
                conds.push(format!("{} = '{}'", col.column, values[0]));
            }
            _ => {}
        }
    }
    // A metric's own condition dates it only when it sets a value ("paid"):
    // `closed_at IS NOT NULL` under a duration is what makes it computable,
    // not an event the question named.
    for m in &plan.measures {
        if let Measure::Metric(n) = m {
            conds.extend(
                catalog
                    .metric(n)
                    .filter(|d| d.table == base)
                    .and_then(|d| d.filter.as_deref())
                    .into_iter()
                    .flat_map(|f| f.split(" AND "))
                    .filter(|c| c.contains(" = "))
                    .map(str::to_string),
            );
        }
    }
    let default = table.time_column.as_deref();
    // A declared time column, or any date or timestamp column.
    let dated = |col: &str| {
        table
            .columns
            .iter()
            .find(|c| {
                c.name == col
                    && Some(c.name.as_str()) != default
                    && (matches!(c.column_type, ColumnType::Date | ColumnType::Timestamp)
                        || table.all_time_columns().any(|t| t == col))
            })
            .map(|c| c.name.clone())
    };
    let mut cols = conds
        .iter()
        .flat_map(|c| c.split(" AND ").map(str::trim).collect::<Vec<_>>())
        .filter_map(|c| {
            let lower = c.to_lowercase();
            if let Some(col) = lower.strip_suffix("is not null") {
                return dated(col.trim());
            }
            let (_, value) = c.split_once(" = ")?;
            let value = value.trim().strip_prefix('\'')?.strip_suffix('\'')?;
            let stem = value.to_lowercase().replace([' ', '-'], "_");
            ["_on", "_at", "_date"]
                .iter()
                .find_map(|suffix| dated(&format!("{stem}{suffix}")))
        });
    let first = cols.next()?;
    cols.all(|c| c == first).then_some(first)
}

/// The current and the other period of a comparison.
pub(super) fn compared_periods(plan: &Plan) -> Result<Option<(Period, Period)>, String> {
    let Some(c) = &plan.compare else {
        return Ok(None);
    };
    let current = plan.period.clone().ok_or("a comparison needs a period")?;
    let other = match c {
        Compare::Previous => super::period::just_before(&current),
        Compare::YearAgo => current.year_ago(),
        Compare::Explicit(p) => Some(p.clone()),
    }
    .ok_or("that comparison needs a bounded period")?;
    Ok(Some((current, other)))
}

/// Says which part a single share measures, before the other filters.
fn labels_share(notes: &mut Vec<String>, part: &str) {
    notes.insert(0, format!("part: {part}"));
}

/// The column the table's default metric filters on (`status`), when a
/// measure counts rows of every value of it: said so in the interpretation.
fn unfiltered_business_column(plan: &Plan, base: &str, catalog: &Catalog) -> Option<Col> {
    let default = catalog.metric(catalog.table(base)?.default_metric.as_deref()?)?;
    let (column, _) = default.filter.as_deref()?.split_once(" = ")?;
    let col = Col::new(base, column);
    let unfiltered = plan.measures.iter().any(|m| match m {
        Measure::Metric(n) => catalog
            .metric(n)
            .is_some_and(|d| d.filter.is_none() && d.is_additive()),
        Measure::Average(_) | Measure::Sum { filter: None, .. } => true,
        _ => false,
    });
    let named = plan
        .filters
        .iter()
        .chain(&plan.share_of)
        .any(|f| matches!(f, Filter::In { col: c, .. } if *c == col));
    (unfiltered && !named).then_some(col)
}

/// The key to group an entity by when a group is its label column: the base
/// table's own key, or its reference to the entity; with the key's name.
fn entity_key(g: &Group, base: &str, catalog: &Catalog) -> Option<(Col, String)> {
    let Group::Dim(c) = g else { return None };
    if !super::describe::is_label(c, catalog) {
        return None;
    }
    let pk = catalog.table(&c.table)?.primary_key.clone()?;
    if c.table == base {
        return Some((Col::new(base, &pk), pk));
    }
    let rel = catalog.relationship(base, &c.table)?;
    Some((Col::new(base, &rel.from_column), pk))
}

/// The tables a plan's typed name may be the label of: those its rows
/// reach (the base table, or one it links to).
pub fn name_tables(plan: &Plan, catalog: &Catalog) -> Vec<String> {
    let Some((_, tables)) = &plan.named else {
        return Vec::new();
    };
    let base = match (&plan.list, plan.measures.first()) {
        (Some(l), _) => l.table.clone(),
        (None, Some(m)) => match measure_table(m, catalog) {
            Some(t) => t,
            None => return Vec::new(),
        },
        (None, None) => return Vec::new(),
    };
    tables
        .iter()
        .filter(|t| **t == base || catalog.relationship(&base, t).is_some())
        .cloned()
        .collect()
}

/// Counts the rows of `table` whose label is `name`, case aside: what the
/// browser runs to learn which kind of row a typed name is.
pub fn name_check_sql(table: &str, name: &str, catalog: &Catalog) -> Option<String> {
    let label = catalog.table(table)?.label_column.clone()?;
    Some(format!(
        "SELECT COUNT(*) AS matches FROM {table} WHERE LOWER({label}) = {}",
        super::clauses::quote(&name.to_lowercase())
    ))
}

/// The plan with its typed name as a filter on the label of the one table
/// the rows reach (the base table, or one it links to), grouped by that
/// entity so two of one name stay two rows. None or several: asked.
fn with_name(
    plan: &Plan,
    name: &str,
    tables: &[String],
    base: &str,
    catalog: &Catalog,
) -> Result<Plan, String> {
    let reached: Vec<&String> = tables
        .iter()
        .filter(|t| *t == base || catalog.relationship(base, t).is_some())
        .collect();
    let shown = super::names::title(name);
    let [table] = reached.as_slice() else {
        let kinds: Vec<String> = reached
            .iter()
            .map(|t| super::describe::singular(t))
            .collect();
        return Err(match kinds.as_slice() {
            [] => format!("I can't tell what \"{shown}\" is in {}", table_words(base)),
            _ => format!(
                "\"{shown}\" could be a {}; say which, e.g. \"{} {shown}\"",
                kinds.join(" or a "),
                kinds[0]
            ),
        });
    };
    let label = catalog
        .table(table)
        .and_then(|t| t.label_column.clone())
        .ok_or("that name has no label to match")?;
    let col = Col::new(table, &label);
    let mut out = plan.clone();
    out.named = None;
    out.filters.push(Filter::Named {
        col: col.clone(),
        name: name.to_string(),
    });
    let aggregate = out.list.is_none() && out.per_entity.is_none() && !out.measures.is_empty();
    if aggregate && !out.groups.contains(&Group::Dim(col.clone())) {
        out.groups.push(Group::Dim(col));
    }
    Ok(out)
}
