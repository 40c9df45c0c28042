//! The checks of a catalog that need no database, each naming the field
//! and what to do. Called by [`crate::catalog_file::lint`].

use crate::catalog::{Catalog, ColumnType, TableDef};
use crate::catalog_file::{is_plain_identifier, is_temporal, repeats, FieldPath, Report};
use crate::guard::SqlGuard;

/// Display formats a metric may name.
const METRIC_FORMATS: &[&str] = &[
    "money", "count", "percent", "duration", "number", "hours", "rating",
];

/// Names, keys, time columns, column options and tenant columns of every table.
pub fn tables(c: &Catalog, r: &mut Report, root: &FieldPath) {
    if c.tables.is_empty() {
        r.error(
            &root.key("tables"),
            "the catalog has no table; add a [[tables]] entry",
        );
    }
    for (i, name) in repeats(c.tables.iter().map(|t| t.name.as_str())) {
        r.error(
            &root.key("tables").at(i).key("name"),
            format!("table {name} is defined twice; rename or remove one"),
        );
    }
    for (ti, t) in c.tables.iter().enumerate() {
        let at = root.key("tables").at(ti);
        table(c, t, r, &at);
    }
}

fn table(c: &Catalog, t: &TableDef, r: &mut Report, at: &FieldPath) {
    if let Some(note) = &t.review {
        r.warn(&at.key("review"), format!("to review: {note}"));
    }
    if !is_plain_identifier(&t.name) {
        r.error(
            &at.key("name"),
            format!(
                "table name {:?} must be letters, digits and _ (start with a letter)",
                t.name
            ),
        );
    }
    match &t.tenant_column {
        None => r.error(
            &at.key("name"),
            format!(
                "table {} has no tenant_column; name the column that holds the tenant, \
                 or Slicewise cannot keep tenants apart",
                t.name
            ),
        ),
        Some(tc) if t.column(tc).is_some() => r.error(
            &at.key("tenant_column"),
            format!(
                "{tc} is the tenant column and also a column of {}; remove it from columns \
                 (the tenant is implied and never sent to the browser)",
                t.name
            ),
        ),
        Some(tc) if !is_plain_identifier(tc) => r.error(
            &at.key("tenant_column"),
            format!("tenant column {tc:?} must be letters, digits and _"),
        ),
        Some(_) => {}
    }
    if t.columns.is_empty() {
        r.error(
            &at.key("columns"),
            format!("table {} has no columns", t.name),
        );
    }
    for (i, name) in repeats(t.columns.iter().map(|c| c.name.as_str())) {
        r.error(
            &at.key("columns").at(i).key("name"),
            format!("column {name} of {} is defined twice", t.name),
        );
    }
    let must_be_column = |field: &'static str, name: &Option<String>, r: &mut Report| {
        if let Some(n) = name {
            if t.column(n).is_none() {
                r.error(
                    &at.key(field),
                    format!(
                        "{field} {n} is not a column of {}; add it to columns or fix the name",
                        t.name
                    ),
                );
            }
        }
    };
    must_be_column("primary_key", &t.primary_key, r);
    must_be_column("label_column", &t.label_column, r);
    must_be_column("time_column", &t.time_column, r);
    for (i, name) in t.all_time_columns().enumerate() {
        let field = if i == 0 && t.time_column.is_some() {
            at.key("time_column")
        } else {
            at.key("time_columns")
        };
        match t.column(name) {
            None if i > 0 || t.time_column.is_none() => r.error(
                &field,
                format!("time column {name} is not a column of {}", t.name),
            ),
            Some(col) if !is_temporal(col.column_type) => r.error(
                &field,
                format!(
                    "time column {name} is {}, not a date or timestamp",
                    col.column_type.as_str()
                ),
            ),
            _ => {}
        }
    }
    if t.snapshot && t.time_column.is_none() {
        r.error(
            &at.key("snapshot"),
            format!(
                "{} is a snapshot table without a time_column; name the column its readings are taken at",
                t.name
            ),
        );
    }
    if let Some(m) = &t.default_metric {
        if c.metric(m).is_none_or(|m| m.table != t.name) {
            r.error(
                &at.key("default_metric"),
                format!("default_metric {m} is not a metric of {}", t.name),
            );
        }
    }
    for ci in 0..t.columns.len() {
        column(t, ci, r, &at.key("columns").at(ci));
    }
}

