#!/usr/bin/env node
// Launcher: the CLI lives in the built output (`npm run build`, run by `prepare`): the bundle
// `scripts/bundle-cli.mjs` writes (it starts faster), else the modules `tsc` wrote.
import { existsSync } from "node:fs";

const bundled = new URL("../dist/cli-bundle/main.js", import.meta.url);
const { main } = await import(existsSync(bundled) ? bundled.href : new URL("../dist/cli/main.js", import.meta.url).href);

// A reader that stops early (`agentpolicy eval ... | head`) is not an error.
process.stdout.on("error", (e) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
