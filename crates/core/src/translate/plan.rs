//! The typed plan of a question: measures, groups, filters, period,
//! comparison, ranking, list; and how a follow-up refines it.

use super::lexicon::{Col, Grain, Lex, Word};
use super::period::Period;
use super::units::TimeUnit;
use crate::catalog::Catalog;

/// What is measured.
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    /// A catalog metric, by name.
    Metric(String),
    /// Rows of a table that has no metric of its own ("how many products").
    Rows(String),
    /// Rows of a table that first appeared in the period ("new customers"),
    /// counted by the table's own time column.
    New(String),
    /// The average of a numeric column the catalog has no metric for.
    Average(Col),
    /// The rows an additive metric adds up (its filter kept), counted ("how
    /// many cash withdrawals") or their amounts averaged ("average ATM
    /// withdrawal") when the catalog has no such metric.
    OfRows { metric: String, agg: RowAgg },
    /// "total amount of refunded orders": the sum of the column the table's
    /// default metric adds up, over the rows a count metric names (`filter`).
    Sum { col: Col, filter: Option<String> },
    /// "how many countries": the distinct values of a column, over the rows
    /// of `base` (the column's table, or a table that links to it) that meet
    /// `filter` (the condition of the metric those rows were named by).
    Distinct {
        col: Col,
        base: String,
        filter: Option<String>,
    },
    /// "average days to pay an invoice": the time from a table's own date
    /// (`start`) to the later date a verb names (`end`), over the rows
    /// that have it.
    Span {
        table: String,
        start: String,
        end: String,
    },
}

impl Measure {
    /// The table whose rows it is computed over.
    pub(super) fn rows(&self, catalog: &Catalog) -> Option<String> {
        match self {
            Measure::Metric(m) | Measure::OfRows { metric: m, .. } => {
                catalog.metric(m).map(|d| d.table.clone())
            }
            Measure::Rows(t) | Measure::New(t) | Measure::Span { table: t, .. } => Some(t.clone()),
            Measure::Average(c) | Measure::Sum { col: c, .. } => Some(c.table.clone()),
            Measure::Distinct { base, .. } => Some(base.clone()),
        }
    }

    /// Whether it is a plain count of a table's rows, every one of them
    /// ("tickets": the count of conversations).
    pub(super) fn counts_every_row(&self, catalog: &Catalog) -> bool {
        match self {
            Measure::Rows(_) => true,
            Measure::Metric(m) => catalog
                .metric(m)
                .is_some_and(|d| d.counts_rows() && d.filter.is_none()),
            _ => false,
        }
    }
}

/// What `Measure::OfRows` computes over a total's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowAgg {
    Count,
    Average,
}

/// One group-by: a column or a time bucket.
#[derive(Debug, Clone, PartialEq)]
pub enum Group {
    Dim(Col),
    Time(Grain),
}

/// A comparison operator of a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Gt,
    Lt,
    Ge,
    Le,
    Eq,
}

impl Op {
    /// The operator with its sides negated: `-x > 5` is `x < -5`.
    pub fn flipped(self) -> Op {
        match self {
            Op::Gt => Op::Lt,
            Op::Lt => Op::Gt,
            Op::Ge => Op::Le,
            Op::Le => Op::Ge,
            Op::Eq => Op::Eq,
        }
    }

    /// The SQL operator.
    pub fn sql(self) -> &'static str {
        match self {
            Op::Gt => ">",
            Op::Lt => "<",
            Op::Ge => ">=",
            Op::Le => "<=",
            Op::Eq => "=",
        }
    }

    /// How the interpretation says it.
    pub fn words(self) -> &'static str {
        match self {
            Op::Gt => "over",
            Op::Lt => "under",
            Op::Ge => "at least",
            Op::Le => "at most",
            Op::Eq => "exactly",
        }
    }
}

