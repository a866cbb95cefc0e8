/**
 * Redaction of sensitive arguments for audit records (TOOLCHAIN.md "The runtime": fields
 * that are `writeOnly` or `format: "password"` in the schema).
 *
 * Contract: the input is never mutated. Every value found at one of the tool's
 * `sensitivePaths` (property names; `*` = every element of a list) is replaced by
 * `"[redacted]"` in a copy; records and lists along those paths are copied, everything
 * else is shared. Arguments of an unknown tool, or with nothing to redact, are returned
 * as they are. Only own properties are followed.
 */
import type { ToolInfo } from "../manifest/types.js";
import { isList, isRecord, makeRecord } from "./values.js";

export const REDACTED = "[redacted]";

export function redactArgs(tool: ToolInfo | null, args: unknown): unknown {
  if (tool === null) return args;
  let out = args;
  for (const path of tool.sensitivePaths) out = redactPath(out, path, 0);
  return out;
}

function redactPath(value: unknown, path: readonly string[], i: number): unknown {
  if (i === path.length) return REDACTED;
  const step = path[i];
  if (step === "*" && isList(value)) {
    let changed = false;
    const copy = value.map((el) => {
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
    return makeRecord(Object.entries(value).map(([k, v]) => [k, k === step ? after : v] as const));
  }
  return value;
}
