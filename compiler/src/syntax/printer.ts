/**
 * The canonical printer: a parsed `Document` and its attached comments → text
 * (LANGUAGE.md §11). `format/format.ts` is the entry point that parses, refuses broken
 * files and verifies the result; this file only decides the layout.
 *
 * The canonical layout
 * --------------------
 * Lines and blocks
 * - Declarations stay in source order, one per line (or per block), 2-space
 *   indentation inside `{}`, lines of at most 100 columns where a break is possible,
 *   `\n` line ends, no trailing spaces, exactly one newline at the end of the file.
 * - Between two declarations: exactly one blank line when their kinds differ (header,
 *   `tools`, `const`, `label`, `cost`, `price`, `default`, rules, limits, invariants)
 *   and always around `context`, `agent` and `test` blocks; between two declarations
 *   of one kind, one blank line if the author left at least one, else none. The same
 *   holds for the rules and limits of an agent block, the fields of `context` and the
 *   `expect` lines of a test. Blocks have no blank line after `{` or before `}`; an
 *   empty block is `{}`.
 * Declarations
 * - Annotations each on their own line above their rule or limit.
 * - A rule is one line when it fits; otherwise each `when` / `unless` / `because`
 *   clause goes on its own continuation line, indented two more spaces. A selector
 *   list that does not fit puts one selector per line, the later ones indented four
 *   spaces.
 * - `limit` forms: `limit SEL, ... to N calls per W [by E]`, `limit tokens to N per W`,
 *   `limit cost to $M per W`, `limit repeats to N`; a `by` clause that does not fit
 *   goes on a continuation line. Windows keep the author's unit: `per minute` (a count
 *   of 1 is dropped, `per 1 hours` → `per hour`), `per 5 minutes` (a count other than 1
 *   takes the plural), `per session`.
 * - `context` fields one per line, without commas; a nested record type is
 *   `{ a: string, b?: number }` when it fits, else one field per line without commas.
 * - `invariant NAME: ...` on one line when it fits, else broken after the colon, and
 *   if still too long, `when` and `=>` on continuation lines.
 * - `expect ...` on one line when it fits, else `calls`, `with` and `=>` each on a
 *   continuation line.
 * Expressions
 * - One space around binary operators and after commas and colons; `{ a: 1 }` with
 *   inner spaces, `[a, b]` and `f(a)` without; `{}` and `[]` when empty.
 * - `and` / `or` chains that do not fit break before each operator, indented two
 *   spaces from the start of the chain; records, lists and call arguments that do not
 *   fit put one item per line with a trailing comma.
 * - Parentheses exactly where precedence requires them (the tree decides, not the
 *   author): `a and b or c` stays bare; `(a or b) and c`, `(not a) == b`,
 *   `-(a + b)`, `(a ?? b).length` keep theirs; redundant ones are dropped. Chains of
 *   one operator that the author grouped to the right keep their parentheses
 *   (`a and (b and c)`), so the tree never changes.
 * Tokens
 * - Strings are re-escaped canonically: `\"`, `\\`, `\n`, `\r`, `\t`; other control,
 *   invisible and bidirectional-override characters as `\uXXXX` (lower-case hex);
 *   `/` and every other character as itself.
 * - Numbers and money keep their written form (`5_000`, `$0.05`); backtick names keep
 *   their backticks; a record key is bare when it is identifier-shaped and not written
 *   as a string, else as written. Selectors are printed exactly as their `text` (so
 *   rule ids never change).
 * Comments (attached by format/comments.ts)
 * - Every comment is printed exactly once, with its text unchanged, in source order.
 * - A comment on its own line stays on its own line before the code it preceded.
 *   Before a clause keyword (`when`, `unless`, `because`, `by`, `with`, `=>`,
 *   `calls`), an operator (`and`, `==`, `|`, `has`, ...) or a separator word (`on`,
 *   `from`, `to`, `:`), it goes above that word, which then starts the next line.
 * - A `//` or `///` comment after code stays right after that code and ends the line:
 *   inside a declaration the rest continues on the next line; after a whole
 *   declaration, field or `expect` it stays at the end of its last line. A `/* *\/`
 *   comment between code stays between the same tokens (a list comma moves before it).
 * - Comments just inside the brackets of a block, record, list or call stay there;
 *   comments inside parentheses stay with the expression they enclose.
 * - Blank lines around comments between declarations are kept (at most one); inside
 *   a declaration they are not.
 * - `///` comments keep documenting exactly the declaration or field they documented.
 */
