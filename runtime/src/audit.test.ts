import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile, appendFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  auditHash,
  CallbackAuditSink,
  FileAuditSink,
  GENESIS_HASH,
  MemoryAuditSink,
  sealAuditRecord,
  verifyAuditLog,
} from "./audit.js";
import type { AuditEntry, AuditRecord } from "./audit.js";
import { canonicalJson } from "./canonical-json.js";

const entry = (n: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  time: 1_700_000_000_000 + n,
  request: { agent: "r", tool: "a.x", args: { n, b: "é", a: [1.5, null] }, context: { user: "u" }, session: "s" },
  decision: {
    effect: "allow",
    rules: ["r/allow/a.x"],
    reasons: [],
    limit: null,
    errors: [],
    policy: "p",
    policyHash: "sha256:00",
  },
  ...extra,
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "agentpolicy-audit-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the hash chain", () => {
  it("hashes prev + newline + the canonical record without hash, byte for byte", () => {
    const record = sealAuditRecord(entry(1), GENESIS_HASH);
    const { hash, ...rest } = record;
    const expected = createHash("sha256").update(`${"0".repeat(64)}\n${canonicalJson(rest)}`).digest("hex");
    expect(hash).toBe(expected);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(record.prev).toBe(GENESIS_HASH);
    expect(auditHash(GENESIS_HASH, record)).toBe(hash);
  });

  it("verifies an empty log and a memory sink's log", async () => {
    expect(verifyAuditLog("")).toEqual({ ok: true, records: 0 });
    const sink = new MemoryAuditSink();
    for (let i = 0; i < 5; i++) await sink.write(entry(i));
    expect(sink.records[1].prev).toBe(sink.records[0].hash);
    expect(verifyAuditLog(sink.text())).toEqual({ ok: true, records: 5 });
    expect(verifyAuditLog(sink.text().trimEnd())).toEqual({ ok: true, records: 5 });
  });

  it.each<[string, (lines: string[]) => void, number, RegExp]>([
    ["an edited field", (l) => (l[2] = l[2].replace('"allow"', '"deny"')), 3, /hash/],
    ["a deleted record", (l) => l.splice(1, 1), 2, /prev/],
    ["swapped records", (l) => ([l[1], l[2]] = [l[2], l[1]]), 2, /prev/],
    ["an inserted blank line", (l) => l.splice(3, 0, ""), 4, /empty/],
    ["a truncated line", (l) => (l[4] = l[4].slice(0, 40)), 5, /JSON/],
    ["a forged first prev", (l) => (l[0] = l[0].replace(GENESIS_HASH, "1".repeat(64))), 1, /first/],
    ["a non-object", (l) => (l[0] = "[1,2]"), 1, /object/],
    ["a missing hash", (l) => (l[3] = JSON.stringify({ ...JSON.parse(l[3]), hash: undefined })), 4, /hash/],
  ])("names the first broken record: %s", async (_name, tamper, line, reason) => {
    const sink = new MemoryAuditSink();
    for (let i = 0; i < 6; i++) await sink.write(entry(i));
    const lines = sink.text().split("\n").slice(0, -1);
    tamper(lines);
    const result = verifyAuditLog(`${lines.join("\n")}\n`);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.line).toBe(line);
      expect(result.reason).toMatch(reason);
    }
  });

  it("detects a record re-hashed after an edit (the next prev breaks)", async () => {
    const sink = new MemoryAuditSink();
    for (let i = 0; i < 3; i++) await sink.write(entry(i));
    const lines = sink.text().split("\n").slice(0, -1);
    const { hash: _h, ...edited } = { ...(JSON.parse(lines[1]) as AuditRecord), time: 1 };
    lines[1] = canonicalJson({ ...edited, hash: auditHash(edited.prev, edited) });
    expect(verifyAuditLog(lines.join("\n"))).toMatchObject({ ok: false, line: 3 });
  });
});

