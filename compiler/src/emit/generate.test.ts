// The code generator's facade and the shape of what it emits (header, rule comments,
// imports, exports, optimizations, determinism, `.js` + `.d.ts`). Semantics are tested
// differentially against the interpreter in test/differential.
import { basename } from "node:path";
import * as runtime from "@agentpolicy/runtime";
import { describe, expect, it } from "vitest";
import { checkSource } from "../program.js";
import type { PolicyModel } from "../semantic/model.js";
import { generateGuard, generateGuardSource } from "./generate.js";
import { FIXED_NAMES } from "./plan.js";

const MANIFEST = {
  tools: [
    {
      name: "read",
      description: "Read a file.",
      inputSchema: { type: "object", properties: { path: { type: "string" }, lines: { type: "integer" }, tags: { type: "array", items: { type: "string" } } }, required: ["path"] },
      annotations: { readOnlyHint: true },
    },
    {
      name: "write-file",
      inputSchema: { type: "object", properties: { path: { type: "string" }, token: { type: "string", writeOnly: true } }, required: ["path"] },
    },
  ],
};

const POLICY = `/// Files.
policy files version "0.1.0"
tools fs from "./fs.json"
context { user: { id: string } }
const roots = ["/workspace", "/tmp"]
label touched on fs.\`write-file\`

deny * when tool.destructive and ctx.user.id != "root" because "root only"
@id("no-secrets") @team("sec")
deny fs.read when args.path.matches("\\\\.pem$") or args.path.endsWith(".env") because "secrets"
allow fs.read when args.path.glob("/workspace/**") or args.path in roots
review fs.read when (args.lines ?? 0) > 1000 because "long read"

agent "coder" {
  allow fs.\`write-file\` when args.path.startsWith("/workspace/")
  limit fs.read to 10 calls per minute by ctx.user.id
}
`;

function model(): PolicyModel {
  const checked = checkSource(POLICY, "/virtual/files.agentpolicy", {
    readFile: (p) => {
      if (basename(p) !== "fs.json") throw new Error(`ENOENT ${p}`);
      return JSON.stringify(MANIFEST);
    },
  });
  expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return checked.model;
}

