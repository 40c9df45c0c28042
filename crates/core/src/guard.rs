//! The SQL guard: the one gate every SQL passes before any engine runs it.
//!
//! Polars SQL executes `DELETE`, `CREATE TABLE ... AS` and, when compiled in,
//! file-reading table functions. The guard admits exactly one read-only
//! `SELECT` (CTEs allowed) over the catalog's tables and columns, with
//! functions from an allow-list, bounded in length and nesting.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use sqlparser::ast::{
    visit_expressions, Expr, FunctionArguments, ObjectName, Query, SetExpr, Statement, TableFactor,
    Visit, Visitor,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use crate::catalog::Catalog;

mod cte_scope;
use cte_scope::CteScopes;

/// Longest SQL text the guard reads.
pub const MAX_SQL_LEN: usize = 8_000;
/// Deepest nesting of expressions and subqueries the parser accepts.
pub const MAX_NESTING: usize = 40;

/// Scalar, aggregate and window functions a query may call (lower case),
/// besides [`STRING_FUNCTIONS`].
#[rustfmt::skip]
const ALLOWED_FUNCTIONS: &[&str] = &[
    "count", "sum", "avg", "min", "max", "median", "stddev", "stddev_samp", "variance", "var_samp",
    "first", "last", "round", "abs", "ceil", "ceiling", "floor", "sqrt", "power", "pow", "ln",
    "log", "log10", "exp", "sign", "mod", "coalesce", "nullif", "ifnull", "greatest", "least",
    "strftime", "date_trunc", "date_part", "date", "year", "month", "day", "quarter", "week",
    "row_number", "rank", "dense_rank", "lag", "lead", "first_value", "last_value", "array_agg",
    "if", "nvl", "cast", "try_cast", "div",
];

/// The allowed functions that read their arguments as text (lower case);
/// the engine casts column arguments of these to text.
#[rustfmt::skip]
pub const STRING_FUNCTIONS: &[&str] = &[
    "lower", "upper", "length", "char_length", "concat", "trim", "ltrim", "rtrim", "substr",
    "substring", "left", "right", "replace", "starts_with", "ends_with", "strpos", "initcap",
    "reverse", "string_agg",
];

/// Why a SQL text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    #[error("the SQL is empty")]
    Empty,
    #[error("the SQL is {0} characters long; at most {MAX_SQL_LEN} are accepted")]
    TooLong(usize),
    #[error("the SQL cannot be parsed: {0}")]
    Syntax(String),
    #[error("exactly one statement is accepted, found {0}")]
    MultipleStatements(usize),
    #[error("only SELECT queries are accepted, found {0}")]
    NotSelect(String),
    #[error("SELECT ... INTO writes a table and is not accepted")]
    Into,
    #[error("table {0} is not in the catalog")]
    UnknownTable(String),
    #[error("column {0} is not in the catalog")]
    UnknownColumn(String),
    #[error("table functions such as {0} are not accepted")]
    TableFunction(String),
    #[error("function {0} is not accepted")]
    FunctionNotAllowed(String),
    #[error("{0} is not accepted; write SELECT ... FROM a table of the catalog")]
    RelationForm(String),
    /// Polars 0.52 evaluates an aggregate in HAVING over the whole grouped
    /// result, not per group: silently every group or none.
    #[error(
        "HAVING {0} is not accepted; compute the figure in a grouped CTE and filter it with WHERE"
    )]
    HavingAggregate(String),
}

impl GuardError {
    /// A stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            GuardError::Empty => "sql_empty",
            GuardError::TooLong(_) => "sql_too_long",
            GuardError::Syntax(_) => "sql_syntax",
            GuardError::MultipleStatements(_) => "sql_multiple_statements",
            GuardError::NotSelect(_) => "sql_not_select",
            GuardError::Into => "sql_into",
            GuardError::UnknownTable(_) => "sql_unknown_table",
            GuardError::UnknownColumn(_) => "sql_unknown_column",
            GuardError::TableFunction(_) => "sql_table_function",
            GuardError::FunctionNotAllowed(_) => "sql_function_not_allowed",
            GuardError::RelationForm(_) => "sql_relation_form",
            GuardError::HavingAggregate(_) => "sql_having_aggregate",
        }
    }
}

