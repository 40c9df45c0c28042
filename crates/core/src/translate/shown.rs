//! "list dormant accounts and who holds them", "late invoices with the
//! customer name": a list of rows that also shows the row each one belongs
//! to (its holder, its company), by that row's label.

use super::lexicon::{tokenize, Lex, Vocabulary};
use super::plan::{ListOrder, ListSpec, Measure, Plan};
use crate::catalog::Catalog;

/// Whose label a list shows beside its rows.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Shown {
    /// "and who holds them": the person or company the rows belong to.
    Who,
    /// "with the customer name": that table's rows.
    Table(String),
}

/// Words that say whose rows they are without naming a table.
const PRONOUNS: &[&str] = &["them", "it", "those", "these", "each", "one", "each one"];
const DETERMINERS: &[&str] = &["the", "their", "its", "his", "her", "each"];

/// The question without its closing "and who holds them" / "with the X
/// name" / "and their X", and what that part asks to show.
pub(super) fn split<'q>(
    question: &'q str,
    voc: &Vocabulary,
    catalog: &Catalog,
) -> Option<(&'q str, Shown)> {
    let q = question.trim_end_matches(|c: char| c.is_whitespace() || "?.!".contains(c));
    let lower = q.to_ascii_lowercase();
    // Word spans, a comma its own word.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (i, c) in lower.char_indices() {
        let sep = c.is_whitespace() || c == ',';
        match (sep, start) {
            (true, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
        if c == ',' {
            spans.push((i, i + 1));
        }
    }
    if let Some(s) = start {
        spans.push((s, lower.len()));
    }
    let word = |k: usize| &lower[spans[k].0..spans[k].1];
    let n = spans.len();
    // The part kept ends before its joining word ("and", "with", ",").
    let cut = |k: usize| {
        let mut k = k;
        while k > 0 && ["and", ","].contains(&word(k - 1)) {
            k -= 1;
        }
        (k >= 2).then(|| q[..spans[k - 1].1].trim_end())
    };
    // "and who holds them", ", who owns each".
    for j in (1..n).rev().take(4) {
        if ["who", "whom"].contains(&word(j))
            && ["and", ","].contains(&word(j - 1))
            && (j + 1..n).all(|k| k == j + 1 || PRONOUNS.contains(&word(k)))
            && j + 1 < n
        {
            return Some((cut(j)?, Shown::Who));
        }
    }
    // "with the customer name", "and their holder", "with company names".
    for j in (1..n).rev().take(6) {
        let joiner = word(j);
        if !["with", "and", "plus", "including"].contains(&joiner) {
            continue;
        }
        let mut k = j + 1;
        let determiner = k < n && DETERMINERS.contains(&word(k));
        if determiner {
            k += 1;
        }
        let mut end = n;
        let named = end > k && ["name", "names"].contains(&word(end - 1));
        if named {
            end -= 1;
        }
        // "with orders" is a condition; "with the customer name" or "and
        // their holder" asks to show it.
        if end <= k || !(named || determiner) {
            continue;
        }
        let tokens = tokenize(&lower[spans[k].0..spans[end - 1].1]);
        let (words, _) = voc.link(&tokens);
        let [w] = words.as_slice() else { continue };
        let table = w.lexes().iter().find_map(|l| match l {
            Lex::Table(t) => Some(t.clone()),
            Lex::Dim(c) if c.names_rows(catalog) => Some(c.table.clone()),
            _ => None,
        });
        if let Some(t) = table {
            return Some((cut(j)?, Shown::Table(t)));
        }
    }
    None
}

/// The table whose label the list of `rows` shows: one its rows belong
/// to; else the tables it could be (none when the rows belong to none).
pub(super) fn owner(shown: &Shown, rows: &str, catalog: &Catalog) -> Result<String, Vec<String>> {
    let labelled = |t: &str| catalog.table(t).is_some_and(|d| d.label_column.is_some());
    let owners: Vec<String> = catalog
        .relationships
        .iter()
        .filter(|r| r.from_table == rows && labelled(&r.to_table))
        .map(|r| r.to_table.clone())
        .collect();
    match shown {
        Shown::Table(t) if owners.contains(t) => Ok(t.clone()),
        Shown::Table(_) => Err(Vec::new()),
        Shown::Who if owners.len() == 1 => Ok(owners[0].clone()),
        Shown::Who => Err(owners),
    }
}

/// A plain count of one table's rows ("the dormant accounts") as the list
/// of those rows, so that their owners can be shown beside them.
pub(super) fn rows_listed(plan: &mut Plan, catalog: &Catalog) {
    if plan.list.is_some() || !plan.groups.is_empty() || plan.compare.is_some() {
        return;
    }
    let (table, by) = match plan.measures.as_slice() {
        [Measure::Rows(t)] => (t.clone(), None),
        [Measure::Metric(m)] => match catalog.metric(m) {
            Some(d) if d.expression.replace(' ', "") == "COUNT(*)" => {
                (d.table.clone(), d.filter.as_ref().map(|_| d.name.clone()))
            }
            _ => return,
        },
        _ => return,
    };
    plan.measures.clear();
    plan.list = Some(ListSpec {
        table,
        order: ListOrder::Newest,
        limit: super::list::MAX_LIST,
        by,
        shown: None,
    });
}
