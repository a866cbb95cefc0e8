/**
 * The scanner: text → Chevrotain tokens, comments and doc comments (LANGUAGE.md §3, §12).
 *
 * Contracts:
 * - Total and linear: every input yields tokens; bad text becomes an `E_SYNTAX` and the
 *   scanner moves on (an unknown character is skipped; a bad number, string or money
 *   literal is still one token, with a best-effort payload).
 * - Token `payload`s hold the decoded values: strings (escapes resolved), numbers,
 *   money (integer micro-dollars, computed from the decimal text, never by float
 *   multiplication), backtick names (backticks stripped).
 * - Offsets are UTF-16 offsets into `text`; Chevrotain's `endOffset` is inclusive.
 * - `docBefore` maps the start offset of a token to the text of the `///` comments
 *   immediately before it (only whitespace between; any other comment breaks the run).
 */
import { type IToken, tokenMatcher, type TokenType } from "chevrotain";
import type { Comment, Span } from "./ast.js";
import * as T from "./tokens.js";

export interface LexResult {
  readonly tokens: IToken[];
  readonly comments: Comment[];
  readonly docBefore: Map<number, string>;
}

export type ReportSyntax = (span: Span, message: string) => void;

const MAX_SAFE_MICROS = BigInt(Number.MAX_SAFE_INTEGER);

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isIdentStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isIdentPart = (c: number): boolean => isIdentStart(c) || isDigit(c);
const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const isNewline = (c: number): boolean => c === 10 || c === 13;
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 11 || c === 12;

/** A number's digits: `_` only between digits, no exponent, no leading `.`. */
const NUMBER_TEXT = /^[0-9]+(?:_[0-9]+)*(?:\.[0-9]+(?:_[0-9]+)*)?$/;

/** Exclusive end offset of a token (Chevrotain's `endOffset` is inclusive and optional in its types). */
export function tokenEnd(t: IToken): number {
  return (t.endOffset ?? t.startOffset + t.image.length - 1) + 1;
}

/** Renders user text for a message: truncated, control characters escaped. */
export function showText(s: string, max = 32): string {
  let out = s.length > max ? `${s.slice(0, max)}…` : s;
  out = out.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return out;
}

/** Token kinds after which `.5` is a member access rather than a number with a leading dot. */
const ENDS_OPERAND: ReadonlySet<TokenType> = new Set([T.RParen, T.RBracket, T.RCurly, T.StringLit, T.NumberLit, T.MoneyLit, T.BacktickName]);

