#!/usr/bin/env bash
# Asks per second on loopback: one `slicewise serve` over SQLite or the local
# PostgreSQL (127.0.0.1:5432, trust auth; a database of its own, dropped at
# the end), driven by wrk (`apt-get install wrk`) with asks.lua.
#
#   tests/bench/asks.sh BIN sqlite|postgres [SECONDS] [CONNECTIONS] [POOL]
#
# BIN is a built `slicewise` (release: cargo build --release -p
# slicewise-server). MISS=1 makes every question new. POOL (when given)
# is passed as --database-pool-size. Prints wrk's figures, then the
# server's connection counters.
set -euo pipefail
bin=$(realpath "$1"); db=$2; seconds=${3:-10}; conns=${4:-16}; pool=${5:-}
here=$(cd "$(dirname "$0")" && pwd)
catalog="$here/../../examples/retail/catalog.toml"
tmp=$(mktemp -d)
port=$((20000 + RANDOM % 20000)); mport=$((port + 1))
pgdb="slicewise_bench_$$"
cleanup() {
  [[ -n ${server:-} ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  [[ $db == postgres ]] && psql -qh 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" >/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
# No quota in the way: acme is on the enterprise tier (no daily limit).
cat > "$tmp/slicewise.toml" <<TOML
[quotas]
burst_per_minute = 1000000000
TOML
case $db in
  sqlite)
    "$bin" seed-demo --db "$tmp/data.db" --scale 0.01 --data-dir "$tmp/data" >/dev/null
    source_args=(--db "$tmp/data.db") ;;
  postgres)
    psql -qh 127.0.0.1 -U postgres -c "CREATE DATABASE $pgdb" >/dev/null
    url="host=127.0.0.1 port=5432 user=postgres dbname=$pgdb"
    "$bin" seed-demo --database-url "$url" --scale 0.01 --data-dir "$tmp/data" >/dev/null
    # A development setup (the privileged login works as the read role).
    source_args=(--database-url "$url" --allow-privileged-database-role) ;;
  *) echo "sqlite or postgres, not $db" >&2; exit 2 ;;
esac
extra=()
[[ -n $pool ]] && extra=(--database-pool-size "$pool")
RUST_LOG=warn "$bin" --config "$tmp/slicewise.toml" serve "${source_args[@]}" \
  --catalog "$catalog" --data-dir "$tmp/data" --static-dir "$tmp/none" \
  --addr "127.0.0.1:$port" --metrics-addr "127.0.0.1:$mport" "${extra[@]}" \
  >"$tmp/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  sleep 0.1
done
token=$("$bin" token --tenant acme --data-dir "$tmp/data")
# Warm up (the answer cache, the pools), then measure.
TOKEN=$token wrk -t1 -c"$conns" -d2s -s "$here/asks.lua" "http://127.0.0.1:$port" >/dev/null
TOKEN=$token wrk -t2 -c"$conns" -d"${seconds}s" --latency -s "$here/asks.lua" "http://127.0.0.1:$port"
curl -s "http://127.0.0.1:$mport/metrics" | grep -E '^slicewise_(db_conn|http_requests_total\{route="/api/v1/ask")' || true