describe("generateGuard", () => {
  it("names the module after the policy file and emits TypeScript only by default", async () => {
    const g = await generateGuard(model());
    expect(g.baseName).toBe("files.guard");
    expect(g.js).toBeUndefined();
    expect(g.dts).toBeUndefined();
  });

  it("writes a header naming the source and its hash", async () => {
    const m = model();
    const { ts } = await generateGuard(m);
    const head = ts.split("\n").slice(0, 3).join("\n");
    expect(head).toContain("files.agentpolicy");
    expect(head).toContain(m.hash);
  });

  it("imports nothing but @agentpolicy/runtime, and only names the runtime exports", async () => {
    const { ts } = await generateGuard(model());
    const imports = [...ts.matchAll(/^import\s[\s\S]*?from\s+"([^"]+)";/gm)];
    expect(imports.map((m) => m[1])).toEqual(["@agentpolicy/runtime"]);
    expect(ts).not.toMatch(/\brequire\(/);
    const names = imports[0][0]
      .replace(/^import\s*\{|\}\s*from[\s\S]*$/g, "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "" && !s.startsWith("type "))
      .map((s) => s.split(/\s+as\s+/)[0]);
    for (const n of names) expect(Object.keys(runtime), n).toContain(n);
  });

  it("puts each compiled rule under a comment naming its id and file:line", async () => {
    const { ts } = await generateGuard(model());
    expect(ts).toContain('// deny "no-secrets" (files.agentpolicy:9)');
    expect(ts).toContain('// review "*/review/fs.read" (files.agentpolicy:12)');
    expect(ts).toContain('// allow "coder/allow/fs.`write-file`" (files.agentpolicy:15)');
  });

  it("exports the argument types, evaluate, program, createGuard and policy", async () => {
    const { ts } = await generateGuard(model());
    expect(ts).toMatch(/export interface FsReadArgs \{\s*path: string;\s*lines\?: number;\s*tags\?: string\[\];\s*\}/);
    expect(ts).toContain("export interface FsWriteFileArgs");
    expect(ts).toMatch(/export interface ToolArgs \{\s*"fs\.read": FsReadArgs;\s*"fs\.write-file": FsWriteFileArgs;\s*\}/);
    expect(ts).toContain("export type ToolName = keyof ToolArgs;");
    expect(ts).toContain("export function evaluate(request: ToolRequest, session?: SessionView): Verdict");
    expect(ts).toContain("export const program: PolicyProgram");
    expect(ts).toContain("export function createGuard(options?: GuardOptions): Guard");
    expect(ts).toContain("export const policy: PolicyMeta");
  });

  it("folds tool facts, hoists patterns and sets, and compiles nothing twice", async () => {
    const { ts } = await generateGuard(model());
    // `tool.destructive` is false for fs.read: the rule is gone from its decisions, and
    // for fs.write-file only the comparison of ctx.user.id is left.
    const readRules = /function rules_fs_read_others[\s\S]*?\n}\n/.exec(ts)?.[0] ?? "";
    expect(readRules).not.toContain("rule_deny");
    expect(ts).toMatch(/function rule_deny\(ctx: Rec\): boolean \{\s*return \(ctx\.user as Rec\)\.id !== "root";\s*\}/);
    expect(ts.match(/new RegExp\("\\\\.pem\$", "u"\)/g)?.length).toBe(1);
    expect(ts).toMatch(/compileGlob\("\/workspace\/\*\*"\)/);
    expect(ts).toMatch(/new Set<unknown>\(\["\/workspace", "\/tmp"\]\)/);
    // Validators share their schema-independent helpers.
    expect(ts).toContain("function validate_fs_read_json");
    expect(ts).not.toContain("function validate_fs_write_file_json");
  });

  it("is deterministic", async () => {
    const a = await generateGuard(model(), { emit: "js" });
    const b = await generateGuard(model(), { emit: "js" });
    expect(a).toEqual(b);
  });

  it("emits JavaScript and declarations with emit: js", async () => {
    const g = await generateGuard(model(), { emit: "js" });
    expect(g.js).toBeDefined();
    expect(g.js).toContain('from "@agentpolicy/runtime"');
    expect(g.js).toContain("export function evaluate(request, session)");
    expect(g.js).not.toMatch(/: Verdict|interface /);
    expect(g.dts).toContain("export declare function evaluate(request: ToolRequest, session?: SessionView): Verdict;");
    expect(g.dts).toContain("export interface ToolArgs");
    expect(g.dts).toContain("export declare const program: PolicyProgram;");
    expect(g.dts).not.toMatch(/function rule_|validate_/);
  });

  it("refuses a model with errors", async () => {
    const bad = { ...model(), complete: false };
    await expect(generateGuard(bad)).rejects.toThrow(/errors/);
  });

  it("formats with Prettier (the unformatted source differs only in layout)", async () => {
    const m = model();
    const raw = await generateGuardSource(m, { format: false });
    const { ts } = await generateGuard(m);
    const squash = (s: string) => s.replace(/\s+/g, "").replace(/[(),;]/g, "");
    expect(squash(ts)).toBe(squash(raw));
  });

  it("keeps generated names apart (tools `send` and `send_json`, a tool `context`, a const `costs`)", async () => {
    const manifest = {
      tools: ["send", "send_json", "context", "send_msg"].map((name) => ({ name, inputSchema: { type: "object", properties: { to: { type: "string" } } } })),
    };
    const policy = `policy names
tools m from "./m.json"
context { costs: string }
const costs = ["a", "b"]
const default_rule = "x"
cost m.send = $1 per call
allow m.* when (args.to ?? "a") in costs or ctx.costs == default_rule
agent "x" {
  limit cost to $5 per day
}
`;
    const checked = checkSource(policy, "/virtual/names.agentpolicy", { readFile: () => JSON.stringify(manifest) });
    expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const ts = await generateGuardSource(checked.model, { format: false });
    const { ts: typescript } = await import("ts-morph");
    const out = typescript.transpileModule(ts, { compilerOptions: { module: typescript.ModuleKind.CommonJS, target: typescript.ScriptTarget.ES2022 }, reportDiagnostics: true });
    expect(out.diagnostics ?? []).toEqual([]);
    const exports: Record<string, unknown> = {};
    new Function("require", "exports", out.outputText)(() => runtime, exports);
    const evaluate = exports.evaluate as runtime.PolicyProgram["evaluate"];
    for (const tool of ["m.send", "m.send_json", "m.context", "m.send_msg"]) {
      expect(evaluate({ agent: "x", tool, args: { to: "b" }, context: { costs: "y" } }).effect).toBe("allow");
      expect(evaluate({ agent: "x", tool, args: { to: 5 }, context: { costs: "y" } }).rules).toEqual(["invalid_arguments"]);
    }
  });

  it("enforces a nested-quantifier pattern with the runtime's linear-time matcher", async () => {
    const manifest = { tools: [{ name: "run", inputSchema: { type: "object", properties: { code: { type: "string", pattern: "^(a+)+$" } } } }] };
    const checked = checkSource('policy lin\ntools m from "./m.json"\nallow m.*\n', "/virtual/lin.agentpolicy", { readFile: () => JSON.stringify(manifest) });
    expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const ts = await generateGuardSource(checked.model, { format: false });
    expect(ts).toMatch(/import \{[^}]*\bcompileLinearRegex\b[^}]*\} from "@agentpolicy\/runtime"/);
    const { ts: typescript } = await import("ts-morph");
    const out = typescript.transpileModule(ts, { compilerOptions: { module: typescript.ModuleKind.CommonJS, target: typescript.ScriptTarget.ES2022 } });
    const exports: Record<string, unknown> = {};
    new Function("require", "exports", out.outputText)(() => runtime, exports);
    const evaluate = exports.evaluate as runtime.PolicyProgram["evaluate"];
    expect(evaluate({ agent: "x", tool: "m.run", args: { code: "a".repeat(40) + "!" } }).rules).toEqual(["invalid_arguments"]);
    expect(evaluate({ agent: "x", tool: "m.run", args: { code: "aaaa" } }).effect).toBe("allow");
  });

  it("reserves the module's fixed names", () => {
    expect(new Set(FIXED_NAMES).size).toBe(FIXED_NAMES.length);
  });
});