import type { AttachedComment, CommentAttachments } from "../format/comments.js";
import {
  breakParent,
  type Doc,
  group,
  hardline,
  ifBreak,
  indent,
  join,
  line,
  lineSuffix,
  mergingHardline,
  printDoc,
  softline,
  verbatim,
} from "../format/doc.js";
import type * as A from "./ast.js";
import { BINARY_PRECEDENCE, PREC_CMP, PREC_COALESCE, PREC_NEG, PREC_NOT, PREC_POSTFIX } from "./precedence.js";

/** The line width the canonical layout aims for. */
export const PRINT_WIDTH = 100;

export interface PrintResult {
  readonly text: string;
  /** How many comments were printed (a correct print prints every attached comment once). */
  readonly commentsPrinted: number;
}

/** Prints a syntactically clean document in the canonical layout. */
export function printDocument(document: A.Document, comments: CommentAttachments, width: number = PRINT_WIDTH): PrintResult {
  const printer = new Printer(document, comments);
  const doc = printer.document();
  const text = printDoc(doc, width).replace(/\n+$/, "");
  return { text: text === "" ? "" : `${text}\n`, commentsPrinted: printer.printedCount };
}

// ---------------------------------------------------------------- precedence


function precedence(e: A.Expr): number {
  switch (e.kind) {
    case "BinaryExpr":
      return BINARY_PRECEDENCE[e.op];
    case "UnaryExpr":
      return e.op === "not" ? PREC_NOT : PREC_NEG;
    case "HasExpr":
      return PREC_CMP;
    case "LambdaExpr":
      return 0;
    default:
      return PREC_POSTFIX;
  }
}

/** Whether `child` needs parentheses as the `side` operand of a binary operator of precedence `prec`. */
function binaryOperandNeedsParens(prec: number, side: "left" | "right", child: A.Expr): boolean {
  const c = precedence(child);
  if (prec === PREC_CMP) return c <= PREC_CMP; // comparisons do not chain, and `not` is looser
  if (prec === PREC_COALESCE) return side === "left" ? c <= prec : c < prec; // right-associative
  return side === "left" ? c < prec : c <= prec; // left-associative
}

// ---------------------------------------------------------------- tokens

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Characters a canonical string writes as `\uXXXX`: controls, invisible and bidi-override characters, lone surrogates. */
function escapedAsUnicode(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0xad ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x2028 && code <= 0x202e) ||
    (code >= 0x2060 && code <= 0x2069) ||
    code === 0xfeff
  );
}

/** A string literal in canonical form. */
export function quoteString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    const code = value.charCodeAt(i);
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < value.length && value.charCodeAt(i + 1) >= 0xdc00 && value.charCodeAt(i + 1) <= 0xdfff) {
      out += value.slice(i, i + 2);
      i++;
    } else if (escapedAsUnicode(code) || (code >= 0xd800 && code <= 0xdfff)) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

const UNIT_MS: Readonly<Record<string, number>> = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** `per W` text of a window: the author's unit, count 1 dropped, plural for other counts. */
function windowText(w: A.Window, source: string): string {
  if (w.ms === "session") return "session";
  const written = source.replace(/\/\*[\s\S]*?\*\/|\/\/[^\r\n]*/g, " ").trim();
  const m = /^(?:([0-9][0-9_]*(?:\.[0-9_]+)?)\s+)?(second|minute|hour|day)s?$/.exec(written);
  if (m) {
    const unit = m[2];
    const count = w.ms / UNIT_MS[unit];
    if (count === 1) return unit;
    if (m[1] !== undefined && Number(m[1].replace(/_/g, "")) === count) return `${m[1]} ${unit}s`;
    if (Number.isInteger(count)) return `${count} ${unit}s`;
  }
  for (const unit of ["day", "hour", "minute", "second"]) {
    const count = w.ms / UNIT_MS[unit];
    if (Number.isInteger(count)) return count === 1 ? unit : `${count} ${unit}s`;
  }
  return `${w.ms / 1000} seconds`;
}

// ---------------------------------------------------------------- the printer

type BlockKind = string | null;

/** Kind of a top-level declaration for blank-line grouping; null: a block, always set apart. */
function declarationKind(n: A.Node): BlockKind {
  switch (n.kind) {
    case "ContextDecl":
    case "AgentDecl":
    case "TestDecl":
      return null;
    case "Rule":
      return "rule";
    default:
      return n.kind;
  }
}

const isLineStyle = (c: AttachedComment): boolean => c.comment.style !== "block";