/// A row filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Column value in (or not in) a set.
    In {
        col: Col,
        values: Vec<String>,
        negated: bool,
    },
    /// Numeric column against a number.
    Cmp { col: Col, op: Op, value: f64 },
    /// A named state of the catalog ("open"), or its negation.
    State { name: String, negated: bool },
    /// "no industry set": the column is empty (`negated`: it is not).
    Null { col: Col, negated: bool },
    /// "clients with no account": rows of the base table that no row of
    /// `table` (which links to it) refers to; "customers with no orders
    /// this year": only `table`'s rows dated in the period (by that date
    /// column) count.
    Without {
        table: String,
        within: Option<(String, Period)>,
        /// The figure whose verb named the rows ("not sold": units sold):
        /// only its rows count (completed orders).
        of: Option<String>,
        /// Values those rows have ("companies with no urgent tickets":
        /// only urgent ones count).
        being: Vec<(Col, String)>,
    },
    /// "Jane Smith": a label equal to a typed name, case aside.
    Named { col: Col, name: String },
    /// "revenue from customers who signed up in 2025": a date of a linked
    /// table in a period (the measured rows keep any date).
    Dated { col: Col, period: Period },
    /// "resolved within 24 hours", "closed on the same day": the time from
    /// the table's own date (`start`) to the date `col` a verb names, at most
    /// `within` seconds, or both dates in the same unit (`same`: a STRFTIME
    /// format).
    Span {
        col: Col,
        start: String,
        within: Option<f64>,
        same: Option<String>,
        /// "took more than 5 days to resolve": longer than `within`.
        longer: bool,
    },
}

/// The table a catalog state is of.
/// The date column a state reads, and whether it holds while that date is
/// empty (`closed_on IS NULL`: not ended yet) rather than set (`closed_on
/// IS NOT NULL`: reached on that date); `None` for any other condition.
pub(super) fn state_date(
    state: &crate::catalog::StateDef,
    catalog: &Catalog,
) -> Option<(Col, bool)> {
    let cond = state.condition.trim();
    let (col, empty) = match cond.strip_suffix("IS NOT NULL") {
        Some(c) => (c, false),
        None => (cond.strip_suffix("IS NULL")?, true),
    };
    let col = col.trim();
    let c = catalog.table(&state.table)?.column(col)?;
    crate::catalog_file::is_temporal(c.column_type).then(|| (Col::new(&state.table, col), empty))
}

pub(super) fn state_table(name: &str, catalog: &Catalog) -> Option<String> {
    catalog
        .states
        .iter()
        .find(|s| s.name == name)
        .map(|s| s.table.clone())
}

impl Filter {
    /// The table whose rows it reads: its column's, or its state's.
    pub(super) fn rows(&self, catalog: &Catalog) -> Option<String> {
        match self {
            Filter::State { name, .. } => state_table(name, catalog),
            _ => self.column().map(|c| c.table.clone()),
        }
    }

    /// The column the filter reads, when it is one column.
    pub fn column(&self) -> Option<&Col> {
        match self {
            Filter::In { col, .. }
            | Filter::Cmp { col, .. }
            | Filter::Null { col, .. }
            | Filter::Named { col, .. }
            | Filter::Dated { col, .. }
            | Filter::Span { col, .. } => Some(col),
            Filter::State { .. } | Filter::Without { .. } => None,
        }
    }
}

/// Which period a comparison sets against the main one.
#[derive(Debug, Clone, PartialEq)]
pub enum Compare {
    Previous,
    YearAgo,
    Explicit(Period),
}

/// Top or bottom N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rank {
    Top(usize),
    Bottom(usize),
}

/// How a list of rows is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOrder {
    Newest,
    Oldest,
    Largest,
    Smallest,
}

/// A plain list of rows of one table.
#[derive(Debug, Clone, PartialEq)]
pub struct ListSpec {
    pub table: String,
    pub order: ListOrder,
    pub limit: usize,
    /// The metric whose rows are listed, by their own size ("the largest
    /// incoming payment": money in's rows, by the amount it adds up).
    pub by: Option<String>,
    /// The table whose label is shown beside each row ("and who holds
    /// them"): one the rows belong to.
    pub shown: Option<String>,
    /// A number column of the rows they are ordered by ("top 5 companies
    /// by employees"), instead of their size or date.
    pub column: Option<String>,
}

