//! What a vendor's database holds, as `catalog draft` needs it: tables,
//! columns with their database types, primary and foreign keys, row counts,
//! and for short text columns the distinct values per tenant.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::Connection;

use crate::source::quote;

/// One column as the database declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct DbColumn {
    pub name: String,
    /// The declared type, lower case ("integer", "timestamptz", "text").
    pub db_type: String,
    /// A sample value, as text, for sniffing dates stored as text.
    pub sample: Option<String>,
}

/// One table as the database declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct DbTable {
    /// Schema-qualified when not in the default schema.
    pub name: String,
    pub columns: Vec<DbColumn>,
    pub primary_key: Vec<String>,
    /// (column, referenced table, referenced column).
    pub foreign_keys: Vec<(String, String, String)>,
    pub rows: u64,
}

/// Distinct values of a short text column, per tenant.
pub type ValuesByTenant = BTreeMap<String, BTreeSet<String>>;

/// Columns with at most this many distinct values are labels.
pub const LABEL_LIMIT: i64 = 50;

/// The tables of a SQLite file (all, or those named).
pub fn sqlite_tables(c: &Connection, only: &[String]) -> rusqlite::Result<Vec<DbTable>> {
    let mut names: Vec<String> = c
        .prepare(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')
             AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if !only.is_empty() {
        names.retain(|n| only.contains(n));
    }
    let mut out = Vec::new();
    for name in names {
        let q = quote(&name);
        let mut columns = Vec::new();
        let mut pk = Vec::new();
        let mut info = c.prepare(&format!("PRAGMA table_info({q})"))?;
        let rows = info.query_map([], |r| {
            Ok((
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(5)?,
            ))
        })?;
        for row in rows {
            let (col, ty, key) = row?;
            if key > 0 {
                pk.push(col.clone());
            }
            let sample: Option<String> = c
                .query_row(
                    &format!(
                        "SELECT CAST({0} AS TEXT) FROM {q} WHERE {0} IS NOT NULL LIMIT 1",
                        quote(&col)
                    ),
                    [],
                    |r| r.get(0),
                )
                .ok();
            columns.push(DbColumn {
                name: col,
                db_type: ty.to_ascii_lowercase(),
                sample,
            });
        }
        let mut fks = c.prepare(&format!("PRAGMA foreign_key_list({q})"))?;
        let foreign_keys = fks
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            })?
            .filter_map(Result::ok)
            .map(|(from, table, to)| (from, table, to.unwrap_or_default()))
            .collect();
        let rows: i64 = c.query_row(&format!("SELECT COUNT(*) FROM {q}"), [], |r| r.get(0))?;
        out.push(DbTable {
            name,
            columns,
            primary_key: pk,
            foreign_keys,
            rows: rows.max(0) as u64,
        });
    }
    Ok(out)
}

/// Distinct values per tenant of a SQLite column, when it has at most
/// [`LABEL_LIMIT`] distinct values overall.
pub fn sqlite_values(
    c: &Connection,
    table: &str,
    tenant: &str,
    column: &str,
) -> rusqlite::Result<Option<ValuesByTenant>> {
    let (t, col, ten) = (quote(table), quote(column), quote(tenant));
    let n: i64 = c.query_row(&format!("SELECT COUNT(DISTINCT {col}) FROM {t}"), [], |r| {
        r.get(0)
    })?;
    if n > LABEL_LIMIT {
        return Ok(None);
    }
    let mut by = ValuesByTenant::new();
    let mut s = c.prepare(&format!(
        "SELECT DISTINCT CAST({ten} AS TEXT), CAST({col} AS TEXT) FROM {t} WHERE {col} IS NOT NULL"
    ))?;
    for row in s.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (tenant, value) = row?;
        by.entry(tenant).or_default().insert(value);
    }
    Ok(Some(by))
}

/// The tables of a PostgreSQL schema (all, or those named).
pub async fn pg_tables(
    c: &tokio_postgres::Client,
    schema: &str,
    only: &[String],
) -> Result<Vec<DbTable>, tokio_postgres::Error> {
    let names: Vec<String> = c
        .query(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = $1 ORDER BY table_name",
            &[&schema],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .filter(|n: &String| only.is_empty() || only.contains(n))
        .collect();
    let qualify = |n: &str| {
        if schema == "public" {
            n.to_string()
        } else {
            format!("{schema}.{n}")
        }
    };
    let mut out = Vec::new();
    for name in names {
        let rel = format!("{}.{}", quote(schema), quote(&name));
        let columns = c
            .query(
                "SELECT column_name::text, udt_name::text FROM information_schema.columns
                 WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
                &[&schema, &name],
            )
            .await?
            .iter()
            .map(|r| DbColumn {
                name: r.get(0),
                db_type: r.get::<_, String>(1).to_ascii_lowercase(),
                sample: None,
            })
            .collect();
        let primary_key = c
            .query(
                "SELECT a.attname::text FROM pg_index i
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                 WHERE i.indrelid = to_regclass($1) AND i.indisprimary",
                &[&rel],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let foreign_keys = c
            .query(
                "SELECT a.attname::text, ft.relname::text, fa.attname::text
                 FROM pg_constraint k
                 JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
                 JOIN pg_class ft ON ft.oid = k.confrelid
                 JOIN pg_attribute fa ON fa.attrelid = k.confrelid AND fa.attnum = k.confkey[1]
                 WHERE k.contype = 'f' AND k.conrelid = to_regclass($1)
                   AND array_length(k.conkey, 1) = 1",
                &[&rel],
            )
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        let rows: i64 = c
            .query_one(&format!("SELECT COUNT(*) FROM {rel}"), &[])
            .await?
            .get(0);
        out.push(DbTable {
            name: qualify(&name),
            columns,
            primary_key,
            foreign_keys,
            rows: rows.max(0) as u64,
        });
    }
    Ok(out)
}

/// Distinct values per tenant of a PostgreSQL column (see [`sqlite_values`]).
pub async fn pg_values(
    c: &tokio_postgres::Client,
    table: &str,
    tenant: &str,
    column: &str,
) -> Result<Option<ValuesByTenant>, tokio_postgres::Error> {
    let t = table.split('.').map(quote).collect::<Vec<_>>().join(".");
    let (col, ten) = (quote(column), quote(tenant));
    let n: i64 = c
        .query_one(&format!("SELECT COUNT(DISTINCT {col}) FROM {t}"), &[])
        .await?
        .get(0);
    if n > LABEL_LIMIT {
        return Ok(None);
    }
    let mut by = ValuesByTenant::new();
    for r in c
        .query(
            &format!("SELECT DISTINCT {ten}::text, {col}::text FROM {t} WHERE {col} IS NOT NULL"),
            &[],
        )
        .await?
    {
        by.entry(r.get(0)).or_default().insert(r.get(1));
    }
    Ok(Some(by))
}
