/**
 * The edge where offsets become lines and columns: text rendering with code frames
 * (path:line:col, code, message, the source line, a caret underline) and the JSON
 * shape of `check --format json` (TOOLCHAIN.md: 1-based lines and columns, columns in
 * UTF-16 code units, `end` exclusive).
 */
import type { Span } from "../syntax/ast.js";
import type { Diagnostic } from "./diagnostic.js";

export interface Position {
  /** 1-based */
  readonly line: number;
  /** 1-based, UTF-16 code units */
  readonly column: number;
}

/** Maps offsets of one text to positions; built once per text. */
export class LineMap {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      }
    }
  }
  get lineCount(): number {
    return this.starts.length;
  }
  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: o - this.starts[lo] + 1 };
  }
  offset(pos: Position): number {
    const start = this.starts[Math.max(0, Math.min(pos.line - 1, this.starts.length - 1))];
    return Math.min(this.text.length, start + pos.column - 1);
  }
  /** The text of a 1-based line without its line break. */
  lineText(line: number): string {
    const start = this.starts[line - 1] ?? this.text.length;
    const next = this.starts[line] ?? this.text.length;
    return this.text.slice(start, next).replace(/\r?\n$|\r$/, "");
  }
}

export interface JsonRange {
  readonly start: Position;
  readonly end: Position;
}

export interface JsonDiagnostic {
  readonly code: string;
  readonly severity: string;
  readonly message: string;
  readonly file: string;
  readonly range: JsonRange;
  readonly related: readonly { readonly file: string; readonly message: string; readonly range: JsonRange }[];
  readonly suggestion?: string;
}

/** Source texts by file, for turning spans into positions. A missing text maps everything to 1:1. */
export type SourceLookup = (file: string) => string | undefined;

function rangeOf(lines: LineMap | undefined, span: Span): JsonRange {
  if (!lines) return { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
  return { start: lines.position(span.start), end: lines.position(span.end) };
}

/** The line maps of the texts seen last, so rendering many diagnostics of one file maps it once. */
const recentLineMaps = new Map<string, LineMap>();

function lineMapOf(text: string): LineMap {
  let map = recentLineMaps.get(text);
  if (map === undefined) {
    if (recentLineMaps.size >= 8) recentLineMaps.delete(recentLineMaps.keys().next().value as string);
    map = new LineMap(text);
    recentLineMaps.set(text, map);
  }
  return map;
}

function lineMapCache(sources: SourceLookup): (file: string) => LineMap | undefined {
  return (file) => {
    const text = sources(file);
    return text === undefined ? undefined : lineMapOf(text);
  };
}

/** `check --format json` objects, with `file` shown as `displayPath(file)`. */
export function toJsonDiagnostics(
  diagnostics: readonly Diagnostic[],
  sources: SourceLookup,
  displayPath: (file: string) => string = (f) => f,
): JsonDiagnostic[] {
  const lines = lineMapCache(sources);
  return diagnostics.map((d) => ({
    code: d.code,
    severity: d.severity,
    message: d.message,
    file: displayPath(d.file),
    range: rangeOf(lines(d.file), d.span),
    related: d.related.map((r) => ({ file: displayPath(r.file), message: r.message, range: rangeOf(lines(r.file), r.span) })),
    ...(d.suggestion !== undefined ? { suggestion: d.suggestion } : {}),
  }));
}

export interface TextStyle {
  readonly red: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly cyan: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly bold: (s: string) => string;
}

export const plainStyle: TextStyle = { red: (s) => s, yellow: (s) => s, cyan: (s) => s, dim: (s) => s, bold: (s) => s };

/**
 * Renders one diagnostic like a good compiler:
 *
 *     policy.agentpolicy:4:7 - error E_UNKNOWN_TOOL: manifest `inv` has no tool `get_items` (did you mean `get_item`?)
 *
 *     4 | allow inv.get_items
 *       |       ^^^^^^^^^^^^^
 *       = note: ./inventory.tools.json:3:5: declared here
 */
export function formatDiagnosticText(
  d: Diagnostic,
  sources: SourceLookup,
  style: TextStyle = plainStyle,
  displayPath: (file: string) => string = (f) => f,
): string {
  const lines = lineMapCache(sources);
  const map = lines(d.file);
  const start = map ? map.position(d.span.start) : { line: 1, column: 1 };
  const sev = d.severity === "error" ? style.red("error") : d.severity === "warning" ? style.yellow("warning") : style.cyan("info");
  const out: string[] = [`${style.bold(`${displayPath(d.file)}:${start.line}:${start.column}`)} - ${sev} ${d.code}: ${d.message}`];
  if (map) out.push(...codeFrame(map, d.span, d.severity === "error" ? style.red : d.severity === "warning" ? style.yellow : style.cyan, style));
  for (const r of d.related) {
    const rm = lines(r.file);
    const p = rm ? rm.position(r.span.start) : { line: 1, column: 1 };
    out.push(`  ${style.dim("=")} ${r.message}: ${displayPath(r.file)}:${p.line}:${p.column}`);
  }
  return out.join("\n");
}

/** The source lines a span covers (at most 3), each with its underline. */
export function codeFrame(map: LineMap, span: Span, mark: (s: string) => string = (s) => s, style: TextStyle = plainStyle): string[] {
  const a = map.position(span.start);
  const b = map.position(Math.max(span.start, span.end));
  const last = Math.min(b.line, a.line + 2);
  const width = String(last).length;
  const out: string[] = [];
  for (let line = a.line; line <= last; line++) {
    const text = map.lineText(line).replace(/\t/g, " ");
    const from = line === a.line ? a.column : 1;
    const to = line === b.line ? b.column : text.length + 1;
    const len = Math.max(1, to - from);
    out.push(`${style.dim(`${String(line).padStart(width)} |`)} ${text}`);
    out.push(`${style.dim(`${" ".repeat(width)} |`)} ${" ".repeat(from - 1)}${mark("^".repeat(len))}`);
  }
  return out;
}
