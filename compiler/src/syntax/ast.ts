/**
 * The abstract syntax tree of `.agentpolicy` (LANGUAGE.md §3–§10).
 *
 * INVARIANT: nodes are plain readonly data tagged by `kind`; every node carries the
 * span of source text it was built from. Types, resolved names and rule ids live in
 * side tables (semantic/), never on nodes. A tree built from text with syntax errors
 * is still well formed: missing pieces are `null` or `ErrorExpr`, never `undefined`.
 */

/** Half-open UTF-16 offsets `[start, end)` into the document's text. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

interface NodeBase {
  readonly span: Span;
}

/** An identifier-shaped name, or a backtick name with the backticks stripped. */
export interface Identifier extends NodeBase {
  readonly kind: "Identifier";
  readonly name: string;
  /** true when written in backticks (`` `create-issue` ``). */
  readonly quoted: boolean;
}

export interface Comment extends NodeBase {
  readonly kind: "Comment";
  /** `line` = `// x`, `block` = `/* x *\/`, `doc` = `/// x`. `text` is the whole comment as written. */
  readonly style: "line" | "block" | "doc";
  readonly text: string;
}

/** A whole `.agentpolicy` file. */
export interface Document extends NodeBase {
  readonly kind: "Document";
  /** Absolute or caller-chosen path; diagnostics name it. */
  readonly file: string;
  readonly text: string;
  readonly header: PolicyHeader | null;
  readonly declarations: readonly Declaration[];
  /** Every comment of the file in source order (doc comments included), for the formatter. */
  readonly comments: readonly Comment[];
}

export type Declaration =
  | ToolsDecl
  | ContextDecl
  | ConstDecl
  | LabelDecl
  | CostDecl
  | PriceDecl
  | DefaultDecl
  | AgentDecl
  | Rule
  | Limit
  | Invariant
  | TestDecl;

interface DeclBase extends NodeBase {
  /** Text of the `///` doc comments immediately before the declaration (markers stripped, lines joined by `\n`). */
  readonly doc: string | null;
}

/** `policy NAME [version "SEMVER"]` */
export interface PolicyHeader extends DeclBase {
  readonly kind: "PolicyHeader";
  readonly name: Identifier;
  readonly version: StringLiteral | null;
}

/** `tools ALIAS from "PATH"` */
export interface ToolsDecl extends DeclBase {
  readonly kind: "ToolsDecl";
  readonly alias: Identifier;
  readonly path: StringLiteral;
}

/** `context { FIELD: TYPE, ... }` */
export interface ContextDecl extends DeclBase {
  readonly kind: "ContextDecl";
  readonly fields: readonly FieldDecl[];
}

/** `NAME: TYPE` or `NAME?: TYPE` inside `context { }` or a nested record type. */
export interface FieldDecl extends NodeBase {
  readonly kind: "FieldDecl";
  readonly name: Identifier;
  readonly optional: boolean;
  readonly type: TypeExpr;
  readonly doc: string | null;
}

export type TypeExpr = PrimitiveTypeExpr | LiteralUnionTypeExpr | ListTypeExpr | RecordTypeExpr | ErrorTypeExpr;

export interface PrimitiveTypeExpr extends NodeBase {
  readonly kind: "PrimitiveType";
  readonly name: "string" | "number" | "integer" | "boolean";
}
/** `"a" | "b"` (a single string literal is a one-member union). */
export interface LiteralUnionTypeExpr extends NodeBase {
  readonly kind: "LiteralUnionType";
  readonly members: readonly StringLiteral[];
}
/** `[T]` */
export interface ListTypeExpr extends NodeBase {
  readonly kind: "ListType";
  readonly element: TypeExpr;
}
/** `{ f: T, g?: U }` */
export interface RecordTypeExpr extends NodeBase {
  readonly kind: "RecordType";
  readonly fields: readonly FieldDecl[];
}
/** Stands where a type failed to parse; an E_SYNTAX was already reported. */
export interface ErrorTypeExpr extends NodeBase {
  readonly kind: "ErrorType";
}