/** The child printed last, at the very end of an expression (its right spine), if any. */
function rightmostChild(n: A.Node): A.Node | null {
  switch (n.kind) {
    case "BinaryExpr":
      return n.right;
    case "UnaryExpr":
      return n.operand;
    case "HasExpr":
      return n.field;
    case "MemberExpr":
      return n.property;
    case "LambdaExpr":
      return n.body;
    case "RecordEntry":
      return n.value;
    default:
      return null;
  }
}

/** The child printed first, at the very start of an expression (its left spine), if any. */
function leftmostChild(n: A.Node): A.Node | null {
  switch (n.kind) {
    case "BinaryExpr":
      return n.left;
    case "MemberExpr":
      return n.object;
    case "CallExpr":
      return n.callee;
    case "HasExpr":
      return n.object;
    default:
      return null;
  }
}

class Printer {
  private readonly printed = new Set<A.Comment>();
  private readonly text: string;
  private readonly commentAt = new Map<number, A.Comment>();

  constructor(
    private readonly root: A.Document,
    private readonly comments: CommentAttachments,
  ) {
    this.text = root.text;
    for (const c of root.comments) this.commentAt.set(c.span.start, c);
  }

  /** Offset of the first source character at or after `from` that is neither whitespace nor inside a comment. */
  private nextCodeOffset(from: number): number {
    let p = from;
    while (p < this.text.length) {
      const c = this.commentAt.get(p);
      if (c) p = c.span.end;
      else if (/\s/.test(this.text[p])) p++;
      else break;
    }
    return p;
  }

  get printedCount(): number {
    return this.printed.size;
  }

  private source(span: A.Span): string {
    return this.text.slice(span.start, span.end);
  }

  // ------------------------------------------------------------ comments

  private unprinted(list: readonly AttachedComment[] | undefined): AttachedComment[] {
    return (list ?? []).filter((c) => !this.printed.has(c.comment));
  }

  private take(c: AttachedComment): Doc {
    this.printed.add(c.comment);
    return verbatim(c.comment.text, isLineStyle(c));
  }

  /** Comments above or before a node: a line comment or a comment followed by a line break ends its line. */
  private leadingDoc(list: readonly AttachedComment[], blockItem: boolean): Doc {
    return list.map((c) => {
      const text = this.take(c);
      if (!c.newlineAfter) return [text, " "];
      return [text, hardline, blockItem && c.blankAfter ? hardline : ""];
    });
  }

  /**
   * Comments after a node. `blockItem`: the node is a whole line of a block (a
   * declaration, field, `expect`): its line comments are held back to the end of its
   * last line. Inside a construct, a comment stays right after its node and a line
   * comment ends the line there, so every comment keeps its neighbours.
   */
  private trailingDoc(list: readonly AttachedComment[], blockItem: boolean): Doc {
    return list.map((c, i) => {
      const text = this.take(c);
      const blank = c.blankBefore ? hardline : "";
      if (blockItem) {
        if (c.ownLine) return [lineSuffix([hardline, blank, text], isLineStyle(c)), breakParent];
        return isLineStyle(c) ? [lineSuffix([" ", text], true), breakParent] : [" ", text];
      }
      // A block comment never forces a line break after it (a break the printer made must not become the author's).
      const after = isLineStyle(c) ? mergingHardline : "";
      // After a comment that ended its line, the next one starts a line (and reads as own-line when parsed again).
      const startsLine = c.ownLine || (i > 0 && isLineStyle(list[i - 1]));
      if (startsLine) return [hardline, text, mergingHardline];
      return [" ", text, after];
    });
  }

  /** Whether any of these comments must end its line (so it cannot stay inline). */
  private needsOwnLine(list: readonly AttachedComment[]): boolean {
    return list.some((c) => isLineStyle(c) || c.newlineAfter);
  }

  /**
   * The comments before `node` and the expressions that start with it (its left spine)
   * up to the last one that must end its line, taken now to be printed on their own
   * lines before a keyword that precedes it (`when`, `and`, ...).
   */
  private hoist(node: A.Node | null | undefined): Doc[] {
    if (!node) return [];
    const list = this.spineLeading(node);
    let last = -1;
    list.forEach((c, i) => {
      if (this.needsOwnLine([c])) last = i;
    });
    // The comments up to the last one that must end its line move; inline ones after it stay by the value.
    return list.slice(0, last + 1).map((c) => [this.take(c), hardline]);
  }

