//! Comparing two query results: cells as text, numbers to two decimals,
//! row order ignored unless the question orders.

use slicewise_core::result::ColumnValues;
use slicewise_core::QueryResult;

/// Absolute tolerance on numbers (the translator rounds grouped figures).
const TOLERANCE: f64 = 0.01;

/// A result as rows of comparable cells.
fn rows(r: &QueryResult) -> Vec<Vec<String>> {
    (0..r.rows)
        .map(|i| {
            r.columns
                .iter()
                .map(|c| match &c.values {
                    ColumnValues::Number(v) => v
                        .get(i)
                        .copied()
                        .flatten()
                        .map(|x| format!("{:.2}", x + 0.0))
                        .unwrap_or_default(),
                    other => other.text_at(i),
                })
                .collect()
        })
        .collect()
}

fn cell_close(p: &str, q: &str) -> bool {
    p == q
        || matches!((p.parse::<f64>(), q.parse::<f64>()),
            (Ok(u), Ok(v)) if (u - v).abs() <= TOLERANCE + 1e-9 + 1e-9 * u.abs())
}

fn all_close(a: &[Vec<String>], b: &[Vec<String>]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.len() == y.len() && x.iter().zip(y).all(|(p, q)| cell_close(p, q)))
}

/// Whether the outermost SELECT of a reference SQL orders its rows.
pub fn orders_rows(sql: &str) -> bool {
    let upper = sql.to_uppercase();
    let tail = upper.rfind(')').map_or(upper.as_str(), |i| &upper[i..]);
    tail.contains("ORDER BY")
}

/// Whether `got` gives the same figures as `expected`.
pub fn same_result(got: &QueryResult, expected: &QueryResult, ordered: bool) -> bool {
    let (a, b) = (rows(got), rows(expected));
    if all_close(&a, &b) {
        return true;
    }
    let (mut sa, mut sb) = (a.clone(), b.clone());
    sa.sort();
    sb.sort();
    if !all_close(&sa, &sb) {
        return false;
    }
    if !ordered {
        return true;
    }
    // Same rows, other order: fine only where rows tie on a figure (the
    // ordering key), since ties may come in either order.
    a.iter().zip(&b).all(|(x, y)| {
        x.iter().zip(y).all(|(p, q)| cell_close(p, q))
            || x.iter()
                .zip(y)
                .any(|(p, q)| p.parse::<f64>().is_ok() && cell_close(p, q))
    })
}
