/**
 * Compiles a JSON Schema into a straight-line JavaScript validator.
 *
 * The output reads the same plan as the reference validator (`manifest/validate.ts`,
 * `planSchema`) and follows its keyword order exactly, so for every schema and value the
 * generated function returns `null` exactly when `validate()` returns `[]`, and otherwise the very
 * same messages. Properties of the output:
 *  - `code` is one function declaration, `function NAME(value) { ... }`; `helpers` are top-level
 *    statements it needs (compiled regexes, constant sets and values, small functions), each named
 *    `NAME_...` so the validators of several tools can share a module. The guard module places
 *    the helpers before the function and imports VALIDATOR_RUNTIME_NAMES (`deepEqual`,
 *    `codePointLength`, `compileLinearRegex`) from `@agentpolicy/runtime` (the only free names
 *    the code uses besides standard globals).
 *  - Two paths. `NAME_ok(value)` is a boolean pass that checks "is JSON" and "is valid" together:
 *    JSON-ness is folded into the schema's own tests (`type: "string"` needs nothing more; only
 *    positions that admit anything are walked by `NAME_isj`), no message is built. It returns
 *    true only where `validate()` returns `[]` (and, for values made of own enumerable data
 *    properties, exactly there). Anything else (false, or an exception) runs `NAME_all(value)`,
 *    the full check in `validate()`'s order that words the messages.
 *  - No schema is walked at run time; regexes are compiled once, when the module loads.
 *  - The valid path allocates nothing; only `uniqueItems` on arrays longer than 32 items and
 *    `multipleOf` with fractional numbers allocate. It uses no closures and no `Object.keys`:
 *    an object's own keys are visited once, by one `for...in`.
 *  - `$ref` targets become helper functions (a boolean one, a collecting one, and a fast one that
 *    takes the depth), so recursive schemas compile to recursive functions; recursion is bounded
 *    because values may nest at most MAX_VALUE_DEPTH deep and in-place cycles are refused by the plan.
 *  - Total on hostile values: nothing reads a value before it is known to be JSON (both paths);
 *    any exception (a throwing getter, a proxy) is caught and reported as "value cannot be validated".
 *  - With `{ typescript: true }` the signature reads `function NAME(value: unknown): string[] | null`
 *    and helpers carry parameter types; the body type-checks under `strict`. Without it the
 *    output is plain JavaScript (for `new Function`, or a `.js` module).
 */
import type { JsonSchema } from "../manifest/types.js";
import {
  FixedMessages,
  MAX_ERRORS,
  MAX_POINTER_SHOWN,
  MAX_VALUE_DEPTH,
  type PatternInfo,
  type SchemaNode,
  type SchemaPlan,
  UNIQUE_PAIRWISE_MAX,
  UNSAFE_PATTERN_MAX_LENGTH,
  dependentRequiredMessage,
  escapePointerSegment,
  patternPropertyMessage,
  planSchema,
} from "../manifest/validate.js";

export interface GeneratedValidator {
  /** `function NAME(value) { ... }`: returns null when valid, else the messages of `validate()`. */
  readonly code: string;
  /** Top-level statements the function needs, in order (each declares one `NAME_...` binding). */
  readonly helpers: string[];
}

export interface GenerateOptions {
  /** Emit TypeScript annotations (`value: unknown`, typed helper parameters). Default: plain JavaScript. */
  readonly typescript?: boolean;
}

/** The run-time helpers the generated code may call, imported from "@agentpolicy/runtime". */
export const VALIDATOR_RUNTIME_NAMES = ["deepEqual", "codePointLength", "compileLinearRegex"] as const;

/**
 * Compiles `schema` (also the root for its local `$ref`s) into a validator named `fnName`.
 * `fnName` must be a JavaScript identifier (throws a TypeError otherwise: a programming error).
 */
export function generateValidator(schema: JsonSchema, fnName: string, options: GenerateOptions = {}): GeneratedValidator {
  if (!/^[A-Za-z_$][\w$]*$/.test(fnName)) throw new TypeError(`not a JavaScript identifier: ${JSON.stringify(fnName)}`);
  const gen = new Generator(planSchema(schema), fnName, options.typescript === true);
  return gen.run();
}

/** A pointer under construction: static text, or an expression giving one escaped segment. */
type PathPart = { readonly text: string } | { readonly expr: string };
type Path = readonly PathPart[];

/** How a failure is handled where the code is emitted. */
type Mode =
  /** Record [pointer, suffix] in `e`; when full, `return FINISH`. */
  | { readonly kind: "collect"; readonly finish: string }
  /** Decide only: run `onFail` (e.g. `{ ok3 = false; break L3; }` or `return false;`). */
  | { readonly kind: "bool"; readonly onFail: string };

const lit = (s: string): string => JSON.stringify(s);

function indent(lines: readonly string[]): string[] {
  return lines.map((l) => (l === "" ? l : `  ${l}`));
}

function pathCode(path: Path): string {
  const parts: string[] = [];
  let text = "";
  for (const p of path) {
    if ("text" in p) text += p.text;
    else {
      parts.push(lit(`${text}/`));
      text = "";
      parts.push(p.expr);
    }
  }
  if (text !== "" || parts.length === 0) parts.push(lit(text));
  return parts.join(" + ");
}

function seg(s: string): PathPart {
  return { text: `/${escapePointerSegment(s)}` };
}

function jsNumber(n: number): string {
  const s = String(n);
  return n < 0 ? `(${s})` : s;
}

/** `const x = expr;` when `lines` use `x`, else nothing. */
function bind(x: string, expr: string, lines: readonly string[]): string[] {
  return mentions(lines, x) ? [`const ${x} = ${expr};`] : [];
}