impl ListSpec {
    /// Every row of `table` the conditions keep, newest first (up to the
    /// cap, said): "list dormant accounts", "clients without a credit card".
    pub fn every(table: &str) -> ListSpec {
        ListSpec {
            table: table.to_string(),
            order: ListOrder::Newest,
            limit: super::list::MAX_LIST,
            by: None,
            shown: None,
            column: None,
        }
    }
}

/// A threshold on a figure per row of an entity table.
#[derive(Debug, Clone, PartialEq)]
pub struct PerEntity {
    pub entity: String,
    pub op: Op,
    pub value: f64,
    /// List the entities (key, label, figure) instead of counting them.
    pub list: bool,
    /// The average of the figure over the entities that have rows
    /// ("average number of orders per customer"); no threshold.
    pub average: bool,
    /// "companies with fewer than 3 users": entities with no rows pass too
    /// (their figure is 0), so every entity is read, not only those with rows.
    pub with_empty: bool,
}

/// The typed reading of a question.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    pub measures: Vec<Measure>,
    pub groups: Vec<Group>,
    pub filters: Vec<Filter>,
    pub period: Option<Period>,
    pub compare: Option<Compare>,
    pub rank: Option<Rank>,
    pub share: bool,
    /// "what % of tickets are urgent": the rows of the whole that make the
    /// part; one share of the whole, not a split.
    pub share_of: Option<Filter>,
    /// "on weekends" (`true`), "on working days" (`false`).
    pub day_type: Option<bool>,
    /// "customers with more than 5 orders": count the entities whose
    /// figure (the plan's one measure) passes the threshold.
    pub per_entity: Option<PerEntity>,
    /// "in days": the unit a duration metric is shown in.
    pub unit: Option<TimeUnit>,
    pub list: Option<ListSpec>,
    /// "at the end of October": the last reading of the period, which only
    /// a snapshot table has.
    pub at_end: bool,
    /// "how many", "number of": a number of rows was asked for in words.
    pub count_asked: bool,
    /// "revenue of Jane Smith": a typed name (lower-cased) and the tables
    /// whose label it may be; rendering keeps the one the rows reach.
    pub named: Option<(String, Vec<String>)>,
    /// "countries with more than 100 orders": a threshold on each group's
    /// figure (the first measure), applied after grouping.
    pub having: Option<Having>,
    /// "median": averages become medians (`AVG(x)` is `MEDIAN(x)`).
    pub median: bool,
    /// "average orders per day": the mean over the time buckets of the
    /// first measure's total in each.
    pub bucket_average: bool,
    /// "growth", "change": the change in percent between the compared
    /// periods, or from each time bucket to the one before.
    pub growth: bool,
    /// "invoices due in November": the date column the question named for
    /// its period, instead of the table's default one.
    pub date_column: Option<Col>,
    /// "clients with a credit card and a mortgage": several values of one
    /// column joined by "and"; rows entities have hold each of them.
    pub each_value: bool,
}

/// A threshold on each group's figure; `count`: how many groups pass it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Having {
    pub op: Op,
    pub value: f64,
    pub count: bool,
    /// "agents with at least 50 conversations": the condition is on each
    /// group's number of rows, not on its figure.
    pub rows: bool,
    /// The rows counted were said with a column of theirs ("rated
    /// conversations"): those the figure reads.
    pub rows_qualified: bool,
}

impl Plan {
    /// "still hold open accounts": a condition said twice is one.
    pub(super) fn dedup_filters(&mut self) {
        let mut seen: Vec<Filter> = Vec::new();
        self.filters.retain(|f| {
            let new = !seen.contains(f);
            if new {
                seen.push(f.clone());
            }
            new
        });
        // "leaving out the automatic system bookings": a value said under a
        // negation and again in its phrase is excluded, never both.
        let excluded: Vec<(Col, Vec<String>)> = self
            .filters
            .iter()
            .filter_map(|f| match f {
                Filter::In {
                    col,
                    values,
                    negated: true,
                } => Some((col.clone(), values.clone())),
                _ => None,
            })
            .collect();
        self.filters.retain(|f| match f {
            Filter::In {
                col,
                values,
                negated: false,
            } => !excluded
                .iter()
                .any(|(c, ex)| c == col && values.iter().all(|v| ex.contains(v))),
            _ => true,
        });
    }

