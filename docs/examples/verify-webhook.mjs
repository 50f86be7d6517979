// Verifies a Folio webhook delivery (Standard Webhooks) in Node.js with
// node:crypto only. (The TypeScript client's verifyWebhook does the same
// with Web Crypto, for edge runtimes too.)
//
// In a server, pass the raw body (a Buffer, exactly as received) and
// req.headers, and answer 401 when it throws. From a shell, for a capture:
//   WEBHOOK_SECRET=whsec_... node verify-webhook.mjs \
//     "$WEBHOOK_ID" "$WEBHOOK_TIMESTAMP" "$WEBHOOK_SIGNATURE" < body.json
// exits 0 and prints the event's type and id, or 1 with the reason.
// WEBHOOK_SECRET may hold several secrets separated by spaces;
// WEBHOOK_TOLERANCE (seconds, default 300) is how old the timestamp
// may be.
import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Returns the event of a genuine delivery; throws otherwise. */
export function verifyWebhook(secrets, headers, body, { toleranceSeconds = 300, now = Date.now() } = {}) {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signatures = headers["webhook-signature"];
  if (!id || !timestamp || !signatures) {
    throw new Error("a webhook-id, webhook-timestamp or webhook-signature header is missing");
  }
  if (!/^[0-9]{1,15}$/.test(timestamp)) {
    throw new Error("webhook-timestamp is not a number of seconds");
  }
  if (Math.abs(Math.floor(now / 1000) - Number(timestamp)) > toleranceSeconds) {
    throw new Error("webhook-timestamp is too old or in the future"); // a replay, or a clock far off
  }
  const offered = signatures
    .split(" ")
    .filter((s) => s.startsWith("v1,"))
    .map((s) => Buffer.from(s.slice(3), "base64"));
  let matched = false;
  for (const secret of secrets) {
    const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
    const expected = createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest();
    for (const signature of offered) {
      // timingSafeEqual throws on different lengths: check them first.
      matched = (signature.length === expected.length && timingSafeEqual(signature, expected)) || matched;
    }
  }
  if (!matched) {
    throw new Error("no signature matches the secret");
  }
  return JSON.parse(body.toString("utf8"));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const secrets = (process.env.WEBHOOK_SECRET ?? "").split(" ").filter(Boolean);
  const [id, timestamp, signature] = process.argv.slice(2);
  if (!id || !timestamp || !signature || secrets.length === 0) {
    console.error("usage: WEBHOOK_SECRET=whsec_... node verify-webhook.mjs ID TIMESTAMP SIGNATURE < body");
    process.exit(2);
  }
  const headers = { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature };
  try {
    const toleranceSeconds = Number(process.env.WEBHOOK_TOLERANCE ?? 300);
    const event = verifyWebhook(secrets, headers, readFileSync(0), { toleranceSeconds });
    console.log(event.type, event.id);
  } catch (e) {
    console.error(`refused: ${e.message}`);
    process.exit(1);
  }
}
