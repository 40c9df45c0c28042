//! The engine's own group-by: one pass that gives each row its group's
//! number, then one pass per aggregate that adds each value into its group's
//! slot, as DuckDB aggregates.
//!
//! Polars 0.52 aggregates in place only in its streaming engine, which a wasm
//! build cannot include; its in-memory group-by first collects every group's
//! row numbers (one vector per group) and then gathers each aggregate's
//! values through them, single-threaded in the browser. At 50,000 groups in
//! 1,000,000 rows that is twice DuckDB-WASM's time.
//!
//! [`plan`] runs after Polars' optimizer and swaps each group-by it can
//! serve for the same computation here: keys that are columns or row-wise
//! expressions of them (integers, dates, timestamps, booleans,
//! categoricals), aggregates SUM, AVG, MIN, MAX, COUNT and COUNT(*) of a
//! column or a row-wise expression of numbers. Everything else stays with
//! Polars, unchanged. Results equal Polars' own (`tests` below compare
//! them), groups in order of first appearance.

use std::cell::OnceCell;
use std::sync::Arc;

use polars::prelude::{
    polars_bail, ChunkedArray, Column, DataFrame, DataType, Float64Chunked, IdxCa, IdxSize,
    IntoColumn, IntoSeries, NewChunkedArray, PlHashMap, PlSmallStr, PolarsNumericType,
    PolarsResult, Schema, SchemaRef, Series, IDX_DTYPE,
};
use polars_plan::plans::expr_ir::{ExprIR, OutputName};
use polars_plan::plans::{is_elementwise_rec, AExpr, FunctionIR, IRAggExpr, IR};
use polars_plan::prelude::{Arena, Node, ProjectionOptions};

/// Largest table of group numbers indexed directly by key (4 MiB of them);
/// more possible keys than this are hashed.
const DENSE_LIMIT: u64 = 1 << 20;

/// Replaces each group-by under `root` that this module can compute with a
/// call into it; returns how many it took. Called by the engine between
/// Polars' optimizer and its physical planner.
pub fn plan(root: Node, lp_arena: &mut Arena<IR>, expr_arena: &mut Arena<AExpr>) -> usize {
    let mut stack = vec![root];
    let mut group_bys = Vec::new();
    let mut selects = Vec::new();
    while let Some(node) = stack.pop() {
        let ir = lp_arena.get(node);
        match ir {
            IR::GroupBy { .. } => group_bys.push(node),
            IR::Select { .. } => selects.push(node),
            _ => {}
        }
        ir.copy_inputs(&mut stack);
    }
    let mut taken = 0;
    for node in group_bys {
        if let Some(replacement) = lower(node, lp_arena, expr_arena) {
            lp_arena.replace(node, replacement);
            taken += 1;
        }
    }
    for node in selects {
        taken += count_distinct(node, lp_arena, expr_arena);
    }
    taken
}

