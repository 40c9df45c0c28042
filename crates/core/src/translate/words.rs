//! The built-in lexicon, kept as data in `words.txt`: paraphrases, function
//! words, month and number names, irregular verb forms. It names nothing of
//! any dataset: metric, table, column and value words come from the catalog.

use super::lexicon::{Grain, Kw, Lex};

const WORDS: &str = include_str!("words.txt");

/// One line of the built-in lexicon.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// A meaning that needs no catalog.
    Lex(Lex),
    /// An irregular form of a verb ("sold" of "sell").
    Form(String),
}

/// Every phrase of the built-in lexicon with its meaning; malformed lines
/// are skipped (the file is part of the crate and tested).
pub fn entries() -> Vec<(String, Entry)> {
    let mut out = Vec::new();
    let mut logical: Vec<String> = Vec::new();
    for line in WORDS.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        match logical.last_mut() {
            Some(last) if line.starts_with(' ') => {
                last.push(' ');
                last.push_str(line.trim());
            }
            _ => logical.push(line.to_string()),
        }
    }
    for line in logical {
        let Some((head, body)) = line.split_once(':') else {
            continue;
        };
        let (kind, name) = head.split_once(' ').unwrap_or((head, ""));
        let entry = match kind {
            "kw" => keyword(name).map(|k| Entry::Lex(Lex::Kw(k))),
            "grain" => grain(name).map(|g| Entry::Lex(Lex::Grain(g))),
            "month" => name.parse().ok().map(|m| Entry::Lex(Lex::Month(m))),
            "number" => name.parse().ok().map(|n| Entry::Lex(Lex::Number(n))),
            "filler" => Some(Entry::Lex(Lex::Filler)),
            "form" => Some(Entry::Form(name.to_string())),
            "money" | "currency" | "shorthand" => None,
            _ => None,
        };
        let Some(entry) = entry else { continue };
        for phrase in body.split('|').map(str::trim).filter(|p| !p.is_empty()) {
            out.push((phrase.to_string(), entry.clone()));
        }
    }
    out
}

/// Whether a phrase asks for a sum of money rather than a count ("amount of").
pub fn is_money_word(phrase: &str) -> bool {
    WORDS
        .lines()
        .filter_map(|l| l.strip_prefix("money:"))
        .flat_map(|l| l.split('|'))
        .any(|w| w.trim() == phrase)
}

/// Whether a word is a month's name ("jan", "september").
pub fn is_month_name(word: &str) -> bool {
    WORDS
        .lines()
        .filter_map(|l| l.strip_prefix("month ")?.split_once(':'))
        .flat_map(|(_, body)| body.split('|'))
        .any(|w| w.trim() == word)
}

/// The word a piece of chat shorthand stands for ("hw": "how").
pub fn shorthand(token: &str) -> Option<&'static str> {
    WORDS.lines().find_map(|l| {
        let (word, body) = l.strip_prefix("shorthand ")?.split_once(':')?;
        body.split('|')
            .any(|x| x.trim() == token)
            .then_some(word.trim())
    })
}

/// The currency code a word after a number names ("euros": `EUR`).
pub fn currency_of(word: &str) -> Option<&'static str> {
    let w = word.trim().to_lowercase();
    WORDS.lines().find_map(|l| {
        let (code, body) = l.strip_prefix("currency ")?.split_once(':')?;
        body.split('|')
            .any(|x| x.trim() == w || code.eq_ignore_ascii_case(&w))
            .then_some(code.trim())
    })
}

fn grain(name: &str) -> Option<Grain> {
    Some(match name {
        "Day" => Grain::Day,
        "Week" => Grain::Week,
        "Month" => Grain::Month,
        "Quarter" => Grain::Quarter,
        "Year" => Grain::Year,
        "Weekday" => Grain::Weekday,
        "Hour" => Grain::Hour,
        _ => return None,
    })
}

fn keyword(name: &str) -> Option<Kw> {
    use Kw::*;
    Some(match name {
        "By" => By,
        "Top" => Top,
        "Bottom" => Bottom,
        "Most" => Most,
        "Least" => Least,
        "Which" => Which,
        "Last" => Last,
        "This" => This,
        "ThisSoFar" => ThisSoFar,
        "SoFar" => SoFar,
        "Statistic" => Statistic,
        "Change" => Change,
        "Gain" => Gain,
        "SameSpan" => SameSpan,
        "Weekend" => Weekend,
        "No" => No,
        "Workday" => Workday,
        "Next" => Next,
        "Between" => Between,
        "And" => And,
        "Since" => Since,
        "From" => From,
        "To" => To,
        "Before" => Before,
        "After" => After,
        "In" => In,
        "Over" => Over,
        "Under" => Under,
        "AtLeast" => AtLeast,
        "AtMost" => AtMost,
        "Exactly" => Exactly,
        "Not" => Not,
        "Only" => Only,
        "Vs" => Vs,
        "YearAgo" => YearAgo,
        "PrevPeriod" => PrevPeriod,
        "Share" => Share,
        "List" => List,
        "Recent" => Recent,
        "Oldest" => Oldest,
        "Largest" => Largest,
        "Smallest" => Smallest,
        "Today" => Today,
        "Yesterday" => Yesterday,
        "Ytd" => Ytd,
        "EndOf" => EndOf,
        "Mtd" => Mtd,
        "Average" => Average,
        "HowMany" => HowMany,
        "Instead" => Instead,
        "WhatAbout" => WhatAbout,
        "Write" => Write,
        "Personal" => Personal,
        "OverTime" => OverTime,
        "Ago" => Ago,
        "Forecast" => Forecast,
        "Ambiguous" => Ambiguous,
        "Best" => Best,
        "Worst" => Worst,
        "Slowest" => Slowest,
        "OverPrevious" => OverPrevious,
        "Cumulative" => Cumulative,
        "Fastest" => Fastest,
        "New" => New,
        "Ratio" => Ratio,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_of_the_lexicon_parses() {
        let mut lines = 0;
        let mut logical: Vec<&str> = Vec::new();
        for line in WORDS.lines() {
            if !(line.starts_with('#') || line.trim().is_empty() || line.starts_with(' ')) {
                logical.push(line);
                lines += 1;
            }
        }
        for line in logical {
            let (head, _) = line.split_once(':').unwrap_or_default();
            let (kind, name) = head.split_once(' ').unwrap_or((head, ""));
            let ok = match kind {
                "kw" => keyword(name).is_some(),
                "grain" => grain(name).is_some(),
                "month" | "number" => name.parse::<f64>().is_ok(),
                "filler" | "form" | "money" => true,
                "currency" => name.len() == 3,
                "shorthand" => !name.is_empty(),
                _ => false,
            };
            assert!(ok, "bad lexicon line: {line}");
        }
        assert!(lines > 100);
        assert!(entries().len() > 400);
    }
}
