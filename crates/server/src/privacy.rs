//! Privacy levels as the catalog's rules, applied to Arrow batches before
//! they are encoded: pseudonymised or left-out values never reach the bytes
//! that get hashed, signed and served.
//!
//! `high` pseudonymises every personal column as the column says; `gdpr`
//! does the same and keeps only the rows of people who consented (the
//! consent rule's table), and the rows of the tables that follow it through
//! a relationship.

use std::collections::HashSet;
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
use slicewise_core::catalog::{Catalog, Pseudonymise, TableDef};
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
    ints: HashSet<i64>,
    texts: HashSet<String>,
}

impl KeySet {
    fn insert_from(&mut self, column: &dyn Array, keep: &BooleanArray) {
        if let Some(a) = column.as_primitive_opt::<Int64Type>() {
            for i in 0..a.len() {
                if keep.value(i) && a.is_valid(i) {
                    self.ints.insert(a.value(i));
                }
            }
        } else if let Some(a) = column.as_string_opt::<i32>() {
            for i in 0..a.len() {
                if keep.value(i) && a.is_valid(i) {
                    self.texts.insert(a.value(i).to_string());
                }
            }
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

/// What one table's batches go through at one privacy level.
pub struct TablePrivacy<'c> {
    table: &'c TableDef,
    pseudonymise: bool,
    tenant_key: [u8; 32],
    /// This table holds the consent column (index) and the key column its
    /// followers reference (index): rows without consent are dropped, and the
    /// kept keys recorded.
    consent: Option<(usize, usize)>,
    /// This table follows consent through this column (index).
    follows: Option<usize>,
}

impl<'c> TablePrivacy<'c> {
    /// The rules for `table` at `privacy`.
    pub fn new(
        catalog: &'c Catalog,
        table: &'c TableDef,
        privacy: Privacy,
        tenant_key: [u8; 32],
    ) -> TablePrivacy<'c> {
        let gdpr = privacy == Privacy::Gdpr;
        let rule = catalog.privacy.consent.as_ref().filter(|_| gdpr);
        let index = |name: &str| table.columns.iter().position(|c| c.name == name);
        let consent = rule.filter(|r| r.table == table.name).and_then(|r| {
            let key = catalog
                .relationships
                .iter()
                .find(|rel| rel.to_table == r.table && r.follow.contains(&rel.from_table))
                .map(|rel| rel.to_column.as_str())
                .or(table.primary_key.as_deref())?;
            Some((index(&r.column)?, index(key)?))
        });
        let follows = rule
            .filter(|r| r.follow.contains(&table.name))
            .and_then(|r| catalog.relationship(&table.name, &r.table))
            .and_then(|rel| index(&rel.from_column));
        TablePrivacy {
            table,
            pseudonymise: privacy != Privacy::Standard,
            tenant_key,
            consent,
            follows,
        }
    }

    /// Whether this table's kept keys must be known before its followers are read.
    pub fn is_consent_table(&self) -> bool {
        self.consent.is_some()
    }

    /// The batch with the rules applied; consenting keys go into `keys`.
    pub fn apply(&self, batch: RecordBatch, keys: &mut KeySet) -> Result<RecordBatch, String> {
        let mut batch = batch;
        if let Some((consent, key)) = self.consent {
            let keep: BooleanArray = batch
                .column(consent)
                .as_boolean_opt()
                .map(|b| b.iter().map(|v| Some(v == Some(true))).collect())
                .ok_or("the consent column is not boolean")?;
            keys.insert_from(batch.column(key).as_ref(), &keep);
            batch = arrow_select::filter::filter_record_batch(&batch, &keep)
                .map_err(|e| e.to_string())?;
        }
        if let Some(fk) = self.follows {
            let column = batch.column(fk).clone();
            let keep: BooleanArray = (0..batch.num_rows())
                .map(|i| Some(keys.contains(column.as_ref(), i)))
                .collect();
            batch = arrow_select::filter::filter_record_batch(&batch, &keep)
                .map_err(|e| e.to_string())?;
        }
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