/// `COUNT(DISTINCT x)` over a whole table: Polars counts an integer
/// column's distinct values by sorting it; this numbers them through
/// [`Groups::number`] (a hash map) and marks each one's first row in a
/// hidden column, whose sum the SELECT reads instead. Returns how many it
/// took.
fn count_distinct(node: Node, lp_arena: &mut Arena<IR>, expr_arena: &mut Arena<AExpr>) -> usize {
    // Only a SELECT: it outputs its expressions alone, so the hidden column
    // goes no further (WITH_COLUMNS would pass it on).
    let IR::Select { input, expr, .. } = lp_arena.get(node) else {
        return 0;
    };
    let input = *input;
    let input_schema = lp_arena.get(input).schema(lp_arena).into_owned();
    // The SELECT's NUnique nodes over integer-like columns, with their columns.
    let mut found: Vec<(Node, PlSmallStr)> = Vec::new();
    let mut stack: Vec<Node> = expr.iter().map(ExprIR::node).collect();
    while let Some(n) = stack.pop() {
        let ae = expr_arena.get(n);
        if let AExpr::Agg(IRAggExpr::NUnique(value)) = ae {
            if let AExpr::Column(name) = expr_arena.get(*value) {
                if input_schema.get(name).is_some_and(groupable) {
                    found.push((n, name.clone()));
                    continue;
                }
            }
        }
        ae.inputs_rev(&mut stack);
    }
    if found.is_empty() {
        return 0;
    }
    let mut columns: Vec<(PlSmallStr, PlSmallStr)> = Vec::new();
    for (n, name) in &found {
        let hidden = PlSmallStr::from(format!("__sw_distinct_{name}"));
        if !columns.iter().any(|(_, h)| h == &hidden) {
            columns.push((name.clone(), hidden.clone()));
        }
        // The SUM of a column that is 1 in the first row of each distinct
        // value and 0 elsewhere: the count, and 0 over no rows, as NUnique.
        let column = expr_arena.add(AExpr::Column(hidden));
        expr_arena.replace(*n, AExpr::Agg(IRAggExpr::Sum(column)));
    }
    let mut schema = (*input_schema).clone();
    for (_, hidden) in &columns {
        schema.with_column(hidden.clone(), IDX_DTYPE);
    }
    let schema: SchemaRef = Arc::new(schema);
    let counted = lp_arena.add(IR::MapFunction {
        input,
        function: FunctionIR::Opaque {
            function: Arc::new(move |mut df: DataFrame| {
                for (name, hidden) in &columns {
                    let groups = Groups::of_column(df.column(name)?)?;
                    let mut first = vec![0 as IdxSize; df.height()];
                    for row in &groups.first {
                        first[*row as usize] = 1;
                    }
                    df.with_column(IdxCa::from_vec(hidden.clone(), first).into_column())?;
                }
                Ok(df)
            }),
            schema: Some(Arc::new(move |_: &Schema| Ok(schema.clone()))),
            predicate_pd: false,
            projection_pd: false,
            streamable: false,
            fmt_str: PlSmallStr::from_static("slicewise count distinct"),
        },
    });
    if let IR::Select { input, .. } = lp_arena.get_mut(node) {
        *input = counted;
    }
    found.len()
}

/// The number of possible values of a categorical's codes or a boolean.
fn bound(dtype: &DataType) -> Option<u64> {
    match dtype {
        DataType::Categorical(_, mapping) | DataType::Enum(_, mapping) => {
            Some(mapping.num_cats_upper_bound() as u64)
        }
        DataType::Boolean => Some(2),
        _ => None,
    }
}

/// What to compute: read by name from the frame the group-by's input gives.
#[derive(Debug)]
struct GroupBy {
    keys: Vec<Key>,
    aggs: Vec<Agg>,
    schema: SchemaRef,
    slice: Option<(i64, usize)>,
}

#[derive(Debug)]
struct Key {
    /// Column of the input (or of the computed keys) holding the key.
    column: PlSmallStr,
    output: PlSmallStr,
}

