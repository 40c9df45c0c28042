//! The built-in translator: a question in plain English to guarded SQL.
//!
//! Question -> typed plan -> SQL that the pinned Polars SQL accepts. It runs
//! with no key and no network, natively on the server and in wasm. When it is
//! not sure it asks back or declines: a wrong answer is worse than none.
//!
//! The steps live in submodules: `lexicon` links words to the catalog (exact,
//! stemmed, `typos`-tolerant; its built-in words are data in `words.txt`),
//! `period` resolves dates against today, `units` reads a duration's unit,
//! `read` (with `keywords` and `threshold`) turns linked words into the typed
//! `plan`, `resolve` (with `measures`, `distinct` and `per_entity`) fills
//! defaults and refuses what is doubtful, `sql` (with `clauses`), `list` and
//! `per_entity` render it, `describe` and `suggest` say what it means and
//! what to ask next.

mod clauses;
mod daytype;
mod definition;
mod describe;
mod distinct;
mod gate;
mod keywords;
mod lexicon;
mod list;
mod measures;
mod names;
mod options;
mod per_entity;
mod period;
mod plan;
mod read;
mod resolve;
mod shown;
mod snapshot;
mod span;
mod sql;
mod suggest;
mod threshold;
mod typos;
mod units;
mod words;

#[cfg(test)]
mod class_tests;

pub use chrono::NaiveDate;

use crate::catalog::Catalog;
use crate::wire::ChartHint;

use lexicon::Vocabulary;
use read::Parsed;
use resolve::complete;
use suggest::suggestions;

/// How a catalog condition names today's date.
const TODAY: &str = "CURRENT_DATE";

/// Changes whenever the translator's output for some question may change;
/// part of the answer cache key.
pub const TRANSLATOR_VERSION: &str = "builtin-0.17";

/// Longest question the translator reads, in characters.
pub const MAX_QUESTION_LEN: usize = 1_000;

/// What the translator needs besides the question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TranslateContext {
    /// "Today" for relative periods ("last month"): the server's date.
    pub today: NaiveDate,
}

/// The translator's verdict on a question.
#[derive(Debug, Clone, PartialEq)]
pub enum Translation {
    /// SQL to run, with what it means (boxed: by far the largest variant).
    Answer(Box<Answer>),
    /// Ambiguous: each option is a full question to ask instead.
    Clarify {
        reason: String,
        options: Vec<String>,
    },
    /// Not something it can answer; suggestions that would work.
    Unsupported {
        reason: String,
        suggestions: Vec<String>,
    },
}

/// SQL with its one-line interpretation and chart hint.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub sql: String,
    pub interpretation: String,
    pub chart: ChartHint,
    /// Sensible follow-up questions.
    pub suggestions: Vec<String>,
    /// The date relative periods ("last month") were resolved against;
    /// `None` when the question named none.
    pub as_of: Option<NaiveDate>,
    /// The previous question this one was read as a follow-up of.
    pub follows: Option<String>,
    /// A comparison's periods, as the interpretation names them: (current, other).
    pub compared: Option<(String, String)>,
    /// A typed name, and the answer for each kind of row that may hold it:
    /// the browser keeps the kind whose labels have it (`sql` is the first's).
    pub names: Option<crate::wire::NameCheck>,
}

pub use options::starter_questions;

/// A refusal with the catalog's starter questions as suggestions.
fn unsupported(catalog: &Catalog, reason: impl Into<String>) -> Translation {
    Translation::Unsupported {
        reason: reason.into(),
        suggestions: starter_questions(catalog),
    }
}

/// Translates one question; `previous` is the question it follows up on.
/// What a request to change data is told.
const WRITE_REFUSAL: &str = "I can only read data; I never change it.";

