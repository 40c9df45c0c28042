//! The SQL guard, by property: whatever SQL it admits reads only catalog
//! tables (or CTEs the query defines where they are in scope) and is one
//! read-only SELECT. The texts come from a small grammar that mixes catalog
//! and other tables, CTEs, subqueries, set operations, `TABLE`, table
//! functions, `VALUES`, quoted and schema-qualified names; what a text reads
//! is found by a walk of sqlparser's tree written here, not by the guard.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::ops::ControlFlow;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use slicewise_core::{Catalog, SqlGuard};
use sqlparser::ast::{ObjectName, Query, SetExpr, Statement, TableFactor, Visit, Visitor};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

/// The catalog's tables, also as quoted names.
const CATALOG: &[&str] = &[
    "orders",
    "customers",
    "products",
    "support_tickets",
    "\"orders\"",
    "\"customers\"",
];

/// Names the generated CTEs take, so a reference may be to a CTE in scope,
/// out of it, or to nothing.
const CTE_NAMES: &[&str] = &["c1", "c2", "secret", "\"c1\""];

/// Other relations: unknown, differently cased, schema-qualified.
const OTHERS: &[&str] = &[
    "tenants",
    "pg_user",
    "\"tenants\"",
    "\"Orders\"",
    "ORDERS",
    "public.orders",
    "main.customers",
    "\"public\".\"orders\"",
    "s.tenants",
];

/// A relation name: mostly the catalog's, so that enough texts pass.
fn relation() -> BoxedStrategy<&'static str> {
    prop_oneof![
        8 => proptest::sample::select(CATALOG),
        3 => proptest::sample::select(CTE_NAMES),
        2 => proptest::sample::select(OTHERS),
    ]
    .boxed()
}

/// Table functions and other relations no plain name reads.
const TABLE_FUNCTIONS: &[&str] = &[
    "read_csv('/etc/passwd')",
    "read_parquet('x.parquet')",
    "read_json('x.json')",
    "read_csv_auto('x')",
    "generate_series(1, 3)",
    "orders('x')",
    "UNNEST([1, 2])",
];

/// Column lists and conditions: catalog columns, so that the guard's column
/// check lets through enough texts for the property to bite.
const COLUMNS: &[&str] = &["*", "customer_id", "COUNT(*) AS n", "customer_id, status"];
const CONDITIONS: &[&str] = &["customer_id > 1", "status = 'completed'", "customer_id = 7"];

/// A relation in a FROM clause, with or without an alias.
fn from_item(query: BoxedStrategy<String>) -> BoxedStrategy<String> {
    prop_oneof![
        8 => (relation(), any::<bool>())
            .prop_map(|(r, alias)| if alias { format!("{r} AS t") } else { r.to_string() }),
        1 => proptest::sample::select(TABLE_FUNCTIONS).prop_map(|f| format!("{f} AS f")),
        3 => query.clone().prop_map(|q| format!("({q}) AS d")),
        1 => Just("(VALUES (1), (2)) AS v (customer_id)".to_string()),
        1 => relation().prop_map(|r| format!("(TABLE {r}) AS d")),
    ]
    .boxed()
}

/// One SELECT over a FROM item, maybe joined, maybe filtered by a
/// condition or by a subquery.
fn select(query: BoxedStrategy<String>) -> BoxedStrategy<String> {
    let filter = prop_oneof![
        3 => Just(String::new()),
        2 => proptest::sample::select(CONDITIONS).prop_map(|c| format!(" WHERE {c}")),
        1 => query.clone().prop_map(|q| format!(" WHERE customer_id IN ({q})")),
        1 => query.clone().prop_map(|q| format!(" WHERE EXISTS ({q})")),
    ];
    let join = prop_oneof![
        3 => Just(String::new()),
        1 => from_item(query.clone()).prop_map(|f| format!(" JOIN {f} ON true")),
    ];
    (
        proptest::sample::select(COLUMNS),
        from_item(query),
        join,
        filter,
    )
        .prop_map(|(cols, from, join, filter)| format!("SELECT {cols} FROM {from}{join}{filter}"))
        .boxed()
}

/// A query body: a SELECT, a set operation, `TABLE`, `VALUES`, or a
/// query in parentheses.
fn body(query: BoxedStrategy<String>) -> BoxedStrategy<String> {
    prop_oneof![
        8 => select(query.clone()),
        3 => (select(query.clone()), proptest::sample::select(vec!["UNION", "UNION ALL", "EXCEPT", "INTERSECT"]), select(query.clone()))
            .prop_map(|(a, op, b)| format!("{a} {op} {b}")),
        1 => (select(query.clone()), relation())
            .prop_map(|(a, r)| format!("{a} UNION ALL TABLE {r}")),
        1 => relation().prop_map(|r| format!("TABLE {r}")),
        1 => Just("VALUES (1), (2)".to_string()),
        1 => query.prop_map(|q| format!("({q})")),
    ]
    .boxed()
}

