//! `STRFTIME` with each distinct period formatted once.
//!
//! Polars formats every row with chrono, reading the format string again for
//! each value: about 110 ms of a 1M-row "revenue by month" in wasm, and
//! "by month/week/day" is what the translator writes most. A format made of
//! calendar fields (`%Y-%m`, `%Y-%m-%d %H:00`, `%a`, ...) depends only on the
//! period a timestamp falls in, so each row is reduced to its period by
//! integer division and each distinct period is formatted once, by the same
//! chrono call Polars makes, so the text is identical. Time zones, other
//! types and formats with sub-second or zone fields take Polars' own path.
//!
//! The engine's SQL rewrite (after the guard) turns `STRFTIME(x, '<fmt>')`
//! into [`UDF_NAME`]`(x, '<fmt>')`, served by [`crate::udf::Registry`].

use std::collections::HashMap;
use std::sync::Arc;

use polars::prelude::*;

/// The engine's name for its STRFTIME; the guard admits no such name in user SQL.
pub const UDF_NAME: &str = "__sw_strftime";

pub(crate) struct Strftime;

impl ColumnsUdf for Strftime {
    fn call_udf(&self, args: &mut [Column]) -> PolarsResult<Column> {
        let [value, format] = args else {
            polars_bail!(ComputeError: "STRFTIME expects 2 arguments (found {})", args.len())
        };
        let Some(format) = format.str()?.get(0).map(str::to_string) else {
            polars_bail!(ComputeError: "STRFTIME needs a format")
        };
        strftime(value, &format)
    }
}

impl AnonymousColumnsUdf for Strftime {
    fn as_column_udf(self: Arc<Self>) -> Arc<dyn ColumnsUdf> {
        self
    }

    fn deep_clone(self: Arc<Self>) -> Arc<dyn AnonymousColumnsUdf> {
        self
    }

    fn get_field(&self, _input_schema: &Schema, fields: &[Field]) -> PolarsResult<Field> {
        let Some(first) = fields.first() else {
            polars_bail!(ComputeError: "STRFTIME expects 2 arguments (found 0)")
        };
        Ok(Field::new(first.name().clone(), DataType::String))
    }
}

/// The coarsest span a format cannot tell apart: all instants in one
/// span format alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Span {
    Second,
    Minute,
    Hour,
    Day,
}

impl Span {
    fn seconds(self) -> i64 {
        match self {
            Span::Second => 1,
            Span::Minute => 60,
            Span::Hour => 3_600,
            Span::Day => 86_400,
        }
    }

    /// The span of a chrono format, or `None` when it has a field finer
    /// than a second, a zone, or one this fast path does not know.
    fn of_format(format: &str) -> Option<Span> {
        // Without a field it is one of Polars' named formats ("iso", ...) or a constant.
        if !format.contains('%') {
            return None;
        }
        let mut span = Span::Day;
        let mut chars = format.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                continue;
            }
            // Padding modifiers: %-d, %_d, %0d.
            let mut spec = chars.next()?;
            if matches!(spec, '-' | '_' | '0') {
                spec = chars.next()?;
            }
            let field = match spec {
                // Date fields, and %% and the whitespace escapes.
                'Y' | 'C' | 'y' | 'm' | 'b' | 'B' | 'h' | 'd' | 'e' | 'a' | 'A' | 'w' | 'u'
                | 'U' | 'W' | 'G' | 'g' | 'V' | 'j' | 'D' | 'x' | 'F' | 'v' | '%' | 't' | 'n' => {
                    Span::Day
                }
                'H' | 'k' | 'I' | 'l' | 'P' | 'p' => Span::Hour,
                'M' | 'R' => Span::Minute,
                'S' | 'T' | 'X' | 'r' | 'c' | 's' => Span::Second,
                _ => return None,
            };
            span = span.min(field);
        }
        Some(span)
    }
}

/// STRFTIME of a column: the fast path where it applies, else Polars'.
pub fn strftime(value: &Column, format: &str) -> PolarsResult<Column> {
    match fast(value, format)? {
        Some(text) => Ok(text.with_name(value.name().clone()).into_column()),
        None => value
            .as_materialized_series()
            .strftime(format)
            .map(Column::from),
    }
}

