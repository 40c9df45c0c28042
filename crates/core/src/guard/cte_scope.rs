//! Which CTE a table name may refer to, where the guard's walk is.

use std::collections::{BTreeSet, HashMap};

use sqlparser::ast::Query;

/// The CTEs a table name may refer to where the walk is: those of each
/// enclosing query, and in a CTE's own body only the CTEs before it in its
/// WITH (all of them under `WITH RECURSIVE`). A name used out of its CTE's
/// scope reads another relation of that name, never the CTE.
#[derive(Default)]
pub(super) struct CteScopes {
    /// The names visible from each enclosing query, innermost last.
    frames: Vec<BTreeSet<String>>,
    /// For each CTE body (by address, while its query is walked): what its
    /// parent's frame shows inside it, and what it shows again after it.
    bodies: HashMap<*const Query, (BTreeSet<String>, BTreeSet<String>)>,
}

impl CteScopes {
    /// Walks into a query: its CTEs become visible (see [`CteScopes`]).
    pub(super) fn enter(&mut self, query: &Query) {
        let key: *const Query = query;
        if let Some((inside, _)) = self.bodies.get(&key) {
            if let Some(parent) = self.frames.last_mut() {
                *parent = inside.clone();
            }
        }
        let mut names = BTreeSet::new();
        if let Some(with) = &query.with {
            let all: BTreeSet<String> = with
                .cte_tables
                .iter()
                .map(|c| c.alias.name.value.clone())
                .collect();
            for (i, cte) in with.cte_tables.iter().enumerate() {
                let before = if with.recursive {
                    all.clone()
                } else {
                    with.cte_tables[..i]
                        .iter()
                        .map(|c| c.alias.name.value.clone())
                        .collect()
                };
                let body: *const Query = &*cte.query;
                self.bodies.insert(body, (before, all.clone()));
            }
            names = all;
        }
        self.frames.push(names);
    }

    /// Walks out of a query.
    pub(super) fn leave(&mut self, query: &Query) {
        self.frames.pop();
        let key: *const Query = query;
        if let Some((_, after)) = self.bodies.remove(&key) {
            if let Some(parent) = self.frames.last_mut() {
                *parent = after;
            }
        }
    }

    /// Whether a table name refers to a CTE where the walk is.
    pub(super) fn visible(&self, name: &str) -> bool {
        self.frames.iter().any(|f| f.contains(name))
    }
}
