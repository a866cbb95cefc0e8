/**
 * fast-check generators for requests (LANGUAGE.md §10, §12 "Invariants and tests"):
 * arguments from the tools' input JSON Schemas, contexts from the `context` declaration
 * (its JSON Schema), sessions carrying any labels and earlier counts — every string and
 * number seeded with the policy's literals and their near-misses (literals.ts).
 *
 * Contract:
 * - Values are read from the schema's plan (manifest/validate.ts `planSchema`), so `$ref`,
 *   `allOf`, `anyOf`/`oneOf`, bounds, lengths, patterns, enums and `required` are honoured by
 *   construction; whatever is not (`not`, `if`, `contains`, ...) is left to the reference
 *   validator: `isValidFor` tells a caller which generated values to skip.
 *   Generated values are mostly valid, so skipping is rare.
 * - Unbounded numbers range over ±1e12 (the spec asks for at least ±1e9); integer bounds
 *   and their neighbours (±1) are always among the candidates.
 * - Never throws while building an arbitrary: a schema it cannot read yields values the
 *   validator rejects.
 */
import fc from "fast-check";
import type { SessionView, ToolRequest } from "@agentpolicy/runtime";
import type { JsonSchema } from "../manifest/types.js";
import { isMultipleOf, planSchema, validate, type SchemaNode } from "../manifest/validate.js";
import type { LiteralPool } from "./literals.js";

/** The session part of a generated request: labels carried and earlier allowed calls per tool. */
export interface SessionSample {
  readonly labels: readonly string[];
  readonly counts: Readonly<Record<string, number>>;
}

/** A generated request with the session it is decided in. */
export interface GeneratedRequest {
  readonly request: ToolRequest;
  readonly session: SessionSample;
}

/** Longest string or list built to a literal's length. */
const MAX_LITERAL_LENGTH = 2_000;

/** Default range of unbounded numbers. */
export const WIDE = 1e12;
/** Objects and arrays nested deeper than this are generated at their minimum size. */
const SHALLOW_DEPTH = 6;
/** Past this depth nothing is generated (a recursive schema yields an invalid value). */
const MAX_DEPTH = 16;
/** At most this many `anyOf`/`oneOf` groups are expanded for one value; the rest is left to the validator. */
const MAX_EXPANSIONS = 4;
/** Arrays hold at most this many items beyond their `minItems`. */
const EXTRA_ITEMS = 5;
/** Marker for "nothing valid can be generated here"; the validator rejects it. */
const IMPOSSIBLE = Symbol("impossible");

// ------------------------------------------------------------------------------- shapes

/** The keywords of one or more schema nodes that apply to one value, merged. */
interface Shape {
  types: Set<string> | null;
  enumValues: unknown[] | null;
  constValues: unknown[];
  min: number;
  minExclusive: boolean;
  max: number;
  maxExclusive: boolean;
  multipleOf: number[];
  minLength: number;
  maxLength: number;
  patterns: RegExp[];
  minItems: number;
  maxItems: number;
  uniqueItems: boolean;
  prefixItems: SchemaNode[][];
  items: SchemaNode[];
  properties: Map<string, SchemaNode[]>;
  required: Set<string>;
  additional: SchemaNode[];
  /** Groups of alternatives (`anyOf`, `oneOf`): one member of each group applies. */
  alternatives: SchemaNode[][];
  impossible: boolean;
}

function emptyShape(): Shape {
  return {
    types: null,
    enumValues: null,
    constValues: [],
    min: -Infinity,
    minExclusive: false,
    max: Infinity,
    maxExclusive: false,
    multipleOf: [],
    minLength: 0,
    maxLength: Infinity,
    patterns: [],
    minItems: 0,
    maxItems: Infinity,
    uniqueItems: false,
    prefixItems: [],
    items: [],
    properties: new Map(),
    required: new Set(),
    additional: [],
    alternatives: [],
    impossible: false,
  };
}

