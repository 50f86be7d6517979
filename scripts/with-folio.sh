#!/usr/bin/env bash
# Runs a command against a live Folio: builds the binary, starts it on a
# fresh database and a free port, exports FOLIO_URL, FOLIO_ADMIN_EMAIL and
# FOLIO_ADMIN_PASSWORD, runs "$@", then stops Folio and drops the database.
# Webhooks may reach loopback (the tests' receivers listen on 127.0.0.1)
# and retry within a fraction of a second. EXAMPLE_SITE_URL is a second free
# origin that Folio allows by CORS: a page a test serves there (the example
# blog's preview) may call the API from the browser. The binary is looked
# for in $CARGO_TARGET_DIR when it is set.
#   scripts/with-folio.sh npm --prefix clients/typescript test
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --bin folio
target="${CARGO_TARGET_DIR:-target}"
server="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432}"
db="folio_script_$$_$RANDOM"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
export FOLIO_URL="http://127.0.0.1:$port"
export EXAMPLE_SITE_URL="http://127.0.0.1:$(free_port)"
export FOLIO_ADMIN_EMAIL="admin@example.com"
export FOLIO_ADMIN_PASSWORD="script-password-$RANDOM$RANDOM"
log="$target/with-folio-$port.log"
media=$(mktemp -d)

DATABASE_URL="$server/$db" FOLIO_ADDR="127.0.0.1:$port" FOLIO_RATE_LIMIT_PER_MINUTE=0 \
  FOLIO_JWT_SECRET="script-secret-that-is-at-least-32-bytes" \
  FOLIO_WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8,::1" FOLIO_WEBHOOK_RETRY_BASE_MS=200 \
  FOLIO_CORS_ORIGINS="$EXAMPLE_SITE_URL" FOLIO_MEDIA_DIR="$media" \
  "$target/debug/folio" >"$log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$media"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  curl -sf "$FOLIO_URL/health/ready" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.2
done
curl -sf "$FOLIO_URL/health/ready" >/dev/null || { echo "Folio did not become ready"; cat "$log"; exit 1; }

"$@"
