// The shared conformance cases, decided by the reference interpreter through the runtime's
// guard and memory store, and judged exactly as /work/shared/conformance/run.mjs judges them
// (time from `at`, never backwards; no reviewer, so a review stays `review`).
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createGuard, MemoryStore, type Decision, type ToolRequest, type Usage } from "@agentpolicy/runtime";
import { checkSource } from "../program.js";
import { createInterpreter } from "./interpreter.js";

const CASES = [join(process.cwd(), "..", "shared", "conformance", "cases"), "/work/shared/conformance/cases"].find((d) => existsSync(d));
const FIXED_IDS = ["default", "invalid_arguments", "unknown_tool", "invalid_context", "invalid_request"];

interface Expected {
  readonly effect: string;
  readonly rules?: readonly string[];
  readonly reasons?: readonly string[];
  readonly limit?: string;
  readonly errors?: unknown;
  readonly note?: string;
}

const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** run.mjs's judgement of one decision. */
function judge(d: Decision, e: Expected): boolean {
  let good = d.effect === e.effect;
  if (good && e.rules) good = e.rules.every((id) => d.rules.includes(id)) && (!FIXED_IDS.includes(e.rules[0]) || d.rules.length === 1);
  if (good && e.limit) good = d.limit !== null && d.limit.kind === e.limit;
  if (good && e.reasons) good = e.reasons.every((m) => d.reasons.includes(m));
  if (good && e.errors) good = d.errors.length > 0;
  return good;
}

describe.skipIf(CASES === undefined)("shared conformance cases (interpreter)", () => {
  for (const name of CASES === undefined ? [] : readdirSync(CASES)) {
    it(name, async () => {
      const dir = join(CASES!, name);
      const policyFile = join(dir, "policy.agentpolicy");
      const checked = checkSource(readFileSync(policyFile, "utf8"), policyFile);
      expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const program = createInterpreter(checked.model);
      let now = 0;
      const guard = createGuard(program, { store: new MemoryStore(), clock: () => now });
      const expected = jsonLines(readFileSync(join(dir, "expected.jsonl"), "utf8")) as unknown as Expected[];
      const decisions: Decision[] = [];
      for (const line of jsonLines(readFileSync(join(dir, "requests.jsonl"), "utf8"))) {
        if (typeof line.at === "number") now = Math.max(now, line.at);
        if (line.usage !== undefined) {
          await guard.recordUsage({ ...(line.usage as Usage), at: now });
          continue;
        }
        decisions.push(await guard.decide({ ...(line as unknown as ToolRequest), at: now }));
      }
      expect(decisions.length).toBe(expected.length);
      const failures = expected.flatMap((e, i) =>
        judge(decisions[i], e) ? [] : [`#${i + 1}${e.note ? ` (${e.note})` : ""}: want ${JSON.stringify(e)} got ${JSON.stringify(decisions[i])}`],
      );
      expect(failures).toEqual([]);
    });
  }
});
