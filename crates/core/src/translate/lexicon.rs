//! Words to catalog meanings: tokens, stems, typo repair and phrase linking.
//!
//! The vocabulary is the catalog's own names, synonyms and values plus a small
//! built-in lexicon of paraphrases and function words. A word that links to
//! nothing stays `Unknown`: the planner refuses rather than guess around it.

use std::collections::HashMap;

use super::typos::{allowed_edits, edit_distance};
use super::words::{self, Entry};
use crate::catalog::{Catalog, ColumnType};

/// A catalog column, by table and column name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Col {
    pub table: String,
    pub column: String,
}

impl Col {
    /// A column of a table.
    pub fn new(table: &str, column: &str) -> Col {
        Col {
            table: table.to_string(),
            column: column.to_string(),
        }
    }

    /// Its type in the catalog.
    pub fn column_type(&self, catalog: &Catalog) -> Option<ColumnType> {
        Some(
            catalog
                .table(&self.table)?
                .column(&self.column)?
                .column_type,
        )
    }

    /// Whether it names each row of its table: its label or its key.
    pub(super) fn names_rows(&self, catalog: &Catalog) -> bool {
        catalog.table(&self.table).is_some_and(|t| {
            t.label_column.as_deref() == Some(self.column.as_str())
                || t.primary_key.as_deref() == Some(self.column.as_str())
        })
    }
}

/// A calendar unit: a time bucket or the unit of a relative period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grain {
    Day,
    Week,
    Month,
    Quarter,
    Year,
    /// Day of the week, Monday first: a bucket across weeks, not a period.
    Weekday,
    /// Hour of the day: a bucket across days, not a period.
    Hour,
    /// Weekend or working day: a bucket across weeks, not a period.
    DayType,
}

/// Function words that steer the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kw {
    By,
    /// "weekends": Saturday and Sunday.
    Weekend,
    /// "no", "never": rows without a value or without linked rows.
    No,
    /// "working days": Monday to Friday.
    Workday,
    Top,
    Bottom,
    Most,
    Least,
    Which,
    Last,
    This,
    /// "so far this": the current unit up to today.
    ThisSoFar,
    /// "2025 so far": the period before it, up to today.
    SoFar,
    /// "median", "percentile": a statistic it does not compute.
    Statistic,
    /// "growth", "change": a figure's change between two periods, in percent.
    Change,
    /// "added", "gained": rows that came in, or a reading's change.
    Gain,
    /// "on the same day", "within 24 hours": two dates of one row compared.
    SameSpan,
    Next,
    Between,
    And,
    Since,
    From,
    To,
    Before,
    After,
    In,
    Over,
    Under,
    AtLeast,
    AtMost,
    /// "exactly 2 orders": a threshold that is met only by that number.
    Exactly,
    Not,
    Only,
    Vs,
    YearAgo,
    PrevPeriod,
    Share,
    List,
    Recent,
    Oldest,
    Largest,
    Smallest,
    Today,
    Yesterday,
    Ytd,
    Mtd,
    Average,
    HowMany,
    Instead,
    WhatAbout,
    Write,
    Personal,
    OverTime,
    Ago,
    Forecast,
    Ambiguous,
    Best,
    Worst,
    /// "month over month", "yoy": each bucket's change from the one before.
    OverPrevious,
    /// "running total", "cumulative": a sum carried over the buckets.
    Cumulative,
    /// "slowest", "longest": the largest of a duration.
    Slowest,
    /// "fastest", "quickest": the smallest of a duration.
    Fastest,
    New,
    Ratio,
    EndOf,
}

impl Kw {
    /// Words that rank ("top", "most", "worst", "slowest").
    pub fn ranks(self) -> bool {
        matches!(
            self,
            Kw::Top
                | Kw::Bottom
                | Kw::Most
                | Kw::Least
                | Kw::Best
                | Kw::Worst
                | Kw::Slowest
                | Kw::Fastest
        )
    }
}

/// One meaning a word or phrase can have.
#[derive(Debug, Clone, PartialEq)]
pub enum Lex {
    Metric(String),
    Dim(Col),
    /// A numeric column a threshold can apply to.
    Numeric(Col),
    Value(Col, String),
    Table(String),
    /// A catalog state of a table's rows ("open"), by name.
    State(String),
    /// A verb asking for a metric ("sell": revenue), weaker than its name.
    Verb(String),
    /// A date or timestamp column ("due", "value date"): a period beside it
    /// bounds that date, not the table's default one. Its weakest meaning.
    DateCol(Col),
    Grain(Grain),
    Kw(Kw),
    Month(u32),
    Number(f64),
    Filler,
}

/// A linked span of the question.
#[derive(Debug, Clone, PartialEq)]
pub enum Word {
    /// Every meaning the span can have, most likely first.
    Known(Vec<Lex>),
    Year(i32),
    Quarter(u32),
    /// "h1", "the first half": a half year.
    Half(u32),
    Date(chrono::NaiveDate),
    Unknown(String),
    /// A proper name the person typed ("Jane Smith"), lower-cased.
    Name(String),
}

impl Word {
    /// Meanings of a known word (none for the others).
    pub fn lexes(&self) -> &[Lex] {
        match self {
            Word::Known(l) => l,
            _ => &[],
        }
    }

