#!/usr/bin/env bash
# What the live event stream costs one instance, against the release build:
#   1. resident memory with 0, 1,000, 5,000 and 10,000 idle streams open
#      (how many fit in the 64 MiB RSS budget of bench/README.md);
#   2. the delay from a write (POST /api/v1/posts, published) to its event
#      at a subscriber, alone and with the idle streams open beside it.
# The idle streams all come from one address, so the per-client cap is
# raised for the run. Not part of `cargo test`.
#
#   bench/events.sh [--writes 200] [--port 18092]
#
# Prints a Markdown table and writes it to target/bench/events.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

WRITES=200
PORT=18092
while [ $# -gt 0 ]; do
  case $1 in
    --writes) WRITES=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

SERVER=${BENCH_SERVER_URL:-postgres://postgres@127.0.0.1:5432}
DB=folio_events_bench
BASE=http://127.0.0.1:$PORT
OUT=target/bench
ADMIN_EMAIL=events@example.com
ADMIN_PASSWORD=events-bench-password
mkdir -p "$OUT"
BIN=$(bench_binary --release)
ulimit -n 65536 2>/dev/null || true

bench_machine

PID="" HOLDER_PID=""
cleanup() {
  [ -n "$HOLDER_PID" ] && kill "$HOLDER_PID" 2>/dev/null || true
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill -TERM "$PID"; wait "$PID" || true; fi
  psql -q "$SERVER/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bench_fresh_db "$SERVER" "$DB"

env DATABASE_URL="$SERVER/$DB" FOLIO_ADDR="127.0.0.1:$PORT" FOLIO_ENV=development \
  FOLIO_ADMIN_EMAIL="$ADMIN_EMAIL" FOLIO_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
  FOLIO_JWT_SECRET=events-bench-secret-0123456789-0123456789 \
  FOLIO_ACCESS_TOKEN_TTL_SECS=86400 FOLIO_RATE_LIMIT_PER_MINUTE=0 \
  FOLIO_EVENTS_MAX_STREAMS=20000 FOLIO_EVENTS_MAX_STREAMS_PER_CLIENT=20000 RUST_LOG=warn \
  "$BIN" >"$OUT/folio-events.log" 2>&1 &
PID=$!
bench_wait_ready "$BASE" "$PID" "$OUT/folio-events.log"
TOKEN=$(bench_login "$BASE" "$ADMIN_EMAIL" "$ADMIN_PASSWORD")
rss() { awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$PID/status"; }

ROWS=""
delay_row() {
  local streams=$1 result
  result=$(node bench/sse.mjs delay "$BASE" "$TOKEN" "$WRITES")
  read -r _ _ d50 _ d99 _ _ w50 _ w99 <<<"$result"
  echo "  $streams idle streams: write→event p50 $d50 ms p99 $d99 ms (the write alone p50 $w50 p99 $w99), RSS $(rss) MiB"
  ROWS+="| $streams | $(rss) | $d50 | $d99 | $w50 | $w99 |"$'\n'
}

delay_row 0
for n in 1000 5000 10000; do
  [ -n "$HOLDER_PID" ] && kill "$HOLDER_PID" 2>/dev/null && wait "$HOLDER_PID" 2>/dev/null || true
  sleep 1
  coproc HOLDER { exec node bench/sse.mjs idle "$BASE" "$n"; }
  HOLDER_PID=$HOLDER_PID
  read -r _ opened <&"${HOLDER[0]}"
  sleep 2
  echo "opened $opened streams"
  delay_row "$opened"
done

{
  echo "Machine: $MACHINE. Commit $(git rev-parse --short HEAD), $(date -u +%Y-%m-%d)."
  echo
  echo "One instance; idle anonymous streams held open by one Node process; $WRITES writes per row, one at a time, each a published post whose event a separate subscriber waits for:"
  echo
  echo "| idle streams | RSS MiB | write→event p50 ms | p99 ms | write alone p50 ms | p99 ms |"
  echo "|---:|---:|---:|---:|---:|---:|"
  printf '%s' "$ROWS"
} | tee "$OUT/events.md"
