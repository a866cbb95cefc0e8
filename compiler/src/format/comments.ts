/**
 * Attaches every comment of a document to a node, for the formatter.
 *
 * Contracts:
 * - Every comment of `document.comments` is attached exactly once: as a leading or
 *   trailing comment of a node, or as a dangling comment of the node that encloses it
 *   when it has no neighbour there (an empty block, a comment inside a selector).
 * - The placement follows Prettier's rules: find the innermost node that encloses the
 *   comment and, among its children, the nearest one before and after it. A comment on
 *   its own line leads the node after it; a comment that ends its line (only comments
 *   may follow it there) trails the node before it; a comment between code on both
 *   sides leads the next node when only whitespace separates them, else trails the
 *   previous one.
 * - INVARIANT (order): once a comment of a gap leads the node after the gap, the later
 *   comments of the gap lead it too, so printing never reorders comments.
 * - Inside a bracketed body (`agent {}`, `test {}`, `context {}`, records, lists, call
 *   arguments) only the body's items are neighbours, so a comment never escapes its
 *   block; comments that follow the opening bracket on its line stay there
 *   (`afterOpener`).
 * - A comment just inside the parentheses around an expression belongs inside that
 *   expression (so it stays there whether the printer keeps the parentheses or not).
 * - Selectors, windows and other one-token constructs are atomic: a comment inside one
 *   dangles on it.
 */
import { type IToken, tokenMatcher, type TokenType } from "chevrotain";
import type * as A from "../syntax/ast.js";
import { childrenOf } from "../syntax/ast.js";
import { lex, tokenEnd } from "../syntax/lexer.js";
import * as T from "../syntax/tokens.js";

/** Node kinds that parentheses can enclose. */
const EXPRESSION_KINDS: ReadonlySet<string> = new Set([
  "StringLiteral",
  "NumberLiteral",
  "MoneyLiteral",
  "BooleanLiteral",
  "NullLiteral",
  "ListLiteral",
  "RecordLiteral",
  "NameRef",
  "MemberExpr",
  "CallExpr",
  "LambdaExpr",
  "UnaryExpr",
  "BinaryExpr",
  "HasExpr",
]);

/** Tokens after which `(` opens call arguments rather than a parenthesized expression. */
const OPERAND_ENDS: ReadonlySet<TokenType> = new Set([T.StringLit, T.NumberLit, T.MoneyLit, T.True, T.False, T.Null, T.RParen, T.RBracket, T.RCurly]);

export interface AttachedComment {
  readonly comment: A.Comment;
  /** Only whitespace precedes it on its line. */
  readonly ownLine: boolean;
  /** Only whitespace and comments follow it on its line. */
  readonly endOfLine: boolean;
  /** A line break separates it from the next token or comment. */
  readonly newlineAfter: boolean;
  /** A blank line separates it from the previous token or comment. */
  readonly blankBefore: boolean;
  /** A blank line separates it from the next token or comment. */
  readonly blankAfter: boolean;
  /** A dangling comment that stays on the line of its block's opening bracket. */
  readonly afterOpener: boolean;
}

export interface CommentAttachments {
  readonly leading: ReadonlyMap<A.Node, readonly AttachedComment[]>;
  readonly trailing: ReadonlyMap<A.Node, readonly AttachedComment[]>;
  readonly dangling: ReadonlyMap<A.Node, readonly AttachedComment[]>;
  /** Number of comments attached (equals `document.comments.length`). */
  readonly count: number;
}

interface Container {
  /** Offset just after the opening bracket. */
  readonly openerEnd: number;
  readonly opener: IToken | undefined;
  readonly body: readonly A.Node[];
  readonly head: readonly A.Node[];
}

/** Children that can take comments; one-token constructs (selectors, windows, names) have none. */
function attachChildren(node: A.Node): A.Node[] {
  if (node.kind === "ToolSelector" || node.kind === "Window" || node.kind === "Identifier" || node.kind === "Comment") return [];
  return childrenOf(node);
}

