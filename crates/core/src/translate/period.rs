//! Periods: "in 2025", "Q3 2024", "last 90 days", "between Jan and March
//! 2025", resolved against the server's date into half-open date ranges.

use chrono::{Datelike, Duration, Months, NaiveDate};

use super::lexicon::{Grain, Kw, Word};

/// How far back "the previous period" lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    Months(u32),
    Days(i64),
}

/// A half-open range `[start, end)` of dates; either side may be open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    /// What the user said, resolved ("March 2025", "last 90 days").
    pub label: String,
    pub span: Span,
    /// The period was named relative to last year ("last year").
    pub last_year: bool,
    /// It depends on today's date ("last month", "since March", "in June"
    /// without a year): the answer says which date it was resolved against.
    pub relative: bool,
}

impl Period {
    fn new(start: NaiveDate, end: NaiveDate, label: String, span: Span) -> Period {
        Period {
            start: Some(start),
            end: Some(end),
            label,
            span,
            last_year: false,
            relative: false,
        }
    }

    fn relative(self) -> Period {
        Period {
            relative: true,
            ..self
        }
    }

    /// The period just before, of the same length ("previous period").
    pub fn previous(&self) -> Option<Period> {
        let shift = |d: NaiveDate| match self.span {
            Span::Months(m) => d.checked_sub_months(Months::new(m)),
            Span::Days(n) => d.checked_sub_signed(Duration::days(n)),
        };
        let (start, end) = (shift(self.start?)?, shift(self.end?)?);
        Some(Period::new(
            start,
            end,
            format!("the period before ({})", range_label(start, end)),
            self.span,
        ))
    }

    /// The same period one year earlier.
    pub fn year_ago(&self) -> Option<Period> {
        let shift = |d: NaiveDate| d.checked_sub_months(Months::new(12));
        let (start, end) = (shift(self.start?)?, shift(self.end?)?);
        Some(Period::new(
            start,
            end,
            format!("a year earlier ({})", range_label(start, end)),
            self.span,
        ))
    }
}

/// The period of the same length right before `p`, by its dates (a named
/// month's span is a year, for "March vs the previous period"): the month
/// before a month, the quarter before a quarter.
pub fn just_before(p: &Period) -> Option<Period> {
    let (start, end) = (p.start?, p.end?);
    let months = (end.year() - start.year()) * 12 + end.month() as i32 - start.month() as i32;
    let whole_months = start.day() == 1 && end.day() == 1 && months > 0;
    // A part of a unit ("this month" so far) keeps its unit: the same days
    // of the month before.
    let span = if whole_months {
        Span::Months(months as u32)
    } else {
        p.span
    };
    Period { span, ..p.clone() }.previous()
}

/// "2025-01-01 to 2025-03-31" for a half-open range.
pub fn range_label(start: NaiveDate, end: NaiveDate) -> String {
    let last = end.pred_opt().unwrap_or(end);
    if start == last {
        start.to_string()
    } else {
        format!("{start} to {last}")
    }
}

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn month_start(d: NaiveDate) -> Option<NaiveDate> {
    ymd(d.year(), d.month(), 1)
}

/// How many months a calendar grain spans; none for days, weeks and
/// buckets across periods.
pub(super) fn months_of(g: Grain) -> Option<u32> {
    match g {
        Grain::Month => Some(1),
        Grain::Quarter => Some(3),
        Grain::Year => Some(12),
        Grain::Day | Grain::Week | Grain::Weekday | Grain::Hour | Grain::DayType => None,
    }
}

fn grain_name(g: Grain) -> &'static str {
    match g {
        Grain::Day => "day",
        Grain::Week => "week",
        Grain::Month => "month",
        Grain::Quarter => "quarter",
        Grain::Year => "year",
        Grain::Weekday => "weekday",
        Grain::Hour => "hour",
        Grain::DayType => "day type",
    }
}

/// First day of the calendar unit holding `today` (weeks start on Monday).
fn unit_start(g: Grain, today: NaiveDate) -> Option<NaiveDate> {
    match g {
        Grain::Day => Some(today),
        Grain::Week => today.checked_sub_signed(Duration::days(i64::from(
            today.weekday().num_days_from_monday(),
        ))),
        Grain::Month => month_start(today),
        Grain::Quarter => ymd(today.year(), (today.month() - 1) / 3 * 3 + 1, 1),
        Grain::Year => ymd(today.year(), 1, 1),
        // Buckets across periods, never a period themselves.
        Grain::Weekday | Grain::Hour | Grain::DayType => None,
    }
}

