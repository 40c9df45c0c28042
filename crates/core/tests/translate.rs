//! The labelled corpus through the built-in translator: answered questions
//! give guarded SQL of the expected shape, refusals are refused, and nothing
//! panics. (The engine crate runs the SQL against reference SQL.)

use std::collections::BTreeMap;

use slicewise_core::corpus::{self, Case};
use slicewise_core::translate::{
    starter_questions, translate, NaiveDate, TranslateContext, Translation,
};
use slicewise_core::{Catalog, SqlGuard};

const CORPUS: &str = include_str!("corpus/questions.jsonl");

fn cases() -> Vec<Case> {
    corpus::parse(CORPUS).unwrap_or_else(|e| panic!("{e}"))
}

fn ctx() -> TranslateContext {
    TranslateContext {
        today: NaiveDate::from_ymd_opt(2025, 11, 15).expect("date"),
    }
}

fn chart_name(t: &Translation) -> String {
    match t {
        Translation::Answer(a) => format!("{:?}", a.chart),
        _ => String::new(),
    }
}

#[test]
fn corpus_is_large_and_balanced() {
    let cases = cases();
    let refused = cases.iter().filter(|c| c.status == "refused").count();
    assert!(cases.len() >= 200, "{} questions", cases.len());
    assert!(
        refused * 5 >= cases.len(),
        "{refused} of {} refused",
        cases.len()
    );
    for c in &cases {
        assert!(c.status == "answered" || c.status == "refused", "{}", c.q);
        assert_eq!(c.status == "answered", c.sql.is_some(), "{}", c.q);
    }
}

