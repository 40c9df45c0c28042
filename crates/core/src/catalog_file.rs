//! The catalog file: TOML a vendor writes by hand (comments, no quoting of
//! keys, errors by line), read into a [`Catalog`] and checked as a whole.
//!
//! TOML rather than YAML: the `toml` crate is well kept, refuses unknown
//! fields with a line and column, and TOML has no implicit typing, so a
//! known value such as `NO` (Norway) or `1.10` stays the text it was
//! written as.

use std::collections::BTreeSet;
use std::fmt;

use crate::catalog::{Catalog, ColumnType};
use crate::guard::SqlGuard;

/// How bad a problem is: errors stop the server, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem of a catalog file, with where it is and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogProblem {
    pub severity: Severity,
    pub file: String,
    /// 1-based line, when the file has it.
    pub line: Option<usize>,
    /// The field, as `tables[2].columns[0].name`.
    pub field: String,
    pub message: String,
}

impl fmt::Display for CatalogProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match self.line {
            Some(l) => write!(f, "{}:{l}: {kind}: ", self.file)?,
            None => write!(f, "{}: {kind}: ", self.file)?,
        }
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        write!(f, "{}", self.message)
    }
}

/// Every error of a catalog file that keeps it from being served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct CatalogErrors(pub Vec<CatalogProblem>);

/// One step of a field's path.
#[derive(Debug, Clone)]
pub enum Seg {
    Key(&'static str),
    Index(usize),
}

/// A field's path, as problems name it.
#[derive(Debug, Clone, Default)]
pub struct FieldPath(pub Vec<Seg>);

impl FieldPath {
    /// The path extended by a key.
    pub fn key(&self, k: &'static str) -> FieldPath {
        let mut p = self.0.clone();
        p.push(Seg::Key(k));
        FieldPath(p)
    }

    /// The path extended by an index.
    pub fn at(&self, i: usize) -> FieldPath {
        let mut p = self.0.clone();
        p.push(Seg::Index(i));
        FieldPath(p)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, s) in self.0.iter().enumerate() {
            match s {
                Seg::Key(k) if n == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

/// Collects problems and finds their lines in the file's text.
pub struct Report<'a> {
    file: &'a str,
    text: &'a str,
    doc: Option<toml_edit::ImDocument<&'a str>>,
    problems: Vec<CatalogProblem>,
}

impl<'a> Report<'a> {
    /// A report on `text`, read from `file`.
    pub fn new(file: &'a str, text: &'a str) -> Report<'a> {
        Report {
            file,
            text,
            doc: toml_edit::ImDocument::parse(text).ok(),
            problems: Vec::new(),
        }
    }

    fn line_of(&self, path: &FieldPath) -> Option<usize> {
        let doc = self.doc.as_ref()?;
        let mut item = doc.as_item();
        let mut span = None;
        for seg in &path.0 {
            let next = match seg {
                Seg::Key(k) => item.get(*k),
                Seg::Index(i) => item.get(*i),
            };
            match next {
                Some(n) => {
                    item = n;
                    span = n.span().or(span);
                }
                None => break,
            }
        }
        span.map(|s| line_at(self.text, s.start))
    }

    /// Records a problem at a field.
    pub fn add(&mut self, severity: Severity, path: &FieldPath, message: impl Into<String>) {
        let line = self.line_of(path);
        self.problems.push(CatalogProblem {
            severity,
            file: self.file.to_string(),
            line,
            field: path.to_string(),
            message: message.into(),
        });
    }

    /// Records an error.
    pub fn error(&mut self, path: &FieldPath, message: impl Into<String>) {
        self.add(Severity::Error, path, message);
    }

    /// Records a warning.
    pub fn warn(&mut self, path: &FieldPath, message: impl Into<String>) {
        self.add(Severity::Warning, path, message);
    }

    /// Every problem, in file order within each severity.
    pub fn finish(mut self) -> Vec<CatalogProblem> {
        self.problems
            .sort_by_key(|p| (p.severity, p.line.unwrap_or(usize::MAX)));
        self.problems
    }
}

fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()
        .iter()
        .take(offset)
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Reads a catalog file: its syntax and fields, then [`lint`]. Refused when
/// anything is an error; warnings are returned beside the catalog.
pub fn parse_with_warnings(
    text: &str,
    file: &str,
) -> Result<(Catalog, Vec<CatalogProblem>), CatalogErrors> {
    let catalog: Catalog = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_at(text, s.start));
        CatalogErrors(vec![CatalogProblem {
            severity: Severity::Error,
            file: file.to_string(),
            line,
            field: String::new(),
            message: e.message().trim().to_string()
                + "; see `slicewise catalog schema` for every field",
        }])
    })?;
    let problems = lint(&catalog, text, file);
    if problems.iter().any(|p| p.severity == Severity::Error) {
        return Err(CatalogErrors(
            problems
                .into_iter()
                .filter(|p| p.severity == Severity::Error)
                .collect(),
        ));
    }
    Ok((catalog, problems))
}

/// Reads a catalog file, refused when anything is an error.
pub fn parse(text: &str, file: &str) -> Result<Catalog, CatalogErrors> {
    parse_with_warnings(text, file).map(|(c, _)| c)
}

/// Whether a name can be used in SQL unquoted.
pub fn is_plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Every problem of a catalog that needs no database: names, references,
/// types, and metrics, states and examples through the SQL guard.
pub fn lint(catalog: &Catalog, text: &str, file: &str) -> Vec<CatalogProblem> {
    let mut r = Report::new(file, text);
    let root = FieldPath::default();
    crate::catalog_lint::tables(catalog, &mut r, &root);
    crate::catalog_lint::relationships(catalog, &mut r, &root);
    crate::catalog_lint::definitions(catalog, &mut r, &root, &SqlGuard::new(catalog));
    crate::catalog_lint::privacy(catalog, &mut r, &root);
    r.finish()
}

