//! `slicewise catalog draft`: a commented catalog file from what the
//! database says, that `catalog check` accepts as written. What it cannot
//! know (descriptions, whether a balance adds up, a guessed tenant column)
//! it marks with `review`, which `check` reports as a warning.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::introspect::{DbColumn, DbTable, ValuesByTenant};

/// Words that name a tenant-like owner in a column name.
const TENANT_WORDS: &[&str] = &[
    "tenant",
    "org",
    "organization",
    "organisation",
    "workspace",
    "account",
    "company",
    "bank",
    "client",
    "team",
    "shop",
    "store",
    "merchant",
    "site",
    "customer",
    "partner",
    "firm",
];
/// Column names that hold personal data.
const PERSONAL_WORDS: &[&str] = &[
    "email",
    "e_mail",
    "phone",
    "mobile",
    "address",
    "street",
    "zip",
    "postcode",
    "postal",
    "birth",
    "dob",
    "ssn",
    "iban",
    "passport",
    "first_name",
    "last_name",
    "full_name",
    "surname",
    "ip_address",
];
/// Table names whose rows are people: their `name` is personal.
const PEOPLE_WORDS: &[&str] = &[
    "customer",
    "user",
    "client",
    "member",
    "contact",
    "person",
    "people",
    "employee",
    "holder",
    "patient",
    "student",
    "subscriber",
    "account_holder",
];
/// Column names of amounts that are snapshots: summing them over time is wrong.
const SNAPSHOT_WORDS: &[&str] = &[
    "balance",
    "level",
    "stock",
    "mrr",
    "arr",
    "inventory",
    "snapshot",
];
/// Column names of money.
const MONEY_WORDS: &[&str] = &[
    "amount", "price", "total", "balance", "cost", "revenue", "value", "fee", "cents", "spend",
    "paid", "charge",
];

/// Everything the draft is made from.
pub struct DraftInput<'a> {
    pub tables: &'a [DbTable],
    /// The tenant column, when the vendor names it.
    pub tenant_column: Option<&'a str>,
    /// Distinct values per tenant of a short text column (table, column).
    pub values: &'a dyn Fn(&str, &str) -> Option<ValuesByTenant>,
}

fn words(name: &str) -> Vec<&str> {
    name.split(['_', '.', ' '])
        .filter(|w| !w.is_empty())
        .collect()
}

fn has_word(name: &str, list: &[&str]) -> bool {
    let lower = name.to_ascii_lowercase();
    list.iter()
        .any(|w| lower == *w || words(&lower).contains(w) || lower.contains(&format!("{w}_")))
}

/// The tenant column: the one named by the vendor, or the column that the
/// most tables share and that is none of their own keys, preferring
/// tenant-like names. `None` when no column is shared.
pub fn guess_tenant_column(tables: &[DbTable]) -> Option<(String, Vec<String>)> {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for t in tables {
        for c in &t.columns {
            if !t.primary_key.contains(&c.name) {
                *counts.entry(c.name.as_str()).or_default() += 1;
            }
        }
    }
    let best = counts
        .values()
        .copied()
        .max()
        .filter(|n| *n >= 2 || tables.len() == 1)?;
    let mut shared: Vec<&str> = counts
        .iter()
        .filter(|(_, n)| **n == best)
        .map(|(c, _)| *c)
        .collect();
    let tenant_like: Vec<&str> = shared
        .iter()
        .copied()
        .filter(|c| has_word(c, TENANT_WORDS))
        .collect();
    if !tenant_like.is_empty() {
        shared = tenant_like;
    }
    // A name that says "tenant" wins outright.
    if let Some(t) = shared
        .iter()
        .find(|c| c.to_ascii_lowercase().contains("tenant"))
    {
        return Some((t.to_string(), Vec::new()));
    }
    let first = shared.first()?.to_string();
    let others = shared.iter().skip(1).map(|s| s.to_string()).collect();
    Some((first, others))
}

