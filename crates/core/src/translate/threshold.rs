//! Thresholds: "orders over 500" (a filter on a numeric column, or the
//! column the table's default metric adds up) and "customers with more than
//! 5 orders" (a threshold on a figure per entity, settled in `per_entity`).

use super::lexicon::{is_past_form, is_plural, Col, Kw, Lex, Word};
use super::plan::{Having, Measure, Op};
use super::read::{is_filler, rows_named_by, Parsed};
use super::words;
use crate::catalog::Catalog;

/// Operator, number, column (none: the default one) and the operator's word.
pub(super) type Threshold = (Op, f64, Option<Col>, usize);

/// Reads the threshold at the operator word `i`; per-entity thresholds and
/// what cannot be placed are recorded on `p` instead.
pub(super) fn read(
    k: Kw,
    i: usize,
    words: &[Word],
    texts: &[String],
    used: &mut [bool],
    catalog: &Catalog,
    p: &mut Parsed,
) -> Option<Threshold> {
    let n = words.len();
    let next_num = words.get(i + 1).and_then(Word::number);
    let op = match k {
        Kw::Over => Op::Gt,
        Kw::Under => Op::Lt,
        Kw::AtLeast => Op::Ge,
        Kw::Exactly => Op::Eq,
        _ => Op::Le,
    };
    // "500 or more": the number comes first.
    let (num, at) = match next_num {
        Some(x) => (Some(x), i + 1),
        None => (
            (i > 0).then(|| words[i - 1].number()).flatten(),
            i - usize::from(i > 0),
        ),
    };
    if let Some(x) = num {
        used[at] = true;
        // "5 or more orders": the number before its operator; what is
        // compared is said before the first of them and after the last.
        let (first, after) = (i.min(at), at.max(i) + 1);
        // "over 1,000 euros": the catalog's own currency is the number's unit.
        let unit_at = at + 1;
        if unit_at < n
            && unit_at != i
            && words::currency_of(&texts[unit_at]).is_some_and(|c| money_unit(catalog, c))
        {
            used[unit_at] = true;
        }
        // "products that sold more than 100 units": a metric after the number
        // and an entity of another table before the verb is a figure per entity.
        // "customers who ordered more than 3 times": the rows the verb
        // names, counted per entity.
        if let Some((t, verb_at, verb_is_rows)) = times_figure(words, texts, i, at, catalog) {
            if texts.get(at + 1).is_some_and(|t| t.starts_with("time")) {
                used[at + 1] = true;
            }
            if verb_is_rows {
                used[verb_at] = true;
            }
            p.per_entity = Some(t.with(op, x));
            return None;
        }
        // "more than 3 times" that no rows and entity read: never a number
        // of something else.
        if times_after(texts, at) {
            p.refusal = Some(format!(
                "I can't tell what \"{} {} times\" counts, or for whom; ask for a number of rows per entity (\"… with more than 3 …\").",
                texts[i], texts[at]
            ));
            return None;
        }
        // "clients who made more than 3 cash withdrawals": a number of the
        // rows a value names (its filter kept), never an amount of them.
        if let Some((t, k, col, value)) = rows_of_value_figure(words, texts, i, at, catalog) {
            used[k] = true;
            super::plan::add_value(&mut p.plan.filters, col, value, false);
            p.per_entity = Some(t.with(op, x));
            return None;
        }
        if let Some((t, metric_at)) = per_entity_figure(words, texts, i, at, catalog) {
            if let Some(k) = metric_at {
                used[k] = true;
            }
            p.per_entity = Some(t.with(op, x));
            return None;
        }
        // "agents with at least 50 (rated) conversations": a group named
        // before "with", and the rows counted right after the number.
        if let Some(k) = rows_counted_of_group(words, texts, first, after, catalog) {
            for u in used.iter_mut().take(k + 1).skip(after) {
                *u = true;
            }
            p.plan.having = Some(Having {
                op,
                value: x,
                count: false,
                rows: true,
                rows_qualified: k > after,
            });
            return None;
        }
        // The column named right before the operator or right after the number.
        let mut col = None;
        let mut col_at = None;
        for j in [first.wrapping_sub(1), after, first.wrapping_sub(2)] {
            if j < n && (!used[j] || is_filler(&words[j])) {
                if let Some(c) = words[j].lexes().iter().find_map(|l| match l {
                    Lex::Numeric(c) => Some(c.clone()),
                    _ => None,
                }) {
                    used[j] = true;
                    col = Some(c);
                    col_at = Some(j);
                    break;
                }
                if words[j].is(Kw::Share) {
                    used[j] = true;
                }
            }
        }
        // "a discount over 20%": the number is a percent, never a share
        // asked for; only a column the catalog formats as a percent is
        // compared with it (a rate stored 0 to 1 would be 100 times off).
        if words.get(at + 1).is_some_and(|w| w.is(Kw::Share)) && texts[at + 1] != "share" {
            used[at + 1] = true;
            let percent = col.as_ref().is_some_and(|c| {
                catalog
                    .table(&c.table)
                    .and_then(|t| t.column(&c.column))
                    .is_some_and(|d| d.format == Some(crate::catalog::DisplayFormat::Percent))
            });
            if !percent {
                p.refusal = Some(format!(
                    "I can't compare {} with a percentage: the catalog does not say that it is one.",
                    col.as_ref()
                        .map_or("that".to_string(), |c| c.column.replace('_', " "))
                ));
                return None;
            }
        }
        // Without a column, only rows named right before may take the
        // table's default ("orders over 500", "orders of at least 300").
        let before = (0..first)
            .rev()
            .find(|&j| !is_filler(&words[j]) && !words[j].is(Kw::In))
            .and_then(|j| {
                let lexes = words[j].lexes();
                lexes
                    .iter()
                    .find_map(|l| match l {
                        Lex::Table(t) => Some(t.clone()),
                        _ => None,
                    })
                    // "how many clients": a count of a table's own rows
                    // names those rows too.
                    .or_else(|| lexes.iter().find_map(|l| rows_named_by(l, catalog)))
            });
        // "countries with more than 100 orders", "months with revenue over
        // 20000", "customers with revenue over 1000": a group named before
        // its figure; the threshold is on each group's figure, not each row.
        // A word that may name rows but names another figure first
        // ("billings": amount billed, or invoices) reads as that figure.
        let rows_named = (0..first)
            .rev()
            .find(|&j| !is_filler(&words[j]) && !words[j].is(Kw::In))
            .is_some_and(|j| {
                let lexes = words[j].lexes();
                // "ordered": the table's word as a verb names no rows.
                !is_past_form(&texts[j])
                    && lexes.iter().any(|l| matches!(l, Lex::Table(_)))
                    && !lexes.iter().any(|l| match l {
                        Lex::Metric(m) => !super::resolve::is_count_all(m, catalog),
                        _ => false,
                    })
            });
        if col.is_none() && (before.is_none() || !rows_named) {
            match group_figure(words, texts, i, at, catalog) {
                Some(GroupFigure::Group) => {
                    p.plan.having = Some(Having {
                        op,
                        value: x,
                        count: false,
                        rows: false,
                        rows_qualified: false,
                    });
                    return None;
                }
                Some(GroupFigure::Entity(t, fig_at)) => {
                    used[fig_at] = true;
                    p.per_entity = Some(t.with(op, x));
                    return None;
                }
                None => {}
            }
        }
        // "debits over 1000": the amount each row of a total adds up, its
        // sign kept (`-amount > 1000` is `amount < -1000`).
        if col.is_none() && before.is_none() {
            if let Some((c, negated)) = summed_before(words, i, catalog) {
                let (op, x) = if negated { (op.flipped(), -x) } else { (op, x) };
                return Some((op, x, Some(c), i));
            }
            p.unknown.push(format!("{} {}", texts[i], texts[at]));
        }
        // "sold more than 100 units" with no rows named: per order line, or
        // per something the question named as a figure? Never guessed.
        let figure_after = col_at == Some(after)
            && words[after]
                .lexes()
                .iter()
                .any(|l| matches!(l, Lex::Metric(_)));
        if figure_after && before.is_none() {
            p.refusal = Some(format!(
                "I can't tell what \"{} {} {}\" is counted per: each row, or something else.",
                texts[i], texts[at], texts[after]
            ));
            return None;
        }
        // "customers with more than 5 orders": a count per row of
        // another table, not a filter on single rows.
        // "500 in revenue": the figure may follow "in".
        let mut fig_at = if words.get(after).is_some_and(|w| w.is(Kw::In)) {
            after + 1
        } else {
            after
        };
        // "more than 20 completed orders": values and states of the counted
        // rows may stand between the number and the rows; they stay filters.
        let qualifier = |w: &Word| {
            !w.lexes().is_empty()
                && w.lexes()
                    .iter()
                    .all(|l| matches!(l, Lex::Value(..) | Lex::State(_)))
        };
        let mut k = fig_at;
        while words.get(k).is_some_and(qualifier) {
            k += 1;
        }
        if k > fig_at
            && words.get(k).is_some_and(|w| {
                w.lexes()
                    .iter()
                    .any(|l| matches!(l, Lex::Metric(_) | Lex::Table(_)))
            })
        {
            fig_at = k;
        }
        // "more than 3 open conversations": a state whose words name its
        // table counts that table's rows; the state stays a filter.
        let state_rows = (col.is_none() && fig_at == at + 1)
            .then(|| words.get(fig_at))
            .flatten()
            .and_then(|w| {
                w.lexes().iter().find_map(|l| match l {
                    Lex::State(s) => catalog.states.iter().find(|d| d.name == *s),
                    _ => None,
                })
            })
            .filter(|d| super::read::phrase_names_table(&texts[fig_at], &d.table, catalog))
            .and_then(|d| match resolve_count(&d.table, catalog) {
                Measure::Metric(m) => Some(m),
                _ => None,
            });
        if let (Some(entity), Some(figure)) = (before.clone(), state_rows) {
            p.per_entity = Some(PerEntityRead {
                entity,
                figure,
                op,
                value: x,
            });
            return None;
        }
        let counted = words
            .get(fig_at)
            .filter(|_| col.is_none())
            .is_some_and(|w| {
                w.lexes()
                    .iter()
                    .any(|l| matches!(l, Lex::Metric(_) | Lex::Table(_)))
            });
        if counted {
            // The figure per row of the entity: a metric, or the
            // count of a table's rows.
            let next = words[fig_at].lexes();
            let figure = next.iter().find_map(|l| match l {
                Lex::Metric(m) => Some(m.clone()),
                _ => None,
            });
            let figure = figure.or_else(|| {
                next.iter().find_map(|l| match l {
                    Lex::Table(t) => match resolve_count(t, catalog) {
                        Measure::Metric(m) => Some(m),
                        _ => None,
                    },
                    _ => None,
                })
            });
            match (before.clone(), figure) {
                (Some(entity), Some(figure)) => {
                    used[fig_at] = true;
                    if words[at + 1].is(Kw::In) {
                        used[at + 1] = true;
                    }
                    p.per_entity = Some(PerEntityRead {
                        entity,
                        figure,
                        op,
                        value: x,
                    });
                }
                _ => {
                    p.refusal = Some(format!(
                        "I can't tell what \"{} {} {}\" is counted per.",
                        texts[i], texts[at], texts[fig_at]
                    ))
                }
            }
        } else {
            return Some((op, x, col, i));
        }
    } else if k != Kw::Over {
        p.unknown.push(texts[i].clone());
    }
    None
}

