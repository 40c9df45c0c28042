//! Where a catalog table's rows come from: the vendor's database, read for
//! one tenant, column by column into Arrow batches.
//!
//! One trait, one implementation per database (`source_sqlite`,
//! `source_pg`). Both run the same SELECT of the catalog's columns over the
//! table's source for one tenant, and feed each row's cells to a
//! [`BatchBuilder`], which knows the catalog's types and nothing of any
//! dataset. A value that does not fit its column's type is an error naming
//! the table, column and value type, never a guess.

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, DictionaryArray, Int32Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use rustc_hash::FxHashMap;
use slicewise_core::catalog::{ColumnDef, ColumnType, TableDef, TenantRegistry};

/// Rows per record batch: server memory per table in flight follows this.
pub const BATCH_ROWS: usize = 65_536;

/// Why a table could not be read for a tenant.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SourceError {
    /// The database could not be reached or refused the query (the detail is for the log).
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The table's source no longer matches the catalog (a column dropped or renamed).
    #[error("table {table} no longer matches the catalog: {detail}")]
    Changed { table: String, detail: String },
    /// The database did not bind the transaction to its tenant: its tenant
    /// binding (`slicewise pg setup`) is missing or holds another key.
    #[error("tenant binding refused: {0}")]
    TenantBinding(String),
    /// A value of a type the catalog's column cannot hold.
    #[error("{table}.{column}: {detail}")]
    BadValue {
        table: String,
        column: String,
        detail: String,
    },
}

impl SourceError {
    /// A stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            SourceError::Unavailable(_) => "database_unavailable",
            SourceError::Changed { .. } => "source_changed",
            SourceError::BadValue { .. } => "source_bad_value",
            SourceError::TenantBinding(_) => "database_tenant_binding",
        }
    }
}

/// The SELECT of a table's catalog columns (each written by `column`) for
/// one tenant, whose column `tenant` writes and compares with `param`, in
/// primary-key order: both databases' reads.
pub fn select_sql(
    table: &TableDef,
    column: impl Fn(&ColumnDef) -> String,
    tenant: impl Fn(&str) -> String,
    param: &str,
) -> String {
    let columns: Vec<String> = table.columns.iter().map(column).collect();
    let tenant_column = table.tenant_column.as_deref().unwrap_or("tenant_id");
    // Without a key, every column orders the rows: the same rows give the
    // same bytes (and hash) whichever database or plan reads them.
    let order = match table.primary_key.as_deref() {
        Some(k) => format!(" ORDER BY s.{}", quote(k)),
        None => {
            let all: Vec<String> = (1..=columns.len()).map(|i| i.to_string()).collect();
            format!(" ORDER BY {}", all.join(", "))
        }
    };
    format!(
        "SELECT {} FROM {} WHERE {} = {param}{order}",
        columns.join(", "),
        from_item(table),
        tenant(&format!("s.{}", quote(tenant_column)))
    )
}

/// The SELECT of a tenant's tier in the vendor's registry (`?1` / `$1`, the
/// placeholder given): a row when the tenant exists.
pub fn tier_sql(reg: &TenantRegistry, placeholder: &str) -> String {
    let tier = reg
        .tier_column
        .as_deref()
        .map(|c| format!("CAST(s.{} AS TEXT)", quote(c)))
        .unwrap_or_else(|| "CAST(NULL AS TEXT)".into());
    format!(
        "SELECT {tier} FROM {} WHERE CAST(s.{} AS TEXT) = {placeholder} LIMIT 1",
        from_source(&reg.source),
        quote(&reg.id_column)
    )
}

/// The SELECT of the first tenants of the vendor's registry, by id.
pub fn tenants_sql(reg: &TenantRegistry, limit: usize) -> String {
    let id = quote(&reg.id_column);
    format!(
        "SELECT CAST(s.{id} AS TEXT) FROM {} ORDER BY s.{id} LIMIT {limit}",
        from_source(&reg.source)
    )
}