pub fn translate(
    question: &str,
    previous: Option<&str>,
    catalog: &Catalog,
    ctx: &TranslateContext,
) -> Translation {
    let q = without_courtesy(question.trim());
    let q = inclusion_said_after(&q);
    let q = q.as_str();
    if q.is_empty() {
        return unsupported(catalog, "The question is empty.");
    }
    if q.chars().count() > MAX_QUESTION_LEN {
        return unsupported(
            catalog,
            format!("The question is longer than {MAX_QUESTION_LEN} characters."),
        );
    }
    if gate::orders_a_change(q, catalog) {
        return unsupported(catalog, WRITE_REFUSAL);
    }
    // "what counts as revenue?": the figure's definition, from the catalog.
    if let Some(answer) = definition::answer(q, catalog, ctx) {
        return answer;
    }
    // "why do customers cancel? churn reasons for 2025": a "why" answered
    // by the second sentence, when it splits by a column of reasons.
    if let Some(answer) = why_by_reason(q, previous, catalog, ctx) {
        return answer;
    }
    // "where do our customers live": a place asked for, which no column is
    // named to give ("live" was read as active subscriptions).
    if gate::asks_where(q) {
        return unsupported(
            catalog,
            "\"Where\" asks for a place, and no word of the question says which column holds it; ask for a breakdown by that column.",
        );
    }
    let voc = vocabulary(catalog);
    let voc = voc.as_ref();
    // "list dormant accounts and who holds them": the list, read without
    // its closing words, with the label of the rows they belong to.
    let mut shown = None;
    if let Some((core, asked)) = shown::split(q, voc, catalog) {
        if let Ok((mut plan, merged)) = plan_of(core, previous, voc, catalog, ctx) {
            // "show me the dormant accounts and who holds them": rows
            // counted are rows to show.
            shown::rows_listed(&mut plan, catalog);
            match (&asked.owner, plan.list.as_mut()) {
                // "top customers and their country" is no list: read whole.
                (None, None) => {}
                (Some(_), None) => {
                    return unsupported(
                        catalog,
                        "I can show whose rows they are only beside a list of them; ask for the list (\"list …\").",
                    );
                }
                (_, Some(list)) if !shown::columns_shown(&asked, &list.table, catalog) => {
                    return unsupported(
                        catalog,
                        format!(
                            "A list of {} shows their own columns; the one asked for is not one of them, or is personal.",
                            list.table.replace('_', " ")
                        ),
                    );
                }
                (None, Some(_)) => shown = Some((core, plan, merged)),
                (Some(owner), Some(list)) => match shown::owner(owner, &list.table, catalog) {
                    Ok(t) => {
                        list.shown = Some(t);
                        shown = Some((core, plan, merged));
                    }
                    // Rows of several owners: which one is asked.
                    Err(owners) if !owners.is_empty() => {
                        return Translation::Clarify {
                            reason: format!(
                                "{} belong to {}: whose name should I show?",
                                capitalise_first(&list.table.replace('_', " ")),
                                owners.join(" and ").replace('_', " ")
                            ),
                            options: owners
                                .iter()
                                .map(|t| {
                                    format!(
                                        "{core} with the {} name",
                                        describe::singular(t).replace('_', " ")
                                    )
                                })
                                .collect(),
                        };
                    }
                    Err(_) => {
                        return unsupported(
                            catalog,
                            format!(
                                "I can list {}, but they belong to no such rows to show beside them.",
                                list.table.replace('_', " ")
                            ),
                        );
                    }
                },
            }
        }
    }
    let (q, plan, merged) = match shown {
        Some(found) => found,
        None => match plan_of(q, previous, voc, catalog, ctx) {
            Ok((plan, merged)) => (q, plan, merged),
            Err(t) => return t,
        },
    };
    // "how long does it take to onboard a customer": a question of how long
    // is answered with a duration or not at all (it was a count of new
    // companies, "how long" left unread).
    let how_long = q.to_lowercase().contains("how long");
    let duration = plan
        .measures
        .iter()
        .any(|m| resolve::is_duration(m, catalog))
        || plan.list.is_some();
    // "dormant accounts and their balance at the end of October": rows
    // asked with something of theirs, answered with one figure, would drop
    // the rows.
    let theirs = lexicon::tokenize(q).windows(2).any(|w| {
        ["and", "with", "plus"].contains(&w[0].as_str())
            && ["their", "its"].contains(&w[1].as_str())
    });
    if theirs && plan.list.is_none() && plan.groups.is_empty() && plan.per_entity.is_none() {
        return unsupported(
            catalog,
            "I can show what rows hold beside a list of them (\"list … and their …\"), not as one figure.",
        );
    }
    // "what did Jane Smith order this year": the named one's rows, listed
    // (it was their number).
    let plan = named_rows_listed(q, plan, catalog);
    // "who placed the most orders", "who got the largest salary payment":
    // the one person or company the rows belong to, ranked or shown.
    let plan = if gate::who_without_entities(q, &plan, catalog) {
        let tokens = lexicon::tokenize(q);
        // "the most orders" names what is counted; "ordered the most"
        // leaves open how much or how many.
        let most = tokens.windows(2).any(|w| {
            w[0] == "most"
                && voc.link(std::slice::from_ref(&w[1])).0.iter().any(|x| {
                    x.lexes().iter().any(|l| {
                        matches!(
                            l,
                            lexicon::Lex::Table(_)
                                | lexicon::Lex::Value(..)
                                | lexicon::Lex::State(_)
                        )
                    })
                })
        });
        // Only where the verb says the rows are theirs ("who placed",
        // "who has"): "who closed the most tickets" is the agent, not the
        // one who raised them.
        let theirs = tokens
            .get(1)
            .is_some_and(|v| shown::OWNER_VERBS.contains(&v.as_str()));
        theirs
            .then(|| shown::owners_for_who(&plan, most, catalog))
            .flatten()
            .unwrap_or(plan)
    } else {
        plan
    };
    if gate::who_without_entities(q, &plan, catalog) {
        return unsupported(
            catalog,
            "\"Who\" asks for people or companies, and the answer I found is not a list of them; ask \"which …\" with the ones you mean.",
        );
    }
    if how_long && !duration {
        return unsupported(
            catalog,
            "\"How long\" asks for a time between two dates, and I found none that the question names.",
        );
    }
    // "list the past due subscriptions": each row beside the name of the
    // one labelled row it belongs to (its company).
    let plan = shown::owner_by_default(plan, catalog);
    let compared = sql::compared_periods(&plan).ok().flatten();
    let relative = plan.periods().any(|p| p.relative)
        || compared
            .as_ref()
            .is_some_and(|(a, b)| a.relative || b.relative);
    // Relative dates resolved against today, in the SQL and in its words.
    let sql_of = |r: &sql::Rendered| r.sql.replace(TODAY, &format!("DATE '{}'", ctx.today));
    let words_of = |r: &sql::Rendered| r.interpretation.replace(TODAY, &ctx.today.to_string());
    // "Giulia Thomas total balance": one reading per kind of row the name
    // may be; the browser, which holds the rows, keeps the one that has it.
    let mut first = None;
    let mut candidates = Vec::new();
    if let Some((name, _)) = &plan.named {
        for t in sql::name_tables(&plan, catalog) {
            let mut one = plan.clone();
            one.named = Some((name.clone(), vec![t.clone()]));
            let (Ok(r), Some(check_sql)) = (
                sql::render(&one, catalog),
                sql::name_check_sql(&t, name, catalog),
            ) else {
                continue;
            };
            let kind = describe::singular(&t).replace('_', " ");
            candidates.push(crate::wire::NameCandidate {
                question: names::with_kind(q, name, &kind),
                kind,
                check_sql,
                sql: sql_of(&r),
                interpretation: words_of(&r),
                chart: r.chart,
            });
            first.get_or_insert(r);
        }
    }
    let names = plan
        .named
        .as_ref()
        .filter(|_| !candidates.is_empty())
        .map(|(name, _)| crate::wire::NameCheck {
            name: names::title(name),
            candidates,
        });
    let rendered = match first {
        Some(r) => Ok(r),
        None => sql::render(&plan, catalog),
    };
    match rendered {
        Ok(r) => Translation::Answer(Box::new(Answer {
            // A catalog condition on today ("overdue": `due_on <
            // CURRENT_DATE`) reads the date questions are resolved against.
            as_of: (relative || r.sql.contains(TODAY)).then_some(ctx.today),
            sql: sql_of(&r),
            interpretation: words_of(&r),
            chart: r.chart,
            suggestions: suggestions(&plan, catalog),
            // The question right before (the last of a chain).
            follows: merged.then(|| {
                let prev = previous.unwrap_or_default();
                chain_split(prev)
                    .map_or(prev, |(_, last)| last)
                    .trim()
                    .to_string()
            }),
            compared: compared.map(|(a, b)| (a.label, b.label)),
            names,
        })),
        Err(reason) => unsupported(catalog, capitalise_first(&format!("{reason}."))),
    }
}