/// The text by distinct periods, or `None` where Polars' path applies.
fn fast(value: &Column, format: &str) -> PolarsResult<Option<StringChunked>> {
    Ok(match (value.dtype(), Span::of_format(format)) {
        (DataType::Datetime(unit, None), Some(span)) => {
            let ticks = value.as_materialized_series().datetime()?.physical();
            by_span(
                ticks,
                ticks_per_second(*unit) * span.seconds(),
                span.seconds(),
                format,
            )?
        }
        (DataType::Date, Some(Span::Day)) => {
            let days = value
                .as_materialized_series()
                .date()?
                .physical()
                .cast(&DataType::Int64)?;
            by_span(days.i64()?, 1, Span::Day.seconds(), format)?
        }
        _ => None,
    })
}

pub(crate) fn ticks_per_second(unit: TimeUnit) -> i64 {
    match unit {
        TimeUnit::Nanoseconds => 1_000_000_000,
        TimeUnit::Microseconds => 1_000_000,
        TimeUnit::Milliseconds => 1_000,
    }
}

/// Periods a column may span and still take the fast path: at least this
/// many, or half its rows. Beyond that most periods would be distinct (a
/// second-level format over years), and formatting each row is as cheap.
const MIN_PERIODS: u64 = 1 << 16;

/// The smallest of these period keys and how many periods a table from it
/// to the largest holds, when that fits [`MIN_PERIODS`] or half of `rows`;
/// `None` when it does not. No keys (all null) is an empty table.
pub(crate) fn dense_periods(keys: impl Iterator<Item = i64>, rows: usize) -> Option<(i64, usize)> {
    let (lo, hi) = keys.fold((i64::MAX, i64::MIN), |(lo, hi), k| (lo.min(k), hi.max(k)));
    if hi < lo {
        return Some((0, 0));
    }
    let span = hi.abs_diff(lo) + 1;
    let budget = MIN_PERIODS.max(rows as u64 / 2);
    (span <= budget).then_some((lo, span as usize))
}

