// End to end: seed a live Folio with real-looking posts, build the Astro
// blog from it through the generated client, open the pages in headless
// Chromium and check what a reader sees; then open a draft through a preview
// link, change the draft through the API and watch the page follow it over
// the live stream. Needs FOLIO_URL, FOLIO_ADMIN_EMAIL, FOLIO_ADMIN_PASSWORD
// and EXAMPLE_SITE_URL, an origin Folio allows by CORS, where the site is
// served (scripts/with-folio.sh sets them all).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve } from "node:path";
import { crc32, deflateSync } from "node:zlib";
import { chromium } from "playwright-core";

const here = resolve(import.meta.dirname, "..");
const repo = resolve(here, "../..");
const { FOLIO_URL: base, FOLIO_ADMIN_EMAIL: email, FOLIO_ADMIN_PASSWORD: password, EXAMPLE_SITE_URL: site } = process.env;
if (!base || !email || !password || !site) throw new Error("run me through scripts/with-folio.sh");

// 1. Seed: log in and import Markdown files as an author would.
const login = await fetch(`${base}/api/v1/auth/login`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ email, password }),
}).then((r) => r.json());

// An 800×400 photo-like PNG (a gradient), made here so the test needs no
// image tools: wide enough that Folio plans smaller variants for srcset.
function gradientPng(width, height) {
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, "latin1");
    data.copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = y * (width * 3 + 1) + 1 + x * 3;
      rows.set([(x * 255) / width, (y * 255) / height, 160], at);
    }
  }
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([signature, chunk("IHDR", header), chunk("IDAT", deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]);
}
// Uploaded to the media library, as an author's client would.
const upload = await fetch(`${base}/api/v1/media?filename=gradient.png&alt=${encodeURIComponent("A colour gradient")}`, {
  method: "POST",
  headers: { authorization: `Bearer ${login.access_token}`, "content-type": "image/png" },
  body: gradientPng(800, 400),
});
assert.equal(upload.status, 201, await upload.clone().text());
const photo = await upload.json();
assert.ok(photo.variants.length > 0, "Folio planned variants for an 800-pixel image");

const posts = [
  readFileSync(join(repo, "examples/posts/hello-folio.md"), "utf8"),
  `---
title: Building a blog on Folio
date: 2024-06-10T08:00:00Z
tags: [astro, guide]
description: How this very site is built.
---

Folio serves posts as JSON; Astro turns them into pages.

## Fetching posts

The [generated client](https://github.com/) is typed from the OpenAPI document.

![The Folio logo](/images/folio.png "Folio")

## Rendering

Folio renders and sanitises the HTML when a post is written.

![](${photo.url})

### Safety

<script>document.body.innerHTML = "pwned"</script>
Scripts never survive.
`,
];
for (const file of posts) {
  const res = await fetch(`${base}/api/v1/posts`, {
    method: "POST",
    headers: { authorization: `Bearer ${login.access_token}`, "content-type": "text/markdown" },
    body: file,
  });
  assert.equal(res.status, 201, await res.text());
}

// 2. Build the site against it.
execFileSync("npx", ["astro", "build", "--silent"], { cwd: here, stdio: "inherit", env: { ...process.env, FOLIO_URL: base, ASTRO_TELEMETRY_DISABLED: "1" } });

// 3. Serve dist/ and read it in a real browser.
const dist = join(here, "dist");
const types = { ".html": "text/html; charset=utf-8", ".png": "image/png", ".css": "text/css", ".js": "text/javascript" };
const server = createServer((req, res) => {
  let path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
  if (path.endsWith("/")) path += "index.html";
  try {
    const body = readFileSync(join(dist, path));
    res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" });
    res.end(body);
  } catch {
    res.writeHead(404).end("not found");
  }
}).listen(Number(new URL(site).port), "127.0.0.1");
await new Promise((r) => server.once("listening", r));

