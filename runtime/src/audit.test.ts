import { createHash } from "node:crypto";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, symlink, writeFile, appendFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AuditedRequest,
  auditHash,
  CallbackAuditSink,
  GuardAuditEntry,
  FileAuditSink,
  SharedFileAuditSink,
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

/** Arbitrary JSON-like values, strings of any code units (lone surrogates, controls, non-ASCII). */
const anyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.string({ unit: fc.constantFrom("a", "é", "€", "😀", "\ud800", '"', "\\", "\n", "\u2028"), maxLength: 40 }),
);
const anyJson = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    anyText,
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(anyText, tie("value"), { maxKeys: 5 }),
  ),
})).value;
const anyEntry: fc.Arbitrary<AuditEntry> = fc
  .record({
    time: fc.integer(),
    request: fc.record(
      { agent: anyText, tool: anyText, args: anyJson, context: anyJson, session: anyText, callId: anyText },
      { requiredKeys: ["agent", "tool", "session"] },
    ),
    decision: fc.record({
      effect: fc.constantFrom("allow" as const, "deny" as const, "review" as const),
      rules: fc.array(anyText, { maxLength: 3 }),
      reasons: fc.array(anyText, { maxLength: 3 }),
      limit: fc.constant(null),
      errors: fc.array(fc.record({ rule: anyText, message: anyText }), { maxLength: 2 }),
      policy: anyText,
      policyHash: anyText,
    }),
    review: fc.option(fc.record({ status: fc.constant("timeout" as const), afterMs: fc.nat() }), { nil: undefined }),
    // members an entry should not have, which sealing must treat exactly as `{ ...entry, prev, hash }` does
    prev: fc.option(anyText, { nil: undefined }),
    hash: fc.option(anyText, { nil: undefined }),
    aaa: fc.option(anyJson, { nil: undefined }),
    gap: fc.option(anyJson, { nil: undefined }), // between `decision` and `hash`
    hat: fc.option(anyJson, { nil: undefined }), // between `hash` and `prev`
    zzz: fc.option(anyJson, { nil: undefined }),
  })
  .map((e) => e as AuditEntry);

describe("sealing and writing, against the definition", () => {
  it("seals as sha256(prev + \\n + canonical JSON of { ...entry, prev }), and a file holds exactly the canonical lines", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(anyEntry, { minLength: 1, maxLength: 4 }), async (entries) => {
        const path = join(dir, `prop-${run++}.jsonl`);
        const file = new FileAuditSink(path);
        const memory = new MemoryAuditSink();
        for (const e of entries) {
          await file.write(e);
          await memory.write(e);
        }
        await file.close();
        let prev = GENESIS_HASH;
        for (const [i, e] of entries.entries()) {
          const { hash: _h, ...unsealed } = { ...e, prev } as Record<string, unknown>;
          const expected = createHash("sha256").update(`${prev}\n${canonicalJson(unsealed)}`, "utf8").digest("hex");
          expect(memory.records[i].hash).toBe(expected);
          expect(memory.records[i]).toEqual({ ...e, prev, hash: expected });
          prev = expected;
        }
        const text = await readFile(path, "utf8");
        expect(text).toBe(memory.text());
        expect(verifyAuditLog(text)).toEqual({ ok: true, records: entries.length });
      }),
      { numRuns: 60 },
    );
  });

  it("writes an entry the guard built (members in known order) exactly as the same entry as a plain object", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyEntry, { minLength: 1, maxLength: 4 }), fc.boolean(), async (entries, plainRequest) => {
        const viaClass = new MemoryAuditSink();
        const viaObject = new MemoryAuditSink();
        for (const e of entries) {
          const r = e.request;
          const request = plainRequest ? r : new AuditedRequest(r.agent, r.tool, r.args, r.context, r.session, r.callId);
          // a plain object of the same members (an absent one stays absent)
          const plain: Record<string, unknown> = { time: e.time, request: plainRequest ? r : { ...r }, decision: e.decision };
          if (e.review !== undefined) plain.review = e.review;
          viaClass.writeSync(new GuardAuditEntry(e.time, request, e.decision, e.review));
          viaObject.writeSync(plain as unknown as AuditEntry);
        }
        expect(viaClass.text()).toBe(viaObject.text());
        expect(viaClass.records.map((r) => r.hash)).toEqual(viaObject.records.map((r) => r.hash));
        // the records a sink keeps are plain data either way
        expect(viaClass.records).toStrictEqual(viaObject.records);
      }),
      { numRuns: 200 },
    );
  });

  it("writes records of any size and any characters byte for byte (past the scratch buffers too)", async () => {
    const path = join(dir, "sizes.jsonl");
    const file = new FileAuditSink(path);
    const memory = new MemoryAuditSink();
    // "€" is 3 bytes in UTF-8, "😀" 4 (2 code units): around 16 KiB and past 1 MiB of UTF-8
    for (const [n, unit] of [[10, "a"], [5_400, "€"], [5_500, "€"], [4_200, "😀"], [400_000, "€"], [3, "\ud800x"], [20, "a"]] as const) {
      const e = entry(n, { request: { agent: "r", tool: "a.x", args: { blob: unit.repeat(n) }, session: "" } });
      await file.write(e);
      await memory.write(e);
    }
    await file.close();
    const text = await readFile(path, "utf8");
    expect(text).toBe(memory.text());
    expect(verifyAuditLog(text)).toEqual({ ok: true, records: 7 });
  });
});

