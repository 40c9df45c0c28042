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

/// The banking example's scale: bank 1 gets about 36,000 transactions.
const BANKING_SCALE: f64 = 0.2;
const BANKING_TENANT: &str = "1";

/// The banking example, seeded by its own `seed.py` and read through its
/// catalog file: the path a vendor's database takes.
fn banking(
    dir: &Path,
    keys: &ServerKeys,
    rt: &tokio::runtime::Runtime,
    ctx: &TranslateContext,
) -> anyhow::Result<Scored> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/banking");
    let db = dir.join("banking.db");
    let status = std::process::Command::new("python3")
        .arg(root.join("seed.py"))
        .arg("--sqlite")
        .arg(&db)
        .arg("--scale")
        .arg(BANKING_SCALE.to_string())
        .stdout(std::process::Stdio::null())
        .status()?;
    if !status.success() {
        bail!("examples/banking/seed.py failed ({status})");
    }
    let text = std::fs::read_to_string(root.join("catalog.toml"))?;
    let catalog = slicewise_core::catalog_file::parse(&text, "examples/banking/catalog.toml")?;
    let reload = || load_example(&db, &catalog, BANKING_TENANT, keys, rt);
    let mut engine = reload()?;
    let read = |name: &str| -> anyhow::Result<Vec<corpus::Case>> {
        corpus::parse(&std::fs::read_to_string(root.join(name))?).map_err(anyhow::Error::msg)
    };
    let (dev_cases, test_cases) = (read("corpus.jsonl")?, read("testset.jsonl")?);
    let (dev, mut notes, _) = score(&dev_cases, &catalog, ctx, &mut engine, &reload)?;
    // The test set's misses are counted, never listed: nobody tuning the
    // translator should read them.
    let (test, _, _) = score(&test_cases, &catalog, ctx, &mut engine, &reload)?;
    notes
        .iter_mut()
        .for_each(|n| *n = format!("[banking dev] {n}"));
    Ok((dev_cases, dev, test_cases, test, notes))
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
    // The frozen test set: never tuned on, reported apart.
    let test_cases = corpus::parse(TEST_SET).map_err(anyhow::Error::msg)?;
    // Counted, never listed (see `banking`).
    let (test, _, _) = score(&test_cases, &catalog, &ctx, &mut engine, &reload)?;
    let (bank_dev_cases, bank_dev, bank_test_cases, bank_test, bank_notes) =
        banking(dir.path(), &keys, &rt, &ctx)?;
    notes.extend(bank_notes);
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
    print_tally(
        "frozen test set (examples/retail/testset.jsonl, never tuned on)",
        &test_cases,
        &test,
    );
    println!("Translator accuracy, banking example (examples/banking, tenant {BANKING_TENANT}, scale {BANKING_SCALE}), today {today}");
    print_tally(
        "dev corpus (examples/banking/corpus.jsonl)",
        &bank_dev_cases,
        &bank_dev,
    );
    print_tally(
        "frozen test set (examples/banking/testset.jsonl, never tuned on)",
        &bank_test_cases,
        &bank_test,
    );
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