/** `const NAME = EXPR` */
export interface ConstDecl extends DeclBase {
  readonly kind: "ConstDecl";
  readonly name: Identifier;
  readonly value: Expr;
}

/** `label NAME on TOOLSEL, ...` */
export interface LabelDecl extends DeclBase {
  readonly kind: "LabelDecl";
  readonly name: Identifier;
  readonly selectors: readonly ToolSelector[];
}

/** `cost TOOLSEL[, TOOLSEL ...] = MONEY per call` */
export interface CostDecl extends DeclBase {
  readonly kind: "CostDecl";
  readonly selectors: readonly ToolSelector[];
  readonly amount: MoneyLiteral;
}

/** `price model "NAME" input MONEY output MONEY per 1M tokens` */
export interface PriceDecl extends DeclBase {
  readonly kind: "PriceDecl";
  readonly model: StringLiteral;
  readonly input: MoneyLiteral;
  readonly output: MoneyLiteral;
}

/** `default allow` / `default deny` */
export interface DefaultDecl extends DeclBase {
  readonly kind: "DefaultDecl";
  readonly effect: "allow" | "deny";
}

/** `agent "ID" [extends "ID", ...] { RULES }` */
export interface AgentDecl extends DeclBase {
  readonly kind: "AgentDecl";
  readonly id: StringLiteral;
  readonly extends: readonly StringLiteral[];
  readonly body: readonly (Rule | Limit)[];
}

/** `@NAME("VALUE")` */
export interface Annotation extends NodeBase {
  readonly kind: "Annotation";
  readonly name: Identifier;
  readonly value: StringLiteral;
}

export type Effect = "allow" | "deny" | "review";

/** `[@ann(...)...] EFFECT TOOLSEL, ... [when EXPR] [unless EXPR] [because "MSG"]` */
export interface Rule extends DeclBase {
  readonly kind: "Rule";
  readonly annotations: readonly Annotation[];
  readonly effect: Effect;
  /** Span of the effect keyword. */
  readonly effectSpan: Span;
  readonly selectors: readonly ToolSelector[];
  readonly when: Expr | null;
  readonly unless: Expr | null;
  readonly because: StringLiteral | null;
}

export type LimitKind = "calls" | "tokens" | "cost" | "repeats";

/**
 * `limit TOOLSEL, ... to N calls per WINDOW [by EXPR]` (calls),
 * `limit tokens to N per WINDOW [by EXPR]`, `limit cost to MONEY per WINDOW [by EXPR]`,
 * `limit repeats to N`.
 */
export interface Limit extends DeclBase {
  readonly kind: "Limit";
  readonly annotations: readonly Annotation[];
  readonly limitKind: LimitKind;
  /** Non-empty for `calls`, empty otherwise. */
  readonly selectors: readonly ToolSelector[];
  /** N (calls, tokens, repeats) or MONEY (cost). */
  readonly amount: NumberLiteral | MoneyLiteral;
  /** null for `repeats`. */
  readonly window: Window | null;
  readonly by: Expr | null;
}

/** `second`, `minute`, `hour`, `day`, `N seconds|minutes|hours|days`, `session`. */
export interface Window extends NodeBase {
  readonly kind: "Window";
  /** Milliseconds, or `"session"`. */
  readonly ms: number | "session";
}

/** `*`, `ALIAS.*` or `ALIAS.TOOL`. */
export interface ToolSelector extends NodeBase {
  readonly kind: "ToolSelector";
  /** null for `*`. */
  readonly alias: Identifier | null;
  /** null for `*` and `ALIAS.*`. */
  readonly tool: Identifier | null;
  /** The selector as written, whitespace removed (`inv.get_item`, ``gh.`create-issue` ``, `inv.*`, `*`): used in rule ids. */
  readonly text: string;
}

