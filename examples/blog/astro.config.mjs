import { defineConfig } from "astro/config";

// A static site: every page is fetched from Folio at build time.
export default defineConfig({
  output: "static",
  telemetry: false,
  vite: { server: { fs: { allow: ["../.."] } } },
});