function cloneShape(s: Shape): Shape {
  return {
    ...s,
    types: s.types ? new Set(s.types) : null,
    enumValues: s.enumValues ? [...s.enumValues] : null,
    constValues: [...s.constValues],
    multipleOf: [...s.multipleOf],
    patterns: [...s.patterns],
    prefixItems: s.prefixItems.map((x) => [...x]),
    items: [...s.items],
    properties: new Map([...s.properties].map(([k, v]) => [k, [...v]])),
    required: new Set(s.required),
    additional: [...s.additional],
    alternatives: s.alternatives.map((g) => [...g]),
  };
}

/** Adds the keywords of `node` (and of what it applies in place: `$ref`, `allOf`) to `shape`. */
function absorb(shape: Shape, node: SchemaNode, depth: number): void {
  if (depth > MAX_DEPTH) {
    shape.impossible = true;
    return;
  }
  if (node.bool === true) return;
  if (node.bool === false || node.broken !== null || node.refBroken !== null) {
    shape.impossible = true;
    return;
  }
  if (node.types) {
    const t = new Set(node.types);
    // `integer` satisfies `number`
    if (t.has("number")) t.add("integer");
    if (shape.types === null) shape.types = t;
    else {
      const next = new Set<string>();
      for (const x of shape.types) if (t.has(x)) next.add(x);
      if (shape.types.has("number") && t.has("integer")) next.add("integer");
      shape.types = next;
    }
  }
  if (node.enumValues) shape.enumValues = shape.enumValues === null ? [...node.enumValues] : shape.enumValues.filter((v) => node.enumValues!.some((w) => JSON.stringify(w) === JSON.stringify(v)));
  if (node.hasConst) shape.constValues.push(node.constValue);
  if (node.minimum !== null && (node.minimum > shape.min || (node.minimum === shape.min && !shape.minExclusive))) {
    shape.min = node.minimum;
    shape.minExclusive = false;
  }
  if (node.exclusiveMinimum !== null && node.exclusiveMinimum >= shape.min) {
    shape.min = node.exclusiveMinimum;
    shape.minExclusive = true;
  }
  if (node.maximum !== null && (node.maximum < shape.max || (node.maximum === shape.max && !shape.maxExclusive))) {
    shape.max = node.maximum;
    shape.maxExclusive = false;
  }
  if (node.exclusiveMaximum !== null && node.exclusiveMaximum <= shape.max) {
    shape.max = node.exclusiveMaximum;
    shape.maxExclusive = true;
  }
  if (node.multipleOf !== null && node.multipleOf > 0) shape.multipleOf.push(node.multipleOf);
  if (node.minLength !== null) shape.minLength = Math.max(shape.minLength, node.minLength);
  if (node.maxLength !== null) shape.maxLength = Math.min(shape.maxLength, node.maxLength);
  if (node.pattern?.regex) shape.patterns.push(node.pattern.regex);
  if (node.minItems !== null) shape.minItems = Math.max(shape.minItems, node.minItems);
  if (node.maxItems !== null) shape.maxItems = Math.min(shape.maxItems, node.maxItems);
  if (node.uniqueItems) shape.uniqueItems = true;
  if (node.prefixItems) node.prefixItems.forEach((p, i) => (shape.prefixItems[i] ??= []).push(p));
  if (node.items) shape.items.push(node.items);
  if (node.properties) for (const [k, v] of node.properties) shape.properties.set(k, [...(shape.properties.get(k) ?? []), v]);
  if (node.required) for (const k of node.required) shape.required.add(k);
  if (node.additionalProperties) shape.additional.push(node.additionalProperties);
  if (node.anyOf && node.anyOf.length > 0) shape.alternatives.push([...node.anyOf]);
  if (node.oneOf && node.oneOf.length > 0) shape.alternatives.push([...node.oneOf]);
  if (node.ref) absorb(shape, node.ref, depth + 1);
  if (node.allOf) for (const m of node.allOf) absorb(shape, m, depth + 1);
}

// ------------------------------------------------------------------------------- builder

