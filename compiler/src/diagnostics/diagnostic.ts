/**
 * Diagnostics as the core produces them: offsets, never lines. Only the formatter
 * (format.ts) and the language server's convert.ts turn offsets into line/column.
 */
import type { Span } from "../syntax/ast.js";
import { type DiagnosticCode, type MessageDef, Messages, type Severity } from "./messages.js";

export interface RelatedInformation {
  readonly file: string;
  readonly span: Span;
  readonly message: string;
}

/** A suggested edit ("did you mean", "add a `has` guard"), for code actions. */
export interface Fix {
  readonly title: string;
  readonly file: string;
  readonly span: Span;
  readonly newText: string;
}

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly file: string;
  readonly span: Span;
  readonly related: readonly RelatedInformation[];
  /** The "did you mean" candidate, when one is close. */
  readonly suggestion?: string;
  readonly fixes?: readonly Fix[];
}

/** Fills `{0}`, `{1}`, ... in a template. */
export function formatMessage(template: string, args: readonly (string | number)[]): string {
  return template.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)] ?? ""));
}

export interface DiagnosticOptions {
  readonly related?: readonly RelatedInformation[];
  readonly suggestion?: string;
  readonly fixes?: readonly Fix[];
}

/** Builds a diagnostic from a table entry: `createDiagnostic(Messages.UnknownTool, file, span, [name])`. */
export function createDiagnostic(
  def: MessageDef,
  file: string,
  span: Span,
  args: readonly (string | number)[] = [],
  options: DiagnosticOptions = {},
): Diagnostic {
  let message = formatMessage(def.template, args);
  if (options.suggestion !== undefined) message += ` (did you mean \`${options.suggestion}\`?)`;
  return {
    code: def.code,
    severity: def.severity,
    message,
    file,
    span,
    related: options.related ?? [],
    ...(options.suggestion !== undefined ? { suggestion: options.suggestion } : {}),
    ...(options.fixes ? { fixes: options.fixes } : {}),
  };
}

/** Collects diagnostics for one phase. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];
  constructor(readonly file: string) {}
  report(def: MessageDef, span: Span, args: readonly (string | number)[] = [], options: DiagnosticOptions = {}): Diagnostic {
    const d = createDiagnostic(def, this.file, span, args, options);
    this.items.push(d);
    return d;
  }
  add(d: Diagnostic): void {
    this.items.push(d);
  }
  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === "error");
  }
}

export const hasErrors = (ds: readonly Diagnostic[]): boolean => ds.some((d) => d.severity === "error");

/** Sorts by file, then offset, then code, for stable output. */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) =>
    a.file !== b.file ? (a.file < b.file ? -1 : 1) : a.span.start - b.span.start || a.span.end - b.span.end || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}

export { Messages };
