/**
 * The edge between the compiler's offsets and the protocol's positions.
 *
 * Contracts:
 * - Offsets are UTF-16 code units into a text (as the compiler's spans are); LSP positions
 *   are 0-based lines and UTF-16 characters (the protocol's default encoding, the only one
 *   this server announces), so a character is an offset minus its line's start.
 * - Line breaks are `\n`, `\r\n` and `\r`, as in the compiler's `LineMap`.
 * - Every conversion clamps: an offset past the end is the end; a character past a line's
 *   end is that line's end (the protocol's rule); a line past the last is the end.
 * - File paths ↔ URIs: `file:` URIs only; the document's own URI is kept as the client
 *   sent it (clients differ in how they percent-encode), other files get `pathToFileURL`.
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Diagnostic as CoreDiagnostic, LineMap, type Span } from "@agentpolicy/compiler";
import {
  type Diagnostic,
  DiagnosticSeverity,
  type DiagnosticRelatedInformation,
  DiagnosticTag,
  type Location,
  type Position,
  type Range,
} from "vscode-languageserver";

/** Offsets ↔ 0-based positions over one text. Built once per text (O(n)); lookups are O(log lines). */
export class LineIndex {
  private readonly map: LineMap;
  constructor(readonly text: string) {
    this.map = new LineMap(text);
  }

  get lineCount(): number {
    return this.map.lineCount;
  }

  position(offset: number): Position {
    const safe = Number.isFinite(offset) ? offset : 0;
    const p = this.map.position(safe);
    return { line: p.line - 1, character: p.column - 1 };
  }

  offset(position: Position): number {
    const line = Math.max(0, Math.floor(Number.isFinite(position.line) ? position.line : 0));
    if (line >= this.map.lineCount) return this.text.length;
    const start = this.map.offset({ line: line + 1, column: 1 });
    const lineEnd = start + this.map.lineText(line + 1).length;
    const character = Math.max(0, Math.floor(Number.isFinite(position.character) ? position.character : 0));
    return Math.min(lineEnd, start + character);
  }

  range(span: Span): Range {
    const start = this.position(span.start);
    return { start, end: span.end <= span.start ? start : this.position(span.end) };
  }

  span(range: Range): Span {
    const start = this.offset(range.start);
    const end = this.offset(range.end);
    return end < start ? { start: end, end: start } : { start, end };
  }

  /** The text of a 0-based line without its line break. */
  lineText(line: number): string {
    return this.map.lineText(line + 1);
  }
}

/** The absolute file path a URI names, or null for non-`file:` URIs. */
export function uriToPath(uri: string): string | null {
  if (!uri.startsWith("file:")) return null;
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}

export function pathToUri(path: string): string {
  return pathToFileURL(path).href;
}

/** What the diagnostic converter needs to know about the files a diagnostic may name. */
export interface FileResolver {
  /** The URI to report for a file (the document's own URI for the document). */
  uri(file: string): string;
  /** Line index of a file's text (the policy, or a manifest it loaded), when known. */
  lines(file: string): LineIndex | undefined;
}

/** Where the documentation of a diagnostic code lives (`{code}` is replaced), or null for none. */
export type CodeDocs = ((code: string) => string) | null;

const SEVERITY: Readonly<Record<CoreDiagnostic["severity"], DiagnosticSeverity>> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** Codes whose ranges mark code that cannot take effect (shown faded by editors). */
const UNNECESSARY: ReadonlySet<string> = new Set(["W_SHADOWED", "W_UNREACHABLE"]);

/** One compiler diagnostic as the protocol shows it, for the document `file`. */
export function toLspDiagnostic(d: CoreDiagnostic, lines: LineIndex, files: FileResolver, docs: CodeDocs): Diagnostic {
  const related: DiagnosticRelatedInformation[] = [];
  for (const r of d.related ?? []) {
    const rl = files.lines(r.file);
    if (!rl) continue;
    related.push({ location: { uri: files.uri(r.file), range: rl.range(r.span) }, message: r.message });
  }
  const out: Diagnostic = {
    range: lines.range(d.span),
    severity: SEVERITY[d.severity] ?? DiagnosticSeverity.Error,
    code: d.code,
    source: "agentpolicy",
    message: d.message,
  };
  if (docs) out.codeDescription = { href: docs(d.code) };
  if (related.length > 0) out.relatedInformation = related;
  if (UNNECESSARY.has(d.code)) out.tags = [DiagnosticTag.Unnecessary];
  return out;
}

/** A location in some file the snapshot knows, or null when its text is unknown. */
export function toLocation(file: string, span: Span, files: FileResolver): Location | null {
  const lines = files.lines(file);
  if (!lines) return null;
  return { uri: files.uri(file), range: lines.range(span) };
}

export function rangesEqual(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}
