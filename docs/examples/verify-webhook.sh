#!/usr/bin/env bash
# Checks a captured Folio webhook delivery by hand, with openssl: whether
# one of its signatures was made with the secret. It does not check the
# timestamp (a capture is old by the time you look at it), nor compare in
# constant time: for debugging, not for a receiver.
#   WEBHOOK_SECRET=whsec_... docs/examples/verify-webhook.sh \
#     "$WEBHOOK_ID" "$WEBHOOK_TIMESTAMP" "$WEBHOOK_SIGNATURE" < body.json
# Exits 0 when a signature matches, 1 when none does. WEBHOOK_SECRET
# may hold several secrets separated by spaces.
set -euo pipefail
if [ $# -ne 3 ] || [ -z "${WEBHOOK_SECRET:-}" ]; then
  sed -n '2,10s/^# \{0,1\}//p' "$0" >&2
  exit 2
fi
id=$1 timestamp=$2 signatures=$3
body=$(mktemp)
trap 'rm -f "$body"' EXIT
cat >"$body"   # kept as bytes: $(...) would drop trailing newlines

n=0
for secret in $WEBHOOK_SECRET; do
  n=$((n + 1))
  key=$(printf '%s' "${secret#whsec_}" | openssl base64 -d -A | od -An -v -tx1 | tr -d ' \n')
  expected=$({ printf '%s.%s.' "$id" "$timestamp"; cat "$body"; } |
    openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary | openssl base64 -A)
  for signature in $signatures; do
    if [ "$signature" = "v1,$expected" ]; then
      echo "signed with secret $n"
      exit 0
    fi
  done
done
echo "refused: no signature matches the secret" >&2
exit 1