export function lex(text: string, report: ReportSyntax): LexResult {
  const tokens: IToken[] = [];
  const comments: Comment[] = [];
  const docBefore = new Map<number, string>();
  const n = text.length;
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let pendingDoc: string[] = [];

  const push = (type: TokenType, start: number, end: number, payload?: unknown): IToken => {
    // One object shape for every token (payload included) keeps the parser's hot paths monomorphic.
    const t: IToken = {
      image: text.slice(start, end),
      startOffset: start,
      endOffset: end - 1,
      startLine: line,
      endLine: line,
      startColumn: start - lineStart + 1,
      endColumn: end - lineStart,
      tokenTypeIdx: type.tokenTypeIdx!,
      tokenType: type,
      payload,
    };
    if (pendingDoc.length > 0) {
      docBefore.set(start, pendingDoc.join("\n"));
      pendingDoc = [];
    }
    tokens.push(t);
    return t;
  };
  const err = (start: number, end: number, message: string): void => report({ start, end }, message);
  const newlineAt = (at: number): void => {
    line++;
    lineStart = at + 1;
  };

  if (text.charCodeAt(0) === 0xfeff) i = 1;

  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === 10) {
      newlineAt(i);
      i++;
      continue;
    }
    if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      newlineAt(i);
      i++;
      continue;
    }
    if (c === 47 /* / */) {
      const c2 = text.charCodeAt(i + 1);
      if (c2 === 47) {
        let j = i + 2;
        while (j < n && !isNewline(text.charCodeAt(j))) j++;
        const body = text.slice(i, j);
        const isDoc = body.startsWith("///") && !body.startsWith("////");
        comments.push({ kind: "Comment", style: isDoc ? "doc" : "line", text: body, span: { start: i, end: j } });
        if (isDoc) {
          const rest = body.slice(3);
          pendingDoc.push(rest.startsWith(" ") ? rest.slice(1) : rest);
        } else pendingDoc = [];
        i = j;
        continue;
      }
      if (c2 === 42) {
        const close = text.indexOf("*/", i + 2);
        const j = close < 0 ? n : close + 2;
        if (close < 0) err(i, i + 2, "unterminated block comment: `/*` has no matching `*/`");
        for (let k = i; k < j; k++) {
          const ck = text.charCodeAt(k);
          if (ck === 10 || (ck === 13 && text.charCodeAt(k + 1) !== 10)) newlineAt(k);
        }
        comments.push({ kind: "Comment", style: "block", text: text.slice(i, j), span: { start: i, end: j } });
        pendingDoc = [];
        i = j;
        continue;
      }
      i = unknown(i);
      continue;
    }
    if (c === 34 /* " */) {
      i = scanString(i);
      continue;
    }
    if (c === 96 /* ` */) {
      i = scanBacktick(i);
      continue;
    }
    if (isDigit(c)) {
      i = scanNumber(i, i);
      continue;
    }
    if (c === 36 /* $ */) {
      i = scanMoney(i);
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentPart(text.charCodeAt(j))) j++;
      const word = text.slice(i, j);
      push(T.KEYWORD_TYPES.get(word) ?? T.CONTEXTUAL_TYPES.get(word) ?? T.Identifier, i, j);
      i = j;
      continue;
    }
    const c2 = text.charCodeAt(i + 1);
    switch (c) {
      case 40:
        push(T.LParen, i, i + 1);
        i++;
        continue;
      case 41:
        push(T.RParen, i, i + 1);
        i++;
        continue;
      case 91:
        push(T.LBracket, i, i + 1);
        i++;
        continue;
      case 93:
        push(T.RBracket, i, i + 1);
        i++;
        continue;
      case 123:
        push(T.LCurly, i, i + 1);
        i++;
        continue;
      case 125:
        push(T.RCurly, i, i + 1);
        i++;
        continue;
      case 44:
        push(T.Comma, i, i + 1);
        i++;
        continue;
      case 46 /* . */: {
        const prev = tokens[tokens.length - 1];
        const afterOperand = prev !== undefined && prev.endOffset === i - 1 && (ENDS_OPERAND.has(prev.tokenType) || tokenMatcher(prev, T.NameLike));
        if (isDigit(c2) && !afterOperand) {
          err(i, i + 1, "a number cannot start with `.`: write `0.` before it");
          i = scanNumber(i + 1, i);
          continue;
        }
        push(T.Dot, i, i + 1);
        i++;
        continue;
      }
      case 58:
        push(T.Colon, i, i + 1);
        i++;
        continue;
      case 63 /* ? */:
        if (c2 === 63) {
          push(T.QQ, i, i + 2);
          i += 2;
        } else {
          push(T.Question, i, i + 1);
          i++;
        }
        continue;
      case 124 /* | */:
        if (c2 === 124) {
          err(i, i + 2, "`||` is not an operator: write `or`");
          push(T.Or, i, i + 2);
          i += 2;
        } else {
          push(T.Pipe, i, i + 1);
          i++;
        }
        continue;
      case 38 /* & */:
        if (c2 === 38) {
          err(i, i + 2, "`&&` is not an operator: write `and`");
          push(T.And, i, i + 2);
          i += 2;
          continue;
        }
        i = unknown(i);
        continue;
      case 61 /* = */:
        if (c2 === 61) {
          push(T.EqEq, i, i + 2);
          i += 2;
        } else if (c2 === 62) {
          push(T.Arrow, i, i + 2);
          i += 2;
        } else {
          push(T.Equals, i, i + 1);
          i++;
        }
        continue;
      case 33 /* ! */:
        if (c2 === 61) {
          push(T.NotEq, i, i + 2);
          i += 2;
        } else {
          err(i, i + 1, "`!` is not an operator: write `not`");
          push(T.Not, i, i + 1);
          i++;
        }
        continue;
      case 60 /* < */:
        if (c2 === 61) {
          push(T.Le, i, i + 2);
          i += 2;
        } else {
          push(T.Lt, i, i + 1);
          i++;
        }
        continue;
      case 62 /* > */:
        if (c2 === 61) {
          push(T.Ge, i, i + 2);
          i += 2;
        } else {
          push(T.Gt, i, i + 1);
          i++;
        }
        continue;
      case 43:
        push(T.Plus, i, i + 1);
        i++;
        continue;
      case 45:
        push(T.Minus, i, i + 1);
        i++;
        continue;
      case 42:
        push(T.Star, i, i + 1);
        i++;
        continue;
      case 64:
        push(T.At, i, i + 1);
        i++;
        continue;
      default:
        i = unknown(i);
        continue;
    }
  }
  return { tokens, comments, docBefore };

  /** Skips a run of characters that start no token; one error for the run. */
  function unknown(start: number): number {
    let j = start + 1;
    while (j < n && startsNothing(j)) j++;
    const run = text.slice(start, j);
    err(start, j, run.length === 1 || (run.length === 2 && run.codePointAt(0)! > 0xffff) ? `unexpected character \`${showText(run)}\`` : `unexpected characters \`${showText(run)}\``);
    return j;
  }

  function startsNothing(j: number): boolean {
    const c = text.charCodeAt(j);
    if (isSpace(c) || isNewline(c) || isIdentPart(c)) return false;
    if (c === 47) {
      const c2 = text.charCodeAt(j + 1);
      return c2 !== 47 && c2 !== 42;
    }
    if (c === 38) return text.charCodeAt(j + 1) !== 38;
    return !'"`$()[]{},.:?|=!<>+-*@'.includes(text[j]);
  }

  /** `"..."` with the escapes of §12; no raw newline. */
  function scanString(start: number): number {
    let j = start + 1;
    let value = "";
    let chunk = j;
    for (;;) {
      if (j >= n || isNewline(text.charCodeAt(j))) {
        value += text.slice(chunk, j);
        err(start, j, "unterminated string: a string must end with `\"` on the same line");
        break;
      }
      const c = text.charCodeAt(j);
      if (c === 34) {
        value += text.slice(chunk, j);
        j++;
        break;
      }
      if (c !== 92) {
        j++;
        continue;
      }
      value += text.slice(chunk, j);
      const e = text.charCodeAt(j + 1);
      switch (e) {
        case 34:
          value += '"';
          j += 2;
          break;
        case 92:
          value += "\\";
          j += 2;
          break;
        case 47:
          value += "/";
          j += 2;
          break;
        case 110:
          value += "\n";
          j += 2;
          break;
        case 114:
          value += "\r";
          j += 2;
          break;
        case 116:
          value += "\t";
          j += 2;
          break;
        case 117: {
          let k = j + 2;
          while (k < j + 6 && k < n && isHex(text.charCodeAt(k))) k++;
          if (k === j + 6) {
            value += String.fromCharCode(parseInt(text.slice(j + 2, k), 16));
          } else {
            err(j, k, `invalid escape \`${showText(text.slice(j, k))}\`: \`\\u\` takes exactly 4 hex digits`);
          }
          j = k;
          break;
        }
        default: {
          if (j + 1 >= n || isNewline(e)) {
            j++;
            break;
          }
          const w = text.codePointAt(j + 1)! > 0xffff ? 2 : 1;
          err(j, j + 1 + w, `invalid escape \`${showText(text.slice(j, j + 1 + w))}\` in a string: use \`\\"\`, \`\\\\\`, \`\\/\`, \`\\n\`, \`\\r\`, \`\\t\` or \`\\uXXXX\``);
          value += text.slice(j + 1, j + 1 + w);
          j += 1 + w;
          break;
        }
      }
      chunk = j;
    }
    push(T.StringLit, start, j, value);
    return j;
  }

  /** `` `any name` ``: anything but a backtick or a newline. */
  function scanBacktick(start: number): number {
    let j = start + 1;
    while (j < n && text.charCodeAt(j) !== 96 && !isNewline(text.charCodeAt(j))) j++;
    const name = text.slice(start + 1, j);
    if (j < n && text.charCodeAt(j) === 96) {
      j++;
      if (name.length === 0) err(start, j, "empty name: write a name between the backticks");
    } else {
      err(start, j, "unterminated name: a backtick name must end with `` ` `` on the same line");
    }
    push(T.BacktickName, start, j, name);
    return j;
  }

  /** The extent of a numeric literal starting at `from`: digits, `_`, one fraction, and any letters stuck to it. */
  function numericExtent(from: number): { digitsEnd: number; end: number } {
    let j = from;
    while (j < n && (isDigit(text.charCodeAt(j)) || text.charCodeAt(j) === 95)) j++;
    if (text.charCodeAt(j) === 46 && (isDigit(text.charCodeAt(j + 1)) || text.charCodeAt(j + 1) === 95)) {
      j++;
      while (j < n && (isDigit(text.charCodeAt(j)) || text.charCodeAt(j) === 95)) j++;
    }
    let k = j;
    while (k < n && (isIdentPart(text.charCodeAt(k)) || (text.charCodeAt(k) === 46 && isDigit(text.charCodeAt(k + 1)) && k > j))) k++;
    return { digitsEnd: j, end: k };
  }

  /** A number whose digits start at `from`; the token starts at `start` (before a stray leading `.`). */
  function scanNumber(from: number, start: number): number {
    const { digitsEnd, end } = numericExtent(from);
    const image = text.slice(start, end);
    if (start === from && end === from + 2 && text[from] === "1" && text[from + 1] === "M") {
      push(T.OneM, start, end);
      return end;
    }
    const digits = text.slice(from, digitsEnd).replace(/_/g, "");
    let value = Number(start === from ? digits : `0.${digits}`);
    if (end > digitsEnd) {
      const hint = /^[0-9_.]*[eE][+-]?[0-9]/.test(text.slice(from, end)) ? ": exponents are not allowed" : "";
      err(start, end, `invalid number \`${showText(image)}\`${hint}`);
    } else if (start === from && !NUMBER_TEXT.test(image)) {
      err(start, end, `invalid number \`${showText(image)}\`: \`_\` may stand only between digits`);
    } else if (!Number.isFinite(value)) {
      err(start, end, `number \`${showText(image)}\` is too large`);
      value = 0;
    }
    if (!Number.isFinite(value)) value = 0;
    push(T.NumberLit, start, end, value);
    return end;
  }

  /** `$25`, `$0.05`, `$1_000`: integer micro-dollars, at most 6 decimals, at most `Number.MAX_SAFE_INTEGER`. */
  function scanMoney(start: number): number {
    if (!isDigit(text.charCodeAt(start + 1))) {
      err(start, start + 1, "expected an amount after `$`, like `$5` or `$0.25`");
      push(T.MoneyLit, start, start + 1, 0);
      return start + 1;
    }
    const { digitsEnd, end } = numericExtent(start + 1);
    const image = text.slice(start, end);
    const number = text.slice(start + 1, digitsEnd);
    let micros = 0;
    if (end > digitsEnd) {
      err(start, end, `invalid amount \`${showText(image)}\``);
    } else if (!NUMBER_TEXT.test(number)) {
      err(start, end, `invalid amount \`${showText(image)}\`: \`_\` may stand only between digits`);
    } else {
      const [whole, fraction = ""] = number.replace(/_/g, "").split(".");
      if (fraction.length > 6) {
        err(start, end, `amount \`${showText(image)}\` has more than 6 decimals (money is counted in micro-dollars)`);
      } else {
        const value = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, "0"));
        if (value > MAX_SAFE_MICROS) err(start, end, `amount \`${showText(image)}\` is too large`);
        else micros = Number(value);
      }
    }
    push(T.MoneyLit, start, end, micros);
    return end;
  }
}