    /// The dimension columns the word can name.
    pub fn dims(&self) -> Vec<&Col> {
        self.lexes()
            .iter()
            .filter_map(|l| match l {
                Lex::Dim(c) => Some(c),
                _ => None,
            })
            .collect()
    }

    /// Whether the word is that keyword.
    pub fn is(&self, kw: Kw) -> bool {
        self.lexes().contains(&Lex::Kw(kw))
    }

    /// The keyword it is, if it is only one.
    pub fn kw(&self) -> Option<Kw> {
        self.lexes().iter().find_map(|l| match l {
            Lex::Kw(k) => Some(*k),
            _ => None,
        })
    }

    /// The plain number it is, if any.
    pub fn number(&self) -> Option<f64> {
        self.lexes().iter().find_map(|l| match l {
            Lex::Number(n) => Some(*n),
            _ => None,
        })
    }

    /// The grain it names, if any.
    pub fn grain(&self) -> Option<Grain> {
        self.lexes().iter().find_map(|l| match l {
            Lex::Grain(g) => Some(*g),
            _ => None,
        })
    }
}

/// A month's or a quarter's name ("jan", "october", "q3"), as a range's
/// end ("Jan-Oct").
fn is_period_name(word: &str) -> bool {
    super::words::is_month_name(word) || matches!(literal(word), Word::Quarter(_) | Word::Half(_))
}

/// Lower-cases and splits a question into tokens; digits keep `.`, `-` and
/// `,` inside numbers and dates; `$`, `€`, `£` are dropped beside a number
/// and read as "value" alone.
pub fn tokenize(question: &str) -> Vec<String> {
    let text: Vec<char> = question.chars().flat_map(char::to_lowercase).collect();
    let mut tokens = Vec::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, tokens: &mut Vec<String>| {
        if !cur.is_empty() {
            tokens.push(std::mem::take(cur));
        }
    };
    let mut skip_s = false;
    for (i, &c) in text.iter().enumerate() {
        if std::mem::take(&mut skip_s) {
            continue;
        }
        let prev_digit = i > 0 && text[i - 1].is_ascii_digit();
        let next_digit = text.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        if c.is_alphanumeric() {
            cur.push(c);
        } else if (c == '.' || c == '-' || c == ',') && prev_digit && next_digit && !cur.is_empty()
        {
            if c != ',' {
                cur.push(c);
            }
        } else if c == '\'' || c == '\u{2019}' {
            // "what's" -> "whats", "shops'" -> "shops"; a possessive is its
            // noun: "city's clients" -> "city clients" (never a plural).
            let possessive = text.get(i + 1) == Some(&'s')
                && !text.get(i + 2).is_some_and(|n| n.is_alphanumeric())
                && !CONTRACTED.contains(&cur.as_str());
            if possessive {
                skip_s = true;
            }
        } else {
            // "Jan-Oct", "Q1-Q3": a range of periods, "jan to oct".
            let range = c == '-' && is_period_name(&cur) && {
                let next: String = text[i + 1..]
                    .iter()
                    .take_while(|n| n.is_alphanumeric())
                    .collect();
                is_period_name(&next)
            };
            flush(&mut cur, &mut tokens);
            if range {
                tokens.push("to".to_string());
            }
            match c {
                '%' => tokens.push("%".to_string()),
                '&' => tokens.push("&".to_string()),
                // "overdue $ by country": a currency sign on its own asks
                // for an amount ("$500" is the number's).
                '$' | '€' | '£'
                    if ![
                        text[i + 1..].iter().find(|n| !n.is_whitespace()),
                        text[..i].iter().rev().find(|n| !n.is_whitespace()),
                    ]
                    .iter()
                    .any(|n| n.is_some_and(char::is_ascii_digit)) =>
                {
                    tokens.push("value".to_string())
                }
                '>' | '<' => {
                    if text.get(i + 1) == Some(&'=') {
                        tokens.push(format!("{c}="));
                    } else {
                        tokens.push(c.to_string());
                    }
                }
                _ => {}
            }
        }
    }
    flush(&mut cur, &mut tokens);
    ordinal_quarters(tokens)
}

/// "the first quarter" is Q1 (again after typos are repaired: "first
/// qurter").
pub fn ordinal_quarters(tokens: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    for t in tokens {
        if t == "quarter" {
            let q = match out.last().map(String::as_str) {
                Some("first" | "1st") => Some("q1"),
                Some("second" | "2nd") => Some("q2"),
                Some("third" | "3rd") => Some("q3"),
                Some("fourth" | "4th" | "final") => Some("q4"),
                _ => None,
            };
            if let Some(q) = q {
                out.pop();
                out.push(q.to_string());
                continue;
            }
        }
        out.push(t);
    }
    out
}

/// How near a known word is to a typo, lower first: edits (the word or
/// its stem), edits of the whole word, shorter than the typo, no longer
/// than it, consonants not kept.
type TypoScore = (usize, usize, bool, bool, bool);

/// A verb's past form as typed ("ordered", "created"): said of rows, not
/// naming them or asking for a change.
pub fn is_past_form(text: &str) -> bool {
    text.ends_with("ed")
}

