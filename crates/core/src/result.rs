//! A query result in a compact columnar form, as the engine hands it to the UI.
//!
//! It stays in the browser: the engine worker produces it and the widget
//! renders it; it is never part of a request.

use serde::{Deserialize, Serialize};

/// A result table with its timing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct QueryResult {
    pub columns: Vec<ResultColumn>,
    /// Rows held here (at most the display limit).
    pub rows: usize,
    /// Rows the query produced before truncation.
    pub total_rows: usize,
    /// Whether rows were cut to the display limit.
    pub truncated: bool,
    /// Time the engine took, in milliseconds.
    pub elapsed_ms: f64,
}

/// What kind of values a result column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultType {
    Int,
    Float,
    Text,
    Bool,
    Date,
    Timestamp,
}

/// One result column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultColumn {
    pub name: String,
    #[serde(rename = "type")]
    pub result_type: ResultType,
    pub values: ColumnValues,
}

/// A column's values: numbers as f64, text (and dates as ISO text) as strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum ColumnValues {
    Number(Vec<Option<f64>>),
    Text(Vec<Option<String>>),
    Bool(Vec<Option<bool>>),
}

impl ColumnValues {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            ColumnValues::Number(v) => v.len(),
            ColumnValues::Text(v) => v.len(),
            ColumnValues::Bool(v) => v.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value at `row` as display text (empty for null).
    pub fn text_at(&self, row: usize) -> String {
        match self {
            ColumnValues::Number(v) => v
                .get(row)
                .copied()
                .flatten()
                .map(|x| x.to_string())
                .unwrap_or_default(),
            ColumnValues::Text(v) => v.get(row).cloned().flatten().unwrap_or_default(),
            ColumnValues::Bool(v) => v
                .get(row)
                .copied()
                .flatten()
                .map(|b| b.to_string())
                .unwrap_or_default(),
        }
    }

    /// The value at `row` as a number, if it is one.
    pub fn number_at(&self, row: usize) -> Option<f64> {
        match self {
            ColumnValues::Number(v) => v.get(row).copied().flatten(),
            _ => None,
        }
    }
}

impl ResultColumn {
    /// Whether the column holds numbers a chart can measure.
    pub fn is_numeric(&self) -> bool {
        matches!(self.result_type, ResultType::Int | ResultType::Float)
    }

    /// Whether the column holds dates or timestamps.
    pub fn is_temporal(&self) -> bool {
        matches!(self.result_type, ResultType::Date | ResultType::Timestamp)
    }
}

impl QueryResult {
    /// A whole result of these columns (none cut, no time taken).
    pub fn of_columns(columns: Vec<ResultColumn>) -> QueryResult {
        let rows = columns.first().map_or(0, |c| c.values.len());
        QueryResult {
            columns,
            rows,
            total_rows: rows,
            truncated: false,
            elapsed_ms: 0.0,
        }
    }

    /// The column of that name.
    pub fn column(&self, name: &str) -> Option<&ResultColumn> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The result as CSV (RFC 4180 quoting), header first.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let header: Vec<String> = self.columns.iter().map(|c| csv_field(&c.name)).collect();
        out.push_str(&header.join(","));
        out.push_str("\r\n");
        for row in 0..self.rows {
            let line: Vec<String> = self
                .columns
                .iter()
                .map(|c| csv_field(&c.values.text_at(row)))
                .collect();
            out.push_str(&line.join(","));
            out.push_str("\r\n");
        }
        out
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let r = QueryResult {
            columns: vec![
                ResultColumn {
                    name: "name".into(),
                    result_type: ResultType::Text,
                    values: ColumnValues::Text(vec![Some("a, \"b\"".into()), None]),
                },
                ResultColumn {
                    name: "n".into(),
                    result_type: ResultType::Int,
                    values: ColumnValues::Number(vec![Some(3.0), Some(2.5)]),
                },
            ],
            rows: 2,
            total_rows: 2,
            truncated: false,
            elapsed_ms: 1.0,
        };
        assert_eq!(r.to_csv(), "name,n\r\n\"a, \"\"b\"\"\",3\r\n,2.5\r\n");
    }
}
