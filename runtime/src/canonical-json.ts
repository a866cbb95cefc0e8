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
 *
 * Two writers of the same text: `canonicalJson` builds a string (limit keys, `repeats`
 * fingerprints, the chain's verifier), `CanonicalJsonWriter` writes its UTF-8 bytes straight into
 * a reusable buffer (sealing audit records: the hash input and the log line are bytes, so no
 * string is built, flattened and encoded per record). Both quote short strings in JavaScript
 * (a call to `JSON.stringify` costs more than the scan on short strings), memoize `"name":` of
 * short member names, and sort the (usually few) member names by insertion; property tests hold
 * both to a plain reference implementation.
 */

import { EvaluationError } from "./errors.js";

export function canonicalJson(value: unknown): string {
  try {
    return write(value, new OpenObjects());
  } catch (error) {
    if (error instanceof EvaluationError) throw error;
    // e.g. RangeError on absurd nesting depth
    throw new EvaluationError(`value has no canonical JSON form: ${(error as Error)?.message ?? String(error)}`);
  }
}

/** `s` as a JSON string literal, exactly as `JSON.stringify(s)` writes it (RFC 8785 §3.2.2.2). */
export function canonicalString(s: string): string {
  const n = s.length;
  if (n > PLAIN_SCAN_LIMIT) return JSON.stringify(s);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    // controls, `"`, `\` and any surrogate (a lone one is escaped) go the long way
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c & 0xf800) === 0xd800) return JSON.stringify(s);
  }
  return `"${s}"`;
}

/** Beyond this length the native `JSON.stringify` scan beats a scan in JavaScript. */
const PLAIN_SCAN_LIMIT = 64;

/**
 * The objects on the path from the root to the value being written (cycle detection). A short
 * path is searched linearly; past `SET_THRESHOLD` levels a set takes over, so deep values stay
 * linear.
 */
class OpenObjects {
  private readonly path: object[] = [];
  private set: Set<object> | null = null;

  enter(value: object): void {
    const path = this.path;
    if (this.set !== null) {
      if (this.set.has(value)) throw new EvaluationError("value is cyclic");
      this.set.add(value);
    } else {
      for (let i = 0; i < path.length; i++) if (path[i] === value) throw new EvaluationError("value is cyclic");
      if (path.length >= SET_THRESHOLD) this.set = new Set(path).add(value);
    }
    path.push(value);
  }

  leave(): void {
    const value = this.path.pop() as object;
    if (this.set === null) return;
    this.set.delete(value);
    if (this.path.length === 0) this.set = null;
  }
}

const SET_THRESHOLD = 32;

function write(value: unknown, open: OpenObjects): string {
  switch (typeof value) {
    case "string":
      return canonicalString(value);
    case "number":
      if (!Number.isFinite(value)) throw new EvaluationError(`${String(value)} is not a JSON number`);
      // -0 === 0: both are written "0"
      return value === 0 ? "0" : String(value);
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (value === null) return "null";
      open.enter(value);
      const text = Array.isArray(value) ? writeArray(value, open) : writeRecord(value as Record<string, unknown>, open);
      open.leave();
      return text;
    }
    case "undefined":
      throw new EvaluationError("a missing value has no JSON form");
    default:
      throw new EvaluationError(`a ${typeof value} is not a JSON value`);
  }
}

function writeArray(items: readonly unknown[], open: OpenObjects): string {
  const n = items.length;
  if (n === 0) return "[]";
  let out = "[" + write(items[0], open);
  for (let i = 1; i < n; i++) out += "," + write(items[i], open);
  return out + "]";
}

function writeRecord(record: Record<string, unknown>, open: OpenObjects): string {
  const keys = Object.keys(record);
  sortCodeUnits(keys);
  let out = "";
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const member = record[key];
    if (member === undefined) continue;
    out += (out === "" ? "{" : ",") + memberName(key) + write(member, open);
  }
  return out === "" ? "{}" : out + "}";
}

/**
 * Sorts strings in place by UTF-16 code units (the order of `<` on strings and of
 * `Array.prototype.sort` without a comparator): insertion sort for the usual handful of keys,
 * already sorted runs cost one comparison per key.
 */
