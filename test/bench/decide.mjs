#!/usr/bin/env node
// Benchmark (not a test), run by run.mjs in a process of its own, as an agent's process would
// run a guard: `node decide.mjs GUARD.mjs MIX.json CALLS`. Prints one JSON object.
//
// Measures the latency of `Guard.decide` (a MemoryStore; limits checked and consumed) as the
// median of single awaited calls, with audit records appended to a JSONL file, kept in memory,
// or not written. The configurations take turns in rounds, so a machine that slows down slows
// them alike; each figure is the median over all its rounds' calls.
//
// Requests are built as object literals, as adapters and `JSON.parse` build them. (In V8 of
// Node 20 an object spread followed by more members, `{ ...r, at }`, gives every object a map
// of its own; every property access in the guard then goes megamorphic, and that is what a
// benchmark built that way measures.) Sessions are agent runs of 50 calls each.
//
// It also measures the floor of any hash-chained JSONL audit on this machine: for the very
// records the guard wrote, `JSON.stringify` (no canonical order), one SHA-256 and one
// `write(2)` per record, with no decision at all.
import { createHash, hash as oneShotHash } from "node:crypto";
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createGuard, FileAuditSink, MemoryAuditSink, MemoryStore } from "@agentpolicy/runtime";

const [guardFile, mixFile, callsText] = process.argv.slice(2);
const compiled = await import(pathToFileURL(guardFile).href);
const mix = JSON.parse(readFileSync(mixFile, "utf8"));
const calls = Number(callsText) || 30_000;
const ROUNDS = 5;

let now = 1_700_000_000_000;
const request = (i) => {
  const r = mix[i % mix.length];
  return { agent: r.agent, tool: r.tool, args: r.args, context: r.context, session: `run-${Math.floor(i / 50)}`, at: (now += 1000) };
};

function median(xs) {
  const s = Float64Array.from(xs).sort();
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const auditFile = join(tmpdir(), `agentpolicy-bench-${process.pid}.jsonl`);
rmSync(auditFile, { force: true });
const fileSink = new FileAuditSink(auditFile);
const memorySink = new MemoryAuditSink();
const configurations = [
  { name: "file", guard: createGuard(compiled.program, { store: new MemoryStore(), audit: fileSink }) },
  { name: "memory", guard: createGuard(compiled.program, { store: new MemoryStore(), audit: memorySink }) },
  { name: "none", guard: createGuard(compiled.program, { store: new MemoryStore() }) },
];

/** Appends the µs of `n` single awaited calls to `samples`. */
async function timeCalls(guard, n, samples) {
  for (let i = 0; i < n; i++) {
    const r = request(i);
    const start = process.hrtime.bigint();
    await guard.decide(r);
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
}

const warmUp = Math.min(calls, 5_000);
for (const c of configurations) await timeCalls(c.guard, warmUp, []);
const samples = new Map(configurations.map((c) => [c.name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const c of configurations) {
    await timeCalls(c.guard, Math.ceil(calls / ROUNDS), samples.get(c.name));
    if (c.name === "memory") memorySink.records.length = 0;
  }
}
await fileSink.close();

// ------------------------------------------------------------------ the floor
// The records the file sink wrote, without their `hash`: stringify, hash, write each one.
const records = readFileSync(auditFile, "utf8")
  .split("\n")
  .filter((line) => line !== "")
  .slice(-4096)
  .map((line) => {
    const { hash: _hash, ...rest } = JSON.parse(line);
    return rest;
  });
const lineBytes = records.map((r) => Buffer.byteLength(JSON.stringify(r)) + 74);
rmSync(auditFile, { force: true });
const floorFile = join(tmpdir(), `agentpolicy-bench-floor-${process.pid}.jsonl`);
const fd = openSync(floorFile, "a", 0o600);
const sha256 = typeof oneShotHash === "function" ? (s) => oneShotHash("sha256", s, "hex") : (s) => createHash("sha256").update(s).digest("hex");
let prev = "0".repeat(64);
const floorSamples = [];
for (let i = 0; i < Math.min(calls, 20_000) + 2_000; i++) {
  const record = records[i % records.length];
  const start = process.hrtime.bigint();
  const text = JSON.stringify(record);
  const hash = sha256(`${prev}\n${text}`);
  writeSync(fd, `${text.slice(0, -1)},"hash":"${hash}"}\n`);
  prev = hash;
  if (i >= 2_000) floorSamples.push(Number(process.hrtime.bigint() - start) / 1000);
}
closeSync(fd);
rmSync(floorFile, { force: true });

console.log(
  JSON.stringify({
    file: median(samples.get("file")),
    memory: median(samples.get("memory")),
    none: median(samples.get("none")),
    floor: median(floorSamples),
    recordBytes: median(lineBytes),
  }),
);
