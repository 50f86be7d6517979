/**
 * Preview links: a token (`folio_pv_…`) that reads one post, drafts
 * included, until it expires or is revoked. See docs/PREVIEWS.md.
 *
 *   const { client } = await login(baseUrl, email, password);
 *   const link = await createPreview(client, "my-draft", { expires_in: 3600 });
 *   // send link.urls.document to a reviewer, or link.token to a frontend
 *   const { post } = await readPreview(baseUrl, link.token);
 */
import createClient, { type Client } from "openapi-fetch";
import type { FolioMedia } from "./index.ts";
import type { components, paths } from "./schema.d.ts";

type FolioClient = Client<paths, FolioMedia>;
type Problem = components["schemas"]["Problem"];

export type CreatePreviewRequest = components["schemas"]["CreatePreviewRequest"];
export type CreatedPreview = components["schemas"]["CreatedPreview"];
export type PreviewSummary = components["schemas"]["PreviewSummary"];
export type PreviewResponse = components["schemas"]["PreviewResponse"];
export type PreviewInfo = components["schemas"]["PreviewInfo"];

/** A call Folio answered with a problem (RFC 9457). */
export class FolioError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
  ) {
    super(`${status}${problem?.detail ? ` ${problem.detail}` : problem?.title ? ` ${problem.title}` : ""}`);
    this.name = "FolioError";
  }
}

function fail(response: Response, error: unknown): never {
  throw new FolioError(response.status, error as Problem | undefined);
}

/**
 * Creates a preview link to a post (by id or slug). The client must send a
 * user's access token, or an API key with `posts:write`. The answer's
 * `token` is shown this once; `urls` carry it in their query string.
 */
export async function createPreview(
  client: FolioClient,
  post: string,
  request: CreatePreviewRequest = {},
): Promise<CreatedPreview> {
  const { data, error, response } = await client.POST("/api/v1/posts/{id_or_slug}/previews", {
    params: { path: { id_or_slug: post } },
    body: request,
  });
  return data ?? fail(response, error);
}

/** A post's preview links that still work, newest first (never their tokens). */
export async function listPreviews(client: FolioClient, post: string): Promise<PreviewSummary[]> {
  const { data, error, response } = await client.GET("/api/v1/posts/{id_or_slug}/previews", {
    params: { path: { id_or_slug: post } },
  });
  return data?.data ?? fail(response, error);
}

/** Revokes a preview link: it stops working at once, its open streams within a heartbeat. */
export async function revokePreview(client: FolioClient, post: string, previewId: string): Promise<void> {
  const { error, response } = await client.DELETE("/api/v1/posts/{id_or_slug}/previews/{preview_id}", {
    params: { path: { id_or_slug: post, preview_id: previewId } },
  });
  if (!response.ok) {
    fail(response, error);
  }
}

export interface ReadPreviewOptions {
  signal?: AbortSignal;
  /** The fetch to use. Default the global one. */
  fetch?: typeof fetch;
}

/**
 * Reads the post a preview token grants, as JSON: `{post, preview}`. The
 * token goes in `Authorization`, not in the URL, so it stays out of proxy
 * logs. Throws `FolioError` (401) for a token that expired, was revoked,
 * or whose post was deleted.
 */
export async function readPreview(
  baseUrl: string,
  token: string,
  options: ReadPreviewOptions = {},
): Promise<PreviewResponse> {
  const client = createClient<paths, FolioMedia>({ baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const { data, error, response } = await client.GET("/api/v1/preview", {
    headers: { authorization: `Bearer ${token}` },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return data ?? fail(response, error);
}

/**
 * Reads the post a preview token grants as sanitised HTML: the fragment,
 * or with `document: true` a whole page (marked `noindex`).
 */
export async function readPreviewHtml(
  baseUrl: string,
  token: string,
  options: ReadPreviewOptions & { document?: boolean } = {},
): Promise<string> {
  const url = new URL("/api/v1/preview/html", baseUrl);
  if (options.document) {
    url.searchParams.set("document", "true");
  }
  const response = await (options.fetch ?? globalThis.fetch)(url, {
    headers: { authorization: `Bearer ${token}` },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!response.ok) {
    fail(response, await response.json().catch(() => undefined));
  }
  return response.text();
}

/** The token in a preview link's URL (`?preview_token=`), or null. */
export function previewTokenOf(url: string | URL): string | null {
  return new URL(url).searchParams.get("preview_token");
}
