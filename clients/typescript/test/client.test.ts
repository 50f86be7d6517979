// Typed calls against a live Folio (FOLIO_URL, FOLIO_ADMIN_EMAIL,
// FOLIO_ADMIN_PASSWORD), as a frontend or a build script makes them.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createFolioClient, login, type Post, type Problem } from "../src/index.ts";

const baseUrl = process.env.FOLIO_URL;
const email = process.env.FOLIO_ADMIN_EMAIL ?? "admin@localhost";
const password = process.env.FOLIO_ADMIN_PASSWORD;
if (!baseUrl || !password) {
  throw new Error("set FOLIO_URL and FOLIO_ADMIN_PASSWORD to a running Folio");
}

const markdown = `---
title: Typed from TypeScript
date: 2024-06-01T10:00:00Z
tags: [typescript, client]
description: Imported through the generated client.
---

# Typed

A post sent as a Markdown file.
`;

test("a frontend's typed round trip", async () => {
  const { client } = await login(baseUrl, email, password);

  // Import a Markdown file: the body is the file, not JSON.
  const created = await client.POST("/api/v1/posts", {
    // The operation also takes JSON; a Markdown file is sent as text.
    body: markdown as never,
    bodySerializer: (body: unknown) => body as string,
    headers: { "content-type": "text/markdown" },
  });
  assert.equal(created.response.status, 201);
  assert.ok(created.response.headers.get("location"));
  const post: Post | undefined = created.data;
  assert.equal(post?.title, "Typed from TypeScript");
  assert.equal(post?.status, "published");
  assert.deepEqual(post?.tags, ["typescript", "client"]);

  // List, anonymously, as a public frontend does.
  const anonymous = createFolioClient(baseUrl);
  const list = await anonymous.GET("/api/v1/posts", { params: { query: { limit: 10, page: 1 } } });
  assert.equal(list.response.status, 200);
  assert.ok((list.data?.meta.pagination.total ?? 0) >= 1);
  assert.ok(list.data?.data.some((p) => p.slug === post?.slug));

  // Fetch one by slug.
  const one = await anonymous.GET("/api/v1/posts/{id_or_slug}", {
    params: { path: { id_or_slug: post?.slug ?? "" } },
  });
  assert.equal(one.data?.id, post?.id);
  assert.match(one.data?.html ?? "", /<h1 id="user-content-typed">Typed<\/h1>/);
});

test("an error comes back as a typed problem", async () => {
  const anonymous = createFolioClient(baseUrl);
  const { data, error, response } = await anonymous.GET("/api/v1/posts/{id_or_slug}", {
    params: { path: { id_or_slug: "no-such-post" } },
  });
  assert.equal(data, undefined);
  assert.equal(response.status, 404);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  const problem: Problem | undefined = error;
  assert.equal(problem?.status, 404);
  assert.equal(problem?.title, "Not Found");

  const denied = await anonymous.POST("/api/v1/posts", { body: { title: "x", markdown: "y" } });
  assert.equal(denied.response.status, 401);
  assert.equal(denied.error?.status, 401);
});
