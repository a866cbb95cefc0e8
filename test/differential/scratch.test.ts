import fc from "fast-check";
import { it } from "vitest";
import { checkSource } from "../../compiler/src/program.js";
import { basename } from "node:path";
import { MANIFESTS } from "./fixtures.js";
import { policyArb } from "./random-policies.js";

it("random policy validity", () => {
  let ok = 0;
  const errs = new Map<string, number>();
  const samples = fc.sample(policyArb(), { numRuns: 200, seed: 1 });
  for (const text of samples) {
    const c = checkSource(text, "/virtual/random.agentpolicy", { readFile: (p: string) => JSON.stringify(MANIFESTS[basename(p)]) });
    const e = c.diagnostics.filter((d) => d.severity === "error");
    if (e.length === 0) ok++;
    for (const d of e) { const k = `${d.code}: ${d.message} [${text.slice(d.span.start, d.span.end)}]`; errs.set(k, (errs.get(k) ?? 0) + 1); }
  }
  console.log(`ok ${ok} / ${samples.length}\n` + [...errs].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([k, n]) => `${n} ${k}`).join("\n"));
  console.log(samples[3]);
});
