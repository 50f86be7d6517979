/**
 * Receiving Folio's webhooks: the payload types, and a verifier of their
 * Standard Webhooks signatures (https://www.standardwebhooks.com).
 *
 *   const event = await verifyWebhook(process.env.WEBHOOK_SECRET!, request.headers, await request.text());
 *   if (event.type === "post.published") revalidatePath(`/blog/${event.data.slug}`);
 *
 * This file imports nothing, and uses only what Node 20+, Deno, Bun,
 * Cloudflare Workers and Vercel's Edge runtime all provide (`crypto.subtle`,
 * `TextEncoder`, `atob`), so it can be copied into a project on its own.
 * Node 18 has Web Crypto but not as a global: pass it in (`subtle`).
 *
 * The payload types are written by hand from docs/WEBHOOKS.md: deliveries
 * are not operations of the OpenAPI document, so `schema.d.ts` has no type
 * for them.
 */

/** A post's status, as the API names it. */
export type WebhookPostStatus = "draft" | "scheduled" | "published" | "archived";

/** What every post event carries: the post as it is after the change. */
export interface PostEventData {
  id: string;
  slug: string;
  title: string;
  status: WebhookPostStatus;
  /** RFC 3339; null for a post that never had a date. */
  published_at: string | null;
  updated_at: string;
  /** The post's public page (`FOLIO_POST_URL_PATTERN`): the page to revalidate. */
  url: string;
  /** The post in the API, `…/api/v1/posts/{slug}`. */
  api_url: string;
  /**
   * Pass as `since` to `GET /api/v1/sync`: the batch starts with this very
   * change. Absent only from a test delivery sent when no post exists.
   */
  sync_token?: string;
  /** The slug before this change, when the change renamed the post. */
  previous_slug?: string;
  /** Present when it differs from `status`. */
  previous_status?: WebhookPostStatus;
  /** Only in deliveries of `POST /api/v1/webhooks/{id}/test`. */
  test?: true;
}

export interface TagEventData {
  slug: string;
  name: string;
  description: string | null;
  /** Only in deliveries of `POST /api/v1/webhooks/{id}/test`. */
  test?: true;
}

export interface TagUpdatedData extends TagEventData {
  previous_name: string;
}

/** A deleted tag: its slug and name, no description. */
export type TagDeletedData = Pick<TagEventData, "slug" | "name" | "test">;

export interface PingData {
  webhook_id: string;
}

interface Envelope<Type extends string, Data> {
  /** The event's id: also the `webhook-id` header, the same on every retry. */
  id: string;
  type: Type;
  /** When the change happened, RFC 3339 with milliseconds. */
  timestamp: string;
  data: Data;
}

export type PostPublishedEvent = Envelope<"post.published", PostEventData>;
export type PostUpdatedEvent = Envelope<"post.updated", PostEventData>;
export type PostUnpublishedEvent = Envelope<"post.unpublished", PostEventData>;
export type PostDeletedEvent = Envelope<"post.deleted", PostEventData>;
export type TagCreatedEvent = Envelope<"tag.created", TagEventData>;
export type TagUpdatedEvent = Envelope<"tag.updated", TagUpdatedData>;
export type TagDeletedEvent = Envelope<"tag.deleted", TagDeletedData>;
export type WebhookPingEvent = Envelope<"webhook.ping", PingData>;

/** Every body Folio delivers, told apart by `type`. */
export type FolioWebhookEvent =
  | PostPublishedEvent
  | PostUpdatedEvent
  | PostUnpublishedEvent
  | PostDeletedEvent
  | TagCreatedEvent
  | TagUpdatedEvent
  | TagDeletedEvent
  | WebhookPingEvent;

export type FolioWebhookEventType = FolioWebhookEvent["type"];

/** Why a delivery was refused. */
export type WebhookVerificationFailure =
  | "missing_header"
  | "invalid_timestamp"
  | "timestamp_too_old"
  | "timestamp_too_new"
  | "no_matching_signature"
  | "invalid_body";

/** A delivery that must not be trusted: answer it with a 4xx (401 or 400). */
export class WebhookVerificationError extends Error {
  constructor(
    readonly reason: WebhookVerificationFailure,
    message: string,
  ) {
    super(message);
    this.name = "WebhookVerificationError";
  }
}

export interface VerifyWebhookOptions {
  /** How far `webhook-timestamp` may be from now, either way. Default 300. */
  toleranceSeconds?: number;
  /** The time to check the timestamp against. Default: now. */
  now?: Date;
  /**
   * The Web Crypto to use. Default `globalThis.crypto.subtle`, which every
   * runtime has but Node 18: there, pass `webcrypto.subtle` from
   * `node:crypto` (or run Node with `--experimental-global-webcrypto`).
   */
  subtle?: WebhookSubtleCrypto;
}

/** The part of Web Crypto the verifier uses (Node's `webcrypto.subtle` fits). */
export type WebhookSubtleCrypto = Pick<SubtleCrypto, "importKey" | "sign">;

/** The headers of a Fetch `Request`, or a plain object such as Node's `req.headers`. */
export type WebhookHeaders =
  | { get(name: string): string | null }
  | Record<string, string | readonly string[] | undefined>;