/// Whether a money column of the catalog is shown in that currency.
fn money_unit(catalog: &Catalog, code: &str) -> bool {
    catalog.tables.iter().flat_map(|t| &t.columns).any(|c| {
        c.format == Some(crate::catalog::DisplayFormat::Money)
            && c.unit
                .as_deref()
                .is_some_and(|u| u.eq_ignore_ascii_case(code))
    })
}

/// The column a metric named right before the operator adds up, and
/// whether it adds it up negated: "debits" (`SUM(-amount)`) over 1000.
/// "card payments" (a value) over 1000: what every total of such rows adds
/// up, when those totals agree (`SUM(-amount)` for card spend).
fn summed_before(words: &[Word], i: usize, catalog: &Catalog) -> Option<(Col, bool)> {
    let j = (0..i).rev().find(|&j| !is_filler(&words[j]))?;
    words[j].lexes().iter().find_map(|l| match l {
        // "refunded orders" (a count of some rows), "overdue invoices" (a
        // state): the amount of those rows.
        Lex::Metric(m) => catalog.metric(m).and_then(|d| {
            summed(d, catalog).or_else(|| {
                (d.counts_rows())
                    .then(|| table_column(&d.table, catalog).map(|c| (c, false)))
                    .flatten()
            })
        }),
        Lex::State(name) => {
            let d = catalog.states.iter().find(|d| d.name == *name)?;
            table_column(&d.table, catalog).map(|c| (c, false))
        }
        Lex::Value(col, v) => {
            let cond = super::clauses::equals(&col.column, v);
            let mut sums = catalog
                .metrics
                .iter()
                .filter(|d| {
                    d.table == col.table
                        && d.filter
                            .as_deref()
                            .is_some_and(|f| f.split(" AND ").any(|c| c.trim() == cond))
                })
                .filter_map(|d| summed(d, catalog));
            match sums.next() {
                Some(first) => sums.all(|s| s == first).then_some(first),
                // "refunded orders over 200": the table's own amount.
                None => table_column(&col.table, catalog).map(|c| (c, false)),
            }
        }
        _ => None,
    })
}

