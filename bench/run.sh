#!/usr/bin/env bash
# The read API at 100,000 posts: seeds a throw-away database straight
# through SQL (bench/seed.sql), starts a release build of Folio on it and
# reports the latency of list, filter, sort, cursor and search requests.
# Sequential requests (one at a time) measure latency, not throughput.
# Not part of `cargo test`. Usage: bench/run.sh [posts] [requests-per-case]
set -euo pipefail
cd "$(dirname "$0")/.."

POSTS=${1:-100000}
N=${2:-200}
SERVER=${BENCH_SERVER_URL:-postgres://postgres@127.0.0.1:5432}
DB=folio_bench
ADDR=127.0.0.1:${BENCH_PORT:-18080}
BASE=http://$ADDR

[ -x target/release/folio ] || cargo build --release
psql -q "$SERVER/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"

DATABASE_URL=$SERVER/$DB FOLIO_ADDR=$ADDR FOLIO_ENV=development \
  FOLIO_ADMIN_PASSWORD=bench-password-long FOLIO_LOG_FORMAT=json RUST_LOG=warn \
  FOLIO_DB_POOL_SIZE=8 target/release/folio > /tmp/folio-bench.log 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "$BASE/health/ready" >/dev/null && break; sleep 0.2; done

echo "seeding $POSTS posts…"
start=$(date +%s)
psql -q -v ON_ERROR_STOP=1 -v n="$POSTS" "$SERVER/$DB" -f bench/seed.sql
echo "seeded in $(( $(date +%s) - start )) s; $(psql -tA "$SERVER/$DB" -c "SELECT pg_size_pretty(pg_total_relation_size('posts'))") on disk"

AUTHOR=$(psql -tA "$SERVER/$DB" -c "SELECT id FROM users WHERE email = 'bench7@example.com'")
SEARCH_CURSOR=$(curl -s "$BASE/api/v1/posts?q=w12345&limit=5" | sed -E 's/.*"next_cursor":"([^"]+)".*/\1/')
DEEP_CURSOR=$(curl -s "$BASE/api/v1/posts?limit=20&page=2000" | sed -E 's/.*"next_cursor":"([^"]+)".*/\1/')

# Prints p50 / p95 / p99 / max in milliseconds of N requests to a path.
measure() {
  local name=$1 path=$2
  shift 2
  local status
  status=$(curl -s -o /dev/null -w '%{http_code}' "$@" "$BASE$path")
  for _ in $(seq 1 "$N"); do
    curl -s -o /dev/null -w '%{time_total}\n' "$@" "$BASE$path"
  done | sort -n | awk -v name="$name" -v status="$status" '
    { t[NR] = $1 * 1000 }
    END { printf "| %-34s | %s | %6.1f | %6.1f | %6.1f | %6.1f |\n", name, status,
          t[int(NR*0.5)], t[int(NR*0.95)], t[int(NR*0.99)], t[NR] }'
}

echo
echo "| case ($N sequential requests) | status | p50 ms | p95 ms | p99 ms | max ms |"
echo "|---|---|---|---|---|---|"
measure "list, newest 20 (with count)" "/api/v1/posts?limit=20"
measure "list, 100 per page" "/api/v1/posts?limit=100"
measure "list, page 2000 (offset 40,000)" "/api/v1/posts?limit=20&page=2000"
measure "cursor after 40,000 posts" "/api/v1/posts?limit=20&cursor=$DEEP_CURSOR"
measure "filter tag (1 in 200)" "/api/v1/posts?tag=tag42"
measure "filter metadata.series" "/api/v1/posts?metadata.series=series7"
measure "filter author + published_after" "/api/v1/posts?author=$AUTHOR&published_after=2018-01-01"
measure "sort=title" "/api/v1/posts?sort=title"
measure "sort=-updated_at" "/api/v1/posts?sort=-updated_at"
measure "search, rare word (~0.8%)" "/api/v1/posts?q=w12345"
measure "search, two words no post has" "/api/v1/posts?q=coffee%20garden"
measure "search, phrase and exclusion" "/api/v1/posts?q=%22about%20rust%22%20-coffee"
measure "search, common word (~4%)" "/api/v1/posts?q=rust"
measure "search + tag, by date" "/api/v1/posts?q=rust&tag=tag3&sort=-published_at"
measure "search, cursor page 2" "/api/v1/posts?q=w12345&limit=5&cursor=$SEARCH_CURSOR"
measure "search, worst case (every post)" "/api/v1/posts?q=post"
measure "single post" "/api/v1/posts/bench-4242"
ETAG=$(curl -s -D - -o /dev/null "$BASE/api/v1/posts?limit=20" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag" {print $2}')
measure "list, If-None-Match (304)" "/api/v1/posts?limit=20" -H "If-None-Match: $ETAG"
measure "rss.xml (20 items with HTML)" "/rss.xml"
