//! Privacy levels as the catalog's rules, applied to Arrow batches before
//! they are encoded: pseudonymised or left-out values never reach the bytes
//! that get hashed, signed and served.
//!
//! `high` pseudonymises every personal column as the column says; `gdpr`
//! does the same and keeps only the rows of people who consented (the
//! consent rule's table), and the rows of the tables that follow it through
//! a relationship.

use std::collections::HashMap;

use rustc_hash::FxHashSet;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_array::{
    new_null_array, Array, ArrayRef, BooleanArray, DictionaryArray, Int64Array, RecordBatch,
    StringArray,
};
use arrow_schema::DataType;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use slicewise_core::catalog::{Catalog, Pseudonymise, Relationship, TableDef};
use slicewise_core::wire::Privacy;

type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA256 of the parts under a key.
pub fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC takes keys of any length; this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return [0; 32],
    };
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// The pseudonym key of one tenant, derived from the server's root key.
pub fn tenant_pseudonym_key(root: &[u8], tenant: &str) -> [u8; 32] {
    hmac(root, &[b"slicewise-pseudonym\0", tenant.as_bytes()])
}

/// A stable pseudonym: the same value, column and tenant key always give the same one.
pub fn pseudonym(tenant_key: &[u8], column: &str, value: &str, how: Pseudonymise) -> String {
    let digest = hex::encode(&hmac(tenant_key, &[column.as_bytes(), b"\0", value.as_bytes()])[..4]);
    match how {
        Pseudonymise::Email => format!("user_{digest}@example.invalid"),
        _ => format!("anon_{digest}"),
    }
}

/// The values of a key column that rows of a following table may reference.
#[derive(Debug, Default)]
pub struct KeySet {
    ints: FxHashSet<i64>,
    texts: FxHashSet<String>,
}

impl KeySet {
    fn insert_all(&mut self, column: &dyn Array) {
        if let Some(a) = column.as_primitive_opt::<Int64Type>() {
            self.ints.extend(a.iter().flatten());
        } else if let Some(a) = column.as_string_opt::<i32>() {
            self.texts.extend(a.iter().flatten().map(str::to_string));
        }
    }

    fn contains(&self, column: &dyn Array, i: usize) -> bool {
        if column.is_null(i) {
            return false;
        }
        if let Some(a) = column.as_primitive_opt::<Int64Type>() {
            self.ints.contains(&a.value(i))
        } else if let Some(a) = column.as_string_opt::<i32>() {
            self.texts.contains(a.value(i))
        } else {
            false
        }
    }
}

/// Kept key values per (table, column) that following tables check against.
pub type KeptKeys = HashMap<(String, String), KeySet>;

/// The tables consent reaches, in an order where each follows one before
/// it: the consent table, then followers whose relationship points at a
/// table already reached (`transactions -> accounts -> clients`). Each with
/// the relationship it follows (none for the consent table).
pub fn consent_chain(catalog: &Catalog) -> Vec<(&str, Option<&Relationship>)> {
    let Some(rule) = &catalog.privacy.consent else {
        return Vec::new();
    };
    let mut chain: Vec<(&str, Option<&Relationship>)> = vec![(rule.table.as_str(), None)];
    loop {
        let next = rule.follow.iter().find_map(|f| {
            if chain.iter().any(|(t, _)| t == f) {
                return None;
            }
            // Straight to the consent table first, else to any table reached.
            catalog
                .relationships
                .iter()
                .filter(|r| r.from_table == *f)
                .filter(|r| chain.iter().any(|(t, _)| *t == r.to_table))
                .min_by_key(|r| r.to_table != rule.table)
                .map(|r| (f.as_str(), Some(r)))
        });
        match next {
            Some(link) => chain.push(link),
            None => return chain,
        }
    }
}

/// What one table's batches go through at one privacy level.
pub struct TablePrivacy<'c> {
    table: &'c TableDef,
    pseudonymise: bool,
    tenant_key: [u8; 32],
    /// Keep only rows whose consent column (index) is true.
    consent: Option<usize>,
    /// Keep only rows whose column (index) holds a kept key of (table, column).
    follows: Option<(usize, (String, String))>,
    /// Columns (index, name) whose kept values tables after it follow.
    publishes: Vec<(usize, String)>,
}

