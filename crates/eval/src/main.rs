//! `slicewise-eval` (run by `cargo xtask eval`): the labelled corpus through
//! the built-in translator, each answer's SQL and the reference SQL run with
//! native Polars on the demo data, translator latency, and `/api/v1/ask`
//! throughput on loopback.

mod throughput;

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail};
use slicewise_core::translate::{translate, NaiveDate, TranslateContext, Translation};
use slicewise_core::wire::Privacy;
use slicewise_core::{corpus, Catalog, QueryResult};
use slicewise_demo_seed::seed_sqlite;
use slicewise_engine::Engine;
use slicewise_server::source_sqlite::SqliteSource;
use slicewise_server::{build_extract, DataSource, ServerKeys};

const CORPUS: &str = include_str!("../../core/tests/corpus/questions.jsonl");
/// The frozen test set, written without reading the translator.
const TEST_SET: &str = include_str!("../../../examples/retail/testset.jsonl");
/// The corpus's "today".
const TODAY: (i32, u32, u32) = (2025, 11, 15);
/// Demo data scale: acme gets 20,000 orders.
const SCALE: f64 = 0.02;
const TENANT: &str = "acme";

/// What happened to one question.
#[derive(Debug, Default)]
struct Tally {
    correct: usize,
    wrong: usize,
    refused_but_answerable: usize,
    answered_but_should_refuse: usize,
    refused_correctly: usize,
    reference_failed: usize,
    /// Reference SQL whose answer by the engine's own group-by (the
    /// default) differs from Polars' own group-by's.
    aggregation_differs: usize,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[(((sorted.len() - 1) as f64) * p).round() as usize]
}

/// The tenant's extract, built by the server's code, loaded into the engine.
fn load_engine(
    db: &Path,
    keys: &ServerKeys,
    rt: &tokio::runtime::Runtime,
) -> anyhow::Result<Engine> {
    load_example(db, &Catalog::demo(), TENANT, keys, rt)
}

/// A tenant's extract of any example, through its catalog, in the engine.
fn load_example(
    db: &Path,
    catalog: &Catalog,
    tenant: &str,
    keys: &ServerKeys,
    rt: &tokio::runtime::Runtime,
) -> anyhow::Result<Engine> {
    let source = DataSource::Sqlite(SqliteSource::new(db));
    let extract = rt.block_on(build_extract(
        catalog,
        &source,
        tenant,
        Privacy::Standard,
        &keys.pseudonym_key,
    ))?;
    let mut engine = Engine::new(catalog);
    for t in &extract.tables {
        engine.load_ipc(&t.name, &t.bytes)?;
    }
    Ok(engine)
}

/// The SQL of the one kind of row whose labels hold an answer's typed
/// name, as the widget picks it: each kind's count run on the extract.
fn named_sql(engine: &mut Engine, a: &slicewise_core::translate::Answer) -> Option<String> {
    let names = a.names.as_ref()?;
    let found: Vec<bool> = names
        .candidates
        .iter()
        .map(|c| run(engine, &c.check_sql).is_ok_and(|r| c.found(&r)))
        .collect();
    match names.pick(&found) {
        slicewise_core::wire::NamePick::One(c) => Some(c.sql.clone()),
        _ => None,
    }
}

fn run(engine: &mut Engine, sql: &str) -> Result<QueryResult, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        engine.query(sql, 1_000_000)
    })) {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => Err("engine panicked".into()),
    }
}