/// Formats `ticks / per_key` once per distinct key (key `k` starts at
/// `k * seconds_per_key` seconds after the epoch, UTC) and gathers the text;
/// `None` when the keys span more periods than [`MIN_PERIODS`] allows.
fn by_span(
    ticks: &Int64Chunked,
    per_key: i64,
    seconds_per_key: i64,
    format: &str,
) -> PolarsResult<Option<StringChunked>> {
    let keys: Vec<Option<i64>> = ticks
        .iter()
        .map(|t| t.map(|t| t.div_euclid(per_key)))
        .collect();
    let Some((lo, span)) = dense_periods(keys.iter().flatten().copied(), keys.len()) else {
        return Ok(None);
    };
    let mut texts: Vec<String> = Vec::new();
    let mut text_index: HashMap<String, IdxSize> = HashMap::new();
    // Each period's text index, found on first sight.
    let mut table: Vec<Option<IdxSize>> = vec![None; span];
    let mut indices: Vec<Option<IdxSize>> = Vec::with_capacity(keys.len());
    for key in keys {
        let Some(key) = key else {
            indices.push(None);
            continue;
        };
        let slot = &mut table[key.abs_diff(lo) as usize];
        if slot.is_none() {
            let at = key
                .checked_mul(seconds_per_key)
                .and_then(|seconds| chrono::DateTime::from_timestamp(seconds, 0));
            let Some(at) = at.map(|t| t.naive_utc()) else {
                polars_bail!(ComputeError: "a timestamp is out of range for STRFTIME")
            };
            let text = at.format(format).to_string();
            let i = match text_index.get(&text) {
                Some(&i) => i,
                None => {
                    let i = IdxSize::try_from(texts.len())
                        .map_err(|_| polars_err!(ComputeError: "too many distinct values"))?;
                    texts.push(text.clone());
                    text_index.insert(text, i);
                    i
                }
            };
            *slot = Some(i);
        }
        indices.push(*slot);
    }
    let texts =
        StringChunked::from_iter_values(PlSmallStr::EMPTY, texts.iter().map(String::as_str));
    let indices = IdxCa::from_iter_options(PlSmallStr::EMPTY, indices.into_iter());
    texts.take(&indices).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn datetimes(unit: TimeUnit, values: &[Option<&str>]) -> Column {
        let per_second = ticks_per_second(unit);
        let ticks = values.iter().map(|v| {
            v.map(|v| {
                chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S")
                    .expect("instant")
                    .and_utc()
                    .timestamp()
                    * per_second
            })
        });
        Int64Chunked::from_iter_options("ts".into(), ticks)
            .into_datetime(unit, None)
            .into_column()
    }

    const INSTANTS: [Option<&str>; 7] = [
        Some("2024-01-31 23:59:59"),
        Some("2024-02-01 00:00:00"),
        None,
        Some("1969-12-31 23:00:01"),
        Some("2025-12-31 12:30:45"),
        Some("2024-02-29 07:05:09"),
        Some("2024-01-31 23:59:59"),
    ];

    /// Every format gives exactly Polars' text, nulls included.
    #[test]
    fn the_fast_path_writes_what_polars_writes() {
        let formats = [
            "%Y-%m",
            "%Y",
            "%Y-%m-%d",
            "%d.%m.%y",
            "%a %e %b",
            "%j",
            "%G-W%V",
            "%Y-%m-%d %H:00",
            "%H:%M",
            "%F %T",
            "%-m/%-d",
            "Q%m %%",
            "%s",
        ];
        for unit in [
            TimeUnit::Milliseconds,
            TimeUnit::Microseconds,
            TimeUnit::Nanoseconds,
        ] {
            for (instants, wide) in [(&INSTANTS[..], true), (&WITHIN_HOURS[..], false)] {
                let ts = datetimes(unit, instants);
                for format in formats {
                    let span = Span::of_format(format).expect("a fast format");
                    // 56 years of days fit the budget; of hours or seconds not.
                    let takes_fast = !wide || span == Span::Day;
                    assert_eq!(
                        fast(&ts, format).expect("fast").is_some(),
                        takes_fast,
                        "{format} {unit:?} wide={wide}"
                    );
                    let ours = strftime(&ts, format).expect("ours");
                    let polars = ts
                        .as_materialized_series()
                        .strftime(format)
                        .expect("polars");
                    assert!(
                        ours.as_materialized_series().equals_missing(&polars),
                        "{format} {unit:?}: {ours:?} vs {polars:?}"
                    );
                }
            }
        }
    }

    const WITHIN_HOURS: [Option<&str>; 5] = [
        Some("2024-03-10 01:59:59"),
        None,
        Some("2024-03-10 02:00:00"),
        Some("2024-03-10 09:15:30"),
        Some("2024-03-10 01:59:59"),
    ];

    #[test]
    fn dates_and_other_formats() {
        let ts = datetimes(TimeUnit::Microseconds, &INSTANTS);
        let dates = ts.cast(&DataType::Date).expect("dates");
        for format in ["%Y-%m", "%d %B %Y", "%Y-%m-%d %H:%M", "%Y %.3f"] {
            let ours = strftime(&dates, format);
            let polars = dates.as_materialized_series().strftime(format);
            match (ours, polars) {
                (Ok(ours), Ok(polars)) => assert!(
                    ours.as_materialized_series().equals_missing(&polars),
                    "{format}"
                ),
                (Err(_), Err(_)) => {}
                (ours, polars) => panic!("{format}: {ours:?} vs {polars:?}"),
            }
        }
        // Sub-second fields take Polars' path, and give its text.
        assert_eq!(Span::of_format("%H:%M:%S%.3f"), None);
        let ours = strftime(&ts, "%S%.3f").expect("ours");
        let polars = ts
            .as_materialized_series()
            .strftime("%S%.3f")
            .expect("polars");
        assert!(ours.as_materialized_series().equals_missing(&polars));
    }

    #[test]
    fn spans_follow_the_finest_field() {
        assert_eq!(Span::of_format("%Y-%m"), Some(Span::Day));
        assert_eq!(Span::of_format("%Y-%m-%d %H"), Some(Span::Hour));
        assert_eq!(Span::of_format("%H:%M"), Some(Span::Minute));
        assert_eq!(Span::of_format("%T"), Some(Span::Second));
        assert_eq!(Span::of_format("%z"), None);
        assert_eq!(Span::of_format("%"), None);
        assert_eq!(Span::of_format("iso"), None);
    }
}