/// A query: maybe a WITH of one or two CTEs, then a body.
fn query() -> BoxedStrategy<String> {
    let leaf = (proptest::sample::select(COLUMNS), relation())
        .prop_map(|(c, r)| format!("SELECT {c} FROM {r}"))
        .boxed();
    leaf.prop_recursive(3, 24, 3, |inner| {
        let name = prop_oneof![
            4 => proptest::sample::select(CTE_NAMES),
            1 => Just("tenants"),
            1 => Just("orders"),
        ];
        let cte = (name, inner.clone()).prop_map(|(name, q)| format!("{name} AS ({q})"));
        let with = prop_oneof![
            2 => Just(String::new()),
            2 => cte.clone().prop_map(|c| format!("WITH {c} ")),
            1 => (cte.clone(), cte).prop_map(|(a, b)| format!("WITH {a}, {b} ")),
        ];
        (with, body(inner))
            .prop_map(|(w, b)| format!("{w}{b}"))
            .boxed()
    })
    .boxed()
}

/// What a query reads that it should not, found independently of the
/// guard by recursive descent with explicit scopes: every relation a name or
/// `TABLE` reads must be a catalog table or a CTE in scope (in a CTE's body,
/// only the CTEs before it in its WITH); every other relation form, and
/// every body that is not a SELECT or a set operation of them, is a finding.
fn walk(query: &Query, outer: &[String], catalog: &BTreeSet<String>, findings: &mut Vec<String>) {
    let mut scope = outer.to_vec();
    let mut cte_bodies = Vec::new();
    if let Some(with) = &query.with {
        let names: Vec<String> = with
            .cte_tables
            .iter()
            .map(|c| c.alias.name.value.clone())
            .collect();
        for (i, cte) in with.cte_tables.iter().enumerate() {
            let visible = if with.recursive {
                &names[..]
            } else {
                &names[..i]
            };
            let inner: Vec<String> = scope.iter().chain(visible).cloned().collect();
            walk(&cte.query, &inner, catalog, findings);
            cte_bodies.push(&*cte.query as *const Query);
        }
        scope.extend(names);
    }
    let mut level = Level {
        root: query,
        cte_bodies,
        scope: &scope,
        catalog,
        findings,
        depth: 0,
    };
    let _ = query.visit(&mut level);
}

/// One query's own level of the walk: what its body, ORDER BY and the like
/// read; nested queries are walked on their own, with this level's scope.
struct Level<'a, 'f> {
    root: &'a Query,
    cte_bodies: Vec<*const Query>,
    scope: &'a [String],
    catalog: &'a BTreeSet<String>,
    findings: &'f mut Vec<String>,
    depth: usize,
}

impl Level<'_, '_> {
    fn name(&mut self, parts: &[&str]) {
        match parts {
            [one] if self.catalog.contains(*one) || self.scope.iter().any(|s| s == one) => {}
            _ => self.findings.push(format!("reads {}", parts.join("."))),
        }
    }

    fn bodies(&mut self, body: &SetExpr) {
        match body {
            SetExpr::Select(s) => {
                if s.into.is_some() {
                    self.findings.push("SELECT INTO writes".into());
                }
            }
            SetExpr::SetOperation { left, right, .. } => {
                self.bodies(left);
                self.bodies(right);
            }
            SetExpr::Query(_) => {}
            SetExpr::Table(t) => {
                let mut parts = Vec::new();
                parts.extend(t.schema_name.as_deref());
                parts.extend(t.table_name.as_deref());
                self.findings.push("a TABLE body".into());
                self.name(&parts);
            }
            other => self.findings.push(format!("a body of {other}")),
        }
    }
}

impl Visitor for Level<'_, '_> {
    type Break = ();

    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        self.depth += 1;
        let own = std::ptr::eq(q, self.root);
        if own {
            self.bodies(&q.body);
        } else if self.depth == 2 && !self.cte_bodies.contains(&(q as *const Query)) {
            walk(q, self.scope, self.catalog, self.findings);
        }
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, name: &ObjectName) -> ControlFlow<()> {
        if self.depth == 1 {
            let parts: Vec<&str> = name.0.iter().map(|i| i.value.as_str()).collect();
            self.name(&parts);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, f: &TableFactor) -> ControlFlow<()> {
        if self.depth == 1 {
            match f {
                TableFactor::Table { args: None, .. }
                | TableFactor::Derived { .. }
                | TableFactor::NestedJoin { .. } => {}
                other => self.findings.push(format!("a relation {other}")),
            }
        }
        ControlFlow::Continue(())
    }
}