fn column(t: &TableDef, ci: usize, r: &mut Report, at: &FieldPath) {
    let col = &t.columns[ci];
    if let Some(note) = &col.review {
        r.warn(&at.key("review"), format!("to review: {note}"));
    }
    if !is_plain_identifier(&col.name) {
        r.error(
            &at.key("name"),
            format!("column name {:?} must be letters, digits and _", col.name),
        );
    }
    if let Some(s) = col.scale {
        if !(s.is_finite() && s > 0.0) {
            r.error(
                &at.key("scale"),
                format!("scale must be a positive number, found {s}"),
            );
        }
        if col.column_type != ColumnType::Float {
            r.error(
                &at.key("type"),
                "a scaled column is divided by its scale in the extract: make its type float",
            );
        }
    }
    if col.pseudonymise.is_some() && !col.personal {
        r.error(
            &at.key("pseudonymise"),
            "pseudonymise applies to personal columns only: add personal = true",
        );
    }
    if col.personal && !matches!(col.column_type, ColumnType::Text | ColumnType::Int) {
        r.error(
            &at.key("personal"),
            "only text and int columns can be pseudonymised",
        );
    }
    if col.dictionary && col.column_type != ColumnType::Text {
        r.error(
            &at.key("dictionary"),
            "only text columns can be dictionary-encoded",
        );
    }
    if !col.values.is_empty() && col.personal {
        r.error(
            &at.key("values"),
            "a personal column cannot list known values: every tenant sees the catalog",
        );
    }
    for key in col.value_synonyms.keys() {
        if !col.values.contains(key) {
            r.error(
                &at.key("value_synonyms"),
                format!("{key} has synonyms but is not one of values"),
            );
        }
    }
}

/// Relationships: both ends exist, and join columns of the same type.
pub fn relationships(c: &Catalog, r: &mut Report, root: &FieldPath) {
    for (i, rel) in c.relationships.iter().enumerate() {
        let at = root.key("relationships").at(i);
        let end = |table: &str, column: &str| {
            c.table(table)
                .map(|t| t.column(column).map(|col| col.column_type))
        };
        let from = end(&rel.from_table, &rel.from_column);
        let to = end(&rel.to_table, &rel.to_column);
        for (field, table, column, found) in [
            ("from_table", &rel.from_table, &rel.from_column, from),
            ("to_table", &rel.to_table, &rel.to_column, to),
        ] {
            match found {
                None => r.error(&at.key(field), format!("no table {table} in the catalog")),
                Some(None) => r.error(&at.key(field), format!("{table} has no column {column}")),
                Some(Some(_)) => {}
            }
        }
        if let (Some(Some(a)), Some(Some(b))) = (from, to) {
            if a != b {
                r.error(
                    &at.key("from_column"),
                    format!(
                        "{}.{} is {} but {}.{} is {}: a join needs the same type",
                        rel.from_table,
                        rel.from_column,
                        a.as_str(),
                        rel.to_table,
                        rel.to_column,
                        b.as_str()
                    ),
                );
            }
        }
    }
}

/// Metrics, states and examples: names, tables and SQL through the guard.
/// A synonym two metrics, or a metric and a state of other rows, both
/// claim: a question with it can mean either, and only one is read. A
/// metric over the rows of a state ("churned subscriptions", counted where
/// the state's condition holds) is no conflict.
fn shared_phrases(c: &Catalog, r: &mut Report, root: &FieldPath) {
    let mut owners: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut claim = |phrase: &str, owner: String| {
        let list = owners.entry(phrase.trim().to_lowercase()).or_default();
        if !list.contains(&owner) {
            list.push(owner);
        }
    };
    for m in &c.metrics {
        for s in std::iter::once(&m.label).chain(&m.synonyms) {
            claim(s, format!("metric {}", m.name));
        }
    }
    let over_state = |s: &crate::catalog::StateDef| {
        c.metrics.iter().any(|m| {
            m.table == s.table
                && m.filter.as_deref().is_some_and(|f| {
                    let f = f.replace(' ', "");
                    s.condition
                        .split(" AND ")
                        .all(|part| f.contains(&part.replace(' ', "")))
                })
                && (m.synonyms.iter().chain(std::iter::once(&m.label))).any(|x| {
                    s.synonyms
                        .iter()
                        .chain(std::iter::once(&s.name))
                        .any(|y| x.eq_ignore_ascii_case(y))
                })
        })
    };
    for s in c.states.iter().filter(|s| !over_state(s)) {
        for p in std::iter::once(&s.name).chain(&s.synonyms) {
            claim(p, format!("state {}", s.name));
        }
    }
    for (i, m) in c.metrics.iter().enumerate() {
        for (j, syn) in m.synonyms.iter().enumerate() {
            let Some(list) = owners.get(&syn.trim().to_lowercase()) else {
                continue;
            };
            if list.len() > 1 && list[0] == format!("metric {}", m.name) {
                r.warn(
                    &root.key("metrics").at(i).key("synonyms").at(j),
                    format!(
                        "\"{syn}\" names {}: a question with it can mean either; keep it on one",
                        list.join(" and ")
                    ),
                );
            }
        }
    }
}

