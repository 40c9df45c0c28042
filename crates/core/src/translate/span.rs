//! Time between two dates of the same rows: "average days to pay an
//! invoice", "how long does it take to close a ticket", "median hours to
//! resolve". The later date is the one the verb names (`paid_on` for "pay",
//! `closed_at` for "close"); the earlier one is the table's own date. Only
//! rows that have the later date count: an unpaid invoice has no time to pay.

use super::lexicon::{Kw, Lex, Word};
use super::plan::{Filter, Measure};
use super::read::is_filler;
use super::units::{unit_asked, unit_of, TimeUnit};
use super::words::{entries, Entry};
use crate::catalog::{Catalog, TableDef};

/// A duration between two dates read from the question: the measure, and
/// the unit it asked in ("days"; none for "how long").
pub(super) struct SpanRead {
    pub measure: Measure,
    pub unit: Option<TimeUnit>,
    /// States the rows were named by ("churned subscriptions").
    pub states: Vec<Filter>,
}

/// Finds "<unit|time|long> ... to|until <verb>" and marks its words used.
pub(super) fn scan(
    words: &[Word],
    texts: &[String],
    used: &mut [bool],
    catalog: &Catalog,
) -> Option<SpanRead> {
    let n = words.len();
    for i in 0..n {
        // A duration the catalog names ("how long", "time to close") is
        // its metric, not this reading.
        if words[i].lexes().iter().any(|l| matches!(l, Lex::Metric(_))) {
            continue;
        }
        let unit = unit_of(&texts[i]).filter(|_| !used[i]);
        // "long" is filler elsewhere ("how long"): read here all the same.
        let long = matches!(texts[i].as_str(), "time" | "long" | "how long");
        // "which topic takes the longest to resolve": the ranking word
        // opens the span and is left to rank by it.
        let ranking = matches!(
            texts[i].as_str(),
            "longest" | "the longest" | "shortest" | "the shortest" | "quickest" | "the quickest"
        );
        let long = long || ranking;
        if unit.is_none() && !long {
            continue;
        }
        // "days it takes to pay", "time until closing": fillers between;
        // "to close" may be one phrase of the lexicon.
        let joined = |t: &str| {
            ["to ", "until "]
                .iter()
                .find_map(|p| t.strip_prefix(p))
                .map(str::to_string)
        };
        let mut j = i + 1;
        // "days does it take customers to settle": who takes it, between.
        let subject = |w: &Word| w.lexes().iter().any(|l| matches!(l, Lex::Table(_)));
        // "days from invoice to payment": the rows' own date, said.
        let from = |w: &Word| w.is(Kw::From);
        // "days from invoice date to payment": the start's own date, said
        // (checked below against the date the span starts at).
        let date_of = |w: &Word| {
            w.lexes().iter().find_map(|l| match l {
                Lex::DateCol(c) => Some(c.clone()),
                _ => None,
            })
        };
        let mut said_start = None;
        while j < n
            && joined(&texts[j]).is_none()
            && (is_filler(&words[j])
                || is_take(&texts[j])
                || subject(&words[j])
                || from(&words[j])
                || j > 0 && from(&words[j - 1]) && date_of(&words[j]).is_some())
        {
            if j > 0 && from(&words[j - 1]) && !subject(&words[j]) {
                said_start = said_start.or_else(|| date_of(&words[j]));
            }
            j += 1;
        }
        // The verb: the rest of a joined phrase, else one of the next few
        // words ("until an account is closed").
        let candidates: Vec<(String, usize)> = match joined(texts.get(j).map_or("", String::as_str))
        {
            Some(v) => vec![(v, j)],
            None if j + 1 < n
                && (words[j].is(Kw::To) || texts[j] == "until" || texts[j] == "before") =>
            {
                (j + 1..n.min(j + 5))
                    .map(|k| (texts[k].clone(), k))
                    .collect()
            }
            None => continue,
        };
        // The rows: a table named after "to", else before the unit.
        let named = (j + 1..n).chain((0..i).rev()).find_map(|k| {
            words[k].lexes().iter().find_map(|l| match l {
                Lex::Table(t) => Some((k, t.clone())),
                _ => None,
            })
        });
        let tables: Vec<&TableDef> = match &named {
            Some((_, t)) => catalog.table(t).into_iter().collect(),
            None => catalog.tables.iter().collect(),
        };
        let hit = candidates
            .iter()
            .find_map(|(verb, k)| dated_by(verb, &tables).map(|f| (f, *k)));
        let Some(((table, start, end), last)) = hit else {
            continue;
        };
        // "from due date to payment" starts at another date: not this span.
        if said_start
            .as_ref()
            .is_some_and(|c| c.table != table || c.column != start)
        {
            continue;
        }
        for u in used
            .iter_mut()
            .take(last + 1)
            .skip(i + usize::from(ranking))
        {
            *u = true;
        }
        if let Some((k, _)) = named {
            used[k] = true;
        }
        // "to pay an invoice after it's issued": the start's own date,
        // said after the verb.
        for k in last + 1..n {
            if !date_of(&words[k]).is_some_and(|c| c.table == table && c.column == start) {
                continue;
            }
            let Some(p) = (last + 1..k)
                .rev()
                .find(|&m| ["after", "since", "from"].contains(&texts[m].as_str()))
            else {
                continue;
            };
            if (p + 1..k).all(|m| is_filler(&words[m])) {
                for u in used.iter_mut().take(k + 1).skip(p) {
                    *u = true;
                }
            }
        }
        // "how long does it take to pay, in hours": the unit asked.
        let unit = unit.or_else(|| asked_unit(words, texts, used));
        return Some(SpanRead {
            measure: Measure::Span { table, start, end },
            unit,
            states: Vec::new(),
        });
    }
    lasting(words, texts, used, catalog)
}

