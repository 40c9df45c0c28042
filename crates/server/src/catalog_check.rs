//! `slicewise catalog check` against the vendor's database: every table's
//! source and columns exist with a type the catalog's can be read from, the
//! tenant column is there, and on PostgreSQL row-level security is forced.

use slicewise_core::catalog::{Catalog, ColumnType, TableDef};
use slicewise_core::catalog_file::{CatalogProblem, FieldPath, Report};

use crate::source::DataSource;
use crate::source::{from_item, quote};

/// The catalog file's JSON Schema, pretty-printed.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Catalog);
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

/// A source column as the database describes it: its name and type name.
type Described = Vec<(String, String)>;

/// Whether a database type name can be read as a catalog type.
fn compatible(t: ColumnType, db: &str) -> bool {
    let db = db.to_ascii_lowercase();
    let any = |names: &[&str]| names.iter().any(|n| db.contains(n));
    match t {
        ColumnType::Int => any(&["int", "serial", "numeric", "decimal"]) || db.is_empty(),
        ColumnType::Float => {
            any(&[
                "real", "float", "double", "numeric", "decimal", "int", "money",
            ]) || db.is_empty()
        }
        ColumnType::Text => {
            any(&["text", "char", "clob", "uuid", "name", "citext"]) || db.is_empty()
        }
        ColumnType::Bool => any(&["bool", "int"]) || db.is_empty(),
        ColumnType::Date | ColumnType::Timestamp => {
            any(&["date", "time", "text", "char"]) || db.is_empty()
        }
    }
}

/// Compares one table's catalog columns with what its source returns.
fn compare(t: &TableDef, described: &Described, r: &mut Report, at: &FieldPath) {
    let find = |name: &str| described.iter().find(|(n, _)| n == name);
    if let Some(tc) = &t.tenant_column {
        if find(tc).is_none() {
            r.error(
                &at.key("tenant_column"),
                format!("the source of {} has no column {tc}", t.name),
            );
        }
    }
    for (ci, c) in t.columns.iter().enumerate() {
        let cat = at.key("columns").at(ci);
        match find(&c.name) {
            None => r.error(
                &cat.key("name"),
                format!(
                    "the source of {} has no column {}; found: {}",
                    t.name,
                    c.name,
                    described
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            Some((_, db)) if !compatible(c.column_type, db) => r.error(
                &cat.key("type"),
                format!(
                    "{}.{} is {db} in the database; it cannot be read as {}",
                    t.name,
                    c.name,
                    c.column_type.as_str()
                ),
            ),
            Some(_) => {}
        }
    }
}

fn describe_sqlite(path: &std::path::Path, t: &TableDef) -> Result<Described, String> {
    let conn = crate::source_sqlite::SqliteSource::open(path).map_err(|e| e.to_string())?;
    let stmt = conn
        .prepare(&format!("SELECT * FROM {} LIMIT 0", from_item(t)))
        .map_err(|e| e.to_string())?;
    Ok(stmt
        .columns()
        .iter()
        .map(|c| {
            (
                c.name().to_string(),
                c.decl_type().unwrap_or_default().to_string(),
            )
        })
        .collect())
}

async fn describe_pg(client: &tokio_postgres::Client, t: &TableDef) -> Result<Described, String> {
    let stmt = client
        .prepare(&format!("SELECT * FROM {} LIMIT 0", from_item(t)))
        .await
        .map_err(|e| e.to_string())?;
    Ok(stmt
        .columns()
        .iter()
        .map(|c| (c.name().to_string(), c.type_().name().to_string()))
        .collect())
}

/// Whether row-level security is enabled and forced on a PostgreSQL table.
async fn pg_forced_rls(client: &tokio_postgres::Client, t: &TableDef) -> Option<bool> {
    let source = t.source_or_name();
    if source.split_whitespace().count() > 1 {
        return None; // a SELECT: the policies are on the tables it reads
    }
    let name = source.split('.').map(quote).collect::<Vec<_>>().join(".");
    let row = client
        .query_opt(
            "SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE oid = to_regclass($1)",
            &[&name],
        )
        .await
        .ok()??;
    row.try_get::<_, bool>(0).ok()
}

/// Every problem of the catalog's tables in the database.
pub async fn against_database(
    catalog: &Catalog,
    source: &DataSource,
    text: &str,
    file: &str,
) -> Vec<CatalogProblem> {
    let mut r = Report::new(file, text);
    let root = FieldPath::default();
    let pg = match source {
        DataSource::Postgres(p) => match crate::pg::connect(p.url()).await {
            Ok(c) => Some(c),
            Err(e) => {
                r.error(
                    &root.key("tables"),
                    format!("cannot connect to PostgreSQL: {e}"),
                );
                return r.finish();
            }
        },
        DataSource::Sqlite(_) => None,
    };
    for (ti, t) in catalog.tables.iter().enumerate() {
        let at = root.key("tables").at(ti);
        let described = match (source, &pg) {
            (DataSource::Sqlite(s), _) => describe_sqlite(s.path(), t),
            (_, Some(client)) => describe_pg(client, t).await,
            _ => continue,
        };
        match described {
            Err(e) => r.error(
                &at.key(if t.source.is_some() { "source" } else { "name" }),
                format!(
                    "cannot read {} from the database ({e}); set source to its table, view or SELECT",
                    t.source_or_name()
                ),
            ),
            Ok(d) => compare(t, &d, &mut r, &at),
        }
        if let Some(client) = &pg {
            if pg_forced_rls(client, t).await == Some(false) {
                r.error(
                    &at.key("source"),
                    format!(
                        "{} has no forced row-level security; run `slicewise pg setup` \
                         or ALTER TABLE ... ENABLE and FORCE ROW LEVEL SECURITY with a tenant policy",
                        t.source_or_name()
                    ),
                );
            }
        }
    }
    r.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_map_to_what_the_catalog_can_read() {
        assert!(compatible(ColumnType::Int, "INTEGER"));
        assert!(compatible(ColumnType::Int, "int8"));
        assert!(!compatible(ColumnType::Int, "text"));
        assert!(compatible(ColumnType::Float, "numeric"));
        assert!(compatible(ColumnType::Timestamp, "timestamptz"));
        assert!(!compatible(ColumnType::Bool, "float8"));
        assert!(compatible(ColumnType::Text, "uuid"));
    }

    #[test]
    fn the_schema_names_every_table_field() {
        let s = json_schema();
        for field in [
            "tenant_column",
            "primary_key",
            "value_synonyms",
            "consent",
            "verbs",
        ] {
            assert!(s.contains(field), "{field}");
        }
    }
}
