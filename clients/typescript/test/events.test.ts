// Live updates and preview links: the event-stream parser against the
// format's edge cases, the subscription's reconnects against a scripted
// server on 127.0.0.1, then both against a live Folio (FOLIO_URL,
// FOLIO_ADMIN_EMAIL, FOLIO_ADMIN_PASSWORD).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";

import {
  createFolioClient,
  createPreview,
  EventStreamError,
  EventStreamParser,
  type FolioStreamEvent,
  FolioError,
  listPreviews,
  login,
  previewTokenOf,
  readPreview,
  readPreviewHtml,
  revokePreview,
  subscribeEvents,
} from "../src/index.ts";

/** Feeds `chunks` to a fresh parser; returns every message. */
function parse(...chunks: string[]) {
  const parser = new EventStreamParser();
  return { messages: chunks.flatMap((c) => parser.push(c)), parser };
}

describe("EventStreamParser", () => {
  test("reads Folio's frames, skipping comments", () => {
    const { messages, parser } = parse(
      ": folio events\nretry: 3000\n\n",
      'id: 7\nevent: draft.updated\ndata: {"id":"a"}\n\n',
      ": heartbeat\n\n",
      'event: shutdown\ndata: {"detail":"bye"}\n\n',
    );
    assert.deepEqual(messages, [
      { id: "7", event: "draft.updated", data: '{"id":"a"}' },
      // No id line: the last one carries over.
      { id: "7", event: "shutdown", data: '{"detail":"bye"}' },
    ]);
    assert.equal(parser.retry, 3000);
    assert.equal(parser.lastEventId, "7");
  });

  test("puts frames split anywhere back together", () => {
    const text = 'id: 12\nevent: post.published\ndata: {"title":"é ✓"}\n\n: heartbeat\n\nid: 13\nevent: post.updated\ndata: {}\n\n';
    const whole = parse(text).messages;
    assert.equal(whole.length, 2);
    for (let i = 0; i <= text.length; i++) {
      assert.deepEqual(parse(text.slice(0, i), text.slice(i)).messages, whole, `split at ${i}`);
    }
    assert.deepEqual(parse(...text.split("")).messages, whole);
  });

  test("joins data lines with newlines, and takes CRLF, CR and LF alike", () => {
    for (const eol of ["\n", "\r\n", "\r"]) {
      const text = ["event: x", "data: one", "data:two", "data:  three", "data", "", ""].join(eol);
      assert.deepEqual(parse(text).messages, [{ id: "", event: "x", data: "one\ntwo\n three\n" }], JSON.stringify(eol));
      // A CRLF split between chunks is one line end, not two.
      const at = text.indexOf("\r\n");
      if (at !== -1) {
        assert.deepEqual(parse(text.slice(0, at + 1), text.slice(at + 1)).messages, parse(text).messages);
      }
    }
  });

  test("drops messages without data, and keeps what the format ignores out", () => {
    const { messages, parser } = parse(
      "event: lonely\n\n",
      "id: 5\n\n",
      "retry: soon\nretry: 2a\nfoo: bar\ndata: x\n\n",
      "id: bad\0id\ndata: y\n\n",
      "data: unterminated",
    );
    assert.deepEqual(messages, [
      { id: "5", event: "message", data: "x" },
      { id: "5", event: "message", data: "y" },
    ]);
    assert.equal(parser.retry, undefined);
  });
});

// ---------------------------------------------------------------------------
// The subscription against a scripted server.

/** A server that answers each connection with the next script. */
async function scripted(scripts: ((req: IncomingMessage, res: ServerResponse) => void)[]) {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    const script = scripts[requests.length - 1];
    if (script) {
      script(req, res);
    } else {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(": idle\n\n");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  };
  return { url, requests, close };
}

const sse = (res: ServerResponse, ...frames: string[]) => {
  res.writeHead(200, { "content-type": "text/event-stream" });
  for (const frame of frames) {
    res.write(frame);
  }
  return res;
};
const change = (id: number, type = "post.updated") =>
  `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify({ id: randomUUID(), type, timestamp: new Date().toISOString(), data: { id: "p", slug: `s${id}` } })}\n\n`;

