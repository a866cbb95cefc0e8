import { it } from "vitest";
import { parseDocument } from "../syntax/parse.js";
import { loadManifest } from "../manifest/load.js";
import { checkDocument } from "./checker.js";
it("perf", () => {
  const tools = Array.from({ length: 200 }, (_, i) => ({
    name: `tool_${i}`,
    inputSchema: { type: "object", properties: { path: { type: "string" }, count: { type: "integer" }, mode: { enum: ["read", "write", "admin"] }, tags: { type: "array", items: { type: "string" } }, note: { type: ["string", "null"] } }, required: ["path", "count", "mode"] },
  }));
  const lines = ['policy bench', 'tools a from "./a.json"', "context { user: { id: string, role: \"viewer\" | \"admin\" } }"];
  let n = 0;
  while (lines.length < 2000) {
    lines.push(`agent "agent-${n}" {`);
    for (let r = 0; r < 40; r++, n++) {
      const tool = `a.tool_${n % 200}`;
      switch (n % 6) {
        case 0: lines.push(`  allow ${tool} when args.path.startsWith("/workspace/") and args.count < ${n}`); break;
        case 1: lines.push(`  deny ${tool} when args.mode == "admin" and ctx.user.role != "admin" because "admins only"`); break;
        case 2: lines.push(`  review ${tool} when args has tags and args.tags.any(t => t.matches("^secret-[a-z]+$"))`); break;
        case 3: lines.push(`  allow ${tool} when (args.note ?? "").length < 100 and path(args.path).under("/workspace")`); break;
        case 4: lines.push(`  deny * when args.mode == "write" and args.count > ${n}`); break;
        default: lines.push(`  limit ${tool} to ${n + 1} calls per minute by ctx.user.id`); break;
      }
    }
    lines.push("}");
  }
  const text = lines.join("\n");
  const mtext = JSON.stringify({ tools });
  for (let i = 0; i < 4; i++) {
    let t = performance.now();
    const p = parseDocument(text, "/x/p.agentpolicy");
    const tp = performance.now() - t; t = performance.now();
    const m = loadManifest("/x/a.json", "a", () => mtext);
    const tl = performance.now() - t; t = performance.now();
    const c = checkDocument(p.document, new Map([["a", m]]));
    const tc = performance.now() - t;
    console.log(`parse ${tp.toFixed(0)} load ${tl.toFixed(0)} check ${tc.toFixed(0)} diags ${c.diagnostics.length} types ${c.model.types.size}`);
  }
});
