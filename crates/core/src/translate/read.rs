//! Linked words to plan parts. Anything it cannot place is kept as unknown,
//! so the translator refuses rather than answer around it.

use chrono::NaiveDate;

use super::keywords::{keyword, KwState};
use super::lexicon::{is_past_form, is_plural, Col, Grain, Kw, Lex, Word};
use super::period::{self, Span};
use super::plan::{
    add_value, group_in, push_group, push_measure, Compare, Filter, Group, Measure, Plan, Rank,
};
use super::threshold::{default_threshold_column, PerEntityRead};
use super::units;
use super::words;
use crate::catalog::Catalog;

/// A question read into plan parts, with what blocks an answer.
#[derive(Debug, Default)]
pub struct Parsed {
    pub plan: Plan,
    /// A ranking word named its rows itself: `Some(plural)` of the first
    /// table or metric word after it ("top 5 card payments"), with whether
    /// it gave a number.
    pub ranked_rows: Option<(bool, bool)>,
    /// The question asks "how many" or "number of", even where a catalog
    /// phrase took those words in ("how many clients").
    pub asks_how_many: bool,
    /// "per customer": the table a figure is given per.
    pub per_table: Option<String>,
    /// Words that linked to nothing.
    pub unknown: Vec<String>,
    /// Words that linked to the catalog or the lexicon but that no part of
    /// the plan took: the gate refuses rather than answer without them.
    pub unaccounted: Vec<String>,
    /// Starts like a follow-up ("only", "what about", "by ... instead").
    pub follow_up: bool,
    /// A hard refusal found while reading (writes, personal data, forecasts).
    pub refusal: Option<String>,
    /// "same thing but in hours": a unit of time asked with no duration in
    /// the question; a follow-up of a duration gives it in that unit.
    pub stray_unit: Option<String>,
    /// Vague words with no measure ("how are we doing").
    pub vague: bool,
    /// "best" (true) or "worst" (false) ranked: which end depends on the
    /// figure (a duration is best when lowest).
    pub quality: Option<bool>,
    /// "slowest"/"fastest": a ranking that only a duration takes.
    pub speed: bool,
    /// "most common", "least frequent": ranked by how often rows occur.
    pub frequency: bool,
    /// "kyc status breakdown", "breakdown by plan": how the rows split.
    pub breakdown: bool,
    /// "most recent", "oldest": rows asked for in date order.
    pub recency: bool,
    /// "month over month": the grain each figure is set against the one
    /// before in.
    pub over_previous: Option<Grain>,
    /// Ratios, rates and other derived figures.
    pub derived: bool,
    /// The derived figure is a "rate" ("refund rate"), no other ratio.
    pub rate: bool,
    pub tables: Vec<String>,
    /// Tables whose rows a word names first of all ("subscriptions").
    pub named_rows: Vec<String>,
    /// After "how many", the table whose rows the first word names ("how
    /// many card payments by Vienna clients": transactions).
    pub how_many_of: Option<String>,
    /// The table whose rows the question's first word (fillers aside)
    /// names: "clients whose KYC is pending" is about clients.
    pub leads_with: Option<String>,
    /// "admins at enterprise companies", "mortgages of clients in Berlin":
    /// rows a value's plural names first, then of which other rows they
    /// are: the value's table.
    pub rows_first: Option<String>,
    /// "on" is said ("companies on annual billing"): rows in effect now,
    /// which no catalog state says.
    pub says_on: bool,
    pub wants_count: bool,
    /// "the most cash withdrawals": the rows a value names, whose catalog
    /// figure is an amount, ranked with no word saying number or amount;
    /// asked back ("by number" or "by amount").
    pub count_or_amount: Option<String>,
    pub wants_new: bool,
    /// The table "new" names ("new customers") and the metric that word names too.
    pub new_table: Option<(String, Option<String>)>,
    pub average: bool,
    pub dangling_number: bool,
    /// A catalog metric's verb ("sell"): that metric, unless something else is measured.
    pub weak_metric: Option<(String, String)>,
    /// "amount", "value": money words no threshold took.
    pub money_word: bool,
    /// "added", "gained": new rows counted, or a reading's change.
    pub gained: bool,
    /// Two date columns of one table, each said before a period.
    pub two_dates: bool,
    /// Tables named without a role ("revenue of product A").
    pub loose_tables: Vec<String>,
    /// A value phrase that names rows too ("cancelled orders").
    pub value_names_rows: bool,
    /// "by store": a value after "by".
    pub by_value: Option<(Col, String)>,
    /// "customers with more than 5 orders": a threshold on a figure per entity.
    pub per_entity: Option<PerEntityRead>,
    /// "revenue of Jane Smith": a name as typed (lower-cased) and the tables
    /// whose label it may be.
    pub named: Option<(String, Vec<String>)>,
    /// "how many countries": the dimension whose distinct values are counted.
    pub distinct: Option<Col>,
    /// The measure came from a metric's verb only ("do we sell").
    pub verb_measure: bool,
    /// How many filters were read before the first "is"/"are"/"was"/"were".
    pub part_from: Option<usize>,
    /// "trend" set a monthly bucket that a named one ("by quarter") replaces.
    pub implicit_month: bool,
    /// "per day", "daily", "a month": a time bucket named as a rate, not
    /// a split ("average orders per day" is one figure).
    pub per_grain: bool,
    /// "customers with refunded orders": rows said to have other rows.
    pub having: bool,
    /// "in which countries did at least 5 customers sign up? the count per
    /// country": the groups are asked for, each with its count, not their
    /// number.
    pub groups_asked: bool,
}

/// "which clients spent the most", "how many clients received a salary": a
/// count of an entity beside a verb of a figure whose rows link to that
/// entity. The entity is who did it: the verb's figure per entity (ranked),
/// or how many distinct entities have such rows (counted). A verb that no
/// reading takes is left for the gate: never dropped.
fn verb_of_subject(p: &mut Parsed, metric: &str, verb: &str, ranked: bool, catalog: &Catalog) {
    let entity_of = |m: &Measure| counted_entity(m, catalog);
    // "which product sold the most units": a figure of the verb's own rows.
    let verb_table = catalog.metric(metric).map(|d| d.table.as_str());
    let of_verb = |m: &Measure| super::clauses::measure_table(m, catalog).as_deref() == verb_table;
    if p.plan.measures.iter().all(of_verb) {
        return;
    }
    // "what did clients spend": the verb's own figure is there already, and
    // the subject's count beside it only says whose rows they are.
    let others: Vec<Measure> = p
        .plan
        .measures
        .iter()
        .filter(|m| !of_verb(m))
        .cloned()
        .collect();
    let entities: Vec<Option<String>> = others.iter().map(entity_of).collect();
    // "how much salary did a client receive": a figure of the verb's rows
    // named beside it is the figure, the verb's own only its kind.
    let named = p.plan.measures.iter().find_map(|m| match m {
        Measure::Metric(n) if of_verb(m) => Some(n.as_str()),
        _ => None,
    });
    let link = match (entities.as_slice(), catalog.metric(named.unwrap_or(metric))) {
        ([Some(e)], Some(d)) => catalog
            .relationships
            .iter()
            .find(|r| r.from_table == d.table && r.to_table == *e)
            .map(|r| (d, r)),
        _ => None,
    };
    let Some((d, rel)) = link else {
        // "how many products do we sell": the verb only says which rows
        // are meant, when no figure of it links to them.
        if !p.wants_count {
            p.unaccounted.push(verb.to_string());
        }
        return;
    };
    // The subject is accounted for by the verb: it is who the rows are of.
    let how_many = p.wants_count;
    take_subject(p, d, rel, how_many, ranked, catalog);
    p.verb_measure |= !how_many;
}

/// The group that lists a table's rows: by its name column, else by its
/// key where other rows refer to it (as `keywords::key_group` reads "by
/// account").
fn rows_group(table: &str, catalog: &Catalog) -> Option<Group> {
    let t = catalog.table(table)?;
    match &t.label_column {
        Some(l) => Some(Group::Dim(Col::new(table, l))),
        None => super::keywords::key_group(
            &Word::Known(vec![Lex::Table(table.to_string())]),
            false,
            catalog,
        ),
    }
}

/// The table whose rows one meaning of a word names: the table's own word,
/// or a count of its rows ("how many clients" names the clients).
pub(super) fn rows_named_by(l: &Lex, catalog: &Catalog) -> Option<String> {
    match l {
        Lex::Table(t) => Some(t.clone()),
        Lex::Metric(m) if super::resolve::is_count_all(m, catalog) => {
            catalog.metric(m).map(|d| d.table.clone())
        }
        _ => None,
    }
}

/// Whether a word of the question other than word `j` names rows of
/// `table` ("users created this year": "users" names the users).
fn named_by_another_word(words: &[Word], j: usize, table: &str, catalog: &Catalog) -> bool {
    words.iter().enumerate().any(|(k, w)| {
        k != j
            && w.lexes()
                .iter()
                .any(|l| rows_named_by(l, catalog).as_deref() == Some(table))
    })
}

/// A count of an entity, or of rows of a table with no figure of its own:
/// the entity's table.
pub(super) fn counted_entity(m: &Measure, catalog: &Catalog) -> Option<String> {
    match m {
        Measure::Rows(t) => Some(t.clone()),
        Measure::Metric(n) if super::resolve::is_count_all(n, catalog) => {
            catalog.metric(n).map(|d| d.table.clone())
        }
        _ => None,
    }
}

/// The subject of figure `d` (rows linking to it by `rel`) is whose rows
/// they are: after "how many", the distinct subjects among those rows;
/// else the figure alone, per subject when ranked.
fn take_subject(
    p: &mut Parsed,
    d: &crate::catalog::MetricDef,
    rel: &crate::catalog::Relationship,
    how_many: bool,
    ranked: bool,
    catalog: &Catalog,
) {
    p.tables.retain(|t| *t != rel.to_table);
    p.loose_tables.retain(|t| *t != rel.to_table);
    if how_many {
        p.plan.measures = vec![Measure::Distinct {
            col: Col::new(&d.table, &rel.from_column),
            base: d.table.clone(),
            filter: d.filter.clone(),
        }];
        return;
    }
    p.plan.measures = vec![Measure::Metric(d.name.clone())];
    let label = catalog
        .table(&rel.to_table)
        .and_then(|t| t.label_column.clone());
    if let (true, true, Some(l)) = (ranked, p.plan.groups.is_empty(), label) {
        p.plan.groups.push(Group::Dim(Col::new(&rel.to_table, &l)));
    }
}

