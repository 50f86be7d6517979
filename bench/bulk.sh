#!/usr/bin/env bash
# Single `POST /api/v1/posts` against `POST /api/v1/bulk/posts`, in one run
# against one server: the same generated posts (~2 KB Markdown bodies with
# headings, links, code and a table; three tags; published), written once
# each way, then the bulk sent again (every post unchanged). Rate limits
# are off for both, so the figures are the server's, not the limiter's.
# Not part of `cargo test`.
#
#   bench/bulk.sh [--posts 2000] [--port 18094] [--release]
#                 [--concurrency 8] [--chunk 500] [--bulk-concurrency 1]
#
# The single POSTs go `--concurrency` at a time over keep-alive
# connections; the bulk goes in requests of `--chunk` posts,
# `--bulk-concurrency` at a time (`folio import` sends 4 at once by
# default; one request writes on one database connection, so one at a
# time leaves a core to the renderer alone).
# Writes the table to target/bench/bulk.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

POSTS=2000
PORT=18094
PROFILE=()
CONCURRENCY=8
CHUNK=500
BULK_CONCURRENCY=1
while [ $# -gt 0 ]; do
  case $1 in
    --posts) POSTS=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --release) PROFILE=(--release); shift ;;
    --concurrency) CONCURRENCY=$2; shift 2 ;;
    --chunk) CHUNK=$2; shift 2 ;;
    --bulk-concurrency) BULK_CONCURRENCY=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

SERVER=${BENCH_SERVER_URL:-postgres://postgres@127.0.0.1:5432}
DB=folio_bulk_bench
BASE=http://127.0.0.1:$PORT
OUT=target/bench
ADMIN_EMAIL=bulk@example.com
# The webhook bench's published sample values: production refuses them
# (src/config/mod.rs, PUBLISHED_SAMPLES).
ADMIN_PASSWORD=webhooks-bench-password
mkdir -p "$OUT"
BIN=${FOLIO_BIN:-$(bench_binary "${PROFILE[@]}")}

bench_machine
echo "binary: $BIN"

PID=""
cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill -TERM "$PID"; wait "$PID" || true; fi
  psql -q "$SERVER/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bench_fresh_db "$SERVER" "$DB"

env DATABASE_URL="$SERVER/$DB" FOLIO_ADDR="127.0.0.1:$PORT" FOLIO_ENV=development \
  FOLIO_ADMIN_EMAIL="$ADMIN_EMAIL" FOLIO_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
  FOLIO_JWT_SECRET=webhooks-bench-secret-0123456789-0123456789 \
  FOLIO_ACCESS_TOKEN_TTL_SECS=3600 FOLIO_RATE_LIMIT_PER_MINUTE=0 \
  "$BIN" serve >"$OUT/folio-bulk.log" 2>&1 &
PID=$!
bench_wait_ready "$BASE" "$PID" "$OUT/folio-bulk.log"
TOKEN=$(bench_login "$BASE" "$ADMIN_EMAIL" "$ADMIN_PASSWORD")

python3 - "$PORT" "$TOKEN" "$POSTS" "$CONCURRENCY" "$CHUNK" "$PID" "$MACHINE" "$BULK_CONCURRENCY" <<'PY' | tee "$OUT/bulk.md"
import http.client, json, os, sys, threading, time

port, token, n, conc, chunk, pid, machine = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
bulk_conc = int(sys.argv[8])
body = "\n".join(
    ["## Section %d\n\nSome *text* with a [link](https://example.com/%d) and `code`.\n" % (s, s) for s in range(12)]
    + ["| a | b |\n|---|---|\n| 1 | 2 |\n"]
)
def post(prefix, i):
    return {"title": "%s post %d" % (prefix, i), "slug": "%s-%d" % (prefix, i),
            "markdown": "# Post %d\n\n%s" % (i, body), "status": "published",
            "tags": ["bench", prefix, "t%d" % (i % 20)]}
headers = {"authorization": "Bearer " + token, "content-type": "application/json"}

def cpu():
    # Folio's CPU seconds (utime + stime from /proc) and PostgreSQL's, all backends.
    ticks = os.sysconf("SC_CLK_TCK")
    def of(p):
        try:
            f = open("/proc/%d/stat" % p).read().rsplit(")", 1)[1].split()
            return (int(f[11]) + int(f[12])) / ticks
        except (FileNotFoundError, ProcessLookupError):
            return 0.0
    pg = 0.0
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if open("/proc/%s/comm" % d).read().strip() == "postgres":
                    pg += of(int(d))
            except OSError:
                pass
    return of(pid), pg

def single(prefix):
    items = list(range(n))
    lock = threading.Lock()
    failures = []
    def worker():
        c = http.client.HTTPConnection("127.0.0.1", int(port))
        while True:
            with lock:
                if not items:
                    break
                i = items.pop()
            c.request("POST", "/api/v1/posts", json.dumps(post(prefix, i)), headers)
            r = c.getresponse(); r.read()
            if r.status != 201:
                failures.append(r.status)
        c.close()
    threads = [threading.Thread(target=worker) for _ in range(conc)]
    for t in threads: t.start()
    for t in threads: t.join()
    return {"failed": len(failures)}

def bulk(prefix):
    summary = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
    bodies = [json.dumps([post(prefix, i) for i in range(start, min(n, start + chunk))])
              for start in range(0, n, chunk)]
    lock = threading.Lock()
    def worker():
        c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=600)
        while True:
            with lock:
                if not bodies:
                    break
                body = bodies.pop(0)
            c.request("POST", "/api/v1/bulk/posts", body, headers)
            r = c.getresponse(); answer = json.loads(r.read())
            assert r.status == 200, answer
            with lock:
                for k, v in answer["summary"].items():
                    summary[k] += v
        c.close()
    threads = [threading.Thread(target=worker) for _ in range(bulk_conc)]
    for t in threads: t.start()
    for t in threads: t.join()
    return summary

def measure(label, fn, prefix):
    f0, p0 = cpu(); t0 = time.monotonic()
    result = fn(prefix)
    wall = time.monotonic() - t0; f1, p1 = cpu()
    rate = n / wall
    return rate, "| %s | %.1f | %.0f | %.2f | %.2f | %s |" % (
        label, wall, rate, (f1 - f0) * 1000 / n, (p1 - p0) * 1000 / n, result)

print("%d posts, single POSTs %d at a time, bulk in requests of %d posts, %d at a time; %s" % (n, conc, chunk, bulk_conc, machine))
print()
print("| run | wall s | posts/s | Folio CPU ms/post | PostgreSQL CPU ms/post | result |")
print("|---|---:|---:|---:|---:|---|")
single_rate, line = measure("single `POST /api/v1/posts`", single, "single"); print(line, flush=True)
bulk_rate, line = measure("`POST /api/v1/bulk/posts`, new posts", bulk, "bulk"); print(line, flush=True)
_, line = measure("`POST /api/v1/bulk/posts`, the same again (unchanged)", bulk, "bulk"); print(line, flush=True)
print()
print("bulk / single: %.1f×" % (bulk_rate / single_rate))
hwm = [l for l in open("/proc/%d/status" % pid) if l.startswith("VmHWM")][0].split()[1]
print("Folio's peak RSS over the run: %.1f MiB" % (int(hwm) / 1024))
PY
WARNS=$(grep -c 'WARN' "$OUT/folio-bulk.log" || true)
echo "server WARN lines: $WARNS" | tee -a "$OUT/bulk.md"
