//! `DATE_TRUNC('<unit>', x)`: the start of the period an instant falls in.
//!
//! Polars SQL has no DATE_TRUNC, yet it is how most people (and most LLMs)
//! write "by month": `GROUP BY DATE_TRUNC('month', ordered_at)`. The engine's
//! SQL rewrite (after the guard) turns it into [`UDF_NAME`]`(x, '<unit>')`.
//! The result keeps the input's type (a timestamp stays a timestamp of the
//! same unit, a date a date), so grouping on it groups integers, not text.
//!
//! Units up to a day and weeks (ISO: from Monday) are integer arithmetic on
//! each value. Months, quarters and years depend on the calendar: each row is
//! reduced to its day and each distinct day's period start is computed once
//! by chrono, within the same budget of distinct days as STRFTIME
//! ([`crate::strftime::dense_periods`]); beyond it, chrono runs on each row.
//! Timestamps with a time zone are refused with a clear error rather than
//! truncated in UTC.

use polars::prelude::*;

use crate::strftime::{dense_periods, ticks_per_second};

/// The engine's name for DATE_TRUNC; the guard admits no such name in user SQL.
pub const UDF_NAME: &str = "__sw_date_trunc";

/// Days from 0001-01-01 (chrono's day 1 of the common era) to 1970-01-01.
const EPOCH_FROM_CE: i64 = 719_163;

/// A period DATE_TRUNC truncates to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Millisecond,
    Microsecond,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl Unit {
    /// The unit named as in DuckDB or PostgreSQL (`'month'`, `'months'`,
    /// `'MONTH'`, ...).
    pub fn parse(name: &str) -> Option<Unit> {
        let name = name.trim().to_ascii_lowercase();
        let name = match name.as_str() {
            "ms" => "millisecond",
            "us" => "microsecond",
            other => other.strip_suffix('s').unwrap_or(other),
        };
        Some(match name {
            "millisecond" => Unit::Millisecond,
            "microsecond" => Unit::Microsecond,
            "second" => Unit::Second,
            "minute" => Unit::Minute,
            "hour" => Unit::Hour,
            "day" => Unit::Day,
            "week" => Unit::Week,
            "month" => Unit::Month,
            "quarter" => Unit::Quarter,
            "year" => Unit::Year,
            _ => return None,
        })
    }

    /// Length in microseconds of a unit of fixed length up to a day.
    fn fixed_micros(self) -> Option<i64> {
        Some(match self {
            Unit::Microsecond => 1,
            Unit::Millisecond => 1_000,
            Unit::Second => 1_000_000,
            Unit::Minute => 60_000_000,
            Unit::Hour => 3_600_000_000,
            Unit::Day => 86_400_000_000,
            Unit::Week | Unit::Month | Unit::Quarter | Unit::Year => return None,
        })
    }
}

/// The unit names accepted, for error messages.
const UNITS: &str =
    "microsecond, millisecond, second, minute, hour, day, week, month, quarter, year";

pub(crate) struct DateTrunc;

impl ColumnsUdf for DateTrunc {
    fn call_udf(&self, args: &mut [Column]) -> PolarsResult<Column> {
        let [value, unit] = args else {
            polars_bail!(ComputeError: "DATE_TRUNC expects 2 arguments (found {})", args.len())
        };
        let name = unit.str()?.get(0).unwrap_or_default().to_string();
        let Some(unit) = Unit::parse(&name) else {
            polars_bail!(ComputeError: "DATE_TRUNC: unknown unit '{name}' (one of {UNITS})")
        };
        date_trunc(value, unit)
    }
}

impl AnonymousColumnsUdf for DateTrunc {
    fn as_column_udf(self: std::sync::Arc<Self>) -> std::sync::Arc<dyn ColumnsUdf> {
        self
    }

    fn deep_clone(self: std::sync::Arc<Self>) -> std::sync::Arc<dyn AnonymousColumnsUdf> {
        self
    }

    fn get_field(&self, _input_schema: &Schema, fields: &[Field]) -> PolarsResult<Field> {
        let Some(first) = fields.first() else {
            polars_bail!(ComputeError: "DATE_TRUNC expects 2 arguments (found 0)")
        };
        Ok(first.clone())
    }
}

