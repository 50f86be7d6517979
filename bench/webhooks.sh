#!/usr/bin/env bash
# What webhooks cost, in one command, against the release build:
#   1. the added cost per write: POST /api/v1/posts (create and publish)
#      under wrk with no subscriptions, then with 3 active ones (all
#      events, delivered to a fast loopback receiver while writes go on);
#   2. how many deliveries per second one instance sustains to a fast
#      receiver: N events fanned out to 3 subscriptions in one statement,
#      timed until the queue is empty, at FOLIO_WEBHOOK_CONCURRENCY 4
#      (the default) and 32.
# Not part of `cargo test`.
#
#   bench/webhooks.sh [--duration 10s] [--connections 16] [--events 5000] [--port 18091]
#
# Prints a Markdown table and writes it to target/bench/webhooks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

DURATION=10s
CONNECTIONS=16
EVENTS=5000
PORT=18091
while [ $# -gt 0 ]; do
  case $1 in
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --events) EVENTS=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

SERVER=${BENCH_SERVER_URL:-postgres://postgres@127.0.0.1:5432}
DB=folio_webhooks_bench
BASE=http://127.0.0.1:$PORT
OUT=target/bench
ADMIN_EMAIL=hooks@example.com
ADMIN_PASSWORD=webhooks-bench-password
mkdir -p "$OUT"
command -v wrk >/dev/null || apt-get install -y wrk
BIN=$(bench_binary --release)

bench_machine

PID="" RECEIVER_PID=""
stop_folio() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill -TERM "$PID"; wait "$PID" || true; fi
  PID=""
}
cleanup() {
  stop_folio
  [ -n "$RECEIVER_PID" ] && kill -TERM "$RECEIVER_PID" 2>/dev/null || true
  psql -q "$SERVER/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bench_fresh_db "$SERVER" "$DB"

start_folio() {
  env DATABASE_URL="$SERVER/$DB" FOLIO_ADDR="127.0.0.1:$PORT" FOLIO_ENV=development \
    FOLIO_ADMIN_EMAIL="$ADMIN_EMAIL" FOLIO_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    FOLIO_JWT_SECRET=webhooks-bench-secret-0123456789-0123456789 \
    FOLIO_ACCESS_TOKEN_TTL_SECS=86400 FOLIO_RATE_LIMIT_PER_MINUTE=0 \
    FOLIO_WEBHOOK_ALLOWED_NETWORKS=127.0.0.0/8 FOLIO_WEBHOOK_CONCURRENCY="$1" RUST_LOG=warn \
    "$BIN" >"$OUT/folio-webhooks.log" 2>&1 &
  PID=$!
  bench_wait_ready "$BASE" "$PID" "$OUT/folio-webhooks.log"
}

coproc RECEIVER { exec node bench/receiver.mjs; }
RECEIVER_PID=$RECEIVER_PID
read -r RECEIVER_PORT <&"${RECEIVER[0]}"
HOOK_URL="http://127.0.0.1:$RECEIVER_PORT/hook"

start_folio 4
TOKEN=$(bench_login "$BASE" "$ADMIN_EMAIL" "$ADMIN_PASSWORD")
# ~4 KB bodies, as bench/load.sh writes them.
python3 bench/load_seed.py "$BASE" "$TOKEN" 20 4 "$OUT/webhook-bodies.txt" >/dev/null

ROWS=$OUT/webhooks-rows.tsv
: >"$ROWS"
write_row() {
  local name=$1 result requests rps p50 p99 unexpected socket_errors
  env LOAD_MODE=write LOAD_EXPECT=201 LOAD_TOKEN="$TOKEN" LOAD_BODIES="$OUT/webhook-bodies.txt" \
    LOAD_RUN="h$(date +%s%N)" \
    wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --timeout 10s -s bench/load.lua "$BASE" >"$OUT/wrk-webhooks.txt"
  result=$(grep '^LOADRESULT ' "$OUT/wrk-webhooks.txt")
  read -r _ requests _ rps p50 p99 _ unexpected _ socket_errors <<<"$result"
  printf '| %s | %.0f | %.2f | %.2f | %d |\n' "$name" "$rps" "$p50" "$p99" $((unexpected + socket_errors)) >>"$ROWS"
  echo "  $name: $rps writes/s, p50 $p50 ms, p99 $p99 ms"
}
pending() { psql -tA "$SERVER/$DB" -c "SELECT count(*) FROM webhook_deliveries WHERE state = 'pending'"; }

echo "writes, no subscriptions:"
write_row 'POST /api/v1/posts, 0 subscriptions'
for i in 1 2 3; do
  curl -sf -o /dev/null "$BASE/api/v1/webhooks" -H "authorization: Bearer $TOKEN" \
    -H 'content-type: application/json' -d "{\"url\": \"$HOOK_URL\", \"events\": [\"*\"]}"
done
echo "writes, 3 subscriptions (delivering meanwhile):"
write_row 'POST /api/v1/posts, 3 subscriptions'
# Let the deliveries of the write rows drain before timing a clean queue.
while [ "$(pending)" -gt 0 ]; do sleep 0.2; done

DELIVERY_ROWS=""
deliveries_row() {
  local concurrency=$1 t0 t1 n
  stop_folio
  start_folio "$concurrency"
  n=$((EVENTS * 3))
  t0=$(date +%s%N)
  psql -q -o /dev/null "$SERVER/$DB" -c "SELECT folio_emit_event('post.updated', NULL, '{\"bench\": true}', NULL) FROM generate_series(1, $EVENTS)"
  while [ "$(pending)" -gt 0 ]; do sleep 0.05; done
  t1=$(date +%s%N)
  local failed
  failed=$(psql -tA "$SERVER/$DB" -c "SELECT count(*) FROM webhook_deliveries WHERE state <> 'succeeded'")
  local secs rate
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", (b - a) / 1e9}')
  rate=$(awk -v n="$n" -v s="$secs" 'BEGIN {printf "%.0f", n / s}')
  echo "  concurrency $concurrency: $n deliveries in $secs s = $rate/s ($failed not succeeded)"
  DELIVERY_ROWS+="| FOLIO_WEBHOOK_CONCURRENCY=$concurrency | $n | $secs | $rate | $failed |"$'\n'
  psql -q "$SERVER/$DB" -c "DELETE FROM webhook_deliveries" -c "DELETE FROM events"
}
echo "deliveries to a fast receiver:"
deliveries_row 4
deliveries_row 32

{
  echo "Machine: $MACHINE. Commit $(git rev-parse --short HEAD), $(date -u +%Y-%m-%d)."
  echo
  echo "Writes (wrk -t2 -c$CONNECTIONS -d$DURATION, ~4 KB Markdown bodies, each creating a published post):"
  echo
  echo "| row | writes/s | p50 ms | p99 ms | errors |"
  echo "|---|---:|---:|---:|---:|"
  cat "$ROWS"
  echo
  echo "Deliveries ($EVENTS events × 3 subscriptions, emitted in one statement; one instance; receiver answers 204 at once):"
  echo
  echo "| setting | deliveries | seconds | deliveries/s | not succeeded |"
  echo "|---|---:|---:|---:|---:|"
  printf '%s' "$DELIVERY_ROWS"
} | tee "$OUT/webhooks.md"