/** Do `lines` use the identifier `x` (outside string literals)? */
function mentions(lines: readonly string[], x: string): boolean {
  const used = new RegExp(`(?<![\\w$])${x.replace(/[$]/g, "\\$")}(?![\\w$])`);
  return lines.some((l) => used.test(l.replace(/"(?:[^"\\]|\\.)*"/g, '""')));
}

/** A primitive as JavaScript source (`Infinity` stays itself: JSON text would make it `null`). */
function primitiveLiteral(v: string | number | boolean | null): string {
  return typeof v === "number" ? String(v) : JSON.stringify(v);
}

function isPrimitive(v: unknown): v is string | number | boolean | null {
  return v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}

class Generator {
  private readonly helpers = new Map<string, string>();
  private counter = 0;
  private readonly refFunctions = new Map<string, string>();
  private readonly pendingRefs: { name: string; node: SchemaNode; kind: RefKind }[] = [];
  /** Set when fast-path code reads the depth parameter of the `$ref` function being emitted. */
  private depthUsed = false;
  private readonly patternNames = new Map<PatternInfo, string>();

  constructor(
    private readonly plan: SchemaPlan,
    private readonly fn: string,
    private readonly ts: boolean,
  ) {}

  run(): GeneratedValidator {
    const t = (s: string): string => (this.ts ? s : "");
    const ok = `${this.fn}_ok`;
    this.helper(ok, () => {
      const fast = this.emitFast(this.plan.root, "v", { base: null, off: 0 });
      return [`function ${ok}(${this.anyParam(valueParam(fast))})${t(": boolean")} {`, ...indent(fast), "  return true;", "}"].join("\n");
    });
    const body = this.emitNode(this.plan.root, "v0", [], { kind: "collect", finish: `${this.fn}_fmt(e)` });
    this.useFmt();
    this.useJson();
    // Ref functions may require more ref functions: drain the queue.
    for (let i = 0; i < this.pendingRefs.length; i++) this.emitRefFunction(this.pendingRefs[i]);
    // The full check, with messages: run only when the fast path did not accept the value.
    const all = `${this.fn}_all`;
    this.helper(all, () =>
      [
        `function ${all}(value${t(": unknown")})${t(": string[] | null")} {`,
        "  try {",
        `    const bad = ${this.fn}_json(value, 0);`,
        `    if (bad !== null) return [${this.fn}_msg(bad[0], bad[1])];`,
        `    let e${t(": [string, string][] | null")} = null;`,
        ...(mentions(body, "v0") ? [`    const v0${t(": any")} = value;`] : []),
        ...indent(indent(body)),
        `    return e === null ? null : ${this.fn}_fmt(e);`,
        "  } catch {",
        `    return [${this.fn}_msg("", ${lit(FixedMessages.internal)})];`,
        "  }",
        "}",
      ].join("\n"),
    );
    const lines = [
      `function ${this.fn}(value${t(": unknown")})${t(": string[] | null")} {`,
      "  try {",
      `    if (${ok}(value)) return null;`,
      "  } catch {",
      "    // A throwing getter or proxy: the full check says what `validate()` says.",
      "  }",
      `  return ${all}(value);`,
      "}",
    ];
    return { code: lines.join("\n"), helpers: [...this.helpers.values()] };
  }

  private fresh(prefix: string): string {
    return `${prefix}${++this.counter}`;
  }

  private helper(name: string, text: () => string): string {
    if (!this.helpers.has(name)) {
      this.helpers.set(name, "");
      this.helpers.set(name, text());
    }
    return name;
  }

  // ----- failures

  private fail(path: Path, suffixExpr: string, mode: Mode): string[] {
    if (mode.kind === "bool") return [mode.onFail];
    return [`(e ??= []).push([${pathCode(path)}, ${suffixExpr}]);`, `if (e.length >= ${MAX_ERRORS}) return ${mode.finish};`];
  }

  private failIf(cond: string, path: Path, suffix: string, mode: Mode): string[] {
    const f = this.fail(path, lit(suffix), mode);
    return [`if (${cond}) {`, ...indent(f), "}"];
  }

  /** A boolean-mode check of `n` on `v` into a fresh flag: [lines, flagName]. */
  private boolBlock(n: SchemaNode, v: string): [string[], string] {
    const ok = this.fresh("ok");
    const label = this.fresh("L");
    const inner = this.emitNode(n, v, [], { kind: "bool", onFail: `{ ${ok} = false; break ${label}; }` });
    const usesLabel = inner.some((l) => l.includes(`break ${label};`));
    if (inner.length === 0) return [[`const ${ok} = true;`], ok];
    const lines = usesLabel ? [`let ${ok} = true;`, `${label}: {`, ...indent(inner), "}"] : [`let ${ok} = true;`, ...inner];
    return [lines, ok];
  }

  // ----- helpers emitted as source text

  private anyParam(name: string, type = "any"): string {
    return this.ts ? `${name}: ${type}` : name;
  }

  private useEsc(): string {
    return this.helper(`${this.fn}_esc`, () =>
      [
        `function ${this.fn}_esc(${this.anyParam("s", "string")})${this.ts ? ": string" : ""} {`,
        '  return s.replace(/~/g, "~0").replace(/\\//g, "~1");',
        "}",
      ].join("\n"),
    );
  }

  private useFmt(): void {
    const f = this.fn;
    this.helper(`${f}_msg`, () =>
      [
        `function ${f}_msg(${this.anyParam("p", "string")}, ${this.anyParam("s", "string")})${this.ts ? ": string" : ""} {`,
        `  return (p === "" ? "value" : "\`" + (p.length > ${MAX_POINTER_SHOWN} ? p.slice(0, ${MAX_POINTER_SHOWN}) + "..." : p) + "\`") + " " + s;`,
        "}",
      ].join("\n"),
    );
    this.helper(`${f}_fmt`, () =>
      [
        `function ${f}_fmt(${this.anyParam("e", "[string, string][]")})${this.ts ? ": string[]" : ""} {`,
        `  const out${this.ts ? ": string[]" : ""} = [];`,
        `  for (let i = 0; i < e.length; i++) out.push(${f}_msg(e[i][0], e[i][1]));`,
        "  return out;",
        "}",
      ].join("\n"),
    );
  }

  private useJson(): void {
    const f = this.fn;
    const esc = this.useEsc();
    this.helper(`${f}_json`, () =>
      [
        `function ${f}_json(${this.anyParam("v")}, ${this.anyParam("d", "number")})${this.ts ? ": [string, string] | null" : ""} {`,
        "  if (v === null) return null;",
        "  const t = typeof v;",
        '  if (t === "string" || t === "boolean") return null;',
        `  if (t === "number") return Number.isFinite(v) ? null : ["", ${lit(FixedMessages.notJson)}];`,
        `  if (t !== "object") return ["", ${lit(FixedMessages.notJson)}];`,
        `  if (d >= ${MAX_VALUE_DEPTH}) return ["", ${lit(FixedMessages.tooDeep)}];`,
        "  if (Array.isArray(v)) {",
        "    for (let i = 0; i < v.length; i++) {",
        "      const x = v[i];",
        '      if (x === null || typeof x === "string" || typeof x === "boolean" || (typeof x === "number" && Number.isFinite(x))) continue;',
        `      const r = ${f}_json(x, d + 1);`,
        "      if (r !== null) {",
        '        r[0] = "/" + i + r[0];',
        "        return r;",
        "      }",
        "    }",
        "    return null;",
        "  }",
        "  const proto = Object.getPrototypeOf(v);",
        `  if (proto !== null && proto !== Object.prototype && Object.getPrototypeOf(proto) !== null) return ["", ${lit(FixedMessages.notJson)}];`,
        "  for (const k in v) {",
        "    if (!Object.hasOwn(v, k)) continue;",
        "    const x = v[k];",
        '    if (x === null || typeof x === "string" || typeof x === "boolean" || (typeof x === "number" && Number.isFinite(x))) continue;',
        `    const r = ${f}_json(x, d + 1);`,
        "    if (r !== null) {",
        `      r[0] = "/" + ${esc}(k) + r[0];`,
        "      return r;",
        "    }",
        "  }",
        "  return null;",
        "}",
      ].join("\n"),
    );
  }

  private useHop(): string {
    const name = `${this.fn}_hop`;
    return this.helper(name, () => `const ${name} = Object.prototype.hasOwnProperty;`);
  }

  /** The fast path's JSON check: `${fn}_json` as a boolean, allocating nothing. */
  private useIsJson(): string {
    const f = this.fn;
    const hop = this.useHop();
    return this.helper(`${f}_isj`, () =>
      [
        `function ${f}_isj(${this.anyParam("v")}, ${this.anyParam("d", "number")})${this.ts ? ": boolean" : ""} {`,
        '  if (typeof v !== "object") return typeof v === "string" || typeof v === "boolean" || Number.isFinite(v);',
        "  if (v === null) return true;",
        `  if (d >= ${MAX_VALUE_DEPTH}) return false;`,
        "  if (Array.isArray(v)) {",
        `    for (let i = 0; i < v.length; i++) if (!${f}_isj(v[i], d + 1)) return false;`,
        "    return true;",
        "  }",
        "  const p = Object.getPrototypeOf(v);",
        "  if (p !== Object.prototype && p !== null && Object.getPrototypeOf(p) !== null) return false;",
        "  for (const k in v) {",
        `    if (!${hop}.call(v, k)) continue;`,
        `    if (!${f}_isj(v[k], d + 1)) return false;`,
        "  }",
        "  return true;",
        "}",
      ].join("\n"),
    );
  }

  private useMultipleOf(): string {
    const f = this.fn;
    this.helper(`${f}_dec`, () =>
      [
        `function ${f}_dec(${this.anyParam("x", "number")})${this.ts ? ": [bigint, number]" : ""} {`,
        "  const s = String(Math.abs(x));",
        '  const ei = s.indexOf("e");',
        "  const mant = ei < 0 ? s : s.slice(0, ei);",
        "  const exp = ei < 0 ? 0 : Number(s.slice(ei + 1));",
        '  const dot = mant.indexOf(".");',
        "  const digits = dot < 0 ? mant : mant.slice(0, dot) + mant.slice(dot + 1);",
        "  return [BigInt(digits), exp - (dot < 0 ? 0 : mant.length - dot - 1)];",
        "}",
      ].join("\n"),
    );
    return this.helper(`${f}_mul`, () =>
      [
        `function ${f}_mul(${this.anyParam("v", "number")}, ${this.anyParam("m", "number")})${this.ts ? ": boolean" : ""} {`,
        "  if (Number.isSafeInteger(v) && Number.isSafeInteger(m)) return v % m === 0;",
        `  const a = ${f}_dec(v);`,
        `  const b = ${f}_dec(m);`,
        "  const e = Math.min(a[1], b[1]);",
        "  const ten = BigInt(10);",
        "  return (a[0] * ten ** BigInt(a[1] - e)) % (b[0] * ten ** BigInt(b[1] - e)) === BigInt(0);",
        "}",
      ].join("\n"),
    );
  }

  private useUnique(): string {
    const f = this.fn;
    this.helper(`${f}_key`, () =>
      [
        `function ${f}_key(${this.anyParam("v")})${this.ts ? ": string" : ""} {`,
        '  if (v === null) return "null";',
        '  if (typeof v === "number") return String(v);',
        '  if (typeof v === "string") return JSON.stringify(v);',
        '  if (typeof v === "boolean") return v ? "true" : "false";',
        "  if (Array.isArray(v)) {",
        '    let out = "[";',
        `    for (let i = 0; i < v.length; i++) out += (i > 0 ? "," : "") + ${f}_key(v[i]);`,
        '    return out + "]";',
        "  }",
        "  const keys = Object.keys(v).sort();",
        '  let out = "{";',
        `  for (let i = 0; i < keys.length; i++) out += (i > 0 ? "," : "") + JSON.stringify(keys[i]) + ":" + ${f}_key(v[keys[i]]);`,
        '  return out + "}";',
        "}",
      ].join("\n"),
    );
    return this.helper(`${f}_uniq`, () =>
      [
        `function ${f}_uniq(${this.anyParam("a", "any[]")})${this.ts ? ": boolean" : ""} {`,
        `  if (a.length <= ${UNIQUE_PAIRWISE_MAX}) {`,
        "    for (let i = 1; i < a.length; i++) for (let j = 0; j < i; j++) if (deepEqual(a[i], a[j])) return false;",
        "    return true;",
        "  }",
        `  const seen = new Set${this.ts ? "<string>" : ""}();`,
        "  for (let i = 0; i < a.length; i++) {",
        `    const k = ${f}_key(a[i]);`,
        "    if (seen.has(k)) return false;",
        "    seen.add(k);",
        "  }",
        "  return true;",
        "}",
      ].join("\n"),
    );
  }

  private useRegex(p: PatternInfo): string {
    let name = this.patternNames.get(p);
    if (name === undefined) {
      name = `${this.fn}_re${this.patternNames.size + 1}`;
      this.patternNames.set(p, name);
      const n = name;
      if (p.engine === "linear") {
        // The plan compiled this pattern with the same runtime function; should a different runtime refuse it, fail closed.
        const never = this.ts ? "(_s: string): boolean => false" : "(_s) => false";
        this.helper(n, () => `const ${n} = compileLinearRegex(${lit(p.source)}) ?? { test: ${never} };`);
      } else this.helper(n, () => `const ${n} = new RegExp(${lit(p.source)}, "u");`);
    }
    return name;
  }

  private useConst(value: unknown): string {
    const name = `${this.fn}_k${++this.counter}`;
    // JSON.parse keeps a `__proto__` key as an own property, which an object literal would not.
    this.helper(name, () => `const ${name}${this.ts ? ": unknown" : ""} = JSON.parse(${lit(JSON.stringify(value))});`);
    return name;
  }

  private useStringSet(values: readonly (string | number | boolean | null)[]): string {
    const name = `${this.fn}_s${++this.counter}`;
    this.helper(name, () => `const ${name} = new Set${this.ts ? "<unknown>" : ""}([${values.map(primitiveLiteral).join(", ")}]);`);
    return name;
  }

  /** `x` equals one of `values` (deeply): an expression. */
  private equalsAny(x: string, values: readonly unknown[]): string {
    const prim = values.filter(isPrimitive);
    const rest = values.filter((v) => !isPrimitive(v));
    const parts: string[] = [];
    if (prim.length > 8) parts.push(`${this.useStringSet(prim)}.has(${x})`);
    else for (const p of prim) parts.push(`${x} === ${primitiveLiteral(p)}`);
    for (const r of rest) parts.push(`deepEqual(${x}, ${this.useConst(r)})`);
    return parts.length === 0 ? "false" : parts.join(" || ");
  }

  /** `k` is one of the names: an expression. */
  private nameIn(k: string, names: ReadonlySet<string>): string {
    if (names.size === 0) return "false";
    if (names.size <= 8) return [...names].map((n) => `${k} === ${lit(n)}`).join(" || ");
    return `${this.useStringSet([...names])}.has(${k})`;
  }

  private tooLong(s: string): string {
    return `${s}.length > ${UNSAFE_PATTERN_MAX_LENGTH} && codePointLength(${s}) > ${UNSAFE_PATTERN_MAX_LENGTH}`;
  }

  // ----- $ref functions

  private refFunction(node: SchemaNode, kind: RefKind): string {
    const key = `${node.id}:${kind}`;
    let name = this.refFunctions.get(key);
    if (name === undefined) {
      name = `${this.fn}_r${node.id}${kind === "bool" ? "b" : kind === "collect" ? "c" : "f"}`;
      this.refFunctions.set(key, name);
      this.helpers.set(name, ""); // reserve the slot, filled when emitted
      this.pendingRefs.push({ name, node, kind });
    }
    return name;
  }

  private emitRefFunction(ref: { name: string; node: SchemaNode; kind: RefKind }): void {
    const t = (s: string): string => (this.ts ? s : "");
    let lines: string[];
    if (ref.kind === "fast") {
      this.depthUsed = false;
      const body = this.emitFast(ref.node, "v", { base: "d", off: 0 });
      const d = this.depthUsed ? "d" : "_d";
      lines = [`function ${ref.name}(${this.anyParam(valueParam(body))}, ${this.anyParam(d, "number")})${t(": boolean")} {`, ...indent(body), "  return true;", "}"];
    } else if (ref.kind === "bool") {
      const body = this.emitNode(ref.node, "v", [], { kind: "bool", onFail: "return false;" });
      lines = [`function ${ref.name}(${this.anyParam("v")})${t(": boolean")} {`, ...indent(body), "  return true;", "}"];
    } else {
      const body = this.emitNode(ref.node, "v", [], { kind: "collect", finish: "e" });
      lines = [
        `function ${ref.name}(${this.anyParam("v")})${t(": [string, string][] | null")} {`,
        `  let e${t(": [string, string][] | null")} = null;`,
        ...indent(body),
        "  return e;",
        "}",
      ];
    }
    this.helpers.set(ref.name, lines.join("\n"));
  }

  // ----- schema nodes (the keyword order is `check` in manifest/validate.ts)

  private emitNode(n: SchemaNode, v: string, path: Path, mode: Mode): string[] {
    if (n.bool === true) return [];
    if (n.bool === false) return this.fail(path, lit(FixedMessages.notAllowed), mode);
    if (n.broken !== null) return this.fail(path, lit(n.broken), mode);
    return [...this.emitOwn(n, v, path, mode), ...this.emitInPlace(n, v, path, mode, null)];
  }

  /** The keywords that read `v` itself (`type` up to `dependentSchemas`), in `check`'s order. */
  private emitOwn(n: SchemaNode, v: string, path: Path, mode: Mode): string[] {
    const out: string[] = [];
    const m = n.msg;

    if (n.types !== null) {
      const tests = n.types.map((t) => typeTest(t, v));
      out.push(...this.failIf(tests.length === 0 ? "true" : `!(${tests.join(" || ")})`, path, m.type, mode));
    }
    if (n.enumValues !== null) out.push(...this.failIf(`!(${this.equalsAny(v, n.enumValues)})`, path, m.enum, mode));
    if (n.hasConst) out.push(...this.failIf(`!(${this.equalsAny(v, [n.constValue])})`, path, m.const, mode));

    const num = this.numberChecks(n, v, path, mode);
    if (num.length > 0) out.push(`if (typeof ${v} === "number") {`, ...indent(num), "}");
    const str = this.stringChecks(n, v, path, mode);
    if (str.length > 0) out.push(`if (typeof ${v} === "string") {`, ...indent(str), "}");

    const arr = this.emitArray(n, v, path, mode);
    if (arr.length > 0) out.push(`if (Array.isArray(${v})) {`, ...indent(arr), "}");
    const obj = this.emitObject(n, v, path, mode);
    if (obj.length > 0) out.push(`if (typeof ${v} === "object" && ${v} !== null && !Array.isArray(${v})) {`, ...indent(obj), "}");
    return out;
  }

  /** `multipleOf` ... `exclusiveMinimum`, for a `v` known to be a number. */
  private numberChecks(n: SchemaNode, v: string, path: Path, mode: Mode): string[] {
    const m = n.msg;
    const num: string[] = [];
    if (n.multipleOf !== null) num.push(...this.failIf(`!${this.useMultipleOf()}(${v}, ${jsNumber(n.multipleOf)})`, path, m.multipleOf, mode));
    if (n.maximum !== null) num.push(...this.failIf(`!(${v} <= ${jsNumber(n.maximum)})`, path, m.maximum, mode));
    if (n.exclusiveMaximum !== null) num.push(...this.failIf(`!(${v} < ${jsNumber(n.exclusiveMaximum)})`, path, m.exclusiveMaximum, mode));
    if (n.minimum !== null) num.push(...this.failIf(`!(${v} >= ${jsNumber(n.minimum)})`, path, m.minimum, mode));
    if (n.exclusiveMinimum !== null) num.push(...this.failIf(`!(${v} > ${jsNumber(n.exclusiveMinimum)})`, path, m.exclusiveMinimum, mode));
    return num;
  }

  /** `maxLength`, `minLength`, `pattern`, for a `v` known to be a string. */
  private stringChecks(n: SchemaNode, v: string, path: Path, mode: Mode): string[] {
    const m = n.msg;
    const str: string[] = [];
    if (n.maxLength !== null) str.push(...this.failIf(`${v}.length > ${n.maxLength} && codePointLength(${v}) > ${n.maxLength}`, path, m.maxLength, mode));
    if (n.minLength !== null) str.push(...this.failIf(`${v}.length < ${2 * n.minLength} && codePointLength(${v}) < ${n.minLength}`, path, m.minLength, mode));
    if (n.pattern !== null) {
      const p = n.pattern;
      if (p.matcher === null) str.push(...this.fail(path, lit(m.pattern), mode));
      else {
        const re = this.useRegex(p);
        if (p.safe) str.push(...this.failIf(`!${re}.test(${v})`, path, m.pattern, mode));
        else {
          str.push(`if (${this.tooLong(v)}) {`, ...indent(this.fail(path, lit(m.patternTooLong), mode)), `} else if (!${re}.test(${v})) {`);
          str.push(...indent(this.fail(path, lit(m.pattern), mode)), "}");
        }
      }
    }
    return str;
  }

  /**
   * The in-place keywords (`$ref` up to `unevaluatedProperties`), in `check`'s order. `skip`
   * leaves out the `$ref` or the first `allOf` member (the fast path checks it first, itself).
   */
  private emitInPlace(n: SchemaNode, v: string, path: Path, mode: Mode, skip: "ref" | "allOf0" | null): string[] {
    const m = n.msg;
    const out: string[] = [];
    if (n.refBroken !== null) out.push(...this.fail(path, lit(n.refBroken), mode));
    if (n.ref !== null && skip !== "ref") out.push(...this.emitRefCall(n.ref, v, path, mode));
    if (n.allOf !== null) {
      for (let i = skip === "allOf0" ? 1 : 0; i < n.allOf.length; i++) out.push(...this.emitNode(n.allOf[i], v, path, mode));
    }
    if (n.anyOf !== null) {
      const any = this.fresh("any");
      out.push(`let ${any} = false;`);
      for (const member of n.anyOf) {
        const [lines, ok] = this.boolBlock(member, v);
        out.push(`if (!${any}) {`, ...indent(lines), `  if (${ok}) ${any} = true;`, "}");
      }
      out.push(...this.failIf(`!${any}`, path, m.anyOf, mode));
    }
    if (n.oneOf !== null) {
      const count = this.fresh("one");
      out.push(`let ${count} = 0;`);
      for (const member of n.oneOf) {
        const [lines, ok] = this.boolBlock(member, v);
        out.push(`if (${count} < 2) {`, ...indent(lines), `  if (${ok}) ${count}++;`, "}");
      }
      out.push(`if (${count} !== 1) {`, ...indent(this.fail(path, `${count} === 0 ? ${lit(m.oneOfNone)} : ${lit(m.oneOfMany)}`, mode)), "}");
    }
    if (n.not !== null) {
      const [lines, ok] = this.boolBlock(n.not, v);
      out.push("{", ...indent(lines), ...indent(this.failIf(ok, path, m.not, mode)), "}");
    }
    if (n.if !== null) {
      const [lines, ok] = this.boolBlock(n.if, v);
      const thenLines = n.then === null ? [] : this.emitNode(n.then, v, path, mode);
      const elseLines = n.else === null ? [] : this.emitNode(n.else, v, path, mode);
      if (thenLines.length > 0 || elseLines.length > 0) {
        out.push("{", ...indent(lines), `  if (${ok}) {`, ...indent(indent(thenLines)), "  } else {", ...indent(indent(elseLines)), "  }", "}");
      }
    }
    if (n.unevaluatedItems !== null) out.push(...this.emitUnevaluatedItems(n, n.unevaluatedItems, v, path, mode));
    if (n.unevaluatedProperties !== null) out.push(...this.emitUnevaluatedProperties(n, n.unevaluatedProperties, v, path, mode));
    return out;
  }

  private emitRefCall(target: SchemaNode, v: string, path: Path, mode: Mode): string[] {
    if (target.bool === true) return [];
    if (mode.kind === "bool") return [`if (!${this.refFunction(target, "bool")}(${v})) ${mode.onFail}`];
    const r = this.fresh("r");
    const j = this.fresh("j");
    const prefix = path.length === 0 ? null : pathCode(path);
    return [
      `const ${r} = ${this.refFunction(target, "collect")}(${v});`,
      `if (${r} !== null) {`,
      `  for (let ${j} = 0; ${j} < ${r}.length; ${j}++) {`,
      `    (e ??= []).push([${prefix === null ? "" : `${prefix} + `}${r}[${j}][0], ${r}[${j}][1]]);`,
      `    if (e.length >= ${MAX_ERRORS}) return ${mode.finish};`,
      "  }",
      "}",
    ];
  }

  private emitArray(n: SchemaNode, v: string, path: Path, mode: Mode): string[] {
    const m = n.msg;
    const out: string[] = [];
    if (n.maxItems !== null) out.push(...this.failIf(`${v}.length > ${n.maxItems}`, path, m.maxItems, mode));
    if (n.minItems !== null) out.push(...this.failIf(`${v}.length < ${n.minItems}`, path, m.minItems, mode));
    if (n.uniqueItems) out.push(...this.failIf(`!${this.useUnique()}(${v})`, path, m.uniqueItems, mode));
    const prefixCount = n.prefixItems === null ? 0 : n.prefixItems.length;
    if (n.prefixItems !== null) {
      n.prefixItems.forEach((child, i) => {
        const x = this.fresh("v");
        const inner = this.emitNode(child, x, [...path, { text: `/${i}` }], mode);
        if (inner.length > 0) out.push(`if (${v}.length > ${i}) {`, ...indent(bind(x, `${v}[${i}]`, inner)), ...indent(inner), "}");
      });
    }
    if (n.items !== null) {
      const i = this.fresh("i");
      const x = this.fresh("v");
      const inner = this.emitNode(n.items, x, [...path, { expr: i }], mode);
      if (inner.length > 0) {
        out.push(`for (let ${i} = ${prefixCount}; ${i} < ${v}.length; ${i}++) {`, ...indent(bind(x, `${v}[${i}]`, inner)), ...indent(inner), "}");
      }
    }
    out.push(...this.emitContains(n, v, path, mode));
    return out;
  }

  /** `contains` with `minContains`/`maxContains`, for a `v` known to be an array. */
  private emitContains(n: SchemaNode, v: string, path: Path, mode: Mode): string[] {
    const m = n.msg;
    const out: string[] = [];
    if (n.contains !== null) {
      const count = this.fresh("c");
      const i = this.fresh("i");
      const [lines, ok] = this.boolBlock(n.contains, `${v}[${i}]`);
      const stop = n.maxContains === null ? `${count} >= ${n.minContains}` : `${count} > ${n.maxContains}`;
      out.push(
        `let ${count} = 0;`,
        `for (let ${i} = 0; ${i} < ${v}.length; ${i}++) {`,
        ...indent(lines),
        `  if (${ok}) {`,
        `    ${count}++;`,
        `    if (${stop}) break;`,
        "  }",
        "}",
      );
      out.push(...this.failIf(`${count} < ${n.minContains}`, path, m.minContains, mode));
      if (n.maxContains !== null) out.push(...this.failIf(`${count} > ${n.maxContains}`, path, m.maxContains, mode));
    }
    return out;
  }

  private emitObject(n: SchemaNode, v: string, path: Path, mode: Mode): string[] {
    const m = n.msg;
    const out: string[] = [];
    if (n.maxProperties !== null || n.minProperties !== null) {
      const count = this.fresh("c");
      const k = this.fresh("k");
      out.push(`let ${count} = 0;`, `for (const ${k} in ${v}) if (Object.hasOwn(${v}, ${k})) ${count}++;`);
      if (n.maxProperties !== null) out.push(...this.failIf(`${count} > ${n.maxProperties}`, path, m.maxProperties, mode));
      if (n.minProperties !== null) out.push(...this.failIf(`${count} < ${n.minProperties}`, path, m.minProperties, mode));
    }
    if (n.required !== null) {
      for (const r of n.required) out.push(...this.failIf(`!Object.hasOwn(${v}, ${lit(r)})`, [...path, seg(r)], FixedMessages.required, mode));
    }
    if (n.dependentRequired !== null) {
      for (const [key, deps] of n.dependentRequired) {
        if (deps.length === 0) continue;
        const inner: string[] = [];
        for (const d of deps) inner.push(...this.failIf(`!Object.hasOwn(${v}, ${lit(d)})`, [...path, seg(d)], dependentRequiredMessage(key), mode));
        out.push(`if (Object.hasOwn(${v}, ${lit(key)})) {`, ...indent(inner), "}");
      }
    }
    if (n.properties !== null) {
      for (const [key, child] of n.properties) {
        const x = this.fresh("v");
        const inner = this.emitNode(child, x, [...path, seg(key)], mode);
        if (inner.length > 0) out.push(`if (Object.hasOwn(${v}, ${lit(key)})) {`, ...indent(bind(x, `${v}[${lit(key)}]`, inner)), ...indent(inner), "}");
      }
    }
    if (n.propertyNames !== null || n.patternProperties !== null || n.additionalProperties !== null) {
      const k = this.fresh("k");
      const kp: Path = [...path, { expr: `${this.useEsc()}(${k})` }];
      const loop: string[] = [];
      if (n.propertyNames !== null) {
        const [lines, ok] = this.boolBlock(n.propertyNames, k);
        loop.push("{", ...indent(lines), ...indent(this.failIf(`!${ok}`, kp, FixedMessages.propertyName, mode)), "}");
      }
      const matched = n.additionalProperties !== null && n.patternProperties !== null ? this.fresh("pm") : null;
      if (matched !== null) loop.push(`let ${matched} = false;`);
      if (n.patternProperties !== null) {
        for (const [pi, child] of n.patternProperties) {
          if (pi.matcher === null) {
            loop.push(...this.fail(kp, lit(patternPropertyMessage(pi)), mode));
            continue;
          }
          const re = this.useRegex(pi);
          const x = this.fresh("v");
          const childLines = this.emitNode(child, x, kp, mode);
          const inner = [...(matched !== null ? [`${matched} = true;`] : []), ...bind(x, `${v}[${k}]`, childLines), ...childLines];
          if (pi.safe) loop.push(`if (${re}.test(${k})) {`, ...indent(inner), "}");
          else {
            loop.push(`if (${this.tooLong(k)}) {`, ...indent(this.fail(kp, lit(patternPropertyMessage(pi)), mode)));
            loop.push(`} else if (${re}.test(${k})) {`, ...indent(inner), "}");
          }
        }
      }
      if (n.additionalProperties !== null) {
        const x = this.fresh("v");
        const inner = this.emitNode(n.additionalProperties, x, kp, mode);
        if (inner.length > 0) {
          const conds = [];
          if (matched !== null) conds.push(`!${matched}`);
          if (n.propertySet.size > 0) conds.push(`!(${this.nameIn(k, n.propertySet)})`);
          const head = conds.length === 0 ? "{" : `if (${conds.join(" && ")}) {`;
          loop.push(head, ...indent(bind(x, `${v}[${k}]`, inner)), ...indent(inner), "}");
        }
      }
      if (loop.length > 0) out.push(`for (const ${k} in ${v}) {`, `  if (!Object.hasOwn(${v}, ${k})) continue;`, ...indent(loop), "}");
    }
    if (n.dependentSchemas !== null) {
      for (const [key, child] of n.dependentSchemas) {
        const inner = this.emitNode(child, v, path, mode);
        if (inner.length > 0) out.push(`if (Object.hasOwn(${v}, ${lit(key)})) {`, ...indent(inner), "}");
      }
    }
    return out;
  }

  // ----- the fast path: one boolean pass that checks JSON-ness and validity together

  /**
   * Lines that `return false;` unless `v` is a JSON value (at depth `d`) that `n` accepts.
   * Falling through means both hold; `false` may also be returned where the answer needs the
   * full check (the caller then runs it), never `true` where `validate()` would report.
   * JSON-ness is proven once per value, before anything else reads the value: by the node's
   * own keywords (type tests, a walk of every item or own key), else by the one in-place
   * subschema that is always applied (`$ref`, the first `allOf` member), else by `NAME_isj`.
   */
  private emitFast(n: SchemaNode, v: string, d: Depth): string[] {
    if (n.bool === true) return [`if (!${this.useIsJson()}(${v}, ${this.depthCode(d)})) return false;`];
    if (n.bool === false || n.broken !== null || n.refBroken !== null) return [FAIL];
    const bool: Mode = { kind: "bool", onFail: FAIL };
    if (!hasOwnKeywords(n)) {
      if (n.ref !== null) return [...this.emitFastRef(n.ref, v, d), ...this.emitInPlace(n, v, [], bool, "ref")];
      if (n.allOf !== null && n.allOf.length > 0) return [...this.emitFast(n.allOf[0], v, d), ...this.emitInPlace(n, v, [], bool, "allOf0")];
    }
    return [...this.emitFastOwn(n, v, d), ...this.emitInPlace(n, v, [], bool, null)];
  }

  /** The depth as an expression. */
  private depthCode(d: Depth): string {
    if (d.base === null) return String(d.off);
    this.depthUsed = true;
    return d.off === 0 ? d.base : `${d.base} + ${d.off}`;
  }

  /** An array or object at depth `d` is nested too deeply: "true", "false" or a condition. */
  private depthExceeded(d: Depth): string {
    const limit = MAX_VALUE_DEPTH - d.off;
    if (d.base === null) return limit <= 0 ? "true" : "false";
    if (limit <= 0) return "true";
    this.depthUsed = true;
    return `${d.base} >= ${limit}`;
  }

  private emitFastRef(target: SchemaNode, v: string, d: Depth): string[] {
    if (target.bool !== null || target.broken !== null) return this.emitFast(target, v, d);
    return [`if (!${this.refFunction(target, "fast")}(${v}, ${this.depthCode(d)})) return false;`];
  }

  private emitFastOwn(n: SchemaNode, v: string, d: Depth): string[] {
    const bool: Mode = { kind: "bool", onFail: FAIL };
    const out: string[] = [];
    // What `v` can still be after the type and enum tests; null: anything (not even JSON).
    let kinds: Set<Kind> | null = null;
    let finite = false;
    if (n.types !== null) {
      const tests = n.types.map((t) => fastTypeTest(t, v)).filter((t) => t !== "false");
      if (tests.length === 0) return [FAIL];
      // `{type: "string", enum: ["a", "b"]}`: the enum test alone decides.
      const types = n.types;
      const implied = (values: readonly unknown[] | null): boolean =>
        values !== null && values.every((x) => isPrimitive(x) && (typeof x !== "number" || Number.isFinite(x)) && types.some((t) => primitiveHasType(x, t)));
      if (!implied(n.enumValues) && !implied(n.hasConst ? [n.constValue] : null)) out.push(`if (!(${tests.join(" || ")})) return false;`);
      kinds = new Set(n.types.flatMap(kindsOfType));
      finite = true;
    }
    const narrow = (values: readonly unknown[]): void => {
      const ks = new Set<Kind>();
      let allFinite = true;
      for (const x of values) {
        const k = kindOfValue(x);
        ks.add(k);
        if (k === "number" && !Number.isFinite(x)) allFinite = false;
      }
      kinds = kinds === null ? ks : new Set([...kinds].filter((k) => ks.has(k)));
      if (allFinite) finite = true;
    };
    // Comparing with an array or object reads `v`: that waits until `v` is known to be JSON.
    const deferred: string[] = [];
    const equality = (values: readonly unknown[]): void => {
      const test = `if (!(${this.equalsAny(v, values)})) return false;`;
      if (values.every(isPrimitive)) {
        out.push(test);
        narrow(values);
      } else deferred.push(test);
    };
    if (n.enumValues !== null) equality(n.enumValues);
    if (n.hasConst) equality([n.constValue]);
    const can = (k: Kind): boolean => kinds === null || kinds.has(k);
    const branches: { cond: string; lines: string[] }[] = [];
    if (can("number")) {
      const lines = [...(finite ? [] : [`if (!Number.isFinite(${v})) return false;`]), ...this.numberChecks(n, v, [], bool)];
      if (lines.length > 0) branches.push({ cond: `typeof ${v} === "number"`, lines });
    }
    if (can("string")) {
      const lines = this.stringChecks(n, v, [], bool);
      if (lines.length > 0) branches.push({ cond: `typeof ${v} === "string"`, lines });
    }
    // The array branch comes before the object branch, which therefore needs no `!Array.isArray`.
    if (can("array")) branches.push({ cond: `Array.isArray(${v})`, lines: this.emitFastArray(n, v, d) });
    if (can("object")) branches.push({ cond: `typeof ${v} === "object" && ${v} !== null`, lines: this.emitFastObject(n, v, d) });
    const scalar = `${v} === null || typeof ${v} === "string" || typeof ${v} === "boolean" || Number.isFinite(${v})`;
    if (kinds !== null && kinds.size === 1 && branches.length === 1) return [...out, ...branches[0].lines, ...deferred];
    branches.forEach((b, i) => out.push(`${i === 0 ? "if" : "} else if"} (${b.cond}) {`, ...indent(b.lines)));
    if (kinds === null) {
      if (branches.length === 0) out.push(`if (!(${scalar})) return false;`);
      else out.push(`} else if (!(${scalar})) {`, `  ${FAIL}`, "}");
    } else if (branches.length > 0) out.push("}");
    return [...out, ...deferred];
  }

  private emitFastArray(n: SchemaNode, v: string, d: Depth): string[] {
    const deep = this.depthExceeded(d);
    if (deep === "true") return [FAIL];
    const out: string[] = deep === "false" ? [] : [`if (${deep}) return false;`];
    const inner = deeper(d);
    if (n.maxItems !== null) out.push(`if (${v}.length > ${n.maxItems}) return false;`);
    if (n.minItems !== null) out.push(`if (${v}.length < ${n.minItems}) return false;`);
    const prefixCount = n.prefixItems === null ? 0 : n.prefixItems.length;
    if (n.prefixItems !== null) {
      n.prefixItems.forEach((child, i) => {
        const x = this.fresh("v");
        const lines = this.emitFast(child, x, inner);
        out.push(`if (${v}.length > ${i}) {`, ...indent(bind(x, `${v}[${i}]`, lines)), ...indent(lines), "}");
      });
    }
    // Every item is read, so holes (read as `undefined`) fail too.
    const i = this.fresh("i");
    const x = this.fresh("v");
    const lines = n.items === null ? [`if (!${this.useIsJson()}(${x}, ${this.depthCode(inner)})) return false;`] : this.emitFast(n.items, x, inner);
    out.push(`for (let ${i} = ${prefixCount}; ${i} < ${v}.length; ${i}++) {`, ...indent(bind(x, `${v}[${i}]`, lines)), ...indent(lines), "}");
    // Only now are the items known to be JSON (finite, acyclic): compare and match them.
    if (n.uniqueItems) out.push(`if (!${this.useUnique()}(${v})) return false;`);
    out.push(...this.emitContains(n, v, [], { kind: "bool", onFail: FAIL }));
    return out;
  }

  /**
   * Own keys are visited once, with `for...in` (whose `hasOwnProperty` test V8 reduces to a map
   * check): each key the schema names sets a bit, the other values are checked on the spot.
   * A bit set means "own and enumerable"; a named key that is not enumerated but still reachable
   * (`in`, or own for names `Object.prototype` has) may be a non-enumerable own property, which
   * `validate()` would see through `Object.hasOwn`: the fast path gives up on it.
   */
  private emitFastObject(n: SchemaNode, v: string, d: Depth): string[] {
    const deep = this.depthExceeded(d);
    if (deep === "true") return [FAIL];
    const out: string[] = deep === "false" ? [] : [`if (${deep}) return false;`];
    const inner = deeper(d);
    const bool: Mode = { kind: "bool", onFail: FAIL };
    const hop = this.useHop();
    const p = this.fresh("p");
    const wordName = (w: number): string => `${p}s${w}`;
    const wordOf = (j: number): string => wordName(Math.floor(j / 30));
    const names = objectNames(n);
    const dispatch = names.length <= MAX_DISPATCH_NAMES;
    const props = n.properties ?? [];
    const bit = (name: string): string => {
      const j = names.indexOf(name);
      return `(${wordOf(j)} & ${1 << j % 30})`;
    };
    const own = (name: string): string => (dispatch ? `${bit(name)} !== 0` : `${hop}.call(${v}, ${lit(name)})`);

    // A `name in v` test first: it lets V8 know the object's map, so that reading the prototype
    // below becomes a constant. The test reads no value (no getter runs before the prototype is checked).
    let probe: { name: string; flag: string | null } | null = null;
    if (dispatch) {
      const first = names.find((x) => !(x in Object.prototype));
      if (first !== undefined) {
        const required = n.required !== null && n.required.includes(first);
        probe = { name: first, flag: required ? null : this.fresh("h") };
        out.push(probe.flag === null ? `if (!(${lit(first)} in ${v})) return false;` : `const ${probe.flag} = ${lit(first)} in ${v};`);
      }
    }
    out.push(`const ${p} = Object.getPrototypeOf(${v});`, `if (${p} !== Object.prototype && ${p} !== null && Object.getPrototypeOf(${p}) !== null) return false;`);

    if (!dispatch) {
      if (n.required !== null) for (const r of n.required) out.push(`if (!${own(r)}) return false;`);
      if (n.dependentRequired !== null) {
        for (const [key, deps] of n.dependentRequired) {
          if (deps.length > 0) out.push(`if (${own(key)} && !(${deps.map(own).join(" && ")})) return false;`);
        }
      }
      for (const [key, child] of props) {
        const x = this.fresh("v");
        const lines = this.emitFast(child, x, inner);
        out.push(`if (${own(key)}) {`, ...indent(bind(x, `${v}[${lit(key)}]`, lines)), ...indent(lines), "}");
      }
    }

    // The loop over own keys.
    const k = this.fresh("k");
    const x = this.fresh("v");
    const words = dispatch ? Math.ceil(names.length / 30) : 0;
    const count = n.maxProperties !== null || n.minProperties !== null ? this.fresh("c") : null;
    const body: string[] = [];
    if (count !== null) body.push(`${count}++;`);
    if (n.propertyNames !== null) body.push(...this.emitNode(n.propertyNames, k, [], bool));
    const matched = n.patternProperties !== null ? this.fresh("pm") : null;
    if (n.patternProperties !== null && matched !== null) {
      body.push(`let ${matched} = false;`);
      for (const [pi, child] of n.patternProperties) {
        if (pi.matcher === null) {
          body.push(FAIL);
          continue;
        }
        const re = this.useRegex(pi);
        if (!pi.safe) body.push(`if (${this.tooLong(k)}) return false;`);
        body.push(`if (${re}.test(${k})) {`, `  ${matched} = true;`, ...indent(this.emitFast(child, x, inner)), "}");
      }
    }
    const extra = n.additionalProperties === null ? [`if (!${this.useIsJson()}(${x}, ${this.depthCode(inner)})) return false;`] : this.emitFast(n.additionalProperties, x, inner);
    // The value is read where it is needed: up front for patterns, else by the extra keys only.
    const extraGuarded = matched === null ? [...bind(x, `${v}[${k}]`, extra), ...extra] : [`if (!${matched}) {`, ...indent(extra), "}"];
    if (dispatch) {
      const propSet = new Set(props.map(([key]) => key));
      const setBit = (name: string): string => {
        const j = names.indexOf(name);
        return `${wordOf(j)} |= ${1 << j % 30};`;
      };
      const chain = (list: readonly string[], rest: readonly string[]): string[] => {
        if (list.length === 0) return [...rest];
        const lines: string[] = [];
        list.forEach((name, j) => lines.push(`${j === 0 ? "if" : "} else if"} (${k} === ${lit(name)}) {`, `  ${setBit(name)}`));
        if (rest.length > 0) lines.push("} else {", ...indent(rest));
        lines.push("}");
        return lines;
      };
      const others = names.filter((name) => !propSet.has(name));
      body.push(...chain([...propSet], chain(others, []).concat(extraGuarded)));
    } else {
      const known = props.length === 0 ? null : this.nameIn(k, new Set(props.map(([key]) => key)));
      body.push(...(known === null ? extraGuarded : [`if (!(${known})) {`, ...indent(extraGuarded), "}"]));
    }
    const bodyRead = matched === null ? [] : bind(x, `${v}[${k}]`, body);
    for (let w = 0; w < words; w++) out.push(`let ${wordName(w)} = 0;`);
    if (count !== null) out.push(`let ${count} = 0;`);
    out.push(`for (const ${k} in ${v}) {`, `  if (!${hop}.call(${v}, ${k})) continue;`, ...indent(bodyRead), ...indent(body), "}");

    if (dispatch) {
      // Required names were enumerated; the other named keys are absent (not merely not enumerable).
      const required = new Set(n.required ?? []);
      const req = names.map((name, j) => (required.has(name) ? j : -1)).filter((j) => j >= 0);
      for (let w = 0; w < words; w++) {
        let mask = 0;
        for (const j of req) if (Math.floor(j / 30) === w) mask |= 1 << j % 30;
        if (mask !== 0) out.push(`if ((${wordName(w)} & ${mask}) !== ${mask}) return false;`);
      }
      for (const name of names) {
        if (required.has(name)) continue;
        const reachable = probe !== null && probe.name === name && probe.flag !== null ? probe.flag : name in Object.prototype ? `${hop}.call(${v}, ${lit(name)})` : `${lit(name)} in ${v}`;
        out.push(`if (${bit(name)} === 0 && ${reachable}) return false;`);
      }
      if (n.dependentRequired !== null) {
        for (const [key, deps] of n.dependentRequired) {
          if (deps.length > 0) out.push(`if (${own(key)} && !(${deps.map(own).join(" && ")})) return false;`);
        }
      }
    }
    if (count !== null) {
      if (n.maxProperties !== null) out.push(`if (${count} > ${n.maxProperties}) return false;`);
      if (n.minProperties !== null) out.push(`if (${count} < ${n.minProperties}) return false;`);
    }
    if (dispatch) {
      const required = new Set(n.required ?? []);
      for (const [key, child] of props) {
        const y = this.fresh("v");
        const lines = this.emitFast(child, y, inner);
        const read = [...bind(y, `${v}[${lit(key)}]`, lines), ...lines];
        if (required.has(key)) out.push("{", ...indent(read), "}");
        else out.push(`if (${own(key)}) {`, ...indent(read), "}");
      }
    }
    if (n.dependentSchemas !== null) {
      for (const [key, child] of n.dependentSchemas) {
        const lines = this.emitNode(child, v, [], bool);
        if (lines.length > 0) out.push(`if (${own(key)}) {`, ...indent(lines), "}");
      }
    }
    return out;
  }

  // ----- unevaluated*

  /** Boolean checks of in-place subschemas on the instance, computed once before the loop. */
  private flagFactory(v: string): { flag: (c: SchemaNode) => string; lines: string[] } {
    const flags = new Map<SchemaNode, string>();
    const lines: string[] = [];
    const flag = (c: SchemaNode): string => {
      let name = flags.get(c);
      if (name === undefined) {
        const [block, ok] = this.boolBlock(c, v);
        lines.push(...block);
        name = ok;
        flags.set(c, name);
      }
      return name;
    };
    return { flag, lines };
  }

  private emitUnevaluatedProperties(n: SchemaNode, target: SchemaNode, v: string, path: Path, mode: Mode): string[] {
    const k = this.fresh("k");
    const flags = this.flagFactory(v);
    const ev: Evaluation = { flag: flags.flag, memo: new Map(), lines: [] };
    const pred = this.propertyEvaluatedExpr(n, v, k, ev);
    const x = this.fresh("v");
    const inner = this.emitNode(target, x, [...path, { expr: `${this.useEsc()}(${k})` }], mode);
    if (inner.length === 0 || pred === "true") return [];
    return [
      `if (typeof ${v} === "object" && ${v} !== null && !Array.isArray(${v})) {`,
      ...indent(flags.lines),
      `  for (const ${k} in ${v}) {`,
      `    if (!Object.hasOwn(${v}, ${k})) continue;`,
      ...indent(indent(ev.lines)),
      ...(pred === "false" ? [] : [`    if (${pred}) continue;`]),
      ...indent(indent(bind(x, `${v}[${k}]`, inner))),
      ...indent(indent(inner)),
      "  }",
      "}",
    ];
  }

  private emitUnevaluatedItems(n: SchemaNode, target: SchemaNode, v: string, path: Path, mode: Mode): string[] {
    const i = this.fresh("i");
    const flags = this.flagFactory(v);
    const ev: Evaluation = { flag: flags.flag, memo: new Map(), lines: [] };
    const containsFlags = new Map<SchemaNode, string>();
    const containsFlag = (c: SchemaNode): string => {
      let name = containsFlags.get(c);
      if (name === undefined) {
        const [lines, ok] = this.boolBlock(c, `${v}[${i}]`);
        ev.lines.push(...lines);
        name = ok;
        containsFlags.set(c, name);
      }
      return name;
    };
    const pred = this.itemEvaluatedExpr(n, i, ev, containsFlag);
    const x = this.fresh("v");
    const inner = this.emitNode(target, x, [...path, { expr: i }], mode);
    if (inner.length === 0 || pred === "true") return [];
    return [
      `if (Array.isArray(${v})) {`,
      ...indent(flags.lines),
      `  for (let ${i} = 0; ${i} < ${v}.length; ${i}++) {`,
      ...indent(indent(ev.lines)),
      ...(pred === "false" ? [] : [`    if (${pred}) continue;`]),
      ...indent(indent(bind(x, `${v}[${i}]`, inner))),
      ...indent(indent(inner)),
      "  }",
      "}",
    ];
  }

  /** Names a non-trivial predicate once per key/index, so shared subschemas cost one line each. */
  private settle(n: SchemaNode, expr: string, ev: Evaluation): string {
    let out = expr;
    if (expr !== "true" && expr !== "false" && !/^[\w$]+$/.test(expr)) {
      out = this.fresh("ev");
      ev.lines.push(`const ${out} = ${expr};`);
    }
    ev.memo.set(n, out);
    return out;
  }

  /** Mirrors `propertyEvaluated` in manifest/validate.ts as an expression over precomputed flags. */
  private propertyEvaluatedExpr(n: SchemaNode, v: string, k: string, ev: Evaluation): string {
    const known = ev.memo.get(n);
    if (known !== undefined) return known;
    if (n.bool !== null || n.broken !== null) return this.settle(n, "false", ev);
    if (n.additionalProperties !== null) return this.settle(n, "true", ev);
    const parts: string[] = [];
    if (n.propertySet.size > 0) parts.push(`(${this.nameIn(k, n.propertySet)})`);
    if (n.patternProperties !== null) {
      for (const [pi] of n.patternProperties) {
        if (pi.matcher === null) continue;
        const re = this.useRegex(pi);
        parts.push(pi.safe ? `${re}.test(${k})` : `(!(${this.tooLong(k)}) && ${re}.test(${k}))`);
      }
    }
    parts.push(this.inPlaceExpr(n, v, ev.flag, true, (c) => (c.unevaluatedProperties !== null ? "true" : this.propertyEvaluatedExpr(c, v, k, ev))));
    return this.settle(n, or(parts), ev);
  }

  /** Mirrors `itemEvaluated` in manifest/validate.ts. */
  private itemEvaluatedExpr(n: SchemaNode, i: string, ev: Evaluation, containsFlag: (c: SchemaNode) => string): string {
    const known = ev.memo.get(n);
    if (known !== undefined) return known;
    if (n.bool !== null || n.broken !== null) return this.settle(n, "false", ev);
    if (n.items !== null) return this.settle(n, "true", ev);
    const parts: string[] = [];
    if (n.prefixItems !== null && n.prefixItems.length > 0) parts.push(`${i} < ${n.prefixItems.length}`);
    if (n.contains !== null) parts.push(containsFlag(n.contains));
    parts.push(this.inPlaceExpr(n, "", ev.flag, false, (c) => (c.unevaluatedItems !== null ? "true" : this.itemEvaluatedExpr(c, i, ev, containsFlag))));
    return this.settle(n, or(parts), ev);
  }

  private inPlaceExpr(n: SchemaNode, v: string, flag: (c: SchemaNode) => string, objects: boolean, by: (c: SchemaNode) => string): string {
    const live = (c: SchemaNode): string => (c.bool === null && c.broken === null ? by(c) : "false");
    const parts: string[] = [];
    if (n.ref !== null) parts.push(live(n.ref));
    if (n.allOf !== null) for (const m of n.allOf) parts.push(live(m));
    for (const list of [n.anyOf, n.oneOf]) {
      if (list === null) continue;
      for (const m of list) {
        const e = live(m);
        if (e !== "false") parts.push(`(${flag(m)} && ${e})`);
      }
    }
    if (n.if !== null) {
      const thenExpr = or([live(n.if), n.then === null ? "false" : live(n.then)]);
      const elseExpr = n.else === null ? "false" : live(n.else);
      if (thenExpr !== "false" || elseExpr !== "false") parts.push(`(${flag(n.if)} ? ${thenExpr} : ${elseExpr})`);
    }
    if (objects && n.dependentSchemas !== null) {
      for (const [key, d] of n.dependentSchemas) {
        const e = live(d);
        if (e !== "false") parts.push(`(Object.hasOwn(${v}, ${lit(key)}) && ${e})`);
      }
    }
    return or(parts);
  }
}

type RefKind = "bool" | "collect" | "fast";

/** The fast path gives up (the full check then runs). */
const FAIL = "return false;";

/** The name of a fast function's parameter `v`: `_v` where the body only fails (and so never reads it). */
function valueParam(body: readonly string[]): string {
  return body.every((l) => l === FAIL) ? "_v" : "v";
}

/** Objects whose schema names at most this many keys are checked with one dispatching loop. */
const MAX_DISPATCH_NAMES = 32;

/** Nesting depth of a value in fast-path code: `base + off`, `base` a parameter name or null (0). */
interface Depth {
  readonly base: string | null;
  readonly off: number;
}

function deeper(d: Depth): Depth {
  return { base: d.base, off: d.off + 1 };
}

/** JSON kinds of value (numbers: finite or not). */
type Kind = "string" | "number" | "boolean" | "null" | "array" | "object";

function kindsOfType(t: string): Kind[] {
  switch (t) {
    case "string":
    case "number":
    case "boolean":
    case "null":
    case "array":
    case "object":
      return [t];
    case "integer":
      return ["number"];
    default:
      return [];
  }
}

/** Does a JSON primitive have type `t` (as `hasType` in manifest/validate.ts)? */
function primitiveHasType(x: string | number | boolean | null, t: string): boolean {
  switch (t) {
    case "string":
    case "number":
    case "boolean":
      return typeof x === t;
    case "integer":
      return Number.isInteger(x);
    case "null":
      return x === null;
    default:
      return false;
  }
}

function kindOfValue(x: unknown): Kind {
  if (x === null) return "null";
  if (typeof x === "string" || typeof x === "number" || typeof x === "boolean") return typeof x as Kind;
  return Array.isArray(x) ? "array" : "object";
}

/** Like `typeTest`, but a number must also be finite (so the test proves the value is JSON, or an array or object). */
function fastTypeTest(t: string, v: string): string {
  switch (t) {
    case "number":
      return `Number.isFinite(${v})`;
    case "object":
      return `(typeof ${v} === "object" && ${v} !== null && !Array.isArray(${v}))`;
    default:
      return typeTest(t, v);
  }
}

/** Does the node have keywords of its own (beyond in-place applicators)? */
function hasOwnKeywords(n: SchemaNode): boolean {
  return (
    n.types !== null ||
    n.enumValues !== null ||
    n.hasConst ||
    n.multipleOf !== null ||
    n.maximum !== null ||
    n.exclusiveMaximum !== null ||
    n.minimum !== null ||
    n.exclusiveMinimum !== null ||
    n.maxLength !== null ||
    n.minLength !== null ||
    n.pattern !== null ||
    n.maxItems !== null ||
    n.minItems !== null ||
    n.uniqueItems ||
    n.prefixItems !== null ||
    n.items !== null ||
    n.contains !== null ||
    n.maxProperties !== null ||
    n.minProperties !== null ||
    n.required !== null ||
    n.dependentRequired !== null ||
    n.properties !== null ||
    n.patternProperties !== null ||
    n.additionalProperties !== null ||
    n.propertyNames !== null ||
    n.dependentSchemas !== null
  );
}

/** Every key whose presence an object node tests: `properties` first, in order, then the rest. */
function objectNames(n: SchemaNode): string[] {
  const names = new Set<string>();
  for (const [key] of n.properties ?? []) names.add(key);
  for (const r of n.required ?? []) names.add(r);
  for (const [key, deps] of n.dependentRequired ?? []) {
    names.add(key);
    for (const dep of deps) names.add(dep);
  }
  for (const [key] of n.dependentSchemas ?? []) names.add(key);
  return [...names];
}

/** Per-key (per-index) predicate state for `unevaluated*`. */
interface Evaluation {
  readonly flag: (c: SchemaNode) => string;
  readonly memo: Map<SchemaNode, string>;
  readonly lines: string[];
}

function or(parts: readonly string[]): string {
  const live = parts.filter((p) => p !== "false");
  if (live.includes("true")) return "true";
  if (live.length === 0) return "false";
  return live.length === 1 ? live[0] : `(${live.join(" || ")})`;
}

function typeTest(t: string, v: string): string {
  switch (t) {
    case "string":
    case "number":
    case "boolean":
      return `typeof ${v} === "${t}"`;
    case "integer":
      return `Number.isInteger(${v})`;
    case "null":
      return `${v} === null`;
    case "array":
      return `Array.isArray(${v})`;
    case "object":
      return `(typeof ${v} === "object" && ${v} !== null && !Array.isArray(${v}))`;
    default:
      return "false";
  }
}