/// The column a metric adds up and whether negated (`SUM(-amount)`).
fn summed(d: &crate::catalog::MetricDef, catalog: &Catalog) -> Option<(Col, bool)> {
    let inner = super::measures::row_size(&d.expression)?;
    let (column, negated) = match inner.strip_prefix('-') {
        Some(c) => (c.to_string(), true),
        None => (inner, false),
    };
    catalog.table(&d.table)?.column(&column)?;
    Some((Col::new(&d.table, &column), negated))
}

/// An entity named before the operator (verbs and fillers between) and a
/// metric of another table that links to it right after the number.
/// The table named by the last word before `end` that is no filler, no
/// "who"/"that"/"which" and no verb of a figure ("clients who withdrew
/// cash ...": clients); `None` when that word names no table.
fn entity_before(
    words: &[Word],
    texts: &[String],
    end: usize,
    catalog: &Catalog,
) -> Option<String> {
    let j = (0..end).rev().find(|&j| {
        !is_filler(&words[j])
            && !["who", "that", "which"].contains(&texts[j].as_str())
            && !words[j].lexes().iter().any(|l| matches!(l, Lex::Verb(_)))
    })?;
    // ("how many accounts had ...": a count of a table's rows names them.)
    words[j]
        .lexes()
        .iter()
        .find_map(|l| super::read::rows_named_by(l, catalog))
}