fn add_units(d: NaiveDate, g: Grain, n: i64) -> Option<NaiveDate> {
    if matches!(g, Grain::Weekday | Grain::Hour | Grain::DayType) {
        return None;
    }
    match months_of(g) {
        Some(m) => {
            let total = i64::from(m) * n;
            if total >= 0 {
                d.checked_add_months(Months::new(u32::try_from(total).ok()?))
            } else {
                d.checked_sub_months(Months::new(u32::try_from(-total).ok()?))
            }
        }
        None => d.checked_add_signed(Duration::days(if g == Grain::Week { 7 * n } else { n })),
    }
}

fn unit_span(g: Grain, n: i64) -> Span {
    match months_of(g) {
        Some(m) => Span::Months(m * u32::try_from(n).unwrap_or(1)),
        None => Span::Days(if g == Grain::Week { 7 * n } else { n }),
    }
}

/// The current calendar unit up to today ("this month" so far).
pub fn to_date(g: Grain, today: NaiveDate) -> Option<Period> {
    let s = unit_start(g, today)?;
    let tomorrow = today.succ_opt()?;
    Some(
        Period::new(
            s,
            tomorrow,
            format!("this {} ({})", grain_name(g), range_label(s, tomorrow)),
            unit_span(g, 1),
        )
        .relative(),
    )
}

/// Everything up to today, for a reading "now": a snapshot's latest
/// reading is the last one taken by today, never one dated later.
pub fn up_to_today(today: NaiveDate) -> Option<Period> {
    Some(Period {
        start: None,
        end: today.succ_opt(),
        label: format!("as of today ({today})"),
        span: Span::Days(1),
        last_year: false,
        relative: true,
    })
}

/// Two adjacent periods shorter than a year as one ("July and August"),
/// or `None` when they leave a gap or overlap.
pub fn joined(a: &Period, b: &Period) -> Option<Period> {
    let days = |p: &Period| Some((p.end? - p.start?).num_days());
    if days(a)? >= 365 || days(b)? >= 365 {
        return None;
    }
    let (first, last) = if a.start? <= b.start? { (a, b) } else { (b, a) };
    if first.end? != last.start? {
        return None;
    }
    let span = Span::Days((last.end? - first.start?).num_days());
    Some(Period {
        start: first.start,
        end: last.end,
        label: format!("{} and {}", first.label, last.label),
        span,
        last_year: false,
        relative: first.relative || last.relative,
    })
}

/// The whole current calendar unit ("this month" = all of November), as
/// BI tools read it: rows dated later this month (scheduled, due) count.
/// "so far", "to date" and "month over month" take `to_date` instead.
pub fn current(g: Grain, today: NaiveDate) -> Option<Period> {
    let s = unit_start(g, today)?;
    let e = add_units(s, g, 1)?;
    let label = match g {
        Grain::Year => format!("this year ({})", s.year()),
        Grain::Month => format!(
            "this month ({} {})",
            MONTH_NAMES[s.month0() as usize],
            s.year()
        ),
        Grain::Quarter => format!("this quarter (Q{} {})", s.month0() / 3 + 1, s.year()),
        _ => format!("this {} ({})", grain_name(g), range_label(s, e)),
    };
    Some(Period::new(s, e, label, unit_span(g, 1)).relative())
}

/// A period atom before years are filled in.
#[derive(Debug, Clone)]
enum Atom {
    /// "30 June", "June 30, 2025": month, day, year.
    Day(u32, u32, Option<i32>),
    Month(u32, Option<i32>),
    /// The `n`th part of `months` months of a year: a quarter (3) or a
    /// half (6).
    Part {
        months: u32,
        n: u32,
        year: Option<i32>,
    },
    Resolved(Period),
}

/// What the period scan found.
#[derive(Debug, Default)]
pub struct Periods {
    pub periods: Vec<Period>,
    /// Some period lies in the future ("next month"): nothing to show yet.
    pub future: bool,
}

/// Finds every period in `words`, marking the words it uses in `used`.
/// Words between "since" and its period that say where it begins: "the
/// start of", "the beginning of".
fn is_lead(w: &Word) -> bool {
    match w {
        Word::Unknown(s) => ["start", "beginning", "begin", "starting"].contains(&s.as_str()),
        Word::Known(l) => l.iter().all(|x| {
            matches!(
                x,
                super::lexicon::Lex::Filler
                    | super::lexicon::Lex::DateCol(_)
                    | super::lexicon::Lex::Kw(Kw::In)
            )
        }),
        _ => false,
    }
}

