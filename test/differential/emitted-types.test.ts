// Property of the emitted code: every generated guard type-checks under `strict` against the
// runtime's own types (and under `noUnusedLocals`/`noUnusedParameters`, which users may enable).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { generateGuard } from "../../compiler/src/emit/generate.js";
import { checkSource } from "../../compiler/src/program.js";
import { MANIFESTS, POLICIES } from "./fixtures.js";
import { modelOf } from "./support.js";

const RUNTIME = fileURLToPath(new URL("../../runtime/src/index.ts", import.meta.url));
const INVENTORY = "/work/shared/conformance/cases/inventory/policy.agentpolicy";

let shared: import("ts-morph").Project | undefined;

/** Type errors of one generated module (one project for all, so the runtime is checked once). */
async function typeErrors(ts: string): Promise<string[]> {
  const { Project, ts: typescript } = await import("ts-morph");
  const project = (shared ??= new Project({
    compilerOptions: {
      strict: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      target: typescript.ScriptTarget.ES2022,
      lib: ["lib.es2023.d.ts"],
      module: typescript.ModuleKind.NodeNext,
      moduleResolution: typescript.ModuleResolutionKind.NodeNext,
      types: ["node"],
      skipLibCheck: true,
      paths: { "@agentpolicy/runtime": [RUNTIME] },
    },
    skipAddingFilesFromTsConfig: true,
  }));
  const file = project.createSourceFile(fileURLToPath(new URL("./__emitted__.guard.ts", import.meta.url)), ts, { overwrite: true });
  return file
    .getPreEmitDiagnostics()
    .filter((d) => d.getSourceFile()?.getFilePath() === file.getFilePath())
    .map((d) => {
      const m = d.getMessageText();
      return `${d.getLineNumber()}: ${typeof m === "string" ? m : m.getMessageText()}`;
    });
}

describe("generated guards type-check", () => {
  const cases: [string, () => ReturnType<typeof modelOf>][] = [
    ["inventory", () => checkSource(readFileSync(INVENTORY, "utf8"), INVENTORY).model],
    ...Object.entries(POLICIES).map(([name, text]): [string, () => ReturnType<typeof modelOf>] => [name, () => modelOf(text, MANIFESTS, `/virtual/${name}.agentpolicy`)]),
  ];
  for (const [name, model] of cases) {
    it(name, async () => {
      const { ts } = await generateGuard(model());
      expect(await typeErrors(ts)).toEqual([]);
    });
  }
});
