/**
 * The formatter facade (LANGUAGE.md §11): text → canonical text.
 *
 * Contracts:
 * - Refuses (`ok: false`, with the parser's diagnostics) any text with a syntax
 *   error: a broken file is never rewritten.
 * - Never changes meaning: every printed text is parsed again and must give the same
 *   tree modulo positions (format/ast-compare.ts) and the same multiset of comment
 *   texts, with every comment printed once. If not, it refuses with an internal-error
 *   diagnostic instead of returning a changed file. (Known case: a `///` comment right
 *   before a `context` field's comma, or right before a redundant `)` that ends a
 *   declaration, documents nothing; dropping that token would make it document the
 *   next declaration, so such a file is refused.)
 * - Idempotent: the answer is a fixpoint of the printer. Comments in unusual places
 *   (several line comments between two tokens of one construct) can settle only on a
 *   second print, so the text is printed again until it no longer changes (at most
 *   `MAX_PASSES` prints; the property tests check the result is stable).
 * - Never throws.
 */
import { createDiagnostic, type Diagnostic, Messages } from "../diagnostics/diagnostic.js";
import type { Document } from "../syntax/ast.js";
import { parseDocument } from "../syntax/parse.js";
import { printDocument } from "../syntax/printer.js";
import { commentTexts, firstTreeDifference } from "./ast-compare.js";
import { attachComments } from "./comments.js";

export type FormatResult = { ok: true; text: string } | { ok: false; diagnostics: Diagnostic[] };

/** Prints of one text until it is stable. */
const MAX_PASSES = 4;

/** Formats one `.agentpolicy` text in the canonical layout. `file` only labels diagnostics. */
export function formatText(text: string, file: string = "<input>"): FormatResult {
  const refuse = (reason: string): FormatResult => ({
    ok: false,
    diagnostics: [
      createDiagnostic(Messages.Syntax, file, { start: 0, end: 0 }, [
        `internal formatter error: ${reason}; the file was left unchanged (please report this)`,
      ]),
    ],
  });
  try {
    const parsed = parseDocument(text, file);
    if (parsed.diagnostics.some((d) => d.severity === "error")) return { ok: false, diagnostics: parsed.diagnostics };
    const original = parsed.document;
    const expectedComments = commentTexts(original).join("\u0000");
    let document: Document = original;
    let current = text;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const printed = printDocument(document, attachComments(document));
      if (printed.commentsPrinted !== document.comments.length) {
        return refuse(`${document.comments.length - printed.commentsPrinted} comment(s) would be lost`);
      }
      if (printed.text === current && pass > 0) break;
      const again = parseDocument(printed.text, file);
      const error = again.diagnostics.find((d) => d.severity === "error");
      if (error) return refuse(`the formatted text does not parse (${error.message})`);
      const difference = firstTreeDifference(original, again.document);
      if (difference !== null) return refuse(`formatting would change the tree at ${difference}`);
      if (commentTexts(again.document).join("\u0000") !== expectedComments) return refuse("formatting would change a comment");
      if (printed.text === current) break;
      current = printed.text;
      document = again.document;
    }
    return { ok: true, text: current };
  } catch (e) {
    return refuse(e instanceof Error ? e.message : String(e));
  }
}

/** Whether `text` is already in the canonical layout (false when it cannot be formatted). */
export function isFormatted(text: string, file?: string): boolean {
  const r = formatText(text, file);
  return r.ok && r.text === text;
}