  /**
   * `SEPARATOR VALUE` printed after other text on a line (` on `, `: `, ` | `, ...). A
   * comment that must stand on its own line before the value goes on its own line
   * before the separator, which then starts the next line: `allow` / `// why` /
   * `| review`. (Printed after the separator, it would end the separator's line and
   * trail the previous node once parsed again.)
   */
  private joined(separator: string, node: A.Node, print: () => Doc): Doc {
    const hoisted = this.hoist(node);
    return hoisted.length === 0 ? [separator, print()] : [hardline, hoisted, separator.trimStart(), print()];
  }

  /** `nodes` joined by an inline separator (see `joined`). */
  private separated(nodes: readonly A.Node[], separator: string, print: (n: A.Node) => Doc): Doc {
    return nodes.map((n, i) => (i === 0 ? print(n) : this.joined(separator, n, () => print(n))));
  }

  /** `a, b, c` on one line; a comma stays right after its item, before the item's comments. */
  private commaList(nodes: readonly A.StringLiteral[]): Doc {
    return nodes.map((n, i) => {
      const item = (): Doc => this.string(n, i < nodes.length - 1 ? "," : "");
      return i === 0 ? item() : this.joined(" ", n, item);
    });
  }

  /**
   * `body` with the node's unprinted comments around it: leading ones (its own and its
   * left spine's, which print before any of its tokens), then `after` (a separator
   * that belongs right after the node, like a list comma), then dangling and trailing
   * ones.
   */
  private withComments(node: A.Node, body: Doc | (() => Doc), options: { blockItem?: boolean; after?: Doc } = {}): Doc {
    // INVARIANT: the leading comments are taken before the body is built, so the spine's are printed here.
    const blockItem = options.blockItem ?? false;
    const lead = this.leadingDoc(this.spineLeading(node), blockItem);
    // With a separator after the node, the trailing comments of the expressions it ends with go after the separator.
    const tail: AttachedComment[] = [];
    if (options.after !== undefined && options.after !== "") {
      for (let n = rightmostChild(node); n; n = rightmostChild(n)) {
        const end = n.span.end;
        const outside = this.unprinted(this.comments.dangling.get(n)).filter((c) => c.comment.span.start >= end);
        tail.unshift(...outside, ...this.unprinted(this.comments.trailing.get(n)));
      }
      for (const c of tail) this.printed.add(c.comment);
    }
    if (typeof body === "function") body = body();
    for (const c of tail) this.printed.delete(c.comment);
    const dangling = this.unprinted(this.comments.dangling.get(node));
    const trailing = this.unprinted(this.comments.trailing.get(node));
    const after = [...tail, ...dangling, ...trailing].sort((a, b) => a.comment.span.start - b.comment.span.start);
    return [lead, body, options.after ?? "", this.trailingDoc(after, blockItem)];
  }

  /** Unprinted comments before `node` and before the expressions that start with it, in source order. */
  private spineLeading(node: A.Node): AttachedComment[] {
    const list: AttachedComment[] = [];
    for (let n: A.Node | null = node; n; n = leftmostChild(n)) {
      list.push(...this.unprinted(this.comments.leading.get(n)));
      // Dangling comments before a node's first token stood inside parentheses around it.
      const start = n.span.start;
      list.push(...this.unprinted(this.comments.dangling.get(n)).filter((c) => c.comment.span.end <= start));
    }
    return list.sort((a, b) => a.comment.span.start - b.comment.span.start);
  }

  private hasComments(node: A.Node): boolean {
    return (
      this.unprinted(this.comments.leading.get(node)).length > 0 ||
      this.unprinted(this.comments.trailing.get(node)).length > 0 ||
      this.unprinted(this.comments.dangling.get(node)).length > 0
    );
  }

  /** Dangling comments that stay on the line of an opening bracket. */
  private afterOpener(node: A.Node): Doc[] {
    const list = this.unprinted(this.comments.dangling.get(node)).filter((c) => c.afterOpener);
    return list.map((c) => {
      const text = this.take(c);
      return isLineStyle(c) ? [lineSuffix([" ", text], true), breakParent] : [" ", text];
    });
  }

  /** A comment that stays between two tokens of a construct: a line comment ends the line there. */
  private innerComment(c: AttachedComment): Doc {
    const text = this.take(c);
    return isLineStyle(c) ? [text, mergingHardline] : text;
  }

  /** The node's dangling comments (in source order) that start before / after `offset`. */
  private danglingSplit(node: A.Node, offset: number): { before: AttachedComment[]; after: AttachedComment[] } {
    const list = this.unprinted(this.comments.dangling.get(node)).filter((c) => !c.afterOpener);
    return { before: list.filter((c) => c.comment.span.start < offset), after: list.filter((c) => c.comment.span.start >= offset) };
  }

