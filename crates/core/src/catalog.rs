//! The catalog: what the translator and the guard know of a tenant's extract.
//!
//! It names tables, columns, relationships, metrics and states, never a row:
//! every string in it is shown to every tenant. Its SHA-256 over the canonical
//! JSON of the public view is the schema hash that the signed manifest
//! carries, so a widget can tell which catalog an answer was written for.
//! A vendor writes it as one TOML file (`catalog_file`), which also says
//! where each table lives in the vendor's database; those server-only parts
//! are dropped from the view tenants get ([`Catalog::public`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The retail example's catalog (`examples/retail/catalog.toml`), for tests.
const RETAIL_EXAMPLE: &str = include_str!("../../../examples/retail/catalog.toml");

/// A versioned description of the tables a tenant's extract holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Bumped whenever the shape changes; part of the schema hash.
    pub version: u32,
    /// The dataset's name, shown to people ("Retail", "Banking").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub tables: Vec<TableDef>,
    #[serde(default)]
    pub relationships: Vec<Relationship>,
    #[serde(default)]
    pub metrics: Vec<MetricDef>,
    /// Named conditions on a table's rows ("open" tickets).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub states: Vec<StateDef>,
    /// What the `high` and `gdpr` privacy levels do.
    #[serde(default, skip_serializing_if = "PrivacyRules::is_empty")]
    pub privacy: PrivacyRules,
    /// Questions the widget offers before the first one is asked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub starter_questions: Vec<String>,
    /// Verified question-to-SQL pairs: few-shot for the LLM backend,
    /// regression cases for the built-in translator.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<ExampleDef>,
    /// Free text for the LLM backend's prompt (business vocabulary, caveats).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Where the vendor lists its tenants (and their tiers). Without it any
    /// tenant an embed token names is served. Server-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenants: Option<TenantRegistry>,
}

/// The vendor's list of tenants: a token for a tenant not in it is refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TenantRegistry {
    /// A table, a view, or a read-only SELECT.
    pub source: String,
    /// The column holding the tenant id (as tokens name it).
    pub id_column: String,
    /// A column holding `free`, `pro` or `enterprise`; a token's `tier`
    /// claim wins over it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier_column: Option<String>,
}

/// One table of the extract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TableDef {
    pub name: String,
    pub description: String,
    /// What one row is ("one order").
    pub grain: String,
    /// Where the rows come from in the vendor's database: a table or view
    /// name, or a read-only `SELECT`; the table's name when absent.
    /// Server-only: not in the tenants' view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The source's column holding the tenant (text, integer or uuid).
    /// Never an extract column. Server-only: not in the tenants' view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_column: Option<String>,
    /// The column that identifies one row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<String>,
    /// The column that names one row to people (a customer's name); not
    /// unique, so a group over the entity groups by the key and shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_column: Option<String>,
    /// The default time column: what a time filter or bucket applies to.
    #[serde(default)]
    pub time_column: Option<String>,
    /// Further time columns a question may name ("by ship date").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub time_columns: Vec<String>,
    /// The metric a question about this table measures when it names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_metric: Option<String>,
    /// Each row is a reading taken at `time_column` (month-end balances,
    /// daily stock levels, MRR per month): a figure reads the last reading of
    /// its period (of each bucket when split by time) and never adds
    /// readings of several dates up. Like dbt's `non_additive_dimension`
    /// with `window_choice: max`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub snapshot: bool,
    #[serde(default)]
    pub synonyms: Vec<String>,
    pub columns: Vec<ColumnDef>,
    /// What a person should still decide (left by `catalog draft`);
    /// `catalog check` warns while it is there. Not in the tenants' view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<String>,
}

/// The logical type of a column, as the extract's Arrow schema carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    Int,
    Float,
    Text,
    Bool,
    Date,
    Timestamp,
}

