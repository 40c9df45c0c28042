//! The engine's own SQL functions, which the rewrite (after the guard)
//! substitutes for `STRFTIME` and `DATE_TRUNC`. Their names start with
//! `__sw_`, which the guard never admits in user SQL.

use std::sync::Arc;

use polars::prelude::*;
use polars::sql::FunctionRegistry;
use polars_plan::prelude::FunctionOptions;

use crate::{date_trunc, strftime};

/// The engine's functions for Polars SQL; fixed, nothing can be registered.
pub struct Registry;

impl FunctionRegistry for Registry {
    fn register(&mut self, name: &str, _fun: UserDefinedFunction) -> PolarsResult<()> {
        polars_bail!(ComputeError: "cannot register {name}: the engine's functions are fixed")
    }

    fn get_udf(&self, name: &str) -> PolarsResult<Option<UserDefinedFunction>> {
        let mut udf = match name {
            strftime::UDF_NAME => UserDefinedFunction::new(name.into(), strftime::Strftime),
            date_trunc::UDF_NAME => UserDefinedFunction::new(name.into(), date_trunc::DateTrunc),
            _ => return Ok(None),
        };
        udf.options = FunctionOptions::elementwise();
        Ok(Some(udf))
    }

    fn contains(&self, name: &str) -> bool {
        [strftime::UDF_NAME, date_trunc::UDF_NAME].contains(&name)
    }
}

/// The registry as Polars' SQL context takes it.
pub fn registry() -> Arc<dyn FunctionRegistry> {
    Arc::new(Registry)
}
