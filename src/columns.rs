//! What each column of a result is: a period, a label, a measure (with its
//! display format and whether it adds up) or a share. Charts, insights and
//! the table read a result through this, never through its column order or
//! its storage type alone: a year held as a number is still a period.

use std::collections::HashMap;

use slicewise_core::catalog::{ColumnType, DisplayFormat};
use slicewise_core::result::ResultColumn;
use slicewise_core::{Catalog, QueryResult};

/// Period words a grouping column is named by (the calendar, not a dataset).
const ORDERED_PERIODS: &[&str] = &["year", "quarter", "month", "week", "day", "date"];
/// Periods that repeat (Monday comes back every week): categories, no trend.
const CYCLIC_PERIODS: &[&str] = &["weekday", "hour", "dow", "day_of_week", "hour_of_day"];

/// What a result column is.
#[derive(Debug, Clone, PartialEq)]
pub enum Role {
    /// A point in the calendar; `ordered` when it runs one way (years,
    /// months), not for cycles (weekdays, hours).
    Period { ordered: bool },
    /// A category (channel, country, a customer's name).
    Label,
    /// An identifier (a customer's key): it tells rows apart but is
    /// neither a figure nor, beside a label, what a row is called.
    Key,
    /// A figure to plot and sum or compare.
    Measure(Measure),
    /// A percentage of a whole the query computed itself.
    Share,
}

/// How a measure is shown and what may be said of it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Measure {
    pub format: Option<DisplayFormat>,
    /// Whether the values add up to a meaningful whole (a sum or a count
    /// does; an average, a distinct count or a rate does not). None when
    /// neither the catalog nor the SQL says.
    pub additive: Option<bool>,
}

/// What the catalog says about result column names: metrics by name and
/// columns by name. Built once per loaded catalog.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Glossary {
    known: HashMap<String, Role>,
}

impl Glossary {
    /// The catalog's metrics and columns, by the names results carry.
    pub fn from_catalog(catalog: &Catalog) -> Glossary {
        let mut known = HashMap::new();
        for r in &catalog.relationships {
            known.insert(r.from_column.clone(), Role::Key);
            known.insert(r.to_column.clone(), Role::Key);
        }
        for table in &catalog.tables {
            if let Some(pk) = &table.primary_key {
                known.insert(pk.clone(), Role::Key);
            }
            for c in &table.columns {
                let role = match c.column_type {
                    ColumnType::Date | ColumnType::Timestamp => Role::Period { ordered: true },
                    ColumnType::Int | ColumnType::Float => Role::Measure(Measure {
                        format: c.format,
                        additive: None,
                    }),
                    ColumnType::Text | ColumnType::Bool => Role::Label,
                };
                known.entry(c.name.clone()).or_insert(role);
            }
        }
        // A metric's name is what the translator calls its figure: it wins
        // over a column of the same name.
        for m in &catalog.metrics {
            known.insert(
                m.name.clone(),
                Role::Measure(Measure {
                    format: display_format(&m.format),
                    additive: Some(m.is_additive()),
                }),
            );
        }
        Glossary { known }
    }

    /// The catalog's role for a result column name, through the
    /// translator's aliases (`revenue_current`, `avg_amount`, `total_x`).
    fn lookup(&self, name: &str) -> Option<Role> {
        let name = name.to_ascii_lowercase();
        if let Some(role) = self.known.get(&name) {
            return Some(role.clone());
        }
        let base = strip_period_suffix(&name);
        if let Some(role) = self.known.get(base) {
            return Some(role.clone());
        }
        let format_of = |col: &str| match self.known.get(col) {
            Some(Role::Measure(m)) => m.format,
            _ => None,
        };
        if let Some(col) = base.strip_prefix("avg_") {
            return Some(Role::Measure(Measure {
                format: format_of(col),
                additive: Some(false),
            }));
        }
        if let Some(col) = base.strip_prefix("total_") {
            return Some(Role::Measure(Measure {
                format: format_of(col),
                additive: Some(true),
            }));
        }
        if base.starts_with("distinct_") {
            return Some(Role::Measure(Measure {
                format: Some(DisplayFormat::Count),
                additive: Some(false),
            }));
        }
        None
    }
}