/// A plural as typed ("orders", not "business").
pub fn is_plural(text: &str) -> bool {
    text.ends_with('s') && !text.ends_with("ss")
}

/// A crude English stemmer: enough to merge plurals and common suffixes.
/// A word without its vowels: what a hurried typist keeps ("spnd").
fn consonants(word: &str) -> String {
    word.chars().filter(|c| !"aeiou".contains(*c)).collect()
}

pub fn stem(word: &str) -> String {
    let w = word;
    let n = w.chars().count();
    if !w.is_ascii() || n <= 3 {
        return w.to_string();
    }
    let w = if let Some(s) = w.strip_suffix("ies").filter(|_| n > 4) {
        format!("{s}y")
    } else if w.ends_with("sses")
        || w.ends_with("ches")
        || w.ends_with("shes")
        || w.ends_with("xes")
    {
        w[..w.len() - 2].to_string()
    } else if w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is") {
        w[..w.len() - 1].to_string()
    } else {
        w.to_string()
    };
    let n = w.len();
    if let Some(s) = w.strip_suffix("ied").filter(|_| n > 4) {
        return format!("{s}y");
    }
    if let Some(s) = w.strip_suffix("ing").filter(|_| n > 5) {
        return undouble(s);
    }
    if let Some(s) = w.strip_suffix("ed").filter(|_| n > 4) {
        return undouble(s.strip_suffix('e').unwrap_or(s));
    }
    if let Some(s) = w.strip_suffix('e').filter(|_| n > 4) {
        return s.to_string();
    }
    w
}

/// "logg" of "logged" is "log", "shipp" of "shipping" is "ship"; "bill",
/// "pass" and a stem of two letters ("add") keep their double letter.
fn undouble(s: &str) -> String {
    let b = s.as_bytes();
    let n = b.len();
    if n >= 4 && b[n - 1] == b[n - 2] && !b"aeioulsz".contains(&b[n - 1]) {
        s[..n - 1].to_string()
    } else {
        s.to_string()
    }
}

/// The linked vocabulary of one catalog.
pub struct Vocabulary {
    /// Stemmed phrase -> meanings.
    phrases: HashMap<String, Vec<Lex>>,
    /// Every token of every phrase, surface form: typos are repaired towards
    /// these only when they are content words.
    content_tokens: Vec<String>,
    /// Content tokens that name something other than a column's value: a
    /// short typo is repaired only towards these ("score" is no "store").
    named_tokens: std::collections::HashSet<String>,
    /// Function words of five letters or more ("total", "average"): a typo
    /// one edit away is repaired towards them too. Shorter ones ("most",
    /// "last") are too close to other words ("cost", "fast").
    function_tokens: Vec<String>,
    known_tokens: std::collections::HashSet<String>,
    /// States match their exact words only: "opened" is not "open".
    state_phrases: std::collections::HashSet<String>,
    /// Surface phrase -> the meanings given for exactly those words: where
    /// stems collide ("invoices", "invoiced"), the exact words win.
    surfaces: HashMap<String, Vec<Lex>>,
    longest: usize,
}