#[derive(Debug)]
struct Agg {
    kind: AggKind,
    /// Input column; none for COUNT(*).
    column: Option<PlSmallStr>,
    /// Values are summed as floats (else as 64-bit integers).
    float: bool,
    output: PlSmallStr,
    dtype: DataType,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum AggKind {
    Sum,
    Mean,
    Min,
    Max,
    /// Non-null values.
    Count,
    /// Rows.
    Len,
}

/// The replacement of the group-by at `node`, or `None` to leave it to Polars.
fn lower(node: Node, lp_arena: &mut Arena<IR>, expr_arena: &Arena<AExpr>) -> Option<IR> {
    let IR::GroupBy {
        input,
        keys,
        aggs,
        schema,
        options,
        apply,
        ..
    } = lp_arena.get(node)
    else {
        return None;
    };
    // SQL makes neither dynamic nor rolling group-bys (their options).
    if keys.is_empty() || apply.is_some() {
        return None;
    }
    let (input, keys, aggs, schema, slice) = (
        *input,
        keys.clone(),
        aggs.clone(),
        schema.clone(),
        options.slice,
    );
    let input_schema = lp_arena.get(input).schema(lp_arena).into_owned();
    // Keys and aggregate inputs that are expressions are computed into
    // hidden columns first.
    let mut computed: Vec<ExprIR> = Vec::new();
    let mut column_of = |expr: &ExprIR, prefix: &str| -> Option<PlSmallStr> {
        match expr_arena.get(expr.node()) {
            AExpr::Column(name) => Some(name.clone()),
            _ if is_elementwise_rec(expr.node(), expr_arena)
                && reads_a_column(expr, expr_arena) =>
            {
                let name = PlSmallStr::from(format!("__sw_{prefix}{}", computed.len()));
                computed.push(ExprIR::new(expr.node(), OutputName::Alias(name.clone())));
                Some(name)
            }
            _ => None,
        }
    };

    let mut lowered_keys = Vec::with_capacity(keys.len());
    for key in &keys {
        let output = key.output_name().clone();
        let dtype = schema.get(&output)?;
        if !groupable(dtype) {
            return None;
        }
        let column = column_of(key, "key")?;
        lowered_keys.push(Key { column, output });
    }

    let mut lowered_aggs = Vec::with_capacity(aggs.len());
    for agg in &aggs {
        let output = agg.output_name().clone();
        let dtype = schema.get(&output)?.clone();
        let (kind, value) = match expr_arena.get(agg.node()) {
            AExpr::Len => (AggKind::Len, None),
            AExpr::Agg(IRAggExpr::Sum(input)) => (AggKind::Sum, Some(*input)),
            AExpr::Agg(IRAggExpr::Mean(input)) => (AggKind::Mean, Some(*input)),
            AExpr::Agg(IRAggExpr::Min {
                input,
                propagate_nans: false,
            }) => (AggKind::Min, Some(*input)),
            AExpr::Agg(IRAggExpr::Max {
                input,
                propagate_nans: false,
            }) => (AggKind::Max, Some(*input)),
            AExpr::Agg(IRAggExpr::Count {
                input,
                include_nulls,
            }) => (
                if *include_nulls {
                    AggKind::Len
                } else {
                    AggKind::Count
                },
                Some(*input),
            ),
            _ => return None,
        };
        let (column, float) = match value {
            Some(input) if kind != AggKind::Len => {
                let expr = ExprIR::from_node(input, expr_arena);
                let value_dtype = expr.dtype(&input_schema, expr_arena).ok()?.clone();
                let float = value_dtype.is_float();
                let numeric =
                    float || (value_dtype.is_integer() && value_dtype != DataType::UInt64);
                let supported = match kind {
                    AggKind::Count => true,
                    AggKind::Min | AggKind::Max => {
                        numeric || (value_dtype.is_temporal() && is_integer_like(&value_dtype))
                    }
                    _ => numeric,
                };
                if !supported {
                    return None;
                }
                (Some(column_of(&expr, "agg")?), float)
            }
            _ => (None, false),
        };
        lowered_aggs.push(Agg {
            kind,
            column,
            float,
            output,
            dtype,
        });
    }

    let mut input = input;
    if !computed.is_empty() {
        let mut stacked = (*input_schema).clone();
        for expr in &computed {
            let dtype = expr.dtype(&input_schema, expr_arena).ok()?.clone();
            stacked.with_column(expr.output_name().clone(), dtype);
        }
        input = lp_arena.add(IR::HStack {
            input,
            exprs: computed,
            schema: Arc::new(stacked),
            options: ProjectionOptions::default(),
        });
    }
    let group_by = Arc::new(GroupBy {
        keys: lowered_keys,
        aggs: lowered_aggs,
        schema: schema.clone(),
        slice,
    });
    Some(IR::MapFunction {
        input,
        function: FunctionIR::Opaque {
            function: Arc::new(move |df: DataFrame| group_by.run(&df)),
            schema: Some(Arc::new(move |_: &Schema| Ok(schema.clone()))),
            predicate_pd: false,
            projection_pd: false,
            streamable: false,
            fmt_str: PlSmallStr::from_static("slicewise group-by"),
        },
    })
}

/// Whether [`Groups::of_column`] numbers values of this type: categoricals
/// and booleans through a table, integers, dates and timestamps through a
/// hash map.
fn groupable(dtype: &DataType) -> bool {
    bound(dtype).is_some() || is_integer_like(dtype)
}

/// Integers and dates and timestamps (stored as integers), except u64.
fn is_integer_like(dtype: &DataType) -> bool {
    let physical = dtype.to_physical();
    physical.is_integer() && physical != DataType::UInt64
}

/// Whether the expression reads a column (a constant key or value would be
/// one row, not one per row).
fn reads_a_column(expr: &ExprIR, expr_arena: &Arena<AExpr>) -> bool {
    let mut stack = vec![expr.node()];
    while let Some(node) = stack.pop() {
        let ae = expr_arena.get(node);
        if matches!(ae, AExpr::Column(_)) {
            return true;
        }
        ae.inputs_rev(&mut stack);
    }
    false
}

/// Each row's group number, and each group's first row.
#[derive(Debug, Default)]
struct Groups {
    ids: Vec<IdxSize>,
    first: Vec<IdxSize>,
    /// Rows per group, counted once for every COUNT that needs them.
    sizes: OnceCell<Vec<IdxSize>>,
}

impl Groups {
    fn len(&self) -> usize {
        self.first.len()
    }