/// "..., in days", "in months": the unit asked, its words marked used.
fn asked_unit(words: &[Word], texts: &[String], used: &mut [bool]) -> Option<TimeUnit> {
    let k = (1..words.len())
        .find(|&k| !used[k] && words[k - 1].is(Kw::In) && unit_asked(&texts[k]).is_some())?;
    used[k - 1] = true;
    used[k] = true;
    unit_asked(&texts[k])
}

/// Verbs of how long rows last: "how long do subscriptions last", "how
/// many days did closed accounts stay open".
pub(super) const LAST: &[&str] = &[
    "last", "lasts", "lasted", "stay", "stays", "stayed", "remain", "remains", "remained", "live",
    "lives", "lived", "survive", "survives", "survived",
];

/// Nouns of how long a row lasted: "average subscription length".
pub(super) const LENGTH: &[&str] = &["length", "lifetime", "lifespan", "duration", "tenure"];

/// What may follow such a verb: "stay open", "remain active".
pub(super) const STILL: &[&str] = &["open", "opened", "active", "alive", "live", "around"];

/// How long rows last: from their own date to the one date that ends them,
/// over the rows that have it. "how long do churned subscriptions last, in
/// days", "on average, how many days did closed accounts stay open",
/// "average subscription length". The end is the date a state of the named
/// rows reads ("closed": `closed_on IS NOT NULL`), else the table's one
/// other time column; with several and none named, nothing is read.
fn lasting(
    words: &[Word],
    texts: &[String],
    used: &mut [bool],
    catalog: &Catalog,
) -> Option<SpanRead> {
    let n = words.len();
    // The rows: one table, said by its word, a state, or a value of its
    // own ("savings accounts", left to be read as its filter).
    // ... or by a count the catalog names of them ("a churned
    // subscription": the count of canceled ones, whose condition is a
    // state's).
    let rows_of = |w: &Word| -> Option<(String, Option<String>)> {
        w.lexes().iter().find_map(|l| match l {
            Lex::Table(t) => Some((t.clone(), None)),
            Lex::State(s) => super::plan::state_table(s, catalog).map(|t| (t, Some(s.clone()))),
            Lex::Metric(m) => {
                let d = catalog.metric(m)?;
                if !d.counts_rows() {
                    return None;
                }
                let state = d.filter.as_ref().and_then(|f| {
                    catalog
                        .states
                        .iter()
                        .find(|s| s.table == d.table && s.condition.trim() == f.trim())
                        .map(|s| s.name.clone())
                });
                (d.filter.is_none() || state.is_some()).then(|| (d.table.clone(), state))
            }
            _ => None,
        })
    };
    let value_of = |w: &Word| -> Option<String> {
        match w.lexes().first() {
            Some(Lex::Value(c, _)) => Some(c.table.clone()),
            _ => None,
        }
    };
    // "average subscription length", "avg lifetime in days of churned
    // subscriptions": a noun of how long, which the catalog does not name
    // (a column called "duration" is that column).
    let noun = (0..n).find(|&k| {
        !used[k] && LENGTH.contains(&texts[k].as_str()) && matches!(words[k], Word::Unknown(_))
    });
    // "how long were closed accounts open": being open, right after the
    // rows, is how long they lasted.
    // "for accounts closed in 2024, how many days were they open", "had
    // they been open": the rows said by a pronoun.
    let being = |k: usize| {
        STILL.contains(&texts[k].as_str())
            && k > 0
            && (rows_of(&words[k - 1]).is_some()
                || value_of(&words[k - 1]).is_some()
                || matches!(texts[k - 1].as_str(), "they" | "been"))
            && (0..k - 1).any(|b| {
                matches!(
                    texts[b].as_str(),
                    "were" | "was" | "are" | "is" | "had" | "have" | "has"
                )
            })
    };
    let verb = (0..n).find(|&k| {
        !used[k]
            && (LAST.contains(&texts[k].as_str()) || being(k))
            // "last month" is a period.
            && !words.get(k + 1).is_some_and(|w| {
                w.lexes().iter().any(|l| matches!(l, Lex::Grain(_) | Lex::Number(_)))
                    || matches!(w, Word::Year(_) | Word::Quarter(_))
            })
    });
    // "long" is filler elsewhere ("how long"): read here all the same.
    let opener = (0..n).find(|&i| {
        !used[i] && unit_of(&texts[i]).is_some()
            || matches!(texts[i].as_str(), "long" | "how long" | "time")
    });
    let at = match (noun, verb, opener) {
        (Some(k), _, _) => k,
        (None, Some(k), Some(i)) if i < k => k,
        _ => return None,
    };
    // "stay open": the word after the verb says it, no state of the rows.
    let still = (at + 1 < n && STILL.contains(&texts[at + 1].as_str())).then_some(at + 1);
    let rows: Vec<(usize, String, Option<String>)> = (0..n)
        .filter(|&k| !used[k] && k != at && Some(k) != still)
        .filter_map(|k| rows_of(&words[k]).map(|(t, s)| (k, t, s)))
        .collect();
    let valued: Vec<String> = (0..n)
        .filter(|&k| !used[k] && k != at && Some(k) != still)
        .filter_map(|k| value_of(&words[k]))
        .collect();
    let table = rows
        .first()
        .map(|(_, t, _)| t.clone())
        .or_else(|| valued.first().cloned())?;
    if rows.iter().any(|(_, t, _)| *t != table) || valued.iter().any(|t| *t != table) {
        return None;
    }
    let def = catalog.table(&table)?;
    let start = def.time_column.clone()?;
    let states: Vec<String> = rows.iter().filter_map(|(_, _, s)| s.clone()).collect();
    // The date a state of the rows reads, else the one other time column.
    let read_by_state = states.iter().find_map(|s| {
        let cond = &catalog.states.iter().find(|d| d.name == *s)?.condition;
        let mut dates = def.date_columns().filter(|c| {
            c.name != start
                && cond
                    .split(|ch: char| !ch.is_alphanumeric() && ch != '_')
                    .any(|w| w == c.name)
        });
        let first = dates.next()?;
        dates.next().is_none().then(|| first.name.clone())
    });
    // The table's other time columns, else its other dates.
    let mut others: Vec<&str> = def.all_time_columns().filter(|c| *c != start).collect();
    if others.is_empty() {
        others = def
            .date_columns()
            .map(|c| c.name.as_str())
            .filter(|c| *c != start)
            .collect();
    }
    // Being open ends at the date a state of the rows reads ("closed"):
    // the rows still open ("dormant") have no end yet.
    let being_at = verb.filter(|&k| being(k) && noun.is_none());
    let end = match (read_by_state, others.as_slice()) {
        (Some(e), _) => e,
        (None, [one]) if being_at.is_none() => one.to_string(),
        _ => return None,
    };
    used[at] = true;
    if let Some(k) = still {
        used[k] = true;
    }
    for (k, _, _) in &rows {
        used[*k] = true;
    }
    let mut unit = None;
    if let Some(i) = opener {
        used[i] = true;
        unit = unit_of(&texts[i]);
    }
    if let Some(u) = asked_unit(words, texts, used) {
        unit = unit.or(Some(u));
    }
    // "last before cancelling": the verb of the end, said again.
    let of_rows = |w: &Word| {
        w.lexes().iter().any(|l| match l {
            Lex::Verb(m) | Lex::Metric(m) => catalog.metric(m).is_some_and(|d| d.table == table),
            Lex::State(s) => {
                super::plan::state_table(s, catalog).as_deref() == Some(table.as_str())
            }
            _ => false,
        })
    };
    if at + 2 < n
        && matches!(texts[at + 1].as_str(), "before" | "until" | "till")
        && of_rows(&words[at + 2])
    {
        used[at + 1] = true;
        used[at + 2] = true;
    }
    // "..., average days": a unit said on its own, not a bucket ("by day").
    if let Some(k) = (0..n).find(|&k| {
        !used[k]
            && unit_of(&texts[k]).is_some()
            && (k == 0 || !words[k - 1].is(Kw::By) && words[k - 1].number().is_none())
    }) {
        used[k] = true;
        unit = unit.or_else(|| unit_of(&texts[k]));
    }
    Some(SpanRead {
        measure: Measure::Span {
            table: table.clone(),
            start,
            end,
        },
        unit,
        states: states
            .into_iter()
            .map(|name| Filter::State {
                name,
                negated: false,
            })
            .collect(),
    })
}