impl Vocabulary {
    /// Builds the vocabulary from the catalog and the built-in lexicon.
    pub fn new(catalog: &Catalog) -> Vocabulary {
        let mut voc = Vocabulary {
            phrases: HashMap::new(),
            content_tokens: Vec::new(),
            named_tokens: Default::default(),
            function_tokens: Vec::new(),
            known_tokens: Default::default(),
            state_phrases: Default::default(),
            surfaces: HashMap::new(),
            longest: 1,
        };
        let forms: Vec<(String, String)> = words::entries()
            .into_iter()
            .filter_map(|(phrase, e)| match e {
                Entry::Form(base) => Some((base, phrase)),
                Entry::Lex(_) => None,
            })
            .collect();
        for m in &catalog.metrics {
            let lex = Lex::Metric(m.name.clone());
            voc.add(&m.name.replace('_', " "), lex.clone(), true);
            voc.add(&m.label, lex.clone(), true);
            for s in &m.synonyms {
                voc.add(s, lex.clone(), true);
            }
            for v in &m.verbs {
                let verb = Lex::Verb(m.name.clone());
                voc.add(v, verb.clone(), true);
                // "bring in" -> "brought in": irregular forms of its first word.
                let (head, tail) = v.split_once(' ').unwrap_or((v, ""));
                for (_, form) in forms.iter().filter(|(b, _)| b == head) {
                    voc.add(format!("{form} {tail}").trim(), verb.clone(), true);
                }
            }
        }
        for st in &catalog.states {
            for phrase in std::iter::once(&st.name).chain(&st.synonyms) {
                voc.add(phrase, Lex::State(st.name.clone()), true);
                voc.state_phrases.insert(plain_surface(&tokenize(phrase)));
            }
        }
        for t in &catalog.tables {
            voc.add(&t.name.replace('_', " "), Lex::Table(t.name.clone()), true);
            // "month-end mrr": a name of the rows that holds the name of
            // their default figure names that figure too.
            let default = t.default_metric.as_deref().and_then(|m| catalog.metric(m));
            for s in &t.synonyms {
                voc.add(s, Lex::Table(t.name.clone()), true);
                if let Some(m) = default.filter(|m| names_within(s, m)) {
                    voc.add(s, Lex::Metric(m.name.clone()), true);
                }
            }
            for c in &t.columns {
                let col = Col::new(&t.name, &c.name);
                let mut names: Vec<String> = vec![c.name.replace('_', " ")];
                names.extend(c.synonyms.iter().cloned());
                // A table's label column is named by the table ("product").
                let is_label = t.label_column.as_deref() == Some(c.name.as_str());
                if is_label {
                    names = t
                        .synonyms
                        .iter()
                        .chain(std::iter::once(&t.name))
                        .cloned()
                        .collect();
                    names.extend(c.synonyms.iter().cloned());
                }
                if let Some(label) = &c.label {
                    names.push(label.clone());
                }
                // A short description names the column too ("list price").
                let described = tokenize(&c.description).len();
                if (2..=3).contains(&described) && !c.personal {
                    names.push(c.description.to_lowercase());
                }
                if c.dimension || is_label {
                    // "customer country", "order status": the table's name before the column's.
                    let singular = t
                        .name
                        .strip_suffix('s')
                        .unwrap_or(&t.name)
                        .replace('_', " ");
                    let own = format!("{singular} {}", c.name.replace('_', " "));
                    names.push(own);
                    for n in &names {
                        voc.add(n, Lex::Dim(col.clone()), true);
                    }
                }
                if matches!(c.column_type, ColumnType::Int | ColumnType::Float)
                    && !c.name.ends_with("_id")
                {
                    for n in &names {
                        voc.add(n, Lex::Numeric(col.clone()), true);
                    }
                }
                for v in &c.values {
                    voc.add(v, Lex::Value(col.clone(), v.clone()), true);
                }
                for (v, others) in &c.value_synonyms {
                    for o in others {
                        voc.add(o, Lex::Value(col.clone(), v.clone()), true);
                    }
                }
            }
        }
        // The built-in English lexicon.
        for (phrase, entry) in words::entries() {
            if let Entry::Lex(lex) = entry {
                let content = matches!(lex, Lex::Grain(_) | Lex::Month(_));
                voc.add(&phrase, lex, content);
            }
        }
        // Words of how long rows last ("lifetime", "stayed") are read by the
        // span reading, never repaired into a catalog word ("duration" is
        // no "education").
        for w in super::span::LAST
            .iter()
            .chain(super::span::LENGTH)
            .chain(super::span::STILL)
        {
            voc.known_tokens.insert(w.to_string());
        }
        // Date columns last: "paid" is a value before it is a date.
        for t in &catalog.tables {
            for c in t.date_columns() {
                let col = Col::new(&t.name, &c.name);
                let names = std::iter::once(c.name.replace('_', " "))
                    .chain(c.synonyms.iter().cloned())
                    .chain(c.label.iter().cloned());
                for n in names {
                    voc.add(&n, Lex::DateCol(col.clone()), true);
                }
            }
        }
        // A word that names a table ("invoices") means that table's own
        // count before another metric whose synonym shares its stem
        // ("invoiced": the amount billed).
        for lexes in voc.phrases.values_mut() {
            let tables: Vec<String> = lexes
                .iter()
                .filter_map(|l| match l {
                    Lex::Table(t) => Some(t.clone()),
                    _ => None,
                })
                .collect();
            if !tables.is_empty() {
                lexes.sort_by_key(|l| match l {
                    Lex::Metric(m) => !tables.contains(m),
                    _ => false,
                });
            }
        }
        voc
    }

    fn add(&mut self, phrase: &str, lex: Lex, content: bool) {
        let tokens = tokenize(phrase);
        if tokens.is_empty() {
            return;
        }
        // A catalog synonym that is a question word ("how" for a channel)
        // would read every "how much" as that column: question words keep
        // their own meaning.
        if content
            && !matches!(lex, Lex::Grain(_) | Lex::Month(_))
            && tokens.len() == 1
            && QUESTION_WORDS.contains(&tokens[0].as_str())
        {
            return;
        }
        for t in &tokens {
            if content && t.chars().count() >= 4 && !self.content_tokens.contains(t) {
                self.content_tokens.push(t.clone());
            }
            if content && !matches!(lex, Lex::Value(..)) {
                self.named_tokens.insert(t.clone());
            }
            if !content
                && t.chars().count() >= 5
                && t.chars().all(char::is_alphabetic)
                && !self.function_tokens.contains(t)
            {
                self.function_tokens.push(t.clone());
            }
            self.known_tokens.insert(t.clone());
            self.known_tokens.insert(stem(t));
        }
        self.longest = self.longest.max(tokens.len());
        let surface = self.surfaces.entry(plain_surface(&tokens)).or_default();
        if !surface.contains(&lex) {
            surface.push(lex.clone());
        }
        let key = key_of(&tokens);
        let entry = self.phrases.entry(key).or_default();
        if !entry.contains(&lex) {
            entry.push(lex);
            // A word that names a thing is a noun before it is a verb
            // ("invoices": the invoices, not the verb "invoice" of billing).
            entry.sort_by_key(|l| matches!(l, Lex::Verb(_)));
        }
    }

