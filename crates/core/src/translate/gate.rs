//! The gate every plan passes: each word of the question is accounted for,
//! linked to the catalog or the lexicon and taken by some part of the plan,
//! or known filler. A word nothing took means the answer would leave it
//! out, so the translator refuses and names it instead of answering around it.

use super::read::Parsed;
use super::resolve::known_summary;
use super::{unsupported, Translation};
use crate::catalog::Catalog;

/// `Err` naming every word that nothing accounted for.
pub(super) fn every_word_accounted(parsed: &Parsed, catalog: &Catalog) -> Result<(), Translation> {
    if !parsed.unknown.is_empty() {
        return Err(unsupported(
            catalog,
            format!(
                "I don't know what {} means for this data. I know about {}.",
                quoted(&parsed.unknown),
                known_summary(catalog)
            ),
        ));
    }
    if !parsed.unaccounted.is_empty() {
        return Err(unsupported(
            catalog,
            format!(
                "I don't know what {} means here, and I won't answer without it.",
                quoted(&parsed.unaccounted)
            ),
        ));
    }
    Ok(())
}

/// Whether a reading has nothing left over (a previous question to build on).
pub(super) fn is_whole(parsed: &Parsed) -> bool {
    parsed.refusal.is_none() && parsed.unknown.is_empty() && parsed.unaccounted.is_empty()
}

fn quoted(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("'{w}'"))
        .collect::<Vec<_>>()
        .join(", ")
}