/// The catalog type of a database column, with a scale for money in cents.
fn catalog_type(c: &DbColumn) -> (&'static str, Option<u32>) {
    let t = c.db_type.as_str();
    let name = c.name.to_ascii_lowercase();
    let cents = name.ends_with("_cents") || name.ends_with("_in_cents") || name.ends_with("_minor");
    let int = t.contains("int") || t == "serial" || t == "bigserial";
    if int && cents {
        return ("float", Some(100));
    }
    if int {
        return ("int", None);
    }
    if ["real", "float", "double", "numeric", "decimal", "money"]
        .iter()
        .any(|w| t.contains(w))
    {
        return ("float", None);
    }
    if t.contains("bool") {
        return ("bool", None);
    }
    if t.contains("timestamp") || t.contains("datetime") {
        return ("timestamp", None);
    }
    if t == "date" {
        return ("date", None);
    }
    // Dates kept as text (SQLite has no date type): sniff a value.
    if let Some(s) = c.sample.as_deref() {
        let s = s.trim();
        if s.len() == 10 && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() {
            return ("date", None);
        }
        if s.len() >= 16 && crate::source::parse_timestamp(s).is_some() {
            return ("timestamp", None);
        }
    }
    ("text", None)
}

fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn list(items: &[String]) -> String {
    format!(
        "[{}]",
        items.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
    )
}

/// A name fit for the catalog: the last part of `schema.table`.
fn short(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

fn singular(name: &str) -> String {
    let n = short(name);
    if let Some(s) = n.strip_suffix("ies") {
        format!("{s}y")
    } else if let Some(s) = n.strip_suffix("ses") {
        format!("{s}s")
    } else if let Some(s) = n.strip_suffix('s') {
        s.to_string()
    } else {
        n.to_string()
    }
}

fn human(name: &str) -> String {
    short(name).replace('_', " ")
}

/// The table a `<thing>_id` column points at, by name, when no key says so.
fn table_by_id_name<'t>(col: &str, tables: &'t [DbTable]) -> Option<&'t DbTable> {
    let stem = col.strip_suffix("_id")?;
    tables.iter().find(|t| {
        let n = short(&t.name);
        (n == stem || singular(n) == stem)
            && t.primary_key.len() == 1
            && (t.primary_key[0] == col || t.primary_key[0] == "id")
    })
}