    /// Whether a token is a word of the catalog or the lexicon.
    pub fn knows(&self, token: &str) -> bool {
        self.known_tokens.contains(token) || self.known_tokens.contains(&stem(token))
    }

    /// Replaces unknown tokens by the one content word within the edit budget.
    pub fn repair(&self, tokens: &[String]) -> Vec<String> {
        tokens
            .iter()
            .map(|t| {
                // Chat shorthand ("hw", "lst", "mth") is its word.
                if let Some(full) = words::shorthand(t).filter(|_| !self.known_tokens.contains(t)) {
                    return full.to_string();
                }
                if self.known_tokens.contains(t)
                    || self.known_tokens.contains(&stem(t))
                    || !t.chars().all(char::is_alphabetic)
                {
                    return t.clone();
                }
                let max = allowed_edits(t.chars().count());
                if max == 0 {
                    return t.clone();
                }
                // A letter left out is the likeliest typo: at the same
                // distance, a word no shorter than the typo wins ("opend"
                // is "opened", not "open").
                let mut best: Option<(TypoScore, &String)> = None;
                let mut tie = false;
                // "categoires" is "categories": a long plural typed wrong is
                // compared by its stem too (a short word never: "base" is
                // no "cases").
                let typed_stem = (t.ends_with('s') && t.chars().count() >= 6).then(|| stem(t));
                // Only a typist who leaves vowels out ("spnd") is read by
                // the consonants kept; "logis" may be "logins" or "logos".
                let vowels = t.chars().filter(|c| "aeiou".contains(*c)).count();
                let mut values_near: Vec<(usize, &String)> = Vec::new();
                for cand in &self.content_tokens {
                    let full = edit_distance(t, cand, max);
                    let d = full.min(
                        typed_stem
                            .as_ref()
                            .map_or(usize::MAX, |ts| edit_distance(ts, &stem(cand), max)),
                    );
                    // A short word typed is never read as a value's word
                    // ("what's the score of each client" is no store).
                    // ... yet one as near makes the typo unreadable ("ugent":
                    // "urgent" or "agent"?).
                    if t.chars().count() < 6 && !self.named_tokens.contains(cand) {
                        if d <= max && cand.chars().count() >= t.chars().count() {
                            values_near.push((d, cand));
                        }
                        continue;
                    }
                    // "spenders" is one who spends, no typo of "spend": a
                    // known word with an agent's ending is another word.
                    let agent = |typed: &str, known: &str| {
                        typed
                            .strip_prefix(known)
                            .is_some_and(|rest| ["er", "ers", "r", "rs"].contains(&rest))
                    };
                    if agent(t, cand) || agent(&stem(t), &stem(cand)) {
                        continue;
                    }
                    // "reopened" is no typo of "opened", nor "reassigned" of
                    // "assigned": a known word with a prefix is another word.
                    let prefixed = |typed: &str, known: &str| {
                        ["re", "un", "non", "dis", "pre", "de", "mis"]
                            .iter()
                            .any(|p| typed.strip_prefix(p) == Some(known))
                    };
                    if prefixed(t, cand) || prefixed(&stem(t), &stem(cand)) {
                        continue;
                    }
                    // Two letters typed wrong in place is another word, not
                    // a typo ("actually" is no "annually").
                    if full == d && two_substitutions(t, cand) {
                        continue;
                    }
                    // A short word never absorbs a longer one ("opend" is
                    // no typo of "open").
                    let shorter = cand.chars().count() < t.chars().count();
                    if d > max || shorter && cand.chars().count() < 5 {
                        continue;
                    }
                    // At the same distance, the word whose consonants the
                    // typo keeps ("spnd": "spend", not "send").
                    // "inoices": "invoices" (one edit) before "invoiced"
                    // (two), though their stems are one edit from its.
                    // A letter left out before one typed wrong ("logis":
                    // "logins", not "logos").
                    let score = (
                        d,
                        full,
                        cand.chars().count() < t.chars().count(),
                        // (a short word is more often a word of its own:
                        // "lose" is no "close")
                        t.chars().count() >= 5 && cand.chars().count() <= t.chars().count(),
                        vowels <= 1 && consonants(cand) != consonants(t),
                    );
                    match best {
                        Some((bs, b)) if score == bs && stem(b) != stem(cand) => tie = true,
                        Some((bs, _)) if score >= bs => {}
                        _ => {
                            best = Some((score, cand));
                            tie = false;
                        }
                    }
                }
                if best.is_none() && t.chars().count() >= 4 {
                    // "totl", "avrage": one edit from a long function word,
                    // and from no other.
                    // Never into a shorter word: "slowest" is no "lowest".
                    let mut near = self.function_tokens.iter().filter(|f| {
                        f.chars().count() >= t.chars().count() && edit_distance(t, f, 1) <= 1
                    });
                    if let (Some(f), None) = (near.next(), near.next()) {
                        return f.clone();
                    }
                }
                // "medina": "media" (a value) or "median"? A function word as
                // near as the best content word leaves the typo unread.
                let near_function = |d: usize| {
                    self.function_tokens.iter().any(|f| {
                        f.chars().count() >= t.chars().count()
                            && f.chars().count() >= 5
                            && edit_distance(t, f, d) <= d
                    })
                };
                match best {
                    Some(((d, _, shorter, ..), b))
                        if !tie
                            && (!shorter || !near_function(d))
                            && !values_near
                                .iter()
                                .any(|(vd, v)| *vd <= d && stem(v) != stem(b)) =>
                    {
                        // "indusries" is "industries": a plural typed stays
                        // one ("which industries" lists them all).
                        if t.ends_with('s') && !b.ends_with('s') && is_plural(t) {
                            match b.strip_suffix('y') {
                                Some(root) => format!("{root}ies"),
                                None => format!("{b}s"),
                            }
                        } else {
                            b.clone()
                        }
                    }
                    _ => t.clone(),
                }
            })
            .collect()
    }