pub fn scan(words: &[Word], used: &mut [bool], today: NaiveDate) -> Periods {
    let mut out = Periods::default();
    let mut i = 0;
    while i < words.len() {
        if used[i] {
            i += 1;
            continue;
        }
        let kw = words[i].kw();
        let opener = matches!(
            kw,
            Some(Kw::Between | Kw::From | Kw::Since | Kw::Before | Kw::After)
        );
        // "since the start of 2023": the start of a period is where it begins.
        let mut at = if opener { i + 1 } else { i };
        let mut lead = Vec::new();
        if opener {
            while at < words.len() && is_lead(&words[at]) {
                lead.push(at);
                at += 1;
            }
            // "since the start of the year": this unit, up to today.
            let this_unit = (!lead.is_empty() && matches!(kw, Some(Kw::Since | Kw::From)))
                .then(|| words.get(at).and_then(Word::grain))
                .flatten()
                .filter(|g| matches!(g, Grain::Year | Grain::Quarter | Grain::Month | Grain::Week));
            if let Some(p) = this_unit.and_then(|g| to_date(g, today)) {
                for k in lead.iter().copied().chain([i, at]) {
                    used[k] = true;
                }
                out.periods.push(p);
                i = at + 1;
                continue;
            }
            if atom(words, at, today, &mut out.future).is_none() {
                at = i + 1;
                lead.clear();
            }
        }
        for k in lead {
            used[k] = true;
        }
        let Some((first, n1)) = atom(words, at, today, &mut out.future) else {
            i += 1;
            continue;
        };
        let mut end_at = at + n1;
        // A range: "between A and B", "from A to B", "A to B", "A - B".
        let joiner = words.get(end_at).and_then(Word::kw);
        let ranged = match (kw, joiner) {
            (Some(Kw::Between), Some(Kw::And))
            | (Some(Kw::From), Some(Kw::To))
            | (_, Some(Kw::To)) => {
                atom(words, end_at + 1, today, &mut out.future).map(|(second, n2)| {
                    end_at += 1 + n2;
                    (second, n2)
                })
            }
            _ => None,
        };
        let was_range = ranged.is_some();
        let range_start = at + n1;
        let period = match ranged {
            Some((second, _)) => {
                let year = match &second {
                    Atom::Month(_, y) | Atom::Part { year: y, .. } | Atom::Day(_, _, y) => *y,
                    Atom::Resolved(p) => p.start.map(|d| d.year()),
                };
                let (a, b) = (
                    resolve(first.clone(), year, today),
                    resolve(second, None, today),
                );
                match (a, b) {
                    (Some(a), Some(b)) => match (a.start, b.end) {
                        (Some(s), Some(e)) if s < e => Some(Period {
                            relative: a.relative || b.relative,
                            ..Period::new(
                                s,
                                e,
                                format!("{} to {}", a.label, b.label),
                                Span::Days((e - s).num_days()),
                            )
                        }),
                        _ => None,
                    },
                    _ => None,
                }
            }
            None => resolve(first.clone(), None, today).map(|p| open_ended(p, kw, today)),
        };
        // "this year to last year" is no range: take the first period alone.
        let (period, mut end_at, was_range) = match (period, was_range) {
            (None, true) => (resolve(first, None, today), range_start, false),
            other => (other.0, end_at, other.1),
        };
        if let Some(mut p) = period {
            // "2025 so far", "Q4 to date": the period up to today.
            if words.get(end_at).is_some_and(|w| w.is(Kw::SoFar)) {
                if let Some(clipped) = ended_today(&p, today) {
                    p = clipped;
                    end_at += 1;
                }
            }
            let from = if opener || was_range { i } else { at };
            for u in used.iter_mut().take(end_at).skip(from) {
                *u = true;
            }
            out.periods.push(p);
            i = end_at;
        } else {
            i += 1;
        }
    }
    out
}

/// A period that holds today, ended at today ("2025 so far"); `None` when
/// today is outside it.
fn ended_today(p: &Period, today: NaiveDate) -> Option<Period> {
    let tomorrow = today.succ_opt()?;
    let (s, e) = (p.start?, p.end?);
    (s <= today && today < e).then(|| Period {
        label: format!("{} to date ({})", p.label, range_label(s, tomorrow)),
        end: Some(tomorrow),
        relative: true,
        ..p.clone()
    })
}

