/**
 * Test support for the analyses: policies checked from text beside the fixture manifests
 * (`__fixtures__/tools.json` as `fs`, `__fixtures__/shop.tools.json` as `shop`), analyzed,
 * with the source text under each diagnostic's span and related spans. Not public API.
 */
import { fileURLToPath } from "node:url";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { checkSource } from "../program.js";
import type { PolicyModel } from "../semantic/model.js";
import { analyze } from "./index.js";

export const FIXTURES = fileURLToPath(new URL("./__fixtures__/", import.meta.url));
export const POLICY_FILE = `${FIXTURES}policy.agentpolicy`;

export const HEADER = `policy p
tools fs from "./tools.json"
tools shop from "./shop.tools.json"
`;

export interface Analyzed {
  readonly model: PolicyModel;
  readonly diagnostics: readonly Diagnostic[];
  /** The text a span covers (in the policy, or in a manifest for related spans). */
  text(file: string, span: { start: number; end: number }): string;
}

/** Checks `HEADER + body` (throws on errors) and runs the analyses. */
export function analyzePolicy(body: string, header = HEADER): Analyzed {
  const checked = checkSource(header + body, POLICY_FILE);
  const errors = checked.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(`policy has errors:\n${errors.map((d) => `${d.code}: ${d.message}`).join("\n")}`);
  return {
    model: checked.model,
    diagnostics: analyze(checked.model),
    text: (file, span) => (checked.source(file) ?? "").slice(span.start, span.end),
  };
}

/** `CODE: text under the span` for each diagnostic of `code`, with related texts. */
export function summarize(a: Analyzed, code: string): { at: string; related: string[]; message: string }[] {
  return a.diagnostics
    .filter((d) => d.code === code)
    .map((d) => ({ at: a.text(d.file, d.span), related: d.related.map((r) => a.text(r.file, r.span)), message: d.message }));
}
