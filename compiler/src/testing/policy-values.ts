/**
 * JSON values written as `.agentpolicy` source (LANGUAGE.md §3, §8), so a counterexample
 * can be pasted into a `test` block as an `expect` line.
 *
 * Contract: `policyValue(v)` reads back (through the parser and constant folding) as a value
 * deeply equal to `v` for every JSON value: strings use only the escapes of §12
 * (`\" \\ \n \r \t \uXXXX`), numbers never use exponents (the lexer has none) and negative
 * numbers are written with unary minus; record keys are bare when identifier-shaped (any
 * such word is a name as a record key) and quoted otherwise.
 */
import type { ToolRequest } from "@agentpolicy/runtime";

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A string literal of the language. */
export function policyString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i];
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f || c === 0x2028 || c === 0x2029 || isLoneSurrogate(s, i)) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return out + '"';
}

function isLoneSurrogate(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff) {
    const n = s.charCodeAt(i + 1);
    return !(n >= 0xdc00 && n <= 0xdfff);
  }
  if (c >= 0xdc00 && c <= 0xdfff) {
    const p = s.charCodeAt(i - 1);
    return !(p >= 0xd800 && p <= 0xdbff);
  }
  return false;
}

/** A number as the lexer reads it: plain decimal digits, unary minus for negatives. */
export function policyNumber(n: number): string {
  if (!Number.isFinite(n)) return "null";
  if (n === 0) return "0";
  const sign = n < 0 ? "-" : "";
  return sign + plainDecimal(String(Math.abs(n)));
}

/** `1.5e-7` → `0.00000015`, `1e+21` → `1000000000000000000000`; other forms unchanged. */
function plainDecimal(s: string): string {
  const e = s.indexOf("e");
  if (e < 0) return s;
  const mantissa = s.slice(0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mantissa.indexOf(".");
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const point = (dot < 0 ? mantissa.length : dot) + exp;
  if (point <= 0) return `0.${"0".repeat(-point)}${digits}`.replace(/0+$/, "");
  if (point >= digits.length) return digits + "0".repeat(point - digits.length);
  return `${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** Any JSON value as a literal of the language. */
export function policyValue(v: unknown, depth = 0): string {
  if (depth > 100) return "null";
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return policyString(v);
  if (typeof v === "number") return policyNumber(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (Array.isArray(v)) return `[${v.map((x) => policyValue(x, depth + 1)).join(", ")}]`;
  if (typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return "{}";
    return `{ ${entries.map(([k, x]) => `${IDENT.test(k) ? k : policyString(k)}: ${policyValue(x, depth + 1)}`).join(", ")} }`;
  }
  return "null";
}

/** `ALIAS.TOOL`, with the tool in backticks when it is not identifier-shaped. */
export function policyToolName(qualified: string): string {
  const dot = qualified.indexOf(".");
  if (dot < 0) return IDENT.test(qualified) ? qualified : `\`${qualified}\``;
  const alias = qualified.slice(0, dot);
  const tool = qualified.slice(dot + 1);
  return `${alias}.${IDENT.test(tool) ? tool : `\`${tool}\``}`;
}

/** `agent "A" calls T(ARGS) [with CTX]`: a request as an `expect` line writes it. */
export function callText(request: ToolRequest): string {
  const args = request.args === undefined ? "{}" : policyValue(request.args);
  const ctx = request.context === undefined ? "" : ` with ${policyValue(request.context)}`;
  return `agent ${policyString(request.agent)} calls ${policyToolName(request.tool)}(${args})${ctx}`;
}

/**
 * An `expect` line for a request: `expect agent "A" calls T(ARGS) [with CTX] => EFFECT`.
 * The context is written when the request carries one.
 */
export function expectLine(request: ToolRequest, effect: string): string {
  return `expect ${callText(request)} => ${effect}`;
}
