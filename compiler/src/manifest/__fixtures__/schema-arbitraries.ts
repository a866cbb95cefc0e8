/**
 * fast-check arbitraries for JSON Schemas and JSON values, shared by the validator tests
 * (validate.test.ts against ajv, validator-codegen.test.ts against validate()). Schemas are
 * small and bounded; values are drawn from pools that hit the schemas' edges (property names
 * like `__proto__`, numbers near bounds and multiples, strings of 0–4 code points, astral ones).
 */
import fc from "fast-check";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Property names used by schemas and values alike. */
export const KEYS = ["a", "b", "c", "__proto__", "constructor", "x1", "a/b", "~t"] as const;

/** Builds an object with own properties (a `__proto__` key stays an own property, as JSON.parse makes it). */
export function objectOf(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

const STRINGS = ["", "a", "ab", "abc", "abcd", "b", "ba", "x1", "12", "é", "😀", "a😀", "😀😀😀", "A", "\u0000", "aa"];
const NUMBERS = [0, -0, 1, -1, 1.5, 2, 2.5, 3, 4, 5, 6, 0.25, 0.75, 10, 100, -3.5, 7];
const SAFE_PATTERNS = ["^a", "b$", "^[a-c]*$", "\\d", "^.{2}$", "é", "^\\p{L}+$", "x|y", "^(ab)+$", "^a?b?$"];
const KEY_PATTERNS = ["^x", "b$", "^_", "/", "^[a-c]$"];

export const valueArb: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom<unknown>(null, true, false),
    fc.constantFrom(...NUMBERS),
    fc.constantFrom(...STRINGS),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.array(fc.tuple(fc.constantFrom<string>(...KEYS), tie("value")), { maxLength: 4 }).map(objectOf),
  ),
})).value;

type Schema = boolean | Record<string, unknown>;

const typeNames = ["string", "number", "integer", "boolean", "null", "array", "object"] as const;

function optionalKeys(parts: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(parts);
  return fc
    .tuple(...keys.map((k) => fc.option(parts[k], { nil: undefined, freq: 2 })))
    .map((vals) => {
      const o: Record<string, unknown> = {};
      vals.forEach((v, i) => {
        if (v !== undefined) o[keys[i]] = v;
      });
      return o;
    });
}

function smallInt(max = 4): fc.Arbitrary<number> {
  return fc.integer({ min: 0, max });
}

/**
 * Schemas; `refs` lists `$ref` targets that may be used (e.g. `#/$defs/d0`). With `forAjv`, one
 * array schema never holds `contains` together with `prefixItems` or `unevaluatedItems` (see
 * `ajvKnownDeparture`).
 */
