//! Weekends and working days: "revenue on weekends" keeps the rows dated on
//! a Saturday or Sunday, "on working days" the others, and "weekends vs
//! weekdays" splits the rows in two. Only words next to each other are read
//! as a split, so "by weekday" stays the day-of-the-week bucket.

use super::lexicon::{Grain, Kw, Word};

/// What the question asks of the day type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayType {
    /// Only weekends (`true`) or only working days.
    Only(bool),
    /// Weekends against working days.
    Split,
}

/// Reads the day type and marks its words (and a preposition before) used.
pub fn scan(words: &[Word], texts: &[String], used: &mut [bool]) -> Option<DayType> {
    let n = words.len();
    let weekend = |i: usize| words[i].is(Kw::Weekend);
    let working = |i: usize| words[i].is(Kw::Workday);
    // "weekdays" is the day-of-the-week bucket, unless set against weekends.
    let weekday = |i: usize| {
        working(i) || words[i].grain() == Some(Grain::Weekday) && texts[i].starts_with("weekday")
    };
    let joins = |i: usize| words[i].is(Kw::Vs) || words[i].is(Kw::And);
    let i = (0..n).find(|&i| !used[i] && (weekend(i) || working(i)))?;
    let split = [i.checked_sub(2), Some(i + 2)]
        .into_iter()
        .flatten()
        .find(|&j| {
            j < n
                && !used[j]
                && joins((i + j) / 2)
                && if weekend(i) { weekday(j) } else { weekend(j) }
        });
    let first = match split {
        Some(j) => {
            used[i.min(j)..=i.max(j)].fill(true);
            i.min(j)
        }
        None => {
            used[i] = true;
            i
        }
    };
    if first > 0
        && !used[first - 1]
        && ["on", "at", "during", "over", "in"].contains(&texts[first - 1].as_str())
    {
        used[first - 1] = true;
    }
    Some(match split {
        Some(_) => DayType::Split,
        None => DayType::Only(weekend(i)),
    })
}