describe("FileAuditSink: one writer per file", () => {
  it("hands the line to the OS before write returns", async () => {
    const path = join(dir, "sync.jsonl");
    const sink = new FileAuditSink(path);
    const written = sink.write(entry(0));
    expect(readFileSync(path, "utf8")).toBe(sealedLine(entry(0), GENESIS_HASH));
    await written;
    await sink.close();
  });

  it("shares one chain between sinks of the same file, whatever the path's spelling", async () => {
    const path = join(dir, "shared.jsonl");
    await writeFile(path, "");
    const alias = join(dir, "alias.jsonl");
    await symlink(path, alias);
    const one = new FileAuditSink(path);
    const two = new FileAuditSink(join(dir, ".", "alias.jsonl"));
    for (let i = 0; i < 6; i++) await (i % 2 === 0 ? one : two).write(entry(i));
    await one.close();
    await two.write(entry(6)); // the other sink keeps the file open
    await two.close();
    const three = new FileAuditSink(alias); // all closed: a new writer continues from the file
    await three.write(entry(7));
    await three.close();
    const text = await readFile(path, "utf8");
    expect(verifyAuditLog(text)).toEqual({ ok: true, records: 8 });
    expect(text.trimEnd().split("\n").map((l) => (JSON.parse(l) as AuditRecord).time - 1_700_000_000_000)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("claims the log for this process while it is open (PATH.writer), and drops the claim on close", async () => {
    const path = join(dir, "claimed.jsonl");
    const sink = new FileAuditSink(path);
    await sink.write(entry(0));
    expect(readFileSync(`${path}.writer`, "utf8")).toBe(String(process.pid));
    await sink.close();
    expect(existsSync(`${path}.writer`)).toBe(false);
  });

  it("refuses a log another live process writes, and takes over the claim of one that is gone", async () => {
    const path = join(dir, "two.jsonl");
    const first = new FileAuditSink(path);
    await first.write(entry(0));
    await first.close();
    const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    try {
      await writeFile(`${path}.writer`, String(other.pid)); // as if that process had the log open
      const second = new FileAuditSink(path);
      await expect(second.write(entry(1))).rejects.toThrow(new RegExp(`open in another process \\(pid ${other.pid}`));
      await second.close();
    } finally {
      const gone = new Promise((done) => other.once("exit", done));
      other.kill("SIGKILL");
      await gone;
    }
    const third = new FileAuditSink(path); // the claim's process is gone: taken over
    await third.write(entry(2));
    await third.close();
    expect(verifyAuditLog(await readFile(path, "utf8"))).toEqual({ ok: true, records: 2 });
    expect(existsSync(`${path}.writer`)).toBe(false);
  });

  it("a sink that cannot open its file is broken for good", async () => {
    const sink = new FileAuditSink(dir); // a directory
    await expect(sink.write(entry(0))).rejects.toThrow();
    await expect(sink.write(entry(1))).rejects.toThrow(/unusable/);
    await sink.close();
  });
});

describe("SharedFileAuditSink: processes taking turns at one log", () => {
  it("keeps one chain across processes and concurrent writes, continuing whatever was there", async () => {
    const path = join(dir, "shared.jsonl");
    const before = new FileAuditSink(path); // a log some earlier writer left
    await before.write(entry(0));
    await before.close();
    const runtime = join(import.meta.dirname, "../dist/index.js");
    const child = (k: number) =>
      new Promise<number | null>((done) => {
        const script = `import { SharedFileAuditSink } from ${JSON.stringify(runtime)};
          const sink = new SharedFileAuditSink(${JSON.stringify(path)});
          await Promise.all(Array.from({ length: 15 }, (_, i) => sink.write({ time: ${k} * 100 + i, request: { agent: "p${k}", tool: "a.x" }, decision: { effect: "allow", rules: [], reasons: [], limit: null, errors: [], policy: "p", policyHash: "h" } })));`;
        spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "ignore" }).on("close", done);
      });
    const here = new SharedFileAuditSink(path);
    const [codes] = await Promise.all([Promise.all([1, 2, 3].map(child)), Promise.all(Array.from({ length: 15 }, (_, i) => here.write(entry(i + 1))))]);
    expect(codes).toEqual([0, 0, 0]);
    const text = await readFile(path, "utf8");
    expect(verifyAuditLog(text)).toEqual({ ok: true, records: 61 });
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it("waits for the lock: a write from another process comes after the holder's", async () => {
    const path = join(dir, "turns.jsonl");
    const lock = `${path}.lock`;
    await writeFile(lock, String(process.pid)); // this process holds the turn
    const runtime = join(import.meta.dirname, "../dist/index.js");
    const script = `import { SharedFileAuditSink } from ${JSON.stringify(runtime)};
      const sink = new SharedFileAuditSink(${JSON.stringify(path)});
      process.stdout.write("ready\\n");
      await sink.write({ time: 2, request: { agent: "child", tool: "a.x" }, decision: { effect: "allow", rules: [], reasons: [], limit: null, errors: [], policy: "p", policyHash: "h" } });`;
    const other = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise<number | null>((done) => other.on("close", done));
    await new Promise<void>((ready) => other.stdout.once("data", () => ready()));
    await new Promise((r) => setTimeout(r, 300)); // the child is at its write now, waiting for the turn
    const holder = new FileAuditSink(path);
    await holder.write(entry(1));
    await holder.close();
    await rm(lock);
    expect(await exited).toBe(0);
    const text = await readFile(path, "utf8");
    expect(verifyAuditLog(text)).toEqual({ ok: true, records: 2 });
    expect(text.trimEnd().split("\n").map((l) => (JSON.parse(l) as AuditRecord).request.agent)).toEqual(["r", "child"]);
  });

  it("refuses a log that a FileAuditSink of a live process writes alone", async () => {
    const path = join(dir, "alone.jsonl");
    const alone = new FileAuditSink(path);
    await alone.write(entry(0));
    await expect(new SharedFileAuditSink(path).write(entry(1))).rejects.toThrow(`open in a process that writes it alone (pid ${process.pid}`);
    await alone.close();
    await new SharedFileAuditSink(path).write(entry(1));
    expect(verifyAuditLog(await readFile(path, "utf8"))).toEqual({ ok: true, records: 2 });
  });
});

describe("MemoryAuditSink", () => {
  it("rejects an entry with no canonical form and goes on with the chain", async () => {
    const sink = new MemoryAuditSink();
    await sink.write(entry(0));
    await expect(sink.write(entry(1, { time: Infinity }))).rejects.toThrow();
    await sink.write(entry(2));
    expect(sink.records).toHaveLength(2);
    expect(verifyAuditLog(sink.text())).toEqual({ ok: true, records: 2 });
  });
});

/** The line a record sealed after `prev` takes in a log. */
function sealedLine(e: AuditEntry, prev: string): string {
  return `${canonicalJson(sealAuditRecord(e, prev))}\n`;
}
