#!/usr/bin/env bash
# Folio under load, in one command: throughput, latency percentiles, errors
# and peak memory of the read and write API with many concurrent clients,
# next to two ceilings measured in the same run: pgbench running the same
# SQL (what PostgreSQL alone can do) and /health/live (what actix-web
# alone can do). Not part of `cargo test`.
#
#   bench/load.sh [--posts N] [--duration 10s] [--connections 64] [--threads 2]
#                 [--port 18090] [--seed bulk|single] [--writes-only] [--only REGEX]
#
# `--writes-only` seeds, then runs the POST row alone (no read or pgbench
# rows): the quick check of what a post write costs. `--only` runs just
# the wrk rows whose name matches the extended regular expression (and no
# pgbench rows): `--only 'slug}$|q=word'` is the search ratio alone.
# Seeds a fresh `folio_load` database through the API (posts post-1 …
# post-N; by default through the bulk import, `--seed single` posts them
# one request each), runs wrk once per row, prints a Markdown table and writes it to
# target/bench/load.md. The database is dropped and Folio stopped on exit.
# See README.md, "Performance", for what each row means.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

POSTS=1000
DURATION=10s
CONNECTIONS=64
THREADS=2
PORT=18090
SEED_MODE=bulk
WRITES_ONLY=0
ONLY=""
usage() { sed -n '8,9p' "$0" | sed 's/^# \{0,3\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case $1 in
    --posts) POSTS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --seed) SEED_MODE=$2; shift 2 ;;
    --writes-only) WRITES_ONLY=1; shift ;;
    --only) ONLY=$2; shift 2 ;;
    -h | --help) usage ;;
    *) echo "unknown argument: $1" >&2; usage 2 >&2 ;;
  esac
done
[[ $POSTS =~ ^[0-9]+$ && $POSTS -ge 20 ]] || { echo "--posts: a number ≥ 20" >&2; exit 2; }
[[ $SEED_MODE == bulk || $SEED_MODE == single ]] || { echo "--seed: bulk or single" >&2; exit 2; }
[[ $DURATION =~ ^[0-9]+s$ ]] || { echo "--duration: seconds, e.g. 10s" >&2; exit 2; }
SECONDS_PER_ROW=${DURATION%s}