  /** Dangling comments of an empty bracketed construct, printed between its brackets. */
  private emptyBrackets(node: A.Node, open: string, close: string, spaced: boolean): Doc {
    const opener = this.afterOpener(node);
    const list = this.unprinted(this.comments.dangling.get(node));
    if (opener.length === 0 && list.length === 0) return `${open}${close}`;
    if (opener.length === 0 && !this.needsOwnLine(list)) {
      const inner = join(" ", list.map((c) => this.take(c)));
      return spaced ? [open, " ", inner, " ", close] : [open, inner, close];
    }
    const lines = list.map((c, i) => [hardline, i > 0 && list[i - 1].blankAfter ? hardline : "", this.take(c)]);
    return [open, opener, indent(lines), hardline, close];
  }

  // ------------------------------------------------------------ blocks

  /** Items of a block, one per line, with the blank-line rules of the header comment. */
  private items(list: readonly A.Node[], kindOf: (n: A.Node) => BlockKind, print: (n: A.Node) => Doc): Doc {
    const parts: Doc[] = [];
    list.forEach((item, i) => {
      if (i > 0) {
        parts.push(hardline);
        if (this.blankBetween(list[i - 1], item, kindOf)) parts.push(hardline);
      }
      parts.push(this.withComments(item, () => print(item), { blockItem: true }));
    });
    return parts;
  }

  private blankBetween(prev: A.Node, next: A.Node, kindOf: (n: A.Node) => BlockKind): boolean {
    const a = kindOf(prev);
    const b = kindOf(next);
    if (a === null || b === null || a !== b) return true;
    let end = prev.span.end;
    for (const c of this.comments.trailing.get(prev) ?? []) if (!c.ownLine) end = Math.max(end, c.comment.span.end);
    let start = next.span.start;
    for (const c of this.comments.leading.get(next) ?? []) start = Math.min(start, c.comment.span.start);
    if (start < end) return false;
    return (this.text.slice(end, start).match(/\r\n|\r|\n/g) ?? []).length >= 2;
  }

  /** `OPEN` + items on their own lines + `CLOSE`; `{}` when empty. */
  private block(owner: A.Node, list: readonly A.Node[], kindOf: (n: A.Node) => BlockKind, print: (n: A.Node) => Doc): Doc {
    if (list.length === 0) return this.emptyBrackets(owner, "{", "}", true);
    return ["{", this.afterOpener(owner), indent([hardline, this.items(list, kindOf, print)]), hardline, "}"];
  }

  // ------------------------------------------------------------ document

  document(): Doc {
    const items: A.Node[] = [];
    if (this.root.header) items.push(this.root.header);
    items.push(...this.root.declarations);
    const body = this.items(items, declarationKind, (n) => this.declaration(n));
    const rest = this.unprinted(this.comments.dangling.get(this.root));
    const tail = rest.map((c, i) => [i > 0 || items.length > 0 ? hardline : "", this.take(c)]);
    return [body, tail];
  }

  private declaration(n: A.Node): Doc {
    switch (n.kind) {
      case "PolicyHeader": {
        const version = n.version;
        return ["policy ", indent([this.identifier(n.name), version ? this.joined(" version ", version, () => this.string(version)) : ""])];
      }
      case "ToolsDecl":
        return ["tools ", indent([this.identifier(n.alias), this.joined(" from ", n.path, () => this.string(n.path))])];
      case "ContextDecl": {
        const { before } = this.danglingSplit(n, this.nextCodeOffset(n.span.start + "context".length));
        const head = before.map((c) => [this.innerComment(c), " "]);
        return ["context ", head, this.block(n, n.fields, () => "field", (f) => this.field(f as A.FieldDecl))];
      }
      case "ConstDecl": {
        const hoisted = this.hoist(n.value);
        const name = this.identifier(n.name);
        if (hoisted.length === 0) return group(["const ", indent([name, " = "]), this.expr(n.value)]);
        return group(["const ", indent([name, hardline, hoisted, "= "]), this.expr(n.value)]);
      }
      case "LabelDecl":
        return group(["label ", indent([this.identifier(n.name), this.joined(" on ", n.selectors[0], () => indent(this.selectors(n.selectors)))])]);
      case "CostDecl":
        return group([
          "cost ",
          indent([indent(this.selectors(n.selectors)), this.joined(" = ", n.amount, () => this.money(n.amount)), " per call"]),
        ]);
      case "PriceDecl":
        return [
          "price model ",
          indent([
            this.string(n.model),
            this.joined(" input ", n.input, () => this.money(n.input)),
            this.joined(" output ", n.output, () => this.money(n.output)),
            " per 1M tokens",
          ]),
        ];
      case "DefaultDecl": {
        const { before } = this.danglingSplit(n, n.span.end);
        return ["default ", before.map((c) => [this.innerComment(c), " "]), n.effect];
      }
      case "AgentDecl":
        return this.agent(n);
      case "Rule":
        return this.rule(n);
      case "Limit":
        return this.limit(n);
      case "Invariant":
        return this.invariant(n);
      case "TestDecl":
        return ["test ", this.string(n.name), " ", this.block(n, n.expects, () => "expect", (e) => this.expect(e as A.Expect))];
      default:
        return this.source(n.span);
    }
  }