#[test]
fn corpus_questions_translate_as_labelled() {
    let catalog = Catalog::demo();
    let guard = SqlGuard::new(&catalog);
    let mut failures = Vec::new();
    let mut by_status: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for c in cases() {
        let t = translate(&c.q, c.previous.as_deref(), &catalog, &ctx());
        let entry = by_status
            .entry(if c.status == "answered" {
                "answered"
            } else {
                "refused"
            })
            .or_default();
        entry.1 += 1;
        let ok = match (&t, c.status.as_str()) {
            (Translation::Answer(a), "answered") => {
                if let Err(e) = guard.check(&a.sql) {
                    failures.push(format!("{}: guard refused {}: {e}", c.q, a.sql));
                    false
                } else if let Some(chart) = c.chart.as_deref().filter(|ch| *ch != chart_name(&t)) {
                    failures.push(format!(
                        "{}: chart {} expected {chart}",
                        c.q,
                        chart_name(&t)
                    ));
                    false
                } else if a.interpretation.is_empty() || !(2..=4).contains(&a.suggestions.len()) {
                    failures.push(format!("{}: interpretation or suggestions missing", c.q));
                    false
                } else {
                    true
                }
            }
            (Translation::Answer(a), _) => {
                failures.push(format!("{}: should refuse, answered {}", c.q, a.sql));
                false
            }
            (_, "answered") => {
                failures.push(format!("{}: refused: {t:?}", c.q));
                false
            }
            _ => true,
        };
        if ok {
            entry.0 += 1;
        }
    }
    eprintln!("corpus: {by_status:?} (passed, total)");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn suggestions_and_options_are_answerable() {
    let catalog = Catalog::demo();
    let mut failures = Vec::new();
    let mut follow = starter_questions(&catalog);
    for c in cases() {
        match translate(&c.q, c.previous.as_deref(), &catalog, &ctx()) {
            Translation::Answer(a) => follow.extend(a.suggestions),
            Translation::Clarify { options, .. } => follow.extend(options),
            Translation::Unsupported { suggestions, .. } => follow.extend(suggestions),
        }
    }
    follow.sort();
    follow.dedup();
    for q in follow {
        if !matches!(
            translate(&q, None, &catalog, &ctx()),
            Translation::Answer(_)
        ) {
            failures.push(q);
        }
    }
    assert!(failures.is_empty(), "not answerable: {failures:#?}");
}

/// `TRANSLATE_Q="revenue by month" cargo test -p slicewise-core --test translate show -- --nocapture`
#[test]
fn show() {
    if let Ok(q) = std::env::var("TRANSLATE_Q") {
        let prev = std::env::var("TRANSLATE_PREV").ok();
        for q in q.split('|') {
            eprintln!(
                "{q}\n  {:#?}",
                translate(q, prev.as_deref(), &Catalog::demo(), &ctx())
            );
        }
    }
}

proptest::proptest! {
    #[test]
    fn never_panics_on_any_text(s in "\\PC{0,200}", p in proptest::option::of("\\PC{0,60}")) {
        let _ = translate(&s, p.as_deref(), &Catalog::demo(), &ctx());
    }

    #[test]
    fn never_panics_on_question_shaped_text(
        parts in proptest::collection::vec(
            proptest::sample::select(vec![
                "revenue", "orders", "by", "month", "top", "5", "last", "90", "days", "in", "2025",
                "q3", "between", "and", "march", "vs", "share", "of", "germany", "not", "web",
                "over", "500", "recent", "customers", "tickets", "average", "this", "year", "only",
                "what", "about", "instead", "quarter", "-1", "0", "99999999999", "since", "before",
            ]),
            0..14,
        )
    ) {
        let q = parts.join(" ");
        let _ = translate(&q, Some("revenue by month"), &Catalog::demo(), &ctx());
        let _ = translate(&q, None, &Catalog::demo(), &ctx());
    }
}

/// The plan of a question as its SQL, or `None` when it is not answered.
fn answer_sql(q: &str) -> Option<String> {
    match translate(q, None, &Catalog::demo(), &ctx()) {
        Translation::Answer(a) => Some(a.sql),
        _ => None,
    }
}

/// Metamorphic: a catalog synonym in place of a name, another word order, a
/// plural or a one-edit typo gives the same plan or a refusal, never another.
#[test]
fn rewordings_give_the_same_plan_or_a_refusal() {
    let pairs = [
        // synonyms from the catalog
        ("revenue by channel", "revenue by source"),
        ("revenue by country", "sales by market"),
        ("units sold by product", "quantity sold by product"),
        ("tickets by priority", "cases by priority"),
        ("orders in the web channel", "online orders"),
        // word order
        ("revenue by month in Germany", "in Germany revenue by month"),
        ("orders by channel in 2024", "in 2024 orders by channel"),
        ("top 10 customers by revenue", "top 10 customers by revenue"),
        // plurals
        ("revenue by country", "revenue by countries"),
        ("top 10 customers by revenue", "top 10 customer by revenue"),
        ("tickets by topic", "ticket by topic"),
        // one-edit typos
        ("revenue by country", "revenue by contry"),
        ("revenue by channel", "revenue by chanel"),
        ("average discount", "averge discount"),
        (
            "how many distinct customers placed orders in 2025",
            "how many distinct custmers placed orders in 2025",
        ),
    ];
    let mut failures = Vec::new();
    for (base, variant) in pairs {
        let Some(want) = answer_sql(base) else {
            failures.push(format!("{base}: the base question is not answered"));
            continue;
        };
        if let Some(got) = answer_sql(variant) {
            if got != want {
                failures.push(format!("{variant}: {got}\n  differs from {base}: {want}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A word the plan did not take is named in the refusal, never dropped.
#[test]
fn words_nothing_took_are_named() {
    for (q, word) in [
        ("discount by channel", "discount"),
        ("revenue by warehouse", "warehouse"),
    ] {
        match translate(q, None, &Catalog::demo(), &ctx()) {
            Translation::Answer(a) => panic!("{q}: answered {}", a.sql),
            Translation::Clarify { reason, .. } | Translation::Unsupported { reason, .. } => {
                assert!(reason.contains(word), "{q}: {reason}")
            }
        }
    }
}

/// Entities are grouped by their key and shown by their label.
#[test]
fn entities_group_by_key_and_label() {
    let sql = answer_sql("top 10 customers by revenue").unwrap_or_default();
    assert!(sql.contains("GROUP BY customer_id, customer"), "{sql}");
}

/// Every example catalog (retail, banking, saas, and any other folder of
/// examples/), parsed from its file.
fn example_catalogs() -> Vec<(String, Catalog)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut out = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("examples/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("catalog.toml").exists())
        .collect();
    dirs.sort();
    for dir in dirs {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        let text = std::fs::read_to_string(dir.join("catalog.toml")).expect("catalog.toml");
        let catalog = slicewise_core::catalog_file::parse(&text, &name)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        out.push((name, catalog));
    }
    out
}

/// Translates each wording of one question; every answer must be the SQL of
/// the first answered one (refusals are allowed). Returns how many were
/// answered and records each differing answer in `failures`.
fn same_or_refused(
    name: &str,
    catalog: &Catalog,
    wordings: &[String],
    failures: &mut Vec<String>,
) -> usize {
    let sqls: Vec<(&String, String)> = wordings
        .iter()
        .filter_map(|q| match translate(q, None, catalog, &ctx()) {
            Translation::Answer(a) => Some((q, a.sql)),
            _ => None,
        })
        .collect();
    if let Some((q0, s0)) = sqls.first() {
        for (q, s) in &sqls[1..] {
            if s != s0 {
                failures.push(format!("[{name}] {q}: {s}\n  differs from {q0}: {s0}"));
            }
        }
    }
    sqls.len()
}

/// Metamorphic, over every example catalog and every pair of its metrics
/// and dimensions: "M by D", "M per D", "M for each D", "M broken down by
/// D" and the period before or after give one plan or a refusal, never two
/// different answers.
#[test]
fn every_catalog_breakdown_reads_the_same_however_it_is_said() {
    let mut failures = Vec::new();
    let mut answered = 0;
    for (name, catalog) in example_catalogs() {
        let dims: Vec<String> = catalog
            .tables
            .iter()
            .flat_map(|t| t.columns.iter())
            .filter(|c| c.dimension && !c.personal)
            .map(|c| c.name.replace('_', " "))
            .collect();
        for m in &catalog.metrics {
            let metric = m.label.to_lowercase();
            for d in &dims {
                let variants = [
                    format!("{metric} by {d}"),
                    format!("{metric} per {d}"),
                    format!("{metric} for each {d}"),
                    format!("{metric} broken down by {d}"),
                ];
                let dated = [
                    format!("{metric} by {d} in 2024"),
                    format!("in 2024 {metric} by {d}"),
                    format!("{metric} in 2024 by {d}"),
                ];
                for group in [&variants[..], &dated[..]] {
                    answered += same_or_refused(&name, &catalog, group, &mut failures);
                }
            }
        }
    }
    assert!(answered > 1000, "only {answered} variants answered");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Metamorphic, over every example catalog: a ranking of an entity by a
/// figure of other rows reads the same whichever way it is asked.
#[test]
fn every_catalog_ranking_reads_the_same_however_it_is_said() {
    let mut failures = Vec::new();
    let mut answered = 0;
    for (name, catalog) in example_catalogs() {
        let entities: Vec<&str> = catalog
            .tables
            .iter()
            .filter(|t| t.label_column.is_some())
            .map(|t| t.name.as_str())
            .collect();
        for m in catalog.metrics.iter().filter(|m| m.is_additive()) {
            let metric = m.label.to_lowercase();
            for e in entities.iter().filter(|e| **e != m.table) {
                let variants = [
                    format!("top 5 {e} by {metric}"),
                    format!("which 5 {e} have the highest {metric}"),
                    format!("the 5 {e} with the most {metric}"),
                    format!("5 {e} with the highest {metric}"),
                ];
                answered += same_or_refused(&name, &catalog, &variants, &mut failures);
            }
        }
    }
    assert!(answered > 100, "only {answered} variants answered");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every example catalog with its dev questions that stand alone and are
/// answered (no follow-ups, no refusals).
fn dev_questions() -> Vec<(String, Catalog, Vec<String>)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    example_catalogs()
        .into_iter()
        .map(|(name, catalog)| {
            let files = slicewise_core::corpus::dev_files(&root.join(&name)).expect("example dir");
            let questions = files
                .iter()
                .flat_map(|file| {
                    let text = std::fs::read_to_string(file).expect("corpus");
                    slicewise_core::corpus::parse(&text).expect("corpus lines")
                })
                .filter(|c| c.previous.is_none() && c.answerable())
                .map(|c| c.q.trim_end_matches(['?', ' ']).to_string())
                .collect();
            (name, catalog, questions)
        })
        .collect()
}

/// Metamorphic, over every example catalog's dev questions: the first
/// lower-case word of six letters or more typed with its middle letter left
/// out, or two middle letters swapped, gives the same answer or none
/// ("logis" counted companies as "logos", "inoices" summed the amount
/// "invoiced", "ugent" split by agent).
#[test]
fn every_dev_question_reads_the_same_with_one_typo() {
    let mut failures = Vec::new();
    let mut answered = 0;
    for (name, catalog, questions) in dev_questions() {
        for q in &questions {
            let words: Vec<&str> = q.split(' ').collect();
            let Some(i) = words
                .iter()
                .position(|w| w.chars().count() >= 6 && w.chars().all(|c| c.is_ascii_lowercase()))
            else {
                continue;
            };
            let w: Vec<char> = words[i].chars().collect();
            let k = w.len() / 2;
            let mut dropped = w.clone();
            dropped.remove(k);
            let mut swapped = w.clone();
            swapped.swap(k - 1, k);
            let with = |typed: Vec<char>| {
                let mut v: Vec<String> = words.iter().map(|s| s.to_string()).collect();
                v[i] = typed.into_iter().collect();
                v.join(" ")
            };
            let wordings = [q.clone(), with(dropped), with(swapped)];
            answered += same_or_refused(&name, &catalog, &wordings, &mut failures);
        }
    }
    assert!(answered > 2000, "only {answered} wordings answered");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Metamorphic, over every example catalog's own dev questions: a request's
/// lead-in ("show me", "can you tell me") or a closing "please" changes no
/// answer ("show me who left us" counted what "who left us" listed; "…
/// with the company name and plan please" lost its list).
#[test]
fn every_dev_question_reads_the_same_with_courtesy_words() {
    let mut failures = Vec::new();
    let mut answered = 0;
    for (name, catalog, questions) in dev_questions() {
        for q in &questions {
            let wordings = [
                q.clone(),
                format!("show me {q}"),
                format!("{q} please"),
                format!("can you tell me {q}?"),
            ];
            answered += same_or_refused(&name, &catalog, &wordings, &mut failures);
        }
    }
    assert!(answered > 3000, "only {answered} wordings answered");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