/** `invariant NAME: [agent "ID"] TOOLSEL[, ...] [when EXPR] => EFFECT [| EFFECT ...]` */
export interface Invariant extends DeclBase {
  readonly kind: "Invariant";
  readonly name: Identifier;
  readonly agent: StringLiteral | null;
  readonly selectors: readonly ToolSelector[];
  readonly when: Expr | null;
  readonly effects: readonly EffectRef[];
}

export interface EffectRef extends NodeBase {
  readonly kind: "EffectRef";
  readonly effect: Effect;
}

/** `test "NAME" { expect ... }` */
export interface TestDecl extends DeclBase {
  readonly kind: "TestDecl";
  readonly name: StringLiteral;
  readonly expects: readonly Expect[];
}

/** `expect agent "ID" calls TOOL(ARGS) [with CONTEXT] => EFFECT ["RULE-ID"]` */
export interface Expect extends NodeBase {
  readonly kind: "Expect";
  readonly agent: StringLiteral;
  /** `ALIAS.TOOL` (alias and tool both non-null after a clean parse). */
  readonly tool: ToolSelector;
  readonly args: RecordLiteral;
  readonly context: RecordLiteral | null;
  readonly effect: EffectRef;
  readonly ruleId: StringLiteral | null;
}

// ---------------------------------------------------------------- expressions

export type Expr =
  | StringLiteral
  | NumberLiteral
  | MoneyLiteral
  | BooleanLiteral
  | NullLiteral
  | ListLiteral
  | RecordLiteral
  | NameRef
  | MemberExpr
  | CallExpr
  | LambdaExpr
  | UnaryExpr
  | BinaryExpr
  | HasExpr
  | ErrorExpr;

export interface StringLiteral extends NodeBase {
  readonly kind: "StringLiteral";
  /** The decoded value (escapes resolved). */
  readonly value: string;
}

export interface NumberLiteral extends NodeBase {
  readonly kind: "NumberLiteral";
  readonly value: number;
}

/** `$25`, `$0.05`: held as integer micro-dollars; in an expression it is a number of dollars. */
export interface MoneyLiteral extends NodeBase {
  readonly kind: "MoneyLiteral";
  readonly micros: number;
}

export interface BooleanLiteral extends NodeBase {
  readonly kind: "BooleanLiteral";
  readonly value: boolean;
}

export interface NullLiteral extends NodeBase {
  readonly kind: "NullLiteral";
}

export interface ListLiteral extends NodeBase {
  readonly kind: "ListLiteral";
  readonly elements: readonly Expr[];
}

export interface RecordEntry extends NodeBase {
  readonly kind: "RecordEntry";
  /** An identifier key or a string key, decoded. */
  readonly key: string;
  readonly keySpan: Span;
  /** true when the key was written as a string literal. */
  readonly keyQuoted: boolean;
  readonly value: Expr;
}

export interface RecordLiteral extends NodeBase {
  readonly kind: "RecordLiteral";
  readonly entries: readonly RecordEntry[];
}

/** A bare name: a root (`args`, `ctx`, `tool`, `session`, `agent`), a const, a label, a lambda parameter, `url`/`path`. */
export interface NameRef extends NodeBase {
  readonly kind: "NameRef";
  readonly name: string;
  readonly quoted: boolean;
}

/** `object.property` */
export interface MemberExpr extends NodeBase {
  readonly kind: "MemberExpr";
  readonly object: Expr;
  readonly property: Identifier;
}

/** `callee(args)`: a method call when callee is a MemberExpr, else `url(...)` / `path(...)`. */
export interface CallExpr extends NodeBase {
  readonly kind: "CallExpr";
  readonly callee: Expr;
  readonly args: readonly Expr[];
}

/** `x => EXPR` (only as the argument of `.any` / `.all`). */
export interface LambdaExpr extends NodeBase {
  readonly kind: "LambdaExpr";
  readonly param: Identifier;
  readonly body: Expr;
}

export interface UnaryExpr extends NodeBase {
  readonly kind: "UnaryExpr";
  readonly op: "not" | "-";
  readonly operand: Expr;
}