/// Names seen twice in a list, with the index of each repeat.
pub fn repeats<'a>(names: impl Iterator<Item = &'a str>) -> Vec<(usize, &'a str)> {
    let mut seen = BTreeSet::new();
    names
        .enumerate()
        .filter(|(_, n)| !seen.insert(*n))
        .collect()
}

/// Whether a type can hold a moment in time.
pub fn is_temporal(t: ColumnType) -> bool {
    matches!(t, ColumnType::Date | ColumnType::Timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
version = 1

[[tables]]
name = "invoices"
description = "Invoices"
grain = "one invoice"
tenant_column = "org"
primary_key = "invoice_id"
time_column = "issued_on"

  [[tables.columns]]
  name = "invoice_id"
  type = "int"
  description = "Id"

  [[tables.columns]]
  name = "issued_on"
  type = "date"
  description = "Issue date"

  [[tables.columns]]
  name = "total_cents"
  type = "float"
  scale = 100
  unit = "EUR"
  format = "money"
  description = "Total"

[[metrics]]
name = "billed"
label = "Billed"
table = "invoices"
expression = "SUM(total_cents)"
format = "money"
verbs = ["bill"]
"#;

    #[test]
    fn a_minimal_catalog_reads() {
        let c = parse(MINIMAL, "c.toml").expect("valid");
        assert_eq!(c.tables[0].tenant_column.as_deref(), Some("org"));
        assert_eq!(c.tables[0].columns[2].scale, Some(100.0));
        assert_eq!(c.metrics[0].verbs, ["bill"]);
    }

    #[test]
    fn an_unknown_field_is_refused_with_its_line() {
        let text = MINIMAL.replace("grain = \"one invoice\"", "grain = \"x\"\ncolour = \"red\"");
        let e = parse(&text, "c.toml").expect_err("unknown field");
        let p = &e.0[0];
        assert_eq!(p.line, Some(8), "{p}");
        assert!(p.message.contains("colour"), "{p}");
        assert!(
            p.to_string().starts_with("c.toml:8: error: unknown field"),
            "{p}"
        );
    }

    #[test]
    fn a_wrong_type_is_refused() {
        let text = MINIMAL.replace("type = \"date\"", "type = \"datetime\"");
        let e = parse(&text, "c.toml").expect_err("bad type");
        assert!(e.0[0].message.contains("datetime"), "{}", e);
        assert_eq!(e.0[0].line, Some(19));
    }

    #[test]
    fn every_problem_is_reported_at_once_with_lines() {
        let text = MINIMAL
            .replace("tenant_column = \"org\"\n", "")
            .replace(
                "expression = \"SUM(total_cents)\"",
                "expression = \"SUM(nope)\"",
            )
            .replace("time_column = \"issued_on\"", "time_column = \"due_on\"");
        let e = parse(&text, "c.toml").expect_err("three problems");
        let fields: Vec<_> = e.0.iter().map(|p| p.field.as_str()).collect();
        assert!(fields.contains(&"tables[0].name"), "{e}");
        assert!(fields.contains(&"tables[0].time_column"), "{e}");
        assert!(fields.contains(&"metrics[0].expression"), "{e}");
        assert!(e.0.iter().all(|p| p.line.is_some()), "{e}");
        assert!(e.to_string().contains("nope"), "{e}");
    }

    #[test]
    fn a_metric_time_column_must_be_a_date_of_its_table() {
        let text = MINIMAL.replace(
            "verbs = [\"bill\"]",
            "verbs = [\"bill\"]\ntime_column = \"total_cents\"",
        );
        let e = parse(&text, "c.toml").expect_err("not a date");
        assert_eq!(e.0[0].field, "metrics[0].time_column", "{e}");
        let ok = MINIMAL.replace(
            "verbs = [\"bill\"]",
            "verbs = [\"bill\"]\ntime_column = \"issued_on\"",
        );
        assert!(parse(&ok, "c.toml").is_ok());
    }

    #[test]
    fn a_synonym_of_a_metric_and_a_state_is_a_warning() {
        let text = format!(
            "{}synonyms = [\"issued total\"]\n\n[[states]]\nname = \"issued\"\ntable = \"invoices\"\ncondition = \"total_cents > 0\"\nsynonyms = [\"issued total\"]\n",
            MINIMAL
        );
        let (_, warnings) = parse_with_warnings(&text, "c.toml").expect("valid");
        let w: Vec<_> = warnings
            .iter()
            .filter(|p| p.message.contains("issued total"))
            .collect();
        assert_eq!(w.len(), 1, "{warnings:?}");
        assert_eq!(w[0].field, "metrics[0].synonyms[0]");
        assert!(
            w[0].message.contains("metric billed and state issued"),
            "{}",
            w[0].message
        );
        assert!(parse_with_warnings(MINIMAL, "c.toml")
            .expect("valid")
            .1
            .iter()
            .all(|p| !p.message.contains("can mean either")));
    }

    #[test]
    fn identifiers() {
        assert!(is_plain_identifier("bank_id"));
        assert!(is_plain_identifier("_x1"));
        assert!(!is_plain_identifier("1x"));
        assert!(!is_plain_identifier("a b"));
        assert!(!is_plain_identifier("a\"b"));
        assert!(!is_plain_identifier(""));
    }
}