const SECRET_PREFIX = "whsec_";
const DEFAULT_TOLERANCE_SECONDS = 5 * 60;
const encoder = new TextEncoder();

/**
 * Verifies a delivery and returns its event.
 *
 * `secret` is the webhook's `whsec_…` secret; during a rotation pass both
 * the new and the old one, and a delivery signed by either is accepted.
 * `body` must be the raw body as received, not JSON parsed and
 * re-serialised: the signature covers the exact bytes.
 *
 * Throws `WebhookVerificationError` when a header is missing, the
 * timestamp is not within `toleranceSeconds` of now (a replay), or no
 * signature in `webhook-signature` matches a secret; throws `TypeError`
 * for a secret that is not `whsec_` and base64.
 */
export async function verifyWebhook(
  secret: string | readonly string[],
  headers: WebhookHeaders,
  body: string | Uint8Array,
  options: VerifyWebhookOptions = {},
): Promise<FolioWebhookEvent> {
  const secrets = typeof secret === "string" ? [secret] : secret;
  if (secrets.length === 0) {
    throw new TypeError("verifyWebhook needs at least one secret");
  }
  const subtle = webCrypto(options.subtle);
  const keys = await Promise.all(secrets.map((s) => importSecret(subtle, s)));
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");

  if (!/^\d{1,15}$/.test(timestamp)) {
    throw new WebhookVerificationError("invalid_timestamp", "webhook-timestamp is not a number of seconds");
  }
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const sentAt = Number(timestamp);
  if (now - sentAt > tolerance) {
    throw new WebhookVerificationError("timestamp_too_old", "webhook-timestamp is too old");
  }
  if (sentAt - now > tolerance) {
    throw new WebhookVerificationError("timestamp_too_new", "webhook-timestamp is in the future");
  }

  // Versions other than v1 (asymmetric `v1a`, future ones) are skipped.
  const offered = signatures.split(" ").flatMap((entry) => {
    const sig = entry.startsWith("v1,") ? base64Decode(entry.slice(3)) : null;
    return sig ? [sig] : [];
  });
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  let matched = false;
  for (const key of keys) {
    const expected = await hmacSha256(subtle, key, `${id}.${timestamp}.`, bytes);
    for (const sig of offered) {
      // Every pair is compared, so the time taken does not say which matched.
      matched = timingSafeEqual(expected, sig) || matched;
    }
  }
  if (!matched) {
    throw new WebhookVerificationError("no_matching_signature", "no signature matches the secret");
  }

  try {
    return JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body)) as FolioWebhookEvent;
  } catch {
    throw new WebhookVerificationError("invalid_body", "the signed body is not JSON");
  }
}

/**
 * The `webhook-signature` value Folio sends for a message signed with
 * `secret`: for testing a receiver, or checking a captured delivery by hand.
 */
export async function signWebhook(
  secret: string,
  id: string,
  timestamp: number,
  body: string | Uint8Array,
  options: Pick<VerifyWebhookOptions, "subtle"> = {},
): Promise<string> {
  const subtle = webCrypto(options.subtle);
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  const mac = await hmacSha256(subtle, await importSecret(subtle, secret), `${id}.${timestamp}.`, bytes);
  return `v1,${base64Encode(mac)}`;
}

function header(headers: WebhookHeaders, name: string): string {
  let value: string | readonly string[] | null | undefined;
  if (typeof headers.get === "function") {
    value = (headers as { get(name: string): string | null }).get(name);
  } else {
    const record = headers as Record<string, string | readonly string[] | undefined>;
    const key = Object.keys(record).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : record[key];
  }
  const text = (typeof value === "string" ? value : value?.join(" "))?.trim();
  if (!text) {
    throw new WebhookVerificationError("missing_header", `the ${name} header is missing`);
  }
  return text;
}

function webCrypto(subtle: WebhookSubtleCrypto | undefined): WebhookSubtleCrypto {
  const found = subtle ?? globalThis.crypto?.subtle;
  if (!found) {
    throw new TypeError("no Web Crypto here: pass { subtle: webcrypto.subtle } from node:crypto on Node 18");
  }
  return found;
}

/** A `whsec_…` secret as an HMAC key (the prefix is optional). */
async function importSecret(subtle: WebhookSubtleCrypto, secret: string): Promise<CryptoKey> {
  const raw = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = base64Decode(raw);
  if (key === null || key.length === 0) {
    throw new TypeError("a webhook secret is `whsec_` followed by base64");
  }
  return subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

/** HMAC-SHA256 of `prefix` followed by `body`. */
async function hmacSha256(subtle: WebhookSubtleCrypto, key: CryptoKey, prefix: string, body: Uint8Array) {
  const head = encoder.encode(prefix);
  const message = new Uint8Array(head.length + body.length);
  message.set(head);
  message.set(body, head.length);
  return new Uint8Array(await subtle.sign("HMAC", key, message));
}

function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) {
    return false;
  }
  let difference = 0;
  for (let i = 0; i < a.length; i++) {
    difference |= a[i]! ^ b[i]!;
  }
  return difference === 0;
}

/** Standard base64 (with padding) to bytes; null for anything else. */
function base64Decode(text: string) {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    return null;
  }
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    out[i] = binary.charCodeAt(i);
  }
  return out;
}

function base64Encode(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary);
}
