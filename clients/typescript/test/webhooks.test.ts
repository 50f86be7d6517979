// Webhooks: the client's verifier against the Standard Webhooks
// specification and the `standardwebhooks` package, then real deliveries
// from a live Folio (FOLIO_URL, FOLIO_ADMIN_EMAIL, FOLIO_ADMIN_PASSWORD;
// scripts/with-folio.sh lets webhooks reach loopback) to a receiver on
// 127.0.0.1, checked by every verifier: the client's, the package's, and
// the examples in docs/examples/.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes, randomUUID, webcrypto } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { Webhook, WebhookVerificationError as PackageVerificationError } from "standardwebhooks";

import {
  type FolioWebhookEvent,
  login,
  type PostEventData,
  signWebhook,
  verifyWebhook,
  type WebhookVerificationFailure,
  WebhookVerificationError,
} from "../src/index.ts";

// The example in the Standard Webhooks specification.
const spec = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
const specHeaders = {
  "webhook-id": spec.id,
  "webhook-timestamp": String(spec.timestamp),
  "webhook-signature": spec.signature,
};
const atSpecTime = { now: new Date(spec.timestamp * 1000) };

const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

/** Awaits `promise` and checks that it failed verification for `reason`. */
async function refused(promise: Promise<unknown>, reason: WebhookVerificationFailure) {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof WebhookVerificationError, String(e));
    assert.equal(e.reason, reason);
    return true;
  });
}