/// The plan of a question (read, completed with the question it follows
/// when it is a follow-up, oriented), and whether it followed one.
fn plan_of(
    q: &str,
    previous: Option<&str>,
    voc: &Vocabulary,
    catalog: &Catalog,
    ctx: &TranslateContext,
) -> Result<(plan::Plan, bool), Translation> {
    let parsed = read(q, voc, catalog, ctx.today);
    // The question's tokens, for the words the plan does not keep.
    let tokens = lexicon::tokenize(q);
    // A unit with no duration may still be a follow-up's ("in hours").
    let refusal = parsed
        .refusal
        .as_ref()
        .map(|reason| unsupported(catalog, reason.clone()));
    if let Some(r) = refusal
        .clone()
        .filter(|_| parsed.stray_unit.is_none() || previous.is_none())
    {
        return Err(r);
    }
    gate::every_word_accounted(&parsed, catalog)?;
    if let Some(rows) = &parsed.count_or_amount {
        let q = q.trim_end_matches(['?', '.', '!', ' ']);
        return Err(Translation::Clarify {
            reason: format!(
                "\"The most {rows}\" may be how many there were or how much money they moved."
            ),
            options: vec![format!("{q} by number"), format!("{q} by amount")],
        });
    }
    // A question with its own figure and its own periods ("compare revenue
    // 2024 vs 2025") stands on its own, whatever word it starts with.
    let own_periods = !parsed.plan.measures.is_empty()
        && (parsed.plan.compare.is_some() || parsed.plan.period.is_some())
        && !q.to_lowercase().contains("instead");
    let strong = parsed.follow_up && parsed.plan.measures.is_empty()
        || parsed.follow_up
            && parsed.plan.groups.is_empty()
            && parsed.plan.list.is_none()
            && !own_periods;
    // "and the average score per segment?": its own figure and split, said
    // as going on ("and", "what about"), keeps the period and filters of
    // the question before it when they fit its rows; "top 5 products by
    // units" stands on its own.
    let goes_on = parsed.follow_up
        && !strong
        && parsed.plan.list.is_none()
        && !own_periods
        && previous.is_some()
        && goes_on(q);
    let incomplete =
        parsed.plan.measures.is_empty() && parsed.plan.list.is_none() && parsed.tables.is_empty();
    let mut plan = parsed.plan.clone();
    let mut merged = false;
    // The rows of a list a follow-up asks a figure of ("the total of those").
    let mut listed = None;
    // The rows a follow-up counts in place of the figure before it.
    let mut counted: Vec<String> = Vec::new();
    let money = parsed.money_word || tokens.iter().any(|t| t == "total" || t == "sum");
    // The previous question's plan, read without whose name a list showed.
    // A chain of questions (one a line, oldest first, as the widget sends
    // a thread of follow-ups): the last one read as a follow-up of those
    // before it, so that "and for mobile?" after "only web" after "revenue
    // by month" still knows the figure.
    let previous_plan = |prev: &str| {
        if let Some((before, last)) = chain_split(prev) {
            return plan_of(last, Some(before), voc, catalog, ctx)
                .ok()
                .map(|(plan, _)| plan);
        }
        let prev = shown::split(prev, voc, catalog).map_or(prev, |(core, _)| core);
        let before = read(prev, voc, catalog, ctx.today);
        gate::is_whole(&before)
            .then(|| complete(before.plan.clone(), &before, catalog, ctx).ok())
            .flatten()
    };
    if let Some(prev) = previous
        .map(str::trim)
        .filter(|p| !p.is_empty() && p.chars().count() <= MAX_QUESTION_LEN)
    {
        if strong || incomplete || goes_on {
            if let Some(base) = previous_plan(prev) {
                // "now just for high priority tickets" after the average
                // first response by channel: the rows' word names whose
                // figure is kept, not a count in its place.
                let mut add = parsed.plan.clone();
                // "only the monthly-billed ones": rows narrowed, said of the
                // rows before ("ones"); a figure's word in it ("billed")
                // describes them and never replaces the figure.
                let narrows = tokens
                    .first()
                    .is_some_and(|t| ["only", "just"].contains(&t.as_str()))
                    && tokens.last().is_some_and(|t| t == "ones");
                if narrows && !base.measures.is_empty() && add.groups.is_empty() {
                    add.measures.clear();
                }
                if let [m] = add.measures.as_slice() {
                    let rows = m.rows(catalog);
                    if m.counts_every_row(catalog)
                        && !parsed.wants_count
                        && !add.filters.is_empty()
                        && !base.measures.is_empty()
                        && base.measures.iter().all(|b| b.rows(catalog) == rows)
                    {
                        add.measures.clear();
                    }
                }
                plan = plan::refine(&base, &add);
                merged = true;
                // "and how many high priority tickets" after an average:
                // the count asked, of the rows named, replaces the figure.
                if parsed.wants_count
                    && parsed.plan.measures.is_empty()
                    && parsed.plan.list.is_none()
                    && !parsed.tables.is_empty()
                {
                    plan.measures.clear();
                    plan.unit = None;
                    counted = parsed.tables.clone();
                }
                // "split that by platform": a further split of the same
                // answer, kept beside its own ("by country instead"
                // replaces it).
                let further = tokens
                    .iter()
                    .any(|t| ["split", "break", "broken"].contains(&t.as_str()))
                    && !tokens.iter().any(|t| t == "instead");
                if further && !parsed.plan.groups.is_empty() {
                    let mut groups = base.groups.clone();
                    for g in &parsed.plan.groups {
                        if !groups.contains(g) {
                            groups.push(g.clone());
                        }
                    }
                    plan.groups = groups;
                }
                // "what's the total of those" after a list: a figure of
                // the rows listed, not the list again.
                let figure = money || parsed.wants_count || parsed.average;
                if figure && parsed.plan.list.is_none() {
                    if let Some(l) = plan.list.take() {
                        plan.measures.clear();
                        listed = Some(l.table);
                    }
                }
            }
            // "just the small businesses" after a question it could not
            // read: never the follow-up's words alone.
            if !merged && !own_periods {
                return Err(unsupported(
                    catalog,
                    "This reads as a follow-up, and I could not answer the question before it; ask it in full.",
                ));
            }
        } else if refers_back(q) {
            // "which companies are the urgent ones from": a question of its
            // own about the rows the previous one kept ("backlog": open).
            if let Some(base) = previous_plan(prev) {
                merged = plan::keep_rows(&mut plan, &base);
            }
        }
    }
    if goes_on && merged {
        let whole = complete(plan.clone(), &parsed, catalog, ctx);
        if whole.map_or(true, |p| sql::render(&p, catalog).is_err()) {
            // The question before it does not fit these rows: read alone.
            return plan_of(q, None, voc, catalog, ctx);
        }
    }
    let plan = if merged {
        // The previous question settled what to measure.
        let flags = Parsed {
            vague: false,
            money_word: listed.is_some() && money,
            wants_count: (listed.is_some() || !counted.is_empty()) && parsed.wants_count,
            average: listed.is_some() && parsed.average,
            tables: listed.into_iter().chain(counted).collect(),
            ..Default::default()
        };
        complete(plan, &flags, catalog, ctx)
    } else {
        complete(plan, &parsed, catalog, ctx)
    };
    let plan = plan.and_then(|mut p| {
        resolve::orient_rank(&mut p, &parsed, catalog)?;
        // "direct debit totals by category": the total of rows a value
        // names, which have an amount, may be their number or their money.
        let total_said = tokens.iter().any(|t| t == "total" || t == "totals");
        if let ([m], true, false) = (p.measures.as_slice(), total_said, parsed.asks_how_many) {
            let rows = m.rows(catalog);
            let valued = p.filters.iter().any(|f| {
                matches!(f, plan::Filter::In { col, .. } if Some(&col.table) == rows.as_ref())
            });
            let money = rows
                .as_deref()
                .and_then(|t| catalog.table(t))
                .and_then(measures::sole_money_column)
                .is_some();
            if m.counts_every_row(catalog) && valued && money && !merged {
                return Err(unsupported(
                    catalog,
                    "A total of those rows may be how many there were or how much money they moved; ask for the number of them or for their amount.",
                ));
            }
        }
        // "which customers have overdue invoices, and how much does each
        // owe": a count of companies by company is one each; what was
        // asked of each was lost.
        let each_counts_itself = p.measures.iter().any(|m| {
            m.counts_every_row(catalog)
                && p.groups.iter().any(|g| match g {
                    plan::Group::Dim(c) => {
                        Some(&c.table) == m.rows(catalog).as_ref()
                            && catalog.table(&c.table).is_some_and(|t| {
                                t.primary_key.as_deref() == Some(c.column.as_str())
                                    || t.label_column.as_deref() == Some(c.column.as_str())
                            })
                    }
                    plan::Group::Time(_) => false,
                })
        });
        let amount_asked = parsed.money_word || q.to_lowercase().contains("how much");
        if each_counts_itself && amount_asked {
            return Err(unsupported(
                catalog,
                "That reads as a count of each row by itself; ask for the rows (\"list …\") or for one figure of each.",
            ));
        }
        // "accounts opened in 2024 and closed in 2025": each date its own
        // period, which one period or two compared do not say.
        if parsed.two_dates && (p.compare.is_some() || p.period.is_some()) {
            return Err(unsupported(
                catalog,
                "Each of those dates has its own period, and I can bound only one date of the rows at a time; ask by one of them.",
            ));
        }
        // "how many customers ordered in both 2024 and 2025": those in both
        // periods, which two figures side by side do not give.
        // ("revenue for both 2024 and 2025" is each year's, side by side.)
        let both = tokens.iter().position(|t| t == "both");
        let distinct = p.measures.iter().any(|m| match m {
            plan::Measure::Distinct { .. } => true,
            plan::Measure::Metric(n) => catalog
                .metric(n)
                .is_some_and(|d| d.expression.to_uppercase().contains("DISTINCT")),
            _ => false,
        });
        // ("active in both September and October" read the two months as
        // one span.)
        let two_periods = p.compare.is_some()
            || p.period.is_some() && both.is_some_and(|b| tokens[b..].iter().any(|w| w == "and"));
        if both.is_some() && distinct && two_periods && !p.each_value {
            return Err(unsupported(
                catalog,
                "I can give each period's figure side by side, not count what is in both periods; ask for the two periods compared.",
            ));
        }
        // "how much MRR did we add last month": what a reading at a date
        // gained is its change, never the reading itself.
        let reading = p.measures.iter().any(|m| {
            matches!(m, plan::Measure::Metric(n) if catalog
                .metric(n)
                .and_then(|d| catalog.table(&d.table))
                .is_some_and(|t| t.snapshot))
        });
        if parsed.gained && reading && !p.growth {
            return Err(unsupported(
                catalog,
                "That figure is a reading at a date; what was added is its change. Ask how it changed (\"… change last month\") or for it at two dates.",
            ));
        }
        // "how many invoices are overdue, and what is their total amount":
        // a number asked for that no figure of the answer gives.
        if parsed.asks_how_many && !merged && !counts_something(&p, catalog) {
            return Err(unsupported(
                catalog,
                "You asked how many, and I could read only another figure; ask for the number on its own.",
            ));
        }
        if let (Some(word), Some(r)) = (&parsed.stray_unit, refusal) {
            // "same thing but in hours": the duration followed up on.
            let duration = p.measures.iter().any(|m| resolve::is_duration(m, catalog));
            match units::unit_asked(word) {
                Some(unit) if merged && duration => p.unit = Some(unit),
                _ => return Err(r),
            }
        }
        Ok(p)
    });
    plan.map(|p| (p, merged))
}