/// "what did clients spend", "how many clients received a salary": a count
/// of an entity beside one figure whose rows link to it, with no "and" or
/// "vs" to set them side by side. The entity is whose rows they are: the
/// figure alone, its distinct entities after "how many", or the figure per
/// entity when ranked. Never two figures of different tables.
fn subject_of_figure(
    p: &mut Parsed,
    words: &[Word],
    texts: &[String],
    ranked: bool,
    catalog: &Catalog,
) {
    let [a, b] = p.plan.measures.as_slice() else {
        return;
    };
    let entity_of = |m: &Measure| counted_entity(m, catalog);
    let (entity, figure) = match (entity_of(a), entity_of(b)) {
        (Some(e), None) => (e, b.clone()),
        (None, Some(e)) => (e, a.clone()),
        _ => return,
    };
    let Measure::Metric(name) = &figure else {
        return;
    };
    let Some(d) = catalog.metric(name) else {
        return;
    };
    let Some(rel) = catalog.relationship(&d.table, &entity) else {
        return;
    };
    if words.iter().any(|w| w.is(Kw::And) || w.is(Kw::Vs)) {
        return;
    }
    let how_many = p.wants_count
        || texts
            .iter()
            .any(|t| t.starts_with("how many") || t.starts_with("number of"));
    take_subject(p, d, rel, how_many, ranked, catalog);
}

/// Whether a word of the question asks for a number ("how many", "number
/// of", "count of").
pub(super) fn says_how_many(texts: &[String]) -> bool {
    texts
        .iter()
        .any(|t| HOW_MANY.iter().any(|h| t.starts_with(h)))
}

/// The words that ask for a number.
pub(super) const HOW_MANY: [&str; 3] = ["how many", "number of", "count of"];

/// Words saying a count is of distinct things ("how many different products").
pub(super) const DISTINCT_WORDS: [&str; 3] = ["different", "distinct", "unique"];

/// The count of `table`'s rows with a two-word synonym made of `word` (or
/// its singular or plural) and another word of the question, in either
/// order ("churned customers" for "how many customers churned"). A total
/// ("products sold": units) is no count of those rows.
fn catalog_names_pair(
    catalog: &Catalog,
    table: &str,
    word: &str,
    texts: &[String],
) -> Option<String> {
    let stem = |w: &str| w.trim_end_matches('s').to_string();
    let word = stem(word);
    let pair = |syn: &String| match syn.split_whitespace().collect::<Vec<_>>().as_slice() {
        [a, b] => {
            let (a, b) = (stem(a), stem(b));
            let other = if a == word {
                Some(b)
            } else if b == word {
                Some(a)
            } else {
                None
            };
            other.is_some_and(|o| texts.iter().any(|t| stem(t) == o))
        }
        _ => false,
    };
    catalog
        .metrics
        .iter()
        .find(|m| {
            m.table == table && m.expression.starts_with("COUNT(") && m.synonyms.iter().any(pair)
        })
        .map(|m| m.name.clone())
}

/// "month over month revenue this year": a period longer than the grain is
/// a series of that grain, each bucket's change from the one before; one
/// period of the grain ("last month, month over month") stays two figures.
fn over_previous(p: &mut Parsed) {
    let Some(grain) = p.over_previous else {
        return;
    };
    let longer = match (&p.plan.period, period::months_of(grain)) {
        (Some(period), Some(m)) => match period.span {
            Span::Months(n) => n > m,
            Span::Days(d) => d > 31 * i64::from(m),
        },
        (Some(period), None) => match period.span {
            Span::Months(_) => true,
            Span::Days(d) => d > if grain == Grain::Week { 7 } else { 1 },
        },
        (None, _) => false,
    };
    if longer && p.plan.compare == Some(Compare::Previous) {
        p.plan.compare = None;
        p.plan.growth = true;
        push_group(&mut p.plan.groups, Group::Time(grain));
    }
}

/// "on average how many orders does a customer place", "average number of
/// accounts an account holder has": the entity after "a"/"an"/"each" is
/// what the average is per, as after "per".
fn per_one_entity(p: &mut Parsed, words: &[Word], texts: &[String], catalog: &Catalog) {
    if !p.average || p.per_table.is_some() {
        return;
    }
    let [Measure::Metric(m)] = p.plan.measures.as_slice() else {
        return;
    };
    let Some(counted) = catalog.metric(m).map(|d| d.table.clone()) else {
        return;
    };
    let one =
        |j: usize| j > 0 && ["a", "an", "each", "every", "one"].contains(&texts[j - 1].as_str());
    // "a salaried client": one word saying what kind between.
    let one_of_a_kind = |j: usize| {
        one(j)
            || j > 1
                && one(j - 1)
                && !words[j - 1]
                    .lexes()
                    .iter()
                    .any(|l| matches!(l, Lex::Table(_)))
    };
    let entity = (0..words.len())
        .filter(|&j| one_of_a_kind(j))
        .find_map(|j| {
            words[j].lexes().iter().find_map(|l| match l {
                Lex::Table(t) if *t != counted && catalog.relationship(&counted, t).is_some() => {
                    Some(t.clone())
                }
                _ => None,
            })
        });
    if let Some(t) = entity {
        p.tables.retain(|x| *x != t);
        p.loose_tables.retain(|x| *x != t);
        p.per_table = Some(t);
        p.derived = true;
    }
}

/// "revenue per order", "units per order": a total of a table's rows per
/// row of that same table can only be its average per row (there is no
/// breakdown by each row to mean instead).
fn total_per_own_row(p: &mut Parsed, catalog: &Catalog) {
    let (Some(t), [Measure::Metric(m)]) = (&p.per_table, p.plan.measures.as_slice()) else {
        return;
    };
    let summed = catalog.metric(m).is_some_and(|d| {
        d.table == *t && d.is_additive() && d.expression.replace(' ', "").starts_with("SUM(")
    });
    if summed {
        p.average = true;
    }
}

/// "how many clients withdrew cash", "how many different products were sold
/// last month": the table right after "how many" is who the rows of the one
/// figure (or the verb's figure) are of, when those rows link to it: its
/// distinct keys among those rows are counted, never the figure itself.
fn counted_subject(
    p: &mut Parsed,
    words: &[Word],
    texts: &[String],
    verb_metric: Option<String>,
    catalog: &Catalog,
) {
    let Some(at) = texts
        .iter()
        .position(|t| t.starts_with("how many") || t.starts_with("number of"))
    else {
        return;
    };
    if p.distinct.is_some() || p.per_entity.is_some() {
        return;
    }
    // The entity: in the phrase itself ("how many clients") or right after.
    let entity_in = |w: &Word| {
        w.lexes().iter().find_map(|l| match l {
            Lex::Table(t) => Some(t.clone()),
            Lex::Metric(m) => counted_entity(&Measure::Metric(m.clone()), catalog)
                .or_else(|| distinct_keys_of(m, catalog)),
            _ => None,
        })
    };
    // "how many different products": the word says the count is distinct.
    let distinct_word = |j: usize| DISTINCT_WORDS.contains(&texts[j].as_str());
    let next = (at + 1..words.len()).find(|&j| !is_filler(&words[j]) && !distinct_word(j));
    let (entity, entity_word) = match entity_in(&words[at]) {
        Some(e) => (e, at),
        None => match next.and_then(|j| entity_in(&words[j]).map(|e| (e, j))) {
            Some(found) => found,
            None => return,
        },
    };
    // "how many customers churned" where the catalog calls churned
    // subscriptions "churned customers": the catalog's words win.
    // "how many unique products were sold" still asks for distinct ones.
    let distinct = texts.iter().any(|t| DISTINCT_WORDS.contains(&t.as_str()));
    let named_by_catalog = |table: &str| {
        if distinct {
            return None;
        }
        catalog_names_pair(catalog, table, &texts[entity_word], texts)
    };
    let others: Vec<&Measure> = p
        .plan
        .measures
        .iter()
        .filter(|m| {
            let counted = counted_entity(m, catalog).or_else(|| match m {
                Measure::Metric(n) => distinct_keys_of(n, catalog),
                _ => None,
            });
            counted.as_deref() != Some(entity.as_str())
        })
        .collect();
    let figure = match (others.as_slice(), &verb_metric) {
        ([Measure::Metric(m)], _) => m.clone(),
        ([], Some(m)) => m.clone(),
        ([], None) => {
            // "how many customers churned last quarter": the rows a state
            // names, of a table that links to the entity.
            let state_table = p.plan.state_tables(catalog).into_iter().next();
            let Some(t) = state_table.filter(|t| *t != entity) else {
                return;
            };
            if let Some(m) = named_by_catalog(&t) {
                p.plan.measures = vec![Measure::Metric(m)];
                p.tables.retain(|x| *x != entity);
                p.loose_tables.retain(|x| *x != entity);
                return;
            }
            let Some(rel) = catalog.relationship(&t, &entity) else {
                return;
            };
            p.plan.measures = vec![Measure::Distinct {
                col: Col::new(&t, &rel.from_column),
                base: t.clone(),
                filter: None,
            }];
            p.tables.retain(|x| *x != entity);
            p.loose_tables.retain(|x| *x != entity);
            p.unknown.retain(|u| !DISTINCT_WORDS.contains(&u.as_str()));
            return;
        }
        _ => return,
    };
    let Some(d) = catalog.metric(&figure) else {
        return;
    };
    if let Some(m) = named_by_catalog(&d.table).filter(|_| d.table != entity) {
        p.plan.measures = vec![Measure::Metric(m)];
        p.tables.retain(|x| *x != entity);
        p.loose_tables.retain(|x| *x != entity);
        return;
    }
    let Some(rel) = (d.table != entity)
        .then(|| catalog.relationship(&d.table, &entity))
        .flatten()
    else {
        return;
    };
    take_subject(p, d, rel, true, false, catalog);
    p.unknown.retain(|u| !DISTINCT_WORDS.contains(&u.as_str()));
}

/// "How much did we invoice in October": "how much" asks for an amount, so
/// a word that names both a table (invoices) and a verb of its money
/// figure (amount billed) is that figure, not a count of the rows.
fn how_much_of_a_verb(p: &mut Parsed, words: &[Word], texts: &[String], catalog: &Catalog) {
    let how_much = format!(" {} ", texts.join(" ")).contains(" how much ");
    if !how_much || p.wants_count {
        return;
    }
    // "how much has Quarry Partners paid us": with no figure read, the one
    // money figure a verb of the question names (read as a value too).
    let table = match p.plan.measures.as_slice() {
        [m] => match counted_entity(m, catalog) {
            Some(t) => Some(t),
            None => return,
        },
        [] if p.weak_metric.is_none()
            && p.plan.list.is_none()
            && !words.iter().any(|w| w.is(Kw::List)) =>
        {
            None
        }
        _ => return,
    };
    let mut money: Vec<String> = words
        .iter()
        .flat_map(|w| w.lexes())
        .filter_map(|l| match l {
            Lex::Verb(v) => catalog
                .metric(v)
                .filter(|d| table.as_ref().is_none_or(|t| d.table == *t) && d.format == "money")
                .map(|d| d.name.clone()),
            _ => None,
        })
        .collect();
    money.dedup();
    if let [v] = money.as_slice() {
        p.plan.measures = vec![Measure::Metric(v.clone())];
    }
}