fn open_ended(p: Period, kw: Option<Kw>, today: NaiveDate) -> Period {
    let tomorrow = today.succ_opt().unwrap_or(today);
    match kw {
        Some(Kw::Since) | Some(Kw::From) => Period {
            label: format!("since {}", p.label),
            end: Some(tomorrow),
            span: Span::Days((tomorrow - p.start.unwrap_or(today)).num_days()),
            relative: true,
            ..p
        },
        Some(Kw::Before) => Period {
            label: format!("before {}", p.label),
            end: p.start,
            start: None,
            ..p
        },
        Some(Kw::After) => Period {
            label: format!("after {}", p.label),
            start: p.end,
            end: None,
            ..p
        },
        _ => p,
    }
}

fn resolve(atom: Atom, year: Option<i32>, today: NaiveDate) -> Option<Period> {
    match atom {
        Atom::Resolved(p) => Some(p),
        Atom::Day(m, d, y) => {
            let given = y.or(year).is_some();
            // Without a year: the most recent such day, today included.
            let y = match y.or(year) {
                Some(y) => y,
                None if ymd(today.year(), m, d)? <= today => today.year(),
                None => today.year() - 1,
            };
            let day = ymd(y, m, d)?;
            let p = Period::new(day, day.succ_opt()?, day.to_string(), Span::Days(1));
            Some(if given { p } else { p.relative() })
        }
        Atom::Month(m, y) => {
            let given = y.or(year).is_some();
            let y = y.or(year).unwrap_or(if m <= today.month() {
                today.year()
            } else {
                today.year() - 1
            });
            let start = ymd(y, m, 1)?;
            let name = MONTH_NAMES.get(m as usize - 1)?;
            let p = Period::new(
                start,
                add_units(start, Grain::Month, 1)?,
                format!("{name} {y}"),
                Span::Months(12),
            );
            Some(if given { p } else { p.relative() })
        }
        Atom::Part { months, n, year: y } => {
            // A part not yet begun this year is last year's.
            let given = y.or(year).is_some();
            let current = (today.month() - 1) / months + 1;
            let y = y.or(year).unwrap_or(if n <= current {
                today.year()
            } else {
                today.year() - 1
            });
            let start = ymd(y, (n - 1) * months + 1, 1)?;
            let letter = if months == 6 { 'H' } else { 'Q' };
            let p = Period::new(
                start,
                add_units(start, Grain::Month, i64::from(months))?,
                format!("{letter}{n} {y}"),
                Span::Months(12),
            );
            Some(if given { p } else { p.relative() })
        }
    }
}