/// The catalog's metric format word as a display format.
fn display_format(word: &str) -> Option<DisplayFormat> {
    serde_json::from_value(serde_json::Value::String(word.to_string())).ok()
}

/// `revenue_current` -> `revenue`, `revenue_2025` -> `revenue`.
fn strip_period_suffix(name: &str) -> &str {
    if let Some(base) = name
        .strip_suffix("_current")
        .or_else(|| name.strip_suffix("_previous"))
    {
        return base;
    }
    period_suffix(name).map_or(name, |(base, _)| base)
}

/// A column named for a period of the calendar (`revenue_2025`,
/// `orders_2024_q3`): its base name and the period as sortable text.
pub fn period_suffix(name: &str) -> Option<(&str, &str)> {
    let bytes = name.as_bytes();
    (1..bytes.len()).find_map(|i| {
        let year = bytes.get(i + 1..i + 5)?;
        let after = bytes.get(i + 5).copied();
        (bytes[i] == b'_'
            && year.iter().all(u8::is_ascii_digit)
            && matches!(year[0], b'1' | b'2')
            && after.is_none_or(|b| b == b'_'))
        .then(|| (&name[..i], &name[i + 1..]))
    })
}

/// A result read column by column.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub roles: Vec<Role>,
    /// Whether the rows are the whole of what was grouped: no LIMIT, no
    /// HAVING, nothing cut off. Only then is a share "of the total".
    pub whole: bool,
}

impl Reading {
    /// Reads a result with the catalog's glossary and the SQL that made it.
    pub fn of(result: &QueryResult, glossary: &Glossary, sql: &str) -> Reading {
        let roles = result
            .columns
            .iter()
            .map(|c| role_of(c, glossary, sql))
            .collect();
        Reading {
            roles,
            whole: !result.truncated && !cuts_rows(sql),
        }
    }

    /// Columns that say which row is which (periods and labels, or the
    /// keys where nothing else names the rows), in order.
    pub fn labels(&self) -> Vec<usize> {
        let named: Vec<usize> = (0..self.roles.len())
            .filter(|i| matches!(self.roles[*i], Role::Period { .. } | Role::Label))
            .collect();
        if !named.is_empty() {
            return named;
        }
        (0..self.roles.len())
            .filter(|i| self.roles[*i] == Role::Key)
            .collect()
    }

    /// Columns that hold figures, in order.
    pub fn measures(&self) -> Vec<usize> {
        (0..self.roles.len())
            .filter(|i| matches!(self.roles[*i], Role::Measure(_)))
            .collect()
    }

    /// The measure facts of column `i` (defaults for a non-measure).
    pub fn measure(&self, i: usize) -> Measure {
        match self.roles.get(i) {
            Some(Role::Measure(m)) => m.clone(),
            _ => Measure::default(),
        }
    }

    /// Whether column `i` is a period of any kind.
    pub fn is_period(&self, i: usize) -> bool {
        matches!(self.roles.get(i), Some(Role::Period { .. }))
    }

    /// Whether the rows run along the calendar: the first label column is
    /// an ordered period. Only then is a line or a trend meaningful.
    pub fn ordered_axis(&self) -> bool {
        self.labels()
            .first()
            .is_some_and(|i| self.roles[*i] == Role::Period { ordered: true })
    }
}

fn role_of(c: &ResultColumn, glossary: &Glossary, sql: &str) -> Role {
    let name = c.name.to_ascii_lowercase();
    if name == "share_pct" || name.ends_with("_share_pct") {
        return Role::Share;
    }
    if c.is_temporal() || ORDERED_PERIODS.iter().any(|p| names_period(&name, p)) {
        return Role::Period { ordered: true };
    }
    if CYCLIC_PERIODS.iter().any(|p| names_period(&name, p)) {
        return Role::Period { ordered: false };
    }
    if name.ends_with("_id") || name == "id" {
        return Role::Key;
    }
    if !c.is_numeric() {
        return if holds_calendar_periods(c) {
            Role::Period { ordered: true }
        } else {
            Role::Label
        };
    }
    let aggregate = aggregate_additive(sql, &c.name);
    match glossary.lookup(&name) {
        Some(Role::Measure(m)) => Role::Measure(Measure {
            additive: m.additive.or(aggregate),
            ..m
        }),
        // A numeric column the catalog calls a period or a label (a year
        // column, an id) is one here too.
        Some(other) => other,
        None => Role::Measure(Measure {
            format: None,
            additive: aggregate,
        }),
    }
}