/// The table a metric counts the distinct keys of ("account holders":
/// `COUNT(DISTINCT client_id)` over accounts counts clients).
pub(super) fn distinct_keys_of(metric: &str, catalog: &Catalog) -> Option<String> {
    let d = catalog.metric(metric)?;
    let e = d.expression.replace(' ', "");
    catalog
        .relationships
        .iter()
        .find(|r| r.from_table == d.table && e == format!("COUNT(DISTINCT{})", r.from_column))
        .map(|r| r.to_table.clone())
}

/// The state's table, when the phrase that named the state names it too.
fn state_table_named(state: &str, phrase: &str, catalog: &Catalog) -> Option<String> {
    let table = &catalog.states.iter().find(|s| s.name == state)?.table;
    phrase_names_table(phrase, table, catalog).then(|| table.clone())
}

/// Whether a phrase ("private clients", "closed accounts") holds the name of
/// `table` or one of its synonyms, singular or plural.
pub(super) fn phrase_names_table(phrase: &str, table: &str, catalog: &Catalog) -> bool {
    let Some(table) = catalog.table(table) else {
        return false;
    };
    let words: Vec<&str> = phrase.split(' ').collect();
    let names = std::iter::once(table.name.replace('_', " ")).chain(table.synonyms.iter().cloned());
    names.map(|n| n.to_lowercase()).any(|n| {
        let singular = n.strip_suffix('s').unwrap_or(&n).to_string();
        words.windows(n.split(' ').count()).any(|w| {
            let w = w.join(" ");
            w == n || w == singular
        })
    })
}

/// A word that names a dimension and nothing else: no table, figure, value or state.
pub(super) fn distinct_dim(w: &Word, catalog: &Catalog) -> Option<Col> {
    let lexes = w.lexes();
    if lexes.iter().any(|l| {
        matches!(
            l,
            Lex::Table(_) | Lex::Metric(_) | Lex::Value(..) | Lex::State(_) | Lex::Verb(_)
        )
    }) {
        return None;
    }
    lexes.iter().find_map(|l| match l {
        Lex::Dim(c)
            if catalog
                .table(&c.table)
                .and_then(|t| t.column(&c.column))
                .is_some_and(|d| d.dimension && !d.personal) =>
        {
            Some(c.clone())
        }
        _ => None,
    })
}

/// Filler, unless it can also name something in the catalog.
pub(super) fn is_filler(w: &Word) -> bool {
    let l = w.lexes();
    l.contains(&Lex::Filler) && l.iter().all(|l| matches!(l, Lex::Filler | Lex::Numeric(_)))
}

/// Whether the first table or metric word after a list word (`at`) is in
/// the singular ("the biggest order" and not "the biggest orders").
fn names_rows_in_singular(words: &[Word], texts: &[String], at: Option<usize>) -> bool {
    // "the cheapest accessory": a value names the rows too.
    // "the booked incoming payments": a past form before the rows is said
    // of them, neither singular nor plural.
    let valued = at.and_then(|a| {
        (a + 1..words.len()).find(|&j| {
            !is_past_form(&texts[j])
                && words[j]
                    .lexes()
                    .iter()
                    .any(|l| matches!(l, Lex::Table(_) | Lex::Metric(_) | Lex::Value(..)))
        })
    });
    first_rows_word(words, at)
        .filter(|&j| !is_past_form(&texts[j]))
        .or(valued)
        .is_some_and(|j| !is_plural(&texts[j]))
}

/// The first word after `at` that names a table or a metric.
fn first_rows_word(words: &[Word], at: Option<usize>) -> Option<usize> {
    (at? + 1..words.len()).find(|&j| {
        words[j]
            .lexes()
            .iter()
            .any(|l| matches!(l, Lex::Table(_) | Lex::Metric(_)))
    })
}

/// The tables the question has named so far: its table words and the
/// tables of its figures.
pub(super) fn named_tables(p: &Parsed, catalog: &Catalog) -> Vec<String> {
    p.tables
        .iter()
        .cloned()
        .chain(
            p.plan
                .measures
                .iter()
                .filter_map(|m| super::clauses::measure_table(m, catalog)),
        )
        .collect()
}

/// "monthly active users in 2025": a distinct count named with its window
/// ("monthly", "weekly", "daily") counts per window, never once over the
/// whole period (which would be the year's active users).
fn metric_window(p: &mut Parsed, words: &[Word], texts: &[String], catalog: &Catalog) {
    if p.plan.groups.iter().any(|g| matches!(g, Group::Time(_))) {
        return;
    }
    let window = words.iter().zip(texts).find_map(|(w, t)| {
        let distinct = w.lexes().iter().any(|l| match l {
            Lex::Metric(m) => catalog.metric(m).is_some_and(|d| {
                d.expression
                    .replace(' ', "")
                    .to_uppercase()
                    .starts_with("COUNT(DISTINCT")
                    && p.plan.measures.contains(&Measure::Metric(m.clone()))
            }),
            _ => false,
        });
        let grain = t.split_whitespace().find_map(|x| match x {
            "daily" => Some(Grain::Day),
            "weekly" => Some(Grain::Week),
            "monthly" => Some(Grain::Month),
            "quarterly" => Some(Grain::Quarter),
            "yearly" | "annual" => Some(Grain::Year),
            _ => None,
        });
        grain.filter(|_| distinct)
    });
    if let Some(g) = window {
        push_group(&mut p.plan.groups, Group::Time(g));
    }
}