/// One period expression at `i`, with how many words it takes.
fn atom(words: &[Word], i: usize, today: NaiveDate, future: &mut bool) -> Option<(Atom, usize)> {
    let w = words.get(i)?;
    let tomorrow = today.succ_opt()?;
    // "this year", "last year" after a part of a year ("Q3 this year",
    // "March of last year"): the calendar year that part is of.
    let relative_year = |j: usize| -> Option<i32> {
        let year = words
            .get(j + 1)?
            .lexes()
            .iter()
            .any(|l| matches!(l, super::lexicon::Lex::Grain(Grain::Year)));
        let w = words.get(j)?;
        if !year {
            None
        } else if w.is(Kw::This) {
            Some(today.year())
        } else if w.is(Kw::Last) {
            Some(today.year() - 1)
        } else {
            None
        }
    };
    let year_after = |j: usize| -> Option<(i32, usize)> {
        if let Some(y) = relative_year(j) {
            return Some((y, 2));
        }
        match words.get(j) {
            Some(Word::Year(y)) => Some((*y, 1)),
            Some(w) if w.is(Kw::In) => match words.get(j + 1) {
                Some(Word::Year(y)) => Some((*y, 2)),
                _ => relative_year(j + 1).map(|y| (y, 3)),
            },
            _ => None,
        }
    };
    match w {
        Word::Year(y) => {
            let start = ymd(*y, 1, 1)?;
            return Some((
                Atom::Resolved(Period::new(
                    start,
                    ymd(y + 1, 1, 1)?,
                    y.to_string(),
                    Span::Months(12),
                )),
                1,
            ));
        }
        Word::Quarter(_) | Word::Half(_) => {
            let (months, n) = match w {
                Word::Half(h) => (6, *h),
                Word::Quarter(q) => (3, *q),
                _ => return None,
            };
            let (year, len) = match year_after(i + 1) {
                Some((y, len)) => (Some(y), 1 + len),
                None => (None, 1),
            };
            return Some((Atom::Part { months, n, year }, len));
        }
        Word::Date(d) => {
            return Some((
                Atom::Resolved(Period::new(*d, d.succ_opt()?, d.to_string(), Span::Days(1))),
                1,
            ));
        }
        _ => {}
    }
    let month_of = |w: &Word| {
        w.lexes().iter().find_map(|l| match l {
            super::lexicon::Lex::Month(m) => Some(*m),
            _ => None,
        })
    };
    let day_of = |w: Option<&Word>| {
        w.and_then(Word::number)
            .filter(|d| d.fract() == 0.0 && (1.0..=31.0).contains(d))
            .map(|d| d as u32)
    };
    // "30 June 2025", "June 30 2025", "June 30, 2025".
    // "the 1st of March": the day, "of", the month.
    let of = usize::from(words.get(i + 1).is_some_and(|w| w.is(Kw::In)));
    if let (Some(d), Some(m)) = (day_of(Some(w)), words.get(i + 1 + of).and_then(month_of)) {
        return Some(match year_after(i + 2 + of) {
            Some((y, n)) => (Atom::Day(m, d, Some(y)), 2 + of + n),
            None => (Atom::Day(m, d, None), 2 + of),
        });
    }
    if let (Some(m), Some(d)) = (month_of(w), day_of(words.get(i + 1))) {
        return Some(match year_after(i + 2) {
            Some((y, n)) => (Atom::Day(m, d, Some(y)), 2 + n),
            None => (Atom::Day(m, d, None), 2),
        });
    }
    for lex in w.lexes() {
        if let super::lexicon::Lex::Month(m) = lex {
            return Some(match year_after(i + 1) {
                Some((y, n)) => (Atom::Month(*m, Some(y)), 1 + n),
                None => (Atom::Month(*m, None), 1),
            });
        }
    }
    let kw = w.kw()?;
    let p = match kw {
        Kw::Today => Period::new(today, tomorrow, format!("today ({today})"), Span::Days(1)),
        Kw::Yesterday => {
            let y = today.pred_opt()?;
            Period::new(y, today, format!("yesterday ({y})"), Span::Days(1))
        }
        Kw::Ytd => {
            let s = ymd(today.year(), 1, 1)?;
            Period::new(
                s,
                tomorrow,
                format!("year to date ({})", range_label(s, tomorrow)),
                Span::Months(12),
            )
        }
        Kw::Mtd => {
            let s = month_start(today)?;
            Period::new(
                s,
                tomorrow,
                format!("month to date ({})", range_label(s, tomorrow)),
                Span::Months(1),
            )
        }
        Kw::This => {
            let g = words.get(i + 1)?.grain()?;
            return Some((Atom::Resolved(current(g, today)?), 2));
        }
        Kw::ThisSoFar => {
            let g = words.get(i + 1)?.grain()?;
            return Some((Atom::Resolved(to_date(g, today)?), 2));
        }
        Kw::Next => {
            if words.get(i + 1).and_then(Word::grain).is_some()
                || words.get(i + 2).and_then(Word::grain).is_some()
            {
                *future = true;
            }
            return None;
        }
        Kw::Last => {
            let (n, g, used) = match (words.get(i + 1), words.get(i + 2)) {
                (Some(a), Some(b)) if a.number().is_some() && b.grain().is_some() => {
                    (a.number(), b.grain()?, 3)
                }
                (Some(a), _) if a.grain().is_some() => (None, a.grain()?, 2),
                (Some(a), _)
                    if a.lexes()
                        .iter()
                        .any(|l| matches!(l, super::lexicon::Lex::Month(_))) =>
                {
                    // "last March": the most recent March before this month.
                    let (atom, n) = atom(words, i + 1, today, future)?;
                    if let Atom::Month(m, None) = atom {
                        let y = if m < today.month() {
                            today.year()
                        } else {
                            today.year() - 1
                        };
                        let p = resolve(Atom::Month(m, Some(y)), None, today)?;
                        return Some((Atom::Resolved(p.relative()), 1 + n));
                    }
                    return None;
                }
                _ => return None,
            };
            match n {
                Some(n) => {
                    if !((1.0..=1000.0).contains(&n) && n.fract() == 0.0) {
                        return None;
                    }
                    let n = n as i64;
                    // "the last 7 days" are 7 whole days before today (as
                    // Metabase and Google Analytics read it); longer units
                    // roll up to today.
                    let tomorrow = if g == Grain::Day { today } else { tomorrow };
                    let s = add_units(tomorrow, g, -n)?;
                    let unit = grain_name(g);
                    let p = Period::new(
                        s,
                        tomorrow,
                        format!("last {n} {unit}s ({})", range_label(s, tomorrow)),
                        Span::Days((tomorrow - s).num_days()),
                    );
                    return Some((Atom::Resolved(p.relative()), used));
                }
                None => {
                    let end = unit_start(g, today)?;
                    let s = add_units(end, g, -1)?;
                    let label = match g {
                        Grain::Year => format!("last year ({})", s.year()),
                        Grain::Month => format!(
                            "last month ({} {})",
                            MONTH_NAMES[s.month0() as usize],
                            s.year()
                        ),
                        Grain::Quarter => {
                            format!("last quarter (Q{} {})", s.month0() / 3 + 1, s.year())
                        }
                        _ => format!("last {} ({})", grain_name(g), range_label(s, end)),
                    };
                    let mut p = Period::new(s, end, label, unit_span(g, 1));
                    p.last_year = g == Grain::Year;
                    return Some((Atom::Resolved(p.relative()), used));
                }
            }
        }
        _ => return None,
    };
    Some((Atom::Resolved(p.relative()), 1))
}