/// Writes the draft catalog file.
pub fn draft(input: &DraftInput) -> String {
    let mut out = String::new();
    let (tenant, rivals) = match input.tenant_column {
        Some(t) => (Some(t.to_string()), Vec::new()),
        None => match guess_tenant_column(input.tables) {
            Some((t, r)) => (Some(t), r),
            None => (None, Vec::new()),
        },
    };
    let _ = writeln!(
        out,
        "# Drafted by `slicewise catalog draft`. Every string in this file is shown to"
    );
    let _ = writeln!(
        out,
        "# every tenant: never put one tenant's values in it. `review` marks what a"
    );
    let _ = writeln!(
        out,
        "# person should decide; `slicewise catalog check` warns until it is removed."
    );
    let _ = writeln!(out, "version = 1\n");
    let Some(tenant) = tenant else {
        let _ = writeln!(
            out,
            "# No column is shared by the tables, so the tenant column cannot be told."
        );
        let _ = writeln!(out, "# Run again with --tenant-column NAME.");
        return out;
    };
    if !rivals.is_empty() {
        let _ = writeln!(
            out,
            "# The tenant column was guessed: {tenant} (also possible: {}). Run again with\n# --tenant-column NAME if it is another.\n",
            rivals.join(", ")
        );
    }
    // The table that lists the tenants themselves is never served.
    // The table listing the tenants: keyed by the tenant column, or what
    // the tenant column references.
    let referenced: BTreeSet<&str> = input
        .tables
        .iter()
        .flat_map(|t| t.foreign_keys.iter())
        .filter(|(from, _, _)| *from == tenant)
        .map(|(_, to, _)| short(to))
        .chain(table_by_id_name(&tenant, input.tables).map(|t| short(&t.name)))
        .collect();
    let registry: BTreeSet<&str> = input
        .tables
        .iter()
        .filter(|t| t.primary_key == [tenant.clone()] || referenced.contains(short(&t.name)))
        .filter(|t| {
            !t.columns.iter().any(|c| c.name == tenant) || t.primary_key == [tenant.clone()]
        })
        .map(|t| t.name.as_str())
        .collect();
    let served: Vec<&DbTable> = input
        .tables
        .iter()
        .filter(|t| !registry.contains(t.name.as_str()))
        .filter(|t| t.columns.iter().any(|c| c.name == tenant))
        .collect();
    if let Some(reg) = input
        .tables
        .iter()
        .find(|t| registry.contains(t.name.as_str()))
    {
        let _ = writeln!(
            out,
            "# Who the tenants are: a token for a tenant not listed here is refused."
        );
        let _ = writeln!(
            out,
            "[tenants]\nsource = {}\nid_column = {}",
            q(&reg.name),
            q(reg.primary_key.first().unwrap_or(&tenant))
        );
        if reg.columns.iter().any(|c| c.name == "tier") {
            let _ = writeln!(out, "tier_column = \"tier\"  # free, pro or enterprise");
        }
        out.push('\n');
    }
    for t in input
        .tables
        .iter()
        .filter(|t| !served.iter().any(|s| s.name == t.name))
    {
        let why = if registry.contains(t.name.as_str()) {
            "lists the tenants themselves: one tenant must never see the others"
        } else {
            "has no tenant column: shared rows cannot be scoped to one tenant (serve a view that adds it)"
        };
        let _ = writeln!(out, "# Table {} is left out: it {why}.", t.name);
    }
    let mut metrics = String::new();
    let mut relationships = String::new();
    let names: BTreeSet<&str> = served.iter().map(|t| short(&t.name)).collect();
    for t in &served {
        table(
            &mut out,
            &mut metrics,
            t,
            &tenant,
            input,
            !rivals.is_empty(),
        );
        for c in t.columns.iter().filter(|c| c.name != tenant) {
            let fk = t
                .foreign_keys
                .iter()
                .find(|(from, to, _)| *from == c.name && names.contains(short(to)))
                .map(|(_, to, col)| (short(to).to_string(), col.clone()))
                .or_else(|| {
                    table_by_id_name(&c.name, input.tables)
                        .filter(|to| names.contains(short(&to.name)) && to.name != t.name)
                        .map(|to| (short(&to.name).to_string(), to.primary_key[0].clone()))
                });
            if let Some((to, col)) = fk {
                let _ = writeln!(
                    relationships,
                    "[[relationships]]\nfrom_table = {}\nfrom_column = {}\nto_table = {}\nto_column = {}\n",
                    q(short(&t.name)),
                    q(&c.name),
                    q(&to),
                    q(&col)
                );
            }
        }
    }
    out.push_str(&relationships);
    out.push_str(&metrics);
    out
}

fn is_key(t: &DbTable, c: &DbColumn) -> bool {
    t.primary_key.contains(&c.name)
        || c.name.ends_with("_id")
        || c.name == "id"
        || t.foreign_keys.iter().any(|(f, _, _)| *f == c.name)
}

