//! Short insights computed from a result, in the browser: the largest and
//! smallest group, the top group's share, the change over a series and its
//! direction. Nothing here leaves the page.
//!
//! Each is said only where it holds for what the result is: a change and a
//! trend only along the calendar (in calendar order, whatever the row
//! order), a share of the total only of a figure that adds up and only when
//! the rows are the whole (no top N), or the query's own share column.

use slicewise_core::QueryResult;

use crate::chart::{series, shares};
use crate::columns::{Reading, Role};
use crate::format::format_value;
use crate::i18n::{Locale, Text};

/// Up to three one-line insights for a result.
pub fn insights(
    result: &QueryResult,
    reading: &Reading,
    locale: Locale,
    text: &Text,
) -> Vec<String> {
    // Rows labelled by two columns are cells of a grid: neither a series
    // nor groups that one label names.
    if reading.labels().len() != 1 {
        return Vec::new();
    }
    let Some(s) = series(result, reading) else {
        return Vec::new();
    };
    if s.values.len() < 2 {
        return Vec::new();
    }
    let fmt = |v: f64| format_value(v, s.format, locale);
    let mut out = Vec::new();
    if reading.ordered_axis() {
        let (first, last) = (s.values[0], s.values[s.values.len() - 1]);
        if first != 0.0 {
            let change = (last - first) / first.abs() * 100.0;
            out.push(format!(
                "{} {} → {}: {}{:.1}%",
                text.insight_change,
                s.labels[0],
                s.labels[s.labels.len() - 1],
                if change >= 0.0 { "+" } else { "" },
                change
            ));
        }
        let slope = trend_slope(&s.values);
        let mean = s.values.iter().sum::<f64>() / s.values.len() as f64;
        let direction = if mean == 0.0 || (slope * s.values.len() as f64 / mean).abs() < 0.05 {
            text.trend_flat
        } else if slope > 0.0 {
            text.trend_up
        } else {
            text.trend_down
        };
        out.push(direction.to_string());
        if let Some((i, v)) = max_of(&s.values) {
            out.push(format!(
                "{}: {} ({})",
                text.insight_peak,
                s.labels[i],
                fmt(v)
            ));
        }
    } else {
        let measure = reading
            .measures()
            .first()
            .map(|i| reading.measure(*i))
            .unwrap_or_default();
        let own_share = reading.roles.contains(&Role::Share);
        let of_whole = own_share || (reading.whole && measure.additive == Some(true));
        let share = of_whole.then(|| shares(result, reading, &s));
        if let Some((i, v)) = max_of(&s.values) {
            match share.as_ref().and_then(|p| p.get(i)) {
                Some(pct) => out.push(format!(
                    "{}: {} ({}, {:.1}% {})",
                    text.insight_largest,
                    s.labels[i],
                    fmt(v),
                    pct,
                    text.insight_of_total
                )),
                None => out.push(format!(
                    "{}: {} ({})",
                    text.insight_highest,
                    s.labels[i],
                    fmt(v)
                )),
            }
        }
        if let Some((i, v)) = min_of(&s.values) {
            out.push(format!(
                "{}: {} ({})",
                text.insight_smallest,
                s.labels[i],
                fmt(v)
            ));
        }
    }
    out
}

fn max_of(values: &[f64]) -> Option<(usize, f64)> {
    values
        .iter()
        .copied()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

fn min_of(values: &[f64]) -> Option<(usize, f64)> {
    values
        .iter()
        .copied()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

/// Least-squares slope of the values against their index.
pub fn trend_slope(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let mean_x = (n - 1.0) / 2.0;
    let mean_y = values.iter().sum::<f64>() / n;
    let (mut num, mut den) = (0.0, 0.0);
    for (i, y) in values.iter().enumerate() {
        let dx = i as f64 - mean_x;
        num += dx * (y - mean_y);
        den += dx * dx;
    }
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columns::Glossary;
    use slicewise_core::result::{ColumnValues, ResultColumn, ResultType};

    fn result(labels: &[&str], value: &str, values: &[f64]) -> QueryResult {
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
                    name: value.into(),
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

    fn read(r: &QueryResult, sql: &str) -> Reading {
        Reading::of(
            r,
            &Glossary::from_catalog(&slicewise_core::Catalog::demo()),
            sql,
        )
    }

    #[test]
    fn groups_name_the_largest_with_its_share_and_the_smallest() {
        let text = Locale::En.text();
        let r = result(&["web", "store", "mobile"], "revenue", &[50.0, 20.0, 30.0]);
        let out = insights(&r, &read(&r, ""), Locale::En, text);
        assert!(
            out[0].contains("web") && out[0].contains("50.0%"),
            "{out:?}"
        );
        assert!(out[1].contains("store"), "{out:?}");
    }

    #[test]
    fn no_share_of_a_top_n_or_of_an_average() {
        let text = Locale::En.text();
        let r = result(&["web", "store"], "revenue", &[50.0, 20.0]);
        let top = read(
            &r,
            "SELECT k, SUM(amount) AS revenue FROM t GROUP BY k ORDER BY 2 DESC LIMIT 2",
        );
        let out = insights(&r, &top, Locale::En, text);
        assert!(!out.iter().any(|o| o.contains('%')), "{out:?}");
        let r = result(&["web", "store"], "aov", &[50.0, 20.0]);
        let out = insights(&r, &read(&r, ""), Locale::En, text);
        assert!(!out.iter().any(|o| o.contains('%')), "{out:?}");
    }

    #[test]
    fn series_report_change_and_direction_in_calendar_order() {
        let text = Locale::En.text();
        let r = result(
            &["2024-03", "2024-01", "2024-02"],
            "revenue",
            &[200.0, 100.0, 150.0],
        );
        let out = insights(&r, &read(&r, ""), Locale::En, text);
        assert!(
            out[0].contains("2024-01 → 2024-03") && out[0].contains("+100.0%"),
            "{out:?}"
        );
        assert_eq!(out[1], text.trend_up);
        assert!(trend_slope(&[3.0, 2.0, 1.0]) < 0.0);
        assert_eq!(trend_slope(&[5.0, 5.0, 5.0]), 0.0);
    }

    #[test]
    fn categories_get_no_trend() {
        let text = Locale::En.text();
        let r = result(&["web", "store", "mobile"], "revenue", &[1.0, 2.0, 3.0]);
        let out = insights(&r, &read(&r, ""), Locale::En, text);
        assert!(!out.iter().any(|o| o.starts_with("Trend")), "{out:?}");
    }
}