    /// Numbers the distinct values of `keys` (`None` is null) in order of
    /// first appearance: through a table when all are below `bound`, else
    /// through a hash map.
    fn number(keys: impl Iterator<Item = Option<u64>>, rows: usize, bound: Option<u64>) -> Self {
        let mut groups = Groups {
            ids: Vec::with_capacity(rows),
            ..Groups::default()
        };
        let mut null_group: Option<IdxSize> = None;
        let next = |first: &mut Vec<IdxSize>, row: usize| -> IdxSize {
            let id = first.len() as IdxSize;
            first.push(row as IdxSize);
            id
        };
        match bound.filter(|b| *b <= DENSE_LIMIT) {
            Some(bound) => {
                let mut table = vec![IdxSize::MAX; bound as usize];
                for (row, key) in keys.enumerate() {
                    let id = match key {
                        Some(k) => {
                            let k = k as usize;
                            // A code past the bound (categories added since)
                            // grows the table.
                            if k >= table.len() {
                                table.resize(k + 1, IdxSize::MAX);
                            }
                            if table[k] == IdxSize::MAX {
                                table[k] = next(&mut groups.first, row);
                            }
                            table[k]
                        }
                        None => *null_group.get_or_insert_with(|| next(&mut groups.first, row)),
                    };
                    groups.ids.push(id);
                }
            }
            None => {
                let mut map: PlHashMap<u64, IdxSize> = PlHashMap::default();
                for (row, key) in keys.enumerate() {
                    let id = match key {
                        Some(k) => *map.entry(k).or_insert_with(|| next(&mut groups.first, row)),
                        None => *null_group.get_or_insert_with(|| next(&mut groups.first, row)),
                    };
                    groups.ids.push(id);
                }
            }
        }
        groups
    }

    /// Numbers the distinct values of a column of integers, dates,
    /// timestamps, booleans or categoricals (by their codes, through a table
    /// as long as their categories).
    fn of_column(column: &Column) -> PolarsResult<Groups> {
        let bound = bound(column.dtype());
        let physical = column.to_physical_repr();
        let series = physical.as_materialized_series();
        Ok(match series.dtype() {
            DataType::Boolean => {
                let rows = series.len();
                Groups::number(series.bool()?.iter().map(|v| v.map(u64::from)), rows, bound)
            }
            DataType::Int8 => Groups::of_integers(series.i8()?, bound),
            DataType::Int16 => Groups::of_integers(series.i16()?, bound),
            DataType::Int32 => Groups::of_integers(series.i32()?, bound),
            DataType::Int64 => Groups::of_integers(series.i64()?, bound),
            DataType::UInt8 => Groups::of_integers(series.u8()?, bound),
            DataType::UInt16 => Groups::of_integers(series.u16()?, bound),
            DataType::UInt32 => Groups::of_integers(series.u32()?, bound),
            other => polars_bail!(ComputeError: "cannot group by values of type {other}"),
        })
    }

