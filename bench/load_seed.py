#!/usr/bin/env python3
"""Seeds posts through Folio's API for bench/load.sh (standard library only).

Post i gets the slug `post-i`, so slugs run without a hole from post-1 to
post-N: wrk's Lua scripts and pgbench pick a random one from a number alone.
Each body is ~4 KB of Markdown (headings, lists, links, code blocks) from a
fixed vocabulary, with 1-3 tags out of eight topics; the topic words are
also in the body, so `q=<topic>` finds about a quarter of the posts.

A post is generated from its number alone (random.Random(i)), so two runs
seed the same text. Every request body is made before the clock starts:
generating the text takes this script about 0.4 ms of CPU a post, on the
cores the server shares, and the time reported is the server's. A request
that fails is retried; a 409 on a retry means the lost first attempt had
created the post, which is what we wanted.

With MODE `bulk` (bench/load.sh's default) the posts go through
`POST /api/v1/bulk/posts` in requests of 250, WORKERS at once: the import
path a site moving to Folio takes. Idempotent by slug, so a retried request
answers `unchanged` for what its lost attempt wrote. With MODE `single` each
post is one `POST /api/v1/posts`, as an author's client sends it.

Usage: load_seed.py BASE_URL TOKEN POSTS WORKERS BODIES_OUT [single|bulk]
Prints one line of JSON: {"created", "errors", "seconds"}.
"""

import http.client
import itertools
import json
import random
import sys
import threading
import time
import urllib.parse

TOPICS = ["rust", "postgres", "caching", "frontend", "testing", "deploy", "security", "search"]

# Ordinary words for the prose around the topics; none of them is a topic.
FILLER = """the a of and to in is that it for on with as was by at be this from or
have an they which one you were all we when there can more if out so up said
what about other into than them these some her would make like him time has
two way could people my over did down only first been call who its now find
long day get come made may part work year well new great little good place
before after back between again small large still every under never same
another many must because much through might those show around where right
build change reader writer server client request answer table page list
note draft review release version history system simple clear fast slow
light heavy early late open close start finish inside outside across""".split()

LANGS = ["rust", "sql", "sh", "toml", "json"]


def words(rng, n, topics):
    out = []
    for _ in range(n):
        if rng.random() < 0.04:
            out.append(rng.choice(topics))
        else:
            out.append(rng.choice(FILLER))
    return " ".join(out)


def paragraph(rng, topics, i):
    text = words(rng, rng.randint(45, 70), topics)
    topic = rng.choice(topics)
    return (
        f"{text[0].upper()}{text[1:]}, see [the {topic} notes](https://example.com/{topic}/{i}) "
        f"and `{topic}_{rng.randint(1, 99)}()`. {words(rng, rng.randint(10, 20), topics)}."
    )


def markdown(i, topics):
    rng = random.Random(i)
    parts = [paragraph(rng, topics, i)]
    section = 0
    while sum(len(p) + 2 for p in parts) < 3600:
        section += 1
        topic = rng.choice(topics)
        parts.append(f"## {topic.capitalize()} in practice, part {section}")
        parts.append(paragraph(rng, topics, i))
        parts.append(
            "\n".join(
                f"- {words(rng, rng.randint(4, 9), topics)} [link {k}](https://example.com/{i}/{section}/{k})"
                for k in range(rng.randint(3, 5))
            )
        )
        lang = rng.choice(LANGS)
        code = "\n".join(
            f"let {rng.choice(FILLER)}_{k} = {topic}::{rng.choice(FILLER)}({k}); // {words(rng, 4, topics)}"
            for k in range(rng.randint(3, 6))
        )
        parts.append(f"```{lang}\n{code}\n```")
        if section % 2 == 0:
            parts.append(f"### Notes\n\n1. {words(rng, 8, topics)}\n2. **{words(rng, 3, topics)}** {words(rng, 6, topics)}")
    return "\n\n".join(parts) + "\n"


def post(i):
    rng = random.Random(-i)
    topics = rng.sample(TOPICS, rng.randint(1, 3))
    return {
        "title": f"Post {i}: notes on {' and '.join(topics)}",
        "slug": f"post-{i}",
        "markdown": markdown(i, topics),
        "tags": topics,
        "status": "published",
    }


def main():
    base, token, total, workers, bodies_out = sys.argv[1:6]
    mode = sys.argv[6] if len(sys.argv) > 6 else "single"
    total, workers = int(total), int(workers)
    url = urllib.parse.urlsplit(base)

    # wrk's write row reuses these bodies (one JSON string a line) with
    # its own slugs and titles, so both write paths send the same text.
    with open(bodies_out, "w", encoding="utf-8") as f:
        for i in range(1, 65):
            f.write(json.dumps(post(i)["markdown"]) + "\n")

    chunk = 250
    if mode == "bulk":
        bodies = [
            json.dumps([post(i) for i in range(start, min(total, start + chunk - 1) + 1)]).encode()
            for start in range(1, total + 1, chunk)
        ]
    else:
        bodies = [json.dumps(post(i)).encode() for i in range(1, total + 1)]

    numbers = itertools.count(0)
    lock = threading.Lock()
    stats = {"created": 0, "errors": 0}

    def bulk_worker():
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
        headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
        while True:
            with lock:
                n = next(numbers)
            if n >= len(bodies):
                return
            body = bodies[n]
            for attempt in range(5):
                try:
                    conn.request("POST", "/api/v1/bulk/posts", body, headers)
                    res = conn.getresponse()
                    answer = res.read()
                    status = res.status
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
                    status = None
                if status == 200:
                    summary = json.loads(answer)["summary"]
                    with lock:
                        stats["created"] += summary.get("created", 0) + summary.get("unchanged", 0)
                        stats["errors"] += summary.get("failed", 0)
                    break
                with lock:
                    stats["errors"] += 1
                time.sleep(0.5 * (attempt + 1))

    def worker():
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
        while True:
            with lock:
                n = next(numbers)
            if n >= len(bodies):
                return
            body = bodies[n]
            for attempt in range(5):
                try:
                    conn.request("POST", "/api/v1/posts", body, headers)
                    res = conn.getresponse()
                    res.read()
                    status = res.status
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
                    status = None
                ok = status == 201 or (status == 409 and attempt > 0)
                with lock:
                    if ok:
                        stats["created"] += 1
                    else:
                        stats["errors"] += 1
                if ok:
                    break
                time.sleep(0.1 * (attempt + 1))

    start = time.monotonic()
    target = bulk_worker if mode == "bulk" else worker
    threads = [threading.Thread(target=target) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats["seconds"] = round(time.monotonic() - start, 2)
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