#[cfg(test)]
mod tests {
    use super::super::lexicon::{tokenize, Vocabulary};
    use super::*;
    use crate::catalog::Catalog;

    fn periods(text: &str) -> Vec<(String, String, String)> {
        let voc = Vocabulary::new(&Catalog::demo());
        let (words, _) = voc.link(&tokenize(text));
        let mut used = vec![false; words.len()];
        let today = NaiveDate::from_ymd_opt(2025, 11, 15).unwrap_or_default();
        scan(&words, &mut used, today)
            .periods
            .into_iter()
            .map(|p| {
                let d = |x: Option<NaiveDate>| x.map(|d| d.to_string()).unwrap_or_default();
                (d(p.start), d(p.end), p.label)
            })
            .collect()
    }

    #[test]
    fn days_of_a_month_in_every_order() {
        for text in [
            "30 June 2025",
            "June 30 2025",
            "June 30, 2025",
            "30th June 2025",
            "the 30th of June 2025",
            "on 30 june",
        ] {
            let found = periods(text);
            assert_eq!(found.len(), 1, "{text}: {found:?}");
            assert_eq!(found[0].0, "2025-06-30", "{text}: {found:?}");
        }
        // No such day: the month alone, and "31" is left for the gate.
        assert_eq!(periods("31 June 2025")[0].2, "June 2025");
    }

    #[test]
    fn absolute_periods() {
        assert_eq!(periods("in 2025")[0].0, "2025-01-01");
        assert_eq!(
            periods("Q3 2024")[0],
            ("2024-07-01".into(), "2024-10-01".into(), "Q3 2024".into())
        );
        assert_eq!(periods("in march 2025")[0].1, "2025-04-01");
        let r = &periods("between jan 2025 and march 2025")[0];
        assert_eq!((r.0.as_str(), r.1.as_str()), ("2025-01-01", "2025-04-01"));
        let r = &periods("from jan to march 2024")[0];
        assert_eq!((r.0.as_str(), r.1.as_str()), ("2024-01-01", "2024-04-01"));
    }

    #[test]
    fn relative_periods() {
        assert_eq!(periods("last month")[0].0, "2025-10-01");
        assert_eq!(periods("last month")[0].1, "2025-11-01");
        assert_eq!(periods("this year")[0].1, "2026-01-01");
        assert_eq!(periods("this month")[0].1, "2025-12-01");
        assert_eq!(periods("this week")[0].0, "2025-11-10");
        assert_eq!(periods("this week")[0].1, "2025-11-17");
        assert_eq!(periods("last 90 days")[0].0, "2025-08-17");
        assert_eq!(periods("last 90 days")[0].1, "2025-11-15");
        assert_eq!(periods("yesterday")[0].0, "2025-11-14");
        assert_eq!(periods("last week")[0].0, "2025-11-03");
        assert_eq!(periods("in december")[0].0, "2024-12-01");
    }
}