/// Each case through the translator, its SQL and the reference run on the
/// same extract, tallied.
fn score(
    cases: &[corpus::Case],
    catalog: &Catalog,
    ctx: &TranslateContext,
    engine: &mut Engine,
    reload: &dyn Fn() -> anyhow::Result<Engine>,
) -> anyhow::Result<(Tally, Vec<String>, Vec<f64>)> {
    let mut tally = Tally::default();
    let mut latencies_us = Vec::with_capacity(cases.len());
    let mut notes = Vec::new();
    for case in cases {
        let t0 = Instant::now();
        let translation = translate(&case.q, case.previous.as_deref(), catalog, ctx);
        latencies_us.push(t0.elapsed().as_secs_f64() * 1e6);
        let answerable = case.answerable();
        // A typed name: as the widget does, the kind whose labels hold it;
        // none or several is said or asked, never answered.
        let translation = match translation {
            Translation::Answer(mut a) if a.names.is_some() => match named_sql(engine, &a) {
                Some(sql) => {
                    a.sql = sql;
                    Translation::Answer(a)
                }
                None => Translation::Unsupported {
                    reason: "no single kind of row has that name".into(),
                    suggestions: Vec::new(),
                },
            },
            t => t,
        };
        let answer = match translation {
            Translation::Answer(a) => a,
            _ if answerable => {
                tally.refused_but_answerable += 1;
                notes.push(format!("refused but answerable: {}", case.q));
                continue;
            }
            _ => {
                tally.refused_correctly += 1;
                continue;
            }
        };
        let Some(reference) = case.sql.as_deref().filter(|_| answerable) else {
            tally.answered_but_should_refuse += 1;
            notes.push(format!(
                "answered but should refuse: {}\n    {}",
                case.q, answer.sql
            ));
            continue;
        };
        let expected = match run(engine, reference) {
            Ok(r) => r,
            Err(e) => {
                tally.reference_failed += 1;
                notes.push(format!("reference failed: {}: {e}", case.q));
                *engine = reload()?;
                continue;
            }
        };
        // The same SQL with Polars' own group-bys and distinct counts.
        engine.set_own_aggregation(false);
        let polars_own = run(engine, reference);
        engine.set_own_aggregation(true);
        match polars_own {
            Ok(r) if corpus::same_result(&r, &expected, corpus::orders_rows(reference)) => {}
            Ok(r) => {
                tally.aggregation_differs += 1;
                notes.push(format!(
                    "the engine's group-by differs from Polars' ({} vs {} rows): {reference}",
                    expected.rows, r.rows
                ));
            }
            Err(e) => {
                tally.aggregation_differs += 1;
                notes.push(format!("Polars' own group-by failed ({e}): {reference}"));
                *engine = reload()?;
            }
        }
        match run(engine, &answer.sql) {
            Ok(got) if corpus::same_result(&got, &expected, corpus::orders_rows(reference)) => {
                tally.correct += 1
            }
            Ok(got) => {
                tally.wrong += 1;
                notes.push(format!(
                    "wrong: {} ({} vs {} rows)\n    got: {}\n    ref: {reference}",
                    case.q, got.rows, expected.rows, answer.sql
                ));
            }
            Err(e) => {
                tally.wrong += 1;
                notes.push(format!(
                    "wrong (SQL failed: {e}): {}\n    {}",
                    case.q, answer.sql
                ));
                *engine = reload()?;
            }
        }
    }
    Ok((tally, notes, latencies_us))
}

fn print_tally(name: &str, cases: &[corpus::Case], tally: &Tally) {
    let answerable = cases.iter().filter(|c| c.answerable()).count();
    println!(
        "{name}: {} questions ({answerable} answerable, {} to refuse)",
        cases.len(),
        cases.len() - answerable
    );
    println!("  correct                     {}", tally.correct);
    println!("  wrong                       {}", tally.wrong);
    println!(
        "  refused but answerable      {}",
        tally.refused_but_answerable
    );
    println!(
        "  answered but should refuse  {}",
        tally.answered_but_should_refuse
    );
    println!("  refused correctly           {}", tally.refused_correctly);
    if tally.reference_failed > 0 {
        println!("  reference SQL failed        {}", tally.reference_failed);
    }
    println!(
        "  accuracy over answerable    {:.1}%",
        100.0 * tally.correct as f64 / answerable.max(1) as f64
    );
}

/// A question set's cases and tally, dev then test, and the notes.
type Scored = (
    Vec<corpus::Case>,
    Tally,
    Vec<corpus::Case>,
    Tally,
    Vec<String>,
);

/// An example folder of `examples/` seeded by its own `seed.py` and read
/// through its catalog file (the path a vendor's database takes), and the
/// tenant and scale it is scored on.
struct Example {
    name: &'static str,
    tenant: &'static str,
    scale: f64,
}

/// Every example besides retail: banking (bank 1 gets about 36,000
/// transactions at 0.2) and saas (workspace Ledgerly: 210 companies, about
/// 76,000 product events and 2,300 conversations at 0.5).
const EXAMPLES: &[Example] = &[
    Example {
        name: "banking",
        tenant: "1",
        scale: 0.2,
    },
    Example {
        name: "saas",
        tenant: "5f0c2a7e-1b3d-4c8e-9a41-2d6b7e8f9c01",
        scale: 0.5,
    },
];

