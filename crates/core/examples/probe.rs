use slicewise_core::translate::{translate, NaiveDate, TranslateContext, Translation};
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let cat_path = &args[1];
    let corpus = &args[2];
    let text = std::fs::read_to_string(cat_path).unwrap();
    let cat = slicewise_core::catalog_file::parse(&text, cat_path).unwrap();
    let ctx = TranslateContext {
        today: NaiveDate::from_ymd_opt(2025, 11, 15).unwrap(),
    };
    let lines: Vec<String> = if corpus.ends_with(".jsonl") {
        std::fs::read_to_string(corpus)
            .unwrap()
            .lines()
            .map(String::from)
            .collect()
    } else {
        args[2..]
            .iter()
            .map(|q| format!("{{\"q\": {:?}, \"status\": \"?\"}}", q))
            .collect()
    };
    for line in lines {
        if !line.starts_with('{') {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        let q = v["q"].as_str().unwrap();
        let st = v["status"].as_str().unwrap();
        let prev = std::env::var("PREV").ok();
        let t = translate(q, prev.as_deref(), &cat, &ctx);
        match t {
            Translation::Answer(a) => {
                println!("A [{st}] {q}\n    {}\n    {}", a.interpretation, a.sql)
            }
            Translation::Clarify { reason, .. } => println!("C [{st}] {q}\n    {reason}"),
            Translation::Unsupported { reason, .. } => println!("U [{st}] {q}\n    {reason}"),
        }
    }
}