    /// Links tokens to words, longest phrase first; with each word's text.
    pub fn link(&self, tokens: &[String]) -> (Vec<Word>, Vec<String>) {
        let mut words = Vec::new();
        let mut texts = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            let mut matched = false;
            // Determiners inside a phrase make it longer than the catalog's.
            let max = (self.longest + 2).min(tokens.len() - i);
            // "which product sold the most": after "which", a table word
            // names the rows ranked, even where a longer phrase starts with it.
            // "which 5 products sold the most": a number may stand between.
            // "number of different products sold": after a word asking for
            // distinct ones, too.
            let asks = |t: &String| {
                matches!(
                    t.as_str(),
                    "which" | "what" | "different" | "distinct" | "unique"
                )
            };
            let after_which = i > 0 && asks(&tokens[i - 1])
                || i > 1
                    && asks(&tokens[i - 2])
                    && tokens[i - 1].chars().all(|c| c.is_ascii_digit());
            let names_rows = self
                .phrases
                .get(&key_of(&tokens[i..i + 1]))
                .is_some_and(|l| l.iter().any(|x| matches!(x, Lex::Table(_))));
            // Only where the longer phrase is a figure ("product sold"), not a
            // column ("customer segment").
            let figure_phrase = (2..=max).rev().find_map(|len| {
                self.phrases
                    .get(&key_of(&tokens[i..i + len]))
                    .map(|l| l.iter().any(|x| matches!(x, Lex::Metric(_))))
            });
            let max = if after_which && names_rows && figure_phrase == Some(true) {
                1
            } else {
                max
            };
            for len in (1..=max).rev() {
                // "opened at least one": "opened at" (a column's name) would
                // take the head of "at least"; the shorter phrase is read.
                let steals = len >= 2
                    && i + len < tokens.len()
                    && self.phrases.contains_key(&key_of(&tokens[i..i + len - 1]))
                    && self
                        .phrases
                        .get(&key_of(&tokens[i + len - 1..i + len + 1]))
                        .is_some_and(|l| {
                            l.iter()
                                .any(|x| matches!(x, Lex::Kw(Kw::AtLeast | Kw::AtMost)))
                        });
                // "the past due subscriptions": a phrase of the lexicon
                // ("the past") does not take the head of the catalog's
                // ("past due"); the shorter one is read.
                let catalog_lex = |l: &Lex| !matches!(l, Lex::Kw(_) | Lex::Filler | Lex::Grain(_));
                let heads_catalog = len >= 2
                    && self
                        .phrases
                        .get(&key_of(&tokens[i..i + len]))
                        .is_some_and(|l| {
                            !l.iter().any(catalog_lex)
                                && l.iter()
                                    .any(|x| matches!(x, Lex::Kw(Kw::Last | Kw::This | Kw::Next)))
                        })
                    && (2..=self.longest).any(|n| {
                        let from = i + len - 1;
                        from + n <= tokens.len()
                            && self
                                .phrases
                                .get(&key_of(&tokens[from..from + n]))
                                .is_some_and(|l| l.iter().any(catalog_lex))
                    });
                if steals || heads_catalog {
                    continue;
                }
                if let Some(lexes) = self.phrases.get(&key_of(&tokens[i..i + len])) {
                    let surface = plain_surface(&tokens[i..i + len]);
                    let exact_state = self.state_phrases.contains(&surface);
                    let mut lexes: Vec<Lex> = lexes
                        .iter()
                        .filter(|l| exact_state || !matches!(l, Lex::State(_)))
                        .cloned()
                        .collect();
                    if let Some(exact) = self.surfaces.get(&surface) {
                        lexes.sort_by_key(|l| !exact.contains(l));
                        // "opened" is a filler verb, not the value "open"
                        // its stem shares.
                        // "hold" is a possession verb, not the "holdings"
                        // its stem shares: a filler said as written keeps
                        // only the meanings said as written.
                        if exact.contains(&Lex::Filler) {
                            lexes.retain(|l| exact.contains(l));
                        }
                    }
                    // "started in 2024" is no "starting" (since): a past
                    // form keeps a keyword only as written.
                    if tokens[i + len - 1].ends_with("ed") {
                        let exact = self.surfaces.get(&surface);
                        lexes.retain(|l| {
                            !matches!(l, Lex::Kw(_)) || exact.is_some_and(|e| e.contains(l))
                        });
                    }
                    // "orders at all" is no "ordered at": a date column's
                    // phrase of several words is read only as written.
                    let inexact_date = len >= 2
                        && lexes.iter().all(|l| matches!(l, Lex::DateCol(_)))
                        && !self.surfaces.get(&surface).is_some_and(|exact| {
                            exact.iter().any(|l| matches!(l, Lex::DateCol(_)))
                        });
                    // "monthly billings" is no "monthly billing" (a billing
                    // cycle): a value's phrase read only by its stem does not
                    // swallow a figure's name as written ("billings").
                    let swallows_figure = len >= 2
                        && !self.surfaces.contains_key(&surface)
                        && lexes.iter().all(|l| matches!(l, Lex::Value(..)))
                        && self
                            .surfaces
                            .get(&tokens[i + len - 1])
                            .is_some_and(|exact| exact.iter().any(|l| matches!(l, Lex::Metric(_))));
                    // "marketing" is no "market": a word the catalog writes
                    // as it is (in "marketing consent") is not another
                    // column's or value's "-ing" or "-ed" form.
                    let written_elsewhere = len == 1
                        && !self.surfaces.contains_key(&surface)
                        && (tokens[i].ends_with("ing") || tokens[i].ends_with("ed"))
                        && self.content_tokens.contains(&tokens[i])
                        && lexes
                            .iter()
                            .all(|l| matches!(l, Lex::Dim(_) | Lex::Value(..) | Lex::Numeric(_)));
                    // "average orders per customer" is a number of orders,
                    // not the catalog's "average order" (a value): an
                    // average of a plural is no average of one row.
                    let average_of_plural = len >= 2
                        && !self.surfaces.contains_key(&surface)
                        && matches!(tokens[i].as_str(), "average" | "avg" | "mean")
                        && {
                            let last = &tokens[i + len - 1];
                            is_plural(last)
                                && self.surfaces.keys().any(|k| {
                                    k.strip_suffix(&last[..last.len() - 1]).is_some_and(|head| {
                                        head.ends_with(' ') && head.starts_with(tokens[i].as_str())
                                    })
                                })
                        };
                    if lexes.is_empty()
                        || inexact_date
                        || swallows_figure
                        || written_elsewhere
                        || average_of_plural
                    {
                        continue;
                    }
                    words.push(Word::Known(lexes));
                    texts.push(tokens[i..i + len].join(" "));
                    i += len;
                    matched = true;
                    break;
                }
            }
            if matched {
                continue;
            }
            // "more than 2000", "over 2000 eur": after a threshold, a
            // number ("over 2025" alone is the year).
            let threshold = words.last().is_some_and(|w: &Word| {
                [Kw::Over, Kw::Under, Kw::AtLeast, Kw::AtMost, Kw::Exactly]
                    .iter()
                    .any(|k| w.is(*k))
            });
            let money = tokens
                .get(i + 1)
                .is_some_and(|t| CURRENCY_WORDS.contains(&t.as_str()));
            // "card spend over 2000 since march": another period named.
            let other_period = tokens.iter().enumerate().any(|(k, t)| {
                k != i
                    && (PERIOD_WORDS.contains(&t.as_str())
                        || matches!(literal(t), Word::Year(_))
                        || self
                            .phrases
                            .get(&key_of(std::slice::from_ref(t)))
                            .is_some_and(|l| l.iter().any(|x| matches!(x, Lex::Month(_)))))
            });
            let word = match literal(&tokens[i]) {
                Word::Year(y)
                    if threshold
                        && (texts.last().is_some_and(|t| t != "over") || money || other_period) =>
                {
                    Word::Known(vec![Lex::Number(f64::from(y))])
                }
                w => w,
            };
            words.push(word);
            texts.push(tokens[i].clone());
            i += 1;
        }
        (words, texts)
    }
}