/// Whether an answer can say how many: it gives a figure that is not an
/// amount of money (a count, a number of units or seats, a duration), a
/// list, or groups kept by their count.
fn counts_something(p: &plan::Plan, catalog: &Catalog) -> bool {
    let money_col = |c: &lexicon::Col| {
        catalog
            .table(&c.table)
            .and_then(|t| t.column(&c.column))
            .is_some_and(|d| d.format == Some(crate::catalog::DisplayFormat::Money))
    };
    p.list.is_some()
        || p.per_entity.is_some()
        || p.having.is_some_and(|h| h.count)
        || p.measures.iter().any(|m| match m {
            plan::Measure::OfRows {
                agg: plan::RowAgg::Count,
                ..
            } => true,
            plan::Measure::Metric(n) | plan::Measure::OfRows { metric: n, .. } => {
                catalog.metric(n).is_some_and(|d| d.format != "money")
            }
            plan::Measure::Sum { col, .. } | plan::Measure::Average(col) => !money_col(col),
            _ => true,
        })
}

/// "why are customers leaving? cancellations by reason this year": a first
/// sentence asking why, then one that splits by a column the catalog says
/// holds reasons ("reason" in its name or other names): the second is the
/// answer. Any other "why" is left to be refused.
fn why_by_reason(
    q: &str,
    previous: Option<&str>,
    catalog: &Catalog,
    ctx: &TranslateContext,
) -> Option<Translation> {
    let (first, second) = q.split_once('?')?;
    let second = second.trim();
    if second.is_empty() || lexicon::tokenize(first).first().is_none_or(|w| w != "why") {
        return None;
    }
    let voc = vocabulary(catalog);
    // "why did customers churn this year? cancellations by reason": a
    // period said only in the "why" would be dropped.
    let asked = read(first, voc.as_ref(), catalog, ctx.today);
    if asked.plan.compare.is_some() {
        return None;
    }
    let mut second = second.to_string();
    if let Some(period) = &asked.plan.period {
        // "why did customers cancel this year? count per reason": the
        // period, said last in the "why", read with the answer when it
        // names none of its own.
        let own = read(&second, voc.as_ref(), catalog, ctx.today);
        if own.plan.period.is_some() || own.plan.compare.is_some() {
            return None;
        }
        let words: Vec<&str> = first.split_whitespace().collect();
        let said = (1..=words.len().min(4)).find_map(|k| {
            let tail = words[words.len() - k..].join(" ");
            let read_alone = read(&tail, voc.as_ref(), catalog, ctx.today);
            read_alone
                .plan
                .period
                .as_ref()
                .is_some_and(|p| (p.start, p.end) == (period.start, period.end))
                .then_some(tail)
        })?;
        let end = second.trim_end_matches(['.', '!', ' ']).len();
        second.truncate(end);
        second = format!("{second} {said}");
    }
    let second = second.as_str();
    let parsed = read(second, voc.as_ref(), catalog, ctx.today);
    let reasons = parsed.plan.groups.iter().any(|g| match g {
        plan::Group::Dim(c) => catalog
            .table(&c.table)
            .and_then(|t| t.column(&c.column))
            .is_some_and(|d| {
                std::iter::once(&d.name)
                    .chain(&d.synonyms)
                    .any(|n| n.to_lowercase().contains("reason"))
            }),
        plan::Group::Time(_) => false,
    });
    if !reasons {
        return None;
    }
    match translate(second, previous, catalog, ctx) {
        Translation::Answer(a) => Some(Translation::Answer(a)),
        _ => None,
    }
}