/** Opening and closing brackets, for the nesting limit. */
const OPENERS: ReadonlySet<TokenType> = new Set([T.LParen, T.LBracket, T.LCurly]);
const CLOSERS: ReadonlySet<TokenType> = new Set([T.RParen, T.RBracket, T.RCurly]);

/**
 * Enforces the bracket nesting limit before the parser recurses: a bracket that would
 * open level `max + 1` and everything up to its matching close (or the end) become one
 * `TooDeep` token, with one `E_SYNTAX`. Linear; returns `tokens` itself when nothing is too deep.
 */
export function limitNesting(tokens: IToken[], max: number, report: ReportSyntax): IToken[] {
  let out: IToken[] | null = null;
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (OPENERS.has(t.tokenType)) {
      if (depth >= max) {
        out ??= tokens.slice(0, i);
        let d = 0;
        let j = i;
        for (; j < tokens.length; j++) {
          if (OPENERS.has(tokens[j].tokenType)) d++;
          else if (CLOSERS.has(tokens[j].tokenType) && --d === 0) break;
        }
        const last = tokens[Math.min(j, tokens.length - 1)];
        report({ start: t.startOffset, end: tokenEnd(last) }, `nesting too deep: brackets may nest at most ${max} levels`);
        const deep: IToken = {
          image: "",
          startOffset: t.startOffset,
          endOffset: tokenEnd(last) - 1,
          startLine: t.startLine,
          endLine: last.endLine,
          startColumn: t.startColumn,
          endColumn: last.endColumn,
          tokenTypeIdx: T.TooDeep.tokenTypeIdx!,
          tokenType: T.TooDeep,
          payload: undefined,
        };
        out.push(deep);
        i = j;
        continue;
      }
      depth++;
    } else if (CLOSERS.has(t.tokenType)) {
      depth = Math.max(0, depth - 1);
    }
    out?.push(t);
  }
  return out ?? tokens;
}