/// "3 times", "twice": a number of times something happened.
fn times_after(texts: &[String], at: usize) -> bool {
    matches!(
        texts.get(at + 1).map(String::as_str),
        Some("times" | "time")
    ) || matches!(
        texts.get(at).map(String::as_str),
        Some("once" | "twice" | "thrice")
    )
}

/// "customers who ordered more than 3 times", "users who logged in at
/// least 10 times": after "N times", the rows the verb before the operator
/// names (a table's word, or a value that names rows: its filter stays),
/// counted per the entity named before the verb. With where the verb is
/// and whether it was the rows' own word (a value is left to be read).
fn times_figure(
    words: &[Word],
    texts: &[String],
    i: usize,
    at: usize,
    catalog: &Catalog,
) -> Option<(PartRead, usize, bool)> {
    if !times_after(texts, at) {
        return None;
    }
    // "ordered twice or more": the number may come before its operator.
    let verb_at = (0..i.min(at)).rev().find(|&j| !is_filler(&words[j]))?;
    let lexes = words[verb_at].lexes();
    let own = lexes.iter().find_map(|l| match l {
        Lex::Table(t) => Some(t.clone()),
        Lex::Verb(m) => catalog.metric(m).map(|d| d.table.clone()),
        _ => None,
    });
    let valued = lexes.iter().find_map(|l| match l {
        Lex::Value(c, _) => Some(c.table.clone()),
        _ => None,
    });
    let (rows, verb_is_rows) = match (own, valued) {
        (Some(t), _) => (t, true),
        (None, Some(t)) => (t, false),
        (None, None) => return None,
    };
    let Measure::Metric(m) = resolve_count(&rows, catalog) else {
        return None;
    };
    let metric = catalog.metric(&m)?;
    let entity = entity_before(words, texts, verb_at, catalog)?;
    let part = PartRead::of(entity, &metric.table, &metric.name, catalog)?;
    Some((part, verb_at, verb_is_rows))
}

