// Compiles a policy with the real CLI (`agentpolicy compile --emit js`) into
// node_modules/.cache/agentpolicy-examples/ — inside the project, so the generated module's
// `import "@agentpolicy/runtime"` resolves — and imports the generated guard module.
// Needs the build (`npm ci` runs it; or `npm run build`).
import { spawnSync } from "node:child_process";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const cli = join(root, "compiler/bin/agentpolicy.js");

/** The generated module of `policyFile`: `{ policy, program, evaluate, createGuard }`. */
export async function loadGuard(policyFile) {
  const file = resolve(policyFile);
  const name = basename(file).replace(/\.agentpolicy$/, "");
  const out = join(root, "node_modules/.cache/agentpolicy-examples", basename(dirname(file)));
  const compiled = spawnSync(process.execPath, [cli, "compile", file, "--out", out, "--emit", "js"], { encoding: "utf8" });
  if (compiled.status !== 0) {
    throw new Error(`agentpolicy compile ${file} failed (exit ${compiled.status}):\n${compiled.stderr}${compiled.stdout}`);
  }
  return import(pathToFileURL(join(out, `${name}.guard.js`)).href);
}
