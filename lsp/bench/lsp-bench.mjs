#!/usr/bin/env node
// Latency of the language server on a large policy, measured over stdio as an editor sees it.
//
//   npm run build && node lsp/bench/lsp-bench.mjs [--lines 2000] [--edits 30] [--completions 50]
//
// Generates a policy of about --lines lines (many agents over the shop fixture's manifests),
// starts `agentpolicy-lsp --stdio`, opens it, then measures:
//   - diagnostics after an edit: from sending `didChange` to receiving that version's
//     `publishDiagnostics` (isolated edits, valid and breaking), and after the last edit of a
//     burst typed 30 ms apart;
//   - completion: `args.` in a half-typed rule, right after the edit (the request checks the
//     new version) and again once that version is checked.
// Targets: diagnostics within 100 ms of an edit, completion within 50 ms. Not a test.
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import {
  CompletionRequest,
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
} from "vscode-languageserver-protocol/node";

const here = dirname(fileURLToPath(import.meta.url));
const lspDir = resolve(here, "..");
const { values } = parseArgs({
  options: { lines: { type: "string", default: "2000" }, edits: { type: "string", default: "30" }, completions: { type: "string", default: "50" } },
});
const targetLines = Number(values.lines);
const editCount = Number(values.edits);
const completionCount = Number(values.completions);

const bin = join(lspDir, "bin", "agentpolicy-lsp.js");
if (!existsSync(join(lspDir, "dist", "server.js"))) {
  console.error("lsp/dist/server.js is missing: run `npm run build` first");
  process.exit(2);
}

// ------------------------------------------------------------------ the policy

function agentBlock(i) {
  return [
    `agent "agent-${i}"${i > 0 && i % 10 === 0 ? ` extends "agent-${i - 1}"` : ""} {`,
    "  allow orders.get, orders.search",
    `  allow orders.search when args.query.startsWith("q${i}") and ctx.user.role == "agent"`,
    `  @id("refund-${i}")`,
    `  allow orders.refund when args.amount <= max_refund and args.reason in ["late", "damaged"]`,
    `  review orders.refund when args.amount > max_refund because "big refund ${i}"`,
    "  deny mail.send when session.has(customer_data) and not args.to.all(a => a.endsWith(\"@corp.example.com\"))",
    `  deny orders.search when args has limit and args.limit > ${100 + i} because "page too large"`,
    "  limit orders.search to 60 calls per minute by ctx.user.id",
    "}",
    "",
  ];
}

const head = [
  "/// Generated for the language server benchmark.",
  'policy bench version "1.0.0"',
  "",
  'tools orders from "./orders.tools.json"',
  'tools mail from "./mail.tools.json"',
  "",
  "context {",
  '  user: { id: string, role: "agent" | "lead" }',
  "  tenant: string",
  "}",
  "",
  "const max_refund = 100",
  "label customer_data on orders.get, orders.search",
  "",
  'deny * when tool.destructive and ctx.user.role != "lead" because "destructive tools are for leads"',
  "",
];
const lines = [...head];
let agents = 0;
while (lines.length < targetLines) lines.push(...agentBlock(agents++));
const text = lines.join("\n");

const dir = mkdtempSync(join(tmpdir(), "agentpolicy-lsp-bench-"));
cpSync(join(lspDir, "test", "fixtures", "shop", "orders.tools.json"), join(dir, "orders.tools.json"));
cpSync(join(lspDir, "test", "fixtures", "shop", "mail.tools.json"), join(dir, "mail.tools.json"));
const file = join(dir, "bench.agentpolicy");
writeFileSync(file, text);
const uri = pathToFileURL(file).href;

// ------------------------------------------------------------------ the client

const child = spawn(process.execPath, [bin, "--stdio"], { cwd: dir, stdio: "pipe", env: { ...process.env, AGENTPOLICY_LSP_TIMINGS: "1" } });
let stderr = "";
child.stderr.on("data", (d) => (stderr += d));
const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
const waiting = new Map(); // version -> resolve
const received = new Map(); // version -> { at, count }
connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
  if (p.uri !== uri || p.version === undefined) return;
  received.set(p.version, { at: performance.now(), count: p.diagnostics.length, codes: p.diagnostics.map((d) => d.code) });
  waiting.get(p.version)?.();
});
connection.listen();

const diagnosticsOf = (version) =>
  new Promise((res, rej) => {
    if (received.has(version)) return res(received.get(version));
    const timer = setTimeout(() => rej(new Error(`no diagnostics for version ${version}; stderr: ${stderr}`)), 30_000);
    waiting.set(version, () => {
      clearTimeout(timer);
      res(received.get(version));
    });
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let version = 1;
let current = text;
/** Replaces `length` characters at `offset` with `replacement`, as one incremental change. */
async function replaceAt(offset, length, replacement) {
  const start = position(current, offset);
  const end = position(current, offset + length);
  current = current.slice(0, offset) + replacement + current.slice(offset + length);
  version++;
  const sent = performance.now();
  await connection.sendNotification(DidChangeTextDocumentNotification.type, {
    textDocument: { uri, version },
    contentChanges: [{ range: { start, end }, text: replacement }],
  });
  return { version, sent };
}
/** Replaces the first occurrence of `search` at or after `from`. */
function edit(search, replacement, from = 0) {
  const i = current.indexOf(search, from);
  if (i < 0) throw new Error(`not in the policy: ${search}`);
  return replaceAt(i, search.length, replacement);
}
function position(t, offset) {
  const before = t.slice(0, offset);
  const line = before.split("\n").length - 1;
  return { line, character: offset - (before.lastIndexOf("\n") + 1) };
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), p95: q(0.95), max: s[s.length - 1] };
};
const ms = (x) => `${x.toFixed(1)} ms`;

