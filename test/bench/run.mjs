#!/usr/bin/env node
// Benchmark (not a test): `npm run bench` builds, then runs this.
//
// Policy: fixtures/bench.agentpolicy (75 rules, 10 tools, 5 agents; string, numeric, enum and
// list conditions). Engines, each deciding the same deterministic mix of requests:
//   compiled     the guard module `agentpolicy compile --emit js` writes, imported natively
//   hand-written hand-written.mjs: the same rules written by hand (validation included)
//   interpreter  the reference interpreter (compiler/dist/interpret)
// Measures ns per `evaluate` (argument and context validation included) as the median of
// several timed rounds after a warm-up; decide.mjs, in a process of its own, measures the
// latency of `Guard.decide` (MemoryStore, limits, audit records appended to a file) as the
// median of many single calls, and the floor of any hash-chained JSONL audit on this machine;
// decide-redis.mjs, when `redis-server` is installed, the same with the Redis store;
// serve-bench.mjs, `agentpolicy serve` answering POST /v1/decide over HTTP.
//
// Options: --rounds N (default 15), --quick (fewer iterations, for CI smoke runs).
// BENCH_DUMP=FILE writes the request mix as JSON (for profiling the engines separately).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { generateGuard } from "../../compiler/dist/emit/generate.js";
import { createInterpreter } from "../../compiler/dist/interpret/interpreter.js";
import { checkSource } from "../../compiler/dist/program.js";
import { evaluate as handWritten } from "./hand-written.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const rounds = Number(argv[argv.indexOf("--rounds") + 1]) || (quick ? 5 : 15);
const perRound = quick ? 20_000 : 200_000;

// ------------------------------------------------------------------ the compiled guard

const policyFile = join(here, "fixtures", "bench.agentpolicy");
const checked = checkSource(readFileSync(policyFile, "utf8"), policyFile);
if (!checked.ok) {
  console.error(checked.diagnostics.map((d) => `${d.code}: ${d.message}`).join("\n"));
  process.exit(1);
}
const generated = await generateGuard(checked.model, { emit: "js" });
// Inside the project, so Node resolves `@agentpolicy/runtime` (the built runtime) from it.
const cacheDir = join(root, "node_modules", ".cache", "agentpolicy-bench");
mkdirSync(cacheDir, { recursive: true });
const guardFile = join(cacheDir, `${generated.baseName}.mjs`);
writeFileSync(guardFile, generated.js);
const compiled = await import(`${pathToFileURL(guardFile).href}?v=${Date.now()}`);
const interpreter = createInterpreter(checked.model);

// ------------------------------------------------------------------ the request mix