    /// "clients with a credit card and a mortgage": the filter, of rows of
    /// `table`, whose several values rows must hold each (`each_value`),
    /// with its place among the filters.
    pub(super) fn each_value_filter(&self, table: &str) -> Option<(usize, &[String])> {
        if !self.each_value {
            return None;
        }
        self.filters.iter().enumerate().find_map(|(k, f)| match f {
            Filter::In {
                col,
                values,
                negated: false,
            } if col.table == table && values.len() > 1 => Some((k, values.as_slice())),
            _ => None,
        })
    }

    /// A filter on rows that refer to the base rows, which the base rows
    /// cannot join ("clients with a savings account": accounts name their
    /// client, a client names no account): it keeps the base rows that have
    /// such a row (a semi-join), never a share's part or whole.
    pub(super) fn held_by_other_rows(&self, f: &Filter, base: &str, catalog: &Catalog) -> bool {
        // What the other rows are said to be, never what they lack: "users
        // with no events" is no user with an event of no type.
        let said = matches!(
            f,
            Filter::In { negated: false, .. }
                | Filter::Cmp { .. }
                | Filter::State { negated: false, .. }
                | Filter::Dated { .. }
        );
        said && self.share_of.is_none()
            && f.rows(catalog).is_some_and(|t| {
                t != base
                    && catalog.relationship(base, &t).is_none()
                    && catalog.relationship(&t, base).is_some()
            })
    }

    /// Every period the plan reads: its own and those its filters moved to
    /// linked rows ("customers who signed up last month", "with no orders
    /// this year").
    pub(super) fn periods(&self) -> impl Iterator<Item = &Period> {
        let moved = self.filters.iter().filter_map(|f| match f {
            Filter::Dated { period, .. } => Some(period),
            Filter::Without {
                within: Some((_, period)),
                ..
            } => Some(period),
            _ => None,
        });
        self.period.iter().chain(moved)
    }

    /// The tables of the catalog states the rows are in (not negated).
    pub(super) fn state_tables(&self, catalog: &Catalog) -> Vec<String> {
        self.filters
            .iter()
            .filter_map(|f| match f {
                Filter::State {
                    name,
                    negated: false,
                } => state_table(name, catalog),
                _ => None,
            })
            .collect()
    }

    /// Whether the plan reads dates: a period, a comparison of periods or a
    /// time bucket.
    pub(super) fn reads_dates(&self) -> bool {
        self.period.is_some()
            || self.compare.is_some()
            || self.groups.iter().any(|g| matches!(g, Group::Time(_)))
    }

    /// Whether the plan already splits, compares, ranks, shares or lists:
    /// a single figure (a distinct count, a per-entity count) cannot join it.
    pub(super) fn is_shaped(&self) -> bool {
        !self.groups.is_empty()
            || self.compare.is_some()
            || self.rank.is_some()
            || self.share
            || self.list.is_some()
    }
}

/// The group a word names, preferring a column of a table the question
/// already named ("events by type": the events' type, not the tickets').
pub(super) fn group_in(w: &Word, catalog: &Catalog, named: &[String]) -> Option<Group> {
    let own = w.lexes().iter().find_map(|l| match l {
        Lex::Dim(c) if named.contains(&c.table) => Some(c.clone()),
        _ => None,
    });
    match (w.grain(), own) {
        (None, Some(c)) => Some(Group::Dim(c)),
        _ => group_of(w, catalog),
    }
}

