#!/usr/bin/env node
// Benchmark (not a test): `check` of a generated 2,000-line policy against 200 tools.
//
// In process: the median wall and CPU time of parse + check + analyses over several runs
// (built output; the first, cold run is reported apart).
// With --cli: also spawns `node compiler/bin/agentpolicy.js check FILE` several times and reports
// the end-to-end wall time of the whole process (cold start included) as median and range.
//
// Options: --runs N (in-process runs, default 12), --cli [--cli-runs N (default 7)],
// --keep DIR (write the generated policy and manifests to DIR and keep them: for profiling).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { checkSource } from "../../compiler/dist/program.js";

const here = dirname(fileURLToPath(import.meta.url));
const cliPath = join(here, "..", "..", "compiler", "bin", "agentpolicy.js");
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const inProcessRuns = Number(option("--runs", "12")) || 12;
const cliRuns = Number(option("--cli-runs", "7")) || 7;
const withCli = argv.includes("--cli");
const keep = option("--keep", undefined);

const TOOLS = 200;
const dir = keep ?? mkdtempSync(join(tmpdir(), "agentpolicy-bench-"));
if (keep) mkdirSync(keep, { recursive: true });
const tools = [];
for (let i = 0; i < TOOLS; i++) {
  tools.push({
    name: `tool_${i}`,
    description: `Tool number ${i}.`,
    inputSchema: {
      type: "object",
      properties: {
        path: { type: "string" },
        count: { type: "integer", minimum: 0 },
        mode: { enum: ["read", "write", "admin"] },
        tags: { type: "array", items: { type: "string" } },
        note: { type: ["string", "null"] },
      },
      required: ["path", "count", "mode"],
    },
    annotations: { readOnlyHint: i % 3 === 0 },
  });
}
const half = TOOLS / 2;
writeFileSync(join(dir, "a.tools.json"), JSON.stringify({ tools: tools.slice(0, half) }));
writeFileSync(join(dir, "b.tools.json"), JSON.stringify({ tools: tools.slice(half).map((t, i) => ({ ...t, name: `tool_${i}` })) }));

const lines = [
  "policy bench version \"1.0.0\"",
  "tools a from \"./a.tools.json\"",
  "tools b from \"./b.tools.json\"",
  "context {",
  "  user: { id: string, role: \"viewer\" | \"admin\" }",
  "  tenant: string",
  "}",
  "const roots = [\"/workspace\", \"/tmp\"]",
  "label secret on a.tool_1, b.tool_2",
];
let agent = 0;
let n = 0;
while (lines.length < 2000) {
  lines.push(`agent "agent-${agent}" {`);
  for (let r = 0; r < 40 && lines.length < 1990; r++, n++) {
    const alias = n % 2 === 0 ? "a" : "b";
    const tool = `${alias}.tool_${n % half}`;
    switch (n % 5) {
      case 0: lines.push(`  allow ${tool} when args.path.startsWith("/workspace/") and args.count < ${n}`); break;
      case 1: lines.push(`  deny ${tool} when args.mode == "admin" and ctx.user.role != "admin" because "admins only"`); break;
      case 2: lines.push(`  review ${tool} when args has tags and args.tags.any(t => t.matches("^secret-[a-z]+$"))`); break;
      case 3: lines.push(`  allow ${tool} when (args.note ?? "").length < 100 and path(args.path).under("/workspace")`); break;
      default: lines.push(`  limit ${tool} to ${n + 1} calls per minute by ctx.user.id`); break;
    }
  }
  lines.push("}");
  agent++;
}
const text = lines.join("\n") + "\n";
const file = join(dir, "bench.agentpolicy");
writeFileSync(file, text);

const median = (xs) => xs[Math.floor(xs.length / 2)];
const ms = (x) => x.toFixed(1);
console.log(`check: load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);

// Wall time and CPU time of this process (CPU time is steadier on a shared machine).
const runs = [];
const cpu = [];
let cold;
let result;
for (let i = 0; i < inProcessRuns + 1; i++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  result = checkSource(text, file);
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  if (i === 0) cold = wall;
  else {
    runs.push(wall);
    cpu.push((c.user + c.system) / 1000);
  }
}
runs.sort((a, b) => a - b);
cpu.sort((a, b) => a - b);
const errors = result.diagnostics.filter((d) => d.severity === "error");
console.log(`check: ${text.split("\n").length - 1} lines, ${TOOLS} tools, ${result.model.rules.length} rules, ${result.model.limits.length} limits; ${errors.length} errors`);
console.log(`check in process: cold first run ${ms(cold)} ms; warm median ${ms(median(runs))} ms wall (range ${ms(runs[0])}–${ms(runs.at(-1))}), median ${ms(median(cpu))} ms CPU (range ${ms(cpu[0])}–${ms(cpu.at(-1))}) over ${runs.length} runs`);
if (errors.length) console.log(errors.slice(0, 3).map((d) => `${d.code} ${d.message}`).join("\n"));

if (withCli) {
  // End to end: a fresh `node` process per run (module loading, cold JIT, output, exit). The
  // children's CPU time comes from /proc/self/stat (cutime + cstime of waited-for children, in
  // clock ticks of 10 ms) where there is one.
  const childTicks = () => {
    try {
      const fields = readFileSync("/proc/self/stat", "utf8").replace(/^.*\) /, "").split(" ");
      return Number(fields[13]) + Number(fields[14]);
    } catch {
      return undefined;
    }
  };
  const walls = [];
  const cpus = [];
  for (let i = 0; i < cliRuns; i++) {
    const c0 = childTicks();
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [cliPath, "check", file], { encoding: "utf8" });
    walls.push(performance.now() - t0);
    const c1 = childTicks();
    if (c0 !== undefined && c1 !== undefined) cpus.push((c1 - c0) * 10);
    if (r.status !== 0) {
      console.log(`check CLI: exit ${r.status}\n${r.stdout}${r.stderr}`);
      process.exitCode = 1;
      break;
    }
  }
  walls.sort((a, b) => a - b);
  cpus.sort((a, b) => a - b);
  const cpuText = cpus.length ? `, median ${ms(median(cpus))} ms CPU (range ${ms(cpus[0])}–${ms(cpus.at(-1))})` : "";
  if (walls.length) console.log(`check CLI (node compiler/bin/agentpolicy.js check FILE): median ${ms(median(walls))} ms wall end to end (range ${ms(walls[0])}–${ms(walls.at(-1))})${cpuText} over ${walls.length} processes`);
}
if (!keep) rmSync(dir, { recursive: true, force: true });