/// "more than 3 cash withdrawals": right after the number, the plural of a
/// value that names rows and is also the name of a money figure is a number
/// of those rows, counted per the entity named before the verb; with the
/// word's place and the value to keep as a filter.
fn rows_of_value_figure(
    words: &[Word],
    texts: &[String],
    i: usize,
    at: usize,
    catalog: &Catalog,
) -> Option<(PartRead, usize, Col, String)> {
    let k = at.max(i) + 1;
    if !is_plural(texts.get(k)?) {
        return None;
    }
    let lexes = words[k].lexes();
    let (col, value) = lexes.iter().find_map(|l| match l {
        Lex::Value(c, v) => Some((c.clone(), v.clone())),
        _ => None,
    })?;
    let money = lexes.iter().any(|l| {
        matches!(l, Lex::Metric(m) if catalog.metric(m).is_some_and(|d| d.format == "money" && d.table == col.table))
    });
    if !money {
        return None;
    }
    let Measure::Metric(count) = resolve_count(&col.table, catalog) else {
        return None;
    };
    let entity = entity_before(words, texts, i.min(at), catalog)?;
    let part = PartRead::of(entity, &col.table, &count, catalog)?;
    Some((part, k, col, value))
}

fn per_entity_figure(
    words: &[Word],
    texts: &[String],
    i: usize,
    at: usize,
    catalog: &Catalog,
) -> Option<(PartRead, Option<usize>)> {
    // "more than 2 annual subscriptions": values and states of the counted
    // rows between stay their filters (their words are left to be read);
    // "more than 5 admins": a value that names rows of its own counts them.
    // ("more than 60 booked card payments": a value that is also the rows'
    // date verb and word, "booked", is a value of the rows here.)
    let of_rows = |w: &Word| {
        let values: Vec<&str> = w
            .lexes()
            .iter()
            .filter_map(|l| match l {
                Lex::Value(c, _) => Some(c.table.as_str()),
                _ => None,
            })
            .collect();
        w.lexes()
            .iter()
            .any(|l| matches!(l, Lex::Value(..) | Lex::State(_)))
            && w.lexes().iter().all(|l| match l {
                Lex::Value(..) | Lex::State(_) => true,
                Lex::DateCol(c) => values.contains(&c.table.as_str()),
                Lex::Table(t) => values.contains(&t.as_str()),
                _ => false,
            })
    };
    // "2 or more subscriptions": the rows follow the operator when the
    // number comes first.
    let mut k = at.max(i) + 1;
    let mut valued = None;
    while words.get(k).is_some_and(of_rows) {
        // "over 8000 euros": the number's unit, no rows.
        let unit = words::currency_of(&texts[k]).is_some();
        // ("at least one mortgage": after one, the rows in the singular.)
        let one = words[at].number() == Some(1.0);
        if valued.is_none() && !unit && (texts[k].ends_with('s') || one) {
            valued = words[k].lexes().iter().find_map(|l| match l {
                Lex::Value(c, _) => Some(c.table.clone()),
                _ => None,
            });
        }
        k += 1;
    }
    let named = words.get(k).and_then(|w| {
        w.lexes().iter().find_map(|l| match l {
            Lex::Metric(m) => catalog.metric(m),
            _ => None,
        })
    });
    let (metric, metric_at) = match (named, valued) {
        (Some(m), _) => (m, Some(k)),
        (None, Some(t)) => match resolve_count(&t, catalog) {
            Measure::Metric(m) => (catalog.metric(&m)?, None),
            _ => return None,
        },
        (None, None) => return None,
    };
    let entity = entity_before(words, texts, i.min(at), catalog)?;
    let part = PartRead::of(entity, &metric.table, &metric.name, catalog)?;
    Some((part, metric_at))
}

/// What a group named before a threshold's figure makes of it.
enum GroupFigure {
    /// A dimension or a time bucket: the threshold is on each group.
    Group,
    /// A table another table's figure links to: a figure per entity (the
    /// word naming the figure).
    Entity(PartRead, usize),
}