/// A SQL text that passed the guard, with what it reads (for the audit log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardedSql {
    /// The SQL exactly as given.
    pub sql: String,
    /// Catalog tables it reads, sorted.
    pub tables: Vec<String>,
    /// Catalog columns it names, sorted.
    pub columns: Vec<String>,
}

/// The guard for one catalog.
#[derive(Debug, Clone)]
pub struct SqlGuard {
    tables: BTreeSet<String>,
    columns: BTreeSet<String>,
}

impl SqlGuard {
    /// A guard admitting the catalog's tables and columns.
    pub fn new(catalog: &Catalog) -> SqlGuard {
        SqlGuard {
            tables: catalog.tables.iter().map(|t| t.name.clone()).collect(),
            columns: catalog
                .tables
                .iter()
                .flat_map(|t| t.columns.iter().map(|c| c.name.clone()))
                .collect(),
        }
    }

    /// Checks one SQL text; the error says what was refused.
    pub fn check(&self, sql: &str) -> Result<GuardedSql, GuardError> {
        let trimmed = sql.trim();
        if trimmed.is_empty() {
            return Err(GuardError::Empty);
        }
        if sql.chars().count() > MAX_SQL_LEN {
            return Err(GuardError::TooLong(sql.chars().count()));
        }
        let statements = Parser::new(&GenericDialect {})
            .with_recursion_limit(MAX_NESTING)
            .try_with_sql(sql)
            .and_then(|mut p| p.parse_statements())
            .map_err(|e| GuardError::Syntax(e.to_string()))?;
        let statement = match statements.as_slice() {
            [one] => one,
            [] => return Err(GuardError::Empty),
            many => return Err(GuardError::MultipleStatements(many.len())),
        };
        let Statement::Query(query) = statement else {
            return Err(GuardError::NotSelect(statement_kind(statement)));
        };

        // First pass: names the query defines itself (CTEs, aliases).
        let mut names = DefinedNames::default();
        let _ = query.visit(&mut names);
        if names.into {
            return Err(GuardError::Into);
        }

        // Second pass: everything it reads must be in the catalog or defined above.
        let mut check = ReadCheck {
            guard: self,
            defined: &names,
            scopes: CteScopes::default(),
            tables: BTreeSet::new(),
            columns: BTreeSet::new(),
        };
        if let ControlFlow::Break(err) = query.visit(&mut check) {
            return Err(err);
        }
        Ok(GuardedSql {
            sql: sql.to_string(),
            tables: check.tables.into_iter().collect(),
            columns: check.columns.into_iter().collect(),
        })
    }
}

fn statement_kind(statement: &Statement) -> String {
    let text = statement.to_string();
    text.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

fn last_ident(name: &ObjectName) -> String {
    name.0.last().map(|i| i.value.clone()).unwrap_or_default()
}

/// Names a query defines: CTE names and their columns, table and output aliases.
#[derive(Default)]
struct DefinedNames {
    ctes: BTreeSet<String>,
    aliases: BTreeSet<String>,
    into: bool,
}

impl DefinedNames {
    fn visit_set_expr(&mut self, body: &SetExpr) {
        match body {
            SetExpr::Select(select) => {
                if select.into.is_some() {
                    self.into = true;
                }
                for item in &select.projection {
                    if let sqlparser::ast::SelectItem::ExprWithAlias { alias, .. } = item {
                        self.aliases.insert(alias.value.clone());
                    }
                }
                for named in &select.named_window {
                    self.aliases.insert(named.0.value.clone());
                }
            }
            SetExpr::SetOperation { left, right, .. } => {
                self.visit_set_expr(left);
                self.visit_set_expr(right);
            }
            SetExpr::Query(q) => self.visit_set_expr(&q.body),
            _ => {}
        }
    }
}

impl Visitor for DefinedNames {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.ctes.insert(cte.alias.name.value.clone());
                for col in &cte.alias.columns {
                    self.aliases.insert(col.name.value.clone());
                }
            }
        }
        self.visit_set_expr(&query.body);
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        let alias = match factor {
            TableFactor::Table { alias, .. }
            | TableFactor::Derived { alias, .. }
            | TableFactor::NestedJoin { alias, .. } => alias,
            _ => &None,
        };
        if let Some(alias) = alias {
            self.aliases.insert(alias.name.value.clone());
            for col in &alias.columns {
                self.aliases.insert(col.name.value.clone());
            }
        }
        ControlFlow::Continue(())
    }
}