/// "what did Jane Smith order this year", "what has Martin Motors
/// bought": a count of one named entity's rows, asked with "what did", is
/// the list of those rows.
fn named_rows_listed(q: &str, mut plan: plan::Plan, catalog: &Catalog) -> plan::Plan {
    let tokens = lexicon::tokenize(q);
    let asks_what = tokens.first().is_some_and(|t| t == "what")
        && tokens
            .get(1)
            .is_some_and(|t| ["did", "has", "have", "does", "do"].contains(&t.as_str()))
        // "show me the unpaid invoices of Bluepeak Systems": rows asked to
        // be shown, not counted.
        || tokens
            .iter()
            .take(6)
            .rposition(|t| ["show", "list", "display"].contains(&t.as_str()))
            .is_some_and(|k| tokens.iter().skip(k + 1).take(2).any(|t| t == "the" || t == "all"))
            && !read::HOW_MANY
                .iter()
                .any(|h| q.to_lowercase().contains(h));
    if !asks_what || plan.named.is_none() || plan.list.is_some() || plan.compare.is_some() {
        return plan;
    }
    let [m] = plan.measures.as_slice() else {
        return plan;
    };
    let Some(rows) = read::counted_entity(m, catalog) else {
        return plan;
    };
    // Only the named one's own split (their name), no other.
    let own = plan.groups.iter().all(|g| match g {
        plan::Group::Dim(c) => c.names_rows(catalog) && c.table != rows,
        plan::Group::Time(_) => false,
    });
    if !own {
        return plan;
    }
    plan.measures.clear();
    plan.groups.clear();
    plan.rank = None;
    plan.list = Some(plan::ListSpec::every(&rows));
    plan
}

/// Most questions of a chain of follow-ups read (the oldest are dropped).
pub const MAX_CHAIN: usize = 5;

/// A chain of previous questions, one a line: the ones before the last
/// (at most `MAX_CHAIN` in all), and the last. `None` for one question.
fn chain_split(previous: &str) -> Option<(&str, &str)> {
    let (before, last) = previous.trim().rsplit_once('\n')?;
    // Only the newest lines of a long chain are read.
    let mut before = before.trim();
    while before.matches('\n').count() + 2 > MAX_CHAIN {
        before = before.split_once('\n').map_or("", |(_, rest)| rest).trim();
    }
    (!before.is_empty() && !last.trim().is_empty()).then(|| (before, last.trim()))
}

/// "(void ones excluded)", "closed ones included": what is left out said
/// after it, read as "excluding void"; what is kept in said so filters
/// nothing and is dropped ("counting every account ever opened (closed
/// ones included)").
fn inclusion_said_after(q: &str) -> String {
    let words: Vec<&str> = q.split_whitespace().collect();
    let bare = |w: &str| {
        w.trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase()
    };
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let said = i + 2 < words.len()
            && bare(words[i + 1]) == "ones"
            && ["excluded", "included"].contains(&bare(words[i + 2]).as_str());
        if said {
            let open = words[i].starts_with('(');
            let close = words[i + 2].ends_with(')');
            let value = bare(words[i]);
            if bare(words[i + 2]) == "excluded" {
                let mut w = format!("excluding {value}");
                if open {
                    w.insert(0, '(');
                }
                if close {
                    w.push(')');
                }
                out.push(w);
            }
            i += 3;
            continue;
        }
        out.push(words[i].to_string());
        i += 1;
    }
    out.join(" ")
}

/// The question without a closing "please" or "thanks" ("list the late
/// invoices with the company name please": the list's last column is
/// "company name"), which say nothing about the answer.
fn without_courtesy(q: &str) -> String {
    let mut out = q.trim_end_matches(['?', '!', '.', ' ']).to_string();
    loop {
        let lower = out.to_lowercase();
        let Some(cut) = ["please", "pls", "plz", "thanks", "thank you", "thx"]
            .iter()
            .filter(|w| lower.ends_with(*w) && lower.len() > w.len())
            .map(|w| lower.len() - w.len())
            .find(|&at| lower[..at].ends_with([' ', ',']))
        else {
            break;
        };
        out = out[..cut]
            .trim_end_matches([' ', ',', '?', '!', '.'])
            .to_string();
    }
    if out.len() < q.len() && q.trim_end().ends_with('?') {
        out.push('?');
    }
    if out.is_empty() {
        q.to_string()
    } else {
        out
    }
}

/// Whether a question says it goes on from the one before ("and the
/// average per segment?", "what about refunds by channel?").
fn goes_on(q: &str) -> bool {
    let tokens = lexicon::tokenize(q);
    match tokens.as_slice() {
        [first, ..] if first == "and" => true,
        [first, second, ..] => ["what", "how"].contains(&first.as_str()) && second == "about",
        _ => false,
    }
}

/// Whether a question points back at rows said before ("the urgent
/// ones", "those", "these").
fn refers_back(q: &str) -> bool {
    lexicon::tokenize(q)
        .iter()
        .any(|t| ["ones", "those", "these", "them", "they"].contains(&t.as_str()))
}

thread_local! {
    /// The last catalog's vocabulary: building it costs far more than a question.
    static VOCABULARY: std::cell::RefCell<Option<(Catalog, std::rc::Rc<Vocabulary>)>> =
        const { std::cell::RefCell::new(None) };
}

fn vocabulary(catalog: &Catalog) -> std::rc::Rc<Vocabulary> {
    VOCABULARY.with(|cell| {
        let mut slot = cell.borrow_mut();
        match slot.as_ref() {
            Some((c, v)) if c == catalog => v.clone(),
            _ => {
                let v = std::rc::Rc::new(Vocabulary::new(catalog));
                *slot = Some((catalog.clone(), v.clone()));
                v
            }
        }
    })
}

fn capitalise_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// "monthly billings": a word that is both a time bucket and a value
/// ("monthly", a billing cycle) right before a figure of rows that do not
/// hold that value is the bucket, as in "monthly revenue"; before the
/// value's own rows ("monthly subscriptions") it stays the value.
fn grain_before_other_figure(
    mut words: Vec<lexicon::Word>,
    catalog: &Catalog,
) -> Vec<lexicon::Word> {
    use lexicon::{Lex, Word};
    for i in 0..words.len().saturating_sub(1) {
        let (Word::Known(here), next) = (&words[i], &words[i + 1]) else {
            continue;
        };
        let value_table = here.iter().find_map(|l| match l {
            Lex::Value(c, _) => Some(c.table.clone()),
            _ => None,
        });
        let (Some(table), true) = (value_table, here.iter().any(|l| matches!(l, Lex::Grain(_))))
        else {
            continue;
        };
        let figure_elsewhere = next.lexes().first().is_some_and(|l| match l {
            Lex::Metric(m) => catalog.metric(m).is_some_and(|d| d.table != table),
            _ => false,
        });
        if figure_elsewhere {
            let kept: Vec<Lex> = here
                .iter()
                .filter(|l| !matches!(l, Lex::Value(..)))
                .cloned()
                .collect();
            words[i] = Word::Known(kept);
        }
    }
    words
}

