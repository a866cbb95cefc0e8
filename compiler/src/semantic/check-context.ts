/**
 * What every check of one `checkDocument` run shares: the document, the diagnostic bag
 * and small helpers for messages (source text of a node, "did you mean" options).
 */
import { DiagnosticBag, type DiagnosticOptions, type Fix, type RelatedInformation } from "../diagnostics/diagnostic.js";
import type { MessageDef } from "../diagnostics/messages.js";
import type { Document, Span } from "../syntax/ast.js";

export class CheckContext {
  readonly bag: DiagnosticBag;
  readonly file: string;
  readonly text: string;
  /** Set when the tree holds parse-error placeholders (ErrorExpr / ErrorType). */
  sawErrorNode = false;

  constructor(readonly document: Document) {
    this.file = document.file;
    this.text = typeof document.text === "string" ? document.text : "";
    this.bag = new DiagnosticBag(this.file);
  }

  /**
   * Reports a diagnostic. A zero-width span marks a node the parser made up while
   * recovering (its E_SYNTAX is the real problem): nothing is reported there.
   */
  report(def: MessageDef, span: Span, args: readonly (string | number)[] = [], options: DiagnosticOptions = {}): void {
    if (span && span.start === span.end) {
      this.sawErrorNode = true;
      return;
    }
    this.bag.report(def, safeSpan(span, this.text.length), args, options);
  }

  /** The source text of a span, whitespace collapsed, cut to `max` characters. */
  source(span: Span, max = 60): string {
    const raw = this.text.slice(span.start, span.end).replace(/\s+/g, " ").trim();
    return raw.length > max ? `${raw.slice(0, max - 3)}...` : raw;
  }

  related(span: Span, message: string, file: string = this.file): RelatedInformation {
    return { file, span, message };
  }

  /** Options for a "did you mean": the suggestion plus a fix replacing `span` with `newText`. */
  didYouMean(suggestion: string | undefined, span: Span, newText?: string, related: readonly RelatedInformation[] = []): DiagnosticOptions {
    if (suggestion === undefined) return related.length ? { related } : {};
    const text = newText ?? suggestion;
    const fix: Fix = { title: `Change to \`${text}\``, file: this.file, span, newText: text };
    return { suggestion, fixes: [fix], related };
  }
}

/** A span clamped into the text (a malformed tree must not produce out-of-range diagnostics). */
function safeSpan(span: Span, length: number): Span {
  const s = Number.isFinite(span?.start) ? Math.max(0, Math.min(span.start, length)) : 0;
  const e = Number.isFinite(span?.end) ? Math.max(s, Math.min(span.end, length)) : s;
  return s === span?.start && e === span?.end ? span : { start: s, end: e };
}
