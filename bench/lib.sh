# Shared by the bench scripts (sourced, never run on its own): the binary,
# the machine line, a fresh database, waiting for readiness, logging in.

# Builds Folio (pass --release for a release build) and prints the path of
# the binary, wherever CARGO_TARGET_DIR puts it.
bench_binary() {
  cargo build "$@" --quiet --bin folio --message-format=json |
    python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("executable") and m["target"]["name"] == "folio": print(m["executable"])'
}

# Sets MACHINE: cores, CPU model and the load average at the start, for
# the dated results.
bench_machine() {
  local cpu
  cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
  MACHINE="$(nproc) cores ($cpu), load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "machine: $MACHINE"
}

# Drops and creates database $2 on server URL $1.
bench_fresh_db() {
  psql -q "$1/postgres" -c "DROP DATABASE IF EXISTS $2 WITH (FORCE)" -c "CREATE DATABASE $2"
}

# Waits up to 30 s for Folio at $1 (process $2, log file $3) to be ready;
# exits with its log when it dies or never gets there.
bench_wait_ready() {
  for _ in $(seq 1 3000); do
    curl -sf -o /dev/null "$1/health/ready" && return
    kill -0 "$2" 2>/dev/null || { cat "$3" >&2; exit 1; }
    sleep 0.01
  done
  echo "Folio not ready after 30 s" >&2
  exit 1
}

# Logs in at $1 as $2 with password $3 and prints the access token.
bench_login() {
  curl -sf "$1/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\": \"$2\", \"password\": \"$3\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}
