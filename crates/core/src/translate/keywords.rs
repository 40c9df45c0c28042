//! Keywords: what a function word ("top", "vs", "over", "by", "how many")
//! sets in the plan, and what it leaves for the words after it.

use super::lexicon::{is_past_form, Col, Grain, Kw, Lex, Word};
use super::plan::{group_in, push_group, Compare, Filter, Group, ListOrder, ListSpec, Measure, Op};
use super::read::{distinct_dim, is_filler, named_tables, says_how_many, Parsed};
use super::threshold;
use crate::catalog::Catalog;

/// What keywords leave for the words after them.
#[derive(Debug, Default)]
pub(super) struct KwState {
    /// (top, n)
    pub(super) rank: Option<(bool, Option<usize>)>,
    pub(super) negate_next: bool,
    pub(super) threshold: Option<threshold::Threshold>,
    /// The upper bound of "between 100 and 500".
    pub(super) upper: Option<threshold::Threshold>,
    pub(super) list_limit: Option<usize>,
    /// "list", "show all": every row the conditions keep, not the latest few.
    pub(super) list_all: bool,
    /// Where the word that asked for a list of rows stands.
    pub(super) list_at: Option<usize>,
    /// Where the ranking word stands.
    pub(super) rank_at: Option<usize>,
    pub(super) which: bool,
}