impl ColumnType {
    /// The name the catalog file uses.
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnType::Int => "int",
            ColumnType::Float => "float",
            ColumnType::Text => "text",
            ColumnType::Bool => "bool",
            ColumnType::Date => "date",
            ColumnType::Timestamp => "timestamp",
        }
    }
}

/// How a personal column is pseudonymised at privacy level `high`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Pseudonymise {
    /// A stable keyed pseudonym (`p_1a2b3c4d`): equal values stay equal.
    #[default]
    Hash,
    /// A stable keyed pseudonym shaped like an e-mail address.
    Email,
    /// Left out: the column's values are all empty.
    Redact,
}

/// How a value is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DisplayFormat {
    Money,
    Count,
    Percent,
    Duration,
    Number,
    Hours,
    Rating,
}

/// Which end of a metric is the good one ("best", "worst").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Better {
    Higher,
    Lower,
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ColumnDef {
    pub name: String,
    #[serde(rename = "type")]
    pub column_type: ColumnType,
    pub description: String,
    /// The words shown to people; the name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The unit of the values as shown ("EUR", "hours").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The source stores the value times this (money in cents: 100); the
    /// extract divides by it, so people see and ask in `unit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<DisplayFormat>,
    #[serde(default)]
    pub synonyms: Vec<String>,
    /// Known values of a low-cardinality column (statuses, channels...):
    /// the same for every tenant, never one tenant's own.
    #[serde(default)]
    pub values: Vec<String>,
    /// Other words for a known value (`refunded = ["returned"]`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub value_synonyms: BTreeMap<String, Vec<String>>,
    /// Sent as an Arrow dictionary (each distinct value once per table).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dictionary: bool,
    /// Personal data: pseudonymised at privacy level `high`.
    #[serde(default)]
    pub personal: bool,
    /// How, when `personal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pseudonymise: Option<Pseudonymise>,
    /// Whether it makes sense to group by this column.
    #[serde(default)]
    pub dimension: bool,
    /// What a person should still decide; `catalog check` warns while it
    /// is there. Not in the tenants' view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<String>,
}

/// A many-to-one link: `from_table.from_column` -> `to_table.to_column`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Relationship {
    pub from_table: String,
    pub from_column: String,
    pub to_table: String,
    pub to_column: String,
}

/// A named business metric with its exact definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct MetricDef {
    pub name: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub synonyms: Vec<String>,
    /// Verbs that ask for it ("sell", "spend", "bill").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verbs: Vec<String>,
    pub table: String,
    /// SQL aggregate expression over `table`, e.g. `SUM(amount)`.
    pub expression: String,
    /// SQL condition every row must meet, e.g. `status = 'completed'`.
    #[serde(default)]
    pub filter: Option<String>,
    /// Display format hint: `money`, `count`, `number`, `hours`, `rating`.
    pub format: String,
    /// Whether it adds up over periods and groups (a sum or a count does;
    /// a distinct count, an average or a snapshot such as MRR does not).
    /// Derived from the expression when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additive: Option<bool>,
    /// The date its periods and time buckets read ("collected" by
    /// `paid_on`): one of its table's date or timestamp columns; the
    /// table's default time column when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_column: Option<String>,
    /// Which end "best" ranks first: `higher` (the default) or `lower`
    /// (refunds, churn; a duration is `lower` unless said otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub better: Option<Better>,
}

/// A named condition on a table's rows: "open" = `closed_at IS NULL`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StateDef {
    pub name: String,
    pub table: String,
    /// SQL condition over `table`'s columns.
    pub condition: String,
    #[serde(default)]
    pub synonyms: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// What the privacy levels do beyond `standard`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PrivacyRules {
    /// At `gdpr`: only rows of consenting people, and of the tables that
    /// reference them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<ConsentRule>,
}

impl PrivacyRules {
    fn is_empty(&self) -> bool {
        self.consent.is_none()
    }
}