    fn of_integers<T>(values: &ChunkedArray<T>, bound: Option<u64>) -> Groups
    where
        T: PolarsNumericType,
        T::Native: Into<i64>,
    {
        let rows = values.len();
        let key = |v: T::Native| v.into() as u64;
        match values.cont_slice() {
            Ok(slice) => Groups::number(slice.iter().map(|v| Some(key(*v))), rows, bound),
            Err(_) => Groups::number(values.iter().map(|v| v.map(key)), rows, bound),
        }
    }

    /// Rows per group.
    fn sizes(&self) -> &[IdxSize] {
        self.sizes.get_or_init(|| {
            let mut sizes = vec![0 as IdxSize; self.len()];
            for id in &self.ids {
                sizes[*id as usize] += 1;
            }
            sizes
        })
    }

    /// Groups of the pairs (self's group, other's group).
    fn combine(&self, other: &Groups) -> Groups {
        let width = other.len() as u64;
        let pairs = self
            .ids
            .iter()
            .zip(&other.ids)
            .map(|(a, b)| Some(u64::from(*a) * width + u64::from(*b)));
        Groups::number(pairs, self.ids.len(), Some(self.len() as u64 * width))
    }
}

impl GroupBy {
    fn run(&self, df: &DataFrame) -> PolarsResult<DataFrame> {
        let mut groups: Option<Groups> = None;
        for key in &self.keys {
            let numbered = Groups::of_column(df.column(&key.column)?)?;
            groups = Some(match groups {
                None => numbered,
                Some(so_far) => so_far.combine(&numbered),
            });
        }
        let groups = groups.unwrap_or_default();
        let first = IdxCa::from_vec(PlSmallStr::EMPTY, groups.first.clone());

        let mut columns = Vec::with_capacity(self.keys.len() + self.aggs.len());
        for key in &self.keys {
            let mut column = df.column(&key.column)?.take(&first)?;
            column.rename(key.output.clone());
            columns.push(column);
        }
        for agg in &self.aggs {
            columns.push(agg.run(df, &groups)?);
        }
        // In the group-by's own column order.
        let mut out = DataFrame::new(columns)?;
        let order: Vec<PlSmallStr> = self.schema.iter_names().cloned().collect();
        out = out.select(order)?;
        if let Some((offset, len)) = self.slice {
            out = out.slice(offset, len);
        }
        Ok(out)
    }
}

impl Agg {
    fn run(&self, df: &DataFrame, groups: &Groups) -> PolarsResult<Column> {
        let n = groups.len();
        let name = self.output.clone();
        let series: Series = match (self.kind, &self.column) {
            (AggKind::Len, _) | (_, None) => IdxCa::from_slice(name, groups.sizes()).into_series(),
            (kind, Some(column)) => {
                let values = df.column(column)?;
                if kind == AggKind::Count && !values.has_nulls() {
                    IdxCa::from_slice(name, groups.sizes()).into_series()
                } else if kind == AggKind::Count {
                    let mut counts = vec![0 as IdxSize; n];
                    let valid = values.is_not_null();
                    for (id, valid) in groups.ids.iter().zip(valid.iter()) {
                        if valid == Some(true) {
                            counts[*id as usize] += 1;
                        }
                    }
                    IdxCa::from_vec(name, counts).into_series()
                } else if self.float {
                    let values = values.cast(&DataType::Float64)?;
                    reduce(kind, values.f64()?, &groups.ids, n, name)
                } else {
                    let values = values.to_physical_repr().cast(&DataType::Int64)?;
                    reduce(kind, values.i64()?, &groups.ids, n, name)
                }
            }
        };
        // Polars' own result type (SUM of Int32 is Int32, AVG of Float32 is
        // Float32, MIN of a date is a date, via its physical integer).
        let series = if series.dtype() == &self.dtype {
            series
        } else {
            series.cast(&self.dtype.to_physical())?.cast(&self.dtype)?
        };
        Ok(series.into_column())
    }
}

/// A value aggregates add up and compare: f64, or i64 for integers.
trait Value: Copy + PartialOrd + Default {
    /// `self + other`; integer sums wrap around, as Polars' do.
    fn plus(self, other: Self) -> Self;
    fn to_f64(self) -> f64;
    /// Whether `self` replaces `best` as the group's minimum (or maximum).
    fn beats(self, best: Self, min: bool) -> bool {
        if min {
            self < best
        } else {
            self > best
        }
    }
}

impl Value for f64 {
    fn plus(self, other: f64) -> f64 {
        self + other
    }
    fn to_f64(self) -> f64 {
        self
    }
    /// NaN is skipped unless a group holds nothing else.
    fn beats(self, best: f64, min: bool) -> bool {
        best.is_nan() || (if min { self < best } else { self > best })
    }
}

impl Value for i64 {
    fn plus(self, other: i64) -> i64 {
        self.wrapping_add(other)
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
}

/// Calls `f` with each row's group and non-null value.
fn for_each_value<P>(values: &ChunkedArray<P>, ids: &[IdxSize], mut f: impl FnMut(usize, P::Native))
where
    P: PolarsNumericType,
{
    match values.cont_slice() {
        Ok(slice) => ids
            .iter()
            .zip(slice)
            .for_each(|(id, v)| f(*id as usize, *v)),
        Err(_) => ids.iter().zip(values.iter()).for_each(|(id, v)| {
            if let Some(v) = v {
                f(*id as usize, v)
            }
        }),
    }
}

/// SUM, AVG, MIN or MAX of each group's values (Float64 or Int64).
fn reduce<P>(
    kind: AggKind,
    values: &ChunkedArray<P>,
    ids: &[IdxSize],
    n: usize,
    name: PlSmallStr,
) -> Series
where
    P: PolarsNumericType,
    P::Native: Value,
    ChunkedArray<P>: IntoSeries,
{
    match kind {
        AggKind::Sum => {
            let mut sums = vec![P::Native::default(); n];
            for_each_value(values, ids, |g, v| sums[g] = sums[g].plus(v));
            ChunkedArray::<P>::from_vec(name, sums).into_series()
        }
        AggKind::Mean => {
            let mut sums = vec![0.0; n];
            let mut counts = vec![0u64; n];
            for_each_value(values, ids, |g, v| {
                sums[g] += v.to_f64();
                counts[g] += 1;
            });
            let means = sums
                .iter()
                .zip(&counts)
                .map(|(s, c)| (*c > 0).then(|| s / *c as f64));
            Float64Chunked::from_iter_options(name, means).into_series()
        }
        _ => {
            let min = kind == AggKind::Min;
            let mut best: Vec<Option<P::Native>> = vec![None; n];
            for_each_value(values, ids, |g, v| {
                if best[g].is_none_or(|b| v.beats(b, min)) {
                    best[g] = Some(v);
                }
            });
            ChunkedArray::<P>::from_iter_options(name, best.into_iter()).into_series()
        }
    }
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::plan;

    /// Rows with nulls, NaN, negative keys and a few hundred groups.
    fn frame() -> DataFrame {
        let n = 3_000;
        let mut seed: u64 = 42;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            seed >> 33
        };
        let mut k = Vec::new();
        let mut label = Vec::new();
        let mut flag = Vec::new();
        let mut day = Vec::new();
        let mut x = Vec::new();
        let mut i = Vec::new();
        let mut small = Vec::new();
        for row in 0..n {
            let r = next();
            k.push((r % 11 != 0).then(|| (r % 400) as i64 - 200));
            label.push((r % 13 != 0).then(|| ["north", "south", "east", "west"][(r % 4) as usize]));
            flag.push((r % 17 != 0).then_some(r % 3 == 0));
            day.push(Some(19_000 + (r % 90) as i32));
            x.push(match r % 19 {
                0 => None,
                1 if row > 2_000 => Some(f64::NAN),
                _ => Some((r % 10_000) as f64 / 7.0 - 300.0),
            });
            i.push((r % 23 != 0).then(|| (r % 100_000) as i64 - 50_000));
            small.push(Some((r % 1_000) as i32));
        }
        let mut df = df!(
            "k" => k,
            "label" => label,
            "flag" => flag,
            "day" => day,
            "x" => x,
            "i" => i,
            "small" => small,
        )
        .expect("frame");
        let cat = DataType::from_categories(Categories::global());
        df.apply("label", |c| c.cast(&cat).expect("categorical"))
            .expect("label");
        df.apply("day", |c| c.cast(&DataType::Date).expect("date"))
            .expect("day");
        df
    }

