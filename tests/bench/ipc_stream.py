"""Rewrites an Arrow IPC file as an Arrow IPC stream (what the engine and
DuckDB-WASM's insertArrowFromIPCStream read), keeping its record batches.
Label columns (strings with at most one distinct value in 16 rows) become
Arrow dictionaries, one per column for the whole stream, as the server's
extracts send them; both engines read the same bytes.
Usage: ipc_stream.py IN.arrow OUT.arrows"""
import sys, pyarrow as pa, pyarrow.compute as pc, pyarrow.ipc as ipc
src, out = sys.argv[1], sys.argv[2]
reader = ipc.open_file(src)
batches = [reader.get_batch(i) for i in range(reader.num_record_batches)]
table = pa.Table.from_batches(batches, reader.schema)
labels = []
for i, field in enumerate(table.schema):
  column = table.column(i)
  if pa.types.is_string(field.type) and pc.count_distinct(column).as_py() * 16 <= max(len(column), 16):
    table = table.set_column(i, field.name, pc.dictionary_encode(column))
    labels.append(field.name)
table = table.unify_dictionaries()
with ipc.new_stream(out, table.schema) as w:
  for batch in table.to_batches(max_chunksize=max(b.num_rows for b in batches) if batches else None):
    w.write_batch(batch)
print(out, len(batches), "batches; dictionaries:", ", ".join(labels) or "none")
