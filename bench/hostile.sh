#!/usr/bin/env bash
# What one hostile request costs a release build of Folio: each of the
# security review's expensive bodies, sent alone, with its answer, its
# time and the server's peak RSS while it was handled (VmHWM, reset
# before each request). Not part of `cargo test`.
#
#   bench/hostile.sh [--port 18091]
#
# Prints a Markdown table and writes it to target/bench/hostile.md. The
# database is dropped and Folio stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=18091
[ "${1:-}" = "--port" ] && PORT=$2
SERVER=${BENCH_SERVER_URL:-postgres://postgres@127.0.0.1:5432}
DB=folio_hostile
BASE=http://127.0.0.1:$PORT
OUT=target/bench
mkdir -p "$OUT"
cargo build --release --quiet

PID=""
cleanup() {
  [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" || true
  psql -q "$SERVER/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null || true
}
trap cleanup EXIT
psql -q "$SERVER/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"

DATABASE_URL="$SERVER/$DB" FOLIO_ADDR="127.0.0.1:$PORT" FOLIO_RATE_LIMIT_PER_MINUTE=0 \
  FOLIO_ADMIN_EMAIL=hostile@example.com FOLIO_ADMIN_PASSWORD=hostile-bench-password \
  FOLIO_LOG_FORMAT=json RUST_LOG=warn target/release/folio >"$OUT/hostile-folio.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do curl -sf "$BASE/health/ready" >/dev/null && break; sleep 0.2; done
TOKEN=$(curl -sf "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email": "hostile@example.com", "password": "hostile-bench-password"}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

# The bodies: (name, content type, file).
python3 - "$OUT" <<'EOF'
import json, sys
out = sys.argv[1]
items = ", ".join(f"x{i}" for i in range(3000))
refs = ", ".join(["*a"] * 3000)
bodies = {
    "alias-bomb.md": ("text/markdown", f"---\ntitle: Bomb\nlist: &a [{items}]\nboom: [{refs}]\n---\n\nBody\n"),
    "headings-20000.json": ("application/json", json.dumps({"markdown": "## Intro\n" * 20000})),
    "headings-2000.json": ("application/json", json.dumps({"markdown": "## Intro\n" * 2000})),
    "quotes-20000.json": ("application/json", json.dumps({"markdown": ">" * 20000 + " x\n"})),
    "quotes-250.json": ("application/json", json.dumps({"markdown": ">" * 250 + " x\n"})),
    "divs-40000.json": ("application/json", json.dumps({"markdown": "<div>" * 40000})),
    "divs-250.json": ("application/json", json.dumps({"markdown": "<div>" * 250})),
    "post-1mb.json": ("application/json", json.dumps({"markdown": ("Some *words* and `code` with [a link](https://example.com/). " * 16 + "\n\n## A heading\n\n") * 900})),
}
with open(f"{out}/hostile-cases.tsv", "w") as index:
    for name, (ctype, body) in bodies.items():
        with open(f"{out}/hostile-{name}", "w") as f:
            f.write(body)
        index.write(f"{name}\t{ctype}\t{len(body.encode())}\n")
EOF

hwm() { awk '/VmHWM/ {print $2}' "/proc/$PID/status"; }
TABLE="| request to \`POST /api/v1/render\` | body | answer | time | peak RSS |
|---|---:|---|---:|---:|"
while IFS=$'\t' read -r name ctype bytes; do
  echo 5 > "/proc/$PID/clear_refs"   # reset VmHWM to the current RSS
  result=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "$BASE/api/v1/render" \
    -H "authorization: Bearer $TOKEN" -H "content-type: $ctype" --data-binary "@$OUT/hostile-$name")
  code=${result% *}; secs=${result#* }
  TABLE="$TABLE
| $name | $((bytes / 1024)) KiB | $code | $(python3 -c "print(f'{$secs*1000:.0f} ms')") | $(( $(hwm) / 1024 )) MiB |"
done < "$OUT/hostile-cases.tsv"

CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
HEADER="$(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD), $(nproc) cores ($CPU), release build"
printf '%s\n\n%s\n' "$HEADER" "$TABLE" | tee "$OUT/hostile.md"
