/**
 * Following Folio's live updates (`GET /api/v1/events`, server-sent
 * events) with `fetch`, so that a server or a browser can send
 * `Authorization` (a browser's `EventSource` cannot):
 *
 *   const controller = new AbortController();
 *   for await (const e of subscribeEvents("https://cms.example.com", { token, signal: controller.signal })) {
 *     if (e.event === "post.published") revalidatePath(new URL(e.data.data.url).pathname);
 *   }
 *
 * The iterator reconnects by itself when the connection drops or the server
 * ends the stream (`reconnect`, `unavailable`, `shutdown`), after the delay
 * the server asked for (`retry:`), sending `Last-Event-ID` so that no
 * change is skipped or repeated. It ends after an `unauthorized` event (the
 * credential was revoked or expired), when `signal` aborts, or when the
 * loop `break`s. A refused connection (401, 403, 4xx) throws
 * `EventStreamError`; a 503 (the instance's cap on streams) or a 429 (too
 * many streams from one client) is retried after its `Retry-After`.
 *
 * Like `webhooks.ts`, this file imports nothing but types and uses only
 * `fetch`, `ReadableStream`, `TextDecoder` and `AbortController`
 * (Node 20+, browsers, Deno, Bun, workers).
 */
import type { PostEventData } from "./webhooks.ts";

/** Changes every subscriber may see. */
export type PublicChangeType = "post.published" | "post.updated" | "post.unpublished" | "post.deleted";
/** Changes to drafts: for subscribers who may see them, and a preview token's own post. */
export type DraftChangeType = "draft.updated" | "draft.deleted";
export type ChangeEventType = PublicChangeType | DraftChangeType;
/** The last event of a stream: why it ended. */
export type StreamEndType = "unauthorized" | "reconnect" | "unavailable" | "shutdown";

/** A deleted draft: its id and slug are sure to be there, the rest may not. */
export type DeletedDraftData = Pick<PostEventData, "id" | "slug"> & Partial<PostEventData>;

/** An event's `data`: the same envelope a webhook delivery carries. */
export interface ChangePayload<Type extends ChangeEventType = ChangeEventType> {
  /** The event's id (a webhook delivery of the same change has the same). */
  id: string;
  type: Type;
  /** When the change happened, RFC 3339. */
  timestamp: string;
  data: Type extends "draft.deleted" ? DeletedDraftData : PostEventData;
}

/** A content change. `id` is the `/sync` token after it: resume after it. */
export type ChangeEvent = {
  [Type in ChangeEventType]: { id: string; event: Type; data: ChangePayload<Type> };
}[ChangeEventType];

/** The stream ended. `id` is the last change's id (unchanged by this event). */
export interface StreamEndEvent {
  id: string;
  event: StreamEndType;
  data: { detail: string };
}

/** Everything the iterator yields, told apart by `event`. */
export type FolioStreamEvent = ChangeEvent | StreamEndEvent;

const CHANGE_TYPES: ReadonlySet<string> = new Set<ChangeEventType>([
  "post.published",
  "post.updated",
  "post.unpublished",
  "post.deleted",
  "draft.updated",
  "draft.deleted",
]);
const END_TYPES: ReadonlySet<string> = new Set<StreamEndType>(["unauthorized", "reconnect", "unavailable", "shutdown"]);

// ---------------------------------------------------------------------------
// The text/event-stream format (https://html.spec.whatwg.org/multipage/server-sent-events.html).

/** One dispatched message, before its data is parsed. */
export interface EventStreamMessage {
  /** The last event id seen so far on this stream ("" when none). */
  id: string;
  /** `message` when the message named none. */
  event: string;
  /** The `data:` lines, joined with "\n". */
  data: string;
}

/**
 * An incremental parser of `text/event-stream`, as browsers parse it:
 * lines end with CRLF, LF or CR (even split across chunks), `:` lines are
 * comments, several `data:` lines join with "\n", a message is dispatched
 * at a blank line, and one without data is dropped.
 */
export class EventStreamParser {
  /** The id to send as `Last-Event-ID` on reconnecting ("" when none). */
  lastEventId = "";
  /** The reconnection delay the server asked for, in ms (`retry:`), if any. */
  retry: number | undefined;