/** Builds arbitraries for schemas, seeded with one literal pool. Memoizes per schema. */
export class ValueGenerator {
  private readonly cache = new Map<JsonSchema, fc.Arbitrary<unknown>>();
  private readonly memo = new Map<SchemaNode, Map<string, fc.Arbitrary<unknown>>>();
  private readonly poolStrings: readonly string[];
  private readonly poolNumbers: readonly number[];
  private readonly regexArbs: fc.Arbitrary<string>[];

  constructor(private readonly pool: LiteralPool) {
    this.poolStrings = pool.strings;
    this.poolNumbers = pool.numbers;
    this.regexArbs = [];
    for (const source of pool.regexes) {
      try {
        this.regexArbs.push(fc.stringMatching(new RegExp(source, "u"), { maxLength: 60 }));
      } catch {
        // a pattern fast-check cannot read: its literal stays in the string pool
      }
    }
  }

  /** An arbitrary of values for `schema` (the schema is also the root of its local `$ref`s). */
  forSchema(schema: JsonSchema): fc.Arbitrary<unknown> {
    const cached = this.cache.get(schema);
    if (cached) return cached;
    let arb: fc.Arbitrary<unknown>;
    try {
      arb = this.nodes([planSchema(schema).root], 0);
    } catch {
      arb = fc.constant(IMPOSSIBLE);
    }
    this.cache.set(schema, arb);
    return arb;
  }

  /** INVARIANT: memoized per (nodes, depth), so recursive schemas build a bounded number of arbitraries. */
  private nodes(nodes: readonly SchemaNode[], depth: number): fc.Arbitrary<unknown> {
    if (nodes.length === 0) return this.anyValue(depth);
    let byKey = this.memo.get(nodes[0]);
    if (!byKey) {
      byKey = new Map();
      this.memo.set(nodes[0], byKey);
    }
    const key = `${nodes.map((n) => n.id).join(",")}@${depth}`;
    const hit = byKey.get(key);
    if (hit) return hit;
    const shape = emptyShape();
    for (const n of nodes) absorb(shape, n, depth);
    const arb = this.shape(shape, depth, 0, 0);
    byKey.set(key, arb);
    return arb;
  }

  /** `expansions` counts alternative groups expanded on the way here (a recursive `anyOf` adds groups). */
  private shape(shape: Shape, depth: number, altIndex: number, expansions: number): fc.Arbitrary<unknown> {
    if (shape.impossible || depth > MAX_DEPTH) return fc.constant(IMPOSSIBLE);
    if (altIndex < shape.alternatives.length && expansions < MAX_EXPANSIONS) {
      const group = shape.alternatives[altIndex];
      const options = group.slice(0, 8).map((member) => {
        const s = cloneShape(shape);
        s.alternatives = shape.alternatives.slice(0, altIndex).concat(shape.alternatives.slice(altIndex + 1));
        absorb(s, member, depth);
        // the member may bring alternatives of its own: continue after the ones already chosen
        return this.shape(s, depth, altIndex, expansions + 1);
      });
      return options.length === 1 ? options[0] : fc.oneof(...options);
    }
    if (shape.constValues.length > 0) return fc.constant(shape.constValues[0]);
    if (shape.enumValues !== null) return shape.enumValues.length > 0 ? fc.constantFrom(...shape.enumValues) : fc.constant(IMPOSSIBLE);

    const types = shape.types ?? inferTypes(shape);
    const arbs: fc.Arbitrary<unknown>[] = [];
    // simplest first, so shrinking moves towards it
    if (types.has("null")) arbs.push(fc.constant(null));
    if (types.has("boolean")) arbs.push(fc.boolean());
    if (types.has("string")) arbs.push(this.string(shape));
    if (types.has("number")) arbs.push(this.number(shape, false));
    else if (types.has("integer")) arbs.push(this.number(shape, true));
    if (types.has("array")) arbs.push(this.array(shape, depth));
    if (types.has("object")) arbs.push(this.object(shape, depth));
    if (arbs.length === 0) return fc.constant(IMPOSSIBLE);
    if (arbs.length === 1) return arbs[0];
    // strings and numbers are where policies look; weigh them up over null and booleans
    return fc.oneof(
      { withCrossShrink: true },
      ...arbs.map((arbitrary, i) => ({ arbitrary, weight: types.has("null") && i === 0 ? 1 : 3 })),
    );
  }