describe("subscribeEvents", () => {
  test("reconnects after a drop with Last-Event-ID, after the server's retry delay, and stops on unauthorized", async () => {
    const server = await scripted([
      (_, res) => {
        sse(res, "retry: 150\n\n", change(1), change(2, "post.published"));
        // Dropped without a word.
        setTimeout(() => res.destroy(), 20);
      },
      (_, res) => sse(res, change(3, "draft.updated"), 'event: shutdown\ndata: {"detail":"stopping"}\n\n').end(),
      (_, res) => sse(res, 'event: unauthorized\ndata: {"detail":"revoked"}\n\n').end(),
    ]);
    const delays: number[] = [];
    const seen: FolioStreamEvent[] = [];
    try {
      for await (const e of subscribeEvents(server.url, {
        token: "folio_pv_x",
        onReconnect: (_, ms) => delays.push(ms),
      })) {
        seen.push(e);
      }
      assert.deepEqual(
        seen.map((e) => `${e.id} ${e.event}`),
        ["1 post.updated", "2 post.published", "3 draft.updated", "3 shutdown", "3 unauthorized"],
      );
      const first = seen[1];
      assert.ok(first?.event === "post.published");
      assert.equal(first.data.data.slug, "s2");
      assert.deepEqual(delays, [150, 150]);
      assert.deepEqual(
        server.requests.map((r) => [r.url, r.headers.authorization, r.headers["last-event-id"]]),
        [
          ["/api/v1/events", "Bearer folio_pv_x", undefined],
          ["/api/v1/events", "Bearer folio_pv_x", "2"],
          ["/api/v1/events", "Bearer folio_pv_x", "3"],
        ],
      );
    } finally {
      await server.close();
    }
  });

  test("waits out a 503's or a 429's Retry-After, throws on a refusal, and ends quietly when aborted", async () => {
    const server = await scripted([
      (_, res) => res.writeHead(503, { "retry-after": "1", "content-type": "application/problem+json" }).end("{}"),
      (_, res) => res.writeHead(429, { "retry-after": "1", "content-type": "application/problem+json" }).end("{}"),
      (_, res) => sse(res, change(8)),
    ]);
    const controller = new AbortController();
    const delays: number[] = [];
    const seen: string[] = [];
    try {
      for await (const e of subscribeEvents(server.url, {
        since: "7",
        signal: controller.signal,
        onReconnect: (_, ms) => delays.push(ms),
      })) {
        seen.push(`${e.id} ${e.event}`);
        controller.abort();
      }
      assert.deepEqual(seen, ["8 post.updated"]);
      assert.deepEqual(delays, [1000, 1000]);
      assert.equal(server.requests[2]?.headers["last-event-id"], "7");
    } finally {
      await server.close();
    }

    const refusing = await scripted([
      (_, res) => res.writeHead(403, { "content-type": "application/problem+json" }).end('{"status":403,"detail":"no"}'),
    ]);
    try {
      await assert.rejects(
        (async () => {
          for await (const _ of subscribeEvents(refusing.url)) {
            assert.fail("no event expected");
          }
        })(),
        (e: unknown) => e instanceof EventStreamError && e.status === 403 && e.detail === "no",
      );
    } finally {
      await refusing.close();
    }
  });

  test("reopens a connection that went silent", async () => {
    const server = await scripted([(_, res) => sse(res, change(1)), (_, res) => sse(res, change(2))]);
    const reasons: string[] = [];
    const seen: string[] = [];
    try {
      for await (const e of subscribeEvents(server.url, {
        idleTimeoutMs: 200,
        retryMs: 10,
        onReconnect: (reason) => reasons.push(reason),
      })) {
        seen.push(e.id);
        if (seen.length === 2) break;
      }
      assert.deepEqual(seen, ["1", "2"]);
      assert.deepEqual(reasons, ["the connection went silent"]);
      assert.equal(server.requests[1]?.headers["last-event-id"], "1");
    } finally {
      await server.close();
    }
  });
});

// ---------------------------------------------------------------------------
// Against a live Folio.

const baseUrl = process.env.FOLIO_URL ?? "";
const email = process.env.FOLIO_ADMIN_EMAIL ?? "admin@localhost";
const password = process.env.FOLIO_ADMIN_PASSWORD ?? "";