describe("verifyWebhook", () => {
  test("signs and verifies the specification's example", async () => {
    assert.equal(await signWebhook(spec.secret, spec.id, spec.timestamp, spec.body), spec.signature);
    const event = await verifyWebhook(spec.secret, specHeaders, spec.body, atSpecTime);
    assert.deepEqual(event as unknown, { test: 2432232314 });
    // The same bytes, as a Uint8Array and with a Fetch Headers object.
    const bytes = new TextEncoder().encode(spec.body);
    assert.deepEqual(await verifyWebhook(spec.secret, new Headers(specHeaders), bytes, atSpecTime), event);
    // The package computes the same signature.
    assert.equal(new Webhook(spec.secret).sign(spec.id, new Date(spec.timestamp * 1000), spec.body), spec.signature);
  });

  test("accepts any matching signature among several, and any of several secrets", async () => {
    const other = await signWebhook(newSecret(), spec.id, spec.timestamp, spec.body);
    const header = (signature: string) => ({ ...specHeaders, "webhook-signature": signature });
    for (const signature of [
      `${other} ${spec.signature}`,
      `${spec.signature} ${other}`,
      `v1,not-base64! v1a,${spec.signature.slice(3)} v2,x ${spec.signature}`,
    ]) {
      await verifyWebhook(spec.secret, header(signature), spec.body, atSpecTime);
    }
    await verifyWebhook([newSecret(), spec.secret], specHeaders, spec.body, atSpecTime);
    await verifyWebhook([spec.secret, newSecret()], specHeaders, spec.body, atSpecTime);
    await refused(verifyWebhook([newSecret(), newSecret()], specHeaders, spec.body, atSpecTime), "no_matching_signature");
    // Only `v1,` signatures count.
    await refused(verifyWebhook(spec.secret, header(`v1a,${spec.signature.slice(3)}`), spec.body, atSpecTime), "no_matching_signature");
    await refused(verifyWebhook(spec.secret, header(spec.signature.slice(0, -2)), spec.body, atSpecTime), "no_matching_signature");
  });

  test("finds headers whatever their case, in Node's headers or a Fetch Headers", async () => {
    const mixed = { "Webhook-Id": spec.id, "WEBHOOK-TIMESTAMP": String(spec.timestamp), "webhook-Signature": [spec.signature] };
    await verifyWebhook(spec.secret, mixed, spec.body, atSpecTime);
    for (const name of Object.keys(specHeaders)) {
      const missing: Record<string, string> = { ...specHeaders };
      delete missing[name];
      await refused(verifyWebhook(spec.secret, missing, spec.body, atSpecTime), "missing_header");
      await refused(verifyWebhook(spec.secret, new Headers(missing), spec.body, atSpecTime), "missing_header");
      await refused(verifyWebhook(spec.secret, { ...missing, [name]: "" }, spec.body, atSpecTime), "missing_header");
    }
  });

  test("refuses a changed body, id or timestamp", async () => {
    await refused(verifyWebhook(spec.secret, specHeaders, '{"test": 2432232315}', atSpecTime), "no_matching_signature");
    await refused(verifyWebhook(spec.secret, specHeaders, `${spec.body}\n`, atSpecTime), "no_matching_signature");
    await refused(
      verifyWebhook(spec.secret, { ...specHeaders, "webhook-id": "msg_other" }, spec.body, atSpecTime),
      "no_matching_signature",
    );
    // A stale message with a fresh timestamp written in is still refused.
    const later = String(spec.timestamp + 10);
    await refused(
      verifyWebhook(spec.secret, { ...specHeaders, "webhook-timestamp": later }, spec.body, atSpecTime),
      "no_matching_signature",
    );
  });

  test("refuses a timestamp outside the tolerance, either way", async () => {
    const at = (offset: number) => ({ now: new Date((spec.timestamp + offset) * 1000) });
    await verifyWebhook(spec.secret, specHeaders, spec.body, at(300));
    await verifyWebhook(spec.secret, specHeaders, spec.body, at(-300));
    await refused(verifyWebhook(spec.secret, specHeaders, spec.body, at(301)), "timestamp_too_old");
    await refused(verifyWebhook(spec.secret, specHeaders, spec.body, at(-301)), "timestamp_too_new");
    await verifyWebhook(spec.secret, specHeaders, spec.body, { ...at(3600), toleranceSeconds: 3600 });
    await refused(verifyWebhook(spec.secret, specHeaders, spec.body, { ...at(61), toleranceSeconds: 60 }), "timestamp_too_old");
    // Today's clock: the specification's message is years old.
    await refused(verifyWebhook(spec.secret, specHeaders, spec.body), "timestamp_too_old");
    for (const timestamp of ["", " ", "1614265330.5", "-1614265330", "0x60372af2", "1e9", "١٦١٤٢٦٥٣٣٠"]) {
      const headers = { ...specHeaders, "webhook-timestamp": timestamp };
      await refused(verifyWebhook(spec.secret, headers, spec.body, atSpecTime), timestamp.trim() ? "invalid_timestamp" : "missing_header");
    }
  });

  test("refuses a signed body that is not JSON, and a secret that is not one", async () => {
    const body = "not json";
    const headers = { ...specHeaders, "webhook-signature": await signWebhook(spec.secret, spec.id, spec.timestamp, body) };
    await refused(verifyWebhook(spec.secret, headers, body, atSpecTime), "invalid_body");
    await assert.rejects(verifyWebhook([], specHeaders, spec.body, atSpecTime), TypeError);
    await assert.rejects(verifyWebhook("whsec_", specHeaders, spec.body, atSpecTime), TypeError);
    await assert.rejects(verifyWebhook("whsec_not base64!", specHeaders, spec.body, atSpecTime), TypeError);
    // The prefix is optional, as in the package.
    await verifyWebhook(spec.secret.slice("whsec_".length), specHeaders, spec.body, atSpecTime);
  });

  test("takes Web Crypto as an option where it is not a global (Node 18)", async () => {
    const global = Object.getOwnPropertyDescriptor(globalThis, "crypto");
    assert.ok(global?.configurable);
    Object.defineProperty(globalThis, "crypto", { value: undefined, configurable: true });
    try {
      await assert.rejects(verifyWebhook(spec.secret, specHeaders, spec.body, atSpecTime), /node:crypto/);
      const subtle = webcrypto.subtle;
      await verifyWebhook(spec.secret, specHeaders, spec.body, { ...atSpecTime, subtle });
      assert.equal(await signWebhook(spec.secret, spec.id, spec.timestamp, spec.body, { subtle }), spec.signature);
    } finally {
      Object.defineProperty(globalThis, "crypto", global);
    }
  });

  test("agrees with the standardwebhooks package on random messages", async () => {
    for (let i = 0; i < 25; i++) {
      const secret = newSecret();
      const id = randomUUID();
      const now = new Date();
      const body = JSON.stringify({ id, text: `é ✓ 😀 \u2028 ${randomBytes(i * 7).toString("hex")}`, n: i });
      const ours = await signWebhook(secret, id, Math.floor(now.getTime() / 1000), body);
      const theirs = new Webhook(secret).sign(id, now, body);
      assert.equal(ours, theirs);
      const headers = { "webhook-id": id, "webhook-timestamp": String(Math.floor(now.getTime() / 1000)), "webhook-signature": ours };
      assert.deepEqual(await verifyWebhook(secret, headers, body), JSON.parse(body));
      assert.deepEqual(new Webhook(secret).verify(body, headers), JSON.parse(body));
    }
  });
});

