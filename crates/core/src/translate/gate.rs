//! The gate every plan passes: each word of the question is accounted for,
//! linked to the catalog or the lexicon and taken by some part of the plan,
//! or known filler. A word nothing took means the answer would leave it
//! out, so the translator refuses and names it instead of answering around it.

use super::plan::{Group, Plan};
use super::read::Parsed;
use super::resolve::known_summary;
use super::{unsupported, Translation};
use crate::catalog::Catalog;

/// `Err` naming every word that nothing accounted for.
pub(super) fn every_word_accounted(parsed: &Parsed, catalog: &Catalog) -> Result<(), Translation> {
    if !parsed.unknown.is_empty() {
        return Err(unsupported(
            catalog,
            format!(
                "I don't know what {} means for this data. I know about {}.",
                quoted(&parsed.unknown),
                known_summary(catalog)
            ),
        ));
    }
    if !parsed.unaccounted.is_empty() {
        return Err(unsupported(
            catalog,
            format!(
                "I don't know what {} means here, and I won't answer without it.",
                quoted(&parsed.unaccounted)
            ),
        ));
    }
    Ok(())
}

/// Whether a reading has nothing left over (a previous question to build on).
pub(super) fn is_whole(parsed: &Parsed) -> bool {
    parsed.refusal.is_none() && parsed.unknown.is_empty() && parsed.unaccounted.is_empty()
}

fn quoted(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("'{w}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Verbs that, said first and followed by what they act on ("cancel the
/// subscription of ...", "refund all orders from ..."), order a change to
/// the data rather than ask about it.
const ACTS: &[&str] = &[
    "activate",
    "add",
    "approve",
    "archive",
    "assign",
    "ban",
    "block",
    "book",
    "cancel",
    "change",
    "charge",
    "close",
    "comp",
    "create",
    "credit",
    "deactivate",
    "debit",
    "delete",
    "disable",
    "discount",
    "downgrade",
    "drop",
    "edit",
    "email",
    "enable",
    "extend",
    "fix",
    "flag",
    "freeze",
    "grant",
    "insert",
    "invite",
    "issue",
    "mark",
    "merge",
    "move",
    "notify",
    "offboard",
    "onboard",
    "open",
    "pause",
    "pay",
    "raise",
    "refund",
    "reject",
    "remove",
    "rename",
    "renew",
    "reopen",
    "reset",
    "restore",
    "resume",
    "reverse",
    "revoke",
    "send",
    "set",
    "suspend",
    "tag",
    "terminate",
    "transfer",
    "unblock",
    "unpause",
    "unsubscribe",
    "update",
    "upgrade",
    "void",
    "waive",
];

/// Words that start what such a verb acts on.
const OBJECTS: &[&str] = &[
    "the", "a", "an", "all", "this", "that", "these", "those", "every", "each", "my", "our",
    "their", "his", "her", "its", "any", "them", "it",
];

/// Words said before an order that do not change it ("ok now close all
/// of them", "please cancel ...").
const LEAD_INS: &[&str] = &[
    "please", "pls", "ok", "okay", "now", "then", "so", "and", "also", "just", "alright",
];

/// Whether the question orders a change ("cancel the subscription of the
/// company with the most overdue invoices"): a verb that acts on data, or
/// a verb of the catalog's figures in its plain form, said first and
/// followed by what it acts on. Such a question is never read as a
/// question about the rows the verb names.
pub(super) fn orders_a_change(question: &str, catalog: &Catalog) -> bool {
    let lower = question.to_lowercase();
    let mut words = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .skip_while(|w| LEAD_INS.contains(w));
    let (Some(first), Some(second)) = (words.next(), words.next()) else {
        return false;
    };
    let catalog_verb = !super::lexicon::is_past_form(first)
        && catalog
            .metrics
            .iter()
            .any(|m| m.verbs.iter().any(|v| v == first));
    // "pause Osprey Logistics' subscription": a name is what it acts on too.
    let named = question
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .skip_while(|w| LEAD_INS.contains(&w.to_lowercase().as_str()))
        .nth(1)
        .is_some_and(|w| {
            let mut c = w.chars();
            c.next().is_some_and(char::is_uppercase) && c.any(char::is_lowercase)
        });
    ACTS.contains(&first) && named
        || (ACTS.contains(&first) || catalog_verb) && OBJECTS.contains(&second)
}

/// Whether the question asks "where" (its first word): a place, which is
/// read only from a column the question names ("customers by country"),
/// never from the other words ("where do our customers live").
pub(super) fn asks_where(question: &str) -> bool {
    first_word_is(question, &["where"])
}

/// The first word after a request's lead-in ("can you tell me who ...",
/// "show me who ...": "who").
fn first_word_is(question: &str, words: &[&str]) -> bool {
    const ASKING: &[&str] = &[
        "can", "could", "would", "will", "you", "tell", "show", "me", "us", "let", "i", "want",
        "to", "know", "see", "please", "pls", "ok", "okay", "now", "so", "and", "also", "just",
    ];
    question
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .find(|w| !ASKING.iter().any(|x| w.eq_ignore_ascii_case(x)))
        .is_some_and(|w| words.iter().any(|x| w.eq_ignore_ascii_case(x)))
}

/// "who left us for a competitor", "who ordered the most": a question that
/// asks who is answered with people or companies (rows of a table with a
/// label, grouped, listed or counted per entity), or not at all (it was a
/// count of churned subscriptions; the largest orders).
pub(super) fn who_without_entities(question: &str, plan: &Plan, catalog: &Catalog) -> bool {
    if !first_word_is(question, &["who", "whom", "whose"]) {
        return false;
    }
    let labelled = |t: &str| catalog.table(t).is_some_and(|d| d.label_column.is_some());
    let entity_group = plan
        .groups
        .iter()
        .any(|g| matches!(g, Group::Dim(c) if c.names_rows(catalog)));
    let entity_list = plan
        .list
        .as_ref()
        .is_some_and(|l| labelled(&l.table) || l.shown.is_some())
        || plan.per_entity.as_ref().is_some_and(|e| e.list);
    !(entity_group || entity_list)
}
