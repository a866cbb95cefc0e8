/**
 * fast-check arbitraries of requests for a checked policy: arguments generated from each
 * tool's schema type and the context from the `context` type, every string and number
 * seeded with the policy's own literals and their near misses (±1, products and quotients,
 * case changes, `/../x`, `/x`, `.evil.io`), plus a share of invalid and malformed requests.
 */
import fc from "fast-check";
import type { SessionView, ToolRequest } from "@agentpolicy/runtime";
import type { RecordType, Type } from "../../compiler/src/manifest/types.js";
import type { PolicyModel } from "../../compiler/src/semantic/model.js";
import type * as ast from "../../compiler/src/syntax/ast.js";

export interface Seeds {
  readonly strings: readonly string[];
  readonly numbers: readonly number[];
}

const TRICKY_STRINGS = [
  "",
  "x",
  "https://example.com/",
  "https://api.example.com:443/admin?token=1",
  "http://example.com:80/a",
  "https://user:pw@Example.COM:8443/p?q=1#f",
  "https://xn--80ak6aa92e.com/",
  "https://münchen.de/",
  " https://example.com ",
  "https://example.com.evil.io/",
  "ftp://files.example.com/x",
  "mailto:a@example.com",
  "file:///etc/passwd",
  "not a url",
  "/workspace/a.ts",
  "/workspace/../etc/passwd",
  "/workspace//b/./c.sh",
  "/etc/passwd",
  "tmp/x",
  "../tmp/x",
  ".env",
  "/tmp/a/b",
  "%2e%2e/x",
  "a\\b\\..\\c",
  "/",
  "\ud800",
  "é",
  "😀😀",
];

const TRICKY_NUMBERS = [0, -0, 1, -1, 0.5, 3, 7, 1000, 1001, 1_000_000, 1e9, -1e9, 1e200, -1e200, Number.MAX_SAFE_INTEGER];

/** Every string and number literal of the policy (consts included), with near misses. */
export function seedsOf(model: PolicyModel): Seeds {
  const strings = new Set<string>(TRICKY_STRINGS);
  const numbers = new Set<number>(TRICKY_NUMBERS);
  const visitValue = (v: unknown): void => {
    if (typeof v === "string") strings.add(v);
    else if (typeof v === "number") numbers.add(v);
    else if (Array.isArray(v)) v.forEach(visitValue);
    else if (v !== null && typeof v === "object") Object.values(v).forEach(visitValue);
  };
  const visit = (e: ast.Expr | null): void => {
    if (e === null) return;
    switch (e.kind) {
      case "StringLiteral":
        strings.add(e.value);
        return;
      case "NumberLiteral":
        numbers.add(e.value);
        return;
      case "MoneyLiteral":
        numbers.add(e.micros / 1_000_000);
        return;
      case "ListLiteral":
        e.elements.forEach(visit);
        return;
      case "RecordLiteral":
        e.entries.forEach((en) => visit(en.value));
        return;
      case "MemberExpr":
        visit(e.object);
        return;
      case "CallExpr":
        visit(e.callee);
        e.args.forEach(visit);
        return;
      case "LambdaExpr":
        visit(e.body);
        return;
      case "UnaryExpr":
        visit(e.operand);
        return;
      case "BinaryExpr":
        visit(e.left);
        visit(e.right);
        return;
      case "HasExpr":
        visit(e.object);
        return;
      default:
        return;
    }
  };
  for (const r of model.rules) {
    visit(r.when);
    visit(r.unless);
  }
  for (const l of model.limits) visit(l.by);
  for (const c of model.consts.values()) {
    visit(c.decl.value);
    visitValue(c.value);
  }
  for (const s of [...strings]) {
    for (const near of [`${s}/../x`, `${s}/x`, `${s}.evil.io`, s.toUpperCase(), s.toLowerCase(), `https://${s}/`, `${s}x`, s.slice(1)]) strings.add(near);
  }
  const ns = [...numbers];
  for (const n of ns) for (const d of [1, -1]) numbers.add(n + d);
  for (const a of ns.slice(0, 24)) {
    for (const b of ns.slice(0, 24)) {
      numbers.add(a * b);
      if (b !== 0) numbers.add(a / b);
    }
  }
  return { strings: [...strings], numbers: [...numbers].filter((n) => Number.isFinite(n)) };
}

const jsonLeaf = fc.oneof(fc.constantFrom<unknown>(null, true, false, 0, 1, -1, 2.5, "", "a", "x"), fc.string({ maxLength: 4 }));

/** A small JSON value of any kind. */
export const anyJson: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    jsonLeaf,
    fc.array(tie("v"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom("a", "b", "x", "__proto__", "constructor"), tie("v"), { maxKeys: 3 }),
  ),
})).v;

