//! How answers name things: column words, metric notes, plurals and lists
//! of words for the one-line interpretation. Every name comes from the
//! catalog (labels, states, values); the grammar is English.

use super::lexicon::Col;
use crate::catalog::{Catalog, MetricDef};

/// "support tickets" for `support_tickets`.
pub(super) fn table_words(table: &str) -> String {
    table.replace('_', " ")
}

/// "support ticket" for `support_tickets`.
pub(super) fn singular(table: &str) -> String {
    let one = if let Some(stem) = table.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = ["sses", "xes", "ches", "shes"]
        .iter()
        .find_map(|e| table.strip_suffix(e).map(|s| (s, &e[..e.len() - 2])))
        .map(|(s, keep)| format!("{s}{keep}"))
    {
        stem
    } else {
        table.strip_suffix('s').unwrap_or(table).to_string()
    };
    one.replace('_', " ")
}

/// Whether the column is its table's label (a name people know rows by).
pub(super) fn is_label(col: &Col, catalog: &Catalog) -> bool {
    catalog
        .table(&col.table)
        .and_then(|t| t.label_column.as_deref())
        == Some(col.column.as_str())
}

/// Alias of a group column ("product" for the products' label column; a
/// word SQL reserves, "user", gets "_name": `SELECT user` is a function).
pub fn group_alias(col: &Col, catalog: &Catalog) -> String {
    if is_label(col, catalog) {
        let alias = singular(&col.table).replace(' ', "_");
        let reserved = sqlparser::keywords::ALL_KEYWORDS.contains(&alias.to_uppercase().as_str());
        if reserved {
            format!("{alias}_name")
        } else {
            alias
        }
    } else {
        col.column.clone()
    }
}

/// How the interpretation names a column: the table's entity for a label
/// column, else the catalog's label, else the column's name.
pub fn column_words(col: &Col, catalog: &Catalog) -> String {
    if is_label(col, catalog) {
        return singular(&col.table);
    }
    catalog
        .table(&col.table)
        .and_then(|t| t.column(&col.column))
        .and_then(|c| c.label.clone())
        .unwrap_or_else(|| col.column.replace('_', " "))
}

/// What a metric's own filter keeps, in words: "completed orders", "closed
/// support tickets", or the condition itself.
pub(super) fn metric_note(m: &MetricDef, catalog: &Catalog) -> Option<String> {
    let f = m.filter.as_deref()?;
    condition_words(f, &m.table, catalog)
}

/// A catalog condition in words, as for [`metric_note`].
pub(super) fn condition_words(f: &str, table: &str, catalog: &Catalog) -> Option<String> {
    let rows = table_words(table);
    if let Some(st) = catalog
        .states
        .iter()
        .find(|s| s.table == table && s.condition == f)
    {
        return Some(format!("{} {rows}", st.name));
    }
    if let Some((_, v)) = f.split_once(" = '") {
        if let Some(v) = v.strip_suffix('\'').filter(|v| !v.contains('\'')) {
            return Some(format!("{v} {rows}"));
        }
    }
    Some(f.to_string())
}

/// Ends an interpretation line with the period it covers and its notes
/// (", October 2025, completed orders only").
pub(super) fn append_clauses(line: &mut String, period: Option<&str>, notes: &[String]) {
    for clause in period.into_iter().chain(notes.iter().map(String::as_str)) {
        line.push_str(", ");
        line.push_str(clause);
    }
}

pub(super) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Lower case, except acronyms ("CSAT").
pub(super) fn lower(label: &str) -> String {
    label
        .split(' ')
        .map(|w| {
            if w.len() > 1 && w.chars().all(|c| c.is_ascii_uppercase()) {
                w.to_string()
            } else {
                w.to_lowercase()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn plural(word: &str) -> String {
    match word.strip_suffix('y') {
        Some(s) if !word.ends_with("ay") && !word.ends_with("ey") => format!("{s}ies"),
        _ if word.ends_with('s') || word.ends_with('x') || word.ends_with("ch") => {
            format!("{word}es")
        }
        _ => format!("{word}s"),
    }
}

pub(super) fn join_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_columns_and_lists_for_people() {
        let c = Catalog::demo();
        assert_eq!(column_words(&Col::new("products", "name"), &c), "product");
        assert_eq!(group_alias(&Col::new("customers", "name"), &c), "customer");
        assert_eq!(
            column_words(&Col::new("products", "category"), &c),
            "product category"
        );
        assert_eq!(plural("country"), "countries");
        assert_eq!(singular("companies"), "company");
        assert_eq!(singular("support_tickets"), "support ticket");
        assert_eq!(singular("boxes"), "box");
        assert_eq!(singular("addresses"), "address");
        assert_eq!(plural("day"), "days");
        assert_eq!(lower("Average order value"), "average order value");
        assert_eq!(lower("CSAT"), "CSAT");
        assert_eq!(
            join_words(&["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
    }

    #[test]
    fn metric_notes_come_from_values_and_states() {
        let c = Catalog::demo();
        let note = |m: &str| c.metric(m).and_then(|m| metric_note(m, &c));
        assert_eq!(note("revenue").as_deref(), Some("completed orders"));
        assert_eq!(
            note("resolution_time").as_deref(),
            Some("closed support tickets")
        );
        assert_eq!(note("orders"), None);
    }
}
