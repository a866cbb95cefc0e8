#!/usr/bin/env node
// Benchmark (not a test): `check` of a generated 2,000-line policy against 200 tools.
// Prints the median wall time of parse + check over several runs (built output).
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { checkSource } from "../../compiler/dist/program.js";

const TOOLS = 200;
const dir = mkdtempSync(join(tmpdir(), "agentpolicy-bench-"));
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

// Wall time and CPU time of this process (CPU time is steadier on a shared machine).
const runs = [];
const cpu = [];
let result;
for (let i = 0; i < 12; i++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  result = checkSource(text, file);
  runs.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
}
runs.sort((a, b) => a - b);
cpu.sort((a, b) => a - b);
const errors = result.diagnostics.filter((d) => d.severity === "error");
console.log(`check: ${text.split("\n").length - 1} lines, ${TOOLS} tools, ${result.model.rules.length} rules, ${result.model.limits.length} limits`);
console.log(`check: median ${runs[Math.floor(runs.length / 2)].toFixed(1)} ms wall (min ${runs[0].toFixed(1)}, max ${runs.at(-1).toFixed(1)} incl. the cold first run), median ${cpu[Math.floor(cpu.length / 2)].toFixed(1)} ms CPU; ${errors.length} errors`);
if (errors.length) console.log(errors.slice(0, 3).map((d) => `${d.code} ${d.message}`).join("\n"));
rmSync(dir, { recursive: true, force: true });
