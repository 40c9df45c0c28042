//! The labelled question corpus (`crates/core/tests/corpus/questions.jsonl`)
//! and how two query results are compared: the translator's tests, the
//! engine's SQL test and `cargo xtask eval` all read it the same way.

use serde::Deserialize;

use crate::result::ColumnValues;
use crate::QueryResult;

/// Absolute tolerance on numbers (the translator rounds grouped figures).
const TOLERANCE: f64 = 0.01;

/// One labelled question.
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    pub q: String,
    /// The question before it, for follow-ups.
    #[serde(default)]
    pub previous: Option<String>,
    /// `answered` or `refused`.
    pub status: String,
    /// Reference SQL giving the right figures.
    #[serde(default)]
    pub sql: Option<String>,
    /// The expected chart hint, when labelled.
    #[serde(default)]
    pub chart: Option<String>,
}

impl Case {
    /// Whether the question must be answered.
    pub fn answerable(&self) -> bool {
        self.status == "answered"
    }
}

/// The cases of a JSON-lines corpus (blank and `//` lines skipped); an
/// unreadable line is an error naming it.
pub fn parse(text: &str) -> Result<Vec<Case>, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("//"))
        .map(|l| serde_json::from_str(l).map_err(|e| format!("bad corpus line {l}: {e}")))
        .collect()
}

/// A result as rows of comparable cells: numbers to two decimals.
fn rows(r: &QueryResult) -> Vec<Vec<String>> {
    (0..r.rows)
        .map(|i| {
            r.columns
                .iter()
                .map(|c| match &c.values {
                    ColumnValues::Number(v) => v
                        .get(i)
                        .copied()
                        .flatten()
                        .map(|x| format!("{:.2}", x + 0.0))
                        .unwrap_or_default(),
                    other => other.text_at(i),
                })
                .collect()
        })
        .collect()
}

fn cell_close(p: &str, q: &str) -> bool {
    p == q
        || matches!((p.parse::<f64>(), q.parse::<f64>()),
            (Ok(u), Ok(v)) if (u - v).abs() <= TOLERANCE + 1e-9 + 1e-9 * u.abs())
        || same_period(p, q)
        || same_period(q, p)
        || bucket_holds(p, q)
        || bucket_holds(q, p)
        || same_weekday(p, q)
        || same_weekday(q, p)
}

/// A weekday label (`1 Mon` .. `7 Sun`, Monday first) and another way to
/// write that day: its number Monday first (`7`) or Sunday first (`0`),
/// or its name (`Sunday`, `Sun`).
fn same_weekday(label: &str, other: &str) -> bool {
    const DAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let Some((n, name)) = label.split_once(' ') else {
        return false;
    };
    let Ok(n) = n.parse::<usize>() else {
        return false;
    };
    let Some(day) = (1..=7).contains(&n).then(|| DAYS[n - 1]) else {
        return false;
    };
    if !day.starts_with(&name.to_lowercase()) {
        return false;
    }
    let other = other.trim().to_lowercase();
    match other.parse::<f64>() {
        Ok(x) => x == n as f64 || x == (n % 7) as f64,
        Err(_) => other.len() >= 3 && day.starts_with(&other),
    }
}

/// A bucket label (`2025-03`, `2025-W40`, `2024-Q1`) and a date inside that
/// bucket (`2025-03-31`, a month's end reading; `2025-09-29`, its week's
/// Monday) name the same bucket: one way to write a time series' key.
fn bucket_holds(label: &str, date: &str) -> bool {
    use chrono::Datelike;
    let Ok(d) = chrono::NaiveDate::parse_from_str(date.get(..10).unwrap_or(date), "%Y-%m-%d")
    else {
        return false;
    };
    // A timestamp at midnight names its day; any other time is no bucket key.
    if date.len() > 10
        && !date[10..]
            .trim_start_matches([' ', 'T'])
            .starts_with("00:00:00")
    {
        return false;
    }
    let Some((year, rest)) = label.split_once('-') else {
        return false;
    };
    let (Ok(year), false) = (year.parse::<i32>(), rest.contains('-')) else {
        return false;
    };
    if let Some(w) = rest.strip_prefix('W') {
        let iso = d.iso_week();
        return w
            .parse::<u32>()
            .is_ok_and(|w| iso.year() == year && iso.week() == w);
    }
    if let Some(q) = rest.strip_prefix('Q') {
        return q
            .parse::<u32>()
            .is_ok_and(|q| d.year() == year && (d.month() - 1) / 3 + 1 == q);
    }
    rest.len() == 2
        && rest
            .parse::<u32>()
            .is_ok_and(|m| d.year() == year && d.month() == m)
}

