/**
 * RFC 8785 JSON Canonicalization Scheme (JCS) over run-time values.
 *
 * Contract:
 * - object members sorted by their names compared as UTF-16 code unit sequences, no whitespace;
 * - numbers as ECMAScript `Number::toString` (so `1.0` → `1`, `-0` → `0`, `1e21` → `1e+21`);
 *   NaN and ±Infinity are not JSON and throw;
 * - strings as ECMAScript `JSON.stringify` writes them (RFC 8785 §3.2.2.2): `\b \t \n \f \r \" \\`,
 *   other controls as `\u00xx`, everything else literal. A lone surrogate, which RFC 8785 rejects,
 *   is written as a `\udxxx` escape instead, so the function stays total on every string that
 *   `JSON.parse` can produce;
 * - an object member whose value is `undefined` is omitted (a missing field); `undefined` anywhere
 *   else (top level, array element, hole), functions, symbols, bigints and cycles throw;
 * - any non-array object is serialized as the record of its own enumerable string keys.
 *
 * Throws `EvaluationError` on values that have no canonical form.
 */

import { EvaluationError } from "./errors.js";

export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  try {
    write(value, out, new Set<object>());
  } catch (error) {
    if (error instanceof EvaluationError) throw error;
    // e.g. RangeError on absurd nesting depth
    throw new EvaluationError(`value has no canonical JSON form: ${(error as Error)?.message ?? String(error)}`);
  }
  return out.join("");
}

function write(value: unknown, out: string[], open: Set<object>): void {
  switch (typeof value) {
    case "string":
      out.push(JSON.stringify(value));
      return;
    case "number":
      if (!Number.isFinite(value)) throw new EvaluationError(`${String(value)} is not a JSON number`);
      out.push(Object.is(value, -0) ? "0" : String(value));
      return;
    case "boolean":
      out.push(value ? "true" : "false");
      return;
    case "object":
      if (value === null) {
        out.push("null");
        return;
      }
      if (open.has(value)) throw new EvaluationError("value is cyclic");
      open.add(value);
      if (Array.isArray(value)) writeArray(value, out, open);
      else writeRecord(value as Record<string, unknown>, out, open);
      open.delete(value);
      return;
    case "undefined":
      throw new EvaluationError("a missing value has no JSON form");
    default:
      throw new EvaluationError(`a ${typeof value} is not a JSON value`);
  }
}

function writeArray(items: readonly unknown[], out: string[], open: Set<object>): void {
  out.push("[");
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out.push(",");
    write(items[i], out, open);
  }
  out.push("]");
}

function writeRecord(record: Record<string, unknown>, out: string[], open: Set<object>): void {
  // INVARIANT: Array.prototype.sort without a comparator orders strings by UTF-16 code units.
  const keys = Object.keys(record).sort();
  out.push("{");
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    if (!first) out.push(",");
    first = false;
    out.push(JSON.stringify(key), ":");
    write(member, out, open);
  }
  out.push("}");
}