describe("FileAuditSink", () => {
  it("appends one canonical line per record and continues an existing chain", async () => {
    const path = join(dir, "audit.jsonl");
    const first = new FileAuditSink(path);
    await Promise.all([0, 1, 2].map((i) => first.write(entry(i))));
    await first.close();
    const second = new FileAuditSink(path);
    await second.write(entry(3));
    await second.write(entry(4));
    await second.close();
    const text = await readFile(path, "utf8");
    expect(verifyAuditLog(text)).toEqual({ ok: true, records: 5 });
    const records = text.trimEnd().split("\n").map((l) => JSON.parse(l) as AuditRecord);
    expect(records.map((r) => r.time - 1_700_000_000_000)).toEqual([0, 1, 2, 3, 4]);
    expect(text.split("\n")[0]).toBe(canonicalJson(records[0]));
  });

  it("has the record on disk when write resolves", async () => {
    const path = join(dir, "audit.jsonl");
    const sink = new FileAuditSink(path);
    await sink.write(entry(0));
    expect(verifyAuditLog(await readFile(path, "utf8"))).toEqual({ ok: true, records: 1 });
    await sink.write(entry(1));
    expect(verifyAuditLog(await readFile(path, "utf8"))).toEqual({ ok: true, records: 2 });
    await sink.close();
  });

  it("refuses to continue a file whose last record is incomplete or forged", async () => {
    const path = join(dir, "audit.jsonl");
    const sink = new FileAuditSink(path);
    await sink.write(entry(0));
    await sink.close();
    await appendFile(path, '{"partial":');
    const broken = new FileAuditSink(path);
    await expect(broken.write(entry(1))).rejects.toThrow(/incomplete/);
    await expect(broken.write(entry(2))).rejects.toThrow();
    await broken.close();

    const forged = join(dir, "forged.jsonl");
    const record = sealAuditRecord(entry(0), GENESIS_HASH);
    await writeFile(forged, `${canonicalJson({ ...record, time: 5 })}\n`);
    await expect(new FileAuditSink(forged).write(entry(1))).rejects.toThrow(/broken/);
  });

  it("continues a chain whose last line is longer than one read chunk", async () => {
    const path = join(dir, "big.jsonl");
    const sink = new FileAuditSink(path);
    await sink.write(entry(0, { request: { agent: "r", tool: "a.x", args: { blob: "x".repeat(200_000) }, session: "" } }));
    await sink.write(entry(1, { request: { agent: "r", tool: "a.x", args: { blob: "y".repeat(150_000) }, session: "" } }));
    await sink.close();
    const again = new FileAuditSink(path);
    await again.write(entry(2));
    await again.close();
    expect(verifyAuditLog(await readFile(path, "utf8"))).toEqual({ ok: true, records: 3 });
  });

  it("rejects an entry with no canonical form without breaking the chain", async () => {
    const path = join(dir, "audit.jsonl");
    const sink = new FileAuditSink(path);
    await sink.write(entry(0));
    await expect(sink.write(entry(1, { time: NaN }))).rejects.toThrow();
    await sink.write(entry(2));
    await sink.close();
    expect(verifyAuditLog(await readFile(path, "utf8"))).toEqual({ ok: true, records: 2 });
  });
});

describe("CallbackAuditSink", () => {
  it("hands sealed, chained records to the callback in order", async () => {
    const seen: AuditRecord[] = [];
    const sink = new CallbackAuditSink(async (record) => {
      await new Promise((resolve) => setTimeout(resolve, record.time % 2 === 0 ? 5 : 0));
      seen.push(record);
    });
    await Promise.all([0, 1, 2, 3].map((i) => sink.write(entry(i))));
    expect(seen.map((r) => r.time % 10)).toEqual([0, 1, 2, 3]);
    expect(verifyAuditLog(seen.map((r) => canonicalJson(r)).join("\n"))).toEqual({ ok: true, records: 4 });
  });
});