/// "countries with more than 100 orders", "months with revenue over 20000",
/// "which categories had more than 200k of card spend", "customers with
/// revenue over 1000": a figure (a metric, or a table whose rows are
/// counted) right before the operator `i` or right after the number `at`,
/// and before it a group: a dimension, a time bucket, or an entity its
/// rows link to. Rows of the figure's own table ("orders with revenue over
/// 500") are rows, not a group.
fn group_figure(
    words: &[Word],
    texts: &[String],
    i: usize,
    at: usize,
    catalog: &Catalog,
) -> Option<GroupFigure> {
    let figure_of = |w: &Word| {
        w.lexes().iter().find_map(|l| match l {
            Lex::Metric(m) => catalog.metric(m).map(|d| (d.name.clone(), d.table.clone())),
            Lex::Verb(m) => catalog.metric(m).map(|d| (d.name.clone(), d.table.clone())),
            _ => None,
        })
    };
    let counted = |w: &Word| {
        w.lexes().iter().find_map(|l| match l {
            Lex::Table(t) => match resolve_count(t, catalog) {
                Measure::Metric(m) => Some((m, t.clone())),
                _ => None,
            },
            _ => None,
        })
    };
    // "more than 50 active subscriptions": states and values of the
    // counted rows stay filters.
    let skip = |j: usize| {
        words.get(j).is_some_and(|w| {
            is_filler(w)
                || w.is(Kw::In)
                || (!w.lexes().is_empty()
                    && w.lexes()
                        .iter()
                        .all(|l| matches!(l, Lex::Value(..) | Lex::State(_))))
        })
    };
    // The figure right before the operator, else right after the number.
    let before = (0..i.min(at)).rev().find(|&j| !is_filler(&words[j]));
    // "customers who ordered more than 5": a table's word as a verb
    // ("ordered") right before the operator counts that table's rows.
    let verb_of_rows = |j: usize| {
        is_past_form(&texts[j])
            .then(|| counted(&words[j]))
            .flatten()
    };
    // "merchant categories with more than 1000 card payments": rows a value
    // names ("card payments") and no figure after them are counted (the
    // value stays their filter); only groups take this reading.
    let mut rows_of_value = false;
    let (fig_at, (figure, table)) = match before.and_then(|j| {
        figure_of(&words[j])
            .or_else(|| verb_of_rows(j))
            .map(|f| (j, f))
    }) {
        Some(f) => f,
        None => {
            let first = at.max(i) + 1;
            let mut j = first;
            while skip(j) {
                j += 1;
            }
            match words
                .get(j)
                .and_then(|w| figure_of(w).or_else(|| counted(w)))
            {
                Some(f) => (j, f),
                None => {
                    let (k, t) = (first..j).find_map(|k| {
                        words[k].lexes().iter().find_map(|l| match l {
                            Lex::Value(c, _) => Some((k, c.table.clone())),
                            _ => None,
                        })
                    })?;
                    let Measure::Metric(m) = resolve_count(&t, catalog) else {
                        return None;
                    };
                    rows_of_value = true;
                    (k, (m, t))
                }
            }
        }
    };
    // The nearest group before the figure; a word naming the figure's own
    // rows first means those rows are filtered.
    for j in (0..fig_at.min(i).min(at)).rev() {
        let w = &words[j];
        // "how many clients": a count of a table's own rows names them too.
        if let Some(t) = w.lexes().iter().find_map(|l| rows_named_by(l, catalog)) {
            if t == table || catalog.relationship(&table, &t).is_none() {
                return None;
            }
            if rows_of_value {
                return None;
            }
            return Some(GroupFigure::Entity(PartRead { entity: t, figure }, fig_at));
        }
        if w.grain().is_some() || w.lexes().iter().any(|l| matches!(l, Lex::Dim(_))) {
            return Some(GroupFigure::Group);
        }
        if w.lexes()
            .iter()
            .any(|l| matches!(l, Lex::Metric(_) | Lex::Value(..)))
        {
            return None;
        }
    }
    None
}

/// An entity and its figure, before the threshold is known.
struct PartRead {
    entity: String,
    figure: String,
}

impl PartRead {
    /// A figure of rows of `table`, per the entity they refer to; `None`
    /// when the rows are the entity's own or do not refer to it.
    fn of(entity: String, table: &str, figure: &str, catalog: &Catalog) -> Option<PartRead> {
        (entity != table && catalog.relationship(table, &entity).is_some()).then(|| PartRead {
            entity,
            figure: figure.to_string(),
        })
    }
}

