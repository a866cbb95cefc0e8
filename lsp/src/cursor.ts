/**
 * A token-level look-back at the cursor, for completion in text that does not parse:
 * the word being typed, the tokens before it, the brackets and blocks open around it and
 * the statement it belongs to. Reads the compiler scanner's tokens; builds no tree.
 */
import type { Span } from "@agentpolicy/compiler";
import { scanTokens, type Token } from "./snapshot.js";

export type FrameKind = "top" | "agent" | "test" | "context" | "paren" | "bracket" | "record";

export interface Frame {
  readonly kind: FrameKind;
  /** Token index of the opening bracket (-1 for the top level). */
  readonly open: number;
  /** Block frames: token index where the current statement starts, or -1 (none yet / just closed). */
  stmt: number;
  /** Block frames: the last clause keyword of the current statement (`when`, `to`, `:`, `=>` ...), or -1. */
  clause: number;
}

export interface Cursor {
  readonly offset: number;
  readonly tokens: readonly Token[];
  /** Index of the name being typed (a word token ending at or holding the cursor), or -1. */
  readonly word: number;
  /** What a completion replaces: the word's start to the cursor (empty when no word). */
  readonly replace: Span;
  /** Index of the last token before the word (or before the cursor), or -1. */
  readonly prev: number;
  /** Brackets and blocks open at the cursor, outermost (the top level) first. */
  readonly frames: readonly Frame[];
  readonly inComment: boolean;
  /** Index of the string literal the cursor stands inside, or -1. */
  readonly inString: number;
}

export const isWord = (t: Token | undefined): boolean => t !== undefined && (t.type === "BacktickName" || /^[A-Za-z_]/.test(t.image));

/** The name a word token stands for (backticks stripped). */
export const nameOf = (t: Token): string => (t.type === "BacktickName" && typeof t.value === "string" ? t.value : t.image);

const BLOCKS: ReadonlySet<FrameKind> = new Set(["top", "agent", "test", "context"]);
const CLAUSES: ReadonlySet<string> = new Set(["When", "Unless", "Because", "To", "Per", "By", "Calls", "On", "Equals", "Colon", "Arrow", "With", "Extends", "From", "Version", "Pipe"]);

export function isBlock(f: Frame): boolean {
  return BLOCKS.has(f.kind);
}

/** Words that begin a declaration and stand only at top level: a line starting with one is outside every block. */
const RESTART_WORDS = /^(?:policy|tools|context|const|label|cost|price|default|agent|invariant|test)\b/;
/** Past this many lines back, top-level rules (`allow`, `deny`, ... at column 0) are restart points too. */
const LONG_WINDOW = 400;
const RULE_WORDS = /^(?:allow|deny|review|limit|@)/;

/**
 * Where scanning may start for a look-back at `offset`: the start of the nearest line
 * before it that begins, at column 0, a top-level declaration (so no bracket or block is
 * open there), else the start of the text. Keeps completion independent of file size.
 */
export function windowStart(text: string, offset: number): number {
  let lineStart = text.lastIndexOf("\n", Math.max(0, offset - 1));
  for (let n = 0; lineStart >= 0; n++) {
    const start = lineStart + 1;
    if (start < offset) {
      const head = text.slice(start, start + 12);
      if (RESTART_WORDS.test(head) || (n > LONG_WINDOW && RULE_WORDS.test(head))) return start;
    }
    if (lineStart === 0) break;
    lineStart = text.lastIndexOf("\n", lineStart - 1);
  }
  return 0;
}

/** Reads the text around `offset` (scanning from `windowStart` to the end of the cursor's line). */
export function cursorAt(text: string, offset: number): Cursor {
  const lineEnd = text.indexOf("\n", offset);
  const { tokens, comments } = scanTokens(text, windowStart(text, offset), lineEnd < 0 ? text.length : lineEnd);
  const inComment = comments.some((c) => c.start < offset && (offset < c.end || (c.style !== "block" && offset === c.end)));
  // k: first token starting at or after the cursor.
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid].start < offset) lo = mid + 1;
    else hi = mid;
  }
  const k = lo;
  const last = tokens[k - 1];
  let word = -1;
  let inString = -1;
  if (last && last.end >= offset) {
    if (last.type === "StringLit" && (offset < last.end || !closedString(last))) inString = k - 1;
    else if (isWord(last)) word = k - 1;
  }
  const prev = word >= 0 ? word - 1 : inString >= 0 ? inString - 1 : k - 1;
  const replace = word >= 0 ? { start: tokens[word].start, end: offset } : { start: offset, end: offset };
  return { offset, tokens, word, replace, prev, frames: framesBefore(tokens, prev + 1), inComment, inString };
}

/** Whether a string token has its closing quote. */
function closedString(t: Token): boolean {
  if (t.image.length < 2 || !t.image.endsWith('"')) return false;
  let backslashes = 0;
  for (let i = t.image.length - 2; i > 0 && t.image[i] === "\\"; i--) backslashes++;
  return backslashes % 2 === 0;
}