/// The rows of a catalog table for one tenant, as Arrow batches.
pub trait TableSource {
    /// The first `limit` tenant ids of the vendor's registry (for the demo
    /// page; under PostgreSQL's row policies the role sees none).
    fn list_tenants(
        &self,
        registry: &TenantRegistry,
        limit: usize,
    ) -> impl std::future::Future<Output = Result<Vec<String>, SourceError>> + Send;

    /// Looks a tenant up in the vendor's registry: `None` when it is not
    /// there, else its tier's name when the registry has one.
    fn tenant_tier(
        &self,
        registry: &TenantRegistry,
        tenant: &str,
    ) -> impl std::future::Future<Output = Result<Option<Option<String>>, SourceError>> + Send;

    /// Reads every row of `table` whose tenant column equals `tenant`, in
    /// primary-key order, handing each batch of at most [`BATCH_ROWS`] rows
    /// to `sink` as it fills.
    fn read_table(
        &self,
        table: &TableDef,
        tenant: &str,
        sink: &mut (dyn FnMut(RecordBatch) -> Result<(), SourceError> + Send),
    ) -> impl std::future::Future<Output = Result<(), SourceError>> + Send;
}

/// How a source quotes an identifier (both databases use double quotes).
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The FROM item of a table: its source as a quoted name, or a read-only
/// SELECT in parentheses.
pub fn from_item(table: &TableDef) -> String {
    from_source(table.source_or_name())
}

/// The FROM item of a source: a quoted (`schema.`)name, or a SELECT in parentheses.
pub fn from_source(source: &str) -> String {
    let source = source.trim();
    let is_select = source
        .split_whitespace()
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("select") || w.eq_ignore_ascii_case("with"));
    if is_select {
        format!("({source}) AS s")
    } else {
        // `schema.table` stays two quoted parts.
        let parts: Vec<String> = source.split('.').map(quote).collect();
        format!("{} AS s", parts.join("."))
    }
}

/// The Arrow type a catalog column is sent as.
pub fn arrow_type(c: &ColumnDef) -> DataType {
    match c.column_type {
        ColumnType::Int => DataType::Int64,
        ColumnType::Float => DataType::Float64,
        ColumnType::Text if c.dictionary => {
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
        }
        ColumnType::Text => DataType::Utf8,
        ColumnType::Bool => DataType::Boolean,
        ColumnType::Date => DataType::Date32,
        ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
    }
}

/// The Arrow schema of a catalog table's extract.
pub fn arrow_schema(table: &TableDef) -> SchemaRef {
    Arc::new(Schema::new(
        table
            .columns
            .iter()
            .map(|c| Field::new(&c.name, arrow_type(c), true))
            .collect::<Vec<_>>(),
    ))
}

/// One cell as a source reads it, before the catalog's type is applied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Null,
    Int(i64),
    Float(f64),
    Text(&'a str),
    Bool(bool),
    /// Days since 1970-01-01.
    Date(i32),
    /// Microseconds since the epoch, UTC.
    Timestamp(i64),
}

impl Cell<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Cell::Null => "null",
            Cell::Int(_) => "an integer",
            Cell::Float(_) => "a number",
            Cell::Text(_) => "text",
            Cell::Bool(_) => "a boolean",
            Cell::Date(_) => "a date",
            Cell::Timestamp(_) => "a timestamp",
        }
    }
}

/// A label column's dictionary: each distinct value once per table. Every
/// batch carries the values seen so far, so keys stay valid across batches.
#[derive(Debug, Default)]
struct Labels {
    index: FxHashMap<String, i32>,
    values: Vec<String>,
    keys: Vec<Option<i32>>,
}

impl Labels {
    fn push(&mut self, v: Option<&str>) -> Result<(), String> {
        let key = match v {
            None => None,
            Some(s) => Some(match self.index.get(s) {
                Some(k) => *k,
                None => {
                    let k = i32::try_from(self.values.len())
                        .map_err(|_| "over 2^31 distinct values".to_string())?;
                    self.index.insert(s.to_string(), k);
                    self.values.push(s.to_string());
                    k
                }
            }),
        };
        self.keys.push(key);
        Ok(())
    }

