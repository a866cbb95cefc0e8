#!/usr/bin/env node
// Launcher: the CLI lives in the built output (`npm run build`, run by `prepare`): the bundle
// `scripts/bundle-cli.mjs` writes (it starts faster), unless `tsc` has built the modules since
// (then the bundle is stale and the modules run), else the modules `tsc` wrote.
import { existsSync, statSync } from "node:fs";

const bundled = new URL("../dist/cli-bundle/main.js", import.meta.url);
const modules = new URL("../dist/cli/main.js", import.meta.url);
const built = new URL("../dist/.tsbuildinfo", import.meta.url);
const fresh = existsSync(bundled) && (!existsSync(built) || statSync(bundled).mtimeMs >= statSync(built).mtimeMs);
const { main } = await import((fresh ? bundled : modules).href);

// A reader that stops early (`agentpolicy eval ... | head`) is not an error.
process.stdout.on("error", (e) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
