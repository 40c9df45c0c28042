//! Durations in a unit: "average resolution time in days" converts a
//! metric whose catalog format is a unit of time ("hours"); it never reads
//! the unit as a time bucket.

use super::lexicon::{Col, Kw, Lex, Word};
use crate::catalog::Catalog;

/// A unit of time and its length in seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeUnit {
    pub name: &'static str,
    pub seconds: u64,
}

const UNITS: [(&str, u64); 5] = [
    ("second", 1),
    ("minute", 60),
    ("hour", 3_600),
    ("day", 86_400),
    ("week", 604_800),
];

/// Months and years as long as they are on average (a Gregorian year of
/// 365.2425 days): a duration's unit only where one is asked for ("in
/// months"); elsewhere the words are calendar buckets and periods.
const LONG_UNITS: [(&str, u64); 2] = [("month", 2_629_746), ("year", 31_556_952)];

/// The unit asked for after "in": "in days", "in months", "in years".
pub fn unit_asked(word: &str) -> Option<TimeUnit> {
    unit_of(word).or_else(|| unit_in(&LONG_UNITS, word))
}

/// The unit a word or a catalog format names ("days", "hour", "hours").
pub fn unit_of(word: &str) -> Option<TimeUnit> {
    unit_in(&UNITS, word)
}