/** The frames open after the first `limit` tokens. */
function framesBefore(tokens: readonly Token[], limit: number): Frame[] {
  const frames: Frame[] = [{ kind: "top", open: -1, stmt: -1, clause: -1 }];
  for (let i = 0; i < limit; i++) {
    const t = tokens[i];
    const top = frames[frames.length - 1];
    switch (t.type) {
      case "LParen":
        frames.push({ kind: "paren", open: i, stmt: -1, clause: -1 });
        continue;
      case "LBracket":
        frames.push({ kind: "bracket", open: i, stmt: -1, clause: -1 });
        continue;
      case "LCurly":
        frames.push({ kind: blockKind(tokens, i) ?? "record", open: i, stmt: -1, clause: -1 });
        continue;
      case "RParen":
      case "RBracket":
      case "RCurly": {
        const want: readonly FrameKind[] = t.type === "RParen" ? ["paren"] : t.type === "RBracket" ? ["bracket"] : ["record", "agent", "test", "context"];
        let j = frames.length - 1;
        while (j > 0 && !want.includes(frames[j].kind)) j--;
        if (j > 0) {
          const closedBlock = isBlock(frames[j]);
          frames.length = j;
          if (closedBlock) {
            frames[j - 1].stmt = -1;
            frames[j - 1].clause = -1;
          }
        }
        continue;
      }
      default:
        break;
    }
    if (!isBlock(top)) continue;
    // After `.` or `has` any word is a field name (`args.to`, `args has limit`).
    const before = tokens[i - 1]?.type;
    if (before === "Dot" || before === "Has") continue;
    if (startsStatement(tokens, i)) {
      top.stmt = i;
      top.clause = -1;
    } else if (top.stmt >= 0 && CLAUSES.has(t.type)) top.clause = i;
  }
  return frames;
}

/** What a `{` at index `j` opens: an agent block, a test block, the context block, or null (a record). */
export function blockKind(tokens: readonly Token[], j: number): "agent" | "test" | "context" | null {
  const p = j - 1;
  if (tokens[p]?.type === "Context") return "context";
  if (tokens[p]?.type !== "StringLit") return null;
  if (tokens[p - 1]?.type === "Test") return "test";
  let q = p;
  while (tokens[q]?.type === "StringLit" && tokens[q - 1]?.type === "Comma" && tokens[q - 2]?.type === "StringLit") q -= 2;
  if (tokens[q - 1]?.type === "Extends") q -= 2;
  return tokens[q]?.type === "StringLit" && tokens[q - 1]?.type === "Agent" ? "agent" : null;
}

/** Whether the token at `i` begins a declaration or an agent-block member. */
export function startsStatement(tokens: readonly Token[], i: number): boolean {
  const t = tokens[i];
  const before = tokens[i - 1]?.type;
  if (before === "Dot" || before === "Has") return false;
  switch (t.type) {
    case "Allow":
    case "Deny":
    case "Review":
      return before !== "Default" && before !== "Arrow" && before !== "Pipe";
    case "Limit":
    case "Label":
    case "Const":
    case "Tools":
    case "Context":
    case "Policy":
    case "Invariant":
    case "Test":
    case "Expect":
    case "Default":
    case "At":
      return true;
    case "Cost":
      return before !== "Limit";
    case "Price":
      return tokens[i + 1]?.type === "Model";
    case "Agent":
      return tokens[i + 1]?.type === "StringLit" && before !== "Colon" && before !== "Expect";
    default:
      return false;
  }
}

/** The innermost block frame (top level, agent, test or context). */
export function blockFrame(c: Cursor): Frame {
  for (let i = c.frames.length - 1; i >= 0; i--) if (isBlock(c.frames[i])) return c.frames[i];
  return c.frames[0];
}

/** Index of the bracket that opens the group closed at `close`, or -1. */
export function matchingOpen(tokens: readonly Token[], close: number): number {
  const closer = tokens[close]?.type;
  const opener = closer === "RParen" ? "LParen" : closer === "RBracket" ? "LBracket" : closer === "RCurly" ? "LCurly" : null;
  if (opener === null) return -1;
  let depth = 0;
  for (let i = close; i >= 0; i--) {
    const ty = tokens[i].type;
    if (ty === closer) depth++;
    else if (ty === opener && --depth === 0) return i;
  }
  return -1;
}

/** One step of a member chain: `.name` or `.name(...)`. */
export interface ChainStep {
  readonly name: string;
  readonly call: boolean;
}

export type ChainRoot =
  | { readonly kind: "name"; readonly name: string }
  | { readonly kind: "call"; readonly name: string }
  | { readonly kind: "string" }
  | { readonly kind: "list" }
  | { readonly kind: "other" };

export interface Chain {
  readonly root: ChainRoot;
  readonly steps: readonly ChainStep[];
  /** Token index where the chain starts. */
  readonly start: number;
}

/** The member chain ending at token `end` (`args.filter.status`, `url(x).host`, `a.lower()`), or null. */
export function chainEndingAt(tokens: readonly Token[], end: number): Chain | null {
  const steps: ChainStep[] = [];
  let i = end;
  for (let guard = 0; guard < 10_000 && i >= 0; guard++) {
    const t = tokens[i];
    if (t.type === "RParen") {
      const open = matchingOpen(tokens, i);
      if (open <= 0) return null;
      const callee = tokens[open - 1];
      if (!isWord(callee)) return { root: { kind: "other" }, steps, start: open };
      if (tokens[open - 2]?.type === "Dot") {
        steps.unshift({ name: nameOf(callee), call: true });
        i = open - 3;
        continue;
      }
      return { root: { kind: "call", name: nameOf(callee) }, steps, start: open - 1 };
    }
    if (isWord(t)) {
      if (tokens[i - 1]?.type === "Dot") {
        steps.unshift({ name: nameOf(t), call: false });
        i -= 2;
        continue;
      }
      return { root: { kind: "name", name: nameOf(t) }, steps, start: i };
    }
    if (t.type === "StringLit") return { root: { kind: "string" }, steps, start: i };
    if (t.type === "RBracket") {
      const open = matchingOpen(tokens, i);
      return { root: { kind: "list" }, steps, start: Math.max(0, open) };
    }
    return null;
  }
  return null;
}
