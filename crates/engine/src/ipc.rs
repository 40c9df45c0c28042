//! Arrow IPC streams into (and, for tests and tools, out of) Polars frames.
//!
//! Reading goes through polars-arrow rather than polars-io's
//! `IpcStreamReader` for one reason: dictionary-encoded strings, which the
//! server sends for labels (channel, status, ...). Polars' own import looks
//! every row's string up in the categories; here each dictionary entry is
//! looked up once and the row keys are remapped, so a label column of a
//! million rows costs a pass over integers. Every other column type takes
//! Polars' own conversion.
//!
//! Only uncompressed streams are read (the server writes them so and lets
//! HTTP compress): the engine's wasm carries no zstd or lz4.

use std::io::Cursor;

use polars::prelude::*;
use polars_arrow::array::{Array, DictionaryArray, DictionaryKey, Utf8ViewArray};
use polars_arrow::datatypes::{ArrowDataType, IntegerType};
use polars_arrow::io::ipc::read::{read_stream_metadata, StreamReader, StreamState};
use polars_arrow::io::ipc::write::{StreamWriter, WriteOptions};
use polars_arrow::record_batch::RecordBatchT;

/// Reads a whole Arrow IPC stream into a frame (one chunk per record batch).
pub fn read_stream(bytes: &[u8]) -> PolarsResult<DataFrame> {
    let mut cursor = Cursor::new(bytes);
    let metadata = read_stream_metadata(&mut cursor)?;
    let schema = metadata.schema.clone();
    let mut parts: Vec<Vec<Series>> = vec![Vec::new(); schema.len()];
    for state in StreamReader::new(cursor, metadata, None) {
        let batch = match state? {
            StreamState::Some(batch) => batch,
            StreamState::Waiting => break,
        };
        for ((field, array), column) in schema
            .iter_values()
            .zip(batch.into_arrays())
            .zip(&mut parts)
        {
            column.push(to_series(field, array)?);
        }
    }
    let columns = schema
        .iter_values()
        .zip(parts)
        .map(|(field, column)| {
            let mut chunks = column.into_iter();
            let Some(mut series) = chunks.next() else {
                let dtype = DataType::from_arrow_field(field);
                return Ok(Column::from(Series::new_empty(field.name.clone(), &dtype)));
            };
            for chunk in chunks {
                series.append_owned(chunk)?;
            }
            Ok(Column::from(series))
        })
        .collect::<PolarsResult<Vec<_>>>()?;
    DataFrame::new(columns)
}

/// One column of one record batch.
fn to_series(field: &ArrowField, array: ArrayRef) -> PolarsResult<Series> {
    if let ArrowDataType::Dictionary(key, values, _) = array.dtype() {
        if is_text(values) && field.metadata.is_none() {
            let categorical = match key {
                IntegerType::Int8 => labels::<i8>(field, &*array)?,
                IntegerType::Int16 => labels::<i16>(field, &*array)?,
                IntegerType::Int32 => labels::<i32>(field, &*array)?,
                IntegerType::Int64 => labels::<i64>(field, &*array)?,
                IntegerType::UInt8 => labels::<u8>(field, &*array)?,
                IntegerType::UInt16 => labels::<u16>(field, &*array)?,
                IntegerType::UInt32 => labels::<u32>(field, &*array)?,
                IntegerType::UInt64 => labels::<u64>(field, &*array)?,
                _ => None,
            };
            if let Some(series) = categorical {
                return Ok(series);
            }
        }
    }
    Series::try_from((field, array))
}

fn is_text(dtype: &ArrowDataType) -> bool {
    matches!(
        dtype,
        ArrowDataType::Utf8 | ArrowDataType::LargeUtf8 | ArrowDataType::Utf8View
    )
}

/// A dictionary of strings as a categorical of the global categories (so
/// tables that share labels can join on them), or `None` when this build's
/// categoricals are not 32-bit (then Polars' own import runs).
fn labels<K: DictionaryKey>(field: &ArrowField, array: &dyn Array) -> PolarsResult<Option<Series>> {
    let Some(array) = array.as_any().downcast_ref::<DictionaryArray<K>>() else {
        return Ok(None);
    };
    let dtype = DataType::from_categories(Categories::global());
    let DataType::Categorical(_, mapping) = &dtype else {
        return Ok(None);
    };
    if dtype.cat_physical().ok() != Some(CategoricalPhysical::U32) {
        return Ok(None);
    }
    let values = polars::polars_compute::cast::cast(
        array.values().as_ref(),
        &ArrowDataType::Utf8View,
        Default::default(),
    )?;
    let values = values.as_any().downcast_ref::<Utf8ViewArray>().ok_or_else(
        || polars_err!(ComputeError: "dictionary values of {} are not text", field.name),
    )?;
    // Each distinct label once into the categories; `None` for a null entry.
    let cats = values
        .iter()
        .map(|value| value.map(|s| mapping.insert_cat(s)).transpose())
        .collect::<PolarsResult<Vec<Option<u32>>>>()?;
    let keys = array.keys();
    let mut codes = Vec::with_capacity(keys.len());
    let mut valid = Vec::with_capacity(keys.len());
    for (i, key) in keys.values().iter().enumerate() {
        let cat = if keys.is_null(i) {
            None
        } else {
            let index: Option<usize> = (*key).try_into().ok();
            match index.and_then(|k| cats.get(k)) {
                Some(cat) => *cat,
                None => polars_bail!(
                    ComputeError: "column {}: dictionary key {i} is out of range", field.name
                ),
            }
        };
        codes.push(cat.unwrap_or(0));
        valid.push(cat.is_some());
    }
    let validity = valid
        .contains(&false)
        .then(|| polars_arrow::bitmap::Bitmap::from_iter(valid));
    let physical = UInt32Chunked::from_vec_validity(field.name.clone(), codes, validity);
    let categorical = CategoricalChunked::<Categorical32Type>::from_cats_and_dtype(physical, dtype);
    Ok(Some(categorical.into_series()))
}