  private string(shape: Shape): fc.Arbitrary<unknown> {
    const { minLength, maxLength, patterns } = shape;
    const fits = (s: string) => {
      const n = [...s].length;
      return n >= minLength && n <= maxLength && patterns.every((p) => safeTest(p, s));
    };
    const pool = this.poolStrings.filter(fits);
    const cap = Math.min(maxLength, minLength + 24);
    const matching: fc.WeightedArbitrary<string>[] = [];
    for (const p of patterns.slice(0, 2)) {
      try {
        matching.push({ arbitrary: fc.stringMatching(p, { maxLength: Math.min(cap + 40, 200) }), weight: 6 });
      } catch {
        // fast-check cannot read the pattern: the other candidates and the validator remain
      }
    }
    if (matching.length > 0) {
      // a pattern decides what is valid: only strings built to match it, and the literals that do
      if (pool.length > 0) matching.push({ arbitrary: fc.constantFrom(...pool), weight: 3 });
      return fc.oneof({ withCrossShrink: true }, ...matching);
    }
    const weighted: fc.WeightedArbitrary<string>[] = [];
    if (cap >= minLength) weighted.push({ arbitrary: fc.string({ minLength, maxLength: cap }), weight: 3 });
    // lengths at the policy's own numbers (`args.name.length > 64`: 63, 64, 65 code points)
    const lengths = this.literalLengths(minLength, maxLength);
    if (lengths.length > 0) weighted.push({ arbitrary: fc.constantFrom(...lengths).map((n) => "x".repeat(n)), weight: 1 });
    if (pool.length > 0) weighted.push({ arbitrary: fc.constantFrom(...pool), weight: 5 });
    if (this.poolStrings.length > 0) {
      const glue = fc.constantFrom("", "/", "@", ".", "/../", " ", "-");
      weighted.push({
        arbitrary: fc.tuple(fc.constantFrom(...this.poolStrings), glue, fc.constantFrom(...this.poolStrings)).map(([a, g, b]) => a + g + b),
        weight: 1,
      });
      weighted.push({
        arbitrary: fc.tuple(fc.string({ maxLength: 6 }), fc.constantFrom(...this.poolStrings), fc.string({ maxLength: 6 })).map(([a, b, c]) => a + b + c),
        weight: 1,
      });
    }
    if (this.regexArbs.length > 0) weighted.push({ arbitrary: fc.oneof(...this.regexArbs), weight: 2 });
    if (cap >= minLength) weighted.push({ arbitrary: fc.string({ unit: "grapheme", minLength, maxLength: Math.max(minLength, Math.min(cap, 12)) }), weight: 1 });
    if (weighted.length === 0) return fc.constant(IMPOSSIBLE);
    return fc.oneof({ withCrossShrink: true }, ...weighted);
  }

