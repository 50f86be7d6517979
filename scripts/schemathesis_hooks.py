"""schemathesis hooks for scripts/schemathesis.sh (loaded through
SCHEMATHESIS_HOOKS): how to send the media types schemathesis cannot send
by itself."""

import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    """`POST /api/v1/bulk/posts` as NDJSON: one JSON value per line. The
    document describes the body as a string; a generated string is sent
    as it is."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    # Any other value is a negative case (the body must be a string): no
    # NDJSON text can be anything but a string, so it goes as bytes that are
    # not text at all, which the server must refuse whole.
    return b"\xff" + json.dumps(value).encode()