  private agent(n: A.AgentDecl): Doc {
    const first = n.extends[0];
    const parents = first ? this.joined(" extends ", first, () => this.commaList(n.extends)) : "";
    const head = ["agent ", indent([this.string(n.id), parents])];
    return [head, " ", this.block(n, n.body, declarationKind, (m) => this.declaration(m))];
  }

  /** `@a("x")` lines, then the comments that stood between them and the keyword. */
  private annotations(list: readonly A.Annotation[], firstAfter: A.Node | null): Doc {
    if (list.length === 0) return "";
    const lines = list.map((a) => [
      this.withComments(a, ["@", this.identifier(a.name), this.joined("(", a.value, () => this.string(a.value, ")"))]),
      hardline,
    ]);
    return [lines, this.hoist(firstAfter)];
  }

  private rule(n: A.Rule): Doc {
    const anns = this.annotations(n.annotations, n.selectors[0] ?? n.when ?? n.unless ?? n.because);
    const clauses: Doc[] = [];
    const head = [n.effect, " ", indent(indent(this.selectors(n.selectors)))];
    const { when, unless, because } = n;
    if (when) clauses.push(indent([line, this.clause("when", when, () => this.expr(when))]));
    if (unless) clauses.push(indent([line, this.clause("unless", unless, () => this.expr(unless))]));
    if (because) clauses.push(indent([line, this.clause("because", because, () => this.string(because))]));
    return [anns, group([head, clauses])];
  }

  /** `KEYWORD VALUE`, with comments that stood before the value moved above the keyword when they must end a line. */
  private clause(keyword: string, node: A.Node, printValue: () => Doc): Doc {
    const hoisted = this.hoist(node);
    return [hoisted, keyword, " ", printValue()];
  }

  private limit(n: A.Limit): Doc {
    const firstAfter: A.Node | null = n.selectors[0] ?? n.amount;
    const anns = this.annotations(n.annotations, firstAfter);
    const amountNode = n.amount;
    const windowNode = n.window;
    const to = (): Doc =>
      this.joined(" to ", amountNode, () => (amountNode.kind === "MoneyLiteral" ? this.money(amountNode) : this.number(amountNode)));
    const per = (words: string): Doc => (windowNode ? this.joined(words, windowNode, () => this.window(windowNode)) : "");
    let body: Doc;
    switch (n.limitKind) {
      case "calls":
        body = [indent(this.selectors(n.selectors)), to(), per(" calls per ")];
        break;
      case "tokens":
        body = ["tokens", to(), per(" per ")];
        break;
      case "cost":
        body = ["cost", to(), per(" per ")];
        break;
      case "repeats":
        body = ["repeats", to()];
        break;
    }
    const by = n.by ? indent([line, this.clause("by", n.by, () => this.expr(n.by!))]) : "";
    return [anns, group(["limit ", indent(body), by])];
  }

  private invariant(n: A.Invariant): Doc {
    const agentNode = n.agent;
    const firstSelector = n.selectors[0];
    const selectors = (): Doc => indent(this.selectors(n.selectors));
    const head: Doc = agentNode
      ? [this.clause("agent", agentNode, () => this.string(agentNode)), firstSelector ? this.joined(" ", firstSelector, selectors) : ""]
      : [this.hoist(firstSelector), selectors()];
    const when = n.when ? indent([line, this.clause("when", n.when, () => this.expr(n.when!))]) : "";
    const first = n.effects[0];
    const effects = first
      ? indent([line, this.clause("=>", first, () => this.separated(n.effects, " | ", (e) => this.withComments(e, (e as A.EffectRef).effect)))])
      : "";
    const body = group([head, when, effects]);
    return group(["invariant ", this.identifier(n.name), ":", indent([line, body])]);
  }