/// The group a word names: a grain, a dimension, or a table's name column.
pub(super) fn group_of(w: &Word, catalog: &Catalog) -> Option<Group> {
    if let Some(g) = w.grain() {
        return Some(Group::Time(g));
    }
    let dims = w.dims();
    // Prefer a real dimension over a personal name column.
    let pick = dims
        .iter()
        .find(|c| {
            catalog
                .table(&c.table)
                .and_then(|t| t.column(&c.column))
                .is_some_and(|c| c.dimension)
        })
        .or(dims.first())?;
    Some(Group::Dim((*pick).clone()))
}

pub(super) fn push_group(groups: &mut Vec<Group>, g: Group) {
    if !groups.contains(&g) {
        groups.push(g);
    }
}

pub(super) fn push_measure(measures: &mut Vec<Measure>, m: Measure) {
    if !measures.contains(&m) {
        measures.push(m);
    }
}

pub(super) fn add_value(filters: &mut Vec<Filter>, col: Col, value: String, negated: bool) {
    for f in filters.iter_mut() {
        if let Filter::In {
            col: c,
            values,
            negated: n,
        } = f
        {
            if *c == col && *n == negated {
                if !values.contains(&value) {
                    values.push(value);
                }
                return;
            }
        }
    }
    filters.push(Filter::In {
        col,
        values: vec![value],
        negated,
    });
}
/// Lays a follow-up over the plan it refines: what it names replaces.
pub fn refine(base: &Plan, add: &Plan) -> Plan {
    let mut out = base.clone();
    if !add.measures.is_empty() {
        out.measures = add.measures.clone();
    }
    if !add.groups.is_empty() {
        out.groups = add.groups.clone();
        // "by quarter instead" keeps the rank only if it still fits.
    }
    for f in &add.filters {
        if let Some(col) = f.column() {
            out.filters.retain(|g| g.column() != Some(col));
        } else {
            out.filters.retain(|g| g.column().is_some());
        }
        out.filters.push(f.clone());
    }
    if add.period.is_some() {
        out.period = add.period.clone();
    }
    if add.compare.is_some() {
        out.compare = add.compare.clone();
    }
    if add.day_type.is_some() {
        out.day_type = add.day_type;
    }
    if add.named.is_some() {
        out.named = add.named.clone();
    }
    if add.rank.is_some() {
        out.rank = add.rank;
    }
    if add.share {
        out.share = true;
    }
    if add.unit.is_some() {
        out.unit = add.unit.clone();
    }
    if add.list.is_some() {
        out.list = add.list.clone();
    }
    out.at_end |= add.at_end;
    out
}

/// A question of its own about the rows a previous one kept: the previous
/// filters on columns it says nothing of, and its period when it names
/// none. Whether anything was kept.
pub fn keep_rows(plan: &mut Plan, base: &Plan) -> bool {
    let before = (plan.filters.len(), plan.period.is_some());
    for f in &base.filters {
        let said = plan.filters.iter().any(|g| match (f.column(), g.column()) {
            (Some(a), Some(b)) => a == b,
            _ => f == g,
        });
        if !said {
            plan.filters.push(f.clone());
        }
    }
    if plan.period.is_none() && plan.compare.is_none() {
        plan.period = base.period.clone();
    }
    (plan.filters.len(), plan.period.is_some()) != before
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refine_replaces_what_the_follow_up_names() {
        let base = Plan {
            measures: vec![Measure::Metric("revenue".into())],
            groups: vec![Group::Time(Grain::Month)],
            filters: vec![Filter::In {
                col: Col::new("customers", "country"),
                values: vec!["Germany".into()],
                negated: false,
            }],
            ..Plan::default()
        };
        let add = Plan {
            filters: vec![Filter::In {
                col: Col::new("customers", "country"),
                values: vec!["France".into()],
                negated: false,
            }],
            rank: Some(Rank::Top(5)),
            ..Plan::default()
        };
        let out = refine(&base, &add);
        assert_eq!(out.measures, base.measures);
        assert_eq!(out.groups, base.groups);
        assert_eq!(out.filters, add.filters);
        assert_eq!(out.rank, Some(Rank::Top(5)));
    }
}
