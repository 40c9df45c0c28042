//! Rewrites of guarded SQL for Polars 0.52 in the engine. The guard has
//! already checked the original text; these only change how it runs.
//!
//! 1. Keep group-bys on the in-memory engine. Polars 0.52 sends a group-by
//!    whose keys are plain columns and whose aggregates can all be
//!    pre-aggregated (SUM, MIN, MAX, COUNT(*), ...) to its streaming engine,
//!    which a wasm build cannot include: it panics ("Missing feature
//!    new-streaming") and a panic kills the wasm instance. One aggregate that
//!    cannot be pre-aggregated keeps the whole group-by in memory, so every
//!    grouped SELECT gets a hidden `COUNT(<first key>)` column, dropped from
//!    the result. Most group-bys then run as the engine's own
//!    (crate::aggregate), which counts that column at no cost; the rest stay
//!    in Polars' in-memory engine.
//! 2. `STRFTIME(x, '<format>')` becomes the engine's own STRFTIME
//!    (crate::strftime), which formats each distinct period once.
//! 3. `DATE_TRUNC('<unit>', x)`, which Polars SQL lacks, becomes the
//!    engine's (crate::date_trunc) with its arguments swapped, so the result
//!    is named after `x` as Polars names other functions' results.
//! 4. `GROUP BY <alias>` of a SELECT item `<expr> AS <alias>` becomes
//!    `GROUP BY <expr>`, as DuckDB and PostgreSQL read it (Polars looks the
//!    name up among the input's columns only and fails). A name that is a
//!    column of the catalog keeps meaning that column, as in PostgreSQL.
//! 5. Columns read as text get `CAST(col AS VARCHAR)`: the operand of LIKE,
//!    ILIKE and `||`, and the arguments of string functions. Labels load as
//!    categoricals (fast group-bys and filters), and Polars' string
//!    functions refuse categoricals ("expected String type, got: cat"); on
//!    a column that is text already the cast does nothing.

use std::ops::ControlFlow;

use sqlparser::ast::{
    visit_expressions, BinaryOperator, CastKind, DataType, Expr, Function, FunctionArg,
    FunctionArgExpr, FunctionArgumentList, FunctionArguments, GroupByExpr, Ident, ObjectName,
    Query, SelectItem, SetExpr, Value, VisitMut, VisitorMut,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use slicewise_core::guard::STRING_FUNCTIONS;

use crate::{date_trunc, strftime};

/// Prefix of the hidden columns; the engine drops them from results.
pub const HIDDEN_PREFIX: &str = "__sw_in_memory";

/// The SQL with the rewrites of this module (a hidden non-partitionable
/// aggregate in every grouped SELECT, the engine's STRFTIME and DATE_TRUNC,
/// GROUP BY aliases, text casts); the text unchanged when none applies (or
/// it cannot be parsed). `is_column` tells the catalog's column names.
pub fn for_polars(sql: &str, is_column: &dyn Fn(&str) -> bool) -> String {
    let Ok(mut statements) = Parser::parse_sql(&GenericDialect {}, sql) else {
        return sql.to_string();
    };
    let mut rewriter = Rewriter {
        changed: false,
        is_column,
    };
    let _ = statements.visit(&mut rewriter);
    if !rewriter.changed {
        return sql.to_string();
    }
    statements
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

struct Rewriter<'a> {
    changed: bool,
    is_column: &'a dyn Fn(&str) -> bool,
}

impl Rewriter<'_> {
    fn rewrite(&mut self, body: &mut SetExpr) {
        match body {
            SetExpr::Select(select) => {
                if let GroupByExpr::Expressions(keys, _) = &mut select.group_by {
                    for key in keys {
                        if let Some(expr) = aliased(key, &select.projection, self.is_column) {
                            *key = expr;
                            self.changed = true;
                        }
                    }
                }
                let counted = match &select.group_by {
                    // A column the first key reads: counting the key itself
                    // would evaluate its expression (DATE_TRUNC, UPPER) twice.
                    GroupByExpr::Expressions(keys, _) => keys
                        .first()
                        .map(|key| first_column(key).unwrap_or_else(|| key.clone())),
                    GroupByExpr::All(_) => None,
                };
                if let Some(counted) = counted {
                    select.projection.push(SelectItem::ExprWithAlias {
                        expr: count_of(counted),
                        alias: Ident::new(HIDDEN_PREFIX),
                    });
                    self.changed = true;
                }
            }
            SetExpr::SetOperation { left, right, .. } => {
                self.rewrite(left);
                self.rewrite(right);
            }
            _ => {}
        }
    }
}