/// Writes a frame as an uncompressed Arrow IPC stream (categoricals as
/// dictionaries). The engine reads extracts, it does not send frames
/// anywhere: this is for tests and tools that make extracts.
pub fn write_stream(df: &mut DataFrame) -> PolarsResult<Vec<u8>> {
    df.rechunk_mut();
    let schema = df.schema().to_arrow(CompatLevel::newest());
    write_batches(&schema, df.iter_chunks(CompatLevel::newest(), true))
}

fn write_batches(
    schema: &ArrowSchema,
    batches: impl IntoIterator<Item = RecordBatchT<ArrayRef>>,
) -> PolarsResult<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut writer = StreamWriter::new(&mut bytes, WriteOptions { compression: None });
    writer.start(schema, None)?;
    for batch in batches {
        writer.write(&batch, None)?;
    }
    writer.finish()?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labelled() -> DataFrame {
        df!(
            "channel" => ["web", "store", "web", "app"],
            "amount" => [1.5, 2.0, 3.25, 4.0],
        )
        .expect("frame")
    }

    #[test]
    fn plain_columns_round_trip() {
        let mut df = labelled();
        let bytes = write_stream(&mut df).expect("written");
        let back = read_stream(&bytes).expect("read");
        assert!(back.equals(&df), "{back}");
    }

    /// A stream as the server writes labels: a plain Arrow dictionary
    /// (no Polars metadata), split over two record batches.
    fn dictionary_stream(keys: [Vec<Option<i32>>; 2], labels: &[Option<&str>]) -> Vec<u8> {
        let values = Utf8ViewArray::from_slice(labels).boxed();
        let batches: Vec<_> = keys
            .into_iter()
            .map(|keys| {
                let len = keys.len();
                let keys = polars_arrow::array::PrimitiveArray::<i32>::from(keys);
                let array = DictionaryArray::<i32>::try_new(
                    ArrowDataType::Dictionary(
                        IntegerType::Int32,
                        Box::new(ArrowDataType::Utf8View),
                        false,
                    ),
                    keys,
                    values.clone(),
                )
                .expect("dictionary");
                (len, array.boxed())
            })
            .collect();
        let field = ArrowField::new("channel".into(), batches[0].1.dtype().clone(), true);
        let schema: ArrowSchema = std::iter::once(field).collect();
        let schema = std::sync::Arc::new(schema);
        write_batches(
            &schema,
            batches
                .into_iter()
                .map(|(len, array)| RecordBatchT::new(len, schema.clone(), vec![array])),
        )
        .expect("written")
    }

    #[test]
    fn dictionaries_become_categoricals_with_their_labels() {
        let bytes = dictionary_stream(
            [
                vec![Some(0), Some(1), None],
                vec![Some(2), Some(0), Some(3)],
            ],
            &[Some("web"), Some("store"), Some("app"), None],
        );
        let back = read_stream(&bytes).expect("read");
        let channel = back.column("channel").expect("column");
        assert!(matches!(channel.dtype(), DataType::Categorical(_, _)));
        let text = channel.cast(&DataType::String).expect("text");
        let text: Vec<_> = text.str().expect("str").into_iter().collect();
        // A null key and a key to a null label are both null.
        assert_eq!(
            text,
            [
                Some("web"),
                Some("store"),
                None,
                Some("app"),
                Some("web"),
                None
            ]
        );
        // The same labels in another table share the global categories.
        let plain = Series::new("c".into(), ["store", "web"])
            .cast(&DataType::from_categories(Categories::global()))
            .expect("categorical");
        let joined = channel
            .as_materialized_series()
            .equal(&plain.new_from_index(0, 6));
        let joined: Vec<_> = joined.expect("compare").into_iter().collect();
        assert_eq!(joined[1], Some(true));
    }

    #[test]
    fn polars_categoricals_round_trip() {
        let mut df = labelled();
        df.apply("channel", |c| {
            c.cast(&DataType::from_categories(Categories::global()))
                .expect("cast")
        })
        .expect("categorical");
        let bytes = write_stream(&mut df).expect("written");
        let back = read_stream(&bytes).expect("read");
        assert!(back.equals(&df), "{back}");
    }

    #[test]
    fn truncated_streams_are_errors() {
        let mut df = labelled();
        let bytes = write_stream(&mut df).expect("written");
        assert!(read_stream(&bytes[..bytes.len() / 2]).is_err());
        assert!(read_stream(b"not arrow").is_err());
    }
}
