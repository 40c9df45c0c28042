//! Every answered corpus question, translated and run with the pinned Polars
//! on a small deterministic dataset, gives the same result as its reference SQL.
//!
//! This is where the translator's SQL meets the real engine: the core crate's
//! tests only check that it parses and passes the guard.

use std::sync::Arc;

use anyhow::{anyhow, Result};
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int32Array, Int64Array, RecordBatch,
    StringArray, TimestampMicrosecondArray,
};
use arrow_ipc::writer::StreamWriter;
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use slicewise_core::translate::{translate, NaiveDate, TranslateContext, Translation};
use slicewise_core::{corpus, Catalog, QueryResult};
use slicewise_engine::Engine;

const CORPUS: &str = include_str!("../../core/tests/corpus/questions.jsonl");

/// A tiny linear congruential generator: the fixture is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn ipc(fields: Vec<Field>, arrays: Vec<ArrayRef>) -> Result<Vec<u8>> {
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), arrays)?;
    let mut bytes = Vec::new();
    {
        let mut writer = StreamWriter::try_new(&mut bytes, &schema)?;
        writer.write(&batch)?;
        writer.finish()?;
    }
    Ok(bytes)
}

fn ts_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, None)
}

const COUNTRIES: &[&str] = &[
    "Germany",
    "France",
    "United Kingdom",
    "United States",
    "Canada",
    "Spain",
    "Italy",
    "Netherlands",
    "Sweden",
    "Japan",
    "Australia",
    "Brazil",
];
const CATEGORIES: &[&str] = &[
    "Hardware",
    "Software",
    "Services",
    "Accessories",
    "Training",
    "Support",
];

/// The four demo tables as Arrow IPC streams.
fn fixture() -> Result<Vec<(&'static str, Vec<u8>)>> {
    let mut rng = Lcg(42);
    let start = days_from_civil(2023, 1, 1);
    // Data runs from 2023-01-01 up to the corpus's "today", 2025-11-15, exclusive.
    let span = (days_from_civil(2025, 11, 15) - start) as u64;
    let micros =
        |day: u64, seconds: u64| (start + day as i64) * 86_400_000_000 + seconds as i64 * 1_000_000;

    let n_products = 14usize;
    let product_prices: Vec<f64> = (0..n_products).map(|i| 5.0 + (i as f64) * 12.5).collect();
    let products = ipc(
        vec![
            Field::new("product_id", DataType::Int64, false),
            Field::new("name", DataType::Utf8, false),
            Field::new("category", DataType::Utf8, false),
            Field::new("unit_price", DataType::Float64, false),
        ],
        vec![
            Arc::new(Int64Array::from_iter_values(1..=n_products as i64)),
            Arc::new(StringArray::from_iter_values(
                (0..n_products).map(|i| format!("Product {}", (b'A' + i as u8) as char)),
            )),
            Arc::new(StringArray::from_iter_values(
                (0..n_products).map(|i| CATEGORIES[i % CATEGORIES.len()]),
            )),
            Arc::new(Float64Array::from(product_prices.clone())),
        ],
    )?;

    let n_customers = 60usize;
    let signup: Vec<i32> = (0..n_customers)
        .map(|_| (start + rng.below(span) as i64) as i32)
        .collect();
    let customers = ipc(
        vec![
            Field::new("customer_id", DataType::Int64, false),
            Field::new("name", DataType::Utf8, false),
            Field::new("email", DataType::Utf8, false),
            Field::new("country", DataType::Utf8, false),
            Field::new("segment", DataType::Utf8, false),
            Field::new("signup_date", DataType::Date32, false),
            Field::new("privacy_consent", DataType::Boolean, false),
        ],
        vec![
            Arc::new(Int64Array::from_iter_values(1..=n_customers as i64)),
            Arc::new(StringArray::from_iter_values(
                (1..=n_customers).map(|i| format!("Customer {i}")),
            )),
            Arc::new(StringArray::from_iter_values(
                (1..=n_customers).map(|i| format!("c{i}@example.com")),
            )),
            Arc::new(StringArray::from_iter_values(
                // Four customers per country, then twelve more skewed over the
                // first four, so "the country with the most customers" has one answer.
                (0..n_customers).map(|i| {
                    const SKEW: [usize; 12] = [0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3];
                    COUNTRIES[SKEW
                        .get(i.wrapping_sub(48))
                        .copied()
                        .unwrap_or((i * 7) % COUNTRIES.len())]
                }),
            )),
            Arc::new(StringArray::from_iter_values(
                (0..n_customers).map(|i| ["consumer", "smb", "enterprise"][i % 3]),
            )),
            Arc::new(Date32Array::from(signup)),
            Arc::new(BooleanArray::from(
                (0..n_customers).map(|i| i % 4 != 0).collect::<Vec<_>>(),
            )),
        ],
    )?;

    let n_orders = 1500usize;
    let mut cust = Vec::new();
    let mut prod = Vec::new();
    let mut at = Vec::new();
    let mut qty = Vec::new();
    let mut price = Vec::new();
    let mut disc = Vec::new();
    let mut amount = Vec::new();
    let mut channel = Vec::new();
    let mut status = Vec::new();
    for _ in 0..n_orders {
        let c = 1 + rng.below(n_customers as u64) as i64;
        let p = 1 + rng.below(n_products as u64) as i64;
        // More orders lately, so relative periods have data.
        let day = if rng.below(3) == 0 {
            span - 1 - rng.below(120)
        } else {
            rng.below(span)
        };
        let q = 1 + rng.below(5) as i32;
        let unit = product_prices[(p - 1) as usize];
        let d = [0.0, 0.0, 0.1, 0.2][rng.below(4) as usize];
        cust.push(c);
        prod.push(p);
        at.push(micros(day, rng.below(86_400)));
        qty.push(q);
        price.push(unit);
        disc.push(d);
        amount.push(((q as f64) * unit * (1.0 - d) * 100.0).round() / 100.0);
        channel.push(rng.pick(&["web", "web", "mobile", "store", "partner"]));
        status.push(rng.pick(&[
            "completed",
            "completed",
            "completed",
            "completed",
            "completed",
            "refunded",
            "pending",
            "cancelled",
        ]));
    }
    let orders = ipc(
        vec![
            Field::new("order_id", DataType::Int64, false),
            Field::new("customer_id", DataType::Int64, false),
            Field::new("product_id", DataType::Int64, false),
            Field::new("ordered_at", ts_type(), false),
            Field::new("quantity", DataType::Int32, false),
            Field::new("unit_price", DataType::Float64, false),
            Field::new("discount", DataType::Float64, false),
            Field::new("amount", DataType::Float64, false),
            Field::new("channel", DataType::Utf8, false),
            Field::new("status", DataType::Utf8, false),
        ],
        vec![
            Arc::new(Int64Array::from_iter_values(1..=n_orders as i64)),
            Arc::new(Int64Array::from(cust)),
            Arc::new(Int64Array::from(prod)),
            Arc::new(TimestampMicrosecondArray::from(at)),
            Arc::new(Int32Array::from(qty)),
            Arc::new(Float64Array::from(price)),
            Arc::new(Float64Array::from(disc)),
            Arc::new(Float64Array::from(amount)),
            Arc::new(StringArray::from(channel)),
            Arc::new(StringArray::from(status)),
        ],
    )?;

    let n_tickets = 400usize;
    let mut tcust = Vec::new();
    let mut opened = Vec::new();
    let mut closed = Vec::new();
    let mut prio = Vec::new();
    let mut topic = Vec::new();
    let mut sat = Vec::new();
    for _ in 0..n_tickets {
        let o = micros(rng.below(span), rng.below(86_400));
        tcust.push(1 + rng.below(n_customers as u64) as i64);
        opened.push(o);
        let is_closed = rng.below(5) != 0;
        closed.push(is_closed.then(|| o + (1 + rng.below(200)) as i64 * 1_800_000_000));
        prio.push(rng.pick(&["low", "medium", "high", "urgent"]));
        topic.push(rng.pick(&[
            "billing",
            "shipping",
            "product defect",
            "account",
            "returns",
            "other",
        ]));
        sat.push(is_closed.then(|| 1 + rng.below(5) as i32));
    }
    let tickets = ipc(
        vec![
            Field::new("ticket_id", DataType::Int64, false),
            Field::new("customer_id", DataType::Int64, false),
            Field::new("opened_at", ts_type(), false),
            Field::new("closed_at", ts_type(), true),
            Field::new("priority", DataType::Utf8, false),
            Field::new("topic", DataType::Utf8, false),
            Field::new("satisfaction", DataType::Int32, true),
        ],
        vec![
            Arc::new(Int64Array::from_iter_values(1..=n_tickets as i64)),
            Arc::new(Int64Array::from(tcust)),
            Arc::new(TimestampMicrosecondArray::from(opened)),
            Arc::new(TimestampMicrosecondArray::from(closed)),
            Arc::new(StringArray::from(prio)),
            Arc::new(StringArray::from(topic)),
            Arc::new(Int32Array::from(sat)),
        ],
    )?;
    Ok(vec![
        ("orders", orders),
        ("customers", customers),
        ("products", products),
        ("support_tickets", tickets),
    ])
}