/// The start of each value's period, in the value's own type.
pub fn date_trunc(value: &Column, unit: Unit) -> PolarsResult<Column> {
    let name = value.name().clone();
    match value.dtype() {
        DataType::Datetime(time_unit, None) => {
            let ticks = value.as_materialized_series().datetime()?.physical();
            let per_second = ticks_per_second(*time_unit);
            let truncated = match unit.fixed_micros() {
                // A unit finer than the column's leaves it as it is.
                Some(micros) => {
                    let per = if per_second >= 1_000_000 {
                        micros * (per_second / 1_000_000)
                    } else {
                        (micros / (1_000_000 / per_second)).max(1)
                    };
                    ticks.apply_values(|t| t - t.rem_euclid(per))
                }
                None => by_day(ticks, per_second * 86_400, unit)?,
            };
            Ok(truncated
                .with_name(name)
                .into_datetime(*time_unit, None)
                .into_column())
        }
        DataType::Date => {
            let days = value
                .as_materialized_series()
                .date()?
                .physical()
                .cast(&DataType::Int64)?;
            let truncated = match unit.fixed_micros() {
                Some(_) => days.i64()?.clone(),
                None => by_day(days.i64()?, 1, unit)?,
            };
            truncated
                .with_name(name)
                .into_series()
                .cast(&DataType::Date)
                .map(Column::from)
        }
        DataType::Datetime(_, Some(zone)) => polars_bail!(
            ComputeError: "DATE_TRUNC over a timestamp with time zone {zone} is not supported"
        ),
        other => polars_bail!(
            ComputeError: "DATE_TRUNC expects a date or a timestamp, not {other}"
        ),
    }
}

/// Week, month, quarter or year start of `ticks / per_day`, back in ticks.
fn by_day(ticks: &Int64Chunked, per_day: i64, unit: Unit) -> PolarsResult<Int64Chunked> {
    if unit == Unit::Week {
        // 1970-01-01 was a Thursday: day + 3 counts from a Monday.
        return Ok(ticks.apply_values(|t| {
            let day = t.div_euclid(per_day);
            (day - (day + 3).rem_euclid(7)) * per_day
        }));
    }
    let days = ticks.iter().flatten().map(|t| t.div_euclid(per_day));
    // Each distinct day's period start, found on first sight; with too many
    // days for a table, chrono runs on each row.
    let (lo, mut table): (i64, Vec<Option<i64>>) = match dense_periods(days, ticks.len()) {
        Some((lo, span)) => (lo, vec![None; span]),
        None => (0, Vec::new()),
    };
    let mut starts = Vec::with_capacity(ticks.len());
    for t in ticks.iter() {
        let Some(t) = t else {
            starts.push(None);
            continue;
        };
        let day = t.div_euclid(per_day);
        let start = match table.get_mut(day.abs_diff(lo) as usize) {
            Some(Some(start)) => *start,
            Some(slot) => *slot.insert(period_start(day, unit)?),
            None => period_start(day, unit)?,
        };
        starts.push(Some(start * per_day));
    }
    Ok(Int64Chunked::from_iter_options(
        ticks.name().clone(),
        starts.into_iter(),
    ))
}

