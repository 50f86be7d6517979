#!/usr/bin/env bash
# Fuzzes a live Folio from its own OpenAPI document with schemathesis: every
# operation, every check, authenticated as the admin. Exits non-zero on any
# failure.
#
# It builds Folio (debug), starts it on a free port over a fresh database,
# runs `st run`, then stops the server and drops the database, whatever
# happens. schemathesis is installed, pinned, into a venv under target/.
#
#   scripts/schemathesis.sh                      # the CI run (bounded: ~1 min here)
#   ST_MAX_EXAMPLES=200 scripts/schemathesis.sh  # a longer hunt
#   scripts/schemathesis.sh --include-path-regex '^/api/v1/posts$'  # extra st flags
set -euo pipefail
cd "$(dirname "$0")/.."

ST_VERSION=4.32.5
VENV=target/schemathesis-venv
MAX_EXAMPLES=${ST_MAX_EXAMPLES:-50}
PG=${ST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
DB=folio_st_$$
PASSWORD=schemathesis-admin-password
LOG=target/schemathesis-folio.log

echo "== schemathesis $ST_VERSION"
if [[ "$("$VENV/bin/st" --version 2>/dev/null || true)" != *"$ST_VERSION"* ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$ST_VERSION"
fi
"$VENV/bin/st" --version

echo "== build"
cargo build --quiet --locked

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
SERVER_PID=

cleanup() {
  status=$?
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
  exit "$status"
}
trap cleanup EXIT

echo "== start Folio on $BASE (database $DB)"
# The request rate limit is off: thousands of requests from one address are
# the point of this run.
DATABASE_URL="$PG/$DB" \
FOLIO_ENV=development \
FOLIO_ADDR="127.0.0.1:$PORT" \
FOLIO_ADMIN_EMAIL=admin@localhost \
FOLIO_ADMIN_PASSWORD="$PASSWORD" \
FOLIO_JWT_SECRET=schemathesis-secret-at-least-32-bytes-long \
FOLIO_LOG_FORMAT=json \
FOLIO_ACCESS_TOKEN_TTL_SECS=86400 \
FOLIO_RATE_LIMIT_PER_MINUTE=0 \
RUST_LOG="${ST_FOLIO_LOG:-warn}" \
  "${CARGO_TARGET_DIR:-target}/debug/folio" >"$LOG" 2>&1 &
SERVER_PID=$!

for _ in $(seq 1 60); do
  if curl -fsS "$BASE/health/ready" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "Folio exited during start-up:" >&2
    cat "$LOG" >&2
    exit 1
  fi
  sleep 0.5
done
curl -fsS "$BASE/health/ready" >/dev/null

TOKEN=$(curl -fsS "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"email\": \"admin@localhost\", \"password\": \"$PASSWORD\"}" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

# One worker: with two, schemathesis 4.32.5's coverage phase sometimes dies
# in Hypothesis ("AST constructor recursion depth mismatch"), a tool error.
# The seed fixes the generated cases; the stateful phase still varies a little.
# positive_data_acceptance is off: it expects every schema-valid request to
# succeed, but some rules no JSON Schema can state — an expiry date in the
# future, a cursor or sync token Folio issued, an email address that really
# is one, a slug made from a new tag's name — are checked by the server (a
# 422 or 400 naming the field), as they should be. Every other check stays on:
# no 5xx, documented statuses and bodies, schema-violating input refused.
# The event stream is left out: a successful call never ends (it streams
# until the client leaves), which a request-response fuzzer reads as a
# hang; tests/api/events.rs covers it, refusals included.
echo "== st run (max $MAX_EXAMPLES examples per operation)"
SCHEMATHESIS_HOOKS=scripts/schemathesis_hooks.py \
"$VENV/bin/st" --config-file scripts/schemathesis.toml run "$BASE/openapi.json" \
  --checks all \
  --exclude-checks positive_data_acceptance \
  --exclude-operation-id stream_events \
  --header "Authorization: Bearer $TOKEN" \
  --max-examples "$MAX_EXAMPLES" \
  --seed 1 \
  --workers 1 \
  --no-color \
  "$@"

# A 500 is already a schemathesis failure; this also catches an internal
# error behind an answer that looked fine.
if grep -q '"message":"internal error"' "$LOG"; then
  echo "Folio logged internal errors during the run:" >&2
  grep '"message":"internal error"' "$LOG" >&2
  exit 1
fi
echo "== schemathesis: clean"