  private buffer = "";
  private data: string[] = [];
  private eventType = "";
  /** The previous chunk ended in CR: a leading LF in the next one is its pair. */
  private pendingCR = false;

  constructor(lastEventId = "") {
    this.lastEventId = lastEventId;
  }

  /** Feeds decoded text; returns the messages it completed. */
  push(text: string): EventStreamMessage[] {
    if (this.pendingCR && text.startsWith("\n")) {
      text = text.slice(1);
    }
    this.pendingCR = false;
    this.buffer += text;
    const messages: EventStreamMessage[] = [];
    let start = 0;
    for (;;) {
      const cr = this.buffer.indexOf("\r", start);
      const lf = this.buffer.indexOf("\n", start);
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      if (end === -1) {
        break;
      }
      const line = this.buffer.slice(start, end);
      if (this.buffer[end] === "\r") {
        if (end + 1 === this.buffer.length) {
          this.pendingCR = true;
          start = end + 1;
        } else {
          start = this.buffer[end + 1] === "\n" ? end + 2 : end + 1;
        }
      } else {
        start = end + 1;
      }
      const message = this.line(line);
      if (message) {
        messages.push(message);
      }
    }
    this.buffer = this.buffer.slice(start);
    return messages;
  }

  private line(line: string): EventStreamMessage | undefined {
    if (line === "") {
      return this.dispatch();
    }
    if (line.startsWith(":")) {
      return undefined;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) {
      value = value.slice(1);
    }
    switch (field) {
      case "data":
        this.data.push(value);
        break;
      case "event":
        this.eventType = value;
        break;
      case "id":
        if (!value.includes("\0")) {
          this.lastEventId = value;
        }
        break;
      case "retry":
        if (/^\d+$/.test(value)) {
          this.retry = Number(value);
        }
        break;
      default:
      // Unknown fields are ignored.
    }
    return undefined;
  }

  private dispatch(): EventStreamMessage | undefined {
    const data = this.data;
    const event = this.eventType || "message";
    this.data = [];
    this.eventType = "";
    if (data.length === 0) {
      return undefined;
    }
    return { id: this.lastEventId, event, data: data.join("\n") };
  }
}

/** A message as a typed event; undefined for a type this client does not know. */
export function toStreamEvent(message: EventStreamMessage): FolioStreamEvent | undefined {
  if (!CHANGE_TYPES.has(message.event) && !END_TYPES.has(message.event)) {
    return undefined;
  }
  return { id: message.id, event: message.event, data: JSON.parse(message.data) } as FolioStreamEvent;
}

// ---------------------------------------------------------------------------
// The subscription.

/** A connection Folio refused for good (not a 503 or 429, which are retried). */
export class EventStreamError extends Error {
  constructor(
    readonly status: number,
    /** The problem document's `detail`, when there was one. */
    readonly detail: string | undefined,
  ) {
    super(`the event stream was refused: ${status}${detail ? ` ${detail}` : ""}`);
    this.name = "EventStreamError";
  }
}

export interface SubscribeEventsOptions {
  /**
   * Sent as `Authorization: Bearer`: an access token or API key (public
   * changes and the drafts it may read), or a preview token `folio_pv_…`
   * (its one post's changes). None: public changes only.
   */
  token?: string;
  /**
   * Resume after this `/sync` token or event id: every change after it
   * comes first. Without it the stream starts with the next change.
   */
  since?: string;
  /** Ends the subscription: the iterator finishes without an error. */
  signal?: AbortSignal;
  /** The delay before reconnecting until the server sends `retry:`. Default 3000 ms. */
  retryMs?: number;
  /** Failed attempts in a row back off, doubling up to this. Default 30000 ms. */
  maxRetryMs?: number;
  /**
   * A connection silent this long is taken for dead and reopened. Folio
   * sends a heartbeat every `FOLIO_EVENTS_HEARTBEAT_SECS` (15 s): keep this
   * well above it. Default 45000 ms; 0 turns it off.
   */
  idleTimeoutMs?: number;
  /** Told before each wait to reconnect: why, and for how long. */
  onReconnect?: (reason: string, delayMs: number) => void;
  /** The fetch to use. Default the global one. */
  fetch?: typeof fetch;
}

