#!/usr/bin/env bash
# How long `folio import` takes for a site of a few hundred files against a
# server with its default settings (rate limits included), and what it says.
# The site is generated: a third each in YAML, TOML and JSON front matter,
# Jekyll-dated posts, some Liquid and shortcodes, ~2 KB Markdown bodies with
# tables. Not part of `cargo test`.
#
#   bench/import.sh [--files 300] [--port 18093] [--release] [--concurrency 4]
#
# Prints the import's summary and its wall time; writes them to
# target/bench/import.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

FILES=300
PORT=18093
PROFILE=()
CONCURRENCY=4
while [ $# -gt 0 ]; do
  case $1 in
    --files) FILES=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --release) PROFILE=(--release); shift ;;
    --concurrency) CONCURRENCY=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

SERVER=${BENCH_SERVER_URL:-postgres://postgres@127.0.0.1:5432}
DB=folio_import_bench
BASE=http://127.0.0.1:$PORT
OUT=target/bench
SITE=$(mktemp -d /tmp/folio-import-bench.XXXXXX)
ADMIN_EMAIL=import@example.com
# The webhook bench's published sample values: production refuses them
# (src/config/mod.rs, PUBLISHED_SAMPLES).
ADMIN_PASSWORD=webhooks-bench-password
mkdir -p "$OUT"
BIN=$(bench_binary "${PROFILE[@]}")

bench_machine
echo "binary: $BIN"

PID=""
cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill -TERM "$PID"; wait "$PID" || true; fi
  psql -q "$SERVER/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null || true
  rm -rf "$SITE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bench_fresh_db "$SERVER" "$DB"

python3 - "$SITE" "$FILES" <<'PY'
import json, os, sys
site, n = sys.argv[1], int(sys.argv[2])
body = "\n".join(
    ["## Section %d\n\nSome *text* with a [link](https://example.com/%d) and `code`.\n" % (s, s) for s in range(12)]
    + ["| a | b |\n|---|---|\n| 1 | 2 |\n"]
)
for i in range(n):
    kind = i % 3
    day = 1 + i % 28
    title = "Generated post %d" % i
    liquid = "\n{%% include note.html %%} {{ site.title }}\n" if i % 10 == 0 else ""
    shortcode = "\n{{< figure src=\"p%d.png\" >}}\n" % i if i % 15 == 0 else ""
    if kind == 0:
        folder, name = "_posts", "2024-01-%02d-post-%d.md" % (day, i)
        fm = "---\ntitle: \"%s\"\ndate: 2024-01-%02d 10:00:00 +0100\ntags: [bench, yaml]\n---\n" % (title, day)
    elif kind == 1:
        folder, name = "content/blog", "post-%d.md" % i
        fm = ("+++\ntitle = \"%s\"\ndate = 2024-02-%02dT09:00:00Z\n[taxonomies]\ntags = [\"bench\", \"toml\"]\n"
              "[extra]\nn = %d\n+++\n") % (title, day, i)
    else:
        folder, name = "content/notes", "post-%d.md" % i
        fm = json.dumps({"title": title, "date": "2024-03-%02dT12:00:00Z" % day,
                         "tags": ["bench", "json"], "params": {"n": i}}, indent=2) + "\n"
    os.makedirs(os.path.join(site, folder), exist_ok=True)
    with open(os.path.join(site, folder, name), "w") as f:
        f.write(fm + "\n" + body + liquid + shortcode)
PY

env DATABASE_URL="$SERVER/$DB" FOLIO_ADDR="127.0.0.1:$PORT" FOLIO_ENV=development \
  FOLIO_ADMIN_EMAIL="$ADMIN_EMAIL" FOLIO_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
  FOLIO_JWT_SECRET=webhooks-bench-secret-0123456789-0123456789 \
  FOLIO_ACCESS_TOKEN_TTL_SECS=3600 \
  "$BIN" serve >"$OUT/folio-import.log" 2>&1 &
PID=$!
bench_wait_ready "$BASE" "$PID" "$OUT/folio-import.log"
TOKEN=$(bench_login "$BASE" "$ADMIN_EMAIL" "$ADMIN_PASSWORD")

run() {
  local t0 t1
  t0=$(date +%s%N)
  FOLIO_URL=$BASE FOLIO_TOKEN=$TOKEN "$BIN" import "$SITE" --concurrency "$CONCURRENCY" >"$OUT/import-run.txt" 2>&1 || true
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000000 )) ms: $(tail -n 1 "$OUT/import-run.txt")"
}
FIRST=$(run)
SECOND=$(run)
WARNS=$(grep -c 'WARN' "$OUT/folio-import.log" || true)
REFUSED=$(sed 's/\x1b\[[0-9;]*m//g' "$OUT/folio-import.log" | grep -c 'status=429' || true)
{
  echo "files: $FILES, concurrency $CONCURRENCY, machine: $MACHINE"
  echo "first run:  $FIRST"
  echo "second run: $SECOND"
  echo "answers 429 (each waited out and retried): $REFUSED"
  echo "server WARN lines: $WARNS"
} | tee "$OUT/import.md"