/// A period label (`2024-Q1`, `2025-W40`, `2025-03`) and the number of the
/// period within its year (`1` or `Q1`, `40`, `3`) name the same period when the
/// question filtered one year: the label says the year, the number does not.
fn same_period(label: &str, number: &str) -> bool {
    // "Q3" and "W40" are the period's number with its kind.
    let bare = number.strip_prefix(['Q', 'W']).unwrap_or(number);
    let Ok(n) = bare.parse::<f64>() else {
        return false;
    };
    let Some((year, rest)) = label.split_once('-') else {
        return false;
    };
    let digits = rest.trim_start_matches(['Q', 'W']);
    year.len() == 4
        && year.chars().all(|c| c.is_ascii_digit())
        && (1..=2).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && digits.parse::<f64>().is_ok_and(|d| d == n)
}

fn all_close(a: &[Vec<String>], b: &[Vec<String>]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.len() == y.len() && x.iter().zip(y).all(|(p, q)| cell_close(p, q)))
}

/// Whether the outermost SELECT of a reference SQL orders its rows.
/// Only an order that picks rows (ORDER BY with LIMIT: a top or bottom N)
/// is part of the answer; a whole breakdown sorted by its label or by its
/// figure holds the same rows either way (the widget sorts tables and
/// charts by their keys).
pub fn orders_rows(sql: &str) -> bool {
    let upper = sql.to_uppercase();
    let tail = upper.rfind(')').map_or(upper.as_str(), |i| &upper[i..]);
    tail.contains("ORDER BY") && tail.contains("LIMIT")
}

/// Whether `got` gives the same figures as `expected`: the same rows (in
/// the same order when `ordered`, where rows tying on a figure may swap).
/// Columns may come in another order, and `got` may carry more columns
/// (an entity's key beside its label): every expected column must be one
/// of `got`'s, with the same rows.
pub fn same_result(got: &QueryResult, expected: &QueryResult, ordered: bool) -> bool {
    let (a, b) = (rows(got), rows(expected));
    let width = expected.columns.len();
    if got.columns.len() < width || a.len() != b.len() {
        return false;
    }
    if same_rows(&a, &b, ordered) {
        return true;
    }
    // Every choice of got's columns, in order, for the expected ones.
    let mut pick = Vec::with_capacity(width);
    choose(got.columns.len(), width, &mut pick, &mut |cols| {
        let projected: Vec<Vec<String>> = a
            .iter()
            .map(|r| cols.iter().map(|c| r[*c].clone()).collect())
            .collect();
        same_rows(&projected, &b, ordered)
    })
}

/// Calls `f` with each ordered choice of `k` distinct indices below `n`
/// until it returns true (at most a few hundred for result widths).
fn choose(n: usize, k: usize, pick: &mut Vec<usize>, f: &mut dyn FnMut(&[usize]) -> bool) -> bool {
    if pick.len() == k {
        return f(pick);
    }
    for i in 0..n {
        if !pick.contains(&i) {
            pick.push(i);
            if choose(n, k, pick, f) {
                return true;
            }
            pick.pop();
        }
    }
    false
}

