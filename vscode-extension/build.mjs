// Bundles the extension and the language server into dist/ (CommonJS, as VS Code loads them).
//
//   node build.mjs [--production] [--outdir DIR]
//
// dist/extension.js  <- src/extension.ts      (`vscode` stays external: VS Code provides it)
// dist/server.js     <- ../lsp/src/server.ts  (everything bundled: the .vsix ships no node_modules)
//
// `@agentpolicy/*` resolve to the workspace TypeScript sources, as in vitest.config.ts, so a
// bundle never depends on a stale `tsc` build. Exits 1 when esbuild reports an error.
import * as esbuild from "esbuild";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");

const { values } = parseArgs({
  options: { production: { type: "boolean", default: false }, outdir: { type: "string" } },
});
const outdir = resolve(values.outdir ?? join(here, "dist"));
const production = values.production ?? false;

/** `@agentpolicy/NAME[/SUBPATH]` -> `NAME/src/(index|SUBPATH).ts` in the workspace. */
const workspaceSources = {
  name: "agentpolicy-workspace-sources",
  setup(build) {
    build.onResolve({ filter: /^@agentpolicy\/(compiler|runtime)(\/.*)?$/ }, (args) => {
      const [, pkg, subpath] = /^@agentpolicy\/(compiler|runtime)(?:\/(.*))?$/.exec(args.path);
      const file = join(root, pkg, "src", `${subpath ?? "index"}.ts`);
      return existsSync(file) ? { path: file } : { errors: [{ text: `no source file ${file} for ${args.path}` }] };
    });
  },
};

const IMPORT_META_URL = "agentpolicy:import-meta-url";

/** Provides `importMetaUrl`, the bundle file's own URL, to every module that reads `import.meta.url`. */
const importMetaUrl = {
  name: "agentpolicy-import-meta-url",
  setup(build) {
    build.onResolve({ filter: /^agentpolicy:import-meta-url$/ }, (args) => ({ path: args.path, namespace: "agentpolicy" }));
    build.onLoad({ filter: /.*/, namespace: "agentpolicy" }, () => ({
      contents: 'export const importMetaUrl = require("node:url").pathToFileURL(__filename).href;',
      loader: "js",
    }));
  },
};

/** @type {import("esbuild").BuildOptions} */
const common = {
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  minify: production,
  sourcemap: production ? false : "linked",
  sourcesContent: false,
  legalComments: production ? "none" : "inline",
  logLevel: "warning",
  // Prefer packages' ESM builds: jsonc-parser's UMD build loads its parts with a dynamic
  // require that esbuild cannot follow.
  mainFields: ["module", "main"],
  // ESM sources that read `import.meta.url` keep working once bundled to CommonJS.
  define: { "import.meta.url": "importMetaUrl" },
  inject: [IMPORT_META_URL],
};

try {
  await Promise.all([
    esbuild.build({
      ...common,
      entryPoints: [join(here, "src", "extension.ts")],
      outfile: join(outdir, "extension.js"),
      external: ["vscode"],
      plugins: [importMetaUrl],
    }),
    esbuild.build({
      ...common,
      entryPoints: [join(root, "lsp", "src", "server.ts")],
      outfile: join(outdir, "server.js"),
      plugins: [importMetaUrl, workspaceSources],
    }),
  ]);
} catch {
  // esbuild has already printed its errors.
  process.exitCode = 1;
}