// ------------------------------------------------------------------ measurements

const t0 = performance.now();
await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {} });
await connection.sendNotification(InitializedNotification.type, {});
const started = performance.now() - t0;
const openedAt = performance.now();
await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: "agentpolicy", version: 1, text } });
const first = await diagnosticsOf(1);
const openLatency = first.at - openedAt;
if (first.count !== 0) console.error(`note: the generated policy has ${first.count} diagnostics: ${[...new Set(first.codes)].join(", ")}`);

// Isolated edits (a pause longer than the 150 ms throttle between them): alternately a valid
// change in the middle of the file and one that breaks it (an unknown tool).
const middle = current.indexOf(`agent "agent-${Math.floor(agents / 2)}"`);
const valid = [];
const breaking = [];
for (let k = 0; k < editCount; k++) {
  await sleep(200);
  const breakIt = k % 2 === 1;
  const e = breakIt ? await edit("allow orders.get,", "allow orders.gett,", middle) : await edit(`args.amount <= max_refund`, k % 4 === 0 ? "args.amount <= 99" : "args.amount <= max_refund", middle);
  const d = await diagnosticsOf(e.version);
  (breakIt ? breaking : valid).push(d.at - e.sent);
  if (breakIt) {
    await sleep(200);
    const undo = await edit("allow orders.gett,", "allow orders.get,", middle);
    await diagnosticsOf(undo.version);
  }
}

// A burst: 20 one-character edits 30 ms apart (typing), then the wait for the last version.
await sleep(200);
let last;
for (let k = 0; k < 20; k++) {
  last = await edit(`"big refund ${Math.floor(agents / 2)}`, `"big refund ${Math.floor(agents / 2)}x`, middle);
  await sleep(30);
}
const burstDone = await diagnosticsOf(last.version);
const burstLatency = burstDone.at - last.sent - 30;

// Completion in a half-typed rule: right after the edit, and once that version is checked.
await sleep(200);
const afterEdit = [];
const steady = [];
let hole = current.indexOf(`agent "agent-${Math.floor(agents / 2)}"`);
hole = current.indexOf("\n", hole) + 1;
const typed = "  deny orders.refund when args.\n";
for (let k = 0; k < completionCount; k++) {
  const e = await replaceAt(hole, 0, typed);
  const pos = position(current, hole + typed.length - 1);
  const t = performance.now();
  const r = await connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: pos });
  afterEdit.push(performance.now() - t);
  const labels = (Array.isArray(r) ? r : r.items).map((i) => i.label);
  if (!labels.includes("amount")) throw new Error(`unexpected completion: ${labels.join(", ")}`);
  await diagnosticsOf(e.version);
  const t2 = performance.now();
  await connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: pos });
  steady.push(performance.now() - t2);
  await sleep(160);
  const undo = await replaceAt(hole, typed.length, "");
  await diagnosticsOf(undo.version);
  await sleep(160);
}

await connection.sendRequest(ShutdownRequest.type);
await connection.sendNotification(ExitNotification.type);
await new Promise((r) => child.on("exit", r));
rmSync(dir, { recursive: true, force: true });

const v = stats(valid);
const b = stats(breaking);
const ca = stats(afterEdit);
const cs = stats(steady);
const row = (what, s, target) => `${what.padEnd(52)} median ${ms(s.median).padStart(9)}   p95 ${ms(s.p95).padStart(9)}   max ${ms(s.max).padStart(9)}   ${target}`;
console.log(`policy: ${lines.length} lines, ${agents} agents; server started in ${ms(started)}; first diagnostics ${ms(openLatency)} after open`);
console.log(row(`diagnostics after an isolated valid edit (n=${valid.length})`, v, v.p95 <= 100 ? "✓ ≤ 100 ms" : "✗ target 100 ms"));
console.log(row(`diagnostics after an isolated breaking edit (n=${breaking.length})`, b, b.p95 <= 100 ? "✓ ≤ 100 ms" : "✗ target 100 ms"));
console.log(`${"diagnostics after the last edit of a 30 ms burst".padEnd(52)} ${ms(burstLatency)} (debounced: one check, 150 ms after the last edit)`);
console.log(row(`completion right after an edit (n=${afterEdit.length})`, ca, ca.p95 <= 50 ? "✓ ≤ 50 ms" : "✗ target 50 ms"));
console.log(row(`completion on a checked version (n=${steady.length})`, cs, cs.p95 <= 50 ? "✓ ≤ 50 ms" : "✗ target 50 ms"));
const checks = [...stderr.matchAll(/checked and published in ([\d.]+) ms/g)].map((m) => Number(m[1]));
if (checks.length > 0) {
  const c = stats(checks.slice(1));
  console.log(row(`server-side check + publish per version (n=${checks.length - 1})`, c, "(the compiler's checkSource on the whole file)"));
}
