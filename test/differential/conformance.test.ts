// The example policies' requests, decided by the compiled guard and by the interpreter.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { checkSource } from "../../compiler/src/program.js";
import type { ToolRequest } from "@agentpolicy/runtime";
import { expectSameDecision, interpreterOf, loadCompiled } from "./support.js";

const CASES = [join(process.cwd(), "..", "shared", "conformance", "cases"), "/work/shared/conformance/cases"].find((d) => existsSync(d));

describe.skipIf(CASES === undefined)("compiled guard = interpreter on the conformance cases", () => {
  for (const name of CASES === undefined ? [] : readdirSync(CASES)) {
    it(name, async () => {
      const file = join(CASES!, name, "policy.agentpolicy");
      const checked = checkSource(readFileSync(file, "utf8"), file);
      const compiled = (await loadCompiled(checked.model)).program;
      const interpreter = interpreterOf(checked.model);
      const lines = readFileSync(join(CASES!, name, "requests.jsonl"), "utf8").split("\n").filter((l) => l.trim() !== "");
      for (const line of lines) {
        const r = JSON.parse(line) as Record<string, unknown>;
        if (r.usage !== undefined) continue;
        for (const session of [undefined, { labels: ["pii"], counts: {} }]) expectSameDecision(compiled, interpreter, r as unknown as ToolRequest, session);
      }
    });
  }
});