/// The first day (since 1970-01-01) of the month, quarter or year of `day`.
fn period_start(day: i64, unit: Unit) -> PolarsResult<i64> {
    use chrono::Datelike;
    let date = i32::try_from(day + EPOCH_FROM_CE)
        .ok()
        .and_then(chrono::NaiveDate::from_num_days_from_ce_opt)
        .ok_or_else(|| polars_err!(ComputeError: "a date is out of range for DATE_TRUNC"))?;
    let month = match unit {
        Unit::Year => 1,
        Unit::Quarter => (date.month0() / 3) * 3 + 1,
        _ => date.month(),
    };
    let start = chrono::NaiveDate::from_ymd_opt(date.year(), month, 1)
        .ok_or_else(|| polars_err!(ComputeError: "a date is out of range for DATE_TRUNC"))?;
    Ok(i64::from(start.num_days_from_ce()) - EPOCH_FROM_CE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instant(text: &str) -> chrono::NaiveDateTime {
        chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").expect("instant")
    }

    fn timestamps(unit: TimeUnit, values: &[Option<&str>]) -> Column {
        let per_second = ticks_per_second(unit);
        let ticks = values.iter().map(|v| {
            v.map(|v| {
                let at = instant(v).and_utc();
                at.timestamp() * per_second
                    + i64::from(at.timestamp_subsec_nanos()) * per_second / 1_000_000_000
            })
        });
        Int64Chunked::from_iter_options("ts".into(), ticks)
            .into_datetime(unit, None)
            .into_column()
    }

    fn texts(column: &Column) -> Vec<Option<String>> {
        let text = column
            .as_materialized_series()
            .strftime("%Y-%m-%d %H:%M:%S")
            .expect("format");
        text.str()
            .expect("text")
            .iter()
            .map(|v| v.map(str::to_string))
            .collect()
    }

    const INSTANTS: [Option<&str>; 6] = [
        Some("2024-02-29 07:05:09"),
        None,
        Some("1969-12-31 23:59:59"),
        Some("2025-12-31 23:30:45"),
        Some("2024-01-01 00:00:00"),
        Some("2025-06-15 12:00:00"),
    ];

    #[test]
    fn each_unit_gives_the_start_of_its_period() {
        // Expected starts of INSTANTS' periods, row for row (None stays None).
        #[rustfmt::skip]
        let cases: [(&str, [&str; 5]); 9] = [
            ("second", ["2024-02-29 07:05:09", "1969-12-31 23:59:59", "2025-12-31 23:30:45", "2024-01-01 00:00:00", "2025-06-15 12:00:00"]),
            ("millisecond", ["2024-02-29 07:05:09", "1969-12-31 23:59:59", "2025-12-31 23:30:45", "2024-01-01 00:00:00", "2025-06-15 12:00:00"]),
            ("minute", ["2024-02-29 07:05:00", "1969-12-31 23:59:00", "2025-12-31 23:30:00", "2024-01-01 00:00:00", "2025-06-15 12:00:00"]),
            ("hour", ["2024-02-29 07:00:00", "1969-12-31 23:00:00", "2025-12-31 23:00:00", "2024-01-01 00:00:00", "2025-06-15 12:00:00"]),
            ("day", ["2024-02-29 00:00:00", "1969-12-31 00:00:00", "2025-12-31 00:00:00", "2024-01-01 00:00:00", "2025-06-15 00:00:00"]),
            // ISO weeks start on Monday.
            ("week", ["2024-02-26 00:00:00", "1969-12-29 00:00:00", "2025-12-29 00:00:00", "2024-01-01 00:00:00", "2025-06-09 00:00:00"]),
            ("month", ["2024-02-01 00:00:00", "1969-12-01 00:00:00", "2025-12-01 00:00:00", "2024-01-01 00:00:00", "2025-06-01 00:00:00"]),
            ("QUARTER", ["2024-01-01 00:00:00", "1969-10-01 00:00:00", "2025-10-01 00:00:00", "2024-01-01 00:00:00", "2025-04-01 00:00:00"]),
            ("years", ["2024-01-01 00:00:00", "1969-01-01 00:00:00", "2025-01-01 00:00:00", "2024-01-01 00:00:00", "2025-01-01 00:00:00"]),
        ];
        for time_unit in [
            TimeUnit::Milliseconds,
            TimeUnit::Microseconds,
            TimeUnit::Nanoseconds,
        ] {
            let ts = timestamps(time_unit, &INSTANTS);
            for (name, expected) in &cases {
                let unit = Unit::parse(name).expect("a unit");
                let out = date_trunc(&ts, unit).expect("truncated");
                assert_eq!(out.dtype(), ts.dtype(), "{name}");
                assert_eq!(out.name(), ts.name(), "{name}");
                let mut expected: Vec<Option<String>> =
                    expected.iter().map(|v| Some(v.to_string())).collect();
                expected.insert(1, None);
                assert_eq!(texts(&out), expected, "{name} {time_unit:?}");
            }
        }
    }

    #[test]
    fn dates_stay_dates_and_wide_spans_agree_with_the_table() {
        let ts = timestamps(TimeUnit::Microseconds, &INSTANTS);
        let dates = ts.cast(&DataType::Date).expect("dates");
        let out = date_trunc(&dates, Unit::Month).expect("months");
        assert_eq!(out.dtype(), &DataType::Date);
        let shown: Vec<Option<String>> = out
            .as_materialized_series()
            .strftime("%Y-%m-%d")
            .expect("format")
            .str()
            .expect("text")
            .iter()
            .map(|v| v.map(str::to_string))
            .collect();
        assert_eq!(
            shown,
            [
                Some("2024-02-01"),
                None,
                Some("1969-12-01"),
                Some("2025-12-01"),
                Some("2024-01-01"),
                Some("2025-06-01")
            ]
            .map(|v| v.map(str::to_string))
        );
        // Days too far apart for the table: chrono on each row, same answer.
        let far = timestamps(
            TimeUnit::Milliseconds,
            &[Some("1700-03-04 05:06:07"), Some("2400-11-30 00:00:00")],
        );
        let out = date_trunc(&far, Unit::Quarter).expect("quarters");
        assert_eq!(
            texts(&out),
            [Some("1700-01-01 00:00:00"), Some("2400-10-01 00:00:00")]
                .map(|v| v.map(str::to_string))
        );
    }

    #[test]
    fn units_parse_and_bad_input_is_an_error() {
        assert_eq!(Unit::parse("Month"), Some(Unit::Month));
        assert_eq!(Unit::parse("days"), Some(Unit::Day));
        assert_eq!(Unit::parse("fortnight"), None);
        let zoned = timestamps(TimeUnit::Microseconds, &INSTANTS).cast(&DataType::Datetime(
            TimeUnit::Microseconds,
            Some(TimeZone::UTC),
        ));
        if let Ok(zoned) = zoned {
            let err = date_trunc(&zoned, Unit::Month).expect_err("zoned");
            assert!(err.to_string().contains("time zone"), "{err}");
        }
        let numbers = Column::new("n".into(), [1i64, 2]);
        let err = date_trunc(&numbers, Unit::Day).expect_err("not a date");
        assert!(err.to_string().contains("date or a timestamp"), "{err}");
    }
}