/// The consent column of the `gdpr` level and the tables that follow it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ConsentRule {
    /// The table of the people who consent or not.
    pub table: String,
    /// A boolean column of `table`: true when the person consented.
    pub column: String,
    /// Tables whose rows are kept only when the row they reference in
    /// `table` (through a relationship) is kept.
    #[serde(default)]
    pub follow: Vec<String>,
}

/// A verified question and the SQL that answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ExampleDef {
    pub question: String,
    pub sql: String,
}

impl Catalog {
    /// The retail example's catalog: a fixture for tests and the eval.
    pub fn demo() -> Catalog {
        // The file is part of the repository and tested; failing here is a build defect.
        #[allow(clippy::expect_used)]
        crate::catalog_file::parse(RETAIL_EXAMPLE, "examples/retail/catalog.toml")
            .expect("examples/retail/catalog.toml is valid")
    }

    /// Parses a catalog from its JSON form.
    pub fn from_json(text: &str) -> Result<Catalog, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The view every tenant gets: without where tables live in the
    /// vendor's database (sources, tenant columns).
    pub fn public(&self) -> Catalog {
        let mut c = self.clone();
        c.tenants = None;
        for t in &mut c.tables {
            t.source = None;
            t.tenant_column = None;
            t.review = None;
            for col in &mut t.columns {
                col.review = None;
            }
        }
        c
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

    /// The relationship from `table` to `to`, if one links them.
    pub fn relationship(&self, table: &str, to: &str) -> Option<&Relationship> {
        self.relationships
            .iter()
            .find(|r| r.from_table == table && r.to_table == to)
    }
}

impl TableDef {
    /// The column of that exact name.
    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Where the rows come from: the source, or the table's own name.
    pub fn source_or_name(&self) -> &str {
        self.source.as_deref().unwrap_or(&self.name)
    }

    /// Columns that hold a date: of a date or timestamp type, or declared
    /// a time column.
    pub fn date_columns(&self) -> impl Iterator<Item = &ColumnDef> {
        self.columns.iter().filter(|c| {
            matches!(c.column_type, ColumnType::Date | ColumnType::Timestamp)
                || self.all_time_columns().any(|n| n == c.name)
        })
    }

    /// Every time column, the default first.
    pub fn all_time_columns(&self) -> impl Iterator<Item = &str> {
        self.time_column
            .iter()
            .chain(
                self.time_columns
                    .iter()
                    .filter(|c| Some(*c) != self.time_column.as_ref()),
            )
            .map(String::as_str)
    }
}

impl ColumnDef {
    /// The words shown to people.
    pub fn label_or_name(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.name)
    }

    /// How the column is pseudonymised, when it is personal.
    pub fn pseudonymisation(&self) -> Option<Pseudonymise> {
        self.personal.then(|| self.pseudonymise.unwrap_or_default())
    }
}

impl MetricDef {
    /// Whether the metric counts its table's rows (`COUNT(*)`, spaces
    /// aside), with or without a condition.
    pub fn counts_rows(&self) -> bool {
        self.expression.replace(' ', "") == "COUNT(*)"
    }

    /// Whether the metric adds up over periods and groups.
    pub fn is_additive(&self) -> bool {
        self.additive.unwrap_or_else(|| {
            let e = self.expression.to_ascii_uppercase().replace(' ', "");
            (e.starts_with("SUM(") || e.starts_with("COUNT(")) && !e.contains("DISTINCT")
        })
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
        assert!(c.tables.iter().all(|t| t.tenant_column.is_some()));
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
        assert!(revenue.is_additive());
        assert!(!c.metric("customers").expect("customers").is_additive());
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

    #[test]
    fn the_public_view_drops_where_tables_live() {
        let c = Catalog::demo();
        let p = c.public();
        assert!(p
            .tables
            .iter()
            .all(|t| t.source.is_none() && t.tenant_column.is_none()));
        assert!(!p.canonical_json().contains("tenant_column"));
        assert_eq!(Catalog::from_json(&p.canonical_json()).ok(), Some(p));
    }
}
