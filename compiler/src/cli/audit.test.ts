/** `audit verify` reads a log in chunks: the same answers as `verifyAuditLog` on the whole text. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { MemoryAuditSink, verifyAuditLog, type AuditEntry } from "@agentpolicy/runtime";
import { describe, expect, it } from "vitest";
import { verifyAuditFile } from "./audit.js";

const entry = (n: number, blob: string): AuditEntry => ({
  time: n,
  request: { agent: "a", tool: "t.x", args: { n, blob }, session: "s" },
  decision: { effect: "allow", rules: ["r"], reasons: [], limit: null, errors: [], policy: "p", policyHash: "sha256:0" },
});

/** A valid log of `blobs.length` records. */
function log(blobs: readonly string[]): string {
  const sink = new MemoryAuditSink();
  blobs.forEach((blob, n) => sink.writeSync(entry(n, blob)));
  return sink.text();
}

describe("audit verify, chunk by chunk", () => {
  const dir = mkdtempSync(join(tmpdir(), "agentpolicy-verify-"));
  let n = 0;
  const verifyText = (text: string, chunk: number) => {
    const file = join(dir, `log-${n++}.jsonl`);
    writeFileSync(file, text);
    return verifyAuditFile(file, chunk);
  };

  it("agrees with verifyAuditLog on valid, tampered, truncated and oddly split logs, at any chunk size", () => {
    const blob = fc.string({ unit: fc.constantFrom("a", "é", "€", "😀", "\n", '"'), maxLength: 30 });
    const edit = fc.oneof(
      fc.constant((t: string) => t),
      fc.constant((t: string) => t.replace(/\n$/, "")), // no final newline
      fc.constant((t: string) => t.replace("\n", "\n\n")), // an empty line
      fc.nat().map((i) => (t: string) => (t.length === 0 ? t : t.slice(0, i % t.length) + "X" + t.slice((i % t.length) + 1))), // one character changed
      fc.nat().map((i) => (t: string) => t.slice(0, t.length === 0 ? 0 : i % t.length)), // cut short
    );
    fc.assert(
      fc.property(fc.array(blob, { maxLength: 6 }), edit, fc.constantFrom(1, 2, 7, 64, 1 << 20), (blobs, change, chunk) => {
        const text = change(log(blobs));
        expect(verifyText(text, chunk)).toEqual(verifyAuditLog(text));
      }),
      { numRuns: 300 },
    );
  });

  it("verifies a log larger than its chunks, naming the first broken line", () => {
    const blobs = Array.from({ length: 3_000 }, (_, i) => "€".repeat(i % 200));
    const text = log(blobs);
    expect(verifyText(text, 4096)).toEqual({ ok: true, records: 3_000 });
    const lines = text.split("\n");
    lines[1_234] = lines[1_234].replace('"n":1234', '"n":1235');
    expect(verifyText(lines.join("\n"), 4096)).toMatchObject({ ok: false, line: 1_235 });
  });
});