export type BinaryOp = "or" | "and" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "??" | "+" | "-" | "*";

export interface BinaryExpr extends NodeBase {
  readonly kind: "BinaryExpr";
  readonly op: BinaryOp;
  /** Span of the operator token. */
  readonly opSpan: Span;
  readonly left: Expr;
  readonly right: Expr;
}

/** `object has field` */
export interface HasExpr extends NodeBase {
  readonly kind: "HasExpr";
  readonly object: Expr;
  readonly field: Identifier;
}

/** Stands where an expression failed to parse; an E_SYNTAX was already reported. */
export interface ErrorExpr extends NodeBase {
  readonly kind: "ErrorExpr";
}

export type Node =
  | Document
  | Declaration
  | PolicyHeader
  | FieldDecl
  | TypeExpr
  | Annotation
  | Window
  | ToolSelector
  | EffectRef
  | Expect
  | Expr
  | RecordEntry
  | Identifier
  | Comment;

/** Children of a node in source order (for generic traversals: LSP, analyses). */
export function childrenOf(node: Node): Node[] {
  const out: Node[] = [];
  const add = (n: Node | null | undefined) => {
    if (n) out.push(n);
  };
  const addAll = (ns: readonly Node[]) => {
    for (const n of ns) out.push(n);
  };
  switch (node.kind) {
    case "Document":
      add(node.header);
      addAll(node.declarations);
      break;
    case "PolicyHeader":
      add(node.name);
      add(node.version);
      break;
    case "ToolsDecl":
      add(node.alias);
      add(node.path);
      break;
    case "ContextDecl":
      addAll(node.fields);
      break;
    case "FieldDecl":
      add(node.name);
      add(node.type);
      break;
    case "ListType":
      add(node.element);
      break;
    case "RecordType":
      addAll(node.fields);
      break;
    case "LiteralUnionType":
      addAll(node.members);
      break;
    case "ConstDecl":
      add(node.name);
      add(node.value);
      break;
    case "LabelDecl":
      add(node.name);
      addAll(node.selectors);
      break;
    case "CostDecl":
      addAll(node.selectors);
      add(node.amount);
      break;
    case "PriceDecl":
      add(node.model);
      add(node.input);
      add(node.output);
      break;
    case "AgentDecl":
      add(node.id);
      addAll(node.extends);
      addAll(node.body);
      break;
    case "Annotation":
      add(node.name);
      add(node.value);
      break;
    case "Rule":
      addAll(node.annotations);
      addAll(node.selectors);
      add(node.when);
      add(node.unless);
      add(node.because);
      break;
    case "Limit":
      addAll(node.annotations);
      addAll(node.selectors);
      add(node.amount);
      add(node.window);
      add(node.by);
      break;
    case "ToolSelector":
      add(node.alias);
      add(node.tool);
      break;
    case "Invariant":
      add(node.name);
      add(node.agent);
      addAll(node.selectors);
      add(node.when);
      addAll(node.effects);
      break;
    case "TestDecl":
      add(node.name);
      addAll(node.expects);
      break;
    case "Expect":
      add(node.agent);
      add(node.tool);
      add(node.args);
      add(node.context);
      add(node.effect);
      add(node.ruleId);
      break;
    case "ListLiteral":
      addAll(node.elements);
      break;
    case "RecordLiteral":
      addAll(node.entries);
      break;
    case "RecordEntry":
      add(node.value);
      break;
    case "MemberExpr":
      add(node.object);
      add(node.property);
      break;
    case "CallExpr":
      add(node.callee);
      addAll(node.args);
      break;
    case "LambdaExpr":
      add(node.param);
      add(node.body);
      break;
    case "UnaryExpr":
      add(node.operand);
      break;
    case "BinaryExpr":
      add(node.left);
      add(node.right);
      break;
    case "HasExpr":
      add(node.object);
      add(node.field);
      break;
    default:
      break;
  }
  return out;
}