    /// The query's answer by this module and by Polars alone, and how many
    /// group-bys or distinct counts this module took.
    fn ours_and_polars(lf: LazyFrame) -> (DataFrame, DataFrame, usize) {
        let mut taken = 0;
        let ours = lf
            .clone()
            ._collect_post_opt(|root, lp, ex, _| {
                taken = plan(root, lp, ex);
                Ok(())
            })
            .expect("ours");
        (ours, lf.collect().expect("polars"), taken)
    }

    /// The group-by's answer by this module and by Polars' own, sorted by
    /// the keys; and how many group-bys this module took.
    fn both(keys: &[Expr], aggs: &[Expr]) -> (DataFrame, DataFrame, usize) {
        // COUNT of a column keeps Polars' own run in memory (see rewrite.rs).
        let mut aggs = aggs.to_vec();
        aggs.push(col("i").count().alias("__count"));
        let (ours, theirs, taken) = ours_and_polars(frame().lazy().group_by(keys).agg(aggs));
        let names: Vec<PlSmallStr> = ours
            .get_column_names()
            .into_iter()
            .take(keys.len())
            .cloned()
            .collect();
        let sort = |df: DataFrame| {
            df.sort(
                names.clone(),
                SortMultipleOptions::default().with_nulls_last(true),
            )
            .expect("sort")
        };
        (sort(ours), sort(theirs), taken)
    }

