//! Named entities: "revenue of Jane Smith", "units of the Trail Runner 2 in
//! 2025". The server never sees a value, so a name is whatever the person
//! typed as a proper noun: words written with a capital that the catalog and
//! the lexicon do not know. The SQL compares it, ignoring case, with the
//! label column of the one table it can belong to; it runs in the browser,
//! over the tenant's own rows, and groups by the entity's key, so two
//! entities of one name stay two rows.

use std::collections::HashSet;

use super::lexicon::{Kw, Lex, Word};
use crate::catalog::Catalog;

/// A word as compared: lower case, without a trailing full stop, quote or
/// possessive ("Thomas's" is "thomas", as the tokenizer reads it).
fn lower(w: &str) -> String {
    let w = w.trim_end_matches('.');
    let w = ["'s", "\u{2019}s"]
        .iter()
        .find_map(|p| w.strip_suffix(p))
        .unwrap_or(w);
    w.trim_end_matches(['\'', '\u{2019}'])
        .chars()
        .flat_map(char::to_lowercase)
        .collect()
}

/// Lower-case words written with a capital, other than a sentence's first
/// (a first word counts when the word after it is capitalised too).
pub fn proper_words(question: &str) -> HashSet<String> {
    let words: Vec<&str> = question
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '?' | '!' | ';' | ':' | '"'))
        .filter(|w| !w.is_empty())
        .collect();
    let capital = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
    let mut out = HashSet::new();
    for (i, w) in words.iter().enumerate() {
        let first = i == 0 || words[i - 1].ends_with('.');
        let next_capital = words.get(i + 1).is_some_and(|n| capital(n));
        // "AOV", "MRR": an acronym is a word of the catalog, not a name.
        let acronym = w.len() > 1 && w.chars().all(|c| !c.is_lowercase());
        // ... unless it ends a name ("Martin Motors BV", "Russo SARL").
        let ends_name = i > 0 && out.contains(&lower(words[i - 1]));
        if capital(w) && (!acronym || ends_name) && (!first || next_capital) {
            out.insert(lower(w));
        }
    }
    out
}

/// Lower-case words written with a possessive ("schmidt's": "schmidt").
pub fn possessive_words(question: &str) -> HashSet<String> {
    question
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '?' | '!' | ';' | ':' | '"'))
        .filter(|w| w.ends_with("'s") || w.ends_with("\u{2019}s"))
        .map(lower)
        .collect()
}

/// Joins each run of unknown proper words (and the numbers right after
/// them: "Trail Runner 2") into one `Word::Name`.
pub fn join(
    words: Vec<Word>,
    texts: Vec<String>,
    proper: &HashSet<String>,
    possessive: &HashSet<String>,
) -> (Vec<Word>, Vec<String>) {
    let is_name_word =
        |w: &Word, t: &String| matches!(w, Word::Unknown(_)) && proper.contains(t.as_str());
    // "jonas schmidt's card spend": two or three words in a row that
    // nothing knows, typed in lower case, are a name when a possessive
    // ends them (the browser says so when nobody has it). Unknown words
    // said otherwise stay unknown ("net promoter score by city": asked
    // what it means).
    let unknown = |k: usize| {
        matches!(&words[k], Word::Unknown(_))
            && texts[k].len() >= 2
            && texts[k].chars().all(char::is_alphabetic)
    };
    let signalled = |from: usize, to: usize| {
        (2..=3).contains(&(to - from)) && possessive.contains(&texts[to - 1])
    };
    let (mut out_w, mut out_t) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < words.len() {
        let mut j = i;
        while j < words.len() && is_name_word(&words[j], &texts[j]) {
            j += 1;
        }
        if j == i {
            while j < words.len() && unknown(j) {
                j += 1;
            }
            if !signalled(i, j) {
                j = i;
            }
        }
        let proper_count = j - i;
        while proper_count > 0
            && j < words.len()
            && words[j].number().is_some()
            && words[j].lexes().len() == 1
        {
            j += 1;
        }
        // "customer Jane Smith" says whose name it is; "revenue of Taylor
        // Swift" does not, and may be about someone who is none of our rows:
        // the answer carries one reading per kind of row with a label, and
        // the browser, which holds the rows, keeps the one that has the name
        // (none: it says so, never answers).
        if proper_count >= 1 {
            let text = texts[i..j].join(" ");
            out_w.push(Word::Name(text.clone()));
            out_t.push(text);
            i = j;
            continue;
        }
        out_w.push(words[i].clone());
        out_t.push(texts[i].clone());
        i += 1;
    }
    (out_w, out_t)
}

/// The first name of the question and the tables whose label it may be:
/// the table word right beside it ("customer Jane Smith"), marked used, or
/// every table with a label. Its own word is marked used too.
pub fn scan(
    words: &[Word],
    texts: &[String],
    used: &mut [bool],
    catalog: &Catalog,
) -> Option<(String, Vec<String>)> {
    let (i, name) = words.iter().enumerate().find_map(|(i, w)| match w {
        Word::Name(n) => Some((i, n.clone())),
        _ => None,
    })?;
    // "how do we compare with Alpenrose Privatbank": someone set against
    // us, not one of our rows; left unknown.
    if i > 0
        && (words[i - 1].is(Kw::Vs) || ["with", "against", "than"].contains(&texts[i - 1].as_str()))
    {
        return None;
    }
    let labelled = |t: &str| catalog.table(t).is_some_and(|d| d.label_column.is_some());
    let beside = [i.checked_sub(1), Some(i + 1)]
        .into_iter()
        .flatten()
        .filter(|&j| j < words.len() && !used[j])
        .find_map(|j| {
            words[j].lexes().iter().find_map(|l| match l {
                Lex::Table(t) if labelled(t) => Some((j, t.clone())),
                _ => None,
            })
        });
    let tables = match beside {
        Some((j, t)) => {
            used[j] = true;
            vec![t]
        }
        None => catalog
            .tables
            .iter()
            .filter(|t| labelled(&t.name))
            .map(|t| t.name.clone())
            .collect(),
    };
    used[i] = true;
    Some((name, tables))
}

/// The question with the kind of row said before the name ("Giulia Thomas
/// total balance" → "client Giulia Thomas total balance"), to offer when the
/// name is of several kinds.
pub fn with_kind(question: &str, name: &str, kind: &str) -> String {
    let lower = question.to_lowercase();
    match lower.find(name) {
        // Lower-casing keeps the byte offsets of ASCII names only.
        Some(at) if lower.len() == question.len() && question.is_char_boundary(at) => {
            format!("{}{kind} {}", &question[..at], &question[at..])
        }
        _ => format!("{question} ({kind} {})", title(name)),
    }
}

/// "jane smith" as "Jane Smith", for the words shown.
pub fn title(name: &str) -> String {
    name.split(' ')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        })
        .collect::<Vec<String>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proper_words_skip_the_first_word_and_acronyms() {
        let p = proper_words("What did Jane Smith order? Revenue of the Trail Runner in Q3, AOV");
        assert!(p.contains("jane") && p.contains("smith") && p.contains("trail"));
        assert!(!p.contains("what") && !p.contains("aov"));
        // A first word with a capital after it is a name too.
        assert!(proper_words("Giulia Thomas total balance").contains("giulia"));
        // A possessive is its name.
        assert!(proper_words("what did Giulia Thomas's accounts hold").contains("thomas"));
    }
}