export function sortCodeUnits(keys: string[]): void {
  const n = keys.length;
  if (n > INSERTION_SORT_LIMIT) {
    keys.sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const key = keys[i];
    if (keys[i - 1] < key) continue;
    let j = i - 1;
    while (j >= 0 && keys[j] > key) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = key;
  }
}

const INSERTION_SORT_LIMIT = 16;

/** `"name":` of a member, memoized for short names (records of one shape repeat their names). */
const memberNames = new Map<string, string>();
const MEMBER_NAMES_MAX = 4096;
const MEMBER_NAME_MAX_LENGTH = 64;

function memberName(key: string): string {
  let text = memberNames.get(key);
  if (text === undefined) {
    text = canonicalString(key) + ":";
    if (key.length <= MEMBER_NAME_MAX_LENGTH) {
      // a bounded memo: start over rather than grow without end on ever-new names
      if (memberNames.size >= MEMBER_NAMES_MAX) memberNames.clear();
      memberNames.set(key, text);
    }
  }
  return text;
}

/**
 * Canonical JSON written straight into UTF-8 bytes: the same text as `canonicalJson`, without
 * building and then encoding a string (the audit chain hashes and writes bytes). One writer
 * serves many records: `reset`, write, read `bytes()`, repeat. Used synchronously only.
 */
export class CanonicalJsonWriter {
  private buffer: Buffer = Buffer.allocUnsafe(WRITER_INITIAL_BYTES);
  private open = new OpenObjects();
  private end = 0;
  /** Depth of frozen values being written for the frozen-value cache (their parts are not cached apart). */
  private caching = 0;

  /** Bytes written since the last `reset`. */
  get length(): number {
    return this.end;
  }

  /** Starts over (and lets go of a buffer a huge value grew). */
  reset(): void {
    this.end = 0;
    if (this.buffer.length > WRITER_KEPT_BYTES) this.buffer = Buffer.allocUnsafe(WRITER_INITIAL_BYTES);
  }

