/**
 * The syntax facade: text → `Document` + `E_SYNTAX` diagnostics.
 *
 * Contracts:
 * - Never throws, for any string: lexer, nesting limit, parser and lowering all
 *   recover; a last-resort catch turns anything unexpected into an `E_SYNTAX`.
 * - Reports every syntax error (at most one per offending token), sorted by offset.
 * - Bounded depth: brackets nest at most `MAX_NESTING` levels and an expression tree
 *   is at most `MAX_EXPRESSION_DEPTH` nodes deep, so later phases may recurse over
 *   the AST without overflowing the stack.
 * - Error-free token vectors are parsed by `parseFast` (parser.ts), which builds the CST
 *   the Chevrotain parser would; anything else goes to the Chevrotain parser, built once
 *   per process on first use, which reports and recovers.
 */
import type { IRecognitionException, IToken } from "chevrotain";
import { EOF } from "chevrotain";
import { type Diagnostic, DiagnosticBag, Messages, sortDiagnostics } from "../diagnostics/diagnostic.js";
import type { Document, Span } from "./ast.js";
import { lex, limitNesting, tokenEnd } from "./lexer.js";
import { lower } from "./lower.js";
import { getParser, parseFast } from "./parser.js";

/** Brackets (`(`, `[`, `{`) may nest at most this deep. */
export const MAX_NESTING = 100;
/** No expression tree in a parsed `Document` is deeper than this. */
export const MAX_EXPRESSION_DEPTH = 512;

export interface ParseResult {
  readonly document: Document;
  readonly diagnostics: Diagnostic[];
}

/** Parses one `.agentpolicy` file. `file` only labels the diagnostics and the document. */
export function parseDocument(text: string, file: string): ParseResult {
  const src = typeof text === "string" ? text : "";
  const bag = new DiagnosticBag(file);
  const report = (span: Span, message: string): void => {
    bag.report(Messages.Syntax, span, [message]);
  };
  try {
    const lexed = lex(src, report);
    const tokens = limitNesting(lexed.tokens, MAX_NESTING, report);
    let cst = parseFast(tokens);
    const errorFree = cst !== null;
    const errorAt = new Set<number>();
    if (cst === null) {
      const parser = getParser();
      cst = parser.parseTokens(tokens);
      for (const e of parser.errors) {
        const offending = Number.isFinite(e.token.startOffset) ? e.token.startOffset : src.length;
        if (errorAt.has(offending)) continue;
        errorAt.add(offending);
        report(errorSpan(e, src.length), e.message);
      }
    }
    const document = lower({
      cst,
      text: src,
      file,
      comments: lexed.comments,
      docBefore: lexed.docBefore,
      errorAt,
      maxExpressionDepth: MAX_EXPRESSION_DEPTH,
      report,
      errorFree,
    });
    return { document, diagnostics: sortDiagnostics(bag.items) };
  } catch (e) {
    report({ start: 0, end: 0 }, `internal parser error: ${e instanceof Error ? e.message : String(e)}`);
    return { document: emptyDocument(src, file), diagnostics: sortDiagnostics(bag.items) };
  }
}

/**
 * Where a parse error is shown: the offending token when it is on the line where the
 * parser stopped; otherwise (and at end of file) the point just after the last token,
 * where the missing text belongs.
 */
function errorSpan(e: IRecognitionException, textLength: number): Span {
  const token = e.token;
  const previous = (e as IRecognitionException & { previousToken?: IToken }).previousToken;
  const prevReal = previous !== undefined && Number.isFinite(previous.startOffset) && previous.tokenType !== EOF;
  const tokReal = Number.isFinite(token.startOffset) && token.tokenType !== EOF;
  if (!tokReal) {
    const end = prevReal ? tokenEnd(previous) : textLength;
    return { start: end, end };
  }
  if (prevReal && typeof token.startLine === "number" && typeof previous.endLine === "number" && token.startLine > previous.endLine) {
    return { start: tokenEnd(previous), end: tokenEnd(previous) };
  }
  return { start: token.startOffset, end: tokenEnd(token) };
}

function emptyDocument(text: string, file: string): Document {
  return { kind: "Document", span: { start: 0, end: text.length }, file, text, header: null, declarations: [], comments: [] };
}
