/**
 * Token types of `.agentpolicy` (LANGUAGE.md §3).
 *
 * The scanner (lexer.ts) is hand-written and creates Chevrotain token instances of
 * these types; the parser (parser.ts) matches them. Categories:
 * - `AnyToken`: every concrete token type (lets a loop consume a stray token).
 * - `NameLike`: every identifier-shaped word, reserved or not, and backtick names —
 *   what may stand where exactly one name can (after `.`, after `has`, a record key,
 *   a context field, an annotation name).
 * - `PlainName`: a name that is not a reserved word (`Identifier` or `BacktickName`).
 * - `Identifier`: a non-reserved word. Contextual words (`session`, `minute`, `price`,
 *   ...) have their own token types in this category, so they still work as names.
 */
import { createToken, type TokenType } from "chevrotain";

/** The reserved words of LANGUAGE.md §3, in the order the spec lists them. */
export const KEYWORDS: readonly string[] = Object.freeze([
  "policy",
  "version",
  "tools",
  "from",
  "context",
  "const",
  "label",
  "on",
  "cost",
  "per",
  "call",
  "calls",
  "agent",
  "extends",
  "allow",
  "deny",
  "review",
  "when",
  "unless",
  "because",
  "limit",
  "to",
  "by",
  "tokens",
  "repeats",
  "invariant",
  "test",
  "expect",
  "with",
  "default",
  "and",
  "or",
  "not",
  "in",
  "true",
  "false",
  "null",
  "has",
]);

/** Contextual words with a grammatical role; not reserved (they are ordinary names elsewhere). */
export const CONTEXTUAL_WORDS: readonly string[] = Object.freeze([
  "session",
  "second",
  "seconds",
  "minute",
  "minutes",
  "hour",
  "hours",
  "day",
  "days",
  "price",
  "model",
  "input",
  "output",
]);

// ---------------------------------------------------------------- categories

export const AnyToken = createToken({ name: "AnyToken", label: "a token" });
export const NameLike = createToken({ name: "NameLike", label: "a name" });
/** A name that is not a reserved word: an identifier or a backtick name. */
export const PlainName = createToken({ name: "PlainName", label: "a name" });

const tok = (name: string, label: string, categories: TokenType[] = []): TokenType =>
  createToken({ name, label, categories: [...categories, AnyToken] });

// ---------------------------------------------------------------- names

export const Identifier = tok("Identifier", "a name", [NameLike, PlainName]);
export const BacktickName = tok("BacktickName", "a name", [NameLike, PlainName]);

export const Session = tok("Session", "`session`", [Identifier]);
/** `second(s)`, `minute(s)`, `hour(s)`, `day(s)`. */
export const TimeUnit = tok("TimeUnit", "a time unit (`second`, `minute`, `hour`, `day`)", [Identifier]);
export const Price = tok("Price", "`price`", [Identifier]);
export const Model = tok("Model", "`model`", [Identifier]);
export const Input = tok("Input", "`input`", [Identifier]);
export const Output = tok("Output", "`output`", [Identifier]);

// ---------------------------------------------------------------- keywords

const keyword = (word: string): TokenType => tok(word[0].toUpperCase() + word.slice(1), `\`${word}\``, [NameLike]);

export const Policy = keyword("policy");
export const Version = keyword("version");
export const Tools = keyword("tools");
export const From = keyword("from");
export const Context = keyword("context");
export const Const = keyword("const");
export const Label = keyword("label");
export const On = keyword("on");
export const Cost = keyword("cost");
export const Per = keyword("per");
export const Call = keyword("call");
export const Calls = keyword("calls");
export const Agent = keyword("agent");
export const Extends = keyword("extends");
export const Allow = keyword("allow");
export const Deny = keyword("deny");
export const Review = keyword("review");
export const When = keyword("when");
export const Unless = keyword("unless");
export const Because = keyword("because");
export const Limit = keyword("limit");
export const To = keyword("to");
export const By = keyword("by");
export const Tokens = keyword("tokens");
export const Repeats = keyword("repeats");
export const Invariant = keyword("invariant");
export const Test = keyword("test");
export const Expect = keyword("expect");
export const With = keyword("with");
export const Default = keyword("default");
export const And = keyword("and");
export const Or = keyword("or");
export const Not = keyword("not");
export const In = keyword("in");
export const True = keyword("true");
export const False = keyword("false");
export const Null = keyword("null");
export const Has = keyword("has");

