/**
 * IR → TypeScript expression text (Prettier lays it out afterwards, so this printer
 * parenthesizes generously and never cares about line breaks).
 *
 * INVARIANT: the printed TypeScript type-checks under `strict`: a cast states what a check or
 * validation already guarantees, and a variable or property chain compared more than once in
 * one function is compared through `as unknown`, so TypeScript's narrowing never reports an
 * (unreachable but legal) comparison such as `x == "a" and x == "b"` as an error.
 */
import { type Ex, type TsType, isReference, tsOf } from "./ir.js";

export function tsText(ts: TsType): string {
  switch (ts) {
    case "list":
      return "readonly unknown[]";
    case "record":
      return "Rec";
    case "url":
      return "UrlParts";
    default:
      return ts;
  }
}

/** Prints the expressions of one function (the reference counts are per function). */
export class ExprPrinter {
  private readonly refCounts = new Map<string, number>();

  constructor(roots: readonly Ex[]) {
    for (const r of roots) this.count(r);
  }

  print(e: Ex): string {
    switch (e.k) {
      case "lit":
        return literal(e.value);
      case "name":
        return e.name;
      case "member":
        return `${this.operand(e.obj)}${propertyAccess(e.name)}`;
      case "call":
        return `${e.fn}(${e.args.map((a) => this.print(a)).join(", ")})`;
      case "method":
        return `${this.operand(e.obj)}.${e.name}(${e.args.map((a) => this.print(a)).join(", ")})`;
      case "not":
        return `!${this.operand(e.x)}`;
      case "neg":
        return `-${this.operand(e.x)}`;
      case "bin":
        if (e.op === "===" || e.op === "!==") return `${this.compared(e.l)} ${e.op} ${this.compared(e.r)}`;
        return `${this.operand(e.l)} ${e.op} ${this.operand(e.r)}`;
      case "absent":
        return `${this.compared(e.x)} ${e.negate ? "!=" : "=="} null`;
      case "cast":
        return castElided(e) ? this.print(e.x) : `(${this.operand(e.x)} as ${tsText(e.ts)})`;
      case "array":
        return `[${e.items.map((i) => this.print(i)).join(", ")}]`;
      case "object":
        return `{ ${e.entries.map(([k, v]) => `${objectKey(k)}: ${this.print(v)}`).join(", ")} }`;
    }
  }

  /** An operand of an operator or a member access: parenthesized unless atomic. */
  private operand(e: Ex): string {
    if (e.k === "cast") return castElided(e) ? this.operand(e.x) : this.print(e);
    return atomic(e) ? this.print(e) : `(${this.print(e)})`;
  }

  /** A side of `===` / `== null`: a reference used more than once in the function is widened to `unknown`. */
  private compared(e: Ex): string {
    if (isReference(e) && (this.refCounts.get(this.print(e)) ?? 0) > 1) return `(${this.operand(e)} as unknown)`;
    return this.operand(e);
  }

  private count(e: Ex): void {
    if (isReference(e)) {
      const key = this.print(e);
      this.refCounts.set(key, (this.refCounts.get(key) ?? 0) + 1);
    }
    switch (e.k) {
      case "member":
        this.count(e.obj);
        break;
      case "call":
        e.args.forEach((a) => this.count(a));
        break;
      case "method":
        this.count(e.obj);
        e.args.forEach((a) => this.count(a));
        break;
      case "not":
      case "neg":
      case "cast":
        this.count(e.x);
        break;
      case "absent":
        this.count(e.x);
        break;
      case "bin":
        this.count(e.l);
        this.count(e.r);
        break;
      case "array":
        e.items.forEach((i) => this.count(i));
        break;
      case "object":
        e.entries.forEach(([, v]) => this.count(v));
        break;
      default:
        break;
    }
  }
}

/** A cast TypeScript does not need: the expression already has the type, or it never returns. */
function castElided(e: Ex & { k: "cast" }): boolean {
  const from = tsOf(e.x);
  return from === e.ts || from === "never" || (e.ts === "unknown" && !isReference(e.x));
}

function atomic(e: Ex): boolean {
  switch (e.k) {
    case "lit":
      return !(typeof e.value === "number" && (e.value < 0 || Object.is(e.value, -0)));
    case "name":
    case "member":
    case "call":
    case "method":
    case "array":
      return true;
    default:
      return false;
  }
}

export function literal(v: string | number | boolean | null | undefined): string {
  if (v === undefined) return "undefined";
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  return JSON.stringify(v);
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function propertyAccess(name: string): string {
  return IDENT.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

/** A key of an object literal; `__proto__` is computed so it stays an own field. */
export function objectKey(k: string): string {
  if (k === "__proto__") return `["__proto__"]`;
  return IDENT.test(k) ? k : JSON.stringify(k);
}

/** A JSON value as a TypeScript expression (`__proto__` keys stay fields). */
export function jsonLiteral(v: unknown): string {
  if (v === null || typeof v !== "object") return literal(v as string | number | boolean | null | undefined);
  if (Array.isArray(v)) return `[${v.map(jsonLiteral).join(", ")}]`;
  const entries = Object.keys(v).map((k) => `${objectKey(k)}: ${jsonLiteral((v as Record<string, unknown>)[k])}`);
  return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`;
}