// Debian's Chromium, with a fresh profile and no background networking
// (this machine has no internet; a tool's own browser download fails here).
const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "folio-chromium-")), {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage();
  await page.goto(`${site}/`);
  assert.equal(await page.locator("h1").textContent(), "Posts");
  const titles = await page.locator("ul.posts li a").allTextContents();
  assert.deepEqual(titles, ["Building a blog on Folio", "Hello, Folio"]);

  await page.getByRole("link", { name: "Building a blog on Folio" }).click();
  await page.waitForURL(`${site}/posts/building-a-blog-on-folio/`);
  assert.equal(await page.title(), "Building a blog on Folio");
  assert.equal(await page.locator("h1.title").textContent(), "Building a blog on Folio");
  assert.deepEqual(await page.locator(".tags span").allTextContents(), ["astro", "guide"]);
  assert.deepEqual(await page.locator(".body h2").allTextContents(), ["Fetching posts", "Rendering"]);
  // Ids from content are namespaced, and the table of contents follows them.
  assert.equal(await page.locator(".body h2").first().getAttribute("id"), "user-content-fetching-posts");
  assert.deepEqual(await page.locator("nav.toc a").allTextContents(), ["Fetching posts", "Rendering", "Safety"]);
  await page.locator("nav.toc a", { hasText: "Safety" }).click();
  assert.ok(page.url().endsWith("#user-content-safety"), page.url());
  // The link landed: the heading is the page's target, and in view.
  assert.equal(await page.locator(":target").textContent(), "Safety");
  assert.ok(await page.locator(":target").evaluate((el) => {
    const { top } = el.getBoundingClientRect();
    return top >= 0 && top < window.innerHeight;
  }), "the heading is scrolled into view");

  const img = page.locator(".body img:not([srcset])");
  assert.equal(await img.getAttribute("alt"), "The Folio logo");
  assert.equal(await img.getAttribute("title"), "Folio");
  assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth > 0), "the image loads");
  // The uploaded image: sized before it loads (no layout shift), chosen
  // by the browser from srcset, and its alt text from the library.
  const uploaded = page.locator(`.body img[src="${photo.url}"]`);
  assert.equal(await uploaded.getAttribute("width"), "800");
  assert.equal(await uploaded.getAttribute("height"), "400");
  assert.equal(await uploaded.getAttribute("alt"), "A colour gradient");
  assert.equal(await uploaded.getAttribute("decoding"), "async");
  assert.ok(await uploaded.getAttribute("sizes"), "sizes is set");
  const candidates = (await uploaded.getAttribute("srcset")).split(",").map((c) => c.trim().split(/\s+/)[0]);
  assert.ok(candidates.length > 0 && candidates.every((u) => u.startsWith(`${base}/media/${photo.sha256}/`)), candidates.join(" "));
  await uploaded.scrollIntoViewIfNeeded();
  await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await uploaded.elementHandle(), { timeout: 15_000 });
  const chosen = await uploaded.evaluate((el) => el.currentSrc);
  assert.ok(candidates.includes(chosen), `the browser loaded ${chosen}, one of the srcset candidates`);
  const link = page.locator(".body a", { hasText: "generated client" });
  assert.equal(await link.getAttribute("href"), "https://github.com/");
  assert.equal(await link.getAttribute("rel"), "noopener noreferrer");
  // The sanitiser removed the script before it ever reached the page.
  assert.ok((await page.locator(".body").textContent()).includes("Scripts never survive."));
  assert.equal(await page.locator("script", { hasText: "pwned" }).count(), 0);

  mkdirSync(join(repo, "target/e2e"), { recursive: true });
  await page.screenshot({ path: join(repo, "target/e2e/post.png"), fullPage: true });

  // 4. A draft, shared through a preview link and followed live.
  const api = async (method, path, body) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${login.access_token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
    return res.json();
  };
  const draft = await api("POST", "/api/v1/posts", {
    title: "A draft under review",
    markdown: "The first take, for **reviewers** only.",
    status: "draft",
    tags: ["review"],
  });
  const shared = await api("POST", `/api/v1/posts/${draft.id}/previews`, { expires_in: 600 });
  assert.match(shared.token, /^folio_pv_/);

  const preview = await browser.newPage();
  const problems = [];
  preview.on("pageerror", (e) => problems.push(e.message));
  preview.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  await preview.goto(`${site}/preview/?token=${shared.token}`);
  const live = { timeout: 15_000 };
  const why = () => `browser errors: ${problems.join("; ") || "none"}`;
  await preview.locator("h1.title", { hasText: "A draft under review" }).waitFor(live).catch((e) => assert.fail(`${e}; ${why()}`));
  assert.equal(await preview.locator(".body strong").textContent(), "reviewers");
  assert.deepEqual(await preview.locator(".tags span").allTextContents(), ["review"]);
  assert.match(await preview.locator(".banner").textContent(), /draft post/);
  assert.equal(await preview.locator('meta[name="robots"]').getAttribute("content"), "noindex, nofollow");
  // The stream is open: from here on, only it can bring the change.
  await preview.locator('#preview[data-live="open"]').waitFor(live).catch((e) => assert.fail(`${e}; ${why()}`));

  await api("PATCH", `/api/v1/posts/${draft.id}`, { title: "A draft, revised", markdown: "The second take." });
  await preview.locator(".body", { hasText: "The second take." }).waitFor(live).catch((e) => assert.fail(`${e}; ${why()}`));
  assert.equal(await preview.locator("h1.title").textContent(), "A draft, revised");
  assert.equal(await preview.title(), "Preview: A draft, revised");
  await preview.screenshot({ path: join(repo, "target/e2e/preview.png"), fullPage: true });
  assert.deepEqual(problems, []);

  // A revoked link stops working at once.
  const revoked = await fetch(`${base}/api/v1/posts/${draft.id}/previews/${shared.id}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${login.access_token}` },
  });
  assert.equal(revoked.status, 204);
  await preview.reload();
  await preview.locator(".banner", { hasText: "expired or was revoked" }).waitFor(live);
  assert.equal(await preview.locator("article").isHidden(), true);
  console.log("e2e: ok; screenshots in target/e2e/post.png and target/e2e/preview.png");
} finally {
  await browser.close();
  server.close();
}