/** A value of type `t` (mostly valid: schema keywords such as `minimum` are not modelled). */
export function valueArb(t: Type, seeds: Seeds, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 5) return fc.constant(null);
  switch (t.kind) {
    case "string":
      return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...seeds.strings) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) });
    case "number":
      return fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...seeds.numbers) },
        { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }) },
        { weight: 1, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
      );
    case "integer": {
      const ints = seeds.numbers.filter((n) => Number.isInteger(n));
      return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ints) }, { weight: 1, arbitrary: fc.integer({ min: -1e9, max: 1e9 }) });
    }
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "literal":
      return fc.constant(t.value);
    case "list":
      return fc.array(valueArb(t.element, seeds, depth + 1), { maxLength: 4 });
    case "record":
      return recordArb(t, seeds, depth + 1);
    case "union":
      return t.members.length === 0 ? fc.constant(null) : fc.oneof(...t.members.map((m) => valueArb(m, seeds, depth + 1)));
    case "never":
      return fc.constant(null);
    default:
      return anyJson;
  }
}

/** A record of type `t`: required fields present, optional ones three times in four; sometimes an extra key. */
export function recordArb(t: RecordType, seeds: Seeds, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const fields = [...t.fields.values()];
  const parts = fields.map((f) =>
    f.optional
      ? fc.option(valueArb(f.type, seeds, depth), { freq: 4, nil: undefined }).map((v) => [f.name, v] as const)
      : valueArb(f.type, seeds, depth).map((v) => [f.name, v] as const),
  );
  const extra = t.open ? fc.option(fc.tuple(fc.constantFrom("extra", "__proto__", "constructor"), jsonLeaf), { freq: 5, nil: undefined }) : fc.constant(undefined);
  return fc.tuple(fc.tuple(...parts), extra).map(([entries, more]) => {
    const out: Record<string, unknown> = {};
    const set = (k: string, v: unknown) => Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    for (const [k, v] of entries) if (v !== undefined) set(k, v);
    if (more !== undefined) set(more[0], more[1]);
    return out;
  });
}

/** Mostly-valid arguments for a tool, or (one time in eight) something the schema refuses. */
function argsArb(t: RecordType, seeds: Seeds): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 14, arbitrary: recordArb(t, seeds) },
    { weight: 1, arbitrary: recordArb(t, seeds).chain((r) => fc.tuple(fc.constant(r), fc.constantFrom(...Object.keys(r), "s"), anyJson).map(([r2, k, v]) => ({ ...r2, [k]: v }))) },
    { weight: 1, arbitrary: fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant([]), anyJson) },
  );
}

export interface GeneratedRequest {
  readonly request: ToolRequest;
  readonly session: SessionView | undefined;
}

/** Requests for `model`: every agent (and a stranger), every tool name (and unknown ones), contexts and sessions. */
export function requestArb(model: PolicyModel, seeds: Seeds = seedsOf(model)): fc.Arbitrary<GeneratedRequest> {
  const agents = [...model.agents.keys(), "stranger", "intruder", "other"];
  const qualified = [...model.tools.keys()];
  const otherNames = [...model.toolsByBareName.keys(), "nope.x", "unknown", `${qualified[0] ?? "x"}.y`];
  const labels = [...model.labels.keys()];
  const tools = [...model.tools.keys()];
  const sessionArb: fc.Arbitrary<SessionView | undefined> = fc.option(
    fc.record({
      labels: fc.subarray(labels),
      counts: fc.dictionary(fc.constantFrom(...(tools.length > 0 ? tools : ["x"])), fc.nat(8), { maxKeys: 3 }),
    }),
    { nil: undefined, freq: 3 },
  );
  const contextArb: fc.Arbitrary<unknown> = model.hasContextDecl
    ? fc.oneof({ weight: 12, arbitrary: recordArb(model.context, seeds) }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: anyJson })
    : fc.oneof(fc.constant(undefined), anyJson);
  const toolName = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...qualified) }, { weight: 1, arbitrary: fc.constantFrom(...otherNames) });
  const byTool = toolName.chain((name) => {
    const info = model.tools.get(name) ?? model.tools.get((model.toolsByBareName.get(name) ?? [])[0] ?? "");
    return fc.tuple(fc.constant(name), info === undefined ? anyJson : argsArb(info.input, seeds));
  });
  return fc
    .tuple(fc.constantFrom(...agents), byTool, contextArb, fc.constantFrom<string | undefined>(undefined, "", "s1", "run-7"), sessionArb)
    .map(([agent, [tool, args], context, session, view]) => {
      const request: Record<string, unknown> = { agent, tool };
      if (args !== undefined) request.args = args;
      if (context !== undefined) request.context = context;
      if (session !== undefined) request.session = session;
      return { request: request as unknown as ToolRequest, session: view };
    });
}
