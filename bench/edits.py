#!/usr/bin/env python3
"""An editor at work, for bench/load.sh's "cache under writes" row
(standard library only): PATCHes the title of a random seeded post
(`post-1` … `post-N`) at a steady rate for a while, as a newsroom edits.

Usage: edits.py BASE_URL TOKEN POSTS PER_SECOND SECONDS
Prints one line of JSON: {"edits", "errors", "seconds"}.
"""

import http.client
import json
import random
import sys
import time
import urllib.parse


def main():
    base, token, posts, rate, seconds = sys.argv[1:6]
    posts, rate, seconds = int(posts), float(rate), float(seconds)
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    start = time.monotonic()
    edits = errors = 0
    while True:
        due = start + edits / rate
        now = time.monotonic()
        if due - start >= seconds:
            break
        if due > now:
            time.sleep(due - now)
        slug = f"post-{random.randint(1, posts)}"
        body = json.dumps({"title": f"Edited {slug} #{edits}"})
        try:
            conn.request("PATCH", f"/api/v1/posts/{slug}", body, headers)
            res = conn.getresponse()
            res.read()
            if res.status != 200:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        edits += 1
    print(json.dumps({"edits": edits, "errors": errors,
                      "seconds": round(time.monotonic() - start, 2)}))


if __name__ == "__main__":
    main()