// ---------------------------------------------------------------- literals

/** `"..."`; payload: the decoded value. */
export const StringLit = tok("StringLit", "a string");
/** `42`, `3.5`, `1_000`; payload: the value. */
export const NumberLit = tok("NumberLit", "a number");
/** `$25`, `$0.05`; payload: integer micro-dollars. */
export const MoneyLit = tok("MoneyLit", "an amount like `$5`");
/** `1M` of `per 1M tokens`. */
export const OneM = tok("OneM", "`1M`");
/** A bracketed region beyond the nesting limit, collapsed into one token (an error was reported). */
export const TooDeep = tok("TooDeep", "a nested region");

// ---------------------------------------------------------------- punctuation

export const LParen = tok("LParen", "`(`");
export const RParen = tok("RParen", "`)`");
export const LBracket = tok("LBracket", "`[`");
export const RBracket = tok("RBracket", "`]`");
export const LCurly = tok("LCurly", "`{`");
export const RCurly = tok("RCurly", "`}`");
export const Comma = tok("Comma", "`,`");
export const Dot = tok("Dot", "`.`");
export const Colon = tok("Colon", "`:`");
export const Question = tok("Question", "`?`");
export const QQ = tok("QQ", "`??`");
export const Pipe = tok("Pipe", "`|`");
export const Arrow = tok("Arrow", "`=>`");
export const EqEq = tok("EqEq", "`==`");
export const NotEq = tok("NotEq", "`!=`");
export const Equals = tok("Equals", "`=`");
export const Le = tok("Le", "`<=`");
export const Lt = tok("Lt", "`<`");
export const Ge = tok("Ge", "`>=`");
export const Gt = tok("Gt", "`>`");
export const Plus = tok("Plus", "`+`");
export const Minus = tok("Minus", "`-`");
export const Star = tok("Star", "`*`");
export const At = tok("At", "`@`");

/** Reserved word → token type. */
export const KEYWORD_TYPES: ReadonlyMap<string, TokenType> = new Map(
  [
    Policy, Version, Tools, From, Context, Const, Label, On, Cost, Per, Call, Calls, Agent, Extends, Allow, Deny,
    Review, When, Unless, Because, Limit, To, By, Tokens, Repeats, Invariant, Test, Expect, With, Default, And, Or,
    Not, In, True, False, Null, Has,
  ].map((t) => [t.name.toLowerCase(), t] as const),
);

/** Contextual word → token type. */
export const CONTEXTUAL_TYPES: ReadonlyMap<string, TokenType> = new Map([
  ["session", Session],
  ["second", TimeUnit],
  ["seconds", TimeUnit],
  ["minute", TimeUnit],
  ["minutes", TimeUnit],
  ["hour", TimeUnit],
  ["hours", TimeUnit],
  ["day", TimeUnit],
  ["days", TimeUnit],
  ["price", Price],
  ["model", Model],
  ["input", Input],
  ["output", Output],
]);

/** Every token type the parser knows (categories first). */
export const ALL_TOKEN_TYPES: readonly TokenType[] = [
  AnyToken,
  NameLike,
  PlainName,
  Identifier,
  BacktickName,
  Session,
  TimeUnit,
  Price,
  Model,
  Input,
  Output,
  ...KEYWORD_TYPES.values(),
  StringLit,
  NumberLit,
  MoneyLit,
  OneM,
  TooDeep,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LCurly,
  RCurly,
  Comma,
  Dot,
  Colon,
  Question,
  QQ,
  Pipe,
  Arrow,
  EqEq,
  NotEq,
  Equals,
  Le,
  Lt,
  Ge,
  Gt,
  Plus,
  Minus,
  Star,
  At,
];

/** Keywords that start a declaration that only stands at top level: they end an unclosed block. */
export const TOP_LEVEL_STARTERS: readonly TokenType[] = [Policy, Tools, Context, Const, Label, Cost, Default, Agent, Invariant, Test];
/** Tokens that start a rule or limit (top level or inside an agent block). */
export const MEMBER_STARTERS: readonly TokenType[] = [At, Allow, Deny, Review, Limit];