/** mulberry32: a small deterministic PRNG. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(20240601);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const maybe = (p, f) => (rand() < p ? f() : undefined);
const strip = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

const AGENTS = ["reader", "writer", "researcher", "analyst", "ops"];
const PATHS = ["/workspace/src/a.ts", "/workspace/run.sh", "/data/papers/x.pdf", "/data/reports/q1.csv", "/etc/passwd", "/workspace/../etc/shadow", "/tmp/x.log", "/workspace/.git/config", "/home/u/.env", "/data/a.txt"];
const URLS = ["https://example.com/a", "https://api.example.com/v1/items", "http://example.com/", "https://status.example.com/health", "https://example.com/admin/users", "https://files.example.com/x.zip"];
const TABLES = ["products", "orders", "inventory", "prices", "users", "secret_keys", "logs"];
const SQL = ["select * from products", "SELECT id FROM orders", "update prices set x = 1", "drop table users", "delete from logs", "select 1"];
const MAIL = ["a@example.com", "b@example.com", "press@press.example.com", "x@other.org"];
const CMDS = ["ls", "cat", "git", "rm", "curl", "node"];

function argsFor(tool) {
  switch (tool) {
    case "fs.read_file":
      return strip({ path: pick(PATHS), encoding: maybe(0.3, () => pick(["utf8", "base64"])) });
    case "fs.write_file":
      return strip({ path: pick(PATHS), content: "x".repeat(pick([10, 1000, 5000])), mode: maybe(0.5, () => pick(["append", "overwrite"])) });
    case "fs.list_dir":
      return strip({ path: pick(PATHS), depth: maybe(0.6, () => pick([0, 1, 2, 4, 6])) });
    case "fs.delete_file":
      return { path: pick(PATHS) };
    case "web.fetch":
      return strip({ url: pick(URLS), method: pick(["GET", "GET", "GET", "POST", "DELETE"]), timeout: maybe(0.3, () => pick([10, 60, 200])) });
    case "web.search":
      return strip({ query: pick(["policy engines", "a", "how to compile guards fast"]), limit: maybe(0.5, () => pick([5, 20, 80])), domains: maybe(0.4, () => [pick(["example.com", "evil.io", "docs.example.com"])]) });
    case "ops.query":
      return strip({ sql: pick(SQL), tables: Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(TABLES)), rows: maybe(0.5, () => pick([10, 500, 5000, 50_000])) });
    case "ops.export":
      return { table: pick(TABLES), rows: pick([100, 20_000, 200_000, 800_000]), format: pick(["csv", "json"]) };
    case "ops.send_mail":
      return strip({ to: Array.from({ length: pick([1, 2, 12]) }, () => pick(MAIL)), subject: pick(["hello", "[outage] db", ""]), body: pick(["see attached", "the password is x"]), priority: maybe(0.3, () => pick(["low", "high"])) });
    case "ops.exec":
      return strip({ cmd: pick(CMDS), args: Array.from({ length: pick([0, 2, 3]) }, () => pick(["-la", "--force", "x"])), cwd: maybe(0.3, () => pick(["/workspace", "/etc"])), timeout: maybe(0.3, () => pick([30, 900])) });
  }
}

const TOOLS = [...checked.model.tools.keys()];
const mix = [];
for (let i = 0; i < 512; i++) {
  const tool = pick(TOOLS);
  const r = {
    agent: pick(AGENTS),
    tool: rand() < 0.1 ? tool.slice(tool.indexOf(".") + 1) : tool,
    args: argsFor(tool),
    context: { user: { id: pick(["alice", "dave", "erin"]), role: pick(["viewer", "editor", "admin"]) }, tenant: pick(["t1", "t2", "t-suspended"]), env: pick(["dev", "staging", "prod"]) },
    session: `s${i % 8}`,
  };
  if (rand() < 0.04) r.args = { ...r.args, [Object.keys(r.args)[0]]: 42 }; // invalid arguments
  if (rand() < 0.02) r.tool = "nope.tool"; // unknown tool
  mix.push(r);
}

if (process.env.BENCH_DUMP) writeFileSync(process.env.BENCH_DUMP, JSON.stringify(mix));
// ------------------------------------------------------------------ agreement (sanity)

const key = (v) => JSON.stringify([v.effect, v.rules, v.reasons, v.tool, v.errors.map((e) => e.rule)]);
const fixed = new Set(["invalid_request", "unknown_tool", "invalid_arguments", "invalid_context"]);
let disagreements = 0;
const tally = new Map();
for (const r of mix) {
  const c = compiled.evaluate(r);
  const i = interpreter.evaluate(r);
  const h = handWritten(r);
  if (key(c) !== key(i)) {
    disagreements++;
    console.error("compiled ≠ interpreter:", JSON.stringify(r), key(c), key(i));
  }
  const hOk = fixed.has(c.rules[0]) ? h.effect === c.effect && h.rules[0] === c.rules[0] : key(h) === key(c);
  if (!hOk) {
    disagreements++;
    console.error("compiled ≠ hand-written:", JSON.stringify(r), key(c), key(h));
  }
  tally.set(c.effect, (tally.get(c.effect) ?? 0) + 1);
}
if (disagreements > 0) {
  console.error(`${disagreements} disagreements: the engines do not decide alike; no timing is meaningful.`);
  process.exit(1);
}

// ------------------------------------------------------------------ timing

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

let sink = 0;
/**
 * A timing loop of its own per engine (compiled separately), so that no engine pays for call
 * sites the others made polymorphic. Returns ns per call.
 */
function makeRunner() {
  // eslint-disable-next-line no-new-func
  const loop = new Function(
    "evaluate",
    "mix",
    "iterations",
    "now",
    `const n = mix.length;
     let sink = 0;
     const start = now();
     for (let i = 0; i < iterations; i++) sink += evaluate(mix[i % n]).rules.length;
     return [Number(now() - start) / iterations, sink];`,
  );
  return (evaluate, iterations) => {
    const [perCall, s] = loop(evaluate, mix, iterations, process.hrtime.bigint);
    sink += s;
    return perCall;
  };
}

const engines = [
  { name: "compiled", evaluate: compiled.evaluate, iterations: perRound, run: makeRunner() },
  { name: "hand-written", evaluate: handWritten, iterations: perRound, run: makeRunner() },
  { name: "interpreter", evaluate: interpreter.evaluate, iterations: Math.max(2_000, Math.floor(perRound / 20)), run: makeRunner() },
];
// Warm-up, then rounds that interleave the engines (in a rotating order) so that a busy
// machine slows them alike; each engine's figure is the median of its rounds.
for (const e of engines) e.run(e.evaluate, e.iterations);
const samples = new Map(engines.map((e) => [e.name, []]));
for (let round = 0; round < rounds * 3; round++) {
  for (let k = 0; k < engines.length; k++) {
    const e = engines[(round + k) % engines.length];
    samples.get(e.name).push(e.run(e.evaluate, Math.ceil(e.iterations / 3)));
  }
}
const ns = new Map([...samples].map(([name, xs]) => [name, median(xs)]));
const best = new Map([...samples].map(([name, xs]) => [name, Math.min(...xs)]));

