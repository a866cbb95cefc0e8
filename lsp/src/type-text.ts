/**
 * Types and values as hover and completion documentation show them: records one field
 * per line with their descriptions as comments, bounded in depth and width.
 */
import { membersOf, showType, type ToolInfo, type Type, type Value } from "@agentpolicy/compiler";

const MAX_FIELDS = 40;
const MAX_DEPTH = 3;

/** A type written over several lines (records), in the policy language's notation. */
export function typeBlock(t: Type, indent = "", depth = 0): string {
  if (t.kind === "record") {
    if (t.fields.size === 0) return t.open ? "{ ... }" : "{}";
    if (depth >= MAX_DEPTH) return "{ ... }";
    const inner = `${indent}  `;
    const lines: string[] = [];
    let n = 0;
    for (const f of t.fields.values()) {
      if (n++ === MAX_FIELDS) {
        lines.push(`${inner}...`);
        break;
      }
      const doc = f.description ? `  // ${oneLine(f.description)}` : "";
      lines.push(`${inner}${f.name}${f.optional ? "?" : ""}: ${typeBlock(f.type, inner, depth + 1)}${doc}`);
    }
    return `{\n${lines.join("\n")}\n${indent}}`;
  }
  if (t.kind === "list") return `[${typeBlock(t.element, indent, depth + 1)}]`;
  if (t.kind === "union" && membersOf(t).some((m) => m.kind === "record"))
    return membersOf(t)
      .map((m) => typeBlock(m, indent, depth + 1))
      .join(" | ");
  return showType(t);
}

export function oneLine(s: string, max = 120): string {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A fenced code block of the policy language (for Markdown hovers). */
export function code(text: string): string {
  return "```agentpolicy\n" + text + "\n```";
}

/** Markdown documentation of a tool: description, annotations, input type. */
export function toolDoc(tool: ToolInfo): string {
  const parts: string[] = [];
  if (tool.description) parts.push(tool.description);
  const a = tool.annotations;
  const flags = [a.readOnly && "read-only", a.destructive && "destructive", a.idempotent && "idempotent", a.openWorld && "open-world"].filter(Boolean);
  if (flags.length > 0) parts.push(`*${flags.join(", ")}*`);
  parts.push(code(`args: ${typeBlock(tool.input)}`));
  return parts.join("\n\n");
}

/** A folded const value in the language's notation (bounded). */
export function valueText(v: Value | undefined, depth = 0): string {
  if (v === undefined) return "(not computed)";
  if (depth > 3) return "...";
  if (v === null || typeof v !== "object") return typeof v === "string" ? JSON.stringify(v) : String(v);
  if (Array.isArray(v)) {
    const shown = v.slice(0, 20).map((e) => valueText(e, depth + 1));
    if (v.length > 20) shown.push("...");
    return `[${shown.join(", ")}]`;
  }
  const entries = Object.entries(v as Record<string, Value>);
  const shown = entries.slice(0, 20).map(([k, e]) => `${/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : JSON.stringify(k)}: ${valueText(e, depth + 1)}`);
  if (entries.length > 20) shown.push("...");
  return `{ ${shown.join(", ")} }`;
}