  private expect(n: A.Expect): Doc {
    const call = indent([
      line,
      this.clause("calls", n.tool, () => [this.selector(n.tool), this.joined("(", n.args, () => this.record(n.args, ")"))]),
    ]);
    const context = n.context ? indent([line, this.clause("with", n.context, () => this.record(n.context!))]) : "";
    const effect = indent([
      line,
      this.clause("=>", n.effect, () => {
        const id = n.ruleId;
        return [this.withComments(n.effect, n.effect.effect), id ? this.joined(" ", id, () => this.string(id)) : ""];
      }),
    ]);
    return group(["expect agent ", this.string(n.agent), call, context, effect]);
  }

  /** A selector list: on one line when it fits, else one selector per line. */
  private selectors(list: readonly A.ToolSelector[]): Doc {
    return group(join(line, list.map((s, i) => this.selector(s, i < list.length - 1 ? "," : ""))));
  }

  /** A selector exactly as its `text`; comments written inside it stay on their side of the `.`. */
  private selector(s: A.ToolSelector, after?: Doc): Doc {
    if (!s.alias) return this.withComments(s, s.text, { after });
    const dot = this.nextCodeOffset(s.alias.span.end);
    const { before, after: inside } = this.danglingSplit(s, dot);
    if (before.length === 0 && inside.length === 0) return this.withComments(s, s.text, { after });
    const aliasText = this.source(s.alias.span);
    const rest = s.text.slice(aliasText.length + 1);
    return this.withComments(
      s,
      [aliasText, before.map((c) => [" ", this.innerComment(c)]), ".", inside.map((c) => [this.innerComment(c), " "]), rest],
      { after },
    );
  }

  /** `[COUNT ]UNIT` of a window; comments written inside it go before the unit word. */
  private window(w: A.Window): Doc {
    const canonical = windowText(w, this.source(w.span));
    const { before, after } = this.danglingSplit(w, w.span.end);
    const inner = [...before, ...after];
    if (inner.length === 0) return this.withComments(w, canonical);
    const space = canonical.lastIndexOf(" ");
    return this.withComments(w, [canonical.slice(0, space + 1), inner.map((c) => [this.innerComment(c), " "]), canonical.slice(space + 1)]);
  }

  // ------------------------------------------------------------ context types

  private field(f: A.FieldDecl): Doc {
    return [this.identifier(f.name), f.optional ? "?" : "", this.joined(": ", f.type, () => this.type(f.type))];
  }

  private type(t: A.TypeExpr): Doc {
    switch (t.kind) {
      case "PrimitiveType":
        return this.withComments(t, t.name);
      case "LiteralUnionType":
        return this.withComments(t, this.separated(t.members, " | ", (m) => this.string(m as A.StringLiteral)));
      case "ListType":
        return this.withComments(t, ["[", this.type(t.element), "]"]);
      case "RecordType": {
        if (t.fields.length === 0) return this.withComments(t, this.emptyBrackets(t, "{", "}", true));
        const fields = t.fields.map((f, i) => {
          const sep = i > 0 ? [ifBreak("", ","), line] : "";
          return [sep, this.withComments(f, this.field(f))];
        });
        return this.withComments(t, group(["{", this.afterOpener(t), indent([line, fields]), line, "}"]));
      }
      default:
        return this.withComments(t, this.source(t.span));
    }
  }

  // ------------------------------------------------------------ leaves

  private identifier(id: A.Identifier): Doc {
    return this.withComments(id, id.quoted ? `\`${id.name}\`` : id.name);
  }

  private string(s: A.StringLiteral, after?: Doc): Doc {
    return this.withComments(s, quoteString(s.value), { after });
  }

  private number(n: A.NumberLiteral): Doc {
    return this.withComments(n, this.source(n.span));
  }

  private money(m: A.MoneyLiteral): Doc {
    return this.withComments(m, this.source(m.span));
  }

  // ------------------------------------------------------------ expressions

  /** An expression with its comments. */
  expr(e: A.Expr, after?: Doc): Doc {
    return this.withComments(e, () => this.exprBody(e), { after });
  }