/// What an admitted text should not do, by the independent walk.
fn findings(sql: &str, catalog: &BTreeSet<String>) -> Vec<String> {
    let statements = Parser::parse_sql(&GenericDialect {}, sql).expect("admitted SQL parses");
    let [Statement::Query(query)] = statements.as_slice() else {
        return vec![format!("{} statements, or not a query", statements.len())];
    };
    let mut found = Vec::new();
    walk(query, &[], catalog, &mut found);
    found
}

#[test]
fn whatever_the_guard_admits_reads_only_the_catalog() {
    let catalog = Catalog::demo();
    let guard = SqlGuard::new(&catalog);
    let names: BTreeSet<String> = catalog.tables.iter().map(|t| t.name.clone()).collect();
    let (admitted, refused) = (Cell::new(0u32), Cell::new(0u32));
    // A few hundred cases by default; PROPTEST_CASES=20000 for a deeper look.
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(400);
    let mut runner = TestRunner::new(Config {
        cases,
        ..Config::default()
    });
    runner
        .run(&query(), |sql| {
            match guard.check(&sql) {
                Ok(g) => {
                    admitted.set(admitted.get() + 1);
                    let found = findings(&sql, &names);
                    prop_assert!(found.is_empty(), "admitted {sql}\n  but: {found:?}");
                    // The audit's list names every catalog table it reads.
                    for t in &g.tables {
                        prop_assert!(names.contains(t), "{t}");
                    }
                }
                Err(_) => refused.set(refused.get() + 1),
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    // Not vacuous: the grammar reaches both sides of the guard often.
    let (a, r) = (admitted.get(), refused.get());
    eprintln!("admitted {a}, refused {r}");
    assert!(
        a >= cases / 20 && r >= cases / 20,
        "admitted {a}, refused {r}"
    );
}

/// The independent walk finds what it should, so its silence means something.
#[test]
fn the_walk_finds_what_the_guard_must_refuse() {
    let catalog: BTreeSet<String> = Catalog::demo()
        .tables
        .iter()
        .map(|t| t.name.clone())
        .collect();
    for sql in [
        "SELECT * FROM tenants",
        "SELECT * FROM public.orders",
        "SELECT * FROM orders UNION ALL TABLE customers",
        "SELECT * FROM read_csv('/etc/passwd') AS f",
        "SELECT * FROM (VALUES (1)) AS v (a)",
        "SELECT * FROM (WITH c1 AS (SELECT * FROM orders) SELECT * FROM c1) AS d JOIN c1 ON true",
        "WITH c1 AS (SELECT * FROM c1) SELECT * FROM c1",
        "WITH c1 AS (SELECT * FROM orders) SELECT * FROM orders WHERE EXISTS (SELECT * FROM tenants)",
    ] {
        assert!(!findings(sql, &catalog).is_empty(), "{sql}");
    }
    for sql in [
        "SELECT * FROM orders",
        "WITH c1 AS (SELECT * FROM orders) SELECT * FROM c1 WHERE EXISTS (SELECT * FROM c1)",
        "WITH tenants AS (SELECT * FROM customers) SELECT * FROM tenants",
        "WITH c1 AS (SELECT * FROM orders), c2 AS (SELECT * FROM c1) SELECT * FROM c2",
    ] {
        assert_eq!(findings(sql, &catalog), Vec::<String>::new(), "{sql}");
    }
}

/// What the property test found first (the guard read any CTE name of the
/// query as a CTE wherever it stood): a CTE is read only in its scope.
#[test]
fn a_cte_is_read_only_where_it_is_in_scope() {
    let guard = SqlGuard::new(&Catalog::demo());
    let code = |sql: &str| guard.check(sql).map_or_else(|e| e.code(), |_| "ok");
    for sql in [
        // Defined inside another CTE's body, read outside it.
        "WITH secret AS (WITH c1 AS (SELECT * FROM orders) SELECT * FROM c1) SELECT * FROM c1",
        // Defined in a subquery, read beside it.
        "SELECT * FROM (WITH c1 AS (SELECT * FROM orders) SELECT * FROM c1) AS d JOIN c1 ON true",
        // Read by itself or by an earlier sibling (no RECURSIVE).
        "WITH c1 AS (SELECT * FROM c1) SELECT * FROM c1",
        "WITH c1 AS (SELECT * FROM c2), c2 AS (SELECT * FROM orders) SELECT * FROM c1",
    ] {
        assert_eq!(code(sql), "sql_unknown_table", "{sql}");
    }
    for sql in [
        "WITH c1 AS (SELECT * FROM orders), c2 AS (SELECT * FROM c1) SELECT * FROM c2",
        "WITH c1 AS (SELECT * FROM orders) SELECT * FROM c1 WHERE EXISTS (SELECT * FROM c1)",
        "WITH c1 AS (SELECT * FROM orders) SELECT * FROM (SELECT * FROM c1) AS d",
    ] {
        assert_eq!(code(sql), "ok", "{sql}");
    }
}
