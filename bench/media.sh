#!/usr/bin/env bash
# What media costs, in one command, against the release build with the
# default media settings (one variant worker, 20 MiB / 40 MP caps):
#   1. upload throughput: N distinct 2-megapixel JPEGs (~0.5 MB) uploaded
#      one after another (each decoded, stripped, hashed and stored);
#   2. variant generation for a 24-megapixel JPEG (6000×4000): from its
#      upload's answer until all ten variants are ready;
#   3. Folio's peak RSS (VmHWM) over the whole run, which includes the
#      24-megapixel upload and its variants;
#   4. the read API's p99 (GET /api/v1/posts?limit=10, wrk) alone, and
#      while 24-megapixel uploads are being turned into variants.
# Not part of `cargo test`. Images are made with Pillow (in a venv under
# target/bench).
#
#   bench/media.sh [--uploads 20] [--duration 10s] [--connections 8] [--port 18095]
#
# Prints a Markdown table and writes it to target/bench/media.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

UPLOADS=20
DURATION=10s
CONNECTIONS=8
PORT=18095
while [ $# -gt 0 ]; do
  case $1 in
    --uploads) UPLOADS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

SERVER=${BENCH_SERVER_URL:-postgres://postgres@127.0.0.1:5432}
DB=folio_media_bench
BASE=http://127.0.0.1:$PORT
OUT=target/bench
MEDIA_DIR=$OUT/media-data
IMAGES=$OUT/media-images
ADMIN_EMAIL=media@example.com
ADMIN_PASSWORD=media-bench-password
mkdir -p "$OUT" "$IMAGES"
command -v wrk >/dev/null || apt-get install -y wrk
BIN=$(bench_binary --release)

VENV=$OUT/pillow-venv
if ! "$VENV/bin/python" -c 'import PIL' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check 'pillow==13.0.0'
fi
# Photo-like content (gradients and noise) so JPEG sizes are realistic.
"$VENV/bin/python" - "$IMAGES" "$UPLOADS" <<'PY'
import os, random, sys
from PIL import Image, ImageFilter
out, n = sys.argv[1], int(sys.argv[2])
def photo(w, h, seed):
    rnd = random.Random(seed)
    small = Image.new("RGB", (w // 50, h // 50))
    small.putdata([(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
                   for _ in range((w // 50) * (h // 50))])
    img = small.resize((w, h), Image.BICUBIC)
    noise = Image.effect_noise((w, h), 40).convert("RGB")
    return Image.blend(img, noise, 0.15)
for i in range(n):
    p = f"{out}/upload-{i}.jpg"
    if not os.path.exists(p):
        photo(1632, 1224, i).save(p, quality=85)
for i in range(3):
    p = f"{out}/big-{i}.jpg"
    if not os.path.exists(p):
        photo(6000, 4000, 1000 + i).save(p, quality=85)
PY

bench_machine

PID=""
stop_folio() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill -TERM "$PID"; wait "$PID" || true; fi
  PID=""
}
cleanup() {
  stop_folio
  psql -q "$SERVER/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null || true
  rm -rf "$MEDIA_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bench_fresh_db "$SERVER" "$DB"
rm -rf "$MEDIA_DIR"

env DATABASE_URL="$SERVER/$DB" FOLIO_ADDR="127.0.0.1:$PORT" FOLIO_ENV=development \
  FOLIO_ADMIN_EMAIL="$ADMIN_EMAIL" FOLIO_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
  FOLIO_JWT_SECRET=media-bench-secret-0123456789-0123456789-01 \
  FOLIO_ACCESS_TOKEN_TTL_SECS=86400 FOLIO_RATE_LIMIT_PER_MINUTE=0 \
  FOLIO_MEDIA_DIR="$MEDIA_DIR" RUST_LOG=warn,folio::media=info \
  "$BIN" >"$OUT/folio-media.log" 2>&1 &
PID=$!
bench_wait_ready "$BASE" "$PID" "$OUT/folio-media.log"
TOKEN=$(bench_login "$BASE" "$ADMIN_EMAIL" "$ADMIN_PASSWORD")
python3 bench/load_seed.py "$BASE" "$TOKEN" 50 4 "$OUT/media-bodies.txt" >/dev/null

upload() {
  curl -sf "$BASE/api/v1/media?filename=$(basename "$1")" -H "authorization: Bearer $TOKEN" \
    -H 'content-type: image/jpeg' --data-binary "@$1"
}
ready() {
  curl -sf "$BASE/api/v1/media/$1" -H "authorization: Bearer $TOKEN" |
    python3 -c 'import json, sys; v = json.load(sys.stdin)["variants"]; print(int(bool(v) and all(x["ready"] for x in v)))'
}
ms() { date +%s%3N; }
rss_peak() { awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$PID/status"; }
p99() {
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "authorization: Bearer $TOKEN" \
    "$BASE/api/v1/posts?limit=10" >"$OUT/wrk-media.txt"
  awk '$1 == "99%" {print $2}' "$OUT/wrk-media.txt"
}

echo "1. upload throughput ($UPLOADS × 2 MP JPEG):"
bytes=0
t0=$(ms)
for i in $(seq 0 $((UPLOADS - 1))); do
  upload "$IMAGES/upload-$i.jpg" >/dev/null
  bytes=$((bytes + $(stat -c %s "$IMAGES/upload-$i.jpg")))
done
t1=$(ms)
UPLOAD_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", (b - a) / 1000}')
UPLOAD_RATE=$(awk -v n="$UPLOADS" -v s="$UPLOAD_SECS" 'BEGIN {printf "%.1f", n / s}')
UPLOAD_MBS=$(awk -v b="$bytes" -v s="$UPLOAD_SECS" 'BEGIN {printf "%.1f", b / 1048576 / s}')
echo "  $UPLOADS uploads in $UPLOAD_SECS s: $UPLOAD_RATE/s, $UPLOAD_MBS MB/s"
# Let their variants be made before timing the big one.
sleep 1
while [ "$(psql -tA "$SERVER/$DB" -c "SELECT count(*) FROM media_jobs WHERE state = 'pending'")" -gt 0 ]; do sleep 0.2; done

echo "2. variants of a 24 MP JPEG:"
t0=$(ms)
id=$(upload "$IMAGES/big-0.jpg" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
t1=$(ms)
until [ "$(ready "$id")" = 1 ]; do sleep 0.1; done
t2=$(ms)
BIG_UPLOAD_MS=$((t1 - t0))
VARIANTS_MS=$((t2 - t1))
echo "  upload answered in $BIG_UPLOAD_MS ms; 10 variants ready $VARIANTS_MS ms later"

echo "4. read p99 alone, then while 24 MP uploads are made into variants:"
P99_IDLE=$(p99)
( for i in 1 2; do upload "$IMAGES/big-$i.jpg" >/dev/null; done ) &
UPLOADER=$!
sleep 0.5
P99_BUSY=$(p99)
# The uploader only: a bare `wait` would wait for Folio itself.
wait "$UPLOADER"
PEAK=$(rss_peak)
echo "  p99 $P99_IDLE alone, $P99_BUSY during generation"
echo "3. peak RSS: $PEAK MiB"

{
  echo "Machine: $MACHINE. Commit $(git rev-parse --short HEAD), $(date -u +%Y-%m-%d). Release build, default media settings (FOLIO_MEDIA_WORKERS=1)."
  echo
  echo "| what | measured |"
  echo "|---|---|"
  echo "| upload throughput, $UPLOADS × 2 MP JPEG one at a time | $UPLOAD_RATE uploads/s ($UPLOAD_MBS MB/s) |"
  echo "| 24 MP JPEG (6000×4000): upload answered | $BIG_UPLOAD_MS ms |"
  echo "| 24 MP JPEG: all 10 variants ready after the upload | $VARIANTS_MS ms |"
  echo "| Folio's peak RSS (VmHWM) over the run | $PEAK MiB |"
  echo "| GET /api/v1/posts?limit=10 p99, wrk -c$CONNECTIONS, idle | $P99_IDLE |"
  echo "| same, while 24 MP uploads are turned into variants | $P99_BUSY |"
} | tee "$OUT/media.md"