/// The one table of `tables` whose rows a verb dates: (table, its own date,
/// the date the verb names). Two tables the verb could date: none.
fn dated_by(verb: &str, tables: &[&TableDef]) -> Option<(String, String, String)> {
    let mut found = tables.iter().filter_map(|t| {
        let end = date_of_verb(verb, t)?;
        let start = t.time_column.clone()?;
        (start != end).then(|| (t.name.clone(), start, end))
    });
    match (found.next(), found.next()) {
        (Some(f), None) => Some(f),
        _ => None,
    }
}

/// "it takes", "does it take", "did it take": the words between.
fn is_take(text: &str) -> bool {
    matches!(
        text,
        "it" | "take" | "takes" | "took" | "taken" | "on" | "average"
    )
}

/// The date column of `t` that a verb names: its name's first word is the
/// verb's past form ("pay": `paid_on`, "close": `closed_at`, "ship":
/// `shipped_at`), or a synonym of it is.
fn date_of_verb(verb: &str, t: &TableDef) -> Option<String> {
    let forms = past_forms(verb);
    let mut dated = t.date_columns();
    // The column's name or a synonym starts with one of the forms
    // ("settled on" for "settle").
    let hit = |c: &&crate::catalog::ColumnDef| {
        let head = c.name.split('_').next().unwrap_or_default();
        forms.iter().any(|f| f == head)
            || c.synonyms.iter().any(|s| {
                let first = s.split(' ').next().unwrap_or_default();
                forms.iter().any(|f| first.eq_ignore_ascii_case(f))
            })
    };
    let first = dated.find(hit)?;
    // Two columns the verb could name: not guessed.
    dated.find(hit).is_none().then(|| first.name.clone())
}

