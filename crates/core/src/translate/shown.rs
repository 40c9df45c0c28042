//! "list dormant accounts and who holds them", "late invoices with the
//! customer name": a list of rows that also shows the row each one belongs
//! to (its holder, its company), by that row's label.

use super::lexicon::{tokenize, Col, Lex, Vocabulary, Word};
use super::plan::{Group, ListOrder, ListSpec, Measure, Plan};
use super::read::is_filler;
use crate::catalog::Catalog;

/// Whose label a list shows beside its rows.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Shown {
    /// "and who holds them": the person or company the rows belong to.
    Who,
    /// "with the customer name": that table's rows.
    Table(String),
}

/// What the closing words of a list ask to show: whose rows they are, and
/// columns of the rows themselves ("with the client name and product").
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Asked {
    pub owner: Option<Shown>,
    /// Per column asked, the columns its word may be.
    pub columns: Vec<Vec<Col>>,
}

/// Words that say whose rows they are without naming a table.
const PRONOUNS: &[&str] = &["them", "it", "those", "these", "each", "one", "each one"];
const DETERMINERS: &[&str] = &["the", "their", "its", "his", "her", "each"];
/// The words that ask for rows' labels ("with the customer name").
pub(super) const NAME_WORDS: &[&str] = &["name", "names"];

/// The question without its closing "and who holds them" / "with the X
/// name" / "and their X", and what that part asks to show.
pub(super) fn split<'q>(
    question: &'q str,
    voc: &Vocabulary,
    catalog: &Catalog,
) -> Option<(&'q str, Asked)> {
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
            let asked = Asked {
                owner: Some(Shown::Who),
                columns: Vec::new(),
            };
            return Some((cut(j)?, asked));
        }
    }
    // "with the customer name", "and their holder", "with company names",
    // "with the client name and product".
    // The earliest joining word that reads: "with the client name and
    // their product" is one part, not "and their product" alone.
    for j in n.saturating_sub(12).max(1)..n {
        if !["with", "and", "plus", "including", "include", "-"].contains(&word(j)) {
            continue;
        }
        // The parts after the joining word, split at "and" and commas.
        let mut parts: Vec<(usize, usize)> = Vec::new();
        let mut from = j + 1;
        for k in j + 1..=n {
            if k == n || ["and", ","].contains(&word(k)) {
                parts.push((from, k));
                from = k + 1;
            }
        }
        let mut asked = Asked::default();
        let mut read_all = !parts.is_empty();
        // "with company, plan and mrr": a list of three or more, with a
        // comma, names what to show even without "the" or "their".
        let enumerated = parts.len() >= 3 && (j + 1..n).any(|k| word(k) == ",");
        for (i, &(mut k, mut end)) in parts.iter().enumerate() {
            let determiner = k < end && DETERMINERS.contains(&word(k));
            if determiner {
                k += 1;
            }
            let named = end > k && NAME_WORDS.contains(&word(end - 1));
            if named {
                end -= 1;
            }
            // "with orders" is a condition; "with the customer name", "and
            // their product" (or a column after a part so read) ask to show.
            if end <= k || !(named || determiner || enumerated || i > 0) {
                read_all = false;
                break;
            }
            // Typos read as everywhere ("the compay name").
            let tokens = voc.repair(&tokenize(&lower[spans[k].0..spans[end - 1].1]));
            let (words, _) = voc.link(&tokens);
            // "the type of account": a column of the rows, said with their
            // word, is that column.
            let content: Vec<&Word> = words.iter().filter(|w| !is_filler(w)).collect();
            let of_rows = match content.as_slice() {
                [col, rows] if words.len() > 1 => rows.lexes().iter().find_map(|l| match l {
                    Lex::Table(t) => Some(((*col).clone(), t.clone())),
                    _ => None,
                }),
                _ => None,
            };
            let words = match of_rows {
                Some((col, t)) => {
                    let own: Vec<Lex> = col
                        .lexes()
                        .iter()
                        .filter(|l| matches!(l, Lex::Dim(c) | Lex::Numeric(c) | Lex::DateCol(c) if c.table == t))
                        .cloned()
                        .collect();
                    if own.is_empty() {
                        read_all = false;
                        break;
                    }
                    vec![Word::Known(own)]
                }
                None => words,
            };
            let [w] = words.as_slice() else {
                read_all = false;
                break;
            };
            let table = w.lexes().iter().find_map(|l| match l {
                Lex::Table(t) => Some(t.clone()),
                Lex::Dim(c) if c.names_rows(catalog) => Some(c.table.clone()),
                _ => None,
            });
            let columns: Vec<Col> = w
                .lexes()
                .iter()
                .filter_map(|l| match l {
                    Lex::Dim(c) | Lex::Numeric(c) | Lex::DateCol(c) => Some(c.clone()),
                    _ => None,
                })
                .collect();
            match table {
                // "with the customer": the table's word, which also names
                // its label.
                Some(t)
                    if (named
                        || columns.iter().all(|c| {
                            c.table == t
                                && catalog.table(&t).and_then(|d| d.label_column.as_deref())
                                    == Some(c.column.as_str())
                        }))
                        && asked.owner.is_none() =>
                {
                    asked.owner = Some(Shown::Table(t));
                }
                _ if !columns.is_empty() && !named => asked.columns.push(columns),
                _ => {
                    read_all = false;
                    break;
                }
            }
        }
        if read_all {
            return Some((cut(j)?, asked));
        }
    }
    None
}