/// Words whose "'s" is "is" or "us" ("what's", "let's"), not a possessive.
const CONTRACTED: [&str; 10] = [
    "what", "that", "it", "there", "here", "who", "where", "how", "let", "he",
];

/// Words that ask; never a catalog name on their own.
const QUESTION_WORDS: [&str; 12] = [
    "how", "what", "which", "who", "whom", "whose", "when", "where", "why", "much", "many", "show",
];

fn key_of(tokens: &[String]) -> String {
    plain(tokens)
        .iter()
        .map(|t| stem(t))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Words inside a phrase that change nothing of what it names: "paid
/// after their due date" is the catalog's "paid after due date".
const INNER_DETERMINERS: &[&str] = &["the", "their", "its", "his", "her", "our", "your", "my"];

/// Verbs of having inside a phrase: "accounts had activity" is the
/// catalog's "accounts with activity".
const INNER_HAVING: &[&str] = &["has", "have", "had", "having"];

/// A phrase's tokens without the determiners inside it, a verb of having
/// there read as "with" (its first and last word always kept as written).
fn plain(tokens: &[String]) -> Vec<&str> {
    let last = tokens.len().saturating_sub(1);
    tokens
        .iter()
        .enumerate()
        .filter(|&(i, t)| i == 0 || i == last || !INNER_DETERMINERS.contains(&t.as_str()))
        .map(|(i, t)| {
            if i != 0 && i != last && INNER_HAVING.contains(&t.as_str()) {
                "with"
            } else {
                t.as_str()
            }
        })
        .collect()
}

/// A phrase as written, without the determiners inside it.
/// Whether one of a metric's names is a run of words of `phrase`.
fn names_within(phrase: &str, m: &crate::catalog::MetricDef) -> bool {
    let words = tokenize(phrase);
    std::iter::once(&m.label)
        .chain(&m.synonyms)
        .map(|n| tokenize(n))
        .any(|n| {
            !n.is_empty()
                && n.len() < words.len()
                && words.windows(n.len()).any(|w| w == n.as_slice())
        })
}

fn plain_surface(tokens: &[String]) -> String {
    plain(tokens).join(" ")
}

/// Numbers, years, quarters and ISO dates; anything else is unknown.
fn literal(token: &str) -> Word {
    if let Ok(date) = chrono::NaiveDate::parse_from_str(token, "%Y-%m-%d") {
        return Word::Date(date);
    }
    if let Some(q) = token.strip_prefix('q').and_then(|q| q.parse::<u32>().ok()) {
        if (1..=4).contains(&q) {
            return Word::Quarter(q);
        }
    }
    if let Some(h) = token.strip_prefix('h').and_then(|h| h.parse::<u32>().ok()) {
        if (1..=2).contains(&h) {
            return Word::Half(h);
        }
    }
    // "30th", "1st": a day of the month.
    if let Some(d) = ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|s| token.strip_suffix(s))
        .filter(|d| !d.is_empty() && d.len() <= 2 && d.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|d| d.parse::<u8>().ok())
        .filter(|d| (1..=31).contains(d))
    {
        return Word::Known(vec![Lex::Number(f64::from(d))]);
    }
    let (digits, scale) = match token.strip_suffix('k') {
        Some(d) => (d, 1_000.0),
        None => match token.strip_suffix('m') {
            Some(d) if !d.is_empty() && d.chars().all(|c| c.is_ascii_digit() || c == '.') => {
                (d, 1_000_000.0)
            }
            _ => (token, 1.0),
        },
    };
    if let Ok(n) = digits.parse::<f64>() {
        if n.is_finite() {
            if scale == 1.0 && !digits.contains('.') && (1990.0..=2100.0).contains(&n) {
                return Word::Year(n as i32);
            }
            return Word::Known(vec![Lex::Number(n * scale)]);
        }
    }
    Word::Unknown(token.to_string())
}