/// One example's question sets and tallies.
struct ExampleScore {
    example: &'static Example,
    /// The dev corpora read (`corpus*.jsonl`), relative to the repository.
    dev_files: Vec<String>,
    scored: Scored,
}

/// The example's dev corpora: every `corpus*.jsonl` of its folder, by name
/// (so that further dev files can be dropped in beside `corpus.jsonl`).
fn dev_corpora(root: &Path) -> anyhow::Result<Vec<std::path::PathBuf>> {
    Ok(slicewise_core::corpus::dev_files(root)?)
}

/// An example, seeded by its own `seed.py` at its scale into `dir`, its
/// tenant's extract built through its catalog file, and its question sets
/// scored: the dev corpora (misses listed under --verbose) and the frozen
/// test set (counted only).
fn score_example(
    example: &'static Example,
    dir: &Path,
    keys: &ServerKeys,
    rt: &tokio::runtime::Runtime,
    ctx: &TranslateContext,
) -> anyhow::Result<ExampleScore> {
    let name = example.name;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    let db = dir.join(format!("{name}.db"));
    let status = std::process::Command::new("python3")
        .arg(root.join("seed.py"))
        .arg("--sqlite")
        .arg(&db)
        .arg("--scale")
        .arg(example.scale.to_string())
        .stdout(std::process::Stdio::null())
        .status()?;
    if !status.success() {
        bail!("examples/{name}/seed.py failed ({status})");
    }
    let text = std::fs::read_to_string(root.join("catalog.toml"))?;
    let catalog =
        slicewise_core::catalog_file::parse(&text, &format!("examples/{name}/catalog.toml"))?;
    let reload = || load_example(&db, &catalog, example.tenant, keys, rt);
    let mut engine = reload()?;
    let read = |path: &Path| -> anyhow::Result<Vec<corpus::Case>> {
        corpus::parse(&std::fs::read_to_string(path)?)
            .map_err(|e| anyhow!("{}: {e}", path.display()))
    };
    let mut dev_cases = Vec::new();
    let mut dev_files = Vec::new();
    for path in dev_corpora(&root)? {
        dev_cases.extend(read(&path)?);
        let file = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        dev_files.push(format!("examples/{name}/{file}"));
    }
    let test_cases = read(&root.join("testset.jsonl"))?;
    let (dev, mut notes, _) = score(&dev_cases, &catalog, ctx, &mut engine, &reload)?;
    // The test set's misses are counted, never listed: nobody tuning the
    // translator should read them.
    let (test, _, _) = score(&test_cases, &catalog, ctx, &mut engine, &reload)?;
    notes
        .iter_mut()
        .for_each(|n| *n = format!("[{name} dev] {n}"));
    Ok(ExampleScore {
        example,
        dev_files,
        scored: (dev_cases, dev, test_cases, test, notes),
    })
}