/// Reads linked words into plan parts.
pub fn parse(words: &[Word], texts: &[String], catalog: &Catalog, today: NaiveDate) -> Parsed {
    let mut p = Parsed {
        having: texts
            .iter()
            .any(|t| matches!(t.as_str(), "with" | "having" | "have" | "has" | "had")),
        ..Default::default()
    };
    let n = words.len();
    let mut used = vec![false; n];
    // Fillers are used from the start.
    for (i, w) in words.iter().enumerate() {
        if is_filler(w) {
            used[i] = true;
        }
    }
    // "resolved within 24 hours": a condition on two dates of the rows.
    if let Some(f) = super::span::within(words, texts, &mut used, catalog) {
        p.plan.filters.push(f);
    }
    if let Some(s) = super::span::scan(words, texts, &mut used, catalog) {
        p.plan.measures.push(s.measure);
        p.plan.unit = s.unit;
        p.plan.filters.extend(s.states);
    }
    match units::scan(words, texts, &mut used, catalog) {
        Ok(Some(unit)) => p.plan.unit = Some(unit),
        Ok(None) => {}
        Err(word) => {
            p.refusal = Some(format!(
                "'{word}' is a unit of time, and I can't tell which one duration to give in it."
            ));
            p.stray_unit = Some(word);
        }
    }
    if let Some(named) = super::names::scan(words, texts, &mut used, catalog) {
        p.named = Some(named.clone());
        p.plan.named = Some(named);
    }
    match super::daytype::scan(words, texts, &mut used) {
        Some(super::daytype::DayType::Split) => {
            push_group(&mut p.plan.groups, Group::Time(Grain::DayType))
        }
        Some(super::daytype::DayType::Only(weekend)) => p.plan.day_type = Some(weekend),
        None => {}
    }
    // "opened in 2024 and closed in 2025": two dates of the rows, each with
    // its own period, which one period or a comparison cannot say.
    let dated: Vec<(usize, Col)> = (0..n)
        .filter(|&j| {
            let period = |w: &Word| {
                matches!(
                    w,
                    Word::Year(_) | Word::Quarter(_) | Word::Half(_) | Word::Date(_)
                ) || matches!(w.kw(), Some(Kw::Last | Kw::This))
                    || w.lexes().iter().any(|l| matches!(l, Lex::Month(_)))
            };
            words.get(j + 1).is_some_and(|w| {
                period(w)
                    || matches!(w.kw(), Some(Kw::In | Kw::Since | Kw::Before | Kw::After))
                        && words.get(j + 2).is_some_and(period)
            })
        })
        .flat_map(|j| {
            words[j].lexes().iter().filter_map(move |l| match l {
                Lex::DateCol(c) => Some((j, c.clone())),
                // ("closed": a state reached on a date, `closed_on IS NOT
                // NULL`.)
                Lex::State(st) => catalog
                    .states
                    .iter()
                    .find(|d| d.name == *st)
                    .and_then(|d| super::plan::state_date(d, catalog))
                    .filter(|(_, empty)| !empty)
                    .map(|(c, _)| (j, c)),
                _ => None,
            })
        })
        .collect();
    p.two_dates = dated.iter().any(|(j, c)| {
        dated
            .iter()
            .any(|(k, d)| k != j && d.table == c.table && d.column != c.column)
    });
    let before_scan = used.clone();
    let found = period::scan(words, &mut used, today);
    let period_at = (0..n).find(|&i| used[i] && !before_scan[i]);
    // "invoices due in November", "transactions with a value date in
    // October": a date column named right before the period is its date.
    if let Some(s) = period_at {
        let named = (0..s)
            .rev()
            .find(|&j| {
                !is_filler(&words[j])
                    && !matches!(
                        words[j].kw(),
                        Some(Kw::In | Kw::Since | Kw::Before | Kw::After | Kw::From | Kw::Between)
                    )
            })
            .and_then(|j| {
                // "users created this year": the date of the rows the
                // question names, before another table's of that name.
                let dates: Vec<&Col> = words[j]
                    .lexes()
                    .iter()
                    .filter_map(|l| match l {
                        Lex::DateCol(c) if !used[j] => Some(c),
                        _ => None,
                    })
                    .collect();
                let of_named = dates
                    .iter()
                    .find(|c| named_by_another_word(words, j, &c.table, catalog));
                // "how many reports did Leo Kelly create this year": rows
                // of another table named (the events a value names), none
                // of the date's: the word is what those rows did, not the
                // date of the companies' creation.
                let other_rows = |t: &str| {
                    words.iter().enumerate().any(|(k, w)| {
                        k != j
                            && w.lexes().iter().any(|l| match l {
                                Lex::Value(c, _) => c.table != t,
                                Lex::Table(u) => u != t,
                                Lex::Metric(m) => catalog.metric(m).is_some_and(|d| d.table != t),
                                _ => false,
                            })
                    })
                };
                // ("accounts opened in 2024": the word names its rows.)
                let alone = dates
                    .first()
                    .filter(|c| !other_rows(&c.table) || says_table(&texts[j], &c.table, catalog));
                of_named.or(alone).map(|c| (j, (*c).clone()))
            });
        if let Some((j, c)) = named {
            used[j] = true;
            // "accounts opened in 2025" (the catalog's "account opening"):
            // the date's words that name its rows name them too.
            if says_table(&texts[j], &c.table, catalog) && !p.tables.contains(&c.table) {
                p.tables.push(c.table.clone());
            }
            p.plan.date_column = Some(c);
        }
    }
    // "in which quarter did the most companies sign up": a word that is a
    // date of the rows the question names and a verb of another table's
    // figure, whose rows it does not name, is that date.
    if p.plan.date_column.is_none() {
        let named_elsewhere = |j: usize, t: &str| named_by_another_word(words, j, t, catalog);
        let own_date = (0..n).filter(|&j| !used[j]).find_map(|j| {
            let lexes = words[j].lexes();
            let figures: Vec<String> = lexes
                .iter()
                .filter_map(|l| match l {
                    Lex::Verb(m) | Lex::Metric(m) => catalog.metric(m).map(|d| d.table.clone()),
                    _ => None,
                })
                .collect();
            if figures.is_empty() || figures.iter().any(|t| named_elsewhere(j, t)) {
                return None;
            }
            lexes.iter().find_map(|l| match l {
                Lex::DateCol(c) if named_elsewhere(j, &c.table) && !figures.contains(&c.table) => {
                    Some((j, c.clone()))
                }
                _ => None,
            })
        });
        if let Some((j, c)) = own_date {
            used[j] = true;
            p.plan.date_column = Some(c);
        }
    }
    // Elsewhere a date is a word's weakest meaning: "signup" is "new" first.
    let words: Vec<Word> = words
        .iter()
        .map(|w| match w {
            Word::Known(l) if l.iter().any(|x| !matches!(x, Lex::DateCol(_))) => Word::Known(
                l.iter()
                    .filter(|x| !matches!(x, Lex::DateCol(_)))
                    .cloned()
                    .collect(),
            ),
            _ => w.clone(),
        })
        .collect();
    let words = words.as_slice();
    if found.future {
        p.refusal = Some("I can only report on what has happened; I cannot forecast.".into());
    }
    let first = (0..n).find(|&i| !is_filler(&words[i]));
    if let Some(f) = first {
        p.follow_up = matches!(
            words[f].kw(),
            Some(
                Kw::Only
                    | Kw::WhatAbout
                    | Kw::Instead
                    | Kw::And
                    | Kw::By
                    | Kw::In
                    | Kw::Not
                    | Kw::Top
                    | Kw::Bottom
                    | Kw::Vs
            )
        ) && words[f]
            .lexes()
            .iter()
            .all(|l| matches!(l, Lex::Kw(_) | Lex::Filler));
    }
    // "high priority tickets only": the narrowing said last.
    if let Some(l) = (0..n).rev().find(|&i| !is_filler(&words[i])) {
        p.follow_up |= words[l].is(Kw::Only) && Some(l) != first;
    }
    if words.iter().any(|w| w.is(Kw::Instead)) {
        p.follow_up = true;
    }

    let any = |k: Kw| words.iter().any(|w| w.is(k));
    // Whether some other word names this table's rows ("tickets about returns").
    let names_table = |table: &str| {
        words.iter().any(|w| {
            w.lexes().iter().any(|l| match l {
                Lex::Metric(m) => catalog.metric(m).is_some_and(|m| m.table == table),
                Lex::Table(t) => t == table,
                _ => false,
            }) && !w.lexes().iter().any(|l| matches!(l, Lex::Value(..)))
        })
    };
    let list_context = any(Kw::List)
        || any(Kw::Recent)
        || any(Kw::Oldest)
        || any(Kw::Largest)
        || any(Kw::Smallest);
    let mut st = KwState::default();
    let mut plural_group = false;
    let mut singular_rank = false;
    let mut which_singular = false;
    // "the 5 products with the lowest revenue": a number before the ranked rows.
    let mut rank_n: Option<usize> = None;
    let mut ranked_rows_at: Option<usize> = None;

    let mut i = 0;
    while i < n {
        // "what % of checking accounts are closed": the filters named after
        // the verb are the part, those before it bound the whole.
        // "share of open tickets that nobody is assigned to": a clause
        // after the rows says the part too.
        let clause =
            ["that", "which", "who"].contains(&texts[i].as_str()) && !p.plan.filters.is_empty();
        if p.part_from.is_none()
            && (clause || ["is", "are", "was", "were"].contains(&texts[i].as_str()))
        {
            p.part_from = Some(p.plan.filters.len());
        }
        if used[i] {
            i += 1;
            continue;
        }
        let w = &words[i];
        // "what did clients spend": "what" before an auxiliary is the thing
        // asked for, not a "which" that picks out the clients.
        let pronoun = |j: usize| {
            texts[j] == "what"
                && texts.get(j + 1).is_some_and(|t| {
                    [
                        "did", "do", "does", "was", "were", "is", "are", "has", "have", "had",
                    ]
                    .contains(&t.as_str())
                })
        };
        let prev_kw = (0..i)
            .rev()
            .find(|&j| !is_filler(&words[j]) && !pronoun(j))
            .and_then(|j| words[j].kw());
        match w {
            Word::Unknown(t) => {
                p.unknown.push(t.clone());
                i += 1;
                continue;
            }
            Word::Year(_) | Word::Quarter(_) | Word::Half(_) | Word::Date(_) | Word::Name(_) => {
                p.unknown.push(texts[i].clone());
                i += 1;
                continue;
            }
            Word::Known(_) => {}
        }
        let lexes = w.lexes();
        // Keywords first.
        if let Some(k) = w
            .kw()
            .filter(|_| lexes.iter().all(|l| matches!(l, Lex::Kw(_) | Lex::Filler)))
        {
            used[i] = true;
            keyword(k, i, words, texts, &mut used, catalog, &mut p, &mut st);
            i += 1;
            continue;
        }
        if let Some(x) = w.number() {
            // "one" is also "ones" (a filler) by its stem.
            if lexes.len() == 1 || texts[i] == "one" {
                // "top 5" took its number already; "5 top" or a stray number.
                if words.get(i + 1).is_some_and(|w| {
                    w.kw().is_some_and(|k| {
                        k.ranks()
                            || matches!(k, Kw::Recent | Kw::Largest | Kw::Smallest | Kw::Oldest)
                    })
                }) {
                    i += 1;
                    continue;
                }
                if words
                    .get(i + 1)
                    .is_some_and(|w| w.is(Kw::AtLeast) || w.is(Kw::AtMost))
                {
                    i += 1;
                    continue;
                }
                let rows_next = words.get(i + 1).is_some_and(|w| {
                    w.lexes()
                        .iter()
                        .any(|l| matches!(l, Lex::Table(_) | Lex::Dim(_)))
                });
                let ranked_later = words[i + 1..].iter().any(|w| w.kw().is_some_and(Kw::ranks));
                if rows_next && ranked_later && (1.0..=1000.0).contains(&x) && x.fract() == 0.0 {
                    rank_n = Some(x as usize);
                    ranked_rows_at = Some(i + 1);
                    i += 1;
                    continue;
                }
                // "customers with one order", "clients that have 2
                // accounts": exactly that many.
                let had = i > 0
                    && ["with", "have", "has", "had", "having"].contains(&texts[i - 1].as_str());
                if had && rows_next && st.threshold.is_none() {
                    if let Some(t) = super::threshold::read(
                        Kw::Exactly,
                        i - 1,
                        words,
                        texts,
                        &mut used,
                        catalog,
                        &mut p,
                    ) {
                        st.threshold = Some(t);
                    }
                    i += 1;
                    continue;
                }
                p.dangling_number = true;
                p.unknown.push(texts[i].clone());
                i += 1;
                continue;
            }
        }
        // "satisfaction below 3": leave the column to the threshold after it.
        if lexes.iter().any(|l| matches!(l, Lex::Numeric(_)))
            && words.get(i + 1).is_some_and(|w| {
                matches!(
                    w.kw(),
                    Some(
                        Kw::Over | Kw::Under | Kw::AtLeast | Kw::AtMost | Kw::Exactly | Kw::Between
                    )
                )
            })
            && words.get(i + 2).and_then(Word::number).is_some()
        {
            i += 1;
            continue;
        }
        used[i] = true;
        // A named state of rows ("open tickets").
        if let Some(name) = lexes.iter().find_map(|l| match l {
            Lex::State(s) => Some(s.clone()),
            _ => None,
        }) {
            // "closed accounts": a state phrase that names its table names
            // the rows too, as "accounts" alone would.
            if let Some(t) = state_table_named(&name, &texts[i], catalog) {
                if !p.tables.contains(&t) {
                    p.tables.push(t);
                }
            }
            p.plan.filters.push(Filter::State {
                name,
                negated: std::mem::take(&mut st.negate_next),
            });
            i += 1;
            continue;
        }
        // "the customer with the most orders": rows an entity's word names
        // are ranked when a ranking word follows it (fillers between).
        let rank_follows = lexes.iter().any(|l| matches!(l, Lex::Table(_)))
            && (i + 1..words.len())
                .find(|&j| !is_filler(&words[j]))
                .is_some_and(|j| words[j].kw().is_some_and(Kw::ranks));
        let grouping = matches!(prev_kw, Some(Kw::By | Kw::Which))
            || prev_kw.is_some_and(|k| k.ranks() && !matches!(k, Kw::Most | Kw::Least))
            || st.rank.is_some() && p.plan.measures.is_empty() && !list_context
            || ranked_rows_at == Some(i)
            || rank_follows;
        // "has the most customers": a figure to rank by, not a group.
        let most_of = matches!(prev_kw, Some(Kw::Most | Kw::Least))
            && lexes.iter().any(|l| matches!(l, Lex::Metric(_)))
            && !p.plan.groups.is_empty();
        // "top 5 companies by events": the figure ranked groups are ranked
        // by, even where the word also names a column.
        let ranked_by = prev_kw == Some(Kw::By)
            && st.rank.is_some()
            && !p.plan.groups.is_empty()
            && lexes.iter().any(|l| matches!(l, Lex::Metric(_)));
        // "busiest month for events", "at what hour are events most
        // common": the rows a ranked group counts, not a second group,
        // even where the word also names a column.
        let rows_ranked = (st.rank.is_some() || rank_follows)
            && !p.plan.groups.is_empty()
            && !matches!(prev_kw, Some(Kw::By | Kw::Which))
            && lexes.iter().any(|l| matches!(l, Lex::Table(_)));
        let grouping = grouping && !most_of && !ranked_by && !rows_ranked;
        // Values are filters; negation applies to the next value only. A
        // value of several tables ("past due": invoices, subscriptions) is
        // the one of the rows the question names, else its likeliest.
        let values: Vec<(&Col, &String)> = lexes
            .iter()
            .filter_map(|l| match l {
                Lex::Value(c, v) => Some((c, v)),
                _ => None,
            })
            .collect();
        let of_named = values
            .iter()
            .find(|(c, _)| named_by_another_word(words, i, &c.table, catalog));
        if let Some((col, value)) = of_named
            .or(values.first())
            .map(|(c, v)| ((*c).clone(), (*v).clone()))
        {
            let metric_alt = lexes.iter().find_map(|l| match l {
                Lex::Metric(m) => Some(m.clone()),
                _ => None,
            });
            let prefer_metric = metric_alt.is_some() && !names_table(&col.table);
            if let (true, Some(m)) = (prefer_metric, metric_alt) {
                if st.negate_next {
                    p.refusal = Some(
                        "I can't take one figure out of another; ask for each on its own.".into(),
                    );
                }
                push_measure(&mut p.plan.measures, Measure::Metric(m));
            } else {
                // "which atm location": a value of one table right before a
                // column of another describes that column ("the ATM's
                // location"), which the data does not hold: never the
                // value's rows grouped by an unrelated column.
                let describes_other = words.get(i + 1).is_some_and(|next| {
                    let dims = next.dims();
                    !dims.is_empty() && dims.iter().all(|c| c.table != col.table)
                });
                if describes_other {
                    p.unaccounted.push(format!("{} {}", texts[i], texts[i + 1]));
                }
                // "bug reports", "logins": a phrase, or a plural of a value
                // that is not plural itself, names rows of that value.
                if texts[i].contains(' ')
                    || is_plural(&texts[i]) && !is_plural(&value.to_lowercase())
                {
                    p.value_names_rows = true;
                }
                // "which savings accounts are dormant": the rows the value
                // names are listed, as "which accounts" lists them.
                if prev_kw == Some(Kw::Which) && p.value_names_rows {
                    if let Some(g) = rows_group(&col.table, catalog) {
                        push_group(&mut p.plan.groups, g);
                    }
                }
                // "a credit card and a mortgage": a second value of the same
                // column after "and" (not "or"); of rows entities have, both.
                let joined_by_and = (0..i).rev().take(3).any(|j| {
                    matches!(texts[j].as_str(), "and" | "&" | "plus" | "as well as")
                }) && p.plan.filters.iter().any(|f| {
                    matches!(f, Filter::In { col: c, values, .. } if *c == col && !values.contains(&value))
                });
                // Only where rows are had ("clients who have a credit card
                // and a mortgage", "with both ..."): "companies on the team
                // plan and the business plan" are either.
                let had = texts.iter().any(|t| t == "both")
                    || texts[..i].iter().any(|t| {
                        matches!(
                            t.as_str(),
                            "have"
                                | "has"
                                | "had"
                                | "having"
                                | "hold"
                                | "holds"
                                | "held"
                                | "own"
                                | "owns"
                                | "with"
                        )
                    });
                if joined_by_and && had {
                    p.plan.each_value = true;
                }
                add_value(&mut p.plan.filters, col.clone(), value, st.negate_next);
                st.negate_next = false;
                // "mobile orders", "urgent tickets": the table word names rows, not a figure.
                // A metric's own synonym ("mobile sales": revenue) is that
                // metric, not rows to count.
                let names_figure = |w: &Word| {
                    w.lexes().iter().any(|l| {
                        matches!(l, Lex::Metric(m) if catalog.metric(m).is_some_and(|d| d.expression != "COUNT(*)"))
                    })
                };
                // The rows' own word: after the value, or in its phrase
                // ("enterprise customers").
                let mut rows_said = (texts[i].contains(' ')
                    && phrase_names_table(&texts[i], &col.table, catalog))
                .then(|| texts[i].clone());
                if let Some(j) = (i + 1..n).find(|&j| !used[j]).filter(|&j| j == i + 1) {
                    if words[j]
                        .lexes()
                        .iter()
                        .any(|l| *l == Lex::Table(col.table.clone()))
                        && !names_figure(&words[j])
                    {
                        used[j] = true;
                        if !p.tables.contains(&col.table) {
                            p.tables.push(col.table.clone());
                        }
                        rows_said = Some(texts[j].clone());
                    }
                }
                // "top 5 software products", "best selling software
                // product", "top 3 enterprise customers": ranked rows a value
                // names are grouped as "top 5 products" groups them (they
                // were the largest orders, or the dearest products).
                let named_entity = catalog
                    .table(&col.table)
                    .is_some_and(|t| t.label_column.is_some());
                // Only the rows ranked: with a group already ("which country
                // has the most enterprise customers") they are a filter.
                // "which Brazilian customers signed up in 2024": rows asked
                // for with "which", and nothing of other rows said of them,
                // are listed as "which customers" lists them.
                let of_other_rows = words[i + 1..].iter().any(|w| {
                    w.lexes().iter().any(|l| match l {
                        Lex::Table(t) => *t != col.table,
                        Lex::Value(c, _) => c.table != col.table,
                        Lex::State(st) => {
                            super::plan::state_table(st, catalog).is_none_or(|t| t != col.table)
                        }
                        Lex::Metric(m) => catalog.metric(m).is_none_or(|d| d.table != col.table),
                        _ => false,
                    })
                });
                let which_rows = prev_kw == Some(Kw::Which) && !of_other_rows;
                let ranked = (st.rank.is_some() || which_rows) && p.plan.groups.is_empty();
                if let (Some(said), true, true) = (rows_said, ranked, named_entity) {
                    if let Some(g) = rows_group(&col.table, catalog) {
                        push_group(&mut p.plan.groups, g);
                        if is_plural(&said) {
                            plural_group = true;
                        } else {
                            singular_rank = true;
                        }
                    }
                }
                // "in the web channel", "whose kyc is pending": the column
                // word beside a value (fillers aside) is only a qualifier.
                let prev_content = (0..i).rev().find(|&j| !is_filler(&words[j]));
                let next_content = (i + 1..n).find(|&j| !is_filler(&words[j]));
                for j in [next_content, prev_content].into_iter().flatten() {
                    if j < n
                        && !used[j]
                        && words[j].lexes().iter().any(|l| *l == Lex::Dim(col.clone()))
                    {
                        used[j] = true;
                    }
                }
                // "invoices paid by card": the column's word right before
                // its value ("paid by") said which column, no split by it.
                let said_before = prev_content
                    .is_some_and(|j| words[j].lexes().iter().any(|l| *l == Lex::Dim(col.clone())));
                if said_before {
                    p.plan.groups.retain(|g| *g != Group::Dim(col.clone()));
                }
            }
            i += 1;
            continue;
        }
        let metric = lexes.iter().find_map(|l| match l {
            Lex::Metric(m) => Some(m.clone()),
            _ => None,
        });
        let table = lexes.iter().find_map(|l| match l {
            Lex::Table(t) => Some(t.clone()),
            _ => None,
        });
        if let Some(t) = &table {
            if !p.tables.contains(t) {
                p.tables.push(t.clone());
            }
        }
        // "the last 24 hours": a span of hours, not the hour-of-day bucket.
        if matches!(w.grain(), Some(Grain::Hour | Grain::Weekday))
            && i > 0
            && (words[i - 1].number().is_some() || words[i - 1].is(Kw::Last))
        {
            p.unknown.push(format!("{} {}", texts[i - 1], texts[i]));
            i += 1;
            continue;
        }
        // "top 5 accounts by balance": a ranked table with no name column
        // is grouped by its key.
        let ranked_rows = grouping && prev_kw != Some(Kw::By);
        let dim = group_in(w, catalog, &named_tables(&p, catalog)).or_else(|| {
            ranked_rows
                .then(|| super::keywords::key_group(w, false, catalog))
                .flatten()
        });
        // "clients with marketing consent": a yes/no column after "with" or
        // "have" keeps the rows where it holds, no split by it.
        if let Some(Group::Dim(c)) = dim.as_ref().filter(|_| !grouping && i > 0) {
            let is_bool = c.column_type(catalog) == Some(crate::catalog::ColumnType::Bool);
            let mut k = if ["a", "an", "any"].contains(&texts[i - 1].as_str()) && i > 1 {
                i - 2
            } else {
                i - 1
            };
            // "clients who did not opt in": the negation was taken; the
            // rows are what comes before it.
            while k > 0
                && [
                    "did", "do", "does", "not", "never", "didn't", "don't", "doesn't",
                ]
                .contains(&texts[k].as_str())
            {
                k -= 1;
            }
            // "clients who opted in", "how many clients opted in": right
            // after the rows it is said of, the column is what they did.
            let of_rows = ["who", "that", "which"].contains(&texts[k].as_str())
                || words[k]
                    .lexes()
                    .iter()
                    .any(|l| rows_named_by(l, catalog).as_deref() == Some(c.table.as_str()))
                    && !matches!(prev_kw, Some(Kw::By));
            let with = [
                "with", "have", "has", "had", "having", "gave", "given", "who gave", "is", "are",
                "was", "were",
            ]
            .contains(&texts[k].as_str())
                || of_rows;
            if is_bool && with {
                // "what % of clients opted in, per segment": what the rows
                // did is the part.
                if of_rows && p.part_from.is_none() {
                    p.part_from = Some(p.plan.filters.len());
                }
                p.plan.filters.push(Filter::In {
                    col: c.clone(),
                    values: vec!["true".into()],
                    negated: std::mem::take(&mut st.negate_next),
                });
                i += 1;
                continue;
            }
        }
        // "avg invoice size": a column of another table right after a row's
        // name in the singular is a property of that row, which the catalog
        // does not hold; no split by the other table's column.
        if let Some(Group::Dim(c)) = dim.as_ref().filter(|_| !grouping && i > 0) {
            let last = texts[i - 1].rsplit(' ').next().unwrap_or_default();
            let compound = !is_plural(last)
                && !matches!(prev_kw, Some(Kw::By))
                && catalog.tables.iter().any(|t| {
                    phrase_names_table(last, &t.name, catalog)
                        && t.name != c.table
                        && t.column(&c.column).is_none()
                });
            // ... unless the word is also a filler ("size", as "value").
            if compound {
                if !w.lexes().contains(&Lex::Filler) {
                    p.unknown.push(format!("{} {}", texts[i - 1], texts[i]));
                }
                i += 1;
                continue;
            }
        }
        // "top 5 customers by mrr, with their names": the name of rows
        // already split by is shown beside them, no second split.
        if dim.is_some()
            && i > 0
            && ["their", "its", "the", "with", "and"].contains(&texts[i - 1].as_str())
            && w.dims()
                .iter()
                .any(|c| super::describe::is_label(c, catalog))
            && p.plan
                .groups
                .iter()
                .any(|g| matches!(g, Group::Dim(c) if super::describe::is_label(c, catalog)))
            && super::shown::NAME_WORDS.contains(&texts[i].as_str())
        {
            i += 1;
            continue;
        }
        // A word that names a dimension in a ranking or "by" position is a group.
        if let Some(g) = dim
            .clone()
            .filter(|_| grouping || metric.is_none() && table.is_none())
        {
            if matches!(g, Group::Dim(_)) && is_plural(&texts[i]) {
                plural_group = true;
            }
            // "busiest month", "top product": one, when no number says more.
            let ranked = prev_kw.is_some_and(Kw::ranks);
            // "lowest revenue month": the ranked rows named in the singular.
            if (ranked || p.plan.groups.is_empty()) && !is_plural(&texts[i]) {
                singular_rank = true;
            }
            // "which city's clients spent the most": one city, whatever
            // plural follows.
            if matches!(prev_kw, Some(Kw::Which)) && !is_plural(&texts[i]) {
                which_singular = true;
            }
            if matches!(g, Group::Time(_)) && is_plural(&texts[i]) {
                plural_group = true;
            }
            // "by company segment": the table word before a column of its
            // own only says whose column it is, it is no group of its own.
            if let (Group::Dim(c), true) = (&g, i > 0) {
                let label = catalog
                    .table(&c.table)
                    .and_then(|t| t.label_column.clone())
                    .filter(|l| *l != c.column);
                let qualifier = Group::Dim(Col::new(&c.table, &label.unwrap_or_default()));
                let named_before = words[i - 1]
                    .lexes()
                    .iter()
                    .any(|l| *l == Lex::Table(c.table.clone()));
                if named_before && p.plan.groups.last() == Some(&qualifier) {
                    p.plan.groups.pop();
                }
            }
            // A dimension word right beside its own value was handled above.
            push_group(&mut p.plan.groups, g);
            i += 1;
            continue;
        }
        if let Some(m) = metric.clone().filter(|_| st.negate_next) {
            let _ = m;
            p.refusal =
                Some("I can't take one figure out of another; ask for each on its own.".into());
        }
        if let Some(m) = metric {
            let list_word = list_context || p.plan.list.is_some();
            // "revenue from orders over 200": a table after "from" names rows.
            let names_rows = table.is_some()
                && matches!(prev_kw, Some(Kw::From | Kw::In))
                && !p.plan.measures.is_empty();
            if (list_word || names_rows) && table.is_some() {
                i += 1;
                continue;
            }
            // "customers who placed orders": a second figure not joined by "and"
            // to the first names the rows the first is counted over.
            let joined = i > 0
                && (words[i - 1].is(Kw::And)
                    || words[i - 1].is(Kw::Vs)
                    || words[i - 1]
                        .lexes()
                        .iter()
                        .any(|l| matches!(l, Lex::Metric(_))));
            if table.is_some() && !p.plan.measures.is_empty() && !joined {
                i += 1;
                continue;
            }
            push_measure(&mut p.plan.measures, Measure::Metric(m));
            i += 1;
            continue;
        }
        if let Some(t) = table {
            // A table named beside no value: "revenue of product A".
            let beside_value = [i.wrapping_sub(1), i + 1].iter().any(|&j| {
                words.get(j).is_some_and(|w| {
                    w.lexes()
                        .iter()
                        .any(|l| matches!(l, Lex::Value(c, _) if c.table == t))
                })
            });
            if !beside_value && !p.loose_tables.contains(&t) {
                p.loose_tables.push(t);
            }
            i += 1;
            continue;
        }
        if let Some(m) = lexes.iter().find_map(|l| match l {
            Lex::Verb(m) => Some(m.clone()),
            _ => None,
        }) {
            p.weak_metric = Some((m, texts[i].clone()));
            i += 1;
            continue;
        }
        if let Some(c) = numeric_column(words, i, catalog, &mut p) {
            // "average amount": the catalog's average of that column, else the
            // column's own average; a bare column says nothing to compute.
            // "orders with a discount": rows where the column holds a value.
            let with_a = |k: usize| {
                [
                    "with", "have", "has", "had", "having", "got", "get", "received",
                ]
                .contains(&texts[k].as_str())
            };
            let present = i >= 1
                && (with_a(i - 1)
                    || i >= 2
                        && ["a", "an", "any"].contains(&texts[i - 1].as_str())
                        && with_a(i - 2));
            // "number of seats", "how many employees": a whole-number
            // column right after "how many" is added up.
            let asked = p.wants_count && i >= 1 && words[i - 1].is(Kw::HowMany)
                || texts[i].starts_with("number of ")
                || texts[i].starts_with("how many ");
            let counts_column =
                asked && c.column_type(catalog) == Some(crate::catalog::ColumnType::Int);
            // "total discount", "sum of discounts": the word asks to add it up.
            let totalled = i >= 1
                && ["total", "sum", "sum of", "the total", "the sum of"]
                    .contains(&texts[i - 1].as_str());
            if p.average {
                let m = average_metric(&c, catalog)
                    .map(Measure::Metric)
                    .unwrap_or(Measure::Average(c));
                push_measure(&mut p.plan.measures, m);
            } else if counts_column || totalled {
                push_measure(
                    &mut p.plan.measures,
                    Measure::Sum {
                        col: c,
                        filter: None,
                    },
                );
            } else if present {
                p.plan.filters.push(Filter::Null {
                    col: c,
                    negated: true,
                });
            } else {
                p.unaccounted.push(texts[i].clone());
            }
            i += 1;
            continue;
        }
        // "new subscriptions started per month": a date of the rows named,
        // with no period right after it, is the date their split reads.
        let own_date = lexes.iter().find_map(|l| match l {
            Lex::DateCol(c) if named_tables(&p, catalog).contains(&c.table) => Some(c.clone()),
            _ => None,
        });
        // (Right after the rows' word: "after it is due" is no such date.)
        if let Some(c) = own_date.filter(|c| {
            lexes.iter().all(|l| matches!(l, Lex::DateCol(_)))
                && p.plan.date_column.as_ref().is_none_or(|d| d == c)
                && i > 0
                && words[i - 1]
                    .lexes()
                    .iter()
                    .any(|l| rows_named_by(l, catalog).as_deref() == Some(c.table.as_str()))
        }) {
            p.plan.date_column = Some(c);
            i += 1;
            continue;
        }
        if let Some(Lex::Month(_)) = lexes.first() {
            p.unknown.push(texts[i].clone());
        } else if !lexes.contains(&Lex::Filler) {
            p.unaccounted.push(texts[i].clone());
        }
        i += 1;
    }

    // "revenue of refunded orders": a figure of the rows a count names is
    // that figure over those rows (their condition a filter), never the
    // two figures side by side.
    figure_of_counted_rows(&mut p, words, texts, catalog);
    // "conversations open for more than a week", "clients who joined more
    // than a year ago": how long ago, or how old, which no part reads yet;
    // never a split by week or a comparison with a year before.
    let units = [
        "hour", "hours", "day", "days", "week", "weeks", "month", "months", "year", "years",
    ];
    let compares = |w: &Word| {
        [Kw::Over, Kw::Under, Kw::AtLeast, Kw::AtMost]
            .iter()
            .any(|k| w.is(*k))
    };
    let age = (0..n.saturating_sub(2)).any(|k| {
        let op = compares(&words[k]) || texts[k] == "older than";
        let amount =
            ["a", "an"].contains(&texts[k + 1].as_str()) || words[k + 1].number().is_some();
        op && amount && units.iter().any(|u| texts[k + 2].starts_with(u))
    }) || texts.iter().any(|t| t.ends_with(" ago") || t == "ago")
        && words.iter().any(compares);
    if age
        && !p
            .plan
            .filters
            .iter()
            .any(|f| matches!(f, Filter::Span { .. }))
    {
        p.refusal.get_or_insert_with(|| {
            "I can't read how long ago something happened, or how old rows are, yet; ask for a period (\"before 2024\").".into()
        });
    }
    // "orders not in 2024": a negation nothing took is never dropped.
    if st.negate_next {
        p.unaccounted.push("not".into());
    }
    p.money_word = st.threshold.is_none() && texts.iter().any(|t| words::is_money_word(t));
    // "the day with the most cash withdrawals": the most of a kind of rows
    // (a value's name) whose figure is an amount may be the most of them or
    // the most money: asked back, unless "number" or a money word or verb
    // ("spent the most") says which.
    if let Some(r) = st
        .rank_at
        .filter(|_| !p.money_word && p.weak_metric.is_none())
    {
        let most = [
            "most",
            "the most",
            "fewest",
            "the fewest",
            "least",
            "the least",
        ]
        .contains(&texts[r].as_str());
        // "received the most salary" is an amount; "the most salaries" rows.
        let plural = texts.get(r + 1).is_some_and(|t| is_plural(t));
        let rows_named = plural && words.get(r + 1).is_some_and(|w| {
            let l = w.lexes();
            l.iter().any(|x| matches!(x, Lex::Value(..)))
                && l.iter().any(|x| {
                    matches!(x, Lex::Metric(m) if catalog.metric(m).is_some_and(|d| d.format == "money"))
                })
        });
        let said = p.wants_count
            || texts
                .iter()
                .any(|t| matches!(t.as_str(), "number" | "count" | "many"));
        if most && rows_named && said {
            p.wants_count = true;
        } else if most && rows_named {
            p.count_or_amount = Some(texts[r + 1].clone());
        }
    }
    let verb_metric = p.weak_metric.as_ref().map(|(m, _)| m.clone());
    // "average days to pay invoices": the table's rows are those timed.
    let spans: Vec<String> = p
        .plan
        .measures
        .iter()
        .filter_map(|m| match m {
            Measure::Span { table, .. } => Some(table.clone()),
            _ => None,
        })
        .collect();
    if !spans.is_empty() {
        p.plan
            .measures
            .retain(|m| counted_entity(m, catalog).is_none_or(|t| !spans.contains(&t)));
    }
    if let Some((m, verb)) = p.weak_metric.take() {
        if p.plan.measures.is_empty()
            && !(p.plan.list.is_some() || list_context || p.wants_count && !p.tables.is_empty())
        {
            // "what did clients spend": the verb's subject only says whose
            // rows they are, when the figure's rows link to it.
            if let Some(d) = catalog.metric(&m) {
                let subject =
                    |t: &String| *t != d.table && catalog.relationship(&d.table, t).is_some();
                p.tables.retain(|t| !subject(t));
                p.loose_tables.retain(|t| !subject(t));
            }
            p.plan.measures.push(Measure::Metric(m));
            p.verb_measure = true;
        } else if !p.plan.measures.contains(&Measure::Metric(m.clone())) {
            // Only a ranking word ranks: "what did clients spend" is one figure.
            verb_of_subject(&mut p, &m, &verb, st.rank.is_some(), catalog);
        }
    }
    p.breakdown = texts.iter().any(|t| {
        [
            "breakdown",
            "break down",
            "broken down",
            "breakdown by",
            "broken down by",
            "split by",
        ]
        .contains(&t.as_str())
    });
    p.per_grain = texts.iter().enumerate().any(|(k, t)| {
        let rate_word = [
            "daily",
            "weekly",
            "monthly",
            "quarterly",
            "yearly",
            "per day",
        ]
        .contains(&t.as_str());
        let after_per = k > 0
            && ["per", "a", "each", "every"].contains(&texts[k - 1].as_str())
            && words[k].grain().is_some();
        rate_word || after_per
    });
    how_much_of_a_verb(&mut p, words, texts, catalog);
    // "csat trend by quarter": the quarter, not months and quarters.
    let other_time = |g: &Group| matches!(g, Group::Time(t) if *t != Grain::Month);
    if p.implicit_month && p.plan.groups.iter().any(other_time) {
        p.plan.groups.retain(|g| *g != Group::Time(Grain::Month));
    }
    let ranked = st.rank.is_some() || texts.iter().any(|t| t == "which");
    counted_subject(&mut p, words, texts, verb_metric, catalog);
    // "revenue by in 2025", "transactions by how": a "by" that nothing
    // after it completes is a split asked and not said, never dropped.
    let dangling_by = (0..words.len()).any(|i| {
        words[i].is(Kw::By)
            && match (i + 1..words.len()).find(|&j| !is_filler(&words[j])) {
                None => true,
                Some(j) => {
                    words[j].lexes().is_empty() && !matches!(words[j], Word::Unknown(_) | Word::Name(_))
                        || words[j].lexes().iter().all(|l| {
                            matches!(l, Lex::Kw(k) if !matches!(k, Kw::Top | Kw::Bottom | Kw::Most | Kw::Least))
                        }) && !words[j].lexes().is_empty()
                }
            }
    });
    if dangling_by && p.plan.groups.is_empty() && p.refusal.is_none() {
        p.refusal =
            Some("\"By\" needs what to split by (\"… by month\", \"… by a column\").".into());
    }
    // "how many different clients used a cash machine": entities counted are
    // each counted once already; the word says nothing more.
    let before_entity = |j: usize| {
        words.get(j + 1).is_some_and(|w| {
            w.lexes().iter().any(|l| {
                matches!(l, Lex::Table(t) if catalog
                    .table(t)
                    .is_some_and(|d| d.label_column.is_some() || d.primary_key.is_some()))
            })
        })
    };
    if says_how_many(texts) {
        let said: Vec<&String> = (0..texts.len())
            .filter(|&j| DISTINCT_WORDS.contains(&texts[j].as_str()) && before_entity(j))
            .map(|j| &texts[j])
            .collect();
        p.unknown.retain(|u| !said.contains(&u));
    }
    subject_of_figure(&mut p, words, texts, ranked, catalog);
    total_per_own_row(&mut p, catalog);
    per_one_entity(&mut p, words, texts, catalog);
    // The periods: one, or two set against each other.
    let mut periods = found.periods.into_iter();
    p.plan.period = periods.next();
    over_previous(&mut p);
    metric_window(&mut p, words, texts, catalog);
    p.asks_how_many = p.wants_count || says_how_many(texts);
    p.groups_asked = texts.iter().any(|t| t == "which")
        || texts.windows(2).any(|w| {
            ["count", "number", "counts"].contains(&w[0].as_str())
                && ["per", "by", "for each", "each"].contains(&w[1].as_str())
        });
    let set_against = words.iter().any(|w| w.is(Kw::Vs));
    let mut second = periods.next();
    // "travel spending over July and August": two adjacent months (or
    // days, weeks, quarters) joined by "and" and set against nothing are
    // one stretch of time, not a comparison.
    if let (Some(first), Some(other), false) =
        (p.plan.period.as_mut(), second.as_ref(), set_against)
    {
        if let Some(joined) = period::joined(first, other) {
            *first = joined;
            second = None;
        }
    }
    // "salaries in October compared with the previous month": the month
    // before the one named, not the month before today (which was October
    // itself).
    // "this October vs last October": a named month is set against the
    // same month a year before (its span is the year it recurs in).
    if let (Some(first), Some(other)) = (&p.plan.period, &second) {
        if other.relative && first.start == other.start && first.end == other.end {
            second = period::Period {
                span: other.span,
                ..first.clone()
            }
            .previous();
            if second.is_none() {
                p.unknown.push("the period before".into());
            }
        }
    }
    // "clients who joined before 2025 with no transactions since
    // September": two periods said of different things, not set against
    // each other (no "vs", "and" or "change" between them).
    let joined = words
        .iter()
        .any(|w| w.is(Kw::And) || w.is(Kw::Change) || w.is(Kw::Vs));
    if second.is_some() && !joined {
        p.refusal.get_or_insert_with(|| {
            "The question names two periods and sets neither against the other; I can read one period for one figure (or compare two with \"vs\").".into()
        });
        second = None;
    }
    if let Some(mut second) = second {
        // "revenue 2024 vs 2025": the later period is the current one,
        // whatever the word order.
        if let Some(first) = p.plan.period.as_mut() {
            if second.start.is_some() && first.start.is_some() && second.start > first.start {
                std::mem::swap(first, &mut second);
            }
        }
        let last_year_of_shorter = second.last_year
            && p.plan
                .period
                .as_ref()
                .is_some_and(|f| f.span != period::Span::Months(12));
        p.plan.compare = Some(if last_year_of_shorter {
            Compare::YearAgo
        } else {
            Compare::Explicit(second)
        });
    }
    if periods.next().is_some() {
        p.unknown.push("a third period".into());
    }
    // "revenue vs last year": the one period named is the other one; the
    // current one is this unit of the same length.
    let vs_at = words.iter().position(|w| w.is(Kw::Vs));
    if let (Some(Compare::Previous), Some(named), Some(v), Some(at)) =
        (&p.plan.compare, &p.plan.period, vs_at, period_at)
    {
        let grain = match named.span {
            period::Span::Months(12) => Some(Grain::Year),
            period::Span::Months(3) => Some(Grain::Quarter),
            period::Span::Months(1) => Some(Grain::Month),
            period::Span::Days(7) => Some(Grain::Week),
            _ => None,
        };
        let current = grain.and_then(|g| period::current(g, today));
        if let Some(cur) = current.filter(|c| at > v && named.relative && c.start > named.start) {
            let other = named.clone();
            p.plan.period = Some(cur);
            p.plan.compare = Some(Compare::Explicit(other));
        }
    }
    // "top 5 most recent orders": the ranking word only counts the list.
    if let (Some(r), Some(l), Some((_, num))) = (st.rank_at, st.list_at, st.rank) {
        if r < l && l - r <= 2 {
            st.list_limit = st.list_limit.or(num);
            st.rank = None;
        }
    }
    if let Some((top, num)) = st.rank {
        let rows_word = first_rows_word(words, st.rank_at);
        p.ranked_rows = rows_word.map(|j| (is_plural(&texts[j]), num.or(rank_n).is_some()));
        // "the biggest order": one row of a table named in the singular.
        let one_row = p.plan.groups.is_empty() && rows_word.is_some_and(|j| !is_plural(&texts[j]));
        let one = (which_singular || (st.which || singular_rank) && !plural_group)
            && p.plan.groups.len() == 1;
        let n = num
            .or(rank_n)
            .unwrap_or(if one || one_row { 1 } else { 10 });
        p.plan.rank = Some(if top { Rank::Top(n) } else { Rank::Bottom(n) });
        // "top 5 companies by employees", "companies with the most
        // employees": entities ranked by a number column of their own are
        // their rows, listed in its order.
        if let Some((k, col)) = ranked_by_own_column(&p, words, texts, catalog) {
            p.unaccounted.retain(|u| *u != texts[k]);
            p.plan.groups.clear();
            p.plan.rank = None;
            p.plan.list = Some(super::plan::ListSpec {
                table: col.table.clone(),
                order: if top {
                    super::plan::ListOrder::Largest
                } else {
                    super::plan::ListOrder::Smallest
                },
                limit: n,
                by: None,
                shown: None,
                column: Some(col.column),
            });
        }
    } else if st.which && !p.plan.groups.is_empty() && (p.plan.measures.len() == 1) {
        // "which channel brings in revenue": a ranking, highest first.
        let _ = &p;
    }
    for (op, value, col, _) in st.threshold.into_iter().chain(st.upper) {
        let col = col.or_else(|| default_threshold_column(&p, catalog));
        match col {
            Some(c) => p.plan.filters.push(Filter::Cmp { col: c, op, value }),
            None => p.unknown.push(format!("{} {}", op.words(), value)),
        }
    }
    if let Some(spec) = &mut p.plan.list {
        if let Some(l) = st.list_limit {
            spec.limit = l.clamp(1, super::list::MAX_LIST);
        } else if names_rows_in_singular(words, texts, st.list_at) {
            // "the biggest order", "the largest incoming payment": one row.
            spec.limit = 1;
        } else if st.list_all && !p.recency && spec.order == super::plan::ListOrder::Newest {
            // "list dormant accounts": all of them (up to the cap, said).
            spec.limit = super::list::MAX_LIST;
        }
    }
    p.how_many_of = texts
        .iter()
        .position(|t| t.starts_with("how many") || t.starts_with("number of"))
        .and_then(|at| {
            // The phrase itself may name them ("how many clients").
            (at..words.len()).find_map(|j| {
                words[j].lexes().iter().find_map(|l| match l {
                    Lex::Table(t) => Some(t.clone()),
                    Lex::Value(c, _) => Some(c.table.clone()),
                    Lex::Metric(m) => counted_entity(&Measure::Metric(m.clone()), catalog)
                        .or_else(|| catalog.metric(m).map(|d| d.table.clone())),
                    _ => None,
                })
            })
        });
    // Values before it describe the rows ("retail clients"); a value's
    // phrase may name them itself ("retail clients in France").
    let mut described = None;
    p.leads_with = words
        .iter()
        .filter(|w| !is_filler(w))
        .find_map(|w| match w.lexes().first() {
            Some(Lex::Value(c, _)) => {
                described.get_or_insert(c.table.clone());
                None
            }
            Some(l) => Some(rows_named_by(l, catalog).or_else(|| described.clone())),
            None => Some(None),
        })
        .flatten();
    p.rows_first = rows_named_first(words, texts, catalog);
    p.says_on = texts.iter().any(|t| t == "on");
    // "admins at enterprise companies": the admins are counted or listed,
    // never the companies that have some.
    if let Some(t) = p.rows_first.clone() {
        let owner_counted = match p.plan.measures.as_slice() {
            [m] => counted_entity(m, catalog).is_some_and(|e| e != t),
            _ => false,
        };
        if owner_counted {
            p.plan.measures = vec![super::resolve::count_metric(&t, catalog)];
        }
        if let Some(list) = p.plan.list.as_mut().filter(|l| l.table != t) {
            list.table = t.clone();
        }
        p.tables.retain(|x| *x != t);
        p.tables.insert(0, t);
    }
    p.named_rows = words
        .iter()
        .filter_map(|w| match w.lexes().first() {
            Some(Lex::Table(t)) => Some(t.clone()),
            _ => None,
        })
        .collect();
    instead_of(&mut p, words, texts);
    // "how much money did we collect": "money" says the figure is one of
    // money, which the figure read ("collected") is.
    let money_figure = p.plan.measures.iter().any(|m| {
        matches!(m, Measure::Metric(n) if catalog.metric(n).is_some_and(|d| d.format == "money"))
    });
    if money_figure {
        p.unknown.retain(|u| u != "money");
    }
    // "the credit card numbers our customers pay with": "numbers" after a
    // value names an identifier of it, which the catalog does not hold (it
    // is a filler elsewhere: "show me the numbers").
    for i in 1..texts.len() {
        if ["numbers", "number", "nos", "ids"].contains(&texts[i].as_str())
            && words[i - 1]
                .lexes()
                .iter()
                .any(|l| matches!(l, Lex::Value(..)))
            && !words[i - 1]
                .lexes()
                .iter()
                .any(|l| matches!(l, Lex::Table(_) | Lex::Metric(_)))
        {
            p.unknown.push(format!("{} {}", texts[i - 1], texts[i]));
        }
    }
    p
}

