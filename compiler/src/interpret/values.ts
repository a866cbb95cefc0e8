/**
 * Run-time values of the reference interpreter (LANGUAGE.md §8, §12 "Values").
 *
 * A value is a JSON value exactly as the host passed it (`JSON.parse` output or any
 * object graph a program hands in), `undefined` for a missing field (distinct from
 * `null`), or one of the opaque values below, which only expressions can produce:
 * the result of `url(...)` / `path(...)`, the roots `tool`, `session`, `agent`, and a
 * label name (the argument of `session.has`).
 *
 * INVARIANT: request values are never mutated and never trusted: fields are read with
 * `Object.hasOwn` only, so `__proto__`, `constructor` and other inherited names read as
 * missing unless the value really carries them as own properties.
 */
import type { UrlParts } from "@agentpolicy/runtime";
import type { ToolInfo } from "../manifest/types.js";

/** `url(STRING)`: the parts the built-in `parseUrl` produced. */
export class UrlValue {
  constructor(readonly parts: UrlParts) {}
}

/** `path(STRING)`: the string as given; members are computed by the built-ins on demand. */
export class PathValue {
  constructor(readonly raw: string) {}
}

/** The root `tool`: the requested tool. */
export class ToolRoot {
  constructor(readonly info: ToolInfo) {}
}

/** The root `session`. */
export class SessionRoot {
  constructor(readonly id: string) {}
}

/** The root `agent`. */
export class AgentRoot {
  constructor(readonly id: string) {}
}

/** A declared label, as the argument of `session.has(LABEL)`. */
export class LabelRef {
  constructor(readonly name: string) {}
}

export type OpaqueValue = UrlValue | PathValue | ToolRoot | SessionRoot | AgentRoot | LabelRef;

export function isOpaque(v: unknown): v is OpaqueValue {
  return (
    v instanceof UrlValue ||
    v instanceof PathValue ||
    v instanceof ToolRoot ||
    v instanceof SessionRoot ||
    v instanceof AgentRoot ||
    v instanceof LabelRef
  );
}

/** A record: any non-null, non-list object that is not an opaque value. */
export function isRecord(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !isOpaque(v);
}

export function isList(v: unknown): v is readonly unknown[] {
  return Array.isArray(v);
}

/** Missing (`undefined`) or `null`. */
export function isAbsent(v: unknown): v is undefined | null {
  return v === undefined || v === null;
}

/** The own field `name` of a record, or `undefined` when it has none. */
export function fieldOf(record: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

/**
 * A fresh record with the given entries as own data properties: a key `__proto__` is
 * stored as a field, never as the prototype.
 */
export function makeRecord(entries: Iterable<readonly [string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

/** A short description of a value's kind, for error messages (`missing`, `null`, `a string`, ...). */
export function describe(v: unknown): string {
  if (v === undefined) return "missing";
  if (v === null) return "null";
  if (typeof v === "string") return "a string";
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : "a number";
  if (typeof v === "boolean") return "a boolean";
  if (Array.isArray(v)) return "a list";
  if (v instanceof UrlValue) return "a url";
  if (v instanceof PathValue) return "a path";
  if (v instanceof ToolRoot) return "`tool`";
  if (v instanceof SessionRoot) return "`session`";
  if (v instanceof AgentRoot) return "`agent`";
  if (v instanceof LabelRef) return "a label";
  if (typeof v === "object") return "a record";
  return `a ${typeof v}`;
}
