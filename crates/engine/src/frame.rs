//! Polars frames to the compact columnar result the widget renders.

use polars::prelude::*;
use slicewise_core::result::{ColumnValues, ResultColumn, ResultType};
use slicewise_core::QueryResult;

/// Converts at most `limit` rows of a frame; `df` may hold one more row,
/// which marks the result as truncated.
pub fn to_query_result(df: &DataFrame, limit: usize, elapsed_ms: f64) -> PolarsResult<QueryResult> {
    let truncated = df.height() > limit;
    let df = if truncated {
        df.head(Some(limit))
    } else {
        df.clone()
    };
    let mut columns = Vec::with_capacity(df.width());
    for column in df.get_columns() {
        let series = column.as_materialized_series();
        columns.push(to_result_column(series)?);
    }
    Ok(QueryResult {
        columns,
        rows: df.height(),
        total_rows: if truncated { limit + 1 } else { df.height() },
        truncated,
        elapsed_ms,
    })
}

fn to_result_column(series: &Series) -> PolarsResult<ResultColumn> {
    let name = series.name().to_string();
    let (result_type, values) = match series.dtype() {
        dt if dt.is_integer() => (ResultType::Int, numbers(series)?),
        dt if dt.is_float() => (ResultType::Float, numbers(series)?),
        DataType::Boolean => (
            ResultType::Bool,
            ColumnValues::Bool(series.bool()?.into_iter().collect()),
        ),
        DataType::Date => (ResultType::Date, texts(&series.cast(&DataType::String)?)?),
        DataType::Datetime(_, _) => (
            ResultType::Timestamp,
            texts(
                &series
                    .datetime()?
                    .to_string("%Y-%m-%d %H:%M:%S")?
                    .into_series(),
            )?,
        ),
        _ => (ResultType::Text, texts(&series.cast(&DataType::String)?)?),
    };
    Ok(ResultColumn {
        name,
        result_type,
        values,
    })
}

fn numbers(series: &Series) -> PolarsResult<ColumnValues> {
    let floats = series.cast(&DataType::Float64)?;
    Ok(ColumnValues::Number(floats.f64()?.into_iter().collect()))
}

fn texts(series: &Series) -> PolarsResult<ColumnValues> {
    Ok(ColumnValues::Text(
        series
            .str()?
            .into_iter()
            .map(|v| v.map(str::to_string))
            .collect(),
    ))
}