impl PartRead {
    fn with(self, op: Op, value: f64) -> PerEntityRead {
        PerEntityRead {
            entity: self.entity,
            figure: self.figure,
            op,
            value,
        }
    }
}

/// "customers with more than 5 orders" as read: the entity's table, the
/// figure per entity (a metric) and the threshold on it.
#[derive(Debug, Clone)]
pub struct PerEntityRead {
    pub entity: String,
    pub figure: String,
    pub op: Op,
    pub value: f64,
}

pub(super) fn resolve_count(table: &str, catalog: &Catalog) -> Measure {
    super::resolve::count_metric(table, catalog)
}

/// The column summed by a table's default metric ("orders over 500": the amount).
pub(super) fn default_threshold_column(p: &Parsed, catalog: &Catalog) -> Option<Col> {
    let table = match p.plan.measures.first() {
        Some(m) => super::clauses::measure_table(m, catalog),
        None => p.tables.first().cloned(),
    }?;
    table_column(&table, catalog)
}

/// The column "over 500" compares for rows of a table: what its default
/// metric adds up, else its one money column when no metric negates it.
fn table_column(table: &str, catalog: &Catalog) -> Option<Col> {
    let def = catalog.table(table)?;
    let summed = def
        .default_metric
        .as_deref()
        .and_then(|m| catalog.metric(m))
        .and_then(|m| super::measures::row_size(&m.expression))
        .filter(|c| def.column(c).is_some());
    if let Some(column) = summed {
        return Some(Col::new(table, &column));
    }
    // Else the table's one money column, unless some metric adds it up
    // negated: its rows then hold both signs, and "over 1000" could mean
    // either.
    let c = super::measures::sole_money_column(def)?;
    let negated = format!("-{}", c.name);
    let signed = catalog
        .metrics
        .iter()
        .any(|m| m.table == table && m.expression.replace(' ', "").contains(&negated));
    (!signed).then(|| Col::new(table, &c.name))
}

/// "agents with at least 50 conversations", "channels with more than 100
/// rated conversations": a column to split by, then "with", and after the
/// number a table's word (a column of its own before it at most): each
/// group's number of those rows. The position of the table's word.
fn rows_counted_of_group(
    words: &[Word],
    texts: &[String],
    first: usize,
    after: usize,
    catalog: &Catalog,
) -> Option<usize> {
    let with = (0..first)
        .rev()
        .find(|&j| !is_filler(&words[j]) || texts[j] == "with")?;
    if texts[with] != "with" || with == 0 {
        return None;
    }
    let group = (0..with).rev().find(|&j| !is_filler(&words[j]))?;
    let dims: Vec<&Col> = words[group]
        .lexes()
        .iter()
        .filter_map(|l| match l {
            Lex::Dim(c) => Some(c),
            _ => None,
        })
        .collect();
    if dims.is_empty()
        || words[group]
            .lexes()
            .iter()
            .any(|l| matches!(l, Lex::Table(_)))
    {
        return None;
    }
    let table_at = |k: usize| {
        words.get(k).and_then(|w| {
            w.lexes().iter().find_map(|l| match l {
                Lex::Table(t) => Some(t.clone()),
                _ => None,
            })
        })
    };
    let own_column = |k: usize, t: &str| {
        words.get(k).is_some_and(|w| {
            w.lexes()
                .iter()
                .any(|l| matches!(l, Lex::Numeric(c) | Lex::Dim(c) if c.table == t))
        })
    };
    let (k, t) = match table_at(after) {
        Some(t) => (after, t),
        None => {
            let t = table_at(after + 1)?;
            if !own_column(after, &t) {
                return None;
            }
            (after + 1, t)
        }
    };
    // Another figure is asked of the groups ("the highest average CSAT");
    // else the rows' count is the figure ("countries with at least 15
    // customers"), read as such.
    let other_figure = words.iter().enumerate().any(|(j, w)| {
        (j < group || j > k)
            && w.lexes().iter().any(|l| match l {
                Lex::Metric(m) => !super::resolve::is_count_all(m, catalog),
                Lex::Numeric(_) => true,
                _ => false,
            })
    });
    (other_figure && dims.iter().any(|c| c.table == t) && catalog.table(&t).is_some()).then_some(k)
}