  private number(shape: Shape, integer: boolean): fc.Arbitrary<unknown> {
    const fits = (n: number) =>
      (integer ? Number.isInteger(n) : true) &&
      (shape.minExclusive ? n > shape.min : n >= shape.min) &&
      (shape.maxExclusive ? n < shape.max : n <= shape.max) &&
      shape.multipleOf.every((m) => isMultipleOf(n, m));
    const lo = Number.isFinite(shape.min) ? shape.min : -WIDE;
    const hi = Number.isFinite(shape.max) ? shape.max : WIDE;
    const ilo = Math.max(Math.ceil(shape.minExclusive && Number.isInteger(lo) ? lo + 1 : lo), -Number.MAX_SAFE_INTEGER);
    const ihi = Math.min(Math.floor(shape.maxExclusive && Number.isInteger(hi) ? hi - 1 : hi), Number.MAX_SAFE_INTEGER);
    const weighted: fc.WeightedArbitrary<number>[] = [];

    const anchors = [0, 1, -1, ilo, ilo + 1, ihi - 1, ihi, Math.floor((lo + hi) / 2)].filter((n) => Number.isFinite(n) && fits(n));
    const pool = [...new Set([...anchors, ...this.poolNumbers.filter(fits)])];
    const step = shape.multipleOf.length > 0 ? Math.max(...shape.multipleOf) : null;
    if (step !== null) {
      const klo = Math.ceil(lo / step);
      const khi = Math.floor(hi / step);
      if (klo <= khi) weighted.push({ arbitrary: intIn(klo, khi).map((k) => tidy(k * step)), weight: 4 });
    } else if (ilo <= ihi) {
      const slo = Math.max(ilo, -100);
      const shi = Math.min(ihi, 100);
      if (slo <= shi) weighted.push({ arbitrary: intIn(slo, shi), weight: 3 });
      weighted.push({ arbitrary: intIn(ilo, ihi), weight: 2 });
    }
    if (pool.length > 0) weighted.push({ arbitrary: fc.constantFrom(...pool), weight: 5 });
    if (!integer && step === null && lo < hi) {
      weighted.push({
        arbitrary: fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true, minExcluded: shape.minExclusive, maxExcluded: shape.maxExclusive }),
        weight: 2,
      });
      const clo = Math.ceil(lo * 100);
      const chi = Math.floor(hi * 100);
      if (clo <= chi && Number.isSafeInteger(clo) && Number.isSafeInteger(chi)) weighted.push({ arbitrary: intIn(clo, chi).map((c) => tidy(c / 100)), weight: 1 });
    }
    if (weighted.length === 0) return fc.constant(IMPOSSIBLE);
    return fc.oneof({ withCrossShrink: true }, ...weighted);
  }

  /** Whole numbers of the literal pool usable as a length in `[min, max]` (capped: lengths cost memory). */
  private literalLengths(min: number, max: number): number[] {
    const cap = Math.min(max, MAX_LITERAL_LENGTH);
    return [...new Set(this.poolNumbers.filter((n) => Number.isInteger(n) && n >= min && n <= cap))];
  }

  private array(shape: Shape, depth: number): fc.Arbitrary<unknown> {
    const minLength = shape.minItems;
    const extra = depth >= SHALLOW_DEPTH ? 0 : EXTRA_ITEMS;
    // `items: false` allows nothing after the prefix
    const closed = shape.items.some((n) => n.bool === false);
    const maxLength = Math.min(shape.maxItems, minLength + extra, closed ? shape.prefixItems.length : Infinity);
    if (maxLength < minLength) return fc.constant(IMPOSSIBLE);
    if (maxLength === 0) return fc.constant([]);
    const item = closed ? fc.constant(IMPOSSIBLE) : shape.items.length > 0 ? this.nodes(shape.items, depth + 1) : this.anyValue(depth + 1);
    const prefix = shape.prefixItems.map((nodes) => this.nodes(nodes, depth + 1));
    const candidates: fc.WeightedArbitrary<unknown>[] = [];
    if (prefix.length === 0) {
      const arr =
        shape.uniqueItems && minLength <= 1
          ? fc.uniqueArray(item, { minLength, maxLength, selector: (v) => JSON.stringify(v) })
          : fc.array(item, { minLength, maxLength });
      candidates.push({ arbitrary: arr, weight: 4 });
    } else {
      const restMin = Math.max(0, minLength - prefix.length);
      const restMax = Math.max(restMin, maxLength - prefix.length);
      // fewer items than the prefix when `maxItems` says so
      const cut = Math.max(minLength, Math.min(prefix.length, maxLength));
      candidates.push({
        arbitrary: fc.tuple(fc.tuple(...prefix), fc.array(item, { minLength: restMin, maxLength: restMax })).map(([p, r]) => (r.length > 0 ? [...p, ...r] : p.slice(0, cut))),
        weight: 4,
      });
    }
    // lengths at the policy's own numbers (`args.skus.length <= 20`: 19, 20, 21 items)
    // Only near the root: a long list of recursive items would grow without bound.
    const lengths = depth <= 1 ? this.literalLengths(minLength, shape.maxItems) : [];
    if (prefix.length === 0 && lengths.length > 0 && !(shape.uniqueItems && minLength <= 1)) {
      candidates.push({ arbitrary: fc.constantFrom(...lengths).chain((n) => fc.array(item, { minLength: n, maxLength: n })), weight: 2 });
    }
    const lists = this.pool.lists.filter((l) => l.length >= minLength && l.length <= shape.maxItems);
    if (lists.length > 0) candidates.push({ arbitrary: fc.constantFrom(...lists), weight: 1 });
    return candidates.length === 1 ? candidates[0].arbitrary : fc.oneof({ withCrossShrink: true }, ...candidates);
  }

  private object(shape: Shape, depth: number): fc.Arbitrary<unknown> {
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    const required: string[] = [];
    const shallow = depth >= SHALLOW_DEPTH;
    const names = new Set<string>([...shape.properties.keys(), ...shape.required]);
    for (const name of names) {
      const isRequired = shape.required.has(name);
      if (shallow && !isRequired) continue;
      const nodes = shape.properties.get(name) ?? shape.additional;
      Object.defineProperty(model, name, {
        value: nodes.length > 0 ? this.nodes(nodes, depth + 1) : this.anyValue(depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      if (isRequired) required.push(name);
    }
    return fc.record(model, { requiredKeys: required }).map((o) => {
      // fc.record may build keys such as `__proto__` through assignment: copy into a plain object
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(o)) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      return out;
    });
  }

  /** Any JSON value, leaning on the literal pool. */
  private anyValue(depth: number): fc.Arbitrary<unknown> {
    const scalars: fc.Arbitrary<unknown>[] = [fc.constant(null), fc.boolean(), this.string(emptyShape()), this.number(emptyShape(), false)];
    if (depth >= SHALLOW_DEPTH) return fc.oneof(...scalars);
    return fc.oneof(
      { withCrossShrink: true },
      ...scalars,
      fc.array(fc.oneof(this.string(emptyShape()), this.number(emptyShape(), false)), { maxLength: 3 }),
    );
  }
}

/** Types a schema without `type` allows, judged by the keywords it uses. */
function inferTypes(shape: Shape): Set<string> {
  if (shape.properties.size > 0 || shape.required.size > 0) return new Set(["object"]);
  if (shape.items.length > 0 || shape.prefixItems.length > 0) return new Set(["array"]);
  if (Number.isFinite(shape.min) || Number.isFinite(shape.max) || shape.multipleOf.length > 0) return new Set(["number", "integer"]);
  if (shape.patterns.length > 0 || shape.minLength > 0 || Number.isFinite(shape.maxLength)) return new Set(["string"]);
  return new Set(["null", "boolean", "string", "number", "integer", "array", "object"]);
}

function safeTest(re: RegExp, s: string): boolean {
  try {
    re.lastIndex = 0;
    return re.test(s);
  } catch {
    return false;
  }
}

/** Integers in [lo, hi], shrinking towards 0 (or the bound nearest to it). */
export function intIn(lo: number, hi: number): fc.Arbitrary<number> {
  if (lo >= -0x7fffffff && hi <= 0x7fffffff) return fc.integer({ min: lo, max: hi });
  return fc.bigInt({ min: BigInt(lo), max: BigInt(hi) }).map((b) => Number(b));
}

/** Removes binary noise from k × step (0.07 rather than 0.07000000000000001). */
function tidy(n: number): number {
  const t = Number(n.toPrecision(15));
  return Object.is(t, -0) ? 0 : t;
}

// ------------------------------------------------------------------------------- requests

/** What a request generator draws from. */
export interface RequestSpace {
  /** Agent ids requests come from (at least one). */
  readonly agents: readonly string[];
  /** Qualified tool names, each with the input schemas it may have (diff: one per side). */
  readonly tools: readonly { readonly tool: string; readonly schemas: readonly JsonSchema[] }[];
  /** `context` schemas (one per policy that declares a context); empty: no context is sent. */
  readonly contextSchemas: readonly JsonSchema[];
  /** Label names a session may carry. */
  readonly labels: readonly string[];
  /** Qualified tool names a session may have earlier calls of. */
  readonly countTools: readonly string[];
}

/** Requests over a space: agent, tool, arguments, context, session id and session view. */
export function requestArbitrary(gen: ValueGenerator, space: RequestSpace, pool: LiteralPool): fc.Arbitrary<GeneratedRequest> {
  const agent = fc.constantFrom(...space.agents);
  const toolArbs = space.tools.map(({ tool, schemas }) => {
    const args = schemas.length === 1 ? gen.forSchema(schemas[0]) : fc.oneof(...schemas.map((s) => gen.forSchema(s)));
    return fc.record({ tool: fc.constant(tool), args });
  });
  const toolAndArgs = toolArbs.length === 1 ? toolArbs[0] : fc.oneof(...toolArbs);
  const context: fc.Arbitrary<unknown> =
    space.contextSchemas.length === 0
      ? fc.constant(undefined)
      : space.contextSchemas.length === 1
        ? gen.forSchema(space.contextSchemas[0])
        : fc.oneof(...space.contextSchemas.map((s) => gen.forSchema(s)));
  const sessionIds = pool.strings.length > 0 ? fc.oneof({ withCrossShrink: true }, fc.constant(""), fc.constantFrom(...pool.strings), fc.string({ maxLength: 8 })) : fc.oneof(fc.constant(""), fc.string({ maxLength: 8 }));
  const smallCounts = pool.numbers.filter((n) => Number.isInteger(n) && n >= 0 && n <= 1e6);
  const count = smallCounts.length > 0 ? fc.oneof({ withCrossShrink: true }, fc.nat({ max: 10 }), fc.constantFrom(...smallCounts)) : fc.nat({ max: 10 });
  const countModel: Record<string, fc.Arbitrary<number>> = {};
  for (const t of space.countTools) Object.defineProperty(countModel, t, { value: count, enumerable: true, writable: true, configurable: true });
  const counts = fc.record(countModel, { requiredKeys: [] });
  const labels = space.labels.length > 0 ? fc.subarray([...space.labels]) : fc.constant([] as string[]);

  return fc.record({ agent, toolAndArgs, context, session: sessionIds, labels, counts }).map(({ agent: a, toolAndArgs: ta, context: c, session, labels: l, counts: n }) => {
    const request: ToolRequest = {
      agent: a,
      tool: ta.tool,
      args: ta.args,
      ...(c === undefined ? {} : { context: c }),
      ...(session === "" ? {} : { session }),
    };
    const countsOut: Record<string, number> = {};
    for (const [k, v] of Object.entries(n)) if (v !== undefined) Object.defineProperty(countsOut, k, { value: v, enumerable: true, writable: true, configurable: true });
    return { request, session: { labels: [...l], counts: countsOut } };
  });
}

/** The `SessionView` of a sample. */
export function sessionViewOf(s: SessionSample): SessionView {
  return { labels: new Set(s.labels), counts: new Map(Object.entries(s.counts)) };
}

/** Whether a generated value is a valid instance of its schema (impossible markers never are). */
export function isValidFor(schema: JsonSchema, value: unknown): boolean {
  if (containsMarker(value, 0)) return false;
  return validate(schema, value).length === 0;
}

function containsMarker(v: unknown, depth: number): boolean {
  if (v === IMPOSSIBLE) return true;
  if (depth > 64 || typeof v !== "object" || v === null) return false;
  for (const x of Array.isArray(v) ? v : Object.values(v)) if (containsMarker(x, depth + 1)) return true;
  return false;
}
