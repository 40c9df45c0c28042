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

/// An example's dev corpora: every `corpus*.jsonl` of its folder, by name
/// (further dev files are dropped in beside `corpus.jsonl`).
pub fn dev_files(dir: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("corpus") && n.ends_with(".jsonl"))
        })
        .collect();
    files.sort();
    Ok(files)
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
    if q.contains(PARTS) {
        return parts_name(p, q);
    }
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
    same_cells(&a, got.columns.len(), &b, expected.columns.len(), ordered)
        || same_comparison(got, &a, &b, expected.columns.len())
}

/// [`same_result`] over rows of cells: `got` (`got_width` columns) may
/// carry more columns than `expected`, in any order.
fn same_cells(
    a: &[Vec<String>],
    got_width: usize,
    b: &[Vec<String>],
    width: usize,
    ordered: bool,
) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if got_width >= width && same_rows(a, b, ordered) {
        return true;
    }
    // Every choice of got's columns, in order, for the expected ones.
    let mut pick = Vec::with_capacity(width);
    got_width >= width
        && choose(got_width, width, &mut pick, &mut |cols| {
            let projected: Vec<Vec<String>> = a
                .iter()
                .map(|r| cols.iter().map(|c| r[*c].clone()).collect())
                .collect();
            same_rows(&projected, b, ordered)
        })
        || (width >= 2 && got_width < width && {
            // One label written as two columns (`2024`, `1` for `2024-Q1`;
            // `1`, `Monday` for `1 Mon`): both parts must name the label.
            (0..width).any(|i| {
                (0..width).filter(|&j| j != i).any(|j| {
                    let joined: Vec<Vec<String>> = b
                        .iter()
                        .map(|r| {
                            let mut row: Vec<String> = Vec::with_capacity(width - 1);
                            for (c, v) in r.iter().enumerate() {
                                if c == i {
                                    row.push(format!("{v}{PARTS}{}", r[j]));
                                } else if c != j {
                                    row.push(v.clone());
                                }
                            }
                            row
                        })
                        .collect();
                    same_cells(a, got_width, &joined, width - 1, ordered)
                })
            })
        })
}

/// Joins the parts of a label the reference wrote as two columns.
const PARTS: char = '\u{1f}';

/// Whether a label (`2024-Q1`, `1 Mon`) is named by every part of a
/// reference label written as two columns (`2024` and `1`; `1` and `Monday`).
fn parts_name(label: &str, joined: &str) -> bool {
    joined.split(PARTS).all(|part| {
        cell_close(label, part)
            || part.parse::<f64>().is_ok_and(|y| {
                label
                    .split_once('-')
                    .is_some_and(|(year, _)| year.len() == 4 && year.parse::<f64>() == Ok(y))
            })
    })
}

/// A comparison of two periods has two layouts with the same figures: one
/// row with the figure of each period side by side (`x_current`,
/// `x_previous`, as the translator writes it) or one row per period with
/// the period's label. The second is read as the first: the label column
/// dropped, each row of `got` becomes its previous and its current row.
/// When the reference's labels come in ascending order (`2024`, `2025`;
/// `Q2 2025`, `Q3 2025`) its first row must be the earlier period, so
/// periods swapped are still wrong.
fn same_comparison(got: &QueryResult, a: &[Vec<String>], b: &[Vec<String>], width: usize) -> bool {
    let names: Vec<&str> = got.columns.iter().map(|c| c.name.as_str()).collect();
    let Some((current, previous)) = names.iter().enumerate().find_map(|(i, n)| {
        let stem = n.strip_suffix("_current")?;
        let j = names
            .iter()
            .position(|m| *m == format!("{stem}_previous"))?;
        Some((i, j))
    }) else {
        return false;
    };
    if width < 2 || b.len() != 2 * a.len() {
        return false;
    }
    let keys: Vec<usize> = (0..names.len())
        .filter(|&c| c != current && c != previous)
        .collect();
    let long: Vec<Vec<String>> = a
        .iter()
        .flat_map(|r| {
            [previous, current].map(|f| {
                keys.iter()
                    .map(|&k| r[k].clone())
                    .chain(std::iter::once(r[f].clone()))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    (0..width).any(|label| {
        let labels: Vec<&String> = b.iter().map(|r| &r[label]).collect();
        let chronological = a.len() == 1 && ascending(&labels);
        let rest: Vec<Vec<String>> = b
            .iter()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .filter(|(c, _)| *c != label)
                    .map(|(_, v)| v.clone())
                    .collect()
            })
            .collect();
        same_cells(&long, keys.len() + 1, &rest, width - 1, chronological)
    })
}

/// Whether labels come in ascending order, as numbers when they all are.
fn ascending(labels: &[&String]) -> bool {
    let numbers: Option<Vec<f64>> = labels.iter().map(|l| l.parse().ok()).collect();
    match numbers {
        Some(n) => n.windows(2).all(|w| w[0] < w[1]),
        None => labels.windows(2).all(|w| w[0] < w[1]),
    }
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

    fn figures(names: &[&str], values: &[f64]) -> QueryResult {
        let mut r = result(&[], &[]);
        r.columns = names
            .iter()
            .zip(values)
            .map(|(n, v)| ResultColumn {
                name: n.to_string(),
                result_type: ResultType::Float,
                values: ColumnValues::Number(vec![Some(*v)]),
            })
            .collect();
        r.rows = 1;
        r
    }

    #[test]
    fn a_comparison_side_by_side_matches_one_row_per_period_in_calendar_order() {
        let side = figures(&["spend_current", "spend_previous"], &[597.4, 560.3]);
        let per_year = result(&["2024", "2025"], &[560.3, 597.4]);
        assert!(same_result(&side, &per_year, false));
        let swapped = figures(&["spend_current", "spend_previous"], &[560.3, 597.4]);
        assert!(
            !same_result(&swapped, &per_year, false),
            "the later period is the current one"
        );
        // Labels that do not say their order: the figures decide.
        let named = result(&["this year", "last year"], &[597.4, 560.3]);
        assert!(same_result(&side, &named, false));
        assert!(!same_result(
            &figures(&["spend_current", "spend_previous"], &[597.4, 1.0]),
            &named,
            false
        ));
        // Side-by-side columns without the pair's names are not a comparison.
        let plain = figures(&["a", "b"], &[597.4, 560.3]);
        assert!(!same_result(&plain, &per_year, false));
    }

    #[test]
    fn a_label_the_reference_wrote_as_two_columns_matches_when_both_parts_name_it() {
        let quarters = result(&["2024-Q1", "2024-Q2"], &[292.0, 243.0]);
        let mut split = result(&["1", "2"], &[292.0, 243.0]);
        let years = result(&["2024", "2024"], &[0.0, 0.0]);
        split.columns.insert(0, years.columns[0].clone());
        assert!(same_result(&quarters, &split, false));
        let mut other_year = split.clone();
        other_year.columns[0] = result(&["2025", "2025"], &[0.0, 0.0]).columns[0].clone();
        assert!(!same_result(&quarters, &other_year, false));
        let days = result(&["1 Mon", "2 Tue"], &[399.0, 443.0]);
        let mut named = result(&["Monday", "Tuesday"], &[399.0, 443.0]);
        named
            .columns
            .insert(0, result(&["1", "2"], &[0.0, 0.0]).columns[0].clone());
        assert!(same_result(&days, &named, false));
        let mut wrong_day = named.clone();
        wrong_day.columns[1] = result(&["Tuesday", "Monday"], &[0.0, 0.0]).columns[0].clone();
        assert!(!same_result(&days, &wrong_day, false));
    }
}