export function schemaArb(refs: readonly string[] = [], maxDepth = 3, forAjv = false): fc.Arbitrary<Schema> {
  const { schema } = fc.letrec<{ schema: Schema }>((tie) => {
    const sub = (): fc.Arbitrary<Schema> => tie("schema");
    const typeKw = fc.oneof(fc.constantFrom(...typeNames), fc.uniqueArray(fc.constantFrom(...typeNames), { minLength: 1, maxLength: 3 }));
    const strings = optionalKeys({
      minLength: smallInt(),
      maxLength: smallInt(),
      pattern: fc.constantFrom(...SAFE_PATTERNS),
      format: fc.constantFrom("email", "uri", "date-time"),
    });
    const numbers = optionalKeys({
      minimum: fc.constantFrom(-1, 0, 1, 2.5),
      maximum: fc.constantFrom(0, 2, 5, 10),
      exclusiveMinimum: fc.constantFrom(-1, 0, 1.5),
      exclusiveMaximum: fc.constantFrom(1, 3, 7),
      multipleOf: fc.constantFrom(1, 2, 3, 0.5, 0.25, 2.5),
    });
    const arrays = optionalKeys({
      items: sub(),
      prefixItems: fc.array(sub(), { minLength: 1, maxLength: 2 }),
      minItems: smallInt(3),
      maxItems: smallInt(3),
      uniqueItems: fc.boolean(),
      contains: sub(),
      minContains: smallInt(2),
      maxContains: smallInt(2),
      unevaluatedItems: sub(),
    }).map((o) => {
      if (forAjv && Object.hasOwn(o, "contains")) {
        delete o.prefixItems;
        delete o.unevaluatedItems;
      }
      return o;
    });
    const objects = optionalKeys({
      properties: fc.array(fc.tuple(fc.constantFrom<string>(...KEYS), sub()), { maxLength: 3 }).map(objectOf),
      required: fc.uniqueArray(fc.constantFrom<string>(...KEYS), { maxLength: 3 }),
      additionalProperties: sub(),
      patternProperties: fc.array(fc.tuple(fc.constantFrom(...KEY_PATTERNS), sub()), { maxLength: 2 }).map(objectOf),
      propertyNames: fc.constantFrom<Schema>({ maxLength: 1 }, { pattern: "^[a-c]" }, { not: { const: "constructor" } }),
      minProperties: smallInt(3),
      maxProperties: smallInt(3),
      dependentRequired: fc.array(fc.tuple(fc.constantFrom<string>(...KEYS), fc.uniqueArray(fc.constantFrom<string>(...KEYS), { maxLength: 2 })), { maxLength: 2 }).map(objectOf),
      dependentSchemas: fc.array(fc.tuple(fc.constantFrom<string>(...KEYS), sub()), { maxLength: 1 }).map(objectOf),
      unevaluatedProperties: sub(),
    });
    const combinators = optionalKeys({
      allOf: fc.array(sub(), { minLength: 1, maxLength: 2 }),
      anyOf: fc.array(sub(), { minLength: 1, maxLength: 3 }),
      oneOf: fc.array(sub(), { minLength: 1, maxLength: 3 }),
      not: sub(),
    });
    const conditional = fc.tuple(sub(), fc.option(sub(), { nil: undefined }), fc.option(sub(), { nil: undefined })).map(([i, t, e]) => {
      const o: Record<string, unknown> = { if: i };
      if (t !== undefined) o.then = t;
      if (e !== undefined) o.else = e;
      if (t === undefined && e === undefined) o.then = false;
      return o;
    });
    const literal = fc.oneof(fc.constantFrom<unknown>(null, true, false), fc.constantFrom(...NUMBERS.filter((n) => !Object.is(n, -0))), fc.constantFrom(...STRINGS));
    const leaf = fc.oneof(
      fc.constant<Schema>(true),
      fc.constant<Schema>(false),
      fc.constant<Schema>({}),
      typeKw.map((type) => ({ type })),
      fc.tuple(fc.option(typeKw, { nil: undefined }), strings).map(([type, s]) => (type === undefined ? s : { type, ...s })),
      fc.tuple(fc.option(typeKw, { nil: undefined }), numbers).map(([type, s]) => (type === undefined ? s : { type, ...s })),
      fc.array(fc.oneof(literal, fc.constant<unknown>([1, "a"]), fc.constant<unknown>({ a: 1 })), { minLength: 1, maxLength: 4 }).map((e) => ({ enum: e })),
      fc.oneof(literal, fc.constant<unknown>({ a: [1] })).map((c) => ({ const: c })),
      ...(refs.length > 0 ? [fc.constantFrom(...refs).map((r) => ({ $ref: r }))] : []),
    );
    return {
      schema: fc.oneof(
        { depthSize: "small", maxDepth, withCrossShrink: true },
        leaf,
        fc.tuple(fc.option(typeKw, { nil: undefined }), arrays).map(([type, s]) => (type === undefined ? s : { type, ...s })),
        fc.tuple(fc.option(typeKw, { nil: undefined }), objects).map(([type, s]) => (type === undefined ? s : { type, ...s })),
        combinators,
        conditional,
      ),
    };
  });
  return schema;
}

/** A root schema with `$defs` (d0, d1: without references) that its body may reference. */
export function rootSchemaArb(forAjv = false): fc.Arbitrary<Schema> {
  return fc
    .tuple(schemaArb([], 2, forAjv), schemaArb([], 2, forAjv), schemaArb(["#/$defs/d0", "#/$defs/d1"], 3, forAjv))
    .map(([d0, d1, body]) => (typeof body === "boolean" ? body : { ...body, $defs: { d0, d1 } }));
}

/** Does the schema use `contains` and `unevaluatedItems` together (ajv marks every item evaluated by `contains`)? */
export function mixesContainsAndUnevaluatedItems(schema: unknown): boolean {
  const text = JSON.stringify(schema);
  return text.includes('"contains"') && text.includes('"unevaluatedItems"');
}

/** Does the schema use `if` without `then` and `else` (ajv ignores it, so its annotations are lost)? */
export function hasBareIf(schema: unknown): boolean {
  let found = false;
  const walk = (s: unknown): void => {
    if (found || typeof s !== "object" || s === null) return;
    if (Array.isArray(s)) return s.forEach(walk);
    const o = s as Record<string, unknown>;
    if (Object.hasOwn(o, "if") && !Object.hasOwn(o, "then") && !Object.hasOwn(o, "else")) found = true;
    for (const k of Object.keys(o)) walk(o[k]);
  };
  walk(schema);
  return found;
}

/**
 * Schemas on which ajv 8 is known to depart from 2020-12, excluded from the oracle comparison:
 * `contains` with `unevaluatedItems` (ajv marks every item evaluated), and `contains` beside
 * `prefixItems` (ajv skips `contains` on an empty array: `{prefixItems: [{type: "string"}],
 * contains: {}}` accepts `[]`).
 */
export function ajvKnownDeparture(schema: unknown): boolean {
  if (mixesContainsAndUnevaluatedItems(schema)) return true;
  let found = false;
  const walk = (s: unknown): void => {
    if (found || typeof s !== "object" || s === null) return;
    if (Array.isArray(s)) return s.forEach(walk);
    const o = s as Record<string, unknown>;
    if (Object.hasOwn(o, "contains") && Object.hasOwn(o, "prefixItems")) found = true;
    for (const k of Object.keys(o)) walk(o[k]);
  };
  walk(schema);
  return found;
}
