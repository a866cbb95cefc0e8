/**
 * The small functions a generated guard module defines for itself, as TypeScript source.
 * Each one mirrors one check of the reference interpreter (interpret/evaluate-expr.ts,
 * interpret/request.ts, interpret/limits.ts, interpret/redact.ts) with the same meaning; a
 * module includes only the helpers its code calls (plus their dependencies).
 */

export interface HelperSource {
  readonly code: string;
  /** Other local helpers it calls. */
  readonly deps: readonly string[];
  /** Values it imports from the runtime. */
  readonly runtime: readonly string[];
  /** Types it imports from the runtime. */
  readonly types?: readonly string[];
}

export const HELPERS: Readonly<Record<string, HelperSource>> = {
  describe: {
    deps: [],
    runtime: [],
    code: `/** A value's kind, for error messages (\`missing\`, \`null\`, \`a string\`, ...). */
function describe(v: unknown): string {
  if (v === undefined) return "missing";
  if (v === null) return "null";
  if (typeof v === "string") return "a string";
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : "a number";
  if (typeof v === "boolean") return "a boolean";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a record";
  return \`a \${typeof v}\`;
}`,
  },
  raise: {
    deps: [],
    runtime: ["EvaluationError"],
    code: `/** An evaluation error: the rule errs (an erring allow does not apply; deny and review do). */
function raise(message: string): never {
  throw new EvaluationError(message);
}`,
  },
  fail: {
    deps: ["raise"],
    runtime: [],
    code: `function fail(what: string, message: string): never {
  return raise(\`\\\`\${what}\\\`: \${message}\`);
}`,
  },
  str: {
    deps: ["fail", "describe"],
    runtime: [],
    code: `function str(v: unknown, what: string): string {
  return typeof v === "string" ? v : fail(what, \`expected a string, found \${describe(v)}\`);
}`,
  },
  num: {
    deps: ["fail", "describe"],
    runtime: [],
    code: `function num(v: unknown, what: string): number {
  return typeof v === "number" ? v : fail(what, \`expected a number, found \${describe(v)}\`);
}`,
  },
  bool: {
    deps: ["fail", "describe"],
    runtime: [],
    code: `function bool(v: unknown, what: string): boolean {
  return typeof v === "boolean" ? v : fail(what, \`expected a boolean, found \${describe(v)}\`);
}`,
  },
  list: {
    deps: ["fail", "describe"],
    runtime: [],
    code: `function list(v: unknown, what: string): readonly unknown[] {
  return Array.isArray(v) ? v : fail(what, \`expected a list, found \${describe(v)}\`);
}`,
  },
  rec: {
    deps: ["fail", "describe", "isRecord"],
    runtime: [],
    code: `function rec(v: unknown, what: string): Rec {
  return isRecord(v) ? v : fail(what, \`expected a record, found \${describe(v)}\`);
}`,
  },
  present: {
    deps: ["raise"],
    runtime: [],
    code: `/** A value that must not be missing (\`==\`, \`in\`, \`.contains\`, list elements). */
function present<T>(v: T | undefined, message: string): T {
  return v === undefined ? raise(message) : v;
}`,
  },
  fin: {
    deps: ["fail"],
    runtime: [],
    code: `/** Arithmetic never yields NaN or ±Infinity: such a result is an evaluation error. */
function fin(n: number, what: string): number {
  return Number.isFinite(n) ? n : fail(what, \`the result is not a finite number (\${n})\`);
}`,
  },
  own: {
    deps: [],
    runtime: [],
    code: `/** An own field (inherited names such as \`constructor\` read as missing). */
function own(o: Rec, name: string): unknown {
  return Object.hasOwn(o, name) ? o[name] : undefined;
}`,
  },
  SURROGATE: {
    deps: [],
    runtime: [],
    code: `/** Any UTF-16 surrogate code unit (no \`u\` flag: pairs match too). */
const SURROGATE = /[\\uD800-\\uDFFF]/;`,
  },
  cpLength: {
    deps: ["SURROGATE"],
    runtime: ["codePointLength"],
    code: `/** String \`.length\` (code points): the UTF-16 length unless the string holds a surrogate (then the runtime counts). */
function cpLength(s: string): number {
  return SURROGATE.test(s) ? codePointLength(s) : s.length;
}`,
  },
  member: {
    deps: ["fail", "describe", "isRecord", "cpLength"],
    runtime: [],
    code: `/** \`v.name\` where the type of \`v\` is not known statically. */
function member(v: unknown, name: string, what: string): unknown {
  if (v === undefined || v === null) return fail(what, \`cannot read \\\`\${name}\\\` of \${describe(v)}\`);
  if (name === "length" && typeof v === "string") return cpLength(v);
  if (name === "length" && Array.isArray(v)) return v.length;
  if (isRecord(v)) return Object.hasOwn(v, name) ? v[name] : undefined;
  return fail(what, \`\${describe(v)} has no member \\\`\${name}\\\`\`);
}`,
  },
  contains: {
    deps: ["fail", "describe", "listHas"],
    runtime: [],
    code: `/** \`v.contains(x)\` where the type of \`v\` is not known statically. */
function contains(v: unknown, x: unknown, what: string): boolean {
  if (typeof v === "string") return typeof x === "string" ? v.includes(x) : fail(what, \`\\\`.contains()\\\` needs a string, found \${describe(x)}\`);
  if (Array.isArray(v)) return x === undefined ? fail(what, "the argument of \`.contains()\` is missing") : listHas(v, x);
  return fail(what, \`cannot call \\\`.contains()\\\` on \${describe(v)}\`);
}`,
  },
  listHas: {
    deps: [],
    runtime: ["deepEqual"],
    code: `/** Deep membership (\`in\`, \`.contains\`). */
function listHas(items: readonly unknown[], x: unknown): boolean {
  for (let i = 0; i < items.length; i++) if (deepEqual(items[i], x)) return true;
  return false;
}`,
  },
  makeRecord: {
    deps: [],
    runtime: [],
    code: `/** A record literal: every key (\`__proto__\` included) becomes an own field. */
function makeRecord(entries: readonly (readonly unknown[])[]): Rec {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(out, String(k), { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}`,
  },
  isRecord: {
    deps: [],
    runtime: [],
    code: `function isRecord(v: unknown): v is Rec {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}`,
  },
  errorMessage: {
    deps: [],
    runtime: ["EvaluationError"],
    code: `function errorMessage(e: unknown): string {
  if (e instanceof EvaluationError) return e.message;
  if (e instanceof Error) return \`evaluation failed: \${e.message}\`;
  return "evaluation failed";
}`,
  },
  addError: {
    deps: ["errorMessage"],
    runtime: [],
    types: ["RuleError"],
    code: `/** Records the error of a rule (listed whatever the effect). */
function addError(errors: RuleError[] | null, rule: RuleInfo, e: unknown): RuleError[] {
  const entry: RuleError = { rule: rule.id, message: errorMessage(e) };
  if (errors === null) return [entry];
  errors.push(entry);
  return errors;
}`,
  },
  decided: {
    deps: ["buildVerdict"],
    runtime: [],
    types: ["RuleError", "Verdict"],
    code: `/**
 * The verdict of a tier: its rules whose bit is set in \`mask\`. Without errors the verdict is
 * frozen and shared by every request with the same outcome (cached by mask).
 */
function decided(tier: Tier, mask: number, errors: RuleError[] | null): Verdict {
  if (errors !== null || mask >= 1024) return buildVerdict(tier, [mask], errors ?? NO_ERRORS);
  let v = tier.cache[mask];
  if (v === undefined) {
    v = buildVerdict(tier, [mask], NO_ERRORS);
    tier.cache[mask] = v;
  }
  return v;
}`,
  },
  decidedWide: {
    deps: ["buildVerdict"],
    runtime: [],
    types: ["RuleError", "Verdict"],
    code: `/** \`decided\` for a tier of more than 30 rules (one mask word per 30). */
function decidedWide(tier: Tier, masks: readonly number[], errors: RuleError[] | null): Verdict {
  return buildVerdict(tier, masks, errors ?? NO_ERRORS);
}`,
  },
  buildVerdict: {
    deps: [],
    runtime: [],
    types: ["RuleError", "Verdict"],
    code: `function buildVerdict(tier: Tier, masks: readonly number[], errors: readonly RuleError[]): Verdict {
  const rules: string[] = [];
  const reasons: string[] = [];
  const merged = new Map<string, string>();
  for (let i = 0; i < tier.rules.length; i++) {
    if ((masks[Math.floor(i / 30)] & (1 << i % 30)) === 0) continue;
    const r = tier.rules[i];
    rules.push(r.id);
    if (r.because !== null) reasons.push(r.because);
    for (const [k, v] of r.annotations) merged.set(k, v);
  }
  const annotations = merged.size === 0 ? NO_ANNOTATIONS : Object.freeze(Object.fromEntries(merged));
  return Object.freeze({ effect: tier.effect, rules: Object.freeze(rules), reasons: Object.freeze(reasons), errors, tool: tier.tool, annotations });
}`,
  },
  invalid: {
    deps: [],
    runtime: [],
    types: ["Verdict"],
    code: `/** A request refused before the rules (\`invalid_request\`, \`unknown_tool\`, \`invalid_arguments\`, \`invalid_context\`). */
function invalid(rule: string, reasons: readonly string[], tool: string | null): Verdict {
  return Object.freeze({ effect: "deny", rules: Object.freeze([rule]), reasons: Object.freeze(reasons), errors: NO_ERRORS, tool, annotations: NO_ANNOTATIONS });
}`,
  },
  byKey: {
    deps: ["describe"],
    runtime: ["limitKey", "LimitKeyError"],
    code: `/** The counter key of a limit with \`by\`: the value must be present and have a JSON form. */
function byKey(id: string, value: unknown, window: number | "session" | null, session: string): string {
  if (value === undefined) throw new LimitKeyError(id, \`the \\\`by\\\` key of limit \\\`\${id}\\\` is \${describe(value)}\`);
  return limitKey({ by: value }, window, session);
}`,
  },
  limitKeyError: {
    deps: ["errorMessage"],
    runtime: ["LimitKeyError"],
    code: `function limitKeyError(id: string, e: unknown): LimitKeyError {
  return e instanceof LimitKeyError ? e : new LimitKeyError(id, errorMessage(e));
}`,
  },
  tokenCount: {
    deps: [],
    runtime: [],
    code: `function tokenCount(n: unknown): number {
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : 0;
}`,
  },
  usageCost: {
    deps: ["tokenCount"],
    runtime: [],
    types: ["Usage"],
    code: `/** What a usage report costs, in integer micro-dollars (priced tokens, else \`costUsd\`, else 0). */
function usageCost(usage: Usage): number {
  const price = typeof usage.model === "string" ? PRICES.get(usage.model) : undefined;
  if (price !== undefined) {
    return Math.ceil((tokenCount(usage.inputTokens) * price.input + tokenCount(usage.outputTokens) * price.output) / 1_000_000);
  }
  const usd = usage.costUsd;
  if (typeof usd === "number" && Number.isFinite(usd) && usd > 0) return Math.ceil(Number((usd * 1_000_000).toPrecision(15)));
  return 0;
}`,
  },
  redactPath: {
    deps: ["isRecord", "makeRecord"],
    runtime: [],
    code: `/** \`value\` with what lies at \`path\` (property names; \`*\` = every list element) replaced by "[redacted]"; copies only what changes. */
function redactPath(value: unknown, path: readonly string[], i: number): unknown {
  if (i === path.length) return "[redacted]";
  const step = path[i];
  if (step === "*" && Array.isArray(value)) {
    let changed = false;
    const copy = value.map((el: unknown) => {
      const r = redactPath(el, path, i + 1);
      if (r !== el) changed = true;
      return r;
    });
    return changed ? copy : value;
  }
  if (isRecord(value) && Object.hasOwn(value, step)) {
    const before = value[step];
    const after = redactPath(before, path, i + 1);
    if (after === before) return value;
    return makeRecord(Object.entries(value).map(([k, v]) => [k, k === step ? after : v]));
  }
  return value;
}`,
  },
};

/** `names` with every dependency, in a stable order (dependencies first). */
export function withDependencies(names: Iterable<string>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (n: string) => {
    if (seen.has(n)) return;
    seen.add(n);
    const h = HELPERS[n];
    if (h === undefined) return;
    for (const d of h.deps) visit(d);
    out.push(n);
  };
  for (const n of [...names].sort()) visit(n);
  return out;
}