/// "by industry instead of plan": the split named after "instead of" (or
/// "rather than") is the one replaced, not a second one kept.
fn instead_of(p: &mut Parsed, words: &[Word], texts: &[String]) {
    let Some(at) = (0..texts.len()).find(|&i| {
        words[i].is(Kw::Instead) && (texts[i].ends_with(" of") || texts[i].ends_with(" than"))
    }) else {
        return;
    };
    for w in &words[at + 1..] {
        for l in w.lexes() {
            match l {
                Lex::Dim(c) => {
                    let g = Group::Dim(c.clone());
                    if p.plan.groups.len() > 1 {
                        p.plan.groups.retain(|x| *x != g);
                    }
                }
                // "mobile instead of web": the value replaced, not both.
                Lex::Value(c, v) => {
                    for f in p.plan.filters.iter_mut() {
                        if let Filter::In { col, values, .. } = f {
                            if col == c && values.len() > 1 {
                                values.retain(|x| x != v);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// The numeric column word `i` names; of columns of several tables, the one
/// whose table the question names ("unit price of products"), else none and
/// a refusal that says which tables it could be.
fn numeric_column(words: &[Word], i: usize, catalog: &Catalog, p: &mut Parsed) -> Option<Col> {
    let cols: Vec<&Col> = words[i]
        .lexes()
        .iter()
        .filter_map(|l| match l {
            Lex::Numeric(c) => Some(c),
            _ => None,
        })
        .collect();
    let named = |t: &str| {
        words.iter().enumerate().any(|(j, w)| {
            j != i
                && w.lexes()
                    .iter()
                    .any(|l| matches!(l, Lex::Table(x) if x == t))
        })
    };
    if let [one] = cols.as_slice() {
        // "product price": a named table's own column of that name wins.
        let others: Vec<Col> = catalog
            .tables
            .iter()
            .filter(|t| t.name != one.table && named(&t.name) && !named(&one.table))
            .filter(|t| t.column(&one.column).is_some())
            .map(|t| Col::new(&t.name, &one.column))
            .collect();
        return match others.as_slice() {
            [other] => Some(other.clone()),
            _ => Some((*one).clone()),
        };
    }
    if cols.is_empty() {
        return None;
    }
    let picked: Vec<&&Col> = cols.iter().filter(|c| named(&c.table)).collect();
    match picked.as_slice() {
        [one] => Some((**one).clone()),
        _ => {
            let tables: Vec<String> = cols
                .iter()
                .map(|c| super::describe::table_words(&c.table))
                .collect();
            p.refusal = Some(format!(
                "Several tables have that column ({}); say which one, e.g. \"of {}\".",
                tables.join(", "),
                tables.last().cloned().unwrap_or_default()
            ));
            None
        }
    }
}

/// The catalog metric that is the plain average of a column, if any.
fn average_metric(col: &Col, catalog: &Catalog) -> Option<String> {
    catalog
        .metrics
        .iter()
        .find(|m| {
            m.table == col.table && m.expression.replace(' ', "") == format!("AVG({})", col.column)
        })
        .map(|m| m.name.clone())
}

/// Whether a phrase holds a name of a table's rows ("accounts opened").
fn says_table(phrase: &str, table: &str, catalog: &Catalog) -> bool {
    use super::lexicon::{stem, tokenize};
    let Some(t) = catalog.table(table) else {
        return false;
    };
    let words: Vec<String> = tokenize(phrase).iter().map(|w| stem(w)).collect();
    std::iter::once(t.name.replace('_', " "))
        .chain(t.synonyms.iter().cloned())
        .map(|n| tokenize(&n).iter().map(|w| stem(w)).collect::<Vec<_>>())
        .any(|n| {
            !n.is_empty()
                && n.len() < words.len()
                && words.windows(n.len()).any(|w| w == n.as_slice())
        })
}

/// The table of the rows a question names first by a value's plural
/// ("admins", "mortgages"), when "of", "at", "in", "from" or "among" and a
/// table word of rows they belong to come next ("admins at enterprise
/// companies"): those rows are asked about, not the other table's.
fn rows_named_first(words: &[Word], texts: &[String], catalog: &Catalog) -> Option<String> {
    let asks = [
        "list",
        "show",
        "me",
        "all",
        "the",
        "how many",
        "number of",
        "which",
        "what",
    ];
    let at =
        (0..words.len()).find(|&i| !asks.contains(&texts[i].as_str()) && !is_filler(&words[i]))?;
    let c = words[at].lexes().iter().find_map(|l| match l {
        Lex::Value(c, _) => Some(c.clone()),
        _ => None,
    })?;
    if !is_plural(&texts[at]) {
        return None;
    }
    let next = texts.get(at + 1)?;
    if !["of", "at", "in", "from", "among"].contains(&next.as_str()) {
        return None;
    }
    // The rows they belong to, named by a table word after the values
    // that describe them ("enterprise companies").
    let owner = words[at + 2..].iter().find_map(|w| {
        let lexes = w.lexes();
        let table = lexes.iter().find_map(|l| match l {
            Lex::Table(t) => Some(t.clone()),
            _ => None,
        });
        match table {
            Some(t) => Some(Some(t)),
            None if !lexes.is_empty() && lexes.iter().all(|l| matches!(l, Lex::Value(..))) => None,
            None => Some(None),
        }
    })??;
    (owner != c.table && catalog.relationship(&c.table, &owner).is_some()).then(|| c.table.clone())
}

/// "revenue of refunded orders", "aov of refunded orders": two figures read,
/// the second a count of its table's rows under one plain condition
/// (`status = 'refunded'`) and joined to the first by "of", "from" or
/// "for": the first figure over those rows. Its own condition may then
/// contradict them, which is asked back.
fn figure_of_counted_rows(p: &mut Parsed, words: &[Word], texts: &[String], catalog: &Catalog) {
    let [Measure::Metric(a), Measure::Metric(b)] = p.plan.measures.as_slice() else {
        return;
    };
    let (Some(da), Some(db)) = (catalog.metric(a), catalog.metric(b)) else {
        return;
    };
    if da.table != db.table || !db.counts_rows() {
        return;
    }
    let Some(Filter::In { col, values, .. }) = db
        .filter
        .as_deref()
        .and_then(|f| super::resolve::plain_condition(f, &db.table))
    else {
        return;
    };
    let at = |m: &str| {
        words.iter().position(|w| {
            w.lexes()
                .iter()
                .any(|l| matches!(l, Lex::Metric(x) if x == m))
        })
    };
    let (Some(ja), Some(jb)) = (at(a), at(b)) else {
        return;
    };
    if ja >= jb {
        return;
    }
    let between = &texts[ja + 1..jb];
    let of = between
        .iter()
        .any(|t| ["of", "from", "for", "on"].contains(&t.as_str()));
    let apart = between
        .iter()
        .any(|t| ["and", "vs", "versus", "&", "plus", ","].contains(&t.as_str()));
    if !of || apart {
        return;
    }
    p.plan.measures.truncate(1);
    for value in values {
        add_value(&mut p.plan.filters, col.clone(), value, false);
    }
}

/// The number column of a ranked entity's own rows that the ranking is by
/// ("by employees", "the most employees"), with where it is said: only
/// when nothing else is measured and the one group is that entity.
fn ranked_by_own_column(
    p: &Parsed,
    words: &[Word],
    texts: &[String],
    catalog: &Catalog,
) -> Option<(usize, Col)> {
    if !p.plan.measures.is_empty() || p.plan.list.is_some() {
        return None;
    }
    let [Group::Dim(g)] = p.plan.groups.as_slice() else {
        return None;
    };
    if !g.names_rows(catalog) {
        return None;
    }
    (1..words.len()).find_map(|k| {
        let after = words[k - 1].is(Kw::By) || words[k - 1].kw().is_some_and(Kw::ranks);
        let col = words[k].lexes().iter().find_map(|l| match l {
            Lex::Numeric(c) if c.table == g.table => Some(c.clone()),
            _ => None,
        })?;
        (after && p.unaccounted.contains(&texts[k])).then_some((k, col))
    })
}
