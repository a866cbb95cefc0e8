import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests run against the TypeScript sources; `@agentpolicy/*` resolve to `src/` here so a
// test never depends on a stale build. (The CLI and generated guards use the built output.)
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@agentpolicy\/runtime$/, replacement: fileURLToPath(new URL("./runtime/src/index.ts", import.meta.url)) },
      { find: /^@agentpolicy\/runtime\/(.*)$/, replacement: fileURLToPath(new URL("./runtime/src/$1.ts", import.meta.url)) },
      { find: /^@agentpolicy\/compiler\/vitest$/, replacement: fileURLToPath(new URL("./compiler/src/testing/vitest.ts", import.meta.url)) },
      { find: /^@agentpolicy\/compiler$/, replacement: fileURLToPath(new URL("./compiler/src/index.ts", import.meta.url)) },
    ],
  },
  test: {
    include: ["{compiler,runtime,lsp,vscode-extension,test,examples}/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
