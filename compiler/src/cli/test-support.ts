/**
 * Test support for the commands that keep limits (`hook --state`, `--redis`): one small policy
 * with a limit and a session label, and its manifest. Not part of the public API.
 *
 *   agent "a" { allow t.read; allow t.send; deny t.send when session.has(seen); review t.pay;
 *               @id("reads") limit t.read to 3 calls per hour; @id("pays") limit t.pay to 1 calls per hour }
 *   label seen on t.read
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The manifest `./t.json` of `LIMITED_POLICY`, as JSON text. */
export const LIMITED_MANIFEST = JSON.stringify({
  tools: [
    { name: "read", inputSchema: { type: "object", properties: { n: { type: "integer" } } }, annotations: { readOnlyHint: true } },
    { name: "send", inputSchema: { type: "object", properties: {} }, annotations: { readOnlyHint: false } },
    { name: "pay", inputSchema: { type: "object", properties: { amount: { type: "integer" } } }, annotations: { readOnlyHint: false } },
  ],
});

export const LIMITED_POLICY = `policy p
tools t from "./t.json"
label seen on t.read
agent "a" {
  allow t.read
  allow t.send
  deny t.send when session.has(seen) because "seen"
  review t.pay because "payments need a human"
  @id("reads") limit t.read to 3 calls per hour
  @id("pays") limit t.pay to 1 calls per hour
}
`;

/** A fresh temporary folder holding `p.agentpolicy` (`LIMITED_POLICY`) and its manifest `t.json`. */
export function limitedPolicyDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `agentpolicy-${name}-`));
  writeFileSync(join(dir, "t.json"), LIMITED_MANIFEST);
  writeFileSync(join(dir, "p.agentpolicy"), LIMITED_POLICY);
  return dir;
}

/** One audit record of a hook test, as the tests compare it. */
export interface AuditedCall {
  readonly call: string | undefined;
  readonly effect: string;
  readonly review?: unknown;
}

/** The calls an audit log records, in order (`review` only where the decision has one). */
export function auditedCalls(text: string): AuditedCall[] {
  return text
    .trim()
    .split("\n")
    .map((line) => {
      const r = JSON.parse(line) as { decision: { effect: string; review?: unknown }; request: { callId?: string } };
      return { call: r.request.callId, effect: r.decision.effect, ...(r.decision.review === undefined ? {} : { review: r.decision.review }) };
    });
}

/**
 * What `hook --state` and `hook --redis` audit for: ask toolu_1, ask toolu_2, the PostToolUse of
 * toolu_1 (the user approved it: settled against `pays`), then toolu_3 over `pays`.
 */
export const SETTLED_ASK_AUDIT: readonly AuditedCall[] = [
  { call: "toolu_1", effect: "review" },
  { call: "toolu_2", effect: "review" },
  { call: "toolu_1", effect: "allow", review: { approved: true, by: "user (coding agent ask)" } },
  { call: "toolu_3", effect: "deny" },
];