    fn finish(&mut self) -> Result<ArrayRef, String> {
        let keys = Int32Array::from(std::mem::take(&mut self.keys));
        let values = StringArray::from_iter_values(self.values.iter());
        DictionaryArray::<Int32Type>::try_new(keys, Arc::new(values))
            .map(|a| Arc::new(a) as ArrayRef)
            .map_err(|e| e.to_string())
    }
}

enum Column {
    Int(Int64Builder),
    Float(Float64Builder, f64),
    Text(StringBuilder),
    Labels(Labels),
    Bool(BooleanBuilder),
    Date(Date32Builder),
    Timestamp(TimestampMicrosecondBuilder),
}

/// Fills Arrow columns of one catalog table from cells, row by row.
pub struct BatchBuilder<'t> {
    table: &'t TableDef,
    schema: SchemaRef,
    columns: Vec<Column>,
    rows: usize,
}

impl<'t> BatchBuilder<'t> {
    /// An empty builder for `table`'s columns.
    pub fn new(table: &'t TableDef) -> BatchBuilder<'t> {
        let columns = table
            .columns
            .iter()
            .map(|c| match c.column_type {
                ColumnType::Int => Column::Int(Int64Builder::new()),
                ColumnType::Float => Column::Float(Float64Builder::new(), c.scale.unwrap_or(1.0)),
                ColumnType::Text if c.dictionary => Column::Labels(Labels::default()),
                ColumnType::Text => Column::Text(StringBuilder::new()),
                ColumnType::Bool => Column::Bool(BooleanBuilder::new()),
                ColumnType::Date => Column::Date(Date32Builder::new()),
                ColumnType::Timestamp => Column::Timestamp(TimestampMicrosecondBuilder::new()),
            })
            .collect();
        BatchBuilder {
            table,
            schema: arrow_schema(table),
            columns,
            rows: 0,
        }
    }

    /// Rows appended since the last batch.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Appends cell `i` of the current row (columns in catalog order).
    pub fn push(&mut self, i: usize, cell: Cell<'_>) -> Result<(), SourceError> {
        let bad = |detail: String| SourceError::BadValue {
            table: self.table.name.clone(),
            column: self
                .table
                .columns
                .get(i)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            detail,
        };
        let wrong = |want: &str| bad(format!("expected {want}, found {}", cell.kind()));
        let Some(column) = self.columns.get_mut(i) else {
            return Err(bad("more cells than columns".into()));
        };
        match (column, cell) {
            (Column::Int(b), Cell::Null) => b.append_null(),
            (Column::Int(b), Cell::Int(v)) => b.append_value(v),
            (Column::Int(b), Cell::Float(v)) if v.fract() == 0.0 && v.abs() < 9e15 => {
                b.append_value(v as i64)
            }
            (Column::Int(b), Cell::Text(s)) => {
                b.append_value(s.trim().parse().map_err(|_| wrong("an integer"))?)
            }
            (Column::Int(_), _) => return Err(wrong("an integer")),
            (Column::Float(b, _), Cell::Null) => b.append_null(),
            (Column::Float(b, scale), Cell::Int(v)) => b.append_value(v as f64 / *scale),
            (Column::Float(b, scale), Cell::Float(v)) => b.append_value(v / *scale),
            (Column::Float(b, scale), Cell::Text(s)) => {
                let v: f64 = s.trim().parse().map_err(|_| wrong("a number"))?;
                b.append_value(v / *scale)
            }
            (Column::Float(..), _) => return Err(wrong("a number")),
            (Column::Text(b), Cell::Null) => b.append_null(),
            (Column::Text(b), Cell::Text(s)) => b.append_value(s),
            (Column::Text(b), Cell::Int(v)) => b.append_value(v.to_string()),
            (Column::Text(b), Cell::Float(v)) => b.append_value(v.to_string()),
            (Column::Text(_), _) => return Err(wrong("text")),
            (Column::Labels(l), Cell::Null) => l.push(None).map_err(bad)?,
            (Column::Labels(l), Cell::Text(s)) => l.push(Some(s)).map_err(bad)?,
            (Column::Labels(l), Cell::Int(v)) => l.push(Some(&v.to_string())).map_err(bad)?,
            (Column::Labels(_), _) => return Err(wrong("text")),
            (Column::Bool(b), Cell::Null) => b.append_null(),
            (Column::Bool(b), Cell::Bool(v)) => b.append_value(v),
            (Column::Bool(b), Cell::Int(v @ (0 | 1))) => b.append_value(v == 1),
            (Column::Bool(b), Cell::Text(s)) => {
                b.append_value(parse_bool(s).ok_or_else(|| wrong("a boolean"))?)
            }
            (Column::Bool(_), _) => return Err(wrong("a boolean")),
            (Column::Date(b), Cell::Null) => b.append_null(),
            (Column::Date(b), Cell::Date(d)) => b.append_value(d),
            (Column::Date(b), Cell::Timestamp(t)) => b.append_value(days_of(t)),
            (Column::Date(b), Cell::Text(s)) => {
                let t = parse_timestamp(s).ok_or_else(|| wrong("a date (YYYY-MM-DD)"))?;
                b.append_value(days_of(t))
            }
            (Column::Date(_), _) => return Err(wrong("a date")),
            (Column::Timestamp(b), Cell::Null) => b.append_null(),
            (Column::Timestamp(b), Cell::Timestamp(t)) => b.append_value(t),
            (Column::Timestamp(b), Cell::Date(d)) => b.append_value(i64::from(d) * 86_400_000_000),
            (Column::Timestamp(b), Cell::Text(s)) => b.append_value(
                parse_timestamp(s).ok_or_else(|| wrong("a timestamp (YYYY-MM-DD HH:MM:SS)"))?,
            ),
            (Column::Timestamp(b), Cell::Int(secs)) => {
                b.append_value(secs.saturating_mul(1_000_000))
            }
            (Column::Timestamp(_), _) => return Err(wrong("a timestamp")),
        }
        if i + 1 == self.columns.len() {
            self.rows += 1;
        }
        Ok(())
    }

    /// The rows appended so far as one batch; the builder starts afresh.
    pub fn finish(&mut self) -> Result<RecordBatch, SourceError> {
        let table = self.table.name.clone();
        let arrays = self
            .columns
            .iter_mut()
            .map(|c| match c {
                Column::Int(b) => Ok(Arc::new(b.finish()) as ArrayRef),
                Column::Float(b, _) => Ok(Arc::new(b.finish()) as ArrayRef),
                Column::Text(b) => Ok(Arc::new(b.finish()) as ArrayRef),
                Column::Labels(l) => l.finish(),
                Column::Bool(b) => Ok(Arc::new(b.finish()) as ArrayRef),
                Column::Date(b) => Ok(Arc::new(b.finish()) as ArrayRef),
                Column::Timestamp(b) => Ok(Arc::new(b.finish()) as ArrayRef),
            })
            .collect::<Result<Vec<_>, String>>()
            .map_err(|detail| SourceError::Changed {
                table: table.clone(),
                detail,
            })?;
        self.rows = 0;
        RecordBatch::try_new(self.schema.clone(), arrays).map_err(|e| SourceError::Changed {
            table,
            detail: e.to_string(),
        })
    }
}

/// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` and `YYYY-MM-DDTHH:MM:SS` without a
/// fraction or zone: the common shapes, read without allocating (an
/// extract reads millions of them).
fn parse_iso_fast(b: &[u8]) -> Option<i64> {
    if !(b.len() == 10 || b.len() == 19) || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |s: &[u8]| -> Option<i64> {
        s.iter().try_fold(0i64, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    let (y, m, d) = (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut secs = days_from_civil(y, m, d) * 86_400;
    if b.len() == 19 {
        if !(b[10] == b' ' || b[10] == b'T') || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let (h, mi, se) = (num(&b[11..13])?, num(&b[14..16])?, num(&b[17..19])?);
        if h > 23 || mi > 59 || se > 60 {
            return None;
        }
        secs += h * 3600 + mi * 60 + se;
    }
    Some(secs * 1_000_000)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "t" | "true" | "yes" | "y" => Some(true),
        "0" | "f" | "false" | "no" | "n" => Some(false),
        _ => None,
    }
}

fn days_of(micros: i64) -> i32 {
    i32::try_from(micros.div_euclid(86_400_000_000)).unwrap_or(i32::MAX)
}

/// Parses `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS[.ffffff]` (or with `T`, and a
/// trailing `Z` or `+00:00` offset applied) into microseconds since the epoch.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let s = text.trim();
    if let Some(t) = parse_iso_fast(s.as_bytes()) {
        return Some(t);
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_micros());
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(&s.replacen(' ', "T", 1)) {
        return Some(t.timestamp_micros());
    }
    for f in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Some(t.and_utc().timestamp_micros());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float64Type, TimestampMicrosecondType};
    use chrono::Datelike;
    use slicewise_core::Catalog;

    fn catalog() -> Catalog {
        Catalog::demo()
    }

    #[test]
    fn from_items_quote_names_and_wrap_selects() {
        let mut t = catalog().tables[0].clone();
        t.source = Some("sales.order_lines".into());
        assert_eq!(from_item(&t), "\"sales\".\"order_lines\" AS s");
        t.source = Some("select * from x where not deleted".into());
        assert_eq!(from_item(&t), "(select * from x where not deleted) AS s");
        t.source = None;
        assert_eq!(from_item(&t), "\"orders\" AS s");
    }

    #[test]
    fn cells_become_the_catalog_types_and_scaled_money_becomes_units() {
        let mut t = catalog().table("orders").expect("orders").clone();
        t.columns
            .retain(|c| ["amount", "status", "ordered_at"].contains(&c.name.as_str()));
        let amount = t
            .columns
            .iter()
            .position(|c| c.name == "amount")
            .expect("amount");
        t.columns[amount].scale = Some(100.0);
        let mut b = BatchBuilder::new(&t);
        let ts = t
            .columns
            .iter()
            .position(|c| c.name == "ordered_at")
            .expect("ts");
        let status = t
            .columns
            .iter()
            .position(|c| c.name == "status")
            .expect("status");
        for (cents, s, when) in [
            (1999, "completed", "2025-03-01 10:00:00"),
            (500, "refunded", "2025-03-02T00:00:00Z"),
        ] {
            let mut cells = vec![Cell::Null; 3];
            cells[amount] = Cell::Int(cents);
            cells[status] = Cell::Text(s);
            cells[ts] = Cell::Text(when);
            for (i, c) in cells.into_iter().enumerate() {
                b.push(i, c).expect("fits");
            }
        }
        assert_eq!(b.rows(), 2);
        let batch = b.finish().expect("batch");
        let a = batch.column(amount).as_primitive::<Float64Type>();
        assert_eq!((a.value(0), a.value(1)), (19.99, 5.0));
        let w = batch.column(ts).as_primitive::<TimestampMicrosecondType>();
        assert_eq!(w.value(1) - w.value(0), 14 * 3_600_000_000);
        assert!(matches!(
            batch.schema().field(status).data_type(),
            DataType::Dictionary(..)
        ));
        assert_eq!(b.rows(), 0);
    }

    #[test]
    fn a_value_of_the_wrong_type_names_table_and_column() {
        let t = catalog().table("customers").expect("customers").clone();
        let signup = t
            .columns
            .iter()
            .position(|c| c.name == "signup_date")
            .expect("date");
        let mut b = BatchBuilder::new(&t);
        let e = b
            .push(signup, Cell::Text("last tuesday"))
            .expect_err("not a date");
        assert_eq!(e.code(), "source_bad_value");
        assert!(
            e.to_string()
                .starts_with("customers.signup_date: expected a date"),
            "{e}"
        );
    }

    #[test]
    fn dictionaries_keep_keys_across_batches() {
        let mut t = catalog().table("orders").expect("orders").clone();
        t.columns.retain(|c| c.name == "channel");
        let mut b = BatchBuilder::new(&t);
        b.push(0, Cell::Text("web")).expect("ok");
        let first = b.finish().expect("first");
        b.push(0, Cell::Text("store")).expect("ok");
        b.push(0, Cell::Text("web")).expect("ok");
        b.push(0, Cell::Null).expect("ok");
        let second = b.finish().expect("second");
        let d = second.column(0).as_dictionary::<Int32Type>();
        let values = d.values().as_string::<i32>();
        let labels: Vec<_> = d
            .keys()
            .iter()
            .map(|k| k.map(|k| values.value(k as usize)))
            .collect();
        assert_eq!(labels, [Some("store"), Some("web"), None]);
        assert_eq!(
            first.column(0).as_dictionary::<Int32Type>().values().len(),
            1
        );
    }

    #[test]
    fn timestamps_parse_in_the_usual_shapes() {
        let base = parse_timestamp("2025-01-02 03:04:05").expect("plain");
        assert_eq!(parse_timestamp("2025-01-02T03:04:05"), Some(base));
        assert_eq!(parse_timestamp("2025-01-02T03:04:05Z"), Some(base));
        assert_eq!(parse_timestamp("2025-01-02 05:04:05+02:00"), Some(base));
        assert_eq!(
            parse_timestamp("2025-01-02 03:04:05.5"),
            Some(base + 500_000)
        );
        assert_eq!(parse_timestamp("2025-01-02"), Some(base - 11_045_000_000));
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_timestamp("2025-13-02"), None);
        assert_eq!(parse_timestamp("1969-12-31 23:59:59"), Some(-1_000_000));
        // The fast path agrees with chrono on every day of a leap year.
        let mut d = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
        while d.year() == 2024 {
            let text = d.format("%Y-%m-%d 12:34:56").to_string();
            let want = d
                .and_hms_opt(12, 34, 56)
                .expect("t")
                .and_utc()
                .timestamp_micros();
            assert_eq!(parse_iso_fast(text.as_bytes()), Some(want), "{text}");
            d = d.succ_opt().expect("next");
        }
    }
}

