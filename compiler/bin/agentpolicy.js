#!/usr/bin/env node
// Launcher: the CLI lives in the built output (`npm run build`, run by `prepare`).
import { main } from "../dist/cli/main.js";

// A reader that stops early (`agentpolicy eval ... | head`) is not an error.
process.stdout.on("error", (e) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