/// The unit of `units` a word names, in the singular or the plural.
fn unit_in(units: &[(&'static str, u64)], word: &str) -> Option<TimeUnit> {
    let w = word.trim().to_lowercase();
    let w = w.strip_suffix('s').unwrap_or(&w);
    units
        .iter()
        .find(|(n, _)| *n == w)
        .map(|&(name, seconds)| TimeUnit { name, seconds })
}

/// The unit of a metric: its catalog format ("hours"), else the unit of
/// the one column it aggregates (`AVG(first_response_minutes)`).
pub fn metric_unit(name: &str, catalog: &Catalog) -> Option<TimeUnit> {
    let m = catalog.metric(name)?;
    unit_of(&m.format).or_else(|| {
        let inner = aggregated_column(&m.expression)?;
        column_unit(&Col::new(&m.table, inner), catalog)
    })
}

/// The unit of a numeric column's values: its catalog unit ("minutes"),
/// else the last word of its name (`resolution_minutes`, `wait_secs`).
pub fn column_unit(col: &Col, catalog: &Catalog) -> Option<TimeUnit> {
    let def = catalog.table(&col.table)?.column(&col.column)?;
    if let Some(unit) = &def.unit {
        return unit_of(unit);
    }
    let last = def.name.rsplit('_').next()?;
    unit_of(match last {
        "secs" | "sec" => "second",
        "mins" | "min" => "minute",
        "hrs" | "hr" => "hour",
        other => other,
    })
    .filter(|_| def.name.contains('_'))
}

/// `c` of `AVG(c)`, `SUM(c)`, `MIN(c)`, `MAX(c)` over one plain column.
fn aggregated_column(expr: &str) -> Option<&str> {
    let open = expr.find('(')?;
    if !["AVG", "SUM", "MIN", "MAX"].contains(&expr[..open].trim()) {
        return None;
    }
    let inner = expr.get(open + 1..)?.strip_suffix(')')?.trim();
    inner
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        .then_some(inner)
}

/// Finds "in days" (or "days" not after "by"/"per") in a question that
/// measures a duration metric, and marks those words used. `Err` names a
/// unit word beside more than one duration metric.
pub fn scan(
    words: &[Word],
    texts: &[String],
    used: &mut [bool],
    catalog: &Catalog,
) -> Result<Option<TimeUnit>, String> {
    let durations: Vec<String> = words
        .iter()
        // A word's likeliest duration: "response time" may name both a
        // metric and the column it averages.
        .filter_map(|w| {
            w.lexes().iter().find_map(|l| match l {
                Lex::Metric(m) if metric_unit(m, catalog).is_some() => Some(m.clone()),
                Lex::Numeric(c) if column_unit(c, catalog).is_some() => {
                    Some(format!("{}.{}", c.table, c.column))
                }
                _ => None,
            })
        })
        .collect();
    let Some(first) = durations.first() else {
        // "csat in days": a unit with no duration to give in it.
        let stray = (1..words.len())
            .find(|&i| !used[i] && words[i - 1].is(Kw::In) && unit_of(&texts[i]).is_some());
        return match stray {
            Some(i) => {
                // Said, and given to a duration followed up on if any.
                used[i] = true;
                used[i - 1] = true;
                Err(texts[i].clone())
            }
            None => Ok(None),
        };
    };
    let mut found = None;
    for i in 0..words.len() {
        let asked = i > 0 && words[i - 1].is(Kw::In);
        let unit = if asked {
            unit_asked(&texts[i])
        } else {
            unit_of(&texts[i])
        };
        let Some(unit) = unit else {
            continue;
        };
        // "last week", "the last 30 days", "2 weeks ago": a period, not
        // the unit to give the duration in.
        let before = |k: usize| {
            i >= k
                && words[i - k].kw().is_some_and(|kw| {
                    matches!(
                        kw,
                        Kw::Last | Kw::This | Kw::ThisSoFar | Kw::Next | Kw::Since | Kw::Over
                    )
                })
        };
        let counted = i > 0 && words[i - 1].number().is_some();
        let period =
            before(1) || counted && before(2) || words.get(i + 1).is_some_and(|w| w.is(Kw::Ago));
        if used[i] || period || i > 0 && words[i - 1].is(Kw::By) {
            continue;
        }
        if durations.iter().any(|d| d != first) {
            return Err(texts[i].clone());
        }
        used[i] = true;
        if i > 0 && words[i - 1].is(Kw::In) {
            used[i - 1] = true;
        }
        found = Some(unit);
    }
    Ok(found)
}

/// A length of time as said: "24 hours", "1 day", "2 weeks".
pub fn spoken(seconds: f64) -> String {
    let (name, len) = UNITS
        .iter()
        .rev()
        .find(|(_, s)| seconds >= *s as f64 && (seconds / *s as f64).fract() == 0.0)
        .copied()
        .unwrap_or(("second", 1));
    let n = seconds / len as f64;
    if n == 1.0 {
        format!("1 {name}")
    } else {
        format!("{} {name}s", n as i64)
    }
}

/// `AVG(x)` in `from` units as `AVG((x) / k)` in `to` units; only for
/// aggregates that scale (average, sum, min, max).
pub fn convert(expr: &str, from: &TimeUnit, to: &TimeUnit) -> Option<String> {
    let open = expr.find('(')?;
    let name = &expr[..open];
    if !["AVG", "SUM", "MIN", "MAX"].contains(&name) {
        return None;
    }
    let inner = expr.get(open + 1..)?.strip_suffix(')')?;
    if from == to {
        return Some(expr.to_string());
    }
    let scaled = if to.seconds > from.seconds {
        format!("({inner}) / {}", ratio(to.seconds, from.seconds))
    } else {
        format!("({inner}) * {}", ratio(from.seconds, to.seconds))
    };
    Some(format!("{name}({scaled})"))
}

fn ratio(a: u64, b: u64) -> String {
    if a.is_multiple_of(b) {
        format!("{}.0", a / b)
    } else {
        format!("{}", a as f64 / b as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_hours_to_days_and_minutes() {
        let (h, d, m) = (
            unit_of("hours").unwrap_or(TimeUnit {
                name: "",
                seconds: 0,
            }),
            unit_of("days").unwrap_or(TimeUnit {
                name: "",
                seconds: 0,
            }),
            unit_of("minute").unwrap_or(TimeUnit {
                name: "",
                seconds: 0,
            }),
        );
        assert_eq!(
            convert("AVG(x / 3600.0)", &h, &d).as_deref(),
            Some("AVG((x / 3600.0) / 24.0)")
        );
        assert_eq!(
            convert("AVG(x)", &h, &m).as_deref(),
            Some("AVG((x) * 60.0)")
        );
        assert_eq!(convert("COUNT(*)", &h, &d), None);
        assert_eq!(unit_of("month"), None);
    }
}