fn engine() -> Result<Engine> {
    let mut engine = Engine::new(&Catalog::demo());
    for (name, bytes) in fixture()? {
        engine.load_ipc(name, &bytes)?;
    }
    Ok(engine)
}

#[test]
fn translated_sql_matches_reference_sql() -> Result<()> {
    let catalog = Catalog::demo();
    let ctx = TranslateContext {
        today: NaiveDate::from_ymd_opt(2025, 11, 15).ok_or_else(|| anyhow!("date"))?,
    };
    let mut engine = engine()?;
    let mut failures = Vec::new();
    let (mut answered, mut correct) = (0, 0);
    for case in corpus::parse(CORPUS).map_err(|e| anyhow!(e))? {
        let Some(reference) = case.sql.as_deref().filter(|_| case.answerable()) else {
            continue;
        };
        answered += 1;
        let Translation::Answer(answer) =
            translate(&case.q, case.previous.as_deref(), &catalog, &ctx)
        else {
            failures.push(format!("{}: not answered", case.q));
            continue;
        };
        let mut run = |sql: &str| -> std::result::Result<QueryResult, String> {
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                engine.query(sql, 100_000)
            })) {
                Ok(r) => r.map_err(|e| e.to_string()),
                Err(_) => Err("engine panicked".into()),
            }
        };
        let expected = match run(reference) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!(
                    "{}: reference failed: {e}\n    {reference}",
                    case.q
                ));
                engine = self::engine()?;
                continue;
            }
        };
        match run(&answer.sql) {
            Ok(got) if corpus::same_result(&got, &expected, false) => correct += 1,
            Ok(got) => failures.push(format!(
                "{}: results differ ({} vs {} rows)\n    got: {}\n    ref: {}",
                case.q, got.rows, expected.rows, answer.sql, reference
            )),
            Err(e) => {
                failures.push(format!(
                    "{}: translated SQL failed: {e}\n    {}",
                    case.q, answer.sql
                ));
                engine = self::engine()?;
            }
        }
    }
    eprintln!("{correct} of {answered} answered questions match their reference");
    if !failures.is_empty() {
        return Err(anyhow!(
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        ));
    }
    Ok(())
}