/// "client companies", "customer accounts": a word naming rows right
/// before the plain word of the same rows is one mention of them (the
/// second, which says whether one or several are meant). "client
/// accounts", "customer orders": a singular word of rows before the word of
/// rows that belong to them only says whose they are.
fn one_word_per_table(
    words: Vec<lexicon::Word>,
    texts: Vec<String>,
    catalog: &Catalog,
) -> (Vec<lexicon::Word>, Vec<String>) {
    use lexicon::{Lex, Word};
    // A word that names rows and nothing else of another table (their
    // count and their label are theirs).
    let plain_table = |w: &Word| {
        let t = w.lexes().iter().find_map(|l| match l {
            Lex::Table(t) => Some(t.clone()),
            _ => None,
        })?;
        w.lexes()
            .iter()
            .all(|l| match l {
                Lex::Table(u) => *u == t,
                Lex::Dim(c) => c.table == t,
                Lex::Metric(m) => catalog.metric(m).is_some_and(|d| d.table == t),
                _ => false,
            })
            .then_some(t)
    };
    let names_only_rows = |w: &Word| {
        w.lexes()
            .iter()
            .all(|l| matches!(l, Lex::Table(_) | Lex::Dim(_) | Lex::Metric(_)))
    };
    let mut out = (
        Vec::with_capacity(words.len()),
        Vec::with_capacity(texts.len()),
    );
    for (i, (w, t)) in words.iter().zip(texts).enumerate() {
        let next = words.get(i + 1).and_then(plain_table);
        let modifies = next.is_some_and(|n| {
            w.lexes().iter().any(|l| match l {
                // ("60 booked transactions": a word that is also a value
                // of the rows, "booked", says which of them.)
                Lex::Table(a) => {
                    *a == n
                        && !w
                            .lexes()
                            .iter()
                            .any(|l| matches!(l, Lex::Value(..) | Lex::State(_)))
                        || names_only_rows(w)
                            && !lexicon::is_plural(&t)
                            && catalog.relationship(&n, a).is_some()
                }
                _ => false,
            })
        });
        if !modifies {
            out.0.push(w.clone());
            out.1.push(t);
        }
    }
    out
}

/// "customers whose subscription is past due", "companies with invoices
/// overdue": after "with" or "whose", rows named and then a state or value
/// of theirs are those rows in that state, read as "with past-due
/// subscriptions" and "with overdue" say it.
fn rows_then_their_state(
    words: Vec<lexicon::Word>,
    texts: Vec<String>,
    catalog: &Catalog,
) -> (Vec<lexicon::Word>, Vec<String>) {
    use lexicon::Lex;
    const HAVING: [&str; 7] = ["with", "whose", "whos", "have", "has", "having", "where"];
    const LINKS: [&str; 6] = ["is", "are", "was", "were", "that", "still"];
    let mut drop = vec![false; words.len()];
    let mut swap = Vec::new();
    for i in 1..words.len() {
        let Some(t) = words[i]
            .lexes()
            .first()
            .and_then(|l| read::rows_named_by(l, catalog))
        else {
            continue;
        };
        if !HAVING.contains(&texts[i - 1].as_str()) {
            continue;
        }
        let Some(j) = (i + 1..words.len()).find(|&j| !LINKS.contains(&texts[j].as_str())) else {
            continue;
        };
        // A state names its rows itself ("overdue": overdue invoices); a
        // value goes before the rows' word ("past due subscriptions").
        let (state, value) = match words[j].lexes().first() {
            Some(Lex::State(s)) => (
                plan::state_table(s, catalog).as_deref() == Some(t.as_str()),
                false,
            ),
            Some(Lex::Value(c, _)) => (false, c.table == t),
            _ => (false, false),
        };
        if state {
            drop[i] = true;
        }
        if value {
            swap.push((i, j));
        }
        if state || value {
            for flag in drop.iter_mut().take(j).skip(i + 1) {
                *flag = true;
            }
        }
    }
    let (mut words, mut texts) = (words, texts);
    for (i, j) in swap {
        words.swap(i, j);
        texts.swap(i, j);
    }
    words
        .into_iter()
        .zip(texts)
        .zip(drop)
        .filter(|(_, d)| !d)
        .map(|(wt, _)| wt)
        .unzip()
}

fn read(q: &str, voc: &Vocabulary, catalog: &Catalog, today: NaiveDate) -> Parsed {
    let mut raw = lexicon::tokenize(q);
    // "median order value": read as the average it is the middle value of
    // ("average order value" is the catalog's phrase), then rendered as a
    // median; an aggregate that is no average has none and is refused.
    let mut median = false;
    for t in raw.iter_mut() {
        // "medain", "medina": one edit from it, and no word of its own.
        let typo = t.len() >= 5 && !voc.knows(t) && typos::edit_distance(t, "median", 1) <= 1;
        if t == "median" || t == "medians" || typo {
            *t = "average".to_string();
            median = true;
        }
    }
    // A proper name is never "repaired" into a word of the catalog.
    let proper = names::proper_words(q);
    let tokens: Vec<String> = voc
        .repair(&raw)
        .into_iter()
        .zip(&raw)
        .map(|(fixed, typed)| {
            if proper.contains(typed.as_str()) && !voc.knows(typed) {
                typed.clone()
            } else {
                fixed
            }
        })
        .collect();
    let tokens = lexicon::ordinal_quarters(tokens);
    let tokens = how_many_units_long(tokens);
    let tokens = subject_after_how_many(tokens, voc, catalog);
    let tokens = more_than_a_period(tokens);
    let tokens = most_active(tokens, voc, catalog);
    let tokens = halves(tokens);
    let tokens = pronoun_us(tokens, q, voc);
    let (words, texts) = voc.link(&tokens);
    let (words, texts) = names::join(words, texts, &proper, &names::possessive_words(q));
    let words = grain_before_other_figure(words, catalog);
    let (words, texts) = rows_then_their_state(words, texts, catalog);
    let (words, texts) = one_word_per_table(words, texts, catalog);
    let mut parsed = read::parse(&words, &texts, catalog, today);
    parsed.plan.median = median;
    implied_figure(&mut parsed, &words, &texts, voc);
    parsed
}

/// "how many days did churned subscriptions last", "how many days were
/// closed accounts open on average": how long rows lasted, in that unit,
/// as "how long ... last, in days" reads it (it was refused: a unit with
/// no duration named).
fn how_many_units_long(tokens: Vec<String>) -> Vec<String> {
    const UNITS: [&str; 5] = ["minutes", "hours", "days", "weeks", "months"];
    const LASTING: [&str; 8] = [
        "last", "lasted", "open", "opened", "active", "stay", "stayed", "run",
    ];
    let Some(i) = tokens
        .windows(3)
        .position(|w| w[0] == "how" && w[1] == "many" && UNITS.contains(&w[2].as_str()))
    else {
        return tokens;
    };
    if !tokens[i + 3..]
        .iter()
        .any(|t| LASTING.contains(&t.as_str()))
    {
        return tokens;
    }
    let unit = tokens[i + 2].clone();
    let mut out: Vec<String> = tokens[..i].to_vec();
    out.extend(["how".to_string(), "long".to_string()]);
    out.extend(tokens[i + 3..].iter().cloned());
    out.extend(["in".to_string(), unit]);
    out
}