/**
 * Subscribes to `GET /api/v1/events` and yields its events, reconnecting
 * with `Last-Event-ID` until an `unauthorized` event, an abort or a
 * `break`. Stream-end events (`reconnect`, `unavailable`, `shutdown`) are
 * yielded too, for the record; the iterator reconnects after them.
 */
export async function* subscribeEvents(
  baseUrl: string,
  options: SubscribeEventsOptions = {},
): AsyncGenerator<FolioStreamEvent, void, undefined> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const maxRetry = options.maxRetryMs ?? 30_000;
  const idleTimeout = options.idleTimeoutMs ?? 45_000;
  const url = new URL("/api/v1/events", baseUrl).toString();
  let lastEventId = options.since ?? "";
  let retry = options.retryMs ?? 3000;
  let failures = 0;

  while (!options.signal?.aborted) {
    const attempt = new AbortController();
    const abort = () => attempt.abort();
    options.signal?.addEventListener("abort", abort);
    let idle: ReturnType<typeof setTimeout> | undefined;
    const quiet = () => {
      clearTimeout(idle);
      if (idleTimeout > 0) {
        idle = setTimeout(() => attempt.abort(), idleTimeout);
      }
    };
    let reason: string;
    let delay: number;
    try {
      const headers: Record<string, string> = { accept: "text/event-stream" };
      if (options.token) {
        headers.authorization = `Bearer ${options.token}`;
      }
      if (lastEventId) {
        headers["last-event-id"] = lastEventId;
      }
      quiet();
      const response = await doFetch(url, { headers, signal: attempt.signal });
      if (response.status === 503 || response.status === 429) {
        const after = Number(response.headers.get("retry-after"));
        await response.body?.cancel();
        failures++;
        reason = `too many streams (${response.status})`;
        delay = Number.isFinite(after) && after > 0 ? after * 1000 : backoff(retry, failures, maxRetry);
      } else if (response.status >= 500) {
        await response.body?.cancel();
        failures++;
        reason = `the server answered ${response.status}`;
        delay = backoff(retry, failures, maxRetry);
      } else if (!response.ok || !response.body) {
        throw new EventStreamError(response.status, await problemDetail(response));
      } else {
        failures = 0;
        const parser = new EventStreamParser(lastEventId);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let ended: StreamEndType | undefined;
        try {
          for (;;) {
            quiet();
            const { value, done } = await reader.read();
            if (done) {
              break;
            }
            const messages = parser.push(value);
            retry = parser.retry ?? retry;
            for (const message of messages) {
              const event = toStreamEvent(message);
              if (!event) {
                continue;
              }
              // Remembered before yielding: a consumer that stops here has
              // still seen this change.
              lastEventId = parser.lastEventId;
              yield event;
              if (END_TYPES.has(event.event)) {
                ended = event.event as StreamEndType;
              }
            }
          }
        } finally {
          // Also reached when the consumer `break`s out of its loop.
          clearTimeout(idle);
          attempt.abort();
          reader.releaseLock();
        }
        lastEventId = parser.lastEventId;
        if (ended === "unauthorized") {
          return;
        }
        reason = ended ? `the server ended the stream (${ended})` : "the stream closed";
        delay = retry;
      }
    } catch (error) {
      if (error instanceof EventStreamError || options.signal?.aborted) {
        if (options.signal?.aborted) {
          return;
        }
        throw error;
      }
      // A network error, or the connection went silent past idleTimeoutMs.
      failures++;
      reason = attempt.signal.aborted ? "the connection went silent" : `the connection failed: ${String(error)}`;
      delay = backoff(retry, failures, maxRetry);
    } finally {
      clearTimeout(idle);
      options.signal?.removeEventListener("abort", abort);
    }
    options.onReconnect?.(reason, delay);
    await sleep(delay, options.signal);
  }
}

/** `base` after the first failure, doubling with each one after it, at most `max`. */
function backoff(base: number, failures: number, max: number): number {
  return Math.min(max, base * 2 ** Math.max(0, failures - 1));
}

async function problemDetail(response: Response): Promise<string | undefined> {
  try {
    const problem = (await response.json()) as { detail?: unknown };
    return typeof problem.detail === "string" ? problem.detail : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done);
  });
}