/// `year`, `order_month`: the column is named by that period word.
fn names_period(name: &str, word: &str) -> bool {
    name == word || name.strip_suffix(word).is_some_and(|s| s.ends_with('_'))
}

/// Every value is a calendar period written as text: `2025`, `2025-03`,
/// `2025-Q1`, `2025-W07`, `2025-03-14` (with or without a time).
fn holds_calendar_periods(c: &ResultColumn) -> bool {
    let texts: Vec<String> = (0..c.values.len())
        .map(|i| c.values.text_at(i))
        .filter(|t| !t.is_empty())
        .collect();
    !texts.is_empty() && texts.iter().all(|t| is_calendar_period(t))
}

fn is_calendar_period(t: &str) -> bool {
    let b = t.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if !digits(0..4) {
        return false;
    }
    match b.len() {
        4 => true,
        7 => b[4] == b'-' && (digits(5..7) || (b[5] == b'Q' && digits(6..7))),
        8 => b[4] == b'-' && b[5] == b'W' && digits(6..8),
        n if n >= 10 => b[4] == b'-' && b[7] == b'-' && digits(5..7) && digits(8..10),
        _ => false,
    }
}

/// Whether the query keeps only some of its groups (a top N, a HAVING):
/// then the rows do not add up to the whole.
fn cuts_rows(sql: &str) -> bool {
    let words = outside_quotes(sql).to_ascii_uppercase();
    words
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .any(|w| {
            matches!(
                w,
                "LIMIT" | "HAVING" | "FETCH" | "QUALIFY" | "ROW_NUMBER" | "RANK" | "DENSE_RANK"
            )
        })
}