fn same_rows(a: &[Vec<String>], b: &[Vec<String>], ordered: bool) -> bool {
    if all_close(a, b) {
        return true;
    }
    let (mut sa, mut sb) = (a.to_vec(), b.to_vec());
    sa.sort();
    sb.sort();
    if !all_close(&sa, &sb) {
        return false;
    }
    if !ordered {
        return true;
    }
    // Same rows, other order: fine only where rows tie on a figure (the
    // ordering key), since ties may come in either order.
    a.iter().zip(b).all(|(x, y)| {
        x.iter().zip(y).all(|(p, q)| cell_close(p, q))
            || x.iter()
                .zip(y)
                .any(|(p, q)| p.parse::<f64>().is_ok() && cell_close(p, q))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::{ResultColumn, ResultType};

    #[test]
    fn a_bucket_label_and_a_date_inside_it_name_the_same_bucket() {
        assert!(cell_close("2025-03", "2025-03-31"));
        assert!(cell_close("2025-09-29 00:00:00", "2025-W40"));
        assert!(cell_close("2024-Q1", "2024-03-31"));
        assert!(!cell_close("2025-03", "2025-04-01"));
        assert!(!cell_close("2025-W41", "2025-09-29"));
        assert!(!cell_close("2024-Q2", "2024-03-31"));
        assert!(!cell_close("2025-03", "2025-03-31 13:00:00"));
        assert!(!cell_close("2025-03-01", "2025-03-31"));
    }

    fn result(labels: &[&str], values: &[f64]) -> QueryResult {
        QueryResult {
            columns: vec![
                ResultColumn {
                    name: "k".into(),
                    result_type: ResultType::Text,
                    values: ColumnValues::Text(
                        labels.iter().map(|l| Some(l.to_string())).collect(),
                    ),
                },
                ResultColumn {
                    name: "v".into(),
                    result_type: ResultType::Float,
                    values: ColumnValues::Number(values.iter().map(|v| Some(*v)).collect()),
                },
            ],
            rows: labels.len(),
            total_rows: labels.len(),
            truncated: false,
            elapsed_ms: 0.0,
        }
    }

    #[test]
    fn the_corpus_parses_and_bad_lines_are_named() {
        let cases = parse("// comment\n\n{\"q\": \"total revenue\", \"status\": \"answered\", \"sql\": \"SELECT 1\"}\n")
            .expect("parses");
        assert_eq!(cases.len(), 1);
        assert!(cases[0].answerable());
        let err = parse("{\"q\": 1}").expect_err("bad line");
        assert!(err.contains("{\"q\": 1}"), "{err}");
    }

    #[test]
    fn results_compare_by_figures_and_order_where_it_matters() {
        let a = result(&["web", "store"], &[10.0, 5.004]);
        let b = result(&["store", "web"], &[5.0, 10.0]);
        assert!(same_result(&a, &b, false), "order ignored, within 0.01");
        assert!(!same_result(&a, &b, true), "order kept when the SQL orders");
        let tie = result(&["store", "web"], &[10.0, 10.0]);
        let tie_swapped = result(&["web", "store"], &[10.0, 10.0]);
        assert!(
            same_result(&tie, &tie_swapped, true),
            "ties may come in either order"
        );
        assert!(!same_result(
            &a,
            &result(&["web", "store"], &[10.0, 6.0]),
            false
        ));
        // A period's label and its number within the year match.
        assert!(cell_close("2024-Q3", "3.00") && cell_close("40.00", "2025-W40"));
        assert!(!cell_close("2024-Q3", "4.00") && !cell_close("web", "3.00"));
        assert!(cell_close("2025-Q3", "Q3") && !cell_close("2025-Q3", "Q2"));
        // A weekday by its number either way round, or by its name.
        assert!(cell_close("7 Sun", "0.00") && cell_close("7 Sun", "7.00"));
        assert!(cell_close("1 Mon", "Monday") && cell_close("Mon", "1 Mon"));
        assert!(!cell_close("1 Mon", "0.00") && !cell_close("2 Tue", "Monday"));
        // Columns in another order, and an extra key column, still match.
        let mut keyed = b.clone();
        keyed.columns.reverse();
        keyed.columns.push(a.columns[1].clone());
        assert!(same_result(&keyed, &b, false));
        assert!(
            !same_result(&b, &keyed, false),
            "a missing column never matches"
        );
        assert!(orders_rows(
            "SELECT a FROM (SELECT 1 AS a) ORDER BY a LIMIT 5"
        ));
        assert!(!orders_rows("SELECT a FROM (SELECT 1 AS a) ORDER BY a"));
        assert!(!orders_rows(
            "SELECT a FROM (SELECT a FROM t ORDER BY a LIMIT 3)"
        ));
    }
}