  /** The bytes written so far: a view, valid until the next write or `reset`. */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.end);
  }

  /** The byte at `offset` (below `length`). */
  byteAt(offset: number): number {
    return this.buffer[offset];
  }

  /** One byte (an ASCII character code). */
  byte(b: number): void {
    this.reserve(1);
    this.buffer[this.end++] = b;
  }

  /** `s` as UTF-8, as it is (not quoted). */
  raw(s: string): void {
    this.reserve(3 * s.length);
    this.end += this.buffer.write(s, this.end, "utf8");
  }

  /** `"name":`. */
  memberName(name: string): void {
    const text = memberName(name);
    this.reserve(3 * text.length);
    const buffer = this.buffer;
    let at = this.end;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) {
        this.end += buffer.write(text, this.end, "utf8");
        return;
      }
      buffer[at++] = c;
    }
    this.end = at;
  }

  /** Inserts the ASCII string `text` at byte `offset`, moving the bytes after it. */
  splice(offset: number, text: string): void {
    if (offset < 0 || offset > this.end) throw new RangeError(`splice offset ${offset} is outside the ${this.end} bytes written`);
    this.reserve(text.length);
    this.buffer.copyWithin(offset + text.length, offset, this.end);
    this.buffer.write(text, offset, "latin1");
    this.end += text.length;
  }

  /** The canonical JSON of `value`. Throws `EvaluationError` as `canonicalJson` does; the bytes are then unspecified. */
  value(value: unknown): void {
    try {
      this.write(value);
    } catch (error) {
      this.open = new OpenObjects();
      this.caching = 0;
      if (error instanceof EvaluationError) throw error;
      throw new EvaluationError(`value has no canonical JSON form: ${(error as Error)?.message ?? String(error)}`);
    }
  }

  private write(value: unknown): void {
    switch (typeof value) {
      case "string":
        this.string(value);
        return;
      case "number":
        if (!Number.isFinite(value)) throw new EvaluationError(`${String(value)} is not a JSON number`);
        this.ascii(value === 0 ? "0" : String(value));
        return;
      case "boolean":
        this.ascii(value ? "true" : "false");
        return;
      case "object": {
        if (value === null) {
          this.ascii("null");
          return;
        }
        if (this.caching === 0 && Object.isFrozen(value)) this.frozen(value);
        else this.composite(value);
        return;
      }
      case "undefined":
        throw new EvaluationError("a missing value has no JSON form");
      default:
        throw new EvaluationError(`a ${typeof value} is not a JSON value`);
    }
  }

  private composite(value: object): void {
    this.open.enter(value);
    if (Array.isArray(value)) this.array(value);
    else this.record(value as Record<string, unknown>);
    this.open.leave();
  }

  /**
   * A frozen object or array: its cached bytes when it has them; otherwise written, and cached
   * when it is deeply frozen data (`isDeepFrozenData`), whose canonical JSON can never change.
   */
  private frozen(value: object): void {
    const cached = FROZEN_BYTES.get(value);
    if (cached !== undefined) {
      this.reserve(cached.length);
      this.end += cached.copy(this.buffer, this.end);
      return;
    }
    if (UNCACHEABLE.has(value)) {
      this.composite(value);
      return;
    }
    // cached from its second write on: a value written once (a one-off verdict) costs no copy
    if (!SEEN_FROZEN.has(value)) {
      SEEN_FROZEN.add(value);
      this.composite(value);
      return;
    }
    const start = this.end;
    this.caching++;
    this.composite(value);
    this.caching--;
    if (this.end - start <= FROZEN_CACHE_MAX_BYTES && isDeepFrozenData(value)) {
      FROZEN_BYTES.set(value, Buffer.from(this.buffer.subarray(start, this.end)));
    } else UNCACHEABLE.add(value);
  }

  private array(items: readonly unknown[]): void {
    this.byte(0x5b);
    for (let i = 0; i < items.length; i++) {
      if (i > 0) this.byte(0x2c);
      this.write(items[i]);
    }
    this.byte(0x5d);
  }

  private record(record: Record<string, unknown>): void {
    const keys = Object.keys(record);
    sortCodeUnits(keys);
    this.byte(0x7b);
    let first = true;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const member = record[key];
      if (member === undefined) continue;
      if (!first) this.byte(0x2c);
      first = false;
      this.memberName(key);
      this.write(member);
    }
    this.byte(0x7d);
  }

  /** A JSON string literal, byte for byte the UTF-8 of `JSON.stringify(s)`. */
  private string(s: string): void {
    const n = s.length;
    if (n > PLAIN_SCAN_LIMIT) {
      // long strings: a native scan and a native encoder
      const text = NEEDS_ESCAPE.test(s) ? (JSON.stringify(s) as string) : null;
      if (text !== null) {
        this.raw(text);
        return;
      }
      this.reserve(3 * n + 2);
      this.buffer[this.end++] = 0x22;
      this.end += this.buffer.write(s, this.end, "utf8");
      this.buffer[this.end++] = 0x22;
      return;
    }
    // at most 6 bytes per code unit (`\u001f`, or 3 for a BMP character)
    this.reserve(6 * n + 2);
    const buffer = this.buffer;
    let at = this.end;
    buffer[at++] = 0x22;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        if (c >= 0x20 && c !== 0x22 && c !== 0x5c) {
          buffer[at++] = c;
          continue;
        }
        buffer[at++] = 0x5c;
        const short = SHORT_ESCAPES[c];
        if (short !== undefined) buffer[at++] = short;
        else {
          // \u00xx, lower-case hex
          buffer[at++] = 0x75;
          buffer[at++] = 0x30;
          buffer[at++] = 0x30;
          buffer[at++] = HEX_DIGITS[c >> 4];
          buffer[at++] = HEX_DIGITS[c & 0xf];
        }
      } else if (c < 0x800) {
        buffer[at++] = 0xc0 | (c >> 6);
        buffer[at++] = 0x80 | (c & 0x3f);
      } else if ((c & 0xf800) !== 0xd800) {
        buffer[at++] = 0xe0 | (c >> 12);
        buffer[at++] = 0x80 | ((c >> 6) & 0x3f);
        buffer[at++] = 0x80 | (c & 0x3f);
      } else {
        const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c < 0xdc00 && d >= 0xdc00 && d < 0xe000) {
          // a surrogate pair: one code point, 4 bytes
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          buffer[at++] = 0xf0 | (cp >> 18);
          buffer[at++] = 0x80 | ((cp >> 12) & 0x3f);
          buffer[at++] = 0x80 | ((cp >> 6) & 0x3f);
          buffer[at++] = 0x80 | (cp & 0x3f);
          i++;
        } else {
          // a lone surrogate: \udxxx, lower-case hex
          buffer[at++] = 0x5c;
          buffer[at++] = 0x75;
          buffer[at++] = HEX_DIGITS[c >> 12];
          buffer[at++] = HEX_DIGITS[(c >> 8) & 0xf];
          buffer[at++] = HEX_DIGITS[(c >> 4) & 0xf];
          buffer[at++] = HEX_DIGITS[c & 0xf];
        }
      }
    }
    buffer[at++] = 0x22;
    this.end = at;
  }

  /** An ASCII string (numbers, literals). */
  private ascii(s: string): void {
    this.reserve(s.length);
    const buffer = this.buffer;
    let at = this.end;
    for (let i = 0; i < s.length; i++) buffer[at++] = s.charCodeAt(i);
    this.end = at;
  }

  private reserve(bytes: number): void {
    const needed = this.end + bytes;
    if (needed <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, 2 * this.buffer.length));
    this.buffer.copy(grown, 0, 0, this.end);
    this.buffer = grown;
  }
}

