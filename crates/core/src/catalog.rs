//! The catalog: what the translator and the guard know of a tenant's extract.
//!
//! It names tables, columns, relationships and metrics, never a row. Its
//! SHA-256 over the canonical JSON is the schema hash that the signed manifest
//! carries, so a widget can tell which catalog an answer was written for.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The demo dataset's catalog, as shipped in `catalog/demo.json`.
const DEMO_CATALOG: &str = include_str!("../catalog/demo.json");

/// A versioned description of the tables a tenant's extract holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// Bumped whenever the shape changes; part of the schema hash.
    pub version: u32,
    pub tables: Vec<TableDef>,
    #[serde(default)]
    pub relationships: Vec<Relationship>,
    #[serde(default)]
    pub metrics: Vec<MetricDef>,
}

/// One table of the extract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableDef {
    pub name: String,
    pub description: String,
    /// What one row is ("one order").
    pub grain: String,
    /// The column a time filter or bucket applies to, if any.
    #[serde(default)]
    pub time_column: Option<String>,
    #[serde(default)]
    pub synonyms: Vec<String>,
    pub columns: Vec<ColumnDef>,
}

/// The logical type of a column, as the extract's Arrow schema carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    Int,
    Float,
    Text,
    Bool,
    Date,
    Timestamp,
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDef {
    pub name: String,
    #[serde(rename = "type")]
    pub column_type: ColumnType,
    pub description: String,
    #[serde(default)]
    pub synonyms: Vec<String>,
    /// Known values of a low-cardinality column (statuses, channels...).
    #[serde(default)]
    pub values: Vec<String>,
    /// Personal data: pseudonymised at privacy level `high`.
    #[serde(default)]
    pub personal: bool,
    /// Whether it makes sense to group by this column.
    #[serde(default)]
    pub dimension: bool,
}

/// A many-to-one link: `from_table.from_column` -> `to_table.to_column`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Relationship {
    pub from_table: String,
    pub from_column: String,
    pub to_table: String,
    pub to_column: String,
}

/// A named business metric with its exact definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricDef {
    pub name: String,
    pub label: String,
    #[serde(default)]
    pub synonyms: Vec<String>,
    pub table: String,
    /// SQL aggregate expression over `table`, e.g. `SUM(amount)`.
    pub expression: String,
    /// SQL condition every row must meet, e.g. `status = 'completed'`.
    #[serde(default)]
    pub filter: Option<String>,
    /// Display format hint: `money`, `count`, `number`, `hours`, `rating`.
    pub format: String,
}

impl Catalog {
    /// The catalog of the demo dataset (`slicewise seed-demo`).
    pub fn demo() -> Catalog {
        // The file is part of the crate and tested; failing here is a build defect.
        #[allow(clippy::expect_used)]
        serde_json::from_str(DEMO_CATALOG).expect("catalog/demo.json is valid")
    }

    /// Parses a catalog from its JSON form.
    pub fn from_json(text: &str) -> Result<Catalog, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The canonical JSON form the schema hash is taken over.
    pub fn canonical_json(&self) -> String {
        // Struct fields serialise in declaration order, so this is stable.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Hex SHA-256 of the canonical JSON: the manifest's `schema_hash`.
    pub fn schema_hash(&self) -> String {
        hex::encode(Sha256::digest(self.canonical_json().as_bytes()))
    }

    /// The table of that exact name.
    pub fn table(&self, name: &str) -> Option<&TableDef> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// The metric of that exact name.
    pub fn metric(&self, name: &str) -> Option<&MetricDef> {
        self.metrics.iter().find(|m| m.name == name)
    }

    /// Whether any table has a column of that name.
    pub fn has_column(&self, name: &str) -> bool {
        self.tables
            .iter()
            .any(|t| t.columns.iter().any(|c| c.name == name))
    }
}

impl TableDef {
    /// The column of that exact name.
    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_catalog_has_the_four_extract_tables() {
        let c = Catalog::demo();
        let names: Vec<_> = c.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            ["orders", "customers", "products", "support_tickets"]
        );
        assert!(c.tables.iter().all(|t| t.column("tenant_id").is_none()));
    }

    #[test]
    fn metrics_refer_to_real_tables() {
        let c = Catalog::demo();
        for m in &c.metrics {
            assert!(c.table(&m.table).is_some(), "{} -> {}", m.name, m.table);
        }
        let revenue = c.metric("revenue").expect("revenue metric");
        assert_eq!(revenue.expression, "SUM(amount)");
        assert_eq!(revenue.filter.as_deref(), Some("status = 'completed'"));
    }

    #[test]
    fn schema_hash_changes_with_the_catalog() {
        let a = Catalog::demo();
        let mut b = a.clone();
        assert_eq!(a.schema_hash(), b.schema_hash());
        b.version += 1;
        assert_ne!(a.schema_hash(), b.schema_hash());
        assert_eq!(a.schema_hash().len(), 64);
    }
}