/** Attaches every comment of a syntactically clean document (see the header). */
export function attachComments(document: A.Document): CommentAttachments {
  const childCache = new Map<A.Node, A.Node[]>();
  const children = (n: A.Node): A.Node[] => {
    let list = childCache.get(n);
    if (!list) childCache.set(n, (list = attachChildren(n)));
    return list;
  };
  const text = document.text;
  const tokens = lex(text, () => undefined).tokens;
  const commentStarts = new Map<number, A.Comment>();
  for (const c of document.comments) commentStarts.set(c.span.start, c);

  const leading = new Map<A.Node, AttachedComment[]>();
  const trailing = new Map<A.Node, AttachedComment[]>();
  const dangling = new Map<A.Node, AttachedComment[]>();
  /** `lastLeading`: the node the previous comment was attached to as a leading comment, if it was. */
  const state: { lastLeading: A.Node | null } = { lastLeading: null };
  const add = (map: Map<A.Node, AttachedComment[]>, node: A.Node, c: AttachedComment): void => {
    state.lastLeading = map === leading ? node : null;
    const list = map.get(node);
    if (list) list.push(c);
    else map.set(node, [c]);
  };

  /** Index of the first token starting at or after `offset`. */
  const tokenAtOrAfter = (offset: number): number => {
    let lo = 0;
    let hi = tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tokens[mid].startOffset < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const firstTokenOf = (image: string, from: number): IToken | undefined => {
    for (let i = tokenAtOrAfter(from); i < tokens.length; i++) if (tokens[i].image === image) return tokens[i];
    return undefined;
  };

  // Matching parentheses, by token index: a comment just inside the parentheses around a
  // node belongs inside that node (it stays inside them when they are kept).
  const closing = new Map<number, number>();
  const open: number[] = [];
  tokens.forEach((tok, i) => {
    if (tok.image === "(") open.push(i);
    else if (tok.image === ")" && open.length > 0) closing.set(open.pop()!, i);
  });
  /** Whether the `(` at token `i` opens a call's arguments (it follows the end of an operand). */
  const callParen = (i: number): boolean => {
    const prev = tokens[i - 1];
    if (!prev) return false;
    if (tokenMatcher(prev, T.PlainName) || OPERAND_ENDS.has(prev.tokenType)) return true;
    return tokenMatcher(prev, T.NameLike) && tokens[i - 2]?.tokenType === T.Dot;
  };
  const insideParensOf = (n: A.Node, start: number, end: number): boolean => {
    if (!EXPRESSION_KINDS.has(n.kind)) return false;
    const before = tokenAtOrAfter(n.span.start) - 1;
    const after = tokenAtOrAfter(n.span.end);
    if (before < 0 || closing.get(before) !== after || callParen(before)) return false;
    return tokenEnd(tokens[before]) <= start && end <= tokens[after].startOffset;
  };

  const containerOf = (node: A.Node): Container | null => {
    const make = (opener: IToken | undefined, body: readonly A.Node[]): Container => {
      const bodySet = new Set(body);
      return { opener, openerEnd: opener ? tokenEnd(opener) : node.span.start, body, head: children(node).filter((n) => !bodySet.has(n)) };
    };
    switch (node.kind) {
      case "AgentDecl": {
        const headEnd = Math.max(node.id.span.end, ...node.extends.map((e) => e.span.end));
        return make(firstTokenOf("{", headEnd), node.body);
      }
      case "TestDecl":
        return make(firstTokenOf("{", node.name.span.end), node.expects);
      case "ContextDecl":
        return make(firstTokenOf("{", node.span.start), node.fields);
      case "RecordType":
        return make(firstTokenOf("{", node.span.start), node.fields);
      case "RecordLiteral":
        return make(firstTokenOf("{", node.span.start), node.entries);
      case "ListLiteral":
        return make(firstTokenOf("[", node.span.start), node.elements);
      case "CallExpr":
        return make(firstTokenOf("(", node.callee.span.end), node.args);
      default:
        return null;
    }
  };

  const isBlank = (s: string): boolean => /^\s*$/.test(s);
  const lineBreaks = (s: string): number => (s.match(/\r\n|\r|\n/g) ?? []).length;
  const comments = document.comments;
  /** End of the token or comment before comment `ci`. */
  const previousBoundary = (ci: number): number => {
    let best = 0;
    const ti = tokenAtOrAfter(comments[ci].span.start) - 1;
    if (ti >= 0) best = tokenEnd(tokens[ti]);
    if (ci > 0) best = Math.max(best, comments[ci - 1].span.end);
    return best;
  };
  /** Start of the token or comment after comment `ci`. */
  const nextBoundary = (ci: number): number => {
    let best = text.length;
    const ti = tokenAtOrAfter(comments[ci].span.end);
    if (ti < tokens.length) best = tokens[ti].startOffset;
    if (ci + 1 < comments.length) best = Math.min(best, comments[ci + 1].span.start);
    return best;
  };
  /** From `pos`, only whitespace and single-line block comments up to the end of the line. */
  const restOfLineIsComments = (pos: number): boolean => {
    let p = pos;
    for (;;) {
      while (p < text.length && (text[p] === " " || text[p] === "\t" || text[p] === "\f" || text[p] === "\v")) p++;
      if (p >= text.length || text[p] === "\n" || text[p] === "\r") return true;
      const c = commentStarts.get(p);
      if (!c) return false;
      if (c.style !== "block") return true;
      if (/[\r\n]/.test(c.text)) return false;
      p = c.span.end;
    }
  };

  for (let ci = 0; ci < comments.length; ci++) {
    const comment = comments[ci];
    const { start, end } = comment.span;
    const lineStart = Math.max(text.lastIndexOf("\n", start - 1), text.lastIndexOf("\r", start - 1)) + 1;
    const ownLine = isBlank(text.slice(lineStart, start));
    const endOfLine = restOfLineIsComments(end);
    const before = text.slice(previousBoundary(ci), start);
    const after = text.slice(end, nextBoundary(ci));
    const base = {
      comment,
      ownLine,
      endOfLine,
      newlineAfter: comment.style !== "block" || lineBreaks(after) > 0,
      blankBefore: lineBreaks(before) >= 2,
      blankAfter: lineBreaks(after) >= 2,
    };

    // Descend to the innermost enclosing node.
    let enclosing: A.Node = document;
    let candidates: readonly A.Node[] = children(document);
    let container: Container | null = null;
    for (;;) {
      const inner = candidates.find(
        (n) => n.span.start < n.span.end && ((n.span.start <= start && end <= n.span.end) || insideParensOf(n, start, end)),
      );
      if (!inner) break;
      enclosing = inner;
      container = containerOf(inner);
      candidates = children(inner);
      if (container) candidates = start >= container.openerEnd ? container.body : container.head;
    }
    const inBody = container !== null && start >= container.openerEnd;
    let preceding: A.Node | undefined;
    let following: A.Node | undefined;
    for (const n of candidates) {
      if (n.span.end <= start && n.span.start < n.span.end) preceding = n;
      else if (n.span.start >= end && !following) following = n;
    }

    if (inBody && container && !preceding && container.opener) {
      const sameLine = lineBreaks(text.slice(container.openerEnd, start)) === 0;
      if (sameLine && restOfLineIsComments(start) && lineBreaks(comment.text) === 0) {
        add(dangling, enclosing, { ...base, afterOpener: true });
        continue;
      }
    }
    const attached: AttachedComment = { ...base, afterOpener: false };
    // The order invariant of the header: a later comment of the gap joins the earlier one.
    const tie = state.lastLeading;
    if (tie && tie.span.start >= end) {
      add(leading, tie, attached);
      continue;
    }
    if (ownLine) {
      if (following) add(leading, following, attached);
      else if (preceding) add(trailing, preceding, attached);
      else add(dangling, enclosing, attached);
    } else if (endOfLine) {
      if (preceding) add(trailing, preceding, attached);
      else if (following) add(leading, following, attached);
      else add(dangling, enclosing, attached);
    } else if (preceding && following) {
      const gap = stripComments(text.slice(end, following.span.start));
      if (/^[\s(]*$/.test(gap)) add(leading, following, attached);
      else add(trailing, preceding, attached);
    } else if (preceding) add(trailing, preceding, attached);
    else if (following) add(leading, following, attached);
    else add(dangling, enclosing, attached);
  }
  return { leading, trailing, dangling, count: document.comments.length };
}

function stripComments(s: string): string {
  return s.replace(/\/\*[\s\S]*?\*\/|\/\/[^\r\n]*/g, "");
}