// `Guard.decide`, in a process of its own (decide.mjs): an agent's process runs one guard, not
// three engines side by side.
const mixFile = join(cacheDir, "bench-mix.json");
writeFileSync(mixFile, JSON.stringify(mix));
const calls = quick ? 5_000 : 30_000;
const decideRun = spawnSync(process.execPath, [join(here, "decide.mjs"), guardFile, mixFile, String(calls)], { encoding: "utf8" });
if (decideRun.status !== 0) {
  console.error(decideRun.stderr);
  process.exit(1);
}
const decided = JSON.parse(decideRun.stdout);
// The same with the Redis store, when `redis-server` is installed (decide-redis.mjs).
const redisRun = spawnSync(process.execPath, [join(here, "decide-redis.mjs"), guardFile, mixFile, String(quick ? 1_000 : 5_000)], { encoding: "utf8" });
const redis = redisRun.status === 0 ? JSON.parse(redisRun.stdout) : { skipped: `decide-redis.mjs failed: ${redisRun.stderr.trim().split("\n").at(-1)}` };
// `agentpolicy serve` over HTTP (serve-bench.mjs).
const serveRun = spawnSync(process.execPath, [join(here, "serve-bench.mjs"), policyFile, mixFile, String(quick ? 500 : 3_000)], { encoding: "utf8" });
if (serveRun.status !== 0) {
  console.error(serveRun.stderr);
  process.exit(1);
}
const served = JSON.parse(serveRun.stdout);

// ------------------------------------------------------------------ report

const c = ns.get("compiled");
const h = ns.get("hand-written");
const i = ns.get("interpreter");
const pad = (s, n) => String(s).padEnd(n);
const num = (x, digits = 0) => x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
console.log(`agentpolicy benchmark — ${checked.model.rules.length} rules, ${TOOLS.length} tools, ${checked.model.agents.size} agents; ${mix.length} requests (${[...tally].map(([e, n]) => `${n} ${e}`).join(", ")})`);
console.log(`node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(1)} (figures from a busy machine are noisy; compare the relative column)`);
console.log("");
console.log(`${pad("evaluate (validation included)", 34)}${pad("ns/call (median)", 18)}${pad("relative", 10)}ns/call (best round)`);
const row = (label, name) =>
  console.log(`${pad(label, 34)}${pad(num(ns.get(name)), 18)}${pad(`${num(ns.get(name) / c, 2)}x`, 10)}${num(best.get(name))}`);
row("  compiled guard", "compiled");
row("  hand-written guard", "hand-written");
row("  reference interpreter", "interpreter");
console.log("");
console.log(`${pad("Guard.decide (MemoryStore)", 34)}µs/call (median)`);
console.log(`${pad("  audit to a JSONL file", 34)}${num(decided.file, 2)}`);
console.log(`${pad("  audit in memory", 34)}${num(decided.memory, 2)}`);
console.log(`${pad("  no audit", 34)}${num(decided.none, 2)}`);
console.log(
  `${pad("  floor of a JSONL hash chain", 34)}${num(decided.floor, 2)}   (JSON.stringify + SHA-256 + write(2) per record, no decision; median record ${num(decided.recordBytes)} bytes)`,
);
console.log("");
console.log(`${pad("Guard.decide (RedisStore, local)", 34)}µs/call`);
if (redis.skipped !== undefined) console.log(`  skipped: ${redis.skipped}`);
else {
  console.log(`${pad("  median, no audit", 34)}${num(redis.median, 1)}   (one Lua script per decision: one round trip)`);
  console.log(`${pad("  99th percentile", 34)}${num(redis.p99, 1)}`);
  console.log(`${pad(`  throughput, ${redis.inFlight} in flight`, 34)}${num(redis.perSecond)} decisions/s${redis.failures > 0 ? `   (${redis.failures} failed!)` : ""}`);
}
console.log("");
console.log(`${pad("serve: POST /v1/decide", 34)}µs/request (HTTP/1.1 kept alive; client and server share the CPUs)`);
for (const [label, r] of [["no audit", served.plain], ["--audit (a shared log)", served.audited]]) {
  console.log(`${pad(`  ${label}`, 34)}${num(r.median)} median, ${num(r.p99)} p99; ${num(r.perSecond)} requests/s with ${served.inFlight} in flight`);
}
console.log("");
const checks = [
  [`compiled within 2x of hand-written (${num(c / h, 2)}x)`, c <= 2 * h],
  [`compiled ≥ 20x faster than the interpreter (${num(i / c, 1)}x)`, i >= 20 * c],
  [`decide < 5 µs median with audit to a file (${num(decided.file, 2)} µs)`, decided.file < 5],
];
for (const [text, ok] of checks) console.log(`${ok ? "met    " : "NOT MET"} ${text}`);
if (sink === 0) console.log(""); // keeps the results observable