/// Whether every column asked is one the list of `rows` already shows
/// (its own, not personal, or its label).
pub(super) fn columns_shown(asked: &Asked, rows: &str, catalog: &Catalog) -> bool {
    let Some(table) = catalog.table(rows) else {
        return false;
    };
    asked.columns.iter().all(|cands| {
        cands.iter().any(|c| {
            c.table == rows
                && table
                    .column(&c.column)
                    .is_some_and(|d| super::list::shows(table, d))
        })
    })
}

/// The table whose label the list of `rows` shows: one its rows belong
/// to; else the tables it could be (none when the rows belong to none).
pub(super) fn owner(shown: &Shown, rows: &str, catalog: &Catalog) -> Result<String, Vec<String>> {
    let owners = labelled_owners(rows, catalog);
    match shown {
        Shown::Table(t) if owners.contains(t) => Ok(t.clone()),
        Shown::Table(_) => Err(Vec::new()),
        Shown::Who if owners.len() == 1 => Ok(owners[0].clone()),
        // "and who placed it": of orders' customers and products, the one
        // whose label names a person (a personal column) is who.
        Shown::Who => match people(&owners, catalog).as_slice() {
            [one] => Ok((*one).clone()),
            _ => Err(owners),
        },
    }
}

/// Of `owners`, the tables whose label names a person (a personal column).
fn people<'a>(owners: &'a [String], catalog: &Catalog) -> Vec<&'a String> {
    owners
        .iter()
        .filter(|t| {
            catalog.table(t).is_some_and(|d| {
                d.label_column
                    .as_deref()
                    .and_then(|l| d.column(l))
                    .is_some_and(|c| c.personal)
            })
        })
        .collect()
}

/// The tables with a label that rows of `rows` refer to: whose rows they are.
fn labelled_owners(rows: &str, catalog: &Catalog) -> Vec<String> {
    catalog
        .relationships
        .iter()
        .filter(|r| r.from_table == rows)
        .map(|r| r.to_table.clone())
        .filter(|t| catalog.table(t).is_some_and(|d| d.label_column.is_some()))
        .collect()
}

/// A list shows, beside each row, the label of the one labelled table its
/// rows belong to ("the past due subscriptions" with their company), as
/// "… and who holds them" asks; rows of several such tables show none.
pub(super) fn owner_by_default(mut plan: Plan, catalog: &Catalog) -> Plan {
    if let Some(list) = plan.list.as_mut().filter(|l| l.shown.is_none()) {
        if let [one] = labelled_owners(&list.table, catalog).as_slice() {
            list.shown = Some(one.clone());
        }
    }
    plan
}