/// "the first half of 2025": the half year "h1 2025". A half of a year said
/// otherwise ("of last year") is left unread, never set against it.
/// "companies that never contacted us": "us" typed in lower case, not after
/// "the" or "in", is the pronoun (a filler), never the United States a
/// catalog may call "us"; "US", "the us" and "in us" keep the value.
/// A catalog verb or figure that ends in "us" ("spend with us") keeps it.
fn pronoun_us(mut tokens: Vec<String>, question: &str, voc: &Vocabulary) -> Vec<String> {
    let typed_upper = question
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w == "US" || w == "Us");
    if typed_upper {
        return tokens;
    }
    for i in 0..tokens.len() {
        let after_place = i > 0 && matches!(tokens[i - 1].as_str(), "the" | "in");
        let in_phrase = (1..=3).filter(|n| *n <= i).any(|n| {
            let (linked, _) = voc.link(&tokens[i - n..=i]);
            matches!(linked.as_slice(), [w] if w.lexes().iter().any(|l| matches!(l, lexicon::Lex::Verb(_) | lexicon::Lex::Metric(_))))
        });
        if tokens[i] == "us" && !after_place && !in_phrase {
            tokens[i] = "we".into();
        }
    }
    tokens
}

fn halves(mut tokens: Vec<String>) -> Vec<String> {
    let mut i = 0;
    while i + 1 < tokens.len() {
        let half = match (tokens[i].as_str(), tokens[i + 1].as_str()) {
            ("first" | "1st", "half") => Some("h1"),
            ("second" | "2nd" | "last", "half") => Some("h2"),
            _ => None,
        };
        let of = tokens.get(i + 2).is_some_and(|t| t == "of" || t == "in");
        let year = tokens
            .get(i + 3)
            .is_some_and(|t| t.len() == 4 && t.chars().all(|c| c.is_ascii_digit()));
        if let (Some(h), true) = (half, !of || year) {
            tokens.splice(i..i + 2, [h.to_string()]);
            // "h1 of 2025": the year is the half's.
            if tokens.get(i + 1).is_some_and(|t| t == "of") {
                tokens[i + 1] = "in".to_string();
            }
        }
        i += 1;
    }
    tokens
}

/// "the most active users", "top 5 most active companies": ranked by the
/// catalog's figure of activity, when one figure is called "activity"
/// ("the user with the most activity"). Otherwise left to be refused.
fn most_active(mut tokens: Vec<String>, voc: &Vocabulary, catalog: &Catalog) -> Vec<String> {
    let Some(i) = tokens
        .windows(3)
        .position(|w| matches!(w[0].as_str(), "most" | "least") && w[1] == "active")
    else {
        return tokens;
    };
    // One figure, with its own table's name at most.
    let (linked, _) = voc.link(&["activity".to_string()]);
    let lexes = linked.first().map(|w| w.lexes()).unwrap_or_default();
    let metrics: Vec<&String> = lexes
        .iter()
        .filter_map(|l| match l {
            lexicon::Lex::Metric(m) => Some(m),
            _ => None,
        })
        .collect();
    let one_figure = linked.len() == 1
        && metrics.len() == 1
        && lexes.iter().all(|l| match l {
            lexicon::Lex::Metric(_) => true,
            lexicon::Lex::Table(t) => catalog.metric(metrics[0]).is_some_and(|d| d.table == *t),
            _ => false,
        });
    if !one_figure {
        return tokens;
    }
    let rows = tokens[i + 2].clone();
    let ranked_before = tokens[i.saturating_sub(3)..i]
        .iter()
        .any(|t| matches!(t.as_str(), "top" | "bottom"));
    let words: Vec<&str> = if ranked_before {
        vec![&rows, "by", "activity"]
    } else {
        vec![&rows, "with", "the", &tokens[i], "activity"]
    };
    let words: Vec<String> = words.into_iter().map(str::to_string).collect();
    tokens.splice(i..i + 3, words);
    tokens
}

/// "did more subscriptions churn in 2025 than in 2024": a yes/no question
/// about two periods is answered with both figures side by side, as "2025
/// vs 2024" (the comparison shows which is more). A comparative followed by
/// a number ("more than 5") is a threshold and left alone, and so is any
/// question that does not ask yes or no ("customers with more orders than
/// last year" compares each customer's two years: not read).
fn more_than_a_period(mut tokens: Vec<String>) -> Vec<String> {
    const MORE: [&str; 7] = [
        "more", "less", "fewer", "higher", "lower", "bigger", "smaller",
    ];
    const ASKS: [&str; 9] = [
        "did", "was", "were", "is", "are", "has", "have", "do", "does",
    ];
    if !tokens.first().is_some_and(|t| ASKS.contains(&t.as_str())) {
        return tokens;
    }
    let Some(than) = tokens.iter().position(|t| t == "than") else {
        return tokens;
    };
    let mut next = than + 1;
    while tokens
        .get(next)
        .is_some_and(|t| ["in", "during", "for"].contains(&t.as_str()))
    {
        next += 1;
    }
    let period = tokens.get(next).is_some_and(|t| {
        t.len() == 4 && t.starts_with("20") && t.chars().all(|c| c.is_ascii_digit())
            || [
                "january",
                "february",
                "march",
                "april",
                "may",
                "june",
                "july",
                "august",
                "september",
                "october",
                "november",
                "december",
                "last",
                "this",
                "q1",
                "q2",
                "q3",
                "q4",
            ]
            .contains(&t.as_str())
    });
    let Some(comparative) = tokens[..than]
        .iter()
        .position(|t| MORE.contains(&t.as_str()))
    else {
        return tokens;
    };
    if !period || comparative + 1 == than {
        return tokens;
    }
    tokens[than] = "vs".to_string();
    tokens.remove(comparative);
    tokens
}

/// "how many users were active last week": the catalog's figure "active
/// users" said the other way round. The two words are put in the
/// catalog's order when together they name exactly one count and nothing
/// else ("tickets were closed" is no "close tickets" duration).
fn subject_after_how_many(
    mut tokens: Vec<String>,
    voc: &Vocabulary,
    catalog: &Catalog,
) -> Vec<String> {
    const LINKS: [&str; 8] = ["are", "were", "is", "was", "been", "have", "has", "had"];
    let Some(at) = tokens
        .windows(2)
        .position(|w| w[0] == "how" && w[1] == "many")
    else {
        return tokens;
    };
    let subject = at + 2;
    let mut j = subject + 1;
    while tokens.get(j).is_some_and(|t| LINKS.contains(&t.as_str())) {
        j += 1;
    }
    if j == subject + 1 || j >= tokens.len() {
        return tokens;
    }
    let pair = [tokens[j].clone(), tokens[subject].clone()];
    let (linked, _) = voc.link(&pair);
    let one_count = match linked.as_slice() {
        [w] => match w.lexes() {
            [lexicon::Lex::Metric(m)] => catalog
                .metric(m)
                .is_some_and(|d| d.expression.starts_with("COUNT(")),
            _ => false,
        },
        _ => false,
    };
    if one_count {
        let word = tokens.remove(j);
        tokens.insert(subject, word);
    }
    tokens
}