    fn assert_same(ours: &DataFrame, theirs: &DataFrame) {
        assert_eq!(ours.schema(), theirs.schema());
        assert_eq!(ours.height(), theirs.height());
        for (a, b) in ours.get_columns().iter().zip(theirs.get_columns()) {
            if a.dtype().is_float() {
                let a = a.cast(&DataType::Float64).expect("f64");
                let b = b.cast(&DataType::Float64).expect("f64");
                for (x, y) in a
                    .f64()
                    .expect("f64")
                    .iter()
                    .zip(b.f64().expect("f64").iter())
                {
                    match (x, y) {
                        (Some(x), Some(y)) if x.is_nan() || y.is_nan() => {
                            assert!(x.is_nan() && y.is_nan(), "{}: {x} vs {y}", a.name())
                        }
                        (Some(x), Some(y)) => {
                            assert!(
                                (x - y).abs() <= 1e-9 * x.abs().max(1.0),
                                "{}: {x} vs {y}",
                                a.name()
                            )
                        }
                        (x, y) => assert_eq!(x, y, "{}", a.name()),
                    }
                }
            } else {
                assert!(a.equals_missing(b), "{}:\n{a:?}\n{b:?}", a.name());
            }
        }
    }

    #[test]
    fn every_aggregate_by_an_integer_key_with_nulls_equals_polars() {
        let (ours, theirs, taken) = both(
            &[col("k")],
            &[
                col("x").sum().alias("sx"),
                col("i").sum().alias("si"),
                col("small").sum().alias("ss"),
                col("x").mean().alias("mx"),
                col("i").mean().alias("mi"),
                col("x").min().alias("nx"),
                col("x").max().alias("xx"),
                col("i").min().alias("ni"),
                col("i").max().alias("xi"),
                col("day").min().alias("first_day"),
                col("day").max().alias("last_day"),
                col("x").count().alias("cx"),
                len().alias("rows"),
            ],
        );
        assert_eq!(taken, 1);
        assert_eq!(ours.height(), 401, "400 keys and null");
        assert_same(&ours, &theirs);
    }