/// A plain count of one table's rows ("the dormant accounts") as the list
/// of those rows, so that their owners can be shown beside them.
pub(super) fn rows_listed(plan: &mut Plan, catalog: &Catalog) {
    // ("which subscriptions are in trial": each row by its own key, one
    // each, is the rows too.)
    let by_own_key = match plan.groups.as_slice() {
        [] => None,
        [Group::Dim(c)] if plan.rank.is_none() => catalog
            .table(&c.table)
            .filter(|t| t.primary_key.as_deref() == Some(c.column.as_str()))
            .map(|t| t.name.clone()),
        _ => return,
    };
    if plan.list.is_some()
        || plan.compare.is_some()
        || !plan.groups.is_empty() && by_own_key.is_none()
    {
        return;
    }
    let (table, by) = match plan.measures.as_slice() {
        [Measure::Rows(t)] => (t.clone(), None),
        [Measure::Metric(m)] => match catalog.metric(m) {
            Some(d) if d.counts_rows() => {
                (d.table.clone(), d.filter.as_ref().map(|_| d.name.clone()))
            }
            _ => return,
        },
        _ => return,
    };
    if by_own_key.as_ref().is_some_and(|t| *t != table) {
        return;
    }
    plan.groups.clear();
    plan.measures.clear();
    plan.list = Some(ListSpec {
        by,
        ..ListSpec::every(&table)
    });
}

/// Verbs after "who" that say the rows are the person's own: they placed,
/// made, hold or received them (not "closed", "handled": done by others).
pub(super) const OWNER_VERBS: &[&str] = &[
    "has",
    "have",
    "had",
    "holds",
    "hold",
    "held",
    "owns",
    "own",
    "owned",
    "got",
    "gets",
    "received",
    "receives",
    "made",
    "makes",
    "placed",
    "places",
    "spent",
    "spends",
    "bought",
    "buys",
    "ordered",
    "orders",
    "paid",
    "pays",
    "raised",
    "opened",
    "submitted",
    "filed",
    "signed",
    "earned",
    "earns",
    "left",
    "is",
    "are",
    "was",
    "were",
    "churned",
    "canceled",
    "cancelled",
    "joined",
    "upgraded",
    "downgraded",
    "renewed",
];

/// "who placed the most orders", "who got the largest salary payment": a
/// ranking of rows, or the largest rows listed, answered with the one
/// person or company they belong to (a labelled table they refer to; where
/// several, the one whose label is personal: a person). `None` when no
/// one such table is.
pub(super) fn owners_for_who(plan: &Plan, most: bool, catalog: &Catalog) -> Option<Plan> {
    let rows = match &plan.list {
        Some(l) => l.table.clone(),
        None => plan
            .measures
            .first()
            .and_then(|m| super::clauses::measure_table(m, catalog))?,
    };
    let owners = labelled_owners(&rows, catalog);
    let owner = match (people(&owners, catalog).as_slice(), owners.as_slice()) {
        ([one], _) => (*one).clone(),
        ([], [one]) => one.clone(),
        _ => return None,
    };
    let mut plan = plan.clone();
    let label = catalog.table(&owner)?.label_column.clone()?;
    if let Some(list) = plan.list.as_mut() {
        // "who placed the most orders": the most of them, counted per
        // person, not the largest single orders.
        if most && list.order == ListOrder::Largest && list.by.is_none() {
            plan.list = None;
            plan.measures = vec![super::resolve::count_metric(&rows, catalog)];
            plan.rank = Some(super::plan::Rank::Top(1));
            plan.groups = vec![Group::Dim(Col::new(&owner, &label))];
            return Some(plan);
        }
        // The largest rows with no figure that sizes them ("who ordered
        // the most": how many, or how much?) stay unanswered.
        if list.order == ListOrder::Largest && list.by.is_none() {
            return None;
        }
        list.shown = Some(owner);
        return Some(plan);
    }
    // "who left us for a competitor in 2025?", "who is on a free trial?":
    // a count of rows, answered with the ones they belong to, listed.
    let counted = match plan.measures.as_slice() {
        [Measure::Rows(t)] => *t == rows,
        [Measure::Metric(m)] => catalog
            .metric(m)
            .is_some_and(|d| d.table == rows && d.counts_rows()),
        _ => false,
    };
    if plan.rank.is_none() && plan.groups.is_empty() && plan.compare.is_none() && counted {
        plan.per_entity = Some(super::plan::PerEntity {
            entity: owner,
            op: super::plan::Op::Ge,
            value: 1.0,
            list: true,
            average: false,
            with_empty: false,
        });
        return Some(plan);
    }
    if plan.rank.is_none() || !plan.groups.is_empty() || plan.compare.is_some() {
        return None;
    }
    plan.groups.push(Group::Dim(Col::new(&owner, &label)));
    Some(plan)
}