/// Words that name a period by themselves ("since", "yesterday").
const PERIOD_WORDS: &[&str] = &[
    "since",
    "last",
    "this",
    "yesterday",
    "today",
    "ytd",
    "mtd",
    "ago",
    "q1",
    "q2",
    "q3",
    "q4",
];

/// Words after an amount that make it money ("over 2000 eur").
const CURRENCY_WORDS: &[&str] = &[
    "eur", "euro", "euros", "usd", "dollar", "dollars", "gbp", "pound", "pounds", "chf", "francs",
    "bucks",
];

/// Whether two words of one length differ in exactly two letters that are
/// not two neighbours swapped: two keys typed wrong, which no typist does.
fn two_substitutions(typed: &str, known: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (typed.chars().collect(), known.chars().collect());
    if a.len() != b.len() {
        return false;
    }
    let differ: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    match differ.as_slice() {
        [i, j] => !(*j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_possessive_is_its_noun_and_a_contraction_stays_one_word() {
        assert_eq!(
            tokenize("which city's clients"),
            ["which", "city", "clients"]
        );
        assert_eq!(tokenize("what's the revenue"), ["whats", "the", "revenue"]);
        assert_eq!(tokenize("the shops' orders"), ["the", "shops", "orders"]);
    }

    #[test]
    fn tokenizes_numbers_dates_and_symbols() {
        assert_eq!(
            tokenize("Revenue > $1,500 on 2025-03-01?"),
            ["revenue", ">", "1500", "on", "2025-03-01"]
        );
        assert_eq!(
            tokenize("what's the AOV, 5.5%"),
            ["whats", "the", "aov", "5.5", "%"]
        );
    }

    #[test]
    fn stems_plurals_and_suffixes() {
        assert_eq!(stem("countries"), "country");
        assert_eq!(stem("orders"), stem("order"));
        assert_eq!(stem("completed"), stem("complete"));
        assert_eq!(stem("status"), stem("status"));
        // A doubled last letter before -ed/-ing is the verb's own.
        assert_eq!(stem("logged"), stem("log"));
        assert_eq!(stem("shipping"), stem("ship"));
        assert_eq!(stem("billed"), stem("bill"));
        assert_eq!(stem("added"), stem("add"));
    }

    #[test]
    fn repairs_typos_towards_content_words_only() {
        let voc = Vocabulary::new(&Catalog::demo());
        let t = voc.repair(&tokenize("revnue by mnth in germny"));
        assert_eq!(t, ["revenue", "by", "month", "in", "germany"]);
        // "cost" is near "most", a function word: it must stay unknown.
        assert_eq!(voc.repair(&tokenize("cost")), ["cost"]);
    }
}