/// Checks every table, column and function a query reads.
struct ReadCheck<'a> {
    guard: &'a SqlGuard,
    defined: &'a DefinedNames,
    scopes: CteScopes,
    tables: BTreeSet<String>,
    columns: BTreeSet<String>,
}

impl ReadCheck<'_> {
    fn check_ident(&mut self, name: &str) -> ControlFlow<GuardError> {
        if self.guard.columns.contains(name) {
            self.columns.insert(name.to_string());
            ControlFlow::Continue(())
        } else if self.defined.aliases.contains(name)
            || self.defined.ctes.contains(name)
            || self.guard.tables.contains(name)
        {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(GuardError::UnknownColumn(name.to_string()))
        }
    }
}

/// Whether an expression calls an aggregate function.
fn has_aggregate(e: &Expr) -> bool {
    const AGGREGATES: [&str; 12] = [
        "count",
        "sum",
        "avg",
        "min",
        "max",
        "median",
        "stddev",
        "stddev_samp",
        "variance",
        "var_samp",
        "first",
        "last",
    ];
    let mut found = false;
    let _ = visit_expressions(e, |x| {
        if let Expr::Function(f) = x {
            let name = last_ident(&f.name).to_lowercase();
            if AGGREGATES.contains(&name.as_str()) {
                found = true;
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    });
    found
}

impl Visitor for ReadCheck<'_> {
    type Break = GuardError;

    fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<GuardError> {
        match statement {
            Statement::Query(_) => ControlFlow::Continue(()),
            other => ControlFlow::Break(GuardError::NotSelect(statement_kind(other))),
        }
    }

    // Every query body is SELECTs, set operations over them or a nested
    // query: `TABLE t` and `VALUES` read relations no table factor names.
    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<GuardError> {
        fn body(b: &SetExpr) -> ControlFlow<GuardError> {
            match b {
                SetExpr::Select(select) => match &select.having {
                    Some(h) if has_aggregate(h) => ControlFlow::Break(GuardError::HavingAggregate(
                        h.to_string().chars().take(60).collect(),
                    )),
                    _ => ControlFlow::Continue(()),
                },
                SetExpr::Query(_) => ControlFlow::Continue(()),
                SetExpr::SetOperation { left, right, .. } => {
                    body(left)?;
                    body(right)
                }
                SetExpr::Table(_) => ControlFlow::Break(GuardError::RelationForm("TABLE".into())),
                SetExpr::Values(_) => ControlFlow::Break(GuardError::RelationForm("VALUES".into())),
                other => ControlFlow::Break(GuardError::RelationForm(
                    other.to_string().chars().take(40).collect(),
                )),
            }
        }
        self.scopes.enter(query);
        body(&query.body)
    }

    fn post_visit_query(&mut self, query: &Query) -> ControlFlow<GuardError> {
        self.scopes.leave(query);
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<GuardError> {
        match factor {
            TableFactor::Table {
                name,
                args,
                with_hints,
                ..
            } => {
                let table = last_ident(name);
                if args.is_some() {
                    return ControlFlow::Break(GuardError::TableFunction(table));
                }
                if name.0.len() > 1 || !with_hints.is_empty() {
                    return ControlFlow::Break(GuardError::UnknownTable(name.to_string()));
                }
                if self.guard.tables.contains(&table) {
                    self.tables.insert(table);
                    ControlFlow::Continue(())
                } else if self.scopes.visible(&table) {
                    ControlFlow::Continue(())
                } else {
                    ControlFlow::Break(GuardError::UnknownTable(table))
                }
            }
            TableFactor::Derived { .. } | TableFactor::NestedJoin { .. } => {
                ControlFlow::Continue(())
            }
            TableFactor::TableFunction { expr, .. } => {
                ControlFlow::Break(GuardError::TableFunction(expr.to_string()))
            }
            TableFactor::Function { name, .. } => {
                ControlFlow::Break(GuardError::TableFunction(name.to_string()))
            }
            other => ControlFlow::Break(GuardError::TableFunction(
                other.to_string().chars().take(40).collect(),
            )),
        }
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<GuardError> {
        match expr {
            Expr::Identifier(ident) => self.check_ident(&ident.value),
            Expr::CompoundIdentifier(parts) => match parts.as_slice() {
                [qualifier, column] => {
                    self.check_ident(&qualifier.value)?;
                    self.check_ident(&column.value)
                }
                _ => ControlFlow::Break(GuardError::UnknownColumn(
                    parts
                        .iter()
                        .map(|p| p.value.as_str())
                        .collect::<Vec<_>>()
                        .join("."),
                )),
            },
            Expr::Function(function) => {
                let name = last_ident(&function.name).to_lowercase();
                let allowed = ALLOWED_FUNCTIONS.contains(&name.as_str())
                    || STRING_FUNCTIONS.contains(&name.as_str());
                if function.name.0.len() != 1 || !allowed {
                    return ControlFlow::Break(GuardError::FunctionNotAllowed(
                        function.name.to_string(),
                    ));
                }
                if let FunctionArguments::Subquery(_) = function.args {
                    return ControlFlow::Break(GuardError::FunctionNotAllowed(name));
                }
                ControlFlow::Continue(())
            }
            _ => ControlFlow::Continue(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> SqlGuard {
        SqlGuard::new(&Catalog::demo())
    }

    fn code(sql: &str) -> &'static str {
        match guard().check(sql) {
            Ok(_) => "ok",
            Err(e) => e.code(),
        }
    }

    #[test]
    fn admits_reads_of_the_catalog() {
        let g = guard()
            .check(
                "WITH m AS (SELECT STRFTIME(ordered_at, '%Y-%m') AS month, SUM(amount) AS revenue \
                 FROM orders o JOIN customers c ON o.customer_id = c.customer_id \
                 WHERE status = 'completed' AND c.country = 'Germany' GROUP BY month) \
                 SELECT month, revenue FROM m ORDER BY month",
            )
            .expect("admitted");
        assert_eq!(g.tables, ["customers", "orders"]);
        assert!(g.columns.contains(&"amount".to_string()));
        assert_eq!(code("SELECT COUNT(*) AS n FROM orders"), "ok");
        assert_eq!(
            code("SELECT EXTRACT(year FROM ordered_at) AS y, COUNT(*) AS n FROM orders GROUP BY y"),
            "ok"
        );
    }

    /// Polars 0.52 reads `HAVING COUNT(*) > 10` as the count of the whole
    /// grouped result: every group or none. Refused with the way to write it;
    /// a HAVING on an output column is read per group and stays admitted.
    #[test]
    fn refuses_an_aggregate_in_having_anywhere() {
        for sql in [
            "SELECT customer_id FROM orders GROUP BY customer_id HAVING COUNT(*) > 10",
            "SELECT COUNT(*) AS n FROM (SELECT customer_id FROM orders GROUP BY customer_id HAVING SUM(amount) > 100) x",
            "WITH g AS (SELECT status FROM orders GROUP BY status HAVING avg(amount) > 5) SELECT * FROM g",
        ] {
            assert_eq!(code(sql), "sql_having_aggregate", "{sql}");
        }
        assert_eq!(
            code("SELECT status, COUNT(*) AS n FROM orders GROUP BY status HAVING n > 10"),
            "ok"
        );
    }

    #[test]
    fn refuses_writes_and_ddl() {
        assert_eq!(code("DELETE FROM orders"), "sql_not_select");
        assert_eq!(
            code("CREATE TABLE x AS SELECT * FROM orders"),
            "sql_not_select"
        );
        assert_eq!(code("DROP TABLE orders"), "sql_not_select");
        assert_eq!(
            code("INSERT INTO orders SELECT * FROM orders"),
            "sql_not_select"
        );
        assert_eq!(code("SELECT * INTO copy FROM orders"), "sql_into");
        assert_eq!(
            code("SELECT 1 AS a FROM orders; DELETE FROM orders"),
            "sql_multiple_statements"
        );
    }

    #[test]
    fn refuses_files_unknown_tables_and_functions() {
        assert_eq!(
            code("SELECT * FROM read_csv('/etc/passwd')"),
            "sql_table_function"
        );
        assert_eq!(
            code("SELECT * FROM read_parquet('x.parquet')"),
            "sql_table_function"
        );
        assert_eq!(code("SELECT * FROM tenants"), "sql_unknown_table");
        assert_eq!(code("SELECT * FROM other.orders"), "sql_unknown_table");
        assert_eq!(code("SELECT tenant_id FROM orders"), "sql_unknown_column");
        assert_eq!(
            code("SELECT pg_sleep(10) AS s FROM orders"),
            "sql_function_not_allowed"
        );
        assert_eq!(
            code("SELECT read_csv('x') AS s FROM orders"),
            "sql_function_not_allowed"
        );
    }

    #[test]
    fn refuses_relations_no_table_factor_names() {
        for sql in [
            "TABLE customers",
            "SELECT order_id FROM orders UNION ALL TABLE tenants",
            "SELECT order_id FROM orders UNION ALL TABLE customers",
            "WITH c AS (TABLE customers) SELECT * FROM c",
            "SELECT * FROM (TABLE customers) x",
            "SELECT * FROM (VALUES (1), (2)) v",
            "VALUES (1)",
        ] {
            // Refused: by the parser where it does not know the form.
            assert!(
                ["sql_relation_form", "sql_syntax"].contains(&code(sql)),
                "{sql}: {}",
                code(sql)
            );
        }
        // The forms that read past the catalog before (issue 16).
        for sql in [
            "SELECT order_id FROM orders UNION ALL TABLE tenants",
            "WITH c AS (TABLE s.customers) SELECT * FROM c",
            "SELECT * FROM orders UNION TABLE customers",
        ] {
            assert_eq!(code(sql), "sql_relation_form", "{sql}");
        }
        // Set operations over SELECTs stay admitted.
        assert!(guard()
            .check("SELECT order_id FROM orders UNION ALL SELECT order_id FROM orders")
            .is_ok());
    }

    #[test]
    fn refuses_empty_long_broken_and_deep() {
        assert_eq!(code("  "), "sql_empty");
        assert_eq!(code("SELEC amount FROM orders"), "sql_syntax");
        let long = format!(
            "SELECT amount FROM orders WHERE {}",
            "amount > 1 AND ".repeat(800)
        );
        assert_eq!(code(&long), "sql_too_long");
        let deep = format!(
            "SELECT {}1{} AS x FROM orders",
            "(".repeat(200),
            ")".repeat(200)
        );
        assert_eq!(code(&deep), "sql_syntax");
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_text(s in "\\PC{0,300}") {
            let _ = guard().check(&s);
        }

        #[test]
        fn never_panics_on_sql_shaped_text(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "SELECT", "FROM", "orders", "WHERE", "(", ")", "amount", ",", "*", "JOIN",
                    "ON", "=", "'x'", "1", "GROUP BY", "WITH", "AS", "UNION", "DELETE", ";",
                    "read_csv(", "INTO", "SUM(", "OVER", "PARTITION BY",
                ]),
                0..40,
            )
        ) {
            let _ = guard().check(&parts.join(" "));
        }
    }
}