impl<'c> TablePrivacy<'c> {
    /// The rules for `table` at `privacy`; `chain` is the catalog's
    /// [`consent_chain`] at `gdpr`, empty at the other levels.
    pub fn new(
        catalog: &'c Catalog,
        table: &'c TableDef,
        privacy: Privacy,
        chain: &[(&str, Option<&Relationship>)],
        tenant_key: [u8; 32],
    ) -> TablePrivacy<'c> {
        let index = |name: &str| table.columns.iter().position(|c| c.name == name);
        let link = chain.iter().find(|(t, _)| *t == table.name);
        let consent = match (link, &catalog.privacy.consent) {
            (Some((_, None)), Some(rule)) => index(&rule.column),
            _ => None,
        };
        let follows = link.and_then(|(_, r)| *r).and_then(|r| {
            Some((
                index(&r.from_column)?,
                (r.to_table.clone(), r.to_column.clone()),
            ))
        });
        let publishes = chain
            .iter()
            .filter_map(|(_, r)| *r)
            .filter(|r| r.to_table == table.name && link.is_some())
            .filter_map(|r| Some((index(&r.to_column)?, r.to_column.clone())))
            .collect();
        TablePrivacy {
            table,
            pseudonymise: privacy != Privacy::Standard,
            tenant_key,
            consent,
            follows,
            publishes,
        }
    }

    /// The batch with the rules applied; the keys it keeps go into `keys`.
    pub fn apply(&self, batch: RecordBatch, keys: &mut KeptKeys) -> Result<RecordBatch, String> {
        let mut batch = batch;
        if let Some(consent) = self.consent {
            let keep: BooleanArray = batch
                .column(consent)
                .as_boolean_opt()
                .map(|b| b.iter().map(|v| Some(v == Some(true))).collect())
                .ok_or("the consent column is not boolean")?;
            batch = arrow_select::filter::filter_record_batch(&batch, &keep)
                .map_err(|e| e.to_string())?;
        }
        if let Some((fk, target)) = &self.follows {
            let column = batch.column(*fk).clone();
            let kept = keys.get(target);
            let keep: BooleanArray = (0..batch.num_rows())
                .map(|i| Some(kept.is_some_and(|k| k.contains(column.as_ref(), i))))
                .collect();
            batch = arrow_select::filter::filter_record_batch(&batch, &keep)
                .map_err(|e| e.to_string())?;
        }
        for (i, name) in &self.publishes {
            keys.entry((self.table.name.clone(), name.clone()))
                .or_default()
                .insert_all(batch.column(*i).as_ref());
        }
        self.pseudonymised_batch(batch)
    }

    fn pseudonymised_batch(&self, batch: RecordBatch) -> Result<RecordBatch, String> {
        if !self.pseudonymise {
            return Ok(batch);
        }
        let mut columns = batch.columns().to_vec();
        for (i, c) in self.table.columns.iter().enumerate() {
            if let Some(how) = c.pseudonymisation() {
                columns[i] = self.pseudonymised(&c.name, columns[i].as_ref(), how)?;
            }
        }
        RecordBatch::try_new(batch.schema(), columns).map_err(|e| e.to_string())
    }

    fn pseudonymised(
        &self,
        name: &str,
        a: &dyn Array,
        how: Pseudonymise,
    ) -> Result<ArrayRef, String> {
        let key = &self.tenant_key;
        if how == Pseudonymise::Redact {
            return Ok(new_null_array(a.data_type(), a.len()));
        }
        let text = |s: &StringArray| -> StringArray {
            s.iter()
                .map(|v| v.map(|v| pseudonym(key, name, v, how)))
                .collect()
        };
        Ok(match a.data_type() {
            DataType::Utf8 => Arc::new(text(a.as_string::<i32>())),
            DataType::Dictionary(..) => {
                let d = a.as_dictionary::<Int32Type>();
                let values = text(d.values().as_string::<i32>());
                Arc::new(
                    DictionaryArray::<Int32Type>::try_new(d.keys().clone(), Arc::new(values))
                        .map_err(|e| e.to_string())?,
                )
            }
            DataType::Int64 => {
                let ints: Int64Array = a
                    .as_primitive::<Int64Type>()
                    .iter()
                    .map(|v| {
                        v.map(|v| {
                            let h = hmac(key, &[name.as_bytes(), b"\0", &v.to_le_bytes()]);
                            i64::from_le_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], 0])
                        })
                    })
                    .collect();
                Arc::new(ints)
            }
            other => return Err(format!("cannot pseudonymise a {other} column")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_follows_chains_of_relationships() {
        let mut c = Catalog::demo();
        let chain: Vec<&str> = consent_chain(&c).iter().map(|(t, _)| *t).collect();
        assert_eq!(chain, ["customers", "orders", "support_tickets"]);
        // A table reached only through another follower comes after it.
        c.relationships
            .retain(|r| r.from_table != "support_tickets");
        c.relationships.push(Relationship {
            from_table: "support_tickets".into(),
            from_column: "customer_id".into(),
            to_table: "orders".into(),
            to_column: "customer_id".into(),
        });
        let chain: Vec<(&str, Option<&str>)> = consent_chain(&c)
            .iter()
            .map(|(t, r)| (*t, r.map(|r| r.to_table.as_str())))
            .collect();
        assert_eq!(chain[2], ("support_tickets", Some("orders")));
    }

    #[test]
    fn pseudonyms_are_stable_and_keyed() {
        let k1 = tenant_pseudonym_key(b"root", "acme");
        let k2 = tenant_pseudonym_key(b"root", "globex");
        let p = |k: &[u8], v| pseudonym(k, "name", v, Pseudonymise::Hash);
        assert_eq!(p(&k1, "Ann"), p(&k1, "Ann"));
        assert_ne!(p(&k1, "Ann"), p(&k2, "Ann"));
        assert_ne!(p(&k1, "Ann"), p(&k1, "Bob"));
        assert!(pseudonym(&k1, "email", "a@b", Pseudonymise::Email).ends_with("@example.invalid"));
    }
}