pub fn definitions(c: &Catalog, r: &mut Report, root: &FieldPath, guard: &SqlGuard) {
    for (i, name) in repeats(c.metrics.iter().map(|m| m.name.as_str())) {
        r.error(
            &root.key("metrics").at(i).key("name"),
            format!("metric {name} is defined twice"),
        );
    }
    shared_phrases(c, r, root);
    // `CURRENT_DATE` is today's date, written into the SQL by the
    // translator before the browser's guard sees it.
    let sql_ok = |r: &mut Report, at: &FieldPath, sql: String| {
        if let Err(e) = guard.check(&sql.replace("CURRENT_DATE", "DATE '2000-01-01'")) {
            r.error(at, format!("`{sql}` does not pass the SQL guard: {e}"));
        }
    };
    for (i, m) in c.metrics.iter().enumerate() {
        let at = root.key("metrics").at(i);
        if c.table(&m.table).is_none() {
            r.error(
                &at.key("table"),
                format!("no table {} in the catalog", m.table),
            );
            continue;
        }
        if !METRIC_FORMATS.contains(&m.format.as_str()) {
            r.error(
                &at.key("format"),
                format!(
                    "format {} is not one of {}",
                    m.format,
                    METRIC_FORMATS.join(", ")
                ),
            );
        }
        sql_ok(
            r,
            &at.key("expression"),
            format!("SELECT {} FROM {}", m.expression, m.table),
        );
        if let Some(f) = &m.filter {
            sql_ok(
                r,
                &at.key("filter"),
                format!("SELECT COUNT(*) FROM {} WHERE {f}", m.table),
            );
        }
        if let Some(tc) = &m.time_column {
            let temporal = c
                .table(&m.table)
                .and_then(|t| t.column(tc))
                .is_some_and(|col| is_temporal(col.column_type));
            if !temporal {
                r.error(
                    &at.key("time_column"),
                    format!(
                        "time column {tc} is not a date or timestamp column of {}",
                        m.table
                    ),
                );
            }
        }
    }
    for (i, name) in repeats(c.states.iter().map(|s| s.name.as_str())) {
        r.error(
            &root.key("states").at(i).key("name"),
            format!("state {name} is defined twice"),
        );
    }
    for (i, s) in c.states.iter().enumerate() {
        let at = root.key("states").at(i);
        if c.table(&s.table).is_none() {
            r.error(
                &at.key("table"),
                format!("no table {} in the catalog", s.table),
            );
            continue;
        }
        sql_ok(
            r,
            &at.key("condition"),
            format!("SELECT COUNT(*) FROM {} WHERE {}", s.table, s.condition),
        );
    }
    for (i, e) in c.examples.iter().enumerate() {
        sql_ok(r, &root.key("examples").at(i).key("sql"), e.sql.clone());
    }
}

/// The consent rule: a boolean column, and tables that reach it.
pub fn privacy(c: &Catalog, r: &mut Report, root: &FieldPath) {
    let Some(rule) = &c.privacy.consent else {
        return;
    };
    let at = root.key("privacy").key("consent");
    match c.table(&rule.table).map(|t| t.column(&rule.column)) {
        None => r.error(
            &at.key("table"),
            format!("no table {} in the catalog", rule.table),
        ),
        Some(None) => r.error(
            &at.key("column"),
            format!("{} has no column {}", rule.table, rule.column),
        ),
        Some(Some(col)) if col.column_type != ColumnType::Bool => r.error(
            &at.key("column"),
            format!("consent column {} must be bool", rule.column),
        ),
        Some(Some(_)) => {}
    }
    // Each follower must reach the consent table through relationships,
    // directly or through other followers (transactions -> accounts -> clients).
    let mut reached = vec![rule.table.as_str()];
    while let Some(f) = rule.follow.iter().find(|f| {
        !reached.contains(&f.as_str())
            && c.relationships
                .iter()
                .any(|rel| rel.from_table == **f && reached.contains(&rel.to_table.as_str()))
    }) {
        reached.push(f);
    }
    for f in rule
        .follow
        .iter()
        .filter(|f| !reached.contains(&f.as_str()))
    {
        r.error(
            &at.key("follow"),
            format!(
                "{f} follows consent but no relationship links it to {} or to a table that \
                 follows it; add one",
                rule.table
            ),
        );
    }
}