fn table(
    out: &mut String,
    metrics: &mut String,
    t: &DbTable,
    tenant: &str,
    input: &DraftInput,
    guessed: bool,
) {
    let name = short(&t.name);
    let columns: Vec<&DbColumn> = t.columns.iter().filter(|c| c.name != tenant).collect();
    let types: Vec<(&'static str, Option<u32>)> = columns.iter().map(|c| catalog_type(c)).collect();
    let times: Vec<&str> = columns
        .iter()
        .zip(&types)
        .filter(|(_, (ty, _))| matches!(*ty, "date" | "timestamp"))
        .map(|(c, _)| c.name.as_str())
        .collect();
    let default_time = times
        .iter()
        .find(|n| {
            [
                "created", "placed", "ordered", "opened", "booked", "posted", "occurred",
            ]
            .iter()
            .any(|w| n.contains(w))
        })
        .or(times.first())
        .copied();
    let pk = (t.primary_key.len() == 1).then(|| t.primary_key[0].clone());
    let people = has_word(&singular(name), PEOPLE_WORDS);
    let label = columns
        .iter()
        .find(|c| c.name == "name" || c.name == "title" || c.name.ends_with("_name"))
        .filter(|_| pk.is_some())
        .map(|c| c.name.clone());
    let count_metric = format!("{name}_count");
    let _ = writeln!(out, "[[tables]]");
    let _ = writeln!(out, "name = {}", q(name));
    let _ = writeln!(
        out,
        "description = {}",
        // No row count: the catalog is shown to every tenant.
        q(&human(name))
    );
    let _ = writeln!(
        out,
        "grain = {}",
        q(&format!("one {}", human(&singular(name))))
    );
    let _ = writeln!(out, "source = {}", q(&t.name));
    let _ = writeln!(out, "tenant_column = {}", q(tenant));
    if let Some(k) = &pk {
        let _ = writeln!(out, "primary_key = {}", q(k));
    }
    if let Some(l) = &label {
        let _ = writeln!(out, "label_column = {}", q(l));
    }
    if let Some(tc) = default_time {
        let _ = writeln!(out, "time_column = {}", q(tc));
        let rest: Vec<String> = times
            .iter()
            .filter(|n| **n != tc)
            .map(|s| s.to_string())
            .collect();
        if !rest.is_empty() {
            let _ = writeln!(out, "time_columns = {}", list(&rest));
        }
    }
    let _ = writeln!(out, "default_metric = {}", q(&count_metric));
    let _ = writeln!(out, "synonyms = {}", list(&[human(&singular(name))]));
    let mut review = vec!["describe the table".to_string()];
    if guessed {
        review.push(format!("is {tenant} the tenant column?"));
    }
    let _ = writeln!(out, "review = {}\n", q(&review.join("; ")));
    let _ = writeln!(
        metrics,
        "[[metrics]]\nname = {}\nlabel = {}\nsynonyms = {}\ntable = {}\nexpression = \"COUNT(*)\"\nformat = \"count\"\n",
        q(&count_metric),
        q(&format!("Number of {}", human(name))),
        list(&[format!("number of {}", human(name)), format!("{} count", human(&singular(name)))]),
        q(name)
    );
    for (c, (ty, scale)) in columns.iter().zip(&types) {
        column(out, metrics, t, c, ty, *scale, tenant, people, input);
    }
}

#[allow(clippy::too_many_arguments)]
fn column(
    out: &mut String,
    metrics: &mut String,
    t: &DbTable,
    c: &DbColumn,
    ty: &str,
    scale: Option<u32>,
    tenant: &str,
    people: bool,
    input: &DraftInput,
) {
    let name = short(&t.name);
    let personal = has_word(&c.name, PERSONAL_WORDS) || (people && c.name == "name");
    let _ = writeln!(out, "  [[tables.columns]]");
    let _ = writeln!(out, "  name = {}", q(&c.name));
    let _ = writeln!(out, "  type = {}", q(ty));
    let _ = writeln!(out, "  description = {}", q(&human(&c.name)));
    let mut review = Vec::new();
    if let Some(s) = scale {
        let _ = writeln!(out, "  scale = {s}\n  format = \"money\"");
        review.push("money in cents: set unit to the currency".to_string());
    }
    if personal {
        let _ = writeln!(out, "  personal = true");
        if c.name.contains("mail") {
            let _ = writeln!(out, "  pseudonymise = \"email\"");
        }
    } else if ty == "text" && !is_key(t, c) {
        match (input.values)(&t.name, &c.name) {
            Some(by) if !by.is_empty() => {
                let _ = writeln!(out, "  dimension = true\n  dictionary = true");
                let first = by.values().next().cloned().unwrap_or_default();
                if by.values().all(|v| *v == first) {
                    let values: Vec<String> = first.into_iter().collect();
                    let _ = writeln!(out, "  values = {}", list(&values));
                } else {
                    let _ = writeln!(
                        out,
                        "  # Values differ between tenants: not listed (the catalog is shared)."
                    );
                    review.push(
                        "values differ between tenants; list only values every tenant has".into(),
                    );
                }
            }
            _ => {}
        }
    } else if ty == "bool" {
        let _ = writeln!(out, "  dimension = true");
    }
    if !review.is_empty() {
        let _ = writeln!(out, "  review = {}", q(&review.join("; ")));
    }
    out.push('\n');
    let numeric = matches!(ty, "int" | "float") && !is_key(t, c) && c.name != tenant;
    if numeric {
        let snapshot = has_word(&c.name, SNAPSHOT_WORDS);
        let money = scale.is_some() || has_word(&c.name, MONEY_WORDS);
        // Scaled cents are currency units in the extract: name them so.
        let base = c.name.trim_end_matches("_cents").trim_end_matches("_in");
        let metric = format!("total_{base}");
        let _ = writeln!(
            metrics,
            "[[metrics]]\nname = {}",
            q(&format!("{name}_{metric}"))
        );
        let _ = writeln!(metrics, "label = {}", q(&format!("Total {}", human(base))));
        let _ = writeln!(metrics, "synonyms = {}", list(&[human(base)]));
        let _ = writeln!(metrics, "table = {}", q(name));
        let _ = writeln!(metrics, "expression = {}", q(&format!("SUM({})", c.name)));
        let _ = writeln!(
            metrics,
            "format = {}",
            q(if money { "money" } else { "number" })
        );
        if snapshot {
            let _ = writeln!(metrics, "additive = false");
            let _ = writeln!(
                metrics,
                "# review: {} looks like a snapshot; a sum over time double-counts it.",
                c.name
            );
        }
        metrics.push('\n');
    }
}

/// Introspects a database and drafts its catalog.
pub async fn draft_database(
    source: &crate::source::DataSource,
    only: &[String],
    tenant_column: Option<&str>,
    schema: &str,
) -> Result<String, crate::source::SourceError> {
    use crate::introspect;
    use crate::source::{DataSource, SourceError};
    let err = |e: &dyn std::fmt::Display| SourceError::Unavailable(e.to_string());
    match source {
        DataSource::Sqlite(s) => {
            let conn = crate::source_sqlite::SqliteSource::open(s.path())?;
            let tables = introspect::sqlite_tables(&conn, only).map_err(|e| err(&e))?;
            let tenant = tenant_column
                .map(str::to_string)
                .or_else(|| guess_tenant_column(&tables).map(|g| g.0));
            let values = |t: &str, c: &str| {
                let tenant = tenant.as_deref()?;
                introspect::sqlite_values(&conn, t, tenant, c)
                    .ok()
                    .flatten()
            };
            Ok(draft(&DraftInput {
                tables: &tables,
                tenant_column,
                values: &values,
            }))
        }
        DataSource::Postgres(p) => {
            let client = crate::pg::connect(p.url()).await.map_err(|e| err(&e))?;
            let tables = introspect::pg_tables(&client, schema, only)
                .await
                .map_err(|e| err(&e))?;
            let tenant = tenant_column
                .map(str::to_string)
                .or_else(|| guess_tenant_column(&tables).map(|g| g.0));
            // Values are read up front: the draft itself is synchronous.
            let mut known = std::collections::BTreeMap::new();
            if let Some(tenant) = &tenant {
                for t in &tables {
                    if !t.columns.iter().any(|c| c.name == *tenant) {
                        continue;
                    }
                    for c in &t.columns {
                        if catalog_type(c).0 == "text" && c.name != *tenant {
                            if let Some(v) =
                                introspect::pg_values(&client, &t.name, tenant, &c.name)
                                    .await
                                    .map_err(|e| err(&e))?
                            {
                                known.insert((t.name.clone(), c.name.clone()), v);
                            }
                        }
                    }
                }
            }
            let values = |t: &str, c: &str| known.get(&(t.to_string(), c.to_string())).cloned();
            Ok(draft(&DraftInput {
                tables: &tables,
                tenant_column,
                values: &values,
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, ty: &str) -> DbColumn {
        DbColumn {
            name: name.into(),
            db_type: ty.into(),
            sample: None,
        }
    }

    fn bank() -> Vec<DbTable> {
        vec![
            DbTable {
                name: "banks".into(),
                columns: vec![col("bank_id", "integer"), col("name", "text")],
                primary_key: vec!["bank_id".into()],
                foreign_keys: vec![],
                rows: 3,
            },
            DbTable {
                name: "clients".into(),
                columns: vec![
                    col("client_id", "integer"),
                    col("bank_id", "integer"),
                    col("full_name", "text"),
                    col("email", "text"),
                    col("segment", "text"),
                    col("opened_on", "date"),
                    col("consent", "boolean"),
                ],
                primary_key: vec!["client_id".into()],
                foreign_keys: vec![("bank_id".into(), "banks".into(), "bank_id".into())],
                rows: 30,
            },
            DbTable {
                name: "payments".into(),
                columns: vec![
                    col("payment_id", "bigint"),
                    col("bank_id", "integer"),
                    col("client_id", "bigint"),
                    col("amount_cents", "bigint"),
                    col("booked_at", "timestamptz"),
                    col("kind", "text"),
                ],
                primary_key: vec!["payment_id".into()],
                foreign_keys: vec![],
                rows: 300,
            },
        ]
    }

    fn values(_: &str, col: &str) -> Option<ValuesByTenant> {
        let mut by = ValuesByTenant::new();
        let same: BTreeSet<String> = ["a", "b"].map(String::from).into();
        by.insert("1".into(), same.clone());
        by.insert(
            "2".into(),
            if col == "kind" {
                same
            } else {
                ["a".to_string()].into()
            },
        );
        Some(by)
    }

    #[test]
    fn the_draft_of_an_unseen_schema_passes_the_check() {
        let tables = bank();
        let text = draft(&DraftInput {
            tables: &tables,
            tenant_column: None,
            values: &values,
        });
        let (c, warnings) = slicewise_core::catalog_file::parse_with_warnings(&text, "draft.toml")
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert!(!warnings.is_empty(), "review notes are warnings");
        assert!(text.contains("Table banks is left out"), "{text}");
        assert_eq!(c.tenants.as_ref().map(|r| r.source.as_str()), Some("banks"));
        let clients = c.table("clients").expect("clients");
        assert_eq!(clients.tenant_column.as_deref(), Some("bank_id"));
        assert!(
            clients.column("bank_id").is_none(),
            "the tenant column is implied"
        );
        assert!(clients.column("email").is_some_and(|e| e.personal));
        assert!(clients.column("full_name").is_some_and(|e| e.personal));
        let segment = clients.column("segment").expect("segment");
        assert!(
            segment.values.is_empty(),
            "values differ between tenants: none listed"
        );
        let payments = c.table("payments").expect("payments");
        let amount = payments.column("amount_cents").expect("amount");
        assert_eq!(
            (amount.scale, amount.column_type.as_str()),
            (Some(100.0), "float")
        );
        assert_eq!(payments.column("kind").map(|k| k.values.len()), Some(2));
        assert_eq!(payments.time_column.as_deref(), Some("booked_at"));
        assert!(
            c.relationship("payments", "clients").is_some(),
            "by the _id name"
        );
        assert!(c.metric("payments_total_amount").is_some());
    }

    #[test]
    fn the_tenant_column_prefers_tenant_words_and_says_when_it_guessed() {
        let tables = bank();
        assert_eq!(
            guess_tenant_column(&tables).map(|g| g.0),
            Some("bank_id".into())
        );
    }
}