/// The SQL with its string literals blanked.
fn outside_quotes(sql: &str) -> String {
    let mut inside = false;
    sql.chars()
        .map(|c| {
            if c == '\'' {
                inside = !inside;
                ' '
            } else if inside {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// Whether the expression aliased `alias` in the SQL adds up: a SUM or a
/// COUNT does, an AVG, MIN, MAX or a distinct count does not; None when
/// the alias or its aggregate cannot be found.
pub fn aggregate_additive(sql: &str, alias: &str) -> Option<bool> {
    let text = outside_quotes(sql);
    let upper = text.to_ascii_uppercase();
    let needle = format!(" AS {}", alias.to_ascii_uppercase());
    let end = upper
        .match_indices(&needle)
        .map(|(i, _)| i)
        .filter(|i| {
            upper[i + needle.len()..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_')
        })
        .last()?;
    // Back to the comma or keyword that starts this select item.
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in upper[..end].char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' if depth == 0 => {
                start = i + 1;
                break;
            }
            '(' => depth -= 1,
            ',' if depth == 0 => {
                start = i + 1;
                break;
            }
            _ => {}
        }
    }
    let mut expr: String = upper[start..end].split_whitespace().collect();
    if let Some(rest) = expr.strip_prefix("SELECT") {
        expr = rest.trim_start_matches("DISTINCT").to_string();
    }
    while let Some(inner) = ["ROUND(", "CAST(", "COALESCE("]
        .iter()
        .find_map(|w| expr.strip_prefix(w))
    {
        expr = inner.to_string();
    }
    if expr.starts_with("COUNT(DISTINCT") {
        Some(false)
    } else if expr.starts_with("SUM(") || expr.starts_with("COUNT(") {
        Some(true)
    } else if ["AVG(", "MEAN(", "MEDIAN(", "MIN(", "MAX(", "STDDEV"]
        .iter()
        .any(|w| expr.starts_with(w))
    {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slicewise_core::result::{ColumnValues, ResultType};

    fn number(name: &str, values: &[f64]) -> ResultColumn {
        ResultColumn {
            name: name.into(),
            result_type: ResultType::Int,
            values: ColumnValues::Number(values.iter().map(|v| Some(*v)).collect()),
        }
    }

    fn text(name: &str, values: &[&str]) -> ResultColumn {
        ResultColumn {
            name: name.into(),
            result_type: ResultType::Text,
            values: ColumnValues::Text(values.iter().map(|v| Some(v.to_string())).collect()),
        }
    }

    #[test]
    fn a_year_held_as_a_number_is_a_period_not_a_measure() {
        let r = QueryResult::of_columns(vec![
            number("year", &[2024.0, 2025.0]),
            number("revenue", &[10.0, 12.0]),
        ]);
        let g = Glossary::from_catalog(&Catalog::demo());
        let reading = Reading::of(
            &r,
            &g,
            "SELECT year, SUM(amount) AS revenue FROM r GROUP BY year",
        );
        assert_eq!(reading.labels(), [0]);
        assert_eq!(reading.measures(), [1]);
        assert!(reading.ordered_axis());
        assert_eq!(reading.measure(1).format, Some(DisplayFormat::Money));
        assert_eq!(reading.measure(1).additive, Some(true));
    }

    #[test]
    fn text_periods_are_found_by_their_values_and_weekdays_are_cycles() {
        let r = QueryResult::of_columns(vec![
            text("period", &["2025-01", "2025-02"]),
            text("weekday", &["1 Mon", "2 Tue"]),
            number("n", &[1.0, 2.0]),
        ]);
        let reading = Reading::of(&r, &Glossary::default(), "SELECT COUNT(*) AS n");
        assert_eq!(reading.roles[0], Role::Period { ordered: true });
        assert_eq!(reading.roles[1], Role::Period { ordered: false });
        assert!(reading.whole);
    }

    #[test]
    fn the_catalog_says_an_average_does_not_add_up() {
        let g = Glossary::from_catalog(&Catalog::demo());
        let r = QueryResult::of_columns(vec![text("channel", &["web"]), number("aov", &[3.0])]);
        let reading = Reading::of(&r, &g, "");
        assert_eq!(reading.measure(1).additive, Some(false));
        let r = QueryResult::of_columns(vec![
            text("channel", &["web"]),
            number("revenue_current", &[3.0]),
        ]);
        assert_eq!(Reading::of(&r, &g, "").measure(1).additive, Some(true));
    }

    #[test]
    fn the_sql_says_how_an_unknown_alias_aggregates_and_whether_rows_were_cut() {
        let sql = "SELECT channel, ROUND(SUM(amount), 2) AS v, AVG(x.amount) AS a, \
                   COUNT(DISTINCT customer_id) AS c FROM orders GROUP BY channel ORDER BY v DESC LIMIT 5";
        assert_eq!(aggregate_additive(sql, "v"), Some(true));
        assert_eq!(aggregate_additive(sql, "a"), Some(false));
        assert_eq!(aggregate_additive(sql, "c"), Some(false));
        assert_eq!(aggregate_additive(sql, "missing"), None);
        assert!(cuts_rows(sql));
        assert!(!cuts_rows("SELECT 'LIMIT' AS s FROM t"));
    }

    #[test]
    fn a_key_names_rows_only_where_no_label_does() {
        let g = Glossary::from_catalog(&Catalog::demo());
        let r = QueryResult::of_columns(vec![
            number("customer_id", &[7.0]),
            text("customer", &["Jane Smith"]),
            number("revenue", &[3.0]),
        ]);
        let reading = Reading::of(&r, &g, "");
        assert_eq!(reading.roles[0], Role::Key);
        assert_eq!(reading.labels(), [1]);
        assert_eq!(reading.measures(), [2]);
    }

    #[test]
    fn period_suffixes_name_the_compared_periods() {
        assert_eq!(period_suffix("revenue_2025"), Some(("revenue", "2025")));
        assert_eq!(period_suffix("orders_2024_q3"), Some(("orders", "2024_q3")));
        assert_eq!(period_suffix("revenue_current"), None);
        assert_eq!(period_suffix("x_20250"), None);
    }
}