/// "top 5 spending categories": a ranking of groups with no figure named,
/// where the group's own phrase holds a word that names only a figure
/// ("spending": card spend), is ranked by that figure.
fn implied_figure(p: &mut Parsed, words: &[lexicon::Word], texts: &[String], voc: &Vocabulary) {
    if !p.plan.measures.is_empty() || p.plan.rank.is_none() || p.plan.groups.is_empty() {
        return;
    }
    let mut found = Vec::new();
    for (w, text) in words.iter().zip(texts) {
        let grouped = w.lexes().iter().any(|l| {
            matches!(l, lexicon::Lex::Dim(c) if p.plan.groups.contains(&plan::Group::Dim(c.clone())))
        });
        if !grouped || !text.contains(' ') {
            continue;
        }
        for token in text.split(' ') {
            let (linked, _) = voc.link(&[token.to_string()]);
            let Some(lexes) = linked.first().map(|w| w.lexes()) else {
                continue;
            };
            let only_figure = !lexes.is_empty()
                && lexes
                    .iter()
                    .all(|l| matches!(l, lexicon::Lex::Metric(_) | lexicon::Lex::Verb(_)));
            if let (true, Some(lexicon::Lex::Metric(m))) = (only_figure, lexes.first()) {
                if !found.contains(m) {
                    found.push(m.clone());
                }
            }
        }
    }
    if let [m] = found.as_slice() {
        p.plan.measures.push(plan::Measure::Metric(m.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> TranslateContext {
        TranslateContext {
            today: NaiveDate::from_ymd_opt(2025, 11, 15).unwrap_or_default(),
        }
    }

    fn sql_of(q: &str) -> String {
        match translate(q, None, &Catalog::demo(), &ctx()) {
            Translation::Answer(a) => a.sql,
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn starter_questions_answer() {
        for q in starter_questions(&Catalog::demo()) {
            assert!(
                matches!(
                    translate(&q, None, &Catalog::demo(), &ctx()),
                    Translation::Answer(_)
                ),
                "{q}"
            );
        }
    }

    #[test]
    fn total_revenue() {
        assert_eq!(
            sql_of("total revenue"),
            "SELECT SUM(amount) AS revenue FROM orders WHERE status = 'completed'"
        );
    }

    #[test]
    fn follow_up_adds_a_filter() {
        let t = translate(
            "only in Germany",
            Some("revenue by month"),
            &Catalog::demo(),
            &ctx(),
        );
        let Translation::Answer(a) = t else {
            panic!("{t:?}")
        };
        assert!(a.sql.contains("c.country = 'Germany'"), "{}", a.sql);
        assert!(
            a.sql.contains("STRFTIME(o.ordered_at, '%Y-%m')"),
            "{}",
            a.sql
        );
    }

    #[test]
    fn grouped_sql_groups_by_columns_of_a_cte() {
        let sql = sql_of("revenue by quarter in Germany");
        assert!(sql.starts_with("WITH facts AS (SELECT"), "{sql}");
        assert!(sql.contains("GROUP BY quarter"), "{sql}");
        assert!(sql.contains("ROUND(SUM(amount), 2) AS revenue"), "{sql}");
        assert!(sql.contains("c.country = 'Germany'"), "{sql}");
    }

    #[test]
    fn comparisons_use_case_not_filter() {
        let sql = sql_of("orders this month vs last month");
        assert!(
            sql.contains("COUNT(CASE WHEN ordered_at >= TIMESTAMP '2025-11-01 00:00:00'"),
            "{sql}"
        );
        assert!(!sql.contains("FILTER"), "{sql}");
    }

    #[test]
    fn refuses_writes_and_personal_data() {
        for q in [
            "delete all orders",
            "list customer emails",
            "forecast revenue next month",
        ] {
            assert!(
                matches!(
                    translate(q, None, &Catalog::demo(), &ctx()),
                    Translation::Unsupported { .. }
                ),
                "{q}"
            );
        }
    }

    #[test]
    fn vocabulary_follows_the_catalog() {
        let mut catalog = Catalog::demo();
        catalog.metrics.retain(|m| m.name != "revenue");
        assert!(!matches!(
            translate("total revenue", None, &catalog, &ctx()),
            Translation::Answer(_)
        ));
        assert!(matches!(
            translate("total revenue", None, &Catalog::demo(), &ctx()),
            Translation::Answer(_)
        ));
    }

    /// The translator's production code names nothing of any dataset: no
    /// quoted table, column, metric, state or value of the retail example.
    #[test]
    fn production_code_names_no_dataset() {
        let sources = [
            include_str!("translate.rs"),
            include_str!("translate/clauses.rs"),
            include_str!("translate/definition.rs"),
            include_str!("translate/describe.rs"),
            include_str!("translate/distinct.rs"),
            include_str!("translate/keywords.rs"),
            include_str!("translate/lexicon.rs"),
            include_str!("translate/list.rs"),
            include_str!("translate/measures.rs"),
            include_str!("translate/options.rs"),
            include_str!("translate/per_entity.rs"),
            include_str!("translate/period.rs"),
            include_str!("translate/plan.rs"),
            include_str!("translate/read.rs"),
            include_str!("translate/resolve.rs"),
            include_str!("translate/sql.rs"),
            include_str!("translate/suggest.rs"),
            include_str!("translate/threshold.rs"),
            include_str!("translate/typos.rs"),
            include_str!("translate/units.rs"),
            include_str!("translate/words.rs"),
        ];
        let c = Catalog::demo();
        let mut names: Vec<String> = Vec::new();
        for t in &c.tables {
            names.push(t.name.clone());
            for col in &t.columns {
                names.push(col.name.clone());
                names.extend(col.values.iter().cloned());
            }
        }
        names.extend(c.metrics.iter().map(|m| m.name.clone()));
        names.extend(c.states.iter().map(|s| s.name.clone()));
        for src in sources {
            // Comments may give examples; code may not name them.
            let code: String = src
                .split("#[cfg(test)]")
                .next()
                .unwrap_or_default()
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            for n in &names {
                assert!(
                    !code.contains(&format!("\"{n}\"")),
                    "\"{n}\" in production code"
                );
            }
        }
        let lexicon = include_str!("translate/words.txt");
        for n in c.metrics.iter().map(|m| &m.name) {
            assert!(!lexicon.contains(&format!(" {n}:")), "{n} in words.txt");
        }
    }
}
