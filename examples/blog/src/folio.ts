// The generated client, pointed at the Folio named by FOLIO_URL at build time.
import { createFolioClient, type Post, type PostSummary } from "../../../clients/typescript/src/index.ts";

const baseUrl = process.env.FOLIO_URL ?? "http://127.0.0.1:8080";
export const folio = createFolioClient(baseUrl);

/** Every published post, newest first, page by page. */
export async function allPosts(): Promise<PostSummary[]> {
  const posts: PostSummary[] = [];
  for (let page = 1; ; page++) {
    const { data, error } = await folio.GET("/api/v1/posts", { params: { query: { limit: 100, page } } });
    if (error) throw new Error(`listing posts failed: ${error.status} ${error.detail}`);
    posts.push(...data.data);
    if (page >= data.meta.pagination.pages) return posts;
  }
}

/** One post, with its table of contents (`toc`). */
export async function post(slug: string): Promise<Post> {
  const { data, error } = await folio.GET("/api/v1/posts/{id_or_slug}", {
    params: { path: { id_or_slug: slug }, query: { formats: ["toc"] } },
  });
  if (error) throw new Error(`fetching ${slug} failed: ${error.status} ${error.detail}`);
  return data;
}