/**
 * Canonical bytes of deeply frozen values, shared by every writer: a generated guard's verdicts,
 * and the guard's decisions built from them, are frozen and recur in every audit record.
 */
const FROZEN_BYTES = new WeakMap<object, Buffer>();
/** Frozen values written once, not cached yet. */
const SEEN_FROZEN = new WeakSet<object>();
/** Frozen values seen not to be deeply frozen data (or too big): written every time. */
const UNCACHEABLE = new WeakSet<object>();
const FROZEN_CACHE_MAX_BYTES = 64 * 1024;
const FROZEN_CACHE_MAX_NODES = 4096;

/**
 * Whether `root`, and every object and array it holds, is frozen and holds only data properties
 * (no getters), so that its canonical JSON can never change. Proxies keep this promise too: the
 * language forbids a trap to misreport a frozen target. Bounded: a value with more than
 * `FROZEN_CACHE_MAX_NODES` objects counts as not frozen.
 */
function isDeepFrozenData(root: object): boolean {
  const pending: object[] = [root];
  let visited = 0;
  while (pending.length > 0) {
    const value = pending.pop() as object;
    if (!Object.isFrozen(value) || ++visited > FROZEN_CACHE_MAX_NODES) return false;
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Reflect.getOwnPropertyDescriptor(value, key);
      if (descriptor === undefined || !("value" in descriptor)) return false;
      const member: unknown = descriptor.value;
      if (typeof member === "object" && member !== null) pending.push(member);
    }
  }
  return true;
}

const WRITER_INITIAL_BYTES = 16 * 1024;
/** `reset` keeps a buffer up to this size; a larger one (a huge value) is let go. */
const WRITER_KEPT_BYTES = 1 << 20;
/** Characters that `JSON.stringify` escapes, and surrogates (a pair is literal, a lone one escaped). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
const HEX_DIGITS = Array.from("0123456789abcdef", (c) => c.charCodeAt(0));
/** The letter after `\` of the two-character escapes, by character code. */
const SHORT_ESCAPES: readonly (number | undefined)[] = (() => {
  const table: (number | undefined)[] = [];
  for (const [c, letter] of [[0x08, "b"], [0x09, "t"], [0x0a, "n"], [0x0c, "f"], [0x0d, "r"], [0x22, '"'], [0x5c, "\\"]] as const) {
    table[c] = letter.charCodeAt(0);
  }
  return table;
})();