/// The vendor's database, whichever it is.
#[derive(Debug, Clone)]
pub enum DataSource {
    Sqlite(crate::source_sqlite::SqliteSource),
    Postgres(crate::source_pg::PgSource),
}

impl DataSource {
    /// The source with its PostgreSQL reads bound to their tenant by `key`
    /// unless they already have a key (SQLite needs none).
    pub fn with_binding_key(self, key: &[u8]) -> DataSource {
        match self {
            DataSource::Postgres(p) if !p.has_binding_key() => {
                DataSource::Postgres(p.with_binding_key(key))
            }
            other => other,
        }
    }

    /// Its connections, for the metrics.
    pub fn connections(&self) -> &crate::metrics::DbConnections {
        match self {
            DataSource::Sqlite(s) => s.connections(),
            DataSource::Postgres(p) => p.connections(),
        }
    }

    /// The source keeping at most `size` connections open (before any is used).
    pub fn with_pool_size(self, size: usize) -> DataSource {
        match self {
            DataSource::Sqlite(s) => DataSource::Sqlite(s.with_pool_size(size)),
            DataSource::Postgres(p) => DataSource::Postgres(p.with_pool_size(size)),
        }
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), SourceError> {
        match self {
            DataSource::Sqlite(s) => s.ping().await,
            DataSource::Postgres(p) => p.ping().await,
        }
    }
}

impl TableSource for DataSource {
    async fn list_tenants(
        &self,
        registry: &TenantRegistry,
        limit: usize,
    ) -> Result<Vec<String>, SourceError> {
        match self {
            DataSource::Sqlite(s) => s.list_tenants(registry, limit).await,
            DataSource::Postgres(p) => p.list_tenants(registry, limit).await,
        }
    }

    async fn tenant_tier(
        &self,
        registry: &TenantRegistry,
        tenant: &str,
    ) -> Result<Option<Option<String>>, SourceError> {
        match self {
            DataSource::Sqlite(s) => s.tenant_tier(registry, tenant).await,
            DataSource::Postgres(p) => p.tenant_tier(registry, tenant).await,
        }
    }

    async fn read_table(
        &self,
        table: &TableDef,
        tenant: &str,
        sink: &mut (dyn FnMut(RecordBatch) -> Result<(), SourceError> + Send),
    ) -> Result<(), SourceError> {
        match self {
            DataSource::Sqlite(s) => s.read_table(table, tenant, sink).await,
            DataSource::Postgres(p) => p.read_table(table, tenant, sink).await,
        }
    }
}