/// The part of the plan a keyword sets; `st` keeps what later words need.
// The question, its words and the reading so far are each their own borrow.
#[allow(clippy::too_many_arguments)]
pub(super) fn keyword(
    k: Kw,
    i: usize,
    words: &[Word],
    texts: &[String],
    used: &mut [bool],
    catalog: &Catalog,
    p: &mut Parsed,
    st: &mut KwState,
) {
    let n = words.len();
    let next_num = words.get(i + 1).and_then(Word::number);
    match k {
        // "clients created this year" reads; "create", "delete" ask to write.
        // A past form the catalog does not date is refused as unknown.
        Kw::Write if is_past_form(&texts[i]) => p.unknown.push(texts[i].clone()),
        // "why did revenue drop": a figure's change, said after it, is no
        // order to change data (refused as unknown, not as a write).
        Kw::Write
            if i > 0
                && words[i - 1]
                    .lexes()
                    .iter()
                    .any(|l| matches!(l, Lex::Metric(_))) =>
        {
            p.unknown.push(texts[i].clone())
        }
        // "how many reports did Leo Kelly create": asked with "did", what
        // the rows did; a value of theirs of that verb ("report_created")
        // says it already, else it is unknown.
        Kw::Write
            if texts[..i]
                .iter()
                .any(|t| ["did", "does", "do", "has", "have", "had"].contains(&t.as_str())) =>
        {
            let stem = texts[i].trim_end_matches('e');
            let said = words.iter().any(|w| {
                w.lexes()
                    .iter()
                    .any(|l| matches!(l, Lex::Value(_, v) if v.contains(stem)))
            });
            if !said {
                p.unknown.push(texts[i].clone());
            }
        }
        Kw::Write => p.refusal = Some(super::WRITE_REFUSAL.into()),
        Kw::SameSpan => {
            p.refusal = Some(format!(
                "I can't yet compare two dates of the same rows (\"{}\").",
                texts[i]
            ))
        }
        Kw::Statistic => {
            p.refusal = Some(format!(
                "I give totals, counts and averages, not a {}.",
                texts[i]
            ))
        }
        Kw::Personal => {
            p.refusal =
                Some("I don't return personal contact data such as e-mail addresses.".into())
        }
        Kw::Forecast => {
            p.refusal = Some("I can only report on what has happened; I cannot forecast.".into())
        }
        Kw::Next => {
            p.refusal = Some("I can only report on what has happened; I cannot forecast.".into())
        }
        Kw::Ratio => {
            // "refund rate": the share of rows in one state, when no other
            // ratio word stands in the question ("conversion rate").
            let rate_word = matches!(texts[i].as_str(), "rate" | "rates");
            p.rate = rate_word && (!p.derived || p.rate);
            p.derived = true;
        }
        Kw::EndOf => p.plan.at_end = true,
        Kw::Ambiguous => p.vague = true,
        Kw::Best | Kw::Top | Kw::Most | Kw::Slowest => {
            if k == Kw::Best {
                p.vague = true;
                // "busiest" is the most of whatever is counted.
                p.quality = (texts[i] != "busiest").then_some(true);
            }
            p.speed |= k == Kw::Slowest;
            // "which feature was used the most": how often, as "most used".
            let used_before = i > 0 && ["used", "use", "uses"].contains(&texts[i - 1].as_str());
            p.frequency |= FREQUENCY.iter().any(|w| texts[i].contains(w)) || used_before;
            let num = next_num.or_else(|| (i > 0).then(|| words[i - 1].number()).flatten());
            if next_num.is_some() {
                used[i + 1] = true;
            }
            st.rank_at.get_or_insert(i);
            st.rank = Some((
                true,
                num.filter(|x| *x >= 1.0 && *x <= 1000.0)
                    .map(|x| x as usize),
            ));
        }
        Kw::Worst | Kw::Bottom | Kw::Least | Kw::Fastest => {
            if k == Kw::Worst {
                p.vague = true;
                p.quality = (texts[i] != "quietest").then_some(false);
            }
            p.speed |= k == Kw::Fastest;
            p.frequency |= FREQUENCY.iter().any(|w| texts[i].contains(w));
            // "bottom 5", or "5 worst" with the number first.
            let num = next_num.or_else(|| (i > 0).then(|| words[i - 1].number()).flatten());
            if next_num.is_some() {
                used[i + 1] = true;
            }
            st.rank_at.get_or_insert(i);
            st.rank = Some((
                false,
                num.filter(|x| *x >= 1.0 && *x <= 1000.0)
                    .map(|x| x as usize),
            ));
        }
        Kw::Which => st.which = true,
        Kw::No => {
            let read = absence(i, Absent::ANY, words, texts, used, catalog, p);
            if !read {
                p.unknown.push(texts[i].clone());
            }
        }
        // "without": a column or linked rows that are absent, else the
        // negation of the value after it ("revenue without refunds").
        // "customers who did not order this year": the rows a verb's figure
        // counts, absent; anything else after "not" is negated.
        Kw::Not => {
            let how = match texts[i].as_str() {
                "without" => Some(Absent::NOT_FIGURES),
                "not" => Some(Absent::ROWS),
                _ => None,
            };
            let read = how.is_some_and(|how| absence(i, how, words, texts, used, catalog, p));
            st.negate_next |= !read;
        }
        // "refunded orders as a % of all orders": the rows named after it
        // are the whole, the figure before it the part: a rate, within
        // each group ("by channel"), never how the part splits.
        Kw::Share => match as_part_of_rows(words, texts, i) {
            Some(j) => {
                // The whole's words are read here.
                used[i + 1..=j].iter_mut().for_each(|u| *u = true);
                p.rate = true;
                p.derived = true;
            }
            None => p.plan.share = true,
        },
        Kw::Vs => {
            // "Germany vs France": values set side by side, not periods.
            let value_col = |j: usize| {
                words.get(j).and_then(|w| {
                    w.lexes().iter().find_map(|l| match l {
                        Lex::Value(c, _) => Some(c.clone()),
                        _ => None,
                    })
                })
            };
            // "mobile sales vs web sales": the figure may follow the value.
            let names_figure = |j: usize| {
                words[j]
                    .lexes()
                    .iter()
                    .any(|l| matches!(l, Lex::Metric(_) | Lex::Table(_)))
            };
            let before = i.checked_sub(1).and_then(value_col).or_else(|| {
                i.checked_sub(2)
                    .filter(|&j| names_figure(j + 1))
                    .and_then(value_col)
            });
            // "money in vs money out by month": two figures side by side.
            let metric_at = |j: usize| {
                words.get(j).and_then(|w| {
                    w.lexes().iter().find_map(|l| match l {
                        Lex::Metric(m) => Some(m.clone()),
                        _ => None,
                    })
                })
            };
            let figures = i
                .checked_sub(1)
                .and_then(metric_at)
                .zip(metric_at(i + 1))
                .is_some_and(|(a, b)| a != b);
            match (before, value_col(i + 1)) {
                _ if figures => {}
                (Some(a), Some(b)) if a == b => push_group(&mut p.plan.groups, Group::Dim(a)),
                (Some(_), Some(_)) => {
                    p.refusal = Some(
                        "Those two are values of different things; I can set values of one thing side by side (\"web vs mobile\").".into(),
                    )
                }
                _ if p.plan.compare.is_none() => p.plan.compare = Some(Compare::Previous),
                _ => {}
            }
        }
        Kw::YearAgo => p.plan.compare = Some(Compare::YearAgo),
        Kw::PrevPeriod => p.plan.compare = Some(Compare::Previous),
        // "how many events did Chloe Hall record": a list word after "how
        // many" asks for no list; read as the count's verb it says nothing
        // the catalog knows.
        Kw::List if says_how_many(&texts[..i]) => p.unknown.push(texts[i].clone()),
        Kw::Recent | Kw::List | Kw::Oldest | Kw::Largest | Kw::Smallest => {
            st.list_at.get_or_insert(i);
            p.recency |= matches!(k, Kw::Recent | Kw::Oldest);
            st.list_all |= k == Kw::List;
            if next_num.is_some() {
                used[i + 1] = true;
                st.list_limit = next_num.map(|x| x as usize);
            } else if let Some(x) = (i > 0).then(|| words[i - 1].number()).flatten() {
                // "5 most recent tickets"
                st.list_limit = Some(x as usize);
            }
            let order = match k {
                Kw::Oldest => Some(ListOrder::Oldest),
                Kw::Largest => Some(ListOrder::Largest),
                Kw::Smallest => Some(ListOrder::Smallest),
                Kw::Recent => Some(ListOrder::Newest),
                _ => None,
            };
            let spec = p.plan.list.get_or_insert(ListSpec {
                table: String::new(),
                order: ListOrder::Newest,
                limit: 20,
                by: None,
                shown: None,
                column: None,
            });
            if let Some(o) = order {
                spec.order = o;
            }
        }
        Kw::Last => {
            // "the last 10 orders": a list, newest first.
            if let Some(num) = next_num {
                used[i + 1] = true;
                st.list_limit = Some(num as usize);
                p.plan.list.get_or_insert(ListSpec {
                    table: String::new(),
                    order: ListOrder::Newest,
                    limit: 20,
                    by: None,
                    shown: None,
                    column: None,
                });
            } else {
                p.unknown.push(texts[i].clone());
            }
        }
        // "orders between 100 and 500": both bounds, kept.
        Kw::Between
            if words.get(i + 2).is_some_and(|w| w.is(Kw::And))
                && words.get(i + 1).and_then(Word::number).is_some()
                && words.get(i + 3).and_then(Word::number).is_some() =>
        {
            let (a, b) = (
                words[i + 1].number().unwrap_or_default(),
                words[i + 3].number().unwrap_or_default(),
            );
            // The column named before, of a table the question names if
            // several have it ("products with a unit price between ...").
            let named: Vec<&String> = words
                .iter()
                .flat_map(|w| w.lexes())
                .filter_map(|l| match l {
                    Lex::Table(t) => Some(t),
                    _ => None,
                })
                .collect();
            let cols: Vec<&super::lexicon::Col> = if i > 0 {
                words[i - 1]
                    .lexes()
                    .iter()
                    .filter_map(|l| match l {
                        Lex::Numeric(c) => Some(c),
                        _ => None,
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let col = cols
                .iter()
                .find(|c| named.contains(&&c.table))
                .or(cols.first())
                .map(|c| (*c).clone());
            if col.is_some() {
                used[i - 1] = true;
            }
            for u in used.iter_mut().skip(i).take(4) {
                *u = true;
            }
            st.threshold = Some((Op::Ge, a.min(b), col.clone(), i));
            st.upper = Some((Op::Le, a.max(b), col, i));
        }
        // "customers with only one order": exactly that many.
        Kw::Only
            if next_num.is_some()
                && words.get(i + 2).is_some_and(|w| {
                    w.lexes()
                        .iter()
                        .any(|l| matches!(l, Lex::Table(_) | Lex::Metric(_)))
                }) =>
        {
            if let Some(t) = threshold::read(Kw::Exactly, i, words, texts, used, catalog, p) {
                st.threshold = Some(t);
            }
        }
        Kw::Over | Kw::Under | Kw::AtLeast | Kw::AtMost | Kw::Exactly => {
            if let Some(t) = threshold::read(k, i, words, texts, used, catalog, p) {
                st.threshold = Some(t);
            }
        }
        // "revenue by country, counting only completed orders": which rows
        // count, not a count asked for.
        Kw::HowMany
            if texts[i].starts_with("counting")
                && words
                    .get(i + 1)
                    .is_some_and(|w| w.is(Kw::Only) || texts[i + 1] == "just") => {}
        Kw::HowMany => {
            p.wants_count = true;
            // "how many countries": the distinct values of a dimension.
            if let Some(j) = (i + 1..n).find(|&j| !is_filler(&words[j])) {
                // "how many different countries": the same count.
                let k = if super::read::DISTINCT_WORDS.contains(&texts[j].as_str()) {
                    j + 1
                } else {
                    j
                };
                if let Some(Some(c)) = (k < n && !used[k]).then(|| distinct_dim(&words[k], catalog))
                {
                    used[j] = true;
                    used[k] = true;
                    p.distinct = Some(c);
                } else if let Some(c) = things_a_value_names(&words[k], &texts[k], words, catalog) {
                    // "how many branches do we have": "branch" is a channel
                    // of transactions; branches are nothing the data counts.
                    p.refusal = Some(format!(
                        "I don't know what '{}' are as things to count: '{}' is a {} of {}.",
                        texts[k],
                        c.1,
                        c.0.column.replace('_', " "),
                        c.0.table.replace('_', " ")
                    ));
                }
            }
        }
        Kw::New => {
            p.wants_new = true;
            let next = words.get(i + 1).map(Word::lexes).unwrap_or_default();
            let table = next.iter().find_map(|l| match l {
                Lex::Table(t) => Some(t.clone()),
                _ => None,
            });
            let metric = next.iter().find_map(|l| match l {
                Lex::Metric(m) => Some(m.clone()),
                _ => None,
            });
            p.new_table = table.map(|t| (t, metric));
        }
        Kw::Average => p.average = true,
        Kw::Change => p.plan.growth = true,
        Kw::Gain => p.gained = true,
        // "revenue last month, month over month": against the month before;
        // over a longer period, each month's change (decided once the
        // period is known).
        Kw::OverPrevious => {
            let grain = match texts[i].chars().next() {
                Some('d') => Grain::Day,
                Some('w') => Grain::Week,
                Some('q') => Grain::Quarter,
                _ => Grain::Month,
            };
            p.over_previous = Some(grain);
            p.plan.compare = Some(Compare::Previous);
        }
        Kw::Cumulative => {
            p.refusal = Some(
                "I can't carry a running total over periods yet; ask for the figure by month or for one period's total.".into(),
            )
        }
        Kw::OverTime if !p.plan.groups.iter().any(|g| matches!(g, Group::Time(_))) => {
            p.implicit_month = true;
            p.plan.groups.push(Group::Time(Grain::Month));
        }
        Kw::By => {
            // "revenue per customer": an average per row of a table, not a breakdown.
            let per = texts[i].starts_with("per");
            // "per customer country": a column of the table's own, said
            // after it, is the breakdown ("by customer country").
            let own_column_next = |j: usize| {
                words[j].lexes().iter().any(|l| match l {
                    Lex::Table(t) => words.get(j + 1).is_some_and(|w| {
                        w.lexes().iter().any(|m| {
                            matches!(m, Lex::Dim(c) if c.table == *t
                                && !super::describe::is_label(c, catalog))
                        })
                    }),
                    _ => false,
                })
            };
            if let Some(j) = (i + 1..n).find(|&j| !used[j]).filter(|&j| {
                per && !own_column_next(j)
                    && words[j].lexes().iter().any(|l| matches!(l, Lex::Table(_)))
            }) {
                used[j] = true;
                p.derived = true;
                p.per_table = words[j].lexes().iter().find_map(|l| match l {
                    Lex::Table(t) => Some(t.clone()),
                    _ => None,
                });
            }
            // The group may be a table ("by product") or a grain.
            // "top 5 companies by events": after ranked groups, a word
            // that names a figure is what they are ranked by, even where it
            // also names a column ("event" for the event type).
            let figure_of_ranked = |w: &Word| {
                st.rank.is_some()
                    && !p.plan.groups.is_empty()
                    && w.lexes().iter().any(|l| matches!(l, Lex::Metric(_)))
            };
            // (The figure ends the search: "top 5 customers by mrr with
            // their names" asks for no split by a name.)
            if let Some(j) = (i + 1..n)
                .find(|&j| !used[j])
                .filter(|&j| !figure_of_ranked(&words[j]))
            {
                if let Some(g) = group_in(&words[j], catalog, &named_tables(p, catalog))
                    .or_else(|| key_group(&words[j], st.rank.is_some(), catalog))
                {
                    used[j] = true;
                    push_group(&mut p.plan.groups, g);
                } else if let Some((c, v)) = words[j]
                    .lexes()
                    .iter()
                    .all(|l| !matches!(l, Lex::Metric(_)))
                    .then(|| {
                        words[j].lexes().iter().find_map(|l| match l {
                            Lex::Value(c, v) => Some((c.clone(), v.clone())),
                            _ => None,
                        })
                    })
                    .flatten()
                {
                    // "spent by business clients": the agent of a verb, a
                    // filter; "revenue by store": a value where a
                    // dimension should be.
                    let agent = super::read::phrase_names_table(&texts[j], &c.table, catalog)
                        || words.get(j + 1).is_some_and(|w| {
                            w.lexes().iter().any(|l| *l == Lex::Table(c.table.clone()))
                        });
                    // ("which weekday do clients spend the most by card":
                    // the figure named as a word, "spend", too.)
                    let figure_of_rows = p.plan.measures.iter().any(|m| {
                        matches!(m, Measure::Metric(n) if catalog.metric(n).is_some_and(|d| {
                            d.table == c.table && !d.counts_rows()
                        }))
                    });
                    if st.rank.is_some() && !agent && (p.weak_metric.is_some() || figure_of_rows) {
                        // "which clients spent the most by card": the verb's
                        // figure, over rows of that value.
                        p.plan.filters.push(Filter::In {
                            col: c,
                            values: vec![v],
                            negated: false,
                        });
                    } else if st.rank.is_some() && !agent {
                        // "top 5 companies by exports": ranked by how many
                        // rows of that value each has.
                        let count = super::resolve::count_metric(&c.table, catalog);
                        p.plan.filters.push(Filter::In {
                            col: c,
                            values: vec![v],
                            negated: false,
                        });
                        super::plan::push_measure(&mut p.plan.measures, count);
                    } else if let Some(d) = (!agent)
                        .then(|| words.get(j + 1))
                        .flatten()
                        .and_then(|w| {
                            w.lexes().iter().find_map(|l| match l {
                                Lex::Dim(d) if *d != c => Some(d.clone()),
                                _ => None,
                            })
                        })
                    {
                        // "in each German city": the value picks the rows,
                        // the column after it splits them.
                        used[j + 1] = true;
                        super::plan::add_value(&mut p.plan.filters, c, v, false);
                        push_group(&mut p.plan.groups, Group::Dim(d));
                    } else if !agent {
                        p.by_value = Some((c, v));
                    }
                }
            }
        }
        _ => {}
    }
}

/// "card spend by account": a table with no name column is grouped by its
/// key (it was dropped: one total for every account). In a ranking, a
/// word that also names a figure ("top 3 countries by orders") is that
/// figure.
pub(super) fn key_group(w: &Word, ranked: bool, catalog: &Catalog) -> Option<Group> {
    if ranked
        && w.lexes()
            .iter()
            .any(|l| matches!(l, Lex::Metric(_) | Lex::Verb(_)))
    {
        return None;
    }
    let table = w.lexes().iter().find_map(|l| match l {
        Lex::Table(t) => catalog.table(t),
        _ => None,
    })?;
    // An entity other rows refer to ("accounts"), not rows of facts
    // ("top 10 orders" are the largest orders).
    let referred = catalog
        .relationships
        .iter()
        .any(|r| r.to_table == table.name);
    if table.label_column.is_some() || !referred {
        return None;
    }
    let key = table.primary_key.as_deref()?;
    Some(Group::Dim(Col::new(&table.name, key)))
}

/// Ranking words that rank by how often rows occur ("most common").
const FREQUENCY: [&str; 4] = ["common", "frequent", "rarest", "used"];

/// What may follow a word of absence.
#[derive(Clone, Copy)]
struct Absent {
    /// A figure or its verb may name the linked rows ("never ordered").
    figures: bool,
    /// An empty column may ("no industry set").
    columns: bool,
}

impl Absent {
    const ANY: Absent = Absent {
        figures: true,
        columns: true,
    };
    const NOT_FIGURES: Absent = Absent {
        figures: false,
        columns: true,
    };
    /// "did not order": linked rows only; "not" before a column negates.
    const ROWS: Absent = Absent {
        figures: true,
        columns: false,
    };
}

/// Words after an empty column that say nothing more ("no industry set").
const EMPTY_WORDS: [&str; 8] = [
    "set",
    "given",
    "entered",
    "recorded",
    "on file",
    "filled in",
    "at all",
    "yet",
];

/// Absent rows' table, their values, and the last word read.
type AbsentValues = (String, Vec<(Col, String)>, usize);

/// The values said of absent rows from word `j` on ("no urgent tickets",
/// "without a savings account"): their table, the values, and the last
/// word read (the table's own word after them, when said). Only when the
/// rows link to a table named before the absence word `i`; else `None`
/// (the value is negated on the rows themselves: "orders without
/// refunds").
fn absent_values(i: usize, j: usize, words: &[Word], catalog: &Catalog) -> Option<AbsentValues> {
    let mut being: Vec<(Col, String)> = Vec::new();
    let mut k = j;
    while let Some(Lex::Value(c, v)) = words.get(k).and_then(|w| w.lexes().first()) {
        being.push((c.clone(), v.clone()));
        k += 1;
    }
    let table = being.first()?.0.table.clone();
    if being.iter().any(|(c, _)| c.table != table) {
        return None;
    }
    let own_word = words
        .get(k)
        .is_some_and(|w| w.lexes().contains(&Lex::Table(table.clone())));
    let last = if own_word { k } else { k - 1 };
    let linked_before = words[..i].iter().any(|w| {
        // The rows by their word, a count of them, or a value of theirs
        // ("credit card accounts").
        w.lexes().iter().any(|l| {
            let rows = match l {
                Lex::Value(c, _) => Some(c.table.clone()),
                _ => super::read::rows_named_by(l, catalog),
            };
            rows.is_some_and(|e| e != table && catalog.relationship(&table, &e).is_some())
        })
    });
    linked_before.then_some((table, being, last))
}

/// "no industry set" (an empty column), "clients with no account" (no row
/// of a linked table refers to them), "customers who never ordered" (the
/// table a verb's figure counts): the filter, and its words marked used.
/// `false`: the word after it is none of those. A value after it is left
/// to be negated ("without refunds"); `how` says what may follow.
fn absence(
    i: usize,
    how: Absent,
    words: &[Word],
    texts: &[String],
    used: &mut [bool],
    catalog: &Catalog,
    p: &mut Parsed,
) -> bool {
    // "never been active", "who have never ordered".
    let auxiliary = |j: usize| {
        [
            "been", "be", "had", "has", "have", "did", "ever", "any", "a", "an",
        ]
        .contains(&texts[j].as_str())
    };
    let Some(j) = (i + 1..words.len())
        .find(|&j| !is_filler(&words[j]) && !words[j].is(Kw::No) && !auxiliary(j))
    else {
        return false;
    };
    // "companies with no urgent tickets", "clients without a savings
    // account": values of rows that link to rows named before; only those
    // rows count as absent.
    if let Some((table, being, last)) = absent_values(i, j, words, catalog) {
        for u in used.iter_mut().take(last + 1).skip(i) {
            *u = true;
        }
        p.plan.filters.push(Filter::Without {
            table,
            within: None,
            of: None,
            being,
        });
        return true;
    }
    let lexes = words[j].lexes();
    // A value's word is no table's rows, unless it is also a table's own
    // name ("invoices": the invoices, though a ticket topic's word too).
    if lexes.iter().any(|l| matches!(l, Lex::Value(..)))
        && !lexes.iter().any(|l| matches!(l, Lex::Table(_)))
    {
        return false;
    }
    let column = lexes.iter().find_map(|l| match l {
        Lex::Dim(c) | Lex::Numeric(c) if how.columns => Some(c.clone()),
        _ => None,
    });
    let linked = lexes.iter().find_map(|l| match l {
        Lex::Table(t) => Some((t.clone(), None)),
        Lex::Metric(m) | Lex::Verb(m) if how.figures => catalog
            .metric(m)
            .map(|d| (d.table.clone(), d.filter.as_ref().map(|_| d.name.clone()))),
        _ => None,
    });
    // "companies without users", "users with no events": a table's name is
    // its rows, not its label or another of its columns.
    let column = column.filter(|c| !lexes.contains(&Lex::Table(c.table.clone())));
    let filter = match (column, linked) {
        (Some(col), _) => Filter::Null {
            col,
            negated: false,
        },
        (None, Some((table, of))) => Filter::Without {
            table,
            within: None,
            of,
            being: Vec::new(),
        },
        (None, None) => return false,
    };
    used[i] = true;
    used[j] = true;
    if let Some(k) = (j + 1..words.len()).find(|&k| !used[k]) {
        if EMPTY_WORDS.contains(&texts[k].as_str()) {
            used[k] = true;
        }
    }
    p.plan.filters.push(filter);
    true
}

/// "how many branches": a plural the catalog does not give of a value
/// ("branch", a channel), with no word naming rows in the question, names
/// things of their own, not rows having that value. The value's column and
/// name when so.
fn things_a_value_names(
    w: &Word,
    text: &str,
    words: &[Word],
    catalog: &Catalog,
) -> Option<(super::lexicon::Col, String)> {
    let (col, value) = match w.lexes() {
        [Lex::Value(c, v)] => (c.clone(), v.clone()),
        _ => return None,
    };
    if !super::lexicon::is_plural(text) {
        return None;
    }
    let names_rows = words.iter().any(|w| {
        w.lexes().iter().any(|l| {
            matches!(
                l,
                Lex::Table(_) | Lex::Metric(_) | Lex::State(_) | Lex::Verb(_)
            )
        })
    });
    let def = catalog.table(&col.table)?.column(&col.column)?;
    let listed = value.eq_ignore_ascii_case(text)
        || def
            .value_synonyms
            .get(&value)
            .is_some_and(|syns| syns.iter().any(|s| s.eq_ignore_ascii_case(text)));
    (!names_rows && !listed).then_some((col, value))
}

/// "as a % of all orders", "as a share of the orders": the share word after
/// "as", then "of" and the rows that are the whole.
/// The index of the whole's word.
fn as_part_of_rows(words: &[Word], texts: &[String], i: usize) -> Option<usize> {
    let before = (0..i)
        .rev()
        .find(|&j| !matches!(texts[j].as_str(), "a" | "an"));
    let after = (i + 2..words.len()).find(|&j| !matches!(texts[j].as_str(), "all" | "the"));
    (before.is_some_and(|j| texts[j] == "as") && texts.get(i + 1).is_some_and(|t| t == "of"))
        .then_some(after)
        .flatten()
        .filter(|&j| words[j].lexes().iter().any(|l| matches!(l, Lex::Table(_))))
}