fn main() -> anyhow::Result<()> {
    let verbose = std::env::args().any(|a| a == "--verbose" || a == "-v");
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("eval.db");
    let started = Instant::now();
    seed_sqlite(&db, SCALE, false)?;
    let (keys, _) = ServerKeys::load_or_create(&dir.path().join("keys"))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut engine = load_engine(&db, &keys, &rt)?;
    let orders = engine
        .tables()
        .iter()
        .find(|t| t.name == "orders")
        .map_or(0, |t| t.rows);
    eprintln!(
        "seeded scale {SCALE} and loaded {TENANT}'s extract ({orders} orders) in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let catalog = Catalog::demo();
    let today =
        NaiveDate::from_ymd_opt(TODAY.0, TODAY.1, TODAY.2).ok_or_else(|| anyhow!("date"))?;
    let ctx = TranslateContext { today };
    let reload = || load_engine(&db, &keys, &rt);
    let cases = corpus::parse(CORPUS).map_err(anyhow::Error::msg)?;
    let (tally, mut notes, mut latencies_us) = score(&cases, &catalog, &ctx, &mut engine, &reload)?;
    // More development questions, written later from the catalog and the
    // data by someone who never read the translator (listed with --verbose).
    let retail = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/retail");
    let fresh_files = dev_corpora(&retail)?;
    let mut fresh_cases = Vec::new();
    for f in &fresh_files {
        let text = std::fs::read_to_string(f)?;
        fresh_cases.extend(corpus::parse(&text).map_err(|e| anyhow!("{}: {e}", f.display()))?);
    }
    let (fresh, fresh_notes, _) = score(&fresh_cases, &catalog, &ctx, &mut engine, &reload)?;
    notes.extend(
        fresh_notes
            .into_iter()
            .map(|n| format!("[retail fresh] {n}")),
    );
    // The frozen test set: never tuned on, reported apart.
    let test_cases = corpus::parse(TEST_SET).map_err(anyhow::Error::msg)?;
    // Counted, never listed (see `score_example`).
    let (test, _, _) = score(&test_cases, &catalog, &ctx, &mut engine, &reload)?;
    let mut examples = Vec::new();
    for example in EXAMPLES {
        let mut scored = score_example(example, dir.path(), &keys, &rt, &ctx)?;
        notes.append(&mut scored.scored.4);
        examples.push(scored);
    }
    latencies_us.sort_by(f64::total_cmp);
    if verbose {
        for n in &notes {
            eprintln!("{n}");
        }
    }

    let questions: Vec<String> = cases.iter().map(|c| c.q.clone()).collect();
    let load = rt.block_on(throughput::measure(
        &db,
        keys,
        &questions,
        Duration::from_secs(5),
    ))?;

    println!("Translator accuracy, retail example, today {today}, demo data scale {SCALE} ({orders} orders for {TENANT})");
    print_tally(
        "dev corpus (crates/core/tests/corpus/questions.jsonl)",
        &cases,
        &tally,
    );
    println!(
        "  engine's group-bys vs Polars' {} of {} reference queries differ",
        tally.aggregation_differs,
        tally.correct + tally.wrong
    );
    let fresh_names: Vec<String> = fresh_files
        .iter()
        .filter_map(|f| f.file_name().and_then(|n| n.to_str()))
        .map(|n| format!("examples/retail/{n}"))
        .collect();
    print_tally(
        &format!("fresh dev corpus ({})", fresh_names.join(", ")),
        &fresh_cases,
        &fresh,
    );
    print_tally(
        "frozen test set (examples/retail/testset.jsonl, never tuned on)",
        &test_cases,
        &test,
    );
    for ExampleScore {
        example,
        dev_files,
        scored: (dev_cases, dev, test_cases, test, _),
    } in &examples
    {
        let Example {
            name,
            tenant,
            scale,
        } = example;
        println!("Translator accuracy, {name} example (examples/{name}, tenant {tenant}, scale {scale}), today {today}");
        print_tally(
            &format!("dev corpus ({})", dev_files.join(", ")),
            dev_cases,
            dev,
        );
        print_tally(
            &format!("frozen test set (examples/{name}/testset.jsonl, never tuned on)"),
            test_cases,
            test,
        );
    }
    println!(
        "Translator latency: p50 {:.0} µs, p99 {:.0} µs (max {:.0} µs)",
        percentile(&latencies_us, 0.5),
        percentile(&latencies_us, 0.99),
        latencies_us.last().copied().unwrap_or(0.0)
    );
    println!("{load}");
    if !verbose && !notes.is_empty() {
        eprintln!("({} notes; --verbose lists them)", notes.len());
    }
    if tally.aggregation_differs > 0 {
        bail!(
            "the engine's group-by answered {} reference queries unlike Polars' own",
            tally.aggregation_differs
        );
    }
    if tally.wrong > 0 || tally.answered_but_should_refuse > 0 {
        bail!(
            "the translator gave {} wrong answers and answered {} questions it should refuse",
            tally.wrong,
            tally.answered_but_should_refuse
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every example's catalog file (retail, banking, saas, and any folder
    /// added to `examples/`) parses and passes the checks that need no
    /// database; every example the eval scores has a folder.
    #[test]
    fn example_catalogs_parse() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
        let mut parsed = Vec::new();
        for entry in std::fs::read_dir(&root).expect("examples/") {
            let dir = entry.expect("examples/ entry").path();
            let path = dir.join("catalog.toml");
            if !path.exists() {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read catalog.toml");
            let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("?");
            slicewise_core::catalog_file::parse(&text, &format!("examples/{name}/catalog.toml"))
                .unwrap_or_else(|e| panic!("examples/{name}/catalog.toml: {e}"));
            parsed.push(name.to_string());
        }
        for name in ["retail", "banking", "saas"] {
            assert!(
                parsed.iter().any(|p| p == name),
                "examples/{name}/catalog.toml"
            );
        }
        for example in super::EXAMPLES {
            assert!(parsed.iter().any(|p| p == example.name), "{}", example.name);
        }
    }
}
