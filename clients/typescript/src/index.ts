/**
 * A typed client for Folio's API: the types come from the OpenAPI document
 * (`npm run generate`), the calls from openapi-fetch.
 *
 *   const folio = createFolioClient("https://cms.example.com");
 *   const { data, error } = await folio.GET("/api/v1/posts/{id_or_slug}", {
 *     params: { path: { id_or_slug: "hello-world" } },
 *   });
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.d.ts";

export type { components, paths };
export type Post = components["schemas"]["PostResponse"];
export type PostSummary = components["schemas"]["PostSummaryResponse"];
export type PostList = components["schemas"]["PostList"];
export type Problem = components["schemas"]["Problem"];

/** The media types a client reads: JSON answers and problem documents
 * (`Accept: text/markdown` exports are fetched as text, outside the types). */
export type FolioMedia = "application/json" | "application/problem+json";

export function createFolioClient(baseUrl: string, token?: string) {
  return createClient<paths, FolioMedia>({
    baseUrl,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
}

/** Logs in and returns a client that sends the access token. */
export async function login(baseUrl: string, email: string, password: string) {
  const { data, error } = await createFolioClient(baseUrl).POST("/api/v1/auth/login", {
    body: { email, password },
  });
  if (error) {
    throw new Error(`login failed: ${error.status} ${error.detail}`);
  }
  return { client: createFolioClient(baseUrl, data.access_token), token: data.access_token };
}

// Receiving webhooks: a Standard Webhooks verifier and the payload types
// (dependency-free: `src/webhooks.ts` can be imported or copied alone).
export * from "./webhooks.ts";

// Preview links: create, list, revoke, and read a draft through one.
export * from "./previews.ts";

// Live updates: `GET /api/v1/events` as an async iterator that resumes after
// a drop (fetch-based, so it can send `Authorization`; `src/events.ts`
// imports nothing but types and can be copied with `webhooks.ts`).
export * from "./events.ts";
