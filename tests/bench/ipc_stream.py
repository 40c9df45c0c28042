"""Rewrites an Arrow IPC file as an Arrow IPC stream (what the engine and
DuckDB-WASM's insertArrowFromIPCStream read), keeping its record batches.
Usage: ipc_stream.py IN.arrow OUT.arrows"""
import sys, pyarrow.ipc as ipc
src, out = sys.argv[1], sys.argv[2]
reader = ipc.open_file(src)
with ipc.new_stream(out, reader.schema) as w:
  for i in range(reader.num_record_batches):
    w.write_batch(reader.get_batch(i))
print(out, reader.num_record_batches, "batches")