/// "pay": paid; "close": closed; "ship": shipped; "cancel": canceled, cancelled.
fn past_forms(verb: &str) -> Vec<String> {
    let mut v = verb.trim().to_lowercase();
    if v.len() < 3 {
        return Vec::new();
    }
    // A noun of the act: "payment" is "pay", "shipment" "ship".
    if let Some(stem) = v.strip_suffix("ment").filter(|s| s.len() >= 3) {
        v = stem.to_string();
    }
    let mut out = vec![v.clone()];
    for (phrase, entry) in entries() {
        if matches!(&entry, Entry::Form(base) if *base == v) {
            out.push(phrase);
        }
    }
    if let Some(stem) = v.strip_suffix('e') {
        out.push(format!("{stem}ed"));
    } else if let Some(stem) = v.strip_suffix('y') {
        out.push(format!("{stem}ied"));
    } else {
        out.push(format!("{v}ed"));
        if let Some(last) = v.chars().last() {
            out.push(format!("{v}{last}ed"));
        }
    }
    out.push(format!("{v}d"));
    out
}

/// "resolved within 24 hours", "closed on the same day", "paid within 2
/// days": a condition on the time from the table's own date to the date the
/// verb right before names. The words are marked used; `None` leaves them
/// to be refused.
pub(super) fn within(
    words: &[Word],
    texts: &[String],
    used: &mut [bool],
    catalog: &Catalog,
) -> Option<Filter> {
    let n = words.len();
    for i in 0..n {
        if used[i] {
            continue;
        }
        // "took more than 5 days to resolve", "resolved in over 2 days":
        // longer than a count of a unit, the verb after "to" or before.
        if words[i].is(Kw::Over) {
            let count = words.get(i + 1).and_then(Word::number);
            let unit = texts.get(i + 2).and_then(|t| unit_of(t));
            let (Some(c), Some(u)) = (count, unit) else {
                continue;
            };
            // The verb after "to" (one word, or read with it: "to close"),
            // else the one before.
            let after = texts.get(i + 3).and_then(|t| match t.strip_prefix("to ") {
                Some(v) => Some((i + 3, v.to_string())),
                None if t == "to" => texts.get(i + 4).map(|v| (i + 4, v.clone())),
                None => None,
            });
            let verb = after.or_else(|| {
                (0..i)
                    .rev()
                    .find(|&j| !is_filler(&words[j]) && !words[j].is(Kw::In))
                    .map(|j| (j, texts[j].clone()))
            });
            let Some((v, verb)) = verb else { continue };
            let Some((table, start, end)) = dated_by(&verb, &named_tables(words, catalog)) else {
                continue;
            };
            used[v] = true;
            let last = if v > i { v } else { i + 2 };
            for u in used.iter_mut().take(last + 1).skip(i) {
                *u = true;
            }
            if v < i && i > 0 && words[i - 1].is(Kw::In) {
                used[i - 1] = true;
            }
            return Some(Filter::Span {
                col: super::lexicon::Col::new(&table, &end),
                start,
                within: Some(c * u.seconds as f64),
                same: None,
                longer: true,
            });
        }
        // The span and how many words say it.
        let (within, same, len) = match texts[i].as_str() {
            "within a day" | "within 24 hours" => (Some(86_400.0), None, 1),
            "within an hour" => (Some(3_600.0), None, 1),
            "within a week" => (Some(604_800.0), None, 1),
            "same day" | "the same day" | "on the same day" => (None, Some("%Y-%m-%d"), 1),
            "same week" => (None, Some("%G-%V"), 1),
            "same month" => (None, Some("%Y-%m"), 1),
            "within" => {
                let count = words.get(i + 1).and_then(Word::number);
                let unit = texts.get(i + 2).and_then(|t| unit_of(t));
                match (count, unit) {
                    (Some(c), Some(u)) if c > 0.0 => (Some(c * u.seconds as f64), None, 3),
                    _ => continue,
                }
            }
            _ => continue,
        };
        // The verb right before ("resolved", "closed"), fillers aside.
        let v = (0..i).rev().find(|&j| !is_filler(&words[j]))?;
        let (table, start, end) = dated_by(&texts[v], &named_tables(words, catalog))?;
        used[v] = true;
        for u in used.iter_mut().skip(i).take(len) {
            *u = true;
        }
        return Some(Filter::Span {
            col: super::lexicon::Col::new(&table, &end),
            start,
            within,
            same: same.map(str::to_string),
            longer: false,
        });
    }
    None
}

/// The tables the question names, else every table.
fn named_tables<'a>(words: &[Word], catalog: &'a Catalog) -> Vec<&'a TableDef> {
    let named: Vec<String> = words
        .iter()
        .flat_map(|w| w.lexes())
        .filter_map(|l| match l {
            Lex::Table(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    catalog
        .tables
        .iter()
        .filter(|t| named.is_empty() || named.contains(&t.name))
        .collect()
}