// ---------------------------------------------------------------------------
// Against a live Folio.

const repo = fileURLToPath(new URL("../../../", import.meta.url));

/** One request the receiver got. */
interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  /** The body, parsed without verification: only for picking deliveries out. */
  event: FolioWebhookEvent;
  /** How many times this `webhook-id` had arrived, this one included. */
  nth: number;
}

/** A webhook receiver on 127.0.0.1 that keeps every request. */
class Receiver {
  readonly received: Received[] = [];
  /** The status to answer a request with. */
  respond: (r: Received) => number = () => 200;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<Receiver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const receiver = new Receiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/folio`);
    server.on("request", (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        const text = body.toString("utf8");
        const id = req.headers["webhook-id"];
        const r: Received = {
          headers: req.headers,
          body,
          text,
          event: JSON.parse(text) as FolioWebhookEvent,
          nth: receiver.received.filter((x) => x.headers["webhook-id"] === id).length + 1,
        };
        receiver.received.push(r);
        res.writeHead(receiver.respond(r), { "content-type": "text/plain" }).end("received");
      });
    });
    return receiver;
  }

  /** Waits for the `nth` request that `match` picks. */
  async waitFor(match: (event: FolioWebhookEvent) => boolean, nth = 1, timeoutMs = 20_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.filter((r) => match(r.event))[nth - 1];
      if (found) {
        return found;
      }
      if (Date.now() > deadline) {
        const seen = this.received.map((r) => `${r.event.type} ${r.event.id}`).join(", ");
        throw new Error(`no delivery #${nth} matched within ${timeoutMs} ms; received: ${seen || "nothing"}`);
      }
      await sleep(50);
    }
  }

  close() {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(resolve));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` returns something. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found !== undefined) {
      return found;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(100);
  }
}

/** Node's headers as the package wants them: one string per name. */
function plainHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).flatMap(([name, value]) => (value === undefined ? [] : [[name, String(value)]])),
  );
}

function postData(r: Received): PostEventData {
  assert.match(r.event.type, /^post\./);
  return r.event.data as PostEventData;
}

/** Checks `r` with the client's verifier and the package, and returns the event. */
async function verifyWithBoth(secret: string | string[], r: Received): Promise<FolioWebhookEvent> {
  const event = await verifyWebhook(secret, r.headers, r.body);
  assert.deepEqual(event, JSON.parse(r.text));
  // The same delivery as a Fetch request gives it to a Next.js route handler.
  assert.deepEqual(await verifyWebhook(secret, new Headers(plainHeaders(r.headers)), r.text), event);
  for (const one of typeof secret === "string" ? [secret] : secret) {
    assert.deepEqual(new Webhook(one).verify(r.text, plainHeaders(r.headers)), event);
  }
  return event;
}

/** The verifiers in docs/examples/, each run as its documentation says. */
const examples: [string, string[]][] = [
  ["python3", [`${repo}docs/examples/verify-webhook.py`]],
  [process.execPath, [`${repo}docs/examples/verify-webhook.mjs`]],
  ["bash", [`${repo}docs/examples/verify-webhook.sh`]],
];

/** Runs every example on a delivery; returns their exit codes and output. */
async function runExamples(secrets: string[], r: Received, body: Buffer = r.body) {
  const args = ["webhook-id", "webhook-timestamp", "webhook-signature"].map((h) => String(r.headers[h]));
  return Promise.all(
    examples.map(
      ([command, script]) =>
        new Promise<{ example: string; code: number | null; out: string }>((resolve, reject) => {
          const child = spawn(command, [...script, ...args], {
            env: { ...process.env, WEBHOOK_SECRET: secrets.join(" ") },
          });
          let out = "";
          child.stdout.on("data", (d: Buffer) => (out += d));
          child.stderr.on("data", (d: Buffer) => (out += d));
          child.on("error", reject);
          child.on("close", (code) => resolve({ example: script[0] ?? command, code, out }));
          child.stdin.end(body);
        }),
    ),
  );
}

async function examplesAccept(secrets: string[], r: Received) {
  for (const { example, code, out } of await runExamples(secrets, r)) {
    assert.equal(code, 0, `${example} refused a genuine delivery: ${out}`);
  }
}

async function examplesRefuse(secrets: string[], r: Received, body?: Buffer) {
  for (const { example, code, out } of await runExamples(secrets, r, body)) {
    assert.equal(code, 1, `${example} accepted a forged delivery: ${out}`);
    assert.match(out, /refused/);
  }
}

describe("webhooks from a live Folio", () => {
  const baseUrl = process.env.FOLIO_URL ?? "";
  const email = process.env.FOLIO_ADMIN_EMAIL ?? "admin@localhost";
  const password = process.env.FOLIO_ADMIN_PASSWORD ?? "";
  let folio: Awaited<ReturnType<typeof login>>["client"];
  let receiver: Receiver;
  let hookId: string;
  let secret: string;
  // Filled in as the tests go.
  let post: { id: string; slug: string; title: string };
  let first: Received;

  /** Publishes a new post; returns it. */
  async function publish(title: string) {
    const { data, response } = await folio.POST("/api/v1/posts", {
      body: { title, markdown: `# ${title}\n\nSent to a webhook.`, status: "published" },
    });
    assert.equal(response.status, 201);
    assert.ok(data);
    return data;
  }

  /** The log entry of the delivery of `eventId`, once it is `state`. */
  function delivery(eventId: string, state: "succeeded" | "failed") {
    return eventually(`delivery of ${eventId} to be ${state}`, async () => {
      const { data } = await folio.GET("/api/v1/webhooks/{id}/deliveries", {
        params: { path: { id: hookId }, query: { limit: 100 } },
      });
      return data?.data.find((d) => d.event_id === eventId && d.state === state);
    });
  }

  before(async () => {
    if (!baseUrl || !password) {
      throw new Error("set FOLIO_URL and FOLIO_ADMIN_PASSWORD to a running Folio (scripts/with-folio.sh)");
    }
    ({ client: folio } = await login(baseUrl, email, password));
    receiver = await Receiver.start();
    const { data, response } = await folio.POST("/api/v1/webhooks", {
      body: {
        url: receiver.url,
        events: ["post.published", "post.updated", "post.unpublished", "post.deleted"],
        description: "the TypeScript client's tests",
      },
    });
    assert.equal(response.status, 201, JSON.stringify(data));
    assert.ok(data?.secret);
    assert.match(data.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(response.headers.get("location"), `${baseUrl}/api/v1/webhooks/${data.id}`);
    hookId = data.id;
    secret = data.secret;
    // Shown once: never again.
    const again = await folio.GET("/api/v1/webhooks/{id}", { params: { path: { id: hookId } } });
    assert.equal(again.data?.url, receiver.url);
    assert.ok(!JSON.stringify(again.data).includes(secret));
  });

  after(async () => {
    if (hookId) {
      const { response } = await folio.DELETE("/api/v1/webhooks/{id}", { params: { path: { id: hookId } } });
      assert.equal(response.status, 204);
    }
    await receiver?.close();
  });

  test("publishing a post delivers a signed post.published that every verifier accepts", async () => {
    const created = await publish(`Webhook ${randomUUID().slice(0, 8)}`);
    post = { id: created.id, slug: created.slug, title: created.title };
    first = await receiver.waitFor((e) => e.type === "post.published" && e.data.id === post.id);

    assert.equal(first.headers["content-type"], "application/json");
    assert.match(first.headers["user-agent"] ?? "", /^Folio-Webhooks\/\d+\.\d+\.\d+$/);
    assert.equal(first.headers["webhook-id"], first.event.id);
    const timestamp = Number(first.headers["webhook-timestamp"]);
    assert.ok(Math.abs(timestamp - Date.now() / 1000) < 60, `webhook-timestamp ${timestamp}`);
    assert.match(String(first.headers["webhook-signature"]), /^v1,[A-Za-z0-9+/]{43}=$/);

    const event = await verifyWithBoth(secret, first);
    await examplesAccept([secret], first);
    assert.equal(event.type, "post.published");
    assert.ok(!Number.isNaN(Date.parse(event.timestamp)));
    const data = postData(first);
    assert.deepEqual(
      { id: data.id, slug: data.slug, title: data.title, status: data.status },
      { ...post, status: "published" },
    );
    assert.equal(data.api_url, `${baseUrl}/api/v1/posts/${post.slug}`);
    assert.ok(data.url.endsWith(post.slug), data.url);
    assert.ok(data.published_at && data.updated_at);
    assert.equal(data.test, undefined);

    // The sync token starts a /sync batch at this very change.
    assert.ok(data.sync_token);
    const sync = await folio.GET("/api/v1/sync", { params: { query: { since: data.sync_token } } });
    assert.equal(sync.data?.posts[0]?.id, post.id);
  });

  test("a tampered body, a wrong secret or a stale timestamp is refused", async () => {
    const timestamp = Number(first.headers["webhook-timestamp"]);
    const tampered = Buffer.from(first.text.replace(post.title, `${post.title}!`));
    assert.notDeepEqual(tampered, first.body);

    await refused(verifyWebhook(secret, first.headers, tampered), "no_matching_signature");
    assert.throws(() => new Webhook(secret).verify(tampered.toString(), plainHeaders(first.headers)), PackageVerificationError);
    await examplesRefuse([secret], first, tampered);

    const wrong = newSecret();
    await refused(verifyWebhook(wrong, first.headers, first.body), "no_matching_signature");
    assert.throws(() => new Webhook(wrong).verify(first.text, plainHeaders(first.headers)), PackageVerificationError);
    await examplesRefuse([wrong], first);

    // Replayed five minutes and a second later, or from the future.
    await refused(verifyWebhook(secret, first.headers, first.body, { now: new Date((timestamp + 301) * 1000) }), "timestamp_too_old");
    await refused(verifyWebhook(secret, first.headers, first.body, { now: new Date((timestamp - 301) * 1000) }), "timestamp_too_new");
    // ...and with a new timestamp written in.
    const restamped = { ...first.headers, "webhook-timestamp": String(timestamp + 301) };
    await refused(verifyWebhook(secret, restamped, first.body, { now: new Date((timestamp + 301) * 1000) }), "no_matching_signature");
  });

  test("the delivery log shows the delivery succeeded", async () => {
    const logged = await delivery(first.event.id, "succeeded");
    assert.equal(logged.event_type, "post.published");
    assert.equal(logged.attempts, 1);
    assert.equal(logged.last_status, 200);
    assert.equal(logged.last_error, null);
    assert.equal(logged.next_attempt_at, null);
    assert.ok(logged.completed_at);
    assert.equal(logged.attempt_log.length, 1);
    const [attempt] = logged.attempt_log;
    assert.equal(attempt?.attempt, 1);
    assert.equal(attempt?.status_code, 200);
    assert.equal(attempt?.response_snippet, "received");
    assert.equal(attempt?.error, null);

    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    const succeeded = /^folio_webhook_deliveries_total\{outcome="succeeded"\} (\d+)/m.exec(metrics);
    assert.ok(Number(succeeded?.[1]) >= 1, "folio_webhook_deliveries_total{outcome=\"succeeded\"}");
    assert.match(metrics, /^folio_webhook_queue_depth /m);
  });

  test("after a rotation deliveries carry two signatures, and either secret verifies them", async () => {
    const { data: rotated, response } = await folio.POST("/api/v1/webhooks/{id}/rotate-secret", {
      params: { path: { id: hookId } },
      body: { overlap_seconds: 3600 },
    });
    assert.equal(response.status, 200);
    assert.ok(rotated);
    assert.notEqual(rotated.secret, secret);
    const expires = Date.parse(rotated.previous_secret_expires_at ?? "");
    assert.ok(Math.abs(expires - (Date.now() + 3600_000)) < 60_000, rotated.previous_secret_expires_at ?? "null");
    const old = secret;
    secret = rotated.secret;

    const title = `${post.title} (edited)`;
    const { response: patched } = await folio.PATCH("/api/v1/posts/{id_or_slug}", {
      params: { path: { id_or_slug: post.id } },
      body: { title },
    });
    assert.equal(patched.status, 200);
    const updated = await receiver.waitFor((e) => e.type === "post.updated" && e.data.id === post.id);
    assert.equal(postData(updated).title, title);
    assert.equal(String(updated.headers["webhook-signature"]).split(" ").length, 2);

    await verifyWithBoth(old, updated);
    await verifyWithBoth(secret, updated);
    await verifyWithBoth([old, secret], updated);
    await examplesAccept([old], updated);
    await examplesAccept([secret], updated);
    await examplesAccept([newSecret(), secret], updated);

    // A rotation without overlap: the replaced secret stops at once.
    const { data: again } = await folio.POST("/api/v1/webhooks/{id}/rotate-secret", {
      params: { path: { id: hookId } },
      body: { overlap_seconds: 0 },
    });
    assert.ok(again);
    assert.equal(again.previous_secret_expires_at, null);
    const replaced = secret;
    secret = again.secret;
    await folio.PATCH("/api/v1/posts/{id_or_slug}", {
      params: { path: { id_or_slug: post.id } },
      body: { title: `${title} again` },
    });
    const latest = await receiver.waitFor((e) => e.type === "post.updated" && e.data.id === post.id, 2);
    assert.equal(String(latest.headers["webhook-signature"]).split(" ").length, 1);
    await verifyWithBoth(secret, latest);
    await refused(verifyWebhook([old, replaced], latest.headers, latest.body), "no_matching_signature");
    await examplesRefuse([replaced], latest);
  });

  test("a failed attempt is retried with the same webhook-id", async () => {
    receiver.respond = (r) => (r.event.type === "post.published" && r.nth === 1 ? 500 : 200);
    try {
      const created = await publish(`Retried ${randomUUID().slice(0, 8)}`);
      const isIt = (e: FolioWebhookEvent) => e.type === "post.published" && e.data.id === created.id;
      const [one, two] = [await receiver.waitFor(isIt, 1), await receiver.waitFor(isIt, 2)];
      assert.equal(one.headers["webhook-id"], two.headers["webhook-id"]);
      assert.deepEqual(one.event, two.event);
      await verifyWithBoth(secret, two);

      const logged = await delivery(two.event.id, "succeeded");
      assert.equal(logged.attempts, 2);
      assert.deepEqual(
        logged.attempt_log.map((a) => a.status_code),
        [500, 200],
      );
      assert.equal(logged.attempt_log[0]?.response_snippet, "received");
    } finally {
      receiver.respond = () => 200;
    }
  });

  test("ping, test and redeliver send signed deliveries", async () => {
    const { data: ping } = await folio.POST("/api/v1/webhooks/{id}/ping", { params: { path: { id: hookId } } });
    assert.ok(ping);
    assert.equal(ping.ok, true);
    assert.equal(ping.delivery.event_type, "webhook.ping");
    assert.equal(ping.delivery.state, "succeeded");
    const pinged = await receiver.waitFor((e) => e.type === "webhook.ping" && e.id === ping.delivery.event_id);
    const pingEvent = await verifyWithBoth(secret, pinged);
    assert.deepEqual(pingEvent.data, { webhook_id: hookId });

    const queued = await folio.POST("/api/v1/webhooks/{id}/test", {
      params: { path: { id: hookId } },
      body: { event: "post.published" },
    });
    assert.equal(queued.response.status, 202);
    const sample = await receiver.waitFor((e) => e.id === queued.data?.event_id);
    const sampleEvent = await verifyWithBoth(secret, sample);
    assert.equal(sampleEvent.type, "post.published");
    assert.equal(postData(sample).test, true);

    // Redelivered with the same webhook-id: receivers de-duplicate on it.
    const original = await delivery(first.event.id, "succeeded");
    const redelivered = await folio.POST("/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver", {
      params: { path: { id: hookId, delivery_id: original.id } },
    });
    assert.equal(redelivered.response.status, 202);
    const copy = await receiver.waitFor((e) => e.id === first.event.id, 2);
    assert.equal(copy.headers["webhook-id"], first.headers["webhook-id"]);
    assert.deepEqual(copy.event, first.event);
    await verifyWithBoth(secret, copy);
    await examplesAccept([secret], copy);
  });
});
