#!/usr/bin/env node
// Bundles the built CLI (`dist/cli/main.js`, from `tsc`) into `dist/cli-bundle/`, which the
// `agentpolicy` launcher loads: a few files instead of some 800 ES modules (Chevrotain's lodash-es
// build alone is 640), so a cold `agentpolicy check` starts about three times faster.
//
// Contract: the bundle behaves exactly as `dist/cli/main.js`. Each command is its own chunk,
// loaded when it runs. Left out of the bundle, and loaded from node_modules as before:
// `@agentpolicy/runtime` (a generated guard imports it too, and there must be one copy of its
// classes), and the heavy dependencies only some commands load (ts-morph and Prettier for
// `compile`, fast-check for `test`, the MCP SDK for `mcp-proxy` and `manifest pull`, zod, and
// redis for `--redis`).
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist", "cli-bundle");
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(root, "dist", "cli", "main.js")],
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // jsonc-parser's `main` is a UMD build esbuild cannot follow; its `module` is plain ESM
  mainFields: ["module", "main"],
  external: ["@agentpolicy/runtime", "ts-morph", "prettier", "fast-check", "@modelcontextprotocol/sdk", "zod", "redis"],
  // CommonJS dependencies (commander) `require` Node's built-ins
  banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
  // `load.ts` reads jsonc-parser's default export when there is one (the CommonJS build), else the namespace
  logOverride: { "import-is-undefined": "silent" },
  logLevel: "warning",
});