  /** An operand: parenthesized when `parens`, comments outside the parentheses. */
  private operand(e: A.Expr, parens: boolean): Doc {
    if (!parens) return this.expr(e);
    const isChain = e.kind === "BinaryExpr" && (e.op === "and" || e.op === "or");
    return this.withComments(e, () => {
      const body = this.exprBody(e);
      return isChain ? group(["(", indent([softline, body]), softline, ")"]) : ["(", body, ")"];
    });
  }

  private exprBody(e: A.Expr): Doc {
    switch (e.kind) {
      case "StringLiteral":
        return quoteString(e.value);
      case "NumberLiteral":
      case "MoneyLiteral":
        return this.source(e.span);
      case "BooleanLiteral":
        return e.value ? "true" : "false";
      case "NullLiteral":
        return "null";
      case "NameRef":
        return e.quoted ? `\`${e.name}\`` : e.name;
      case "ListLiteral":
        return this.list(e);
      case "RecordLiteral":
        return this.recordBody(e);
      case "MemberExpr":
        return [this.operand(e.object, precedence(e.object) < PREC_POSTFIX), this.joined(".", e.property, () => this.identifier(e.property))];
      case "CallExpr":
        return [this.operand(e.callee, precedence(e.callee) < PREC_POSTFIX), this.callArguments(e)];
      case "LambdaExpr":
        return [this.identifier(e.param), this.joined(" => ", e.body, () => this.expr(e.body))];
      case "UnaryExpr":
        if (e.op === "not") return ["not ", this.operand(e.operand, precedence(e.operand) < PREC_NOT)];
        return ["-", this.operand(e.operand, precedence(e.operand) < PREC_NEG)];
      case "HasExpr":
        return this.separated([e.object, e.field], " has ", (x) =>
          x === e.field ? this.identifier(e.field) : this.operand(e.object, precedence(e.object) <= PREC_CMP),
        );
      case "BinaryExpr":
        if (e.op === "and" || e.op === "or") return this.chain(e);
        return this.separated([e.left, e.right], ` ${e.op} `, (x) =>
          this.operand(x as A.Expr, binaryOperandNeedsParens(BINARY_PRECEDENCE[e.op], x === e.left ? "left" : "right", x as A.Expr)),
        );
      case "ErrorExpr":
        return this.source(e.span);
    }
  }

  /** `a and b and c`: flattened; breaks before each operator when it does not fit. */
  private chain(e: A.BinaryExpr): Doc {
    const prec = BINARY_PRECEDENCE[e.op];
    const rights: A.Expr[] = [];
    let left: A.Expr = e;
    while (left.kind === "BinaryExpr" && left.op === e.op && (left === e || !this.hasComments(left))) {
      rights.unshift(left.right);
      left = left.left;
    }
    const first = this.operand(left, binaryOperandNeedsParens(prec, "left", left));
    const rest = rights.map((r) => {
      const hoisted = this.hoist(r);
      return [line, hoisted, e.op, " ", this.operand(r, binaryOperandNeedsParens(prec, "right", r))];
    });
    return group([first, indent(rest)]);
  }

  private list(e: A.ListLiteral): Doc {
    if (e.elements.length === 0) return this.emptyBrackets(e, "[", "]", false);
    const items = join(line, e.elements.map((x, i) => this.expr(x, i < e.elements.length - 1 ? "," : ifBreak(","))));
    return group(["[", this.afterOpener(e), indent([softline, items]), softline, "]"]);
  }

  private callArguments(e: A.CallExpr): Doc {
    if (e.args.length === 0) return this.emptyBrackets(e, "(", ")", false);
    const items = join(line, e.args.map((x, i) => this.expr(x, i < e.args.length - 1 ? "," : ifBreak(","))));
    return group(["(", this.afterOpener(e), indent([softline, items]), softline, ")"]);
  }

  /** A record literal with its comments. */
  private record(e: A.RecordLiteral, after?: Doc): Doc {
    return this.withComments(e, () => this.recordBody(e), { after });
  }

  private recordBody(e: A.RecordLiteral): Doc {
    if (e.entries.length === 0) return this.emptyBrackets(e, "{", "}", true);
    const entries = e.entries.map((entry, i) =>
      this.withComments(entry, () => [this.recordKey(entry), ": ", this.expr(entry.value)], {
        after: i < e.entries.length - 1 ? "," : ifBreak(","),
      }),
    );
    return group(["{", this.afterOpener(e), indent([line, join(line, entries)]), line, "}"]);
  }

  private recordKey(entry: A.RecordEntry): string {
    if (entry.keyQuoted) return quoteString(entry.key);
    return IDENTIFIER.test(entry.key) ? entry.key : `\`${entry.key}\``;
  }
}