    #[test]
    fn categorical_boolean_and_date_keys_alone_and_in_pairs_equal_polars() {
        let aggs = [col("x").sum().alias("sx"), len().alias("rows")];
        for keys in [
            vec![col("label")],
            vec![col("flag")],
            vec![col("day")],
            vec![col("label"), col("flag")],
            vec![col("k"), col("day")],
            vec![col("flag"), col("label"), col("day")],
        ] {
            let (ours, theirs, taken) = both(&keys, &aggs);
            assert_eq!(taken, 1, "{keys:?}");
            assert_same(&ours, &theirs);
        }
    }

    #[test]
    fn keys_and_values_that_are_expressions_equal_polars() {
        let (ours, theirs, taken) = both(
            &[(col("k") % lit(7)).alias("bucket")],
            &[
                (col("x") * col("small")).sum().alias("weighted"),
                (col("i") + lit(1)).max().alias("top"),
            ],
        );
        assert_eq!(taken, 1);
        assert_eq!(
            ours.height(),
            8,
            "Polars' modulo is floored: 0..=6 and null"
        );
        assert_same(&ours, &theirs);
    }

    #[test]
    fn aggregates_it_does_not_compute_stay_with_polars() {
        let (ours, theirs, taken) = both(&[col("label")], &[col("x").median().alias("median")]);
        assert_eq!(taken, 0);
        assert_same(&ours, &theirs);
        let (_, _, taken) = both(&[col("x")], &[len().alias("rows")]);
        assert_eq!(taken, 0, "float keys stay with Polars");
    }

    #[test]
    fn distinct_counts_equal_polars_with_and_without_nulls() {
        let select = [
            (col("k").n_unique() - col("k").null_count().gt(lit(0)).cast(IDX_DTYPE)).alias("sql_k"),
            col("label").n_unique().alias("label"),
            col("flag").n_unique().alias("flag"),
            col("day").n_unique().alias("day"),
            col("x").n_unique().alias("x"),
            col("i").sum().alias("sum_i"),
        ];
        let lf = frame()
            .lazy()
            .filter(col("small").gt(lit(100)))
            .select(select);
        let (ours, theirs, taken) = ours_and_polars(lf);
        assert_eq!(taken, 4, "all but the float column's");
        assert_eq!(ours.height(), 1);
        let df = frame();
        let by_hand: std::collections::BTreeSet<i64> = df
            .column("k")
            .expect("k")
            .i64()
            .expect("i64")
            .iter()
            .zip(
                df.column("small")
                    .expect("small")
                    .i32()
                    .expect("i32")
                    .iter(),
            )
            .filter_map(|(k, small)| k.filter(|_| small > Some(100)))
            .collect();
        assert_eq!(
            ours.column("sql_k")
                .expect("sql_k")
                .u32()
                .expect("u32")
                .get(0),
            Some(by_hand.len() as u32),
            "SQL's COUNT(DISTINCT) leaves nulls out"
        );
        assert!(ours.equals_missing(&theirs), "{ours:?}\n{theirs:?}");

        // No rows: 0 distinct values, not null.
        let none = frame().lazy().filter(col("small").gt(lit(5_000))).select([
            col("k").n_unique().alias("k"),
            col("label").n_unique().alias("label"),
        ]);
        let (ours, theirs, taken) = ours_and_polars(none);
        assert_eq!(taken, 2);
        assert_eq!(
            ours.column("k").expect("k").u32().expect("u32").get(0),
            Some(0)
        );
        assert!(ours.equals_missing(&theirs));
    }

    #[test]
    fn the_table_and_the_hash_map_number_groups_alike_and_the_table_grows() {
        let keys = [Some(5), Some(1), Some(5), None, Some(70_000), None, Some(1)];
        // A bound below the largest key (categories added since planning)
        // grows the table instead of reading the key as null.
        for bound in [Some(2), Some(1 << 17), None] {
            let groups = super::Groups::number(keys.into_iter(), keys.len(), bound);
            assert_eq!(groups.ids, [0, 1, 0, 2, 3, 2, 1], "{bound:?}");
            assert_eq!(groups.first, [0, 1, 3, 4], "{bound:?}");
        }
    }
}
