//! How answers name things: column words, metric notes, plurals and lists
//! of words for the one-line interpretation.

use super::lexicon::Col;
use crate::catalog::MetricDef;

pub(super) fn singular(table: &str) -> String {
    table.strip_suffix('s').unwrap_or(table).replace('_', " ")
}

/// Alias of a group column ("product" for products.name).
pub fn group_alias(col: &Col) -> String {
    if col.column == "name" {
        singular(&col.table)
    } else {
        col.column.clone()
    }
}

/// How the interpretation names a column.
pub fn column_words(col: &Col) -> String {
    match col.column.as_str() {
        "name" => singular(&col.table),
        "category" => "product category".into(),
        "priority" => "ticket priority".into(),
        "topic" => "ticket topic".into(),
        other => other.replace('_', " "),
    }
}

pub(super) fn metric_note(m: &MetricDef) -> Option<String> {
    let f = m.filter.as_deref()?;
    if let Some(v) = f
        .strip_prefix("status = '")
        .and_then(|s| s.strip_suffix('\''))
    {
        return Some(format!("{v} orders"));
    }
    if f == "closed_at IS NOT NULL" {
        return Some("closed tickets".into());
    }
    Some(f.to_string())
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
        Some(s) if word != "day" => format!("{s}ies"),
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
        assert_eq!(column_words(&Col::new("products", "name")), "product");
        assert_eq!(group_alias(&Col::new("customers", "name")), "customer");
        assert_eq!(
            column_words(&Col::new("products", "category")),
            "product category"
        );
        assert_eq!(plural("country"), "countries");
        assert_eq!(plural("day"), "days");
        assert_eq!(lower("Average order value"), "average order value");
        assert_eq!(lower("CSAT"), "CSAT");
        assert_eq!(
            join_words(&["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
    }
}