SERVER=${BENCH_SERVER_URL:-postgres://postgres@127.0.0.1:5432}
DB=${BENCH_DB:-${LOAD_DB:-folio_load}}
ADDR=127.0.0.1:$PORT
BASE=http://$ADDR
OUT=target/bench
ADMIN_EMAIL=load@example.com
ADMIN_PASSWORD=load-bench-password-long
mkdir -p "$OUT"

command -v wrk >/dev/null || apt-get install -y wrk
command -v pgbench >/dev/null || PATH=$PATH:$(pg_config --bindir)
# FOLIO_BIN runs a binary built elsewhere (another commit, for a before
# and after on one machine).
BIN=${FOLIO_BIN:-$(bench_binary --release)}

# Machine and settings first: the load average tells how much of the two
# shared cores other work was using when the numbers were taken.
CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
MACHINE="$(nproc) cores ($CPU), load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
SETTINGS="$POSTS posts, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, pgbench -j$THREADS -c$CONNECTIONS -T$SECONDS_PER_ROW"
echo "machine: $MACHINE"
echo "settings: $SETTINGS"

PID=""
stop_folio() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID"
    wait "$PID" || true
  fi
  PID=""
}
cleanup() {
  stop_folio
  psql -q "$SERVER/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

psql -q "$SERVER/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"

# Starts Folio with FOLIO_CACHE_MAX_BYTES=$1 (0: no response cache; empty:
# Folio's default) and sets PID and READY_MS: milliseconds from spawn until
# /health/ready answers 200. Rate limiting is off (one client address
# sends everything); the JWT secret is fixed so a token outlives restarts.
STARTS=0
start_folio() {
  STARTS=$((STARTS + 1))
  local t0
  t0=$(date +%s%N)
  env DATABASE_URL="$SERVER/$DB" FOLIO_ADDR="$ADDR" FOLIO_ENV=development \
    FOLIO_ADMIN_EMAIL="$ADMIN_EMAIL" FOLIO_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    FOLIO_JWT_SECRET=load-bench-secret-load-bench-secret-0123456789 \
    FOLIO_ACCESS_TOKEN_TTL_SECS=86400 FOLIO_RATE_LIMIT_PER_MINUTE=0 \
    ${1:+FOLIO_CACHE_MAX_BYTES=$1} RUST_LOG=warn \
    "$BIN" >"$OUT/folio-$STARTS.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 3000); do
    if curl -sf -o /dev/null "$BASE/health/ready"; then
      READY_MS=$((($(date +%s%N) - t0) / 1000000))
      return
    fi
    kill -0 "$PID" 2>/dev/null || { cat "$OUT/folio-$STARTS.log" >&2; exit 1; }
    sleep 0.01
  done
  echo "Folio not ready after 30 s" >&2
  exit 1
}

# Peak RSS per row: clear_refs value 5 resets VmHWM to the current RSS.
reset_peak() { echo 5 >"/proc/$PID/clear_refs"; }
mib() { awk -v f="$1" '$1 == f":" {printf "%.1f", $2 / 1024}' "/proc/$PID/status"; }

# The first start migrates the fresh database and creates the admin; the
# second one, on a migrated database, is the start-up time that matters
# for restarts and scaling out.
start_folio 0
stop_folio
start_folio 0
FIRST_READY_MS=$READY_MS
sleep 1
IDLE_RSS=$(mib VmRSS)
echo "ready after start: ${FIRST_READY_MS} ms (second start, migrated database); idle RSS ${IDLE_RSS} MiB"

TOKEN=$(curl -sf "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"email\": \"$ADMIN_EMAIL\", \"password\": \"$ADMIN_PASSWORD\"}" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

# Seeding through the API: every post is rendered and indexed exactly as
# an author's would be. The bulk import sends 250 posts a request, 2 at a
# time (one per core); single POSTs go 16 at a time.
SEED_WORKERS=16
[ "$SEED_MODE" = bulk ] && SEED_WORKERS=2
echo "seeding $POSTS posts ($SEED_MODE)…"
SEED=$(python3 bench/load_seed.py "$BASE" "$TOKEN" "$POSTS" "$SEED_WORKERS" "$OUT/bodies.txt" "$SEED_MODE")
read -r CREATED SEED_ERRORS SEED_SECONDS < <(python3 -c \
  'import json, sys; s = json.loads(sys.argv[1]); print(s["created"], s["errors"], s["seconds"])' "$SEED")
PUBLISHED=$(psql -tA "$SERVER/$DB" -c "SELECT count(*) FROM posts WHERE status = 'published'")
if [ "$PUBLISHED" -ne "$POSTS" ]; then
  echo "seeding left $PUBLISHED published posts, not $POSTS ($SEED)" >&2
  exit 1
fi
SEED_RATE=$(awk -v n="$CREATED" -v s="$SEED_SECONDS" 'BEGIN {printf "%.0f", n / s}')
echo "seeded $CREATED posts in $SEED_SECONDS s ($SEED_RATE posts/s, $SEED_ERRORS retried requests)"
# What autovacuum would do soon after a bulk load: statistics for the
# planner and a visibility map, the same for Folio and for pgbench.
psql -q "$SERVER/$DB" -c "VACUUM ANALYZE posts" -c "VACUUM ANALYZE users"
PAGES=$(((POSTS + 19) / 20))

# One line per row in $ROWS: name, req/s, p50, p99, errors, peak MiB, kind
# (wrk's LOAD_MODE, or pgbench's pg-post, pg-list, pg-other).
ROWS=$OUT/rows.tsv
: >"$ROWS"
# The same rows with status counts and CPU per request, for load.md.
DETAILS=$OUT/details.txt
: >"$DETAILS"

# Where the time goes: CPU ticks used by Folio, and by the PostgreSQL
# backends serving the bench database, counted around each row. Other
# databases' backends (other work on the machine) are left out.
TICK_MS=$((1000 / $(getconf CLK_TCK)))
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
declare -A PG_BEFORE
pg_backends() {
  psql -tA "$SERVER/postgres" -c \
    "SELECT pid FROM pg_stat_activity WHERE datname = '$DB' AND pid <> pg_backend_pid()"
}
cpu_start() {
  FOLIO_BEFORE=$(ticks "$PID")
  PG_BEFORE=()
  local p
  for p in $(pg_backends); do PG_BEFORE[$p]=$(ticks "$p"); done
}
# Prints "folio-ms pg-ms" of CPU per request for $1 requests.
cpu_per_request() {
  local folio pg=0 p
  folio=$(($(ticks "$PID") - FOLIO_BEFORE))
  for p in $(pg_backends); do pg=$((pg + $(ticks "$p") - ${PG_BEFORE[$p]:-0})); done
  awk -v f="$folio" -v g="$pg" -v n="$1" -v t="$TICK_MS" \
    'BEGIN {printf "%.2f %.2f\n", f * t / n, g * t / n}'
}

# What the bench database's busy backends are doing, every 50 ms until
# killed: one line per backend per sample, its wait event or `running`.
# From the `postgres` database, so its own backend is not counted.
# `exec`: the background job is psql itself, so killing it ends the
# sampling (killing a subshell would leave psql watching forever).
wait_sampler() {
  exec psql -qtA "$SERVER/postgres" >"$1" 2>/dev/null <<SQL
SELECT coalesce(wait_event_type || ':' || wait_event, 'running') FROM pg_stat_activity
WHERE datname = '$DB' AND state = 'active' AND backend_type = 'client backend'
\watch 0.05
SQL
}
# "running 71%, IO:WALSync 20%, …" of the samples in file $1.
wait_summary() {
  sort "$1" | uniq -c | sort -rn |
    awk '{n[NR] = $1; e[NR] = $2; t += $1} END {
      if (t == 0) { print "no busy backend sampled"; exit }
      printf "%d samples of busy backends:", t
      for (i = 1; i <= NR && i <= 8; i++) printf "%s %s %.0f%%", (i > 1 ? "," : ""), e[i], 100 * n[i] / t
      print ""
    }'
}

# Whether row $1 runs (`--only`).
wanted() { [ -z "$ONLY" ] || [[ $1 =~ $ONLY ]]; }

# Runs one wrk row: row name, LOAD_MODE, expected status, then extra
# VAR=value settings for load.lua. The write row also samples wait events:
# writers that queue on a shared lock show as `Lock:…`.
wrk_row() {
  local name=$1 mode=$2 expect=$3 sampler=""
  shift 3
  wanted "$name" || return 0
  reset_peak
  if [ "$mode" = write ]; then
    wait_sampler "$OUT/waits-$STARTS.txt" &
    sampler=$!
  fi
  cpu_start
  env LOAD_MODE="$mode" LOAD_EXPECT="$expect" LOAD_POSTS="$POSTS" LOAD_PAGES="$PAGES" "$@" \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s -s bench/load.lua "$BASE" \
    >"$OUT/wrk-$mode-$expect-$STARTS.txt"
  local result requests rps p50 p99 matched unexpected socket_errors
  result=$(grep '^LOADRESULT ' "$OUT/wrk-$mode-$expect-$STARTS.txt")
  read -r _ requests _ rps p50 p99 matched unexpected _ socket_errors <<<"$result"
  LAST_MATCHED=$matched
  # An error is any response but the row's expected status (a 4xx or 5xx,
  # but also a 200 where a 304 was expected), or a socket error/timeout.
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$rps" "$p50" "$p99" \
    $((unexpected + socket_errors)) "$(mib VmHWM)" "$mode" >>"$ROWS"
  local folio_ms pg_ms
  read -r folio_ms pg_ms < <(cpu_per_request "$requests")
  # What the resident memory is at the row's end: the heap and the cache
  # (anonymous), and pages of the binary itself (file-backed: clean, shared
  # with the page cache, and mapped 64 KB around each page touched).
  printf '  %-48s %8s req/s  p50 %7s ms  p99 %7s ms  %s/%s with status %s; CPU ms/req: Folio %s, PostgreSQL %s; RSS at end: anon %s, file %s MiB\n' \
    "$name" "$rps" "$p50" "$p99" "$matched" "$requests" "$expect" "$folio_ms" "$pg_ms" \
    "$(mib RssAnon)" "$(mib RssFile)" |
    tee -a "$DETAILS"
  if [ -n "$sampler" ]; then
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    printf '    wait events: %s\n' "$(wait_summary "$OUT/waits-$STARTS.txt")" | tee -a "$DETAILS"
  fi
}

# Runs pgbench with a script from bench/ and records it as a row: row
# name, ratio kind (pg-post, pg-list: the denominators of "× pgbench"),
# query mode. pgbench prints no percentiles: they come from its
# per-transaction log.
pgbench_row() {
  local name=$1 kind=$2 mode=$3 script=$4 log out tps failed p50 p99
  [ -z "$ONLY" ] || return 0
  log=$OUT/$(basename "$script" .sql)-$mode
  rm -f "$log".*
  out=$(pgbench -n -M "$mode" -c "$CONNECTIONS" -j "$THREADS" -T "$SECONDS_PER_ROW" \
    -D posts="$POSTS" -D pages="$PAGES" -f "$script" -l --log-prefix="$log" "$SERVER/$DB" 2>&1) || {
    echo "$out" >&2
    exit 1
  }
  tps=$(awk '/^tps = / {printf "%.1f", $3}' <<<"$out")
  failed=$(awk -F'[:(]' '/^number of failed transactions/ {gsub(/ /, "", $2); print $2}' <<<"$out")
  # Field 3 of the log is the transaction's latency in microseconds.
  read -r p50 p99 < <(cat "$log".* | awk '{print $3}' | sort -n | awk '
    { t[NR] = $1 } END { printf "%.2f %.2f\n", t[int(NR * 0.5) + 1] / 1000, t[int(NR * 0.99) + 1] / 1000 }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$tps" "$p50" "$p99" "${failed:-0}" "—" "$kind" >>"$ROWS"
  printf '  %-48s %8s tps    p50 %7s ms  p99 %7s ms  %s failed\n' "$name" "$tps" "$p50" "$p99" "${failed:-0}" |
    tee -a "$DETAILS"
}

# Conditional GETs need the ETag of each post: fetched once, up to 1,000
# random posts, over one keep-alive connection.
ETAGS=$OUT/etags.txt
shuf -i 1-"$POSTS" -n $((POSTS < 1000 ? POSTS : 1000)) |
  awk -v base="$BASE" '{printf "url = \"%s/api/v1/posts/post-%s\"\noutput = \"/dev/null\"\n", base, $1}' >"$OUT/etag-urls.cfg"
curl -s -K "$OUT/etag-urls.cfg" -w '%{url_effective} %header{etag}\n' |
  sed -E 's#^.*/posts/##' >"$ETAGS"
if [ "$(awk 'NF == 2' "$ETAGS" | wc -l)" -ne "$(wc -l <"$OUT/etag-urls.cfg" | awk '{print $1 / 2}')" ]; then
  echo "some posts came without an ETag: $ETAGS" >&2
  exit 1
fi

WORDS="rust postgres caching frontend testing deploy security search"
if [ "$WRITES_ONLY" = 0 ]; then
echo "Folio without its response cache (FOLIO_CACHE_MAX_BYTES=0):"
wrk_row 'GET /api/v1/posts/{slug}' post 200
wrk_row 'GET /api/v1/posts?limit=20&page=N' list 200
wrk_row 'GET /api/v1/posts?q=word' search 200 LOAD_WORDS="$WORDS"
wrk_row 'GET /sitemap.xml' sitemap 200
wrk_row 'GET /api/v1/posts/{slug}/html' html 200
wrk_row 'GET /api/v1/posts/{slug} + If-None-Match (304)' etag 304 LOAD_ETAGS="$ETAGS"
wrk_row 'GET /health/live' live 200

# pgbench gets the cores to itself and PostgreSQL its connection slots:
# Folio is stopped meanwhile. The scripts must find a post, or the
# ceiling would be that of an empty index scan.
stop_folio
for n in 1 "$POSTS"; do
  found=$(sed -n 's/;$//; /^SELECT/p' bench/pgbench-post.sql | sed "s/:n)/$n)/; s/:one/1/" |
    { printf 'SELECT count(*) FROM ('; cat; echo ') s'; } | psql -tA "$SERVER/$DB")
  [ "$found" -eq 1 ] || { echo "bench/pgbench-post.sql found $found rows for post-$n" >&2; exit 1; }
done
echo "pgbench, the same SQL as Folio:"
pgbench_row 'pgbench: the single-post query' pg-post prepared bench/pgbench-post.sql
pgbench_row 'pgbench: the list query (page of 20 + count)' pg-list prepared bench/pgbench-list.sql
# Folio's statements are parsed and planned on every request (diesel does
# not cache statements holding raw SQL, such as the visibility filter):
# this row is the ceiling for that way of querying.
pgbench_row 'pgbench -M extended: the single-post query' pg-other extended bench/pgbench-post.sql

echo "Folio with its response cache (Folio's default):"
start_folio ""
wrk_row 'GET /api/v1/posts/{slug} (cache on)' post 200
# Compressed hits: the cache keeps each encoding it served, so a hit does
# no compression work. The sizes tell what compression saves on a post.
wrk_row 'GET /api/v1/posts/{slug} (cache on, Accept-Encoding: br)' post 200 LOAD_ENCODING=br
SIZES=""
for enc in identity gzip br; do
  SIZES="$SIZES $enc $(curl -s -o /dev/null -w '%{size_download}' -H "Accept-Encoding: $enc" "$BASE/api/v1/posts/post-1") B"
done
echo "  post-1 as JSON:$SIZES" | tee -a "$DETAILS"
# The cached single-post row with an editor at work: 5 edits a second to
# random posts (each drops that post's entries and the collections). The
# hit ratio of the row comes from the cache's counters in /metrics.
lookups() {
  curl -s "$BASE/metrics" | awk '
    /^folio_read_cache_lookups_total\{result="hit"\}/ { h = $2 }
    /^folio_read_cache_lookups_total\{result="miss"\}/ { m = $2 }
    END { printf "%d %d\n", h, m }'
}
EDITS_ROW='GET /api/v1/posts/{slug} (cache on, 5 edits/s)'
if wanted "$EDITS_ROW"; then
read -r HITS_BEFORE MISSES_BEFORE < <(lookups)
python3 bench/edits.py "$BASE" "$TOKEN" "$POSTS" 5 "$SECONDS_PER_ROW" >"$OUT/edits.json" &
EDITOR_PID=$!
wrk_row "$EDITS_ROW" post 200
wait "$EDITOR_PID"
read -r HITS_AFTER MISSES_AFTER < <(lookups)
awk -v h=$((HITS_AFTER - HITS_BEFORE)) -v m=$((MISSES_AFTER - MISSES_BEFORE)) -v e="$(cat "$OUT/edits.json")" \
  'BEGIN { printf "  cache under writes: hit ratio %.2f%% (%d hits, %d misses); editor %s\n", 100 * h / (h + m), h, m, e }' |
  tee -a "$DETAILS"
fi
wrk_row 'GET /api/v1/posts?limit=20&page=N (cache on)' list 200
# The sitemap (the newest 50,000 posts) as crawlers fetch it: compressed,
# from the cache once one answer is stored.
wrk_row 'GET /sitemap.xml (cache on, Accept-Encoding: br)' sitemap 200 LOAD_ENCODING=br
echo "  /sitemap.xml: $(curl -s -o /dev/null -w '%{size_download}' "$BASE/sitemap.xml") B, br $(curl -s -o /dev/null -w '%{size_download}' -H 'Accept-Encoding: br' "$BASE/sitemap.xml") B" | tee -a "$DETAILS"
wrk_row 'GET /api/v1/posts/{slug}/html (cache on)' html 200
else
  stop_folio
  start_folio ""
fi

# Writes last, so every read row saw exactly $POSTS posts.
WRITE_ROW='POST /api/v1/posts (authenticated writes)'
if wanted "$WRITE_ROW"; then
  BEFORE=$(psql -tA "$SERVER/$DB" -c "SELECT count(*) FROM posts")
  wrk_row "$WRITE_ROW" write 201 \
    LOAD_TOKEN="$TOKEN" LOAD_BODIES="$OUT/bodies.txt" LOAD_RUN="w$(date +%s)"
  WRITTEN=$(($(psql -tA "$SERVER/$DB" -c "SELECT count(*) FROM posts") - BEFORE))
  # wrk stops with requests in flight: some of those still create a post.
  echo "  the write row created $WRITTEN posts: $LAST_MATCHED answered 201 in time, the others were in flight"
fi

# The table, with ratios against the ceilings measured above.
TABLE=$(awk -F'\t' '
  { name[NR] = $1; rps[NR] = $2; p50[NR] = $3; p99[NR] = $4; err[NR] = $5; rss[NR] = $6; kind[NR] = $7 }
  $7 == "pg-post" { pg_post = $2 }
  $7 == "pg-list" { pg_list = $2 }
  $7 == "live" { live = $2 }
  function ratio(a, b) { return b > 0 ? sprintf("%.3g×", a / b) : "—" }
  END {
    print "| row | req/s | p50 ms | p99 ms | errors | peak RSS MiB | × pgbench | × /health/live |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|"
    for (i = 1; i <= NR; i++) {
      pg = "—"
      if (name[i] ~ /^GET \/api\/v1\/posts\/\{slug\}/ || kind[i] == "pg-other") pg = ratio(rps[i], pg_post)
      if (name[i] ~ /^GET \/api\/v1\/posts\?limit/) pg = ratio(rps[i], pg_list)
      printf "| %s | %.0f | %.2f | %.2f | %d | %s | %s | %s |\n", name[i], rps[i], p50[i], p99[i],
        err[i], rss[i], pg, ratio(rps[i], live)
    }
  }' "$ROWS")

{
  echo "Machine: $MACHINE."
  echo
  echo "Settings: $SETTINGS. Seeded through the API ($SEED_MODE, $SEED_WORKERS clients) in $SEED_SECONDS s ($SEED_RATE posts/s)."
  echo "Ready after start: $FIRST_READY_MS ms (migrated database); idle RSS $IDLE_RSS MiB."
  echo
  echo "$TABLE"
  echo
  echo "Per row: statuses, and CPU time per request of Folio and of the PostgreSQL backends serving it:"
  echo
  echo '```'
  cat "$DETAILS"
  echo '```'
} | tee "$OUT/load.md"
echo
echo "written to $OUT/load.md"