/** Collects a subscription's events in the background until `stop()`. */
function collect(options: Parameters<typeof subscribeEvents>[1]) {
  const controller = new AbortController();
  const events: FolioStreamEvent[] = [];
  const done = (async () => {
    for await (const e of subscribeEvents(baseUrl, { ...options, signal: controller.signal })) {
      events.push(e);
    }
  })();
  return {
    events,
    async waitFor(match: (e: FolioStreamEvent) => boolean, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find(match);
        if (found) return found;
        if (Date.now() > deadline) {
          throw new Error(`no matching event within ${timeoutMs} ms; got ${events.map((e) => e.event).join(", ") || "nothing"}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      controller.abort();
      await done;
    },
  };
}

/** Waits until the stream is open: the server has started following changes. */
const settle = () => new Promise((r) => setTimeout(r, 300));

describe("live updates and preview links from a live Folio", { skip: !baseUrl && "needs FOLIO_URL" }, () => {
  test("an anonymous subscriber sees a post published, and not the draft before it", async () => {
    const { client } = await login(baseUrl, email, password);
    const stream = collect({});
    try {
      await settle();
      const title = `Live ${randomUUID().slice(0, 8)}`;
      const { data: draft } = await client.POST("/api/v1/posts", { body: { title, markdown: "Soon.", status: "draft" } });
      assert.ok(draft);
      const published = await client.PATCH("/api/v1/posts/{id_or_slug}", {
        params: { path: { id_or_slug: draft.id } },
        body: { status: "published" },
      });
      assert.equal(published.response.status, 200);

      const event = await stream.waitFor((e) => e.event === "post.published" && e.data.data.id === draft.id);
      assert.ok(event.event === "post.published");
      assert.equal(event.data.type, "post.published");
      assert.equal(event.data.data.title, title);
      assert.equal(event.data.data.status, "published");
      assert.match(event.id, /^\d+$/);
      assert.ok(!stream.events.some((e) => e.event.startsWith("draft.")), "an anonymous stream carries no drafts");
    } finally {
      await stream.stop();
    }
  });

  test("a preview link reads its draft, follows its changes, and stops working when revoked", async () => {
    const { client } = await login(baseUrl, email, password);
    const title = `Preview ${randomUUID().slice(0, 8)}`;
    const { data: draft } = await client.POST("/api/v1/posts", {
      body: { title, markdown: "# First\n\nThe first draft.", status: "draft" },
    });
    assert.ok(draft);

    const link = await createPreview(client, draft.slug, { expires_in: 600 });
    assert.match(link.token, /^folio_pv_/);
    assert.equal(link.post_id, draft.id);
    assert.ok(link.token.startsWith(link.prefix));
    assert.equal(previewTokenOf(link.urls.json), link.token);
    const listed = await listPreviews(client, draft.id);
    assert.deepEqual(listed.map((p) => p.id), [link.id]);
    assert.ok(!JSON.stringify(listed).includes(link.token), "a listing never shows the token");

    const read = await readPreview(baseUrl, link.token);
    assert.equal(read.post.id, draft.id);
    assert.equal(read.post.status, "draft");
    assert.match(read.post.html, /The first draft/);
    assert.equal(read.preview.id, link.id);
    assert.match(await readPreviewHtml(baseUrl, link.token), /The first draft/);
    assert.match(await readPreviewHtml(baseUrl, link.token, { document: true }), /noindex/);
    // The token reads its post and nothing else.
    const asToken = createFolioClient(baseUrl, link.token);
    assert.equal((await asToken.GET("/api/v1/posts")).response.status, 403);

    // Its stream carries its post's draft changes.
    const stream = collect({ token: link.token });
    try {
      await settle();
      await client.PATCH("/api/v1/posts/{id_or_slug}", {
        params: { path: { id_or_slug: draft.id } },
        body: { markdown: "# First\n\nThe second draft." },
      });
      const updated = await stream.waitFor((e) => e.event === "draft.updated");
      assert.ok(updated.event === "draft.updated");
      assert.equal(updated.data.data.id, draft.id);
      assert.match((await readPreview(baseUrl, link.token)).post.html, /The second draft/);

      await revokePreview(client, draft.id, link.id);
      await assert.rejects(readPreview(baseUrl, link.token), (e: unknown) => e instanceof FolioError && e.status === 401);
      assert.deepEqual(await listPreviews(client, draft.id), []);
    } finally {
      await stream.stop();
    }
    // Creating one takes a credential that may manage the post.
    await assert.rejects(createPreview(createFolioClient(baseUrl), draft.id), (e: unknown) => e instanceof FolioError && e.status === 401);
  });
});