/// The expression a GROUP BY key names by its alias, unless the name is a
/// column of the catalog or the item is that very column.
fn aliased(
    key: &Expr,
    projection: &[SelectItem],
    is_column: &dyn Fn(&str) -> bool,
) -> Option<Expr> {
    let Expr::Identifier(name) = key else {
        return None;
    };
    if is_column(&name.value) {
        return None;
    }
    projection.iter().find_map(|item| match item {
        SelectItem::ExprWithAlias { expr, alias } if alias.value == name.value => match expr {
            Expr::Identifier(column) if column.value == name.value => None,
            _ => Some(expr.clone()),
        },
        _ => None,
    })
}

impl VisitorMut for Rewriter<'_> {
    type Break = ();

    fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        self.rewrite(&mut query.body);
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        match expr {
            Expr::Function(function) if is_strftime_with_literal_format(function) => {
                function.name = ObjectName(vec![Ident::new(strftime::UDF_NAME)]);
                self.changed = true;
            }
            Expr::Function(function) if is_date_trunc_with_literal_unit(function) => {
                function.name = ObjectName(vec![Ident::new(date_trunc::UDF_NAME)]);
                if let FunctionArguments::List(list) = &mut function.args {
                    list.args.swap(0, 1);
                }
                self.changed = true;
            }
            Expr::Function(function) if is_string_function(function) => {
                if let FunctionArguments::List(list) = &mut function.args {
                    for arg in &mut list.args {
                        if let FunctionArg::Unnamed(FunctionArgExpr::Expr(arg)) = arg {
                            self.changed |= as_text(arg);
                        }
                    }
                }
            }
            Expr::Like { expr, .. }
            | Expr::ILike { expr, .. }
            | Expr::SimilarTo { expr, .. }
            | Expr::Substring { expr, .. }
            | Expr::Trim { expr, .. } => self.changed |= as_text(expr),
            Expr::BinaryOp {
                left,
                op: BinaryOperator::StringConcat,
                right,
            } => {
                self.changed |= as_text(left);
                self.changed |= as_text(right);
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// A function of the guard's [`STRING_FUNCTIONS`], which read their arguments as text.
fn is_string_function(function: &Function) -> bool {
    single_name(function).is_some_and(|name| {
        STRING_FUNCTIONS
            .iter()
            .any(|f| name.eq_ignore_ascii_case(f))
    })
}

/// The name of a function called without a schema or other qualifier.
fn single_name(function: &Function) -> Option<&str> {
    match function.name.0.as_slice() {
        [name] => Some(name.value.as_str()),
        _ => None,
    }
}

/// Wraps a column reference in `CAST(.. AS VARCHAR)`; whether it did.
fn as_text(expr: &mut Expr) -> bool {
    if !matches!(expr, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) {
        return false;
    }
    let column = std::mem::replace(expr, Expr::Value(Value::Null));
    *expr = Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(column),
        data_type: DataType::Varchar(None),
        format: None,
    };
    true
}

/// `STRFTIME(<expr>, '<format>')`, the only form Polars SQL accepts.
fn is_strftime_with_literal_format(function: &Function) -> bool {
    two_args_one_literal(function, "strftime", 1)
}

/// `DATE_TRUNC('<unit>', <expr>)`.
fn is_date_trunc_with_literal_unit(function: &Function) -> bool {
    two_args_one_literal(function, "date_trunc", 0)
}

/// A plain call of `name` with two positional arguments, the one at
/// `literal` (0 or 1) a string literal.
fn two_args_one_literal(function: &Function, name: &str, literal: usize) -> bool {
    let named = single_name(function).is_some_and(|n| n.eq_ignore_ascii_case(name));
    if !named || function.over.is_some() {
        return false;
    }
    let FunctionArguments::List(list) = &function.args else {
        return false;
    };
    let [first, second] = list.args.as_slice() else {
        return false;
    };
    let is_literal = |arg: &FunctionArg| {
        matches!(
            arg,
            FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(
                Value::SingleQuotedString(_)
            )))
        )
    };
    let is_expr = |arg: &FunctionArg| matches!(arg, FunctionArg::Unnamed(FunctionArgExpr::Expr(_)));
    let (lit, other) = if literal == 0 {
        (first, second)
    } else {
        (second, first)
    };
    is_literal(lit) && is_expr(other)
}

/// The first column reference inside an expression.
fn first_column(expr: &Expr) -> Option<Expr> {
    let found = visit_expressions(expr, |e| match e {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => ControlFlow::Break(e.clone()),
        _ => ControlFlow::Continue(()),
    });
    match found {
        ControlFlow::Break(column) => Some(column),
        ControlFlow::Continue(()) => None,
    }
}

