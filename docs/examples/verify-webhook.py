#!/usr/bin/env python3
"""Verifies a Folio webhook delivery (Standard Webhooks) with Python's
standard library only.

In a web application, call verify() with the raw body (bytes, exactly as
received) and the request's headers, and answer 401 on VerificationError.

From a shell, for a captured delivery:

    WEBHOOK_SECRET=whsec_... python3 verify-webhook.py \\
        "$WEBHOOK_ID" "$WEBHOOK_TIMESTAMP" "$WEBHOOK_SIGNATURE" < body.json

exits 0 and prints the event's type and id when the delivery is genuine,
and 1 with the reason otherwise. WEBHOOK_SECRET may hold several
secrets separated by spaces (the new and the old one, during a rotation).
WEBHOOK_TOLERANCE (seconds, default 300) is how old the timestamp
may be; raise it to check an older capture.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import sys
import time

TOLERANCE_SECONDS = 300


class VerificationError(Exception):
    pass


def verify(secrets, headers, body, tolerance=TOLERANCE_SECONDS, now=None):
    """Returns the event (a dict) of a genuine delivery.

    secrets: the webhook's `whsec_...` secrets (one, or two during a
    rotation). headers: any mapping of header names to values. body: bytes.
    """
    headers = {name.lower(): value for name, value in headers.items()}
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (msg_id and timestamp and signatures):
        raise VerificationError("a webhook-id, webhook-timestamp or webhook-signature header is missing")
    if not re.fullmatch(r"[0-9]{1,15}", timestamp):
        raise VerificationError("webhook-timestamp is not a number of seconds")
    now = int(time.time()) if now is None else now
    if abs(now - int(timestamp)) > tolerance:
        # An old message replayed, or a clock far off.
        raise VerificationError("webhook-timestamp is too old or in the future")

    signed = f"{msg_id}.{timestamp}.".encode() + body
    offered = [s[3:].encode() for s in signatures.split(" ") if s.startswith("v1,")]
    matched = False
    for secret in secrets:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
        for signature in offered:
            # Constant time, and every pair compared.
            matched |= hmac.compare_digest(expected, signature)
    if not matched:
        raise VerificationError("no signature matches the secret")
    return json.loads(body)


def main(argv):
    secrets = os.environ.get("WEBHOOK_SECRET", "").split()
    if len(argv) != 4 or not secrets:
        print(__doc__, file=sys.stderr)
        return 2
    headers = dict(zip(("webhook-id", "webhook-timestamp", "webhook-signature"), argv[1:]))
    tolerance = int(os.environ.get("WEBHOOK_TOLERANCE", TOLERANCE_SECONDS))
    try:
        event = verify(secrets, headers, sys.stdin.buffer.read(), tolerance)
    except VerificationError as e:
        print(f"refused: {e}", file=sys.stderr)
        return 1
    print(event.get("type"), event.get("id"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