/// `COUNT(expr)`: counts non-null values, which cannot be pre-aggregated.
fn count_of(expr: Expr) -> Expr {
    Expr::Function(Function {
        name: ObjectName(vec![Ident::new("COUNT")]),
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: vec![FunctionArg::Unnamed(FunctionArgExpr::Expr(expr))],
            clauses: Vec::new(),
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: Vec::new(),
        uses_odbc_syntax: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_columns(_: &str) -> bool {
        false
    }

    #[test]
    fn grouped_selects_get_a_hidden_count_and_others_stay() {
        let out = for_polars(
            "SELECT channel, SUM(amount) AS revenue FROM orders GROUP BY channel",
            &no_columns,
        );
        assert_eq!(
            out,
            "SELECT channel, SUM(amount) AS revenue, COUNT(channel) AS __sw_in_memory FROM orders GROUP BY channel"
        );
        let plain = "SELECT COUNT(*) AS n FROM orders";
        assert_eq!(for_polars(plain, &no_columns), plain);
        let nested = for_polars(
            "WITH m AS (SELECT status, COUNT(*) AS n FROM orders GROUP BY status) SELECT * FROM m",
            &no_columns,
        );
        assert!(
            nested.contains("COUNT(status) AS __sw_in_memory"),
            "{nested}"
        );
    }

    #[test]
    fn columns_read_as_text_are_cast_to_text() {
        let out = for_polars(
            "SELECT UPPER(o.status) AS s FROM orders o WHERE status LIKE 'ref%' \
             AND channel || '!' = 'web!' AND LOWER(TRIM(country)) = 'de'",
            &no_columns,
        );
        for cast in [
            "UPPER(CAST(o.status AS VARCHAR))",
            "CAST(status AS VARCHAR) LIKE 'ref%'",
            "CAST(channel AS VARCHAR) || '!'",
            "LOWER(TRIM(CAST(country AS VARCHAR)))",
        ] {
            assert!(out.contains(cast), "{cast} in {out}");
        }
        // Numbers, comparisons and non-string functions stay as they are.
        let plain = "SELECT ROUND(amount, 2) AS a FROM orders WHERE status = 'refunded'";
        assert_eq!(for_polars(plain, &no_columns), plain);
    }

    #[test]
    fn strftime_with_a_literal_format_takes_the_engines_function() {
        let out = for_polars(
            "WITH m AS (SELECT strftime(o.ordered_at, '%Y-%m') AS month, amount FROM orders o) \
             SELECT month, SUM(amount) AS revenue FROM m GROUP BY month ORDER BY month",
            &no_columns,
        );
        assert!(
            out.contains("__sw_strftime(o.ordered_at, '%Y-%m') AS month"),
            "{out}"
        );
        let lower = out.to_lowercase();
        assert_eq!(
            lower.matches("strftime(").count(),
            lower.matches("__sw_strftime(").count()
        );
        // A format that is not a literal stays Polars' (which rejects it).
        let other = "SELECT STRFTIME(ordered_at, channel) AS x FROM orders";
        assert_eq!(for_polars(other, &no_columns), other);
    }

    #[test]
    fn date_trunc_with_a_literal_unit_takes_the_engines_function() {
        let out = for_polars(
            "SELECT DATE_TRUNC('month', o.ordered_at) AS month, SUM(amount) AS revenue \
             FROM orders o GROUP BY DATE_TRUNC('month', o.ordered_at) ORDER BY month",
            &no_columns,
        );
        // The projection and the group key; the hidden COUNT counts the column.
        assert!(
            out.contains("COUNT(o.ordered_at) AS __sw_in_memory"),
            "{out}"
        );
        assert_eq!(
            out.matches("__sw_date_trunc(o.ordered_at, 'month')")
                .count(),
            2,
            "{out}"
        );
        assert!(!out.to_lowercase().contains(" date_trunc("), "{out}");
        // A unit that is not a literal stays as written (Polars rejects it).
        let other = "SELECT DATE_TRUNC(channel, ordered_at) AS x FROM orders";
        assert_eq!(for_polars(other, &no_columns), other);
    }

    #[test]
    fn group_by_an_alias_groups_by_its_expression() {
        let out = for_polars(
            "SELECT DATE_TRUNC('month', ts) AS month, UPPER(status) AS status, COUNT(*) AS n \
             FROM t GROUP BY month, status ORDER BY month",
            &|name| name == "status",
        );
        assert!(
            out.contains("GROUP BY __sw_date_trunc(ts, 'month'), status ORDER BY month"),
            "{out}"
        );
        // A plain column, or a column aliased to its own name, stays.
        let plain = "SELECT status AS status, COUNT(*) AS n FROM t GROUP BY status";
        assert!(for_polars(plain, &no_columns).contains("GROUP BY status"));
    }
}
