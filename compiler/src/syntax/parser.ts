/**
 * The concrete-syntax grammar of `.agentpolicy` (LANGUAGE.md §3–§10), a Chevrotain
 * `CstParser` with no embedded actions; lower.ts turns its CST into the AST.
 *
 * Contracts:
 * - Built once per process (`getParser()`), reused for every document.
 * - Error recovery: every block is a loop of items; a token that starts no item is
 *   consumed as a labelled stray token (lower.ts reports each run of them once). A
 *   failed item keeps its partial CST (`recoveredNode`) and parsing resumes at the next
 *   declaration keyword, `@`, rule keyword or `}` (LANGUAGE.md §12).
 * - Expressions are parsed flat — `operand (op operand | has NAME)*` — and lower.ts
 *   applies the precedence of §8. So the parser recurses only at brackets, whose
 *   depth lexer.ts `limitNesting` bounds before parsing.
 * - Where exactly one name can stand after `.`, `has` or `@`, any identifier-shaped
 *   word is a name — except a reserved word on a later line than the `.`/`has`/`@`, so
 *   that a half-typed `allow inv.` or `@` leaves the next line's declaration intact.
 */
import {
  CstParser,
  EOF,
  NoViableAltException,
  type CstNode,
  type IParserErrorMessageProvider,
  type IToken,
  type TokenType,
  tokenMatcher,
} from "chevrotain";
import { showText } from "./lexer.js";
import * as T from "./tokens.js";

/** How a token is named in a message: `` `when` ``, `end of file`. */
export function describeToken(t: IToken): string {
  if (t.tokenType === EOF) return "end of file";
  if (t.tokenType === T.TooDeep) return "a region nested too deeply";
  return `\`${showText(t.image)}\``;
}

const labelOf = (t: TokenType): string => t.LABEL ?? t.name;

function joinAlternatives(labels: string[]): string {
  const unique = [...new Set(labels)];
  if (unique.length <= 1) return unique[0] ?? "something else";
  return `${unique.slice(0, -1).join(", ")} or ${unique[unique.length - 1]}`;
}

/** Messages in the house style: `expected `)` but found `when``. */
const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    return `expected ${labelOf(expected)} but found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, customUserDescription }) {
    const found = actual[0] ? describeToken(actual[0]) : "end of file";
    const expected = customUserDescription ?? joinAlternatives(expectedPathsPerAlt.flatMap((alt) => alt.map((path) => (path[0] ? labelOf(path[0]) : "end of file"))));
    return `expected ${expected} but found ${found}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, customUserDescription }) {
    const found = actual[0] ? describeToken(actual[0]) : "end of file";
    const expected = customUserDescription ?? joinAlternatives(expectedIterationPaths.map((path) => (path[0] ? labelOf(path[0]) : "end of file")));
    return `expected ${expected} but found ${found}`;
  },
};

const RESERVED: ReadonlySet<TokenType> = new Set(T.KEYWORD_TYPES.values());
const TOP_LEVEL: ReadonlySet<TokenType> = new Set(T.TOP_LEVEL_STARTERS);
const MEMBER: ReadonlySet<TokenType> = new Set(T.MEMBER_STARTERS);
const BINARY_OPS: readonly TokenType[] = [T.Or, T.And, T.EqEq, T.NotEq, T.Le, T.Lt, T.Ge, T.Gt, T.In, T.QQ, T.Plus, T.Minus, T.Star];

export class PolicyParser extends CstParser {
  /**
   * @param validate run Chevrotain's grammar validations (ambiguities, left recursion).
   *   They cost most of the construction time and cannot fail at run time for this
   *   fixed grammar, so `getParser()` skips them; parser.test.ts runs them.
   */
  constructor(validate = false) {
    super(T.ALL_TOKEN_TYPES as TokenType[], {
      recoveryEnabled: true,
      nodeLocationTracking: "onlyOffset",
      maxLookahead: 3,
      errorMessageProvider: errorMessages,
      skipValidations: !validate,
    });
    this.performSelfAnalysis();
  }

  // ------------------------------------------------------------ gates

  private is(k: number, type: TokenType): boolean {
    return tokenMatcher(this.LA(k), type);
  }

  /** A top-level declaration keyword (`price` only before `model`): ends an unclosed block. */
  private startsTopLevel(): boolean {
    const t = this.LA(1).tokenType;
    return TOP_LEVEL.has(t) || (t === T.Price && this.is(2, T.Model));
  }

  /** Agent and test bodies run until `}` or a top-level declaration. */
  private readonly inBlock = (): boolean => !this.is(1, T.RCurly) && !this.startsTopLevel();

  /** `NAME:` or `NAME?` starts a field, even when NAME is a keyword. */
  private readonly atField = (): boolean => this.is(1, T.NameLike) && (this.is(2, T.Colon) || this.is(2, T.Question));

  /** Fields run until `}`, or a declaration or rule keyword that does not start a field. */
  private readonly inFields = (): boolean => {
    if (this.is(1, T.RCurly)) return false;
    if (this.atField()) return true;
    return !this.startsTopLevel() && !MEMBER.has(this.LA(1).tokenType);
  };

  /** A name after `.`, `has` or `@`: a reserved word on a later line is not taken (see the header). */
  private readonly nameHere = (): boolean => {
    const next = this.LA(1);
    if (!RESERVED.has(next.tokenType)) return true;
    const prev = this.LA(0);
    return !(typeof next.startLine === "number" && typeof prev.endLine === "number" && next.startLine > prev.endLine);
  };

  private readonly notFieldColon = (): boolean => !this.is(2, T.Colon) && !this.is(2, T.Question);

  // ------------------------------------------------------------ document

  /** document := (declaration | STRAY)* */
  public readonly document = this.RULE("document", () => {
    this.MANY({
      MAX_LOOKAHEAD: 1,
      DEF: () =>
        this.OR({
          MAX_LOOKAHEAD: 1,
          IGNORE_AMBIGUITIES: true,
          DEF: [{ ALT: () => this.SUBRULE(this.declaration, { LABEL: "item" }) }, { ALT: () => this.CONSUME(T.AnyToken, { LABEL: "item" }) }],
        }),
    });
  });

  /** declaration := header | tools | context | const | label | cost | price | default | agent | member | invariant | test */
  private readonly declaration = this.RULE("declaration", () => {
    this.OR({
      ERR_MSG: "a declaration",
      DEF: [
        { ALT: () => this.SUBRULE(this.header) },
        { ALT: () => this.SUBRULE(this.toolsDecl) },
        { ALT: () => this.SUBRULE(this.contextDecl) },
        { ALT: () => this.SUBRULE(this.constDecl) },
        { ALT: () => this.SUBRULE(this.labelDecl) },
        { ALT: () => this.SUBRULE(this.costDecl) },
        { ALT: () => this.SUBRULE(this.priceDecl) },
        { ALT: () => this.SUBRULE(this.defaultDecl) },
        { ALT: () => this.SUBRULE(this.agentDecl) },
        { ALT: () => this.SUBRULE(this.member) },
        { ALT: () => this.SUBRULE(this.invariantDecl) },
        { ALT: () => this.SUBRULE(this.testDecl) },
      ],
    });
  });

  /** header := `policy` NAME [`version` STRING] */
  private readonly header = this.RULE("header", () => {
    this.CONSUME(T.Policy);
    this.CONSUME(T.PlainName, { LABEL: "name" });
    this.OPTION(() => {
      this.CONSUME(T.Version);
      this.CONSUME(T.StringLit, { LABEL: "version" });
    });
  });

  /** tools := `tools` ALIAS `from` STRING */
  private readonly toolsDecl = this.RULE("toolsDecl", () => {
    this.CONSUME(T.Tools);
    this.CONSUME(T.PlainName, { LABEL: "alias" });
    this.CONSUME(T.From);
    this.CONSUME(T.StringLit, { LABEL: "path" });
  });

  /** context := `context` `{` fields `}` */
  private readonly contextDecl = this.RULE("contextDecl", () => {
    this.CONSUME(T.Context);
    this.CONSUME(T.LCurly);
    this.SUBRULE(this.fieldList, { LABEL: "fields" });
    this.CONSUME(T.RCurly);
  });

  /** fields := (field | `,` | STRAY)* — lower.ts checks the commas (optional, trailing allowed). */
  private readonly fieldList = this.RULE("fieldList", () => {
    this.MANY({
      MAX_LOOKAHEAD: 1,
      GATE: this.inFields,
      DEF: () =>
        this.OR({
          MAX_LOOKAHEAD: 1,
          IGNORE_AMBIGUITIES: true,
          DEF: [
            { GATE: this.atField, ALT: () => this.SUBRULE(this.field, { LABEL: "item" }) },
            { ALT: () => this.CONSUME(T.Comma, { LABEL: "item" }) },
            { ALT: () => this.CONSUME(T.AnyToken, { LABEL: "item" }) },
          ],
        }),
    });
  });

  /** field := NAME [`?`] `:` type */
  private readonly field = this.RULE("field", () => {
    this.CONSUME(T.NameLike, { LABEL: "name" });
    this.OPTION(() => this.CONSUME(T.Question));
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeExpr, { LABEL: "type" });
  });

  /** type := PRIMITIVE | STRING (`|` STRING)* | `[` type `]` | `{` fields `}` */
  private readonly typeExpr = this.RULE("typeExpr", () => {
    this.OR({
      ERR_MSG: "a type (`string`, `number`, `integer`, `boolean`, `\"a\" | \"b\"`, `[T]` or `{ ... }`)",
      DEF: [
        { GATE: this.notFieldColon, ALT: () => this.CONSUME(T.Identifier, { LABEL: "primitive" }) },
        {
          ALT: () => {
            this.CONSUME(T.StringLit, { LABEL: "member" });
            this.MANY(() => {
              this.CONSUME(T.Pipe);
              this.CONSUME2(T.StringLit, { LABEL: "member" });
            });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LBracket);
            this.SUBRULE(this.typeExpr, { LABEL: "element" });
            this.CONSUME(T.RBracket);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LCurly);
            this.SUBRULE(this.fieldList, { LABEL: "fields" });
            this.CONSUME(T.RCurly);
          },
        },
        { ALT: () => this.CONSUME(T.TooDeep) },
      ],
    });
  });

  /** const := `const` NAME `=` expr */
  private readonly constDecl = this.RULE("constDecl", () => {
    this.CONSUME(T.Const);
    this.CONSUME(T.PlainName, { LABEL: "name" });
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  /** label := `label` NAME `on` selectors */
  private readonly labelDecl = this.RULE("labelDecl", () => {
    this.CONSUME(T.Label);
    this.CONSUME(T.PlainName, { LABEL: "name" });
    this.CONSUME(T.On);
    this.SUBRULE(this.selectorList, { LABEL: "selectors" });
  });

  /** cost := `cost` selectors `=` MONEY `per` `call` */
  private readonly costDecl = this.RULE("costDecl", () => {
    this.CONSUME(T.Cost);
    this.SUBRULE(this.selectorList, { LABEL: "selectors" });
    this.CONSUME(T.Equals);
    this.CONSUME(T.MoneyLit, { LABEL: "amount" });
    this.CONSUME(T.Per);
    this.CONSUME(T.Call);
  });

  /** price := `price` `model` STRING `input` MONEY `output` MONEY `per` `1M` `tokens` */
  private readonly priceDecl = this.RULE("priceDecl", () => {
    this.CONSUME(T.Price);
    this.CONSUME(T.Model);
    this.CONSUME(T.StringLit, { LABEL: "model" });
    this.CONSUME(T.Input);
    this.CONSUME(T.MoneyLit, { LABEL: "input" });
    this.CONSUME(T.Output);
    this.CONSUME2(T.MoneyLit, { LABEL: "output" });
    this.CONSUME(T.Per);
    this.CONSUME(T.OneM);
    this.CONSUME(T.Tokens);
  });

  /** default := `default` (`allow` | `deny`) */
  private readonly defaultDecl = this.RULE("defaultDecl", () => {
    this.CONSUME(T.Default);
    this.OR({
      ERR_MSG: "`allow` or `deny`",
      DEF: [{ ALT: () => this.CONSUME(T.Allow, { LABEL: "effect" }) }, { ALT: () => this.CONSUME(T.Deny, { LABEL: "effect" }) }],
    });
  });

  /** agent := `agent` STRING [`extends` STRING (`,` STRING)*] `{` (member | STRAY)* `}` */
  private readonly agentDecl = this.RULE("agentDecl", () => {
    this.CONSUME(T.Agent);
    this.CONSUME(T.StringLit, { LABEL: "id" });
    this.OPTION(() => {
      this.CONSUME(T.Extends);
      this.CONSUME2(T.StringLit, { LABEL: "parent" });
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.CONSUME3(T.StringLit, { LABEL: "parent" });
      });
    });
    this.CONSUME(T.LCurly);
    this.SUBRULE(this.agentBody, { LABEL: "body" });
    this.CONSUME(T.RCurly);
  });

  private readonly agentBody = this.RULE("agentBody", () => {
    this.MANY({
      MAX_LOOKAHEAD: 1,
      GATE: this.inBlock,
      DEF: () =>
        this.OR({
          MAX_LOOKAHEAD: 1,
          IGNORE_AMBIGUITIES: true,
          DEF: [{ ALT: () => this.SUBRULE(this.member, { LABEL: "item" }) }, { ALT: () => this.CONSUME(T.AnyToken, { LABEL: "item" }) }],
        }),
    });
  });

  /** member := annotation* (rule | limit) */
  private readonly member = this.RULE("member", () => {
    this.MANY(() => this.SUBRULE(this.annotation, { LABEL: "annotation" }));
    this.OR({
      ERR_MSG: "a rule or limit (`allow`, `deny`, `review` or `limit`)",
      DEF: [{ ALT: () => this.SUBRULE(this.ruleBody, { LABEL: "rule" }) }, { ALT: () => this.SUBRULE(this.limitBody, { LABEL: "limit" }) }],
    });
  });

  /** annotation := `@` NAME `(` STRING `)` */
  private readonly annotation = this.RULE("annotation", () => {
    this.CONSUME(T.At);
    this.OR({ ERR_MSG: "a name", DEF: [{ GATE: this.nameHere, ALT: () => this.CONSUME(T.NameLike, { LABEL: "name" }) }] });
    this.CONSUME(T.LParen);
    this.CONSUME(T.StringLit, { LABEL: "value" });
    this.CONSUME(T.RParen);
  });

  /** rule := EFFECT selectors [`when` expr] [`unless` expr] [`because` STRING] */
  private readonly ruleBody = this.RULE("ruleBody", () => {
    this.SUBRULE(this.effectRef, { LABEL: "effect" });
    this.SUBRULE(this.selectorList, { LABEL: "selectors" });
    this.OPTION(() => {
      this.CONSUME(T.When);
      this.SUBRULE(this.expression, { LABEL: "when" });
    });
    this.OPTION2(() => {
      this.CONSUME(T.Unless);
      this.SUBRULE2(this.expression, { LABEL: "unless" });
    });
    this.OPTION3(() => {
      this.CONSUME(T.Because);
      this.CONSUME(T.StringLit, { LABEL: "because" });
    });
  });

  /**
   * limit := `limit` ( `tokens` `to` N `per` window [by]
   *                  | `cost` `to` MONEY `per` window [by]
   *                  | `repeats` `to` N
   *                  | selectors `to` N `calls` `per` window [by] )
   */
  private readonly limitBody = this.RULE("limitBody", () => {
    this.CONSUME(T.Limit);
    this.OR({
      ERR_MSG: "`tokens`, `cost`, `repeats` or a tool selector",
      DEF: [
        {
          ALT: () => {
            this.CONSUME(T.Tokens, { LABEL: "kind" });
            this.CONSUME(T.To);
            this.CONSUME(T.NumberLit, { LABEL: "amount" });
            this.CONSUME(T.Per);
            this.SUBRULE(this.window, { LABEL: "window" });
            this.OPTION(() => this.SUBRULE(this.byClause, { LABEL: "by" }));
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Cost, { LABEL: "kind" });
            this.CONSUME2(T.To);
            this.CONSUME(T.MoneyLit, { LABEL: "amount" });
            this.CONSUME2(T.Per);
            this.SUBRULE2(this.window, { LABEL: "window" });
            this.OPTION2(() => this.SUBRULE2(this.byClause, { LABEL: "by" }));
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Repeats, { LABEL: "kind" });
            this.CONSUME3(T.To);
            this.CONSUME2(T.NumberLit, { LABEL: "amount" });
          },
        },
        {
          ALT: () => {
            this.SUBRULE(this.selectorList, { LABEL: "selectors" });
            this.CONSUME4(T.To);
            this.CONSUME3(T.NumberLit, { LABEL: "amount" });
            this.CONSUME(T.Calls);
            this.CONSUME3(T.Per);
            this.SUBRULE3(this.window, { LABEL: "window" });
            this.OPTION3(() => this.SUBRULE3(this.byClause, { LABEL: "by" }));
          },
        },
      ],
    });
  });

  /** window := `session` | UNIT | N UNIT */
  private readonly window = this.RULE("window", () => {
    this.OR({
      ERR_MSG: "a window (`second`, `minute`, `hour`, `day`, `N minutes`, ... or `session`)",
      DEF: [
        { ALT: () => this.CONSUME(T.Session) },
        { ALT: () => this.CONSUME(T.TimeUnit, { LABEL: "unit" }) },
        {
          ALT: () => {
            this.CONSUME(T.NumberLit, { LABEL: "count" });
            this.CONSUME2(T.TimeUnit, { LABEL: "unit" });
          },
        },
      ],
    });
  });

  /** by := `by` expr */
  private readonly byClause = this.RULE("byClause", () => {
    this.CONSUME(T.By);
    this.SUBRULE(this.expression, { LABEL: "key" });
  });

  /** selectors := selector (`,` selector)* */
  private readonly selectorList = this.RULE("selectorList", () => {
    this.SUBRULE(this.selector, { LABEL: "selector" });
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.selector, { LABEL: "selector" });
    });
  });

  /** selector := `*` | ALIAS `.` (`*` | NAME) */
  private readonly selector = this.RULE("selector", () => {
    this.OR({
      ERR_MSG: "a tool selector (`ALIAS.TOOL`, `ALIAS.*` or `*`)",
      DEF: [
        { ALT: () => this.CONSUME(T.Star, { LABEL: "all" }) },
        {
          ALT: () => {
            this.CONSUME(T.PlainName, { LABEL: "alias" });
            this.CONSUME(T.Dot);
            this.OR2({
              ERR_MSG: "a tool name or `*`",
              DEF: [
                { ALT: () => this.CONSUME2(T.Star, { LABEL: "allTools" }) },
                { GATE: this.nameHere, ALT: () => this.CONSUME(T.NameLike, { LABEL: "tool" }) },
              ],
            });
          },
        },
      ],
    });
  });

  /** effect := `allow` | `deny` | `review` */
  private readonly effectRef = this.RULE("effectRef", () => {
    this.OR({
      ERR_MSG: "`allow`, `deny` or `review`",
      DEF: [
        { ALT: () => this.CONSUME(T.Allow, { LABEL: "effect" }) },
        { ALT: () => this.CONSUME(T.Deny, { LABEL: "effect" }) },
        { ALT: () => this.CONSUME(T.Review, { LABEL: "effect" }) },
      ],
    });
  });

  /** invariant := `invariant` NAME `:` [`agent` STRING] selectors [`when` expr] `=>` effect (`|` effect)* */
  private readonly invariantDecl = this.RULE("invariantDecl", () => {
    this.CONSUME(T.Invariant);
    this.CONSUME(T.PlainName, { LABEL: "name" });
    this.CONSUME(T.Colon);
    this.OPTION(() => {
      this.CONSUME(T.Agent);
      this.CONSUME(T.StringLit, { LABEL: "agent" });
    });
    this.SUBRULE(this.selectorList, { LABEL: "selectors" });
    this.OPTION2(() => {
      this.CONSUME(T.When);
      this.SUBRULE(this.expression, { LABEL: "when" });
    });
    this.CONSUME(T.Arrow);
    this.SUBRULE(this.effectRef, { LABEL: "effect" });
    this.MANY(() => {
      this.CONSUME(T.Pipe);
      this.SUBRULE2(this.effectRef, { LABEL: "effect" });
    });
  });

  /** test := `test` STRING `{` (expect | STRAY)* `}` */
  private readonly testDecl = this.RULE("testDecl", () => {
    this.CONSUME(T.Test);
    this.CONSUME(T.StringLit, { LABEL: "name" });
    this.CONSUME(T.LCurly);
    this.SUBRULE(this.testBody, { LABEL: "body" });
    this.CONSUME(T.RCurly);
  });

  private readonly testBody = this.RULE("testBody", () => {
    this.MANY({
      MAX_LOOKAHEAD: 1,
      GATE: this.inBlock,
      DEF: () =>
        this.OR({
          MAX_LOOKAHEAD: 1,
          IGNORE_AMBIGUITIES: true,
          DEF: [{ ALT: () => this.SUBRULE(this.expectLine, { LABEL: "item" }) }, { ALT: () => this.CONSUME(T.AnyToken, { LABEL: "item" }) }],
        }),
    });
  });

  /** expect := `expect` `agent` STRING `calls` selector `(` record `)` [`with` record] `=>` effect [STRING] */
  private readonly expectLine = this.RULE("expectLine", () => {
    this.CONSUME(T.Expect);
    this.CONSUME(T.Agent);
    this.CONSUME(T.StringLit, { LABEL: "agent" });
    this.CONSUME(T.Calls);
    this.SUBRULE(this.selector, { LABEL: "tool" });
    this.CONSUME(T.LParen);
    this.SUBRULE(this.recordLit, { LABEL: "args" });
    this.CONSUME(T.RParen);
    this.OPTION(() => {
      this.CONSUME(T.With);
      this.SUBRULE2(this.recordLit, { LABEL: "context" });
    });
    this.CONSUME(T.Arrow);
    this.SUBRULE(this.effectRef, { LABEL: "effect" });
    this.OPTION2(() => this.CONSUME2(T.StringLit, { LABEL: "ruleId" }));
  });

  // ------------------------------------------------------------ expressions

  /** expr := operand tail*   (precedence is applied in lower.ts) */
  private readonly expression = this.RULE("expression", () => {
    this.SUBRULE(this.operand, { LABEL: "operand" });
    this.MANY(() => this.SUBRULE(this.exprTail, { LABEL: "tail" }));
  });

  /** tail := BINARY_OP operand | `has` NAME */
  private readonly exprTail = this.RULE("exprTail", () => {
    this.OR({
      DEF: [
        {
          ALT: () => {
            this.OR2({ DEF: BINARY_OPS.map((op) => ({ ALT: () => this.CONSUME(op, { LABEL: "op" }) })) });
            this.SUBRULE(this.operand, { LABEL: "operand" });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Has, { LABEL: "op" });
            this.OR3({ ERR_MSG: "a name", DEF: [{ GATE: this.nameHere, ALT: () => this.CONSUME(T.NameLike, { LABEL: "field" }) }] });
          },
        },
      ],
    });
  });

  /** operand := (`not` | `-`)* primary postfix* */
  private readonly operand = this.RULE("operand", () => {
    this.MANY(() =>
      this.OR([{ ALT: () => this.CONSUME(T.Not, { LABEL: "prefix" }) }, { ALT: () => this.CONSUME(T.Minus, { LABEL: "prefix" }) }]),
    );
    // primary := literal | list | record | `(` expr `)` | NAME | `agent` (before `.`)
    this.OR2({
      ERR_MSG: "an expression",
      DEF: [
        { ALT: () => this.CONSUME(T.StringLit) },
        { ALT: () => this.CONSUME(T.NumberLit) },
        { ALT: () => this.CONSUME(T.MoneyLit) },
        { ALT: () => this.CONSUME(T.True) },
        { ALT: () => this.CONSUME(T.False) },
        { ALT: () => this.CONSUME(T.Null) },
        { ALT: () => this.SUBRULE(this.listLit, { LABEL: "list" }) },
        { ALT: () => this.SUBRULE(this.recordLit, { LABEL: "record" }) },
        {
          ALT: () => {
            this.CONSUME(T.LParen);
            this.SUBRULE(this.expression, { LABEL: "inner" });
            this.CONSUME(T.RParen);
          },
        },
        { ALT: () => this.CONSUME(T.PlainName, { LABEL: "name" }) },
        // `agent` is reserved, yet `agent.id` is an expression root (LANGUAGE.md §8).
        { GATE: () => this.LA(2).tokenType === T.Dot, ALT: () => this.CONSUME(T.Agent, { LABEL: "name" }) },
        { ALT: () => this.CONSUME(T.TooDeep) },
      ],
    });
    this.MANY2(() => this.SUBRULE(this.postfixOp, { LABEL: "postfix" }));
  });

  /** postfix := `.` (NAME | `*`) | `(` [arg (`,` arg)* [`,`]] `)` | TOO_DEEP (a call's arguments beyond the nesting limit) */
  private readonly postfixOp = this.RULE("postfixOp", () => {
    this.OR({
      DEF: [
        { ALT: () => this.CONSUME(T.TooDeep) },
        {
          ALT: () => {
            this.CONSUME(T.Dot);
            this.OR2({
              ERR_MSG: "a name",
              DEF: [
                { ALT: () => this.CONSUME(T.Star, { LABEL: "star" }) },
                { GATE: this.nameHere, ALT: () => this.CONSUME(T.NameLike, { LABEL: "name" }) },
              ],
            });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LParen);
            this.OPTION(() => {
              this.SUBRULE(this.callArg, { LABEL: "arg" });
              this.MANY(() => {
                this.CONSUME(T.Comma);
                this.SUBRULE2(this.callArg, { LABEL: "arg" });
              });
              this.OPTION2(() => this.CONSUME2(T.Comma));
            });
            this.CONSUME(T.RParen);
          },
        },
      ],
    });
  });

  /** arg := PARAM `=>` expr | `*` | expr */
  private readonly callArg = this.RULE("callArg", () => {
    this.OR({
      ERR_MSG: "an expression",
      DEF: [
        {
          ALT: () => {
            this.CONSUME(T.PlainName, { LABEL: "param" });
            this.CONSUME(T.Arrow);
            this.SUBRULE(this.expression, { LABEL: "body" });
          },
        },
        { ALT: () => this.CONSUME(T.Star, { LABEL: "star" }) },
        { ALT: () => this.SUBRULE2(this.expression, { LABEL: "value" }) },
      ],
    });
  });

  /** list := `[` [expr (`,` expr)* [`,`]] `]` */
  private readonly listLit = this.RULE("listLit", () => {
    this.CONSUME(T.LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.expression, { LABEL: "element" });
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.expression, { LABEL: "element" });
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    this.CONSUME(T.RBracket);
  });

  /** record := `{` [entry (`,` entry)* [`,`]] `}` */
  private readonly recordLit = this.RULE("recordLit", () => {
    this.CONSUME(T.LCurly);
    this.OPTION(() => {
      this.SUBRULE(this.recordEntry, { LABEL: "entry" });
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.recordEntry, { LABEL: "entry" });
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    this.CONSUME(T.RCurly);
  });

  /** entry := (NAME | STRING) `:` expr */
  private readonly recordEntry = this.RULE("recordEntry", () => {
    this.OR({
      ERR_MSG: "a key",
      DEF: [{ ALT: () => this.CONSUME(T.NameLike, { LABEL: "key" }) }, { ALT: () => this.CONSUME(T.StringLit, { LABEL: "key" }) }],
    });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  /** Per-level resynchronization types for the error being unwound (see `findReSyncTokenType`). */
  private resync: { pos: number; rules: number[]; occurrences: number[]; best: (TokenType | undefined)[] } | undefined;

  /**
   * Chevrotain (11.2) internal hook: the token type at which the failing rule, or one
   * of its callers, resynchronizes. Two changes to Chevrotain's search:
   * - Innermost follow set first. Chevrotain searches the outermost first; every item
   *   loop here accepts any token, so that would always abandon the whole declaration.
   *   Innermost first lets `{ a: }` resume at its `}` and `when => deny` at its `=>`.
   * - Linear: an error is unwound one rule at a time and Chevrotain redoes the search
   *   at each, over the whole stack — quadratic in the depth. The per-level answers
   *   for the next token are computed once per error and reused while the rule stack
   *   is a prefix of the one they were computed for.
   * (Both are exercised by recovery.test.ts.)
   */
  protected findReSyncTokenType(): TokenType {
    const self = this as unknown as RecoveryInternals;
    const depth = self.RULE_STACK_IDX;
    const pos = self.exportLexerState();
    let cache = this.resync;
    if (!cache || cache.pos !== pos || cache.best.length <= depth || !this.stackStartsWith(cache, depth)) {
      const keys = self.buildFullFollowKeyStack();
      const next = this.LA(1);
      const best: (TokenType | undefined)[] = [];
      for (let i = 0; i < keys.length; i++) {
        const match = (self.getFollowSetFromFollowKey(keys[i]) ?? []).find((t) => tokenMatcher(next, t));
        best.push(match ?? best[i - 1]);
      }
      cache = this.resync = {
        pos,
        rules: self.RULE_STACK.slice(0, depth + 1),
        occurrences: self.RULE_OCCURRENCE_STACK.slice(0, depth + 1),
        best,
      };
    }
    const found = cache.best[depth];
    if (found) return found;
    // No follow set on the stack takes the next token: look further ahead, innermost first.
    const keys = self.buildFullFollowKeyStack();
    for (let k = 2; ; k++) {
      const token = this.LA(k);
      for (let i = keys.length - 1; i >= 0; i--) {
        const match = (self.getFollowSetFromFollowKey(keys[i]) ?? []).find((t) => tokenMatcher(token, t));
        if (match) return match;
      }
      if (token.tokenType === EOF) return EOF;
    }
  }

  private stackStartsWith(cache: { rules: number[]; occurrences: number[] }, depth: number): boolean {
    const self = this as unknown as RecoveryInternals;
    for (let i = 0; i <= depth; i++) {
      if (self.RULE_STACK[i] !== cache.rules[i] || self.RULE_OCCURRENCE_STACK[i] !== cache.occurrences[i]) return false;
    }
    return true;
  }

  /**
   * Chevrotain (11.2) internal hook: the tokens that may follow `tokType` here, for
   * single-token insertion. Chevrotain computes them by walking the grammar along the
   * whole rule stack, recursively, at the point of the error — which would overflow
   * the stack for an error deep in nested brackets. Beyond `MAX_INSERTION_DEPTH` rules
   * no token is inserted (recovery falls back to deletion and resynchronization).
   */
  protected getFollowsForInRuleRecovery(tokType: TokenType, tokIdxInRule: number): TokenType[] {
    const self = this as unknown as RecoveryInternals;
    const depth = self.RULE_STACK_IDX;
    if (depth > MAX_INSERTION_DEPTH) return [];
    // The answer depends only on the grammar path, so it is cached (the walk is slow).
    let key = `${tokType.tokenTypeIdx}:${tokIdxInRule}`;
    for (let i = 0; i <= depth; i++) key += `/${self.RULE_STACK[i]}.${self.RULE_OCCURRENCE_STACK[i]}`;
    let follows = this.followsCache.get(key);
    if (follows === undefined) {
      follows = (CstParser.prototype as unknown as RecoveryInternals).getFollowsForInRuleRecovery.call(this, tokType, tokIdxInRule);
      if (this.followsCache.size >= 10_000) this.followsCache.clear();
      this.followsCache.set(key, follows);
    }
    return follows;
  }

  private readonly followsCache = new Map<string, TokenType[]>();

  /**
   * Chevrotain (11.2) internal hook: raises "no alternative matched". Chevrotain
   * recomputes the lookahead paths of the `OR` for every such error, only to list them
   * in the message; every `OR` that can fail here has an `ERR_MSG`, which says it
   * without them.
   */
  protected raiseNoAltException(occurrence: number, errMsgTypes: string | undefined): never {
    const self = this as unknown as RecoveryInternals;
    if (errMsgTypes === undefined) return (CstParser.prototype as unknown as RecoveryInternals).raiseNoAltException.call(this, occurrence, errMsgTypes);
    const message = errorMessages.buildNoViableAltMessage({
      expectedPathsPerAlt: [],
      actual: [this.LA(1)],
      previous: this.LA(0),
      customUserDescription: errMsgTypes,
      ruleName: "",
    });
    throw self.SAVE_ERROR(new NoViableAltException(message, this.LA(1), this.LA(0)));
  }

  /** Parses one token vector; the CST is always returned (partial where recovery happened). */
  parseTokens(tokens: IToken[]): CstNode {
    this.resync = undefined;
    this.input = tokens;
    // Recovery throws and catches one exception per error; a stack trace is of no use
    // to it and costs more than the rest of the error's handling.
    const stackTraceLimit = Error.stackTraceLimit;
    setStackTraceLimit(0);
    try {
      return this.document();
    } finally {
      setStackTraceLimit(stackTraceLimit);
    }
  }
}

/** The Chevrotain internals the recovery hooks build on. */
interface RecoveryInternals {
  readonly RULE_STACK_IDX: number;
  readonly RULE_STACK: number[];
  readonly RULE_OCCURRENCE_STACK: number[];
  exportLexerState(): number;
  buildFullFollowKeyStack(): unknown[];
  getFollowSetFromFollowKey(key: unknown): TokenType[] | undefined;
  getFollowsForInRuleRecovery(tokType: TokenType, tokIdxInRule: number): TokenType[];
  raiseNoAltException(occurrence: number, errMsgTypes: string | undefined): never;
  SAVE_ERROR(error: Error): Error;
}

function setStackTraceLimit(limit: number): void {
  try {
    Error.stackTraceLimit = limit;
  } catch {
    // Frozen intrinsics: parsing is only slower on errors.
  }
}

/** Rule depth beyond which recovery does not insert tokens (see `getFollowsForInRuleRecovery`). */
const MAX_INSERTION_DEPTH = 40;

let shared: PolicyParser | undefined;

/** The process-wide parser, built (and self-analysed) on first use. */
export function getParser(): PolicyParser {
  shared ??= new PolicyParser();
  return shared;
}

// ------------------------------------------------------------------ fast path

/**
 * A hand-written recursive-descent twin of `PolicyParser` for error-free input: it makes
 * the same decisions as the Chevrotain parser (the same LL(k) lookahead paths, gates in
 * the same order) and builds the same CST — node names, child keys in insertion order,
 * the very token objects, locations as Chevrotain's recovery-mode "onlyOffset" tracking
 * sets them — but without Chevrotain's grammar interpretation and self-analysis, which
 * dominate a cold `check`. One difference: `children` are ordinary objects (Chevrotain's
 * have no prototype); lower.ts reads only grammar labels, none of which is an
 * `Object.prototype` member, and ordinary objects are much cheaper to build and read.
 *
 * Contract: returns the CST that `getParser().parseTokens(tokens)` would return with no
 * errors, or null as soon as the input leaves the error-free path (a token Chevrotain
 * would report or recover from, a stray token, a `TooDeep` region); the caller then
 * parses with Chevrotain, which reports and recovers. Never throws.
 */
export function parseFast(tokens: readonly IToken[]): CstNode | null {
  try {
    return new FastParser(tokens).document();
  } catch (e) {
    if (e === BAIL) return null;
    return null;
  }
}

/** Thrown (never escapes `parseFast`) when the input leaves the error-free path. */
const BAIL: unique symbol = Symbol("bail");

type Location = { startOffset: number; endOffset: number };
type Node = CstNode & { location: Location };

/** Token types (by `tokenTypeIdx`) that Chevrotain's `tokenMatcher` matches against `type`. */
function matchTable(type: TokenType): boolean[] {
  const table: boolean[] = [];
  for (const t of T.ALL_TOKEN_TYPES) {
    const idx = t.tokenTypeIdx!;
    table[idx] = tokenMatcher({ tokenTypeIdx: idx, tokenType: t } as IToken, type);
  }
  return table;
}

function typeTable(types: readonly TokenType[]): boolean[] {
  const table: boolean[] = [];
  for (const t of T.ALL_TOKEN_TYPES) table[t.tokenTypeIdx!] = false;
  for (const t of types) table[t.tokenTypeIdx!] = true;
  return table;
}

const IS_NAME_LIKE = matchTable(T.NameLike);
const IS_PLAIN_NAME = matchTable(T.PlainName);
const IS_IDENTIFIER = matchTable(T.Identifier);
const IS_RESERVED = typeTable([...T.KEYWORD_TYPES.values()]);
const IS_TOP_LEVEL = typeTable(T.TOP_LEVEL_STARTERS);
const IS_MEMBER_START = typeTable(T.MEMBER_STARTERS);
/** First tokens of `declaration`. */
const IS_DECLARATION_START = typeTable([T.Policy, T.Tools, T.Context, T.Const, T.Label, T.Cost, T.Price, T.Default, T.Agent, T.Invariant, T.Test, ...T.MEMBER_STARTERS]);
/** First tokens of `exprTail`. */
const IS_TAIL_START = typeTable([...BINARY_OPS, T.Has]);
/** First tokens of `expression` (through `operand`): the lookahead paths of its alternatives, gates aside. */
const IS_EXPRESSION_START = typeTable([
  T.Not, T.Minus, T.StringLit, T.NumberLit, T.MoneyLit, T.True, T.False, T.Null, T.LBracket, T.LCurly, T.LParen, T.Agent, T.TooDeep,
]);
for (const t of T.ALL_TOKEN_TYPES) if (IS_PLAIN_NAME[t.tokenTypeIdx!]) IS_EXPRESSION_START[t.tokenTypeIdx!] = true;
/** First tokens of `callArg`: a lambda parameter, `*`, an expression. */
const IS_CALL_ARG_START = IS_EXPRESSION_START.map((v, i) => v || i === T.Star.tokenTypeIdx);

const NO_TYPE = -1;

class FastParser {
  private pos = 0;
  private readonly length: number;

  constructor(private readonly tokens: readonly IToken[]) {
    this.length = tokens.length;
  }

  // ------------------------------------------------------------ machinery

  /** `tokenTypeIdx` of LA(k), or NO_TYPE past the end (Chevrotain's EOF matches nothing here). */
  private at(k: number): number {
    const t = this.tokens[this.pos + k - 1];
    return t === undefined ? NO_TYPE : t.tokenTypeIdx;
  }

  private is(k: number, type: TokenType): boolean {
    return this.at(k) === type.tokenTypeIdx;
  }

  private node(name: string): Node {
    return { name, children: {}, location: { startOffset: NaN, endOffset: NaN } };
  }

  /** Adds the next token under `key` when `ok`; otherwise leaves the fast path. */
  private take(n: Node, key: string, ok: boolean): void {
    if (!ok) throw BAIL;
    const token = this.tokens[this.pos++];
    const list = n.children[key];
    if (list === undefined) n.children[key] = [token];
    else list.push(token);
    extend(n.location, token.startOffset, token.endOffset!);
  }

  private consume(n: Node, key: string, type: TokenType): void {
    this.take(n, key, this.is(1, type));
  }

  private sub(n: Node, key: string, child: Node): void {
    const list = n.children[key];
    if (list === undefined) n.children[key] = [child];
    else list.push(child);
    extend(n.location, child.location.startOffset, child.location.endOffset);
  }

  // ------------------------------------------------------------ gates (as in PolicyParser)

  private startsTopLevel(): boolean {
    const t = this.at(1);
    return (t !== NO_TYPE && IS_TOP_LEVEL[t]) || (t === T.Price.tokenTypeIdx && this.is(2, T.Model));
  }

  private inBlock(): boolean {
    return !this.is(1, T.RCurly) && !this.startsTopLevel();
  }

  private atField(): boolean {
    const t = this.at(1);
    return t !== NO_TYPE && IS_NAME_LIKE[t] && (this.is(2, T.Colon) || this.is(2, T.Question));
  }

  private inFields(): boolean {
    if (this.is(1, T.RCurly)) return false;
    if (this.atField()) return true;
    const t = this.at(1);
    return !this.startsTopLevel() && !(t !== NO_TYPE && IS_MEMBER_START[t]);
  }

  private nameHere(): boolean {
    const next = this.tokens[this.pos];
    if (next === undefined || !IS_RESERVED[next.tokenTypeIdx]) return true;
    const prev = this.tokens[this.pos - 1];
    if (prev === undefined) return true;
    return !(typeof next.startLine === "number" && typeof prev.endLine === "number" && next.startLine > prev.endLine);
  }

  private nameLike(k: number): boolean {
    const t = this.at(k);
    return t !== NO_TYPE && IS_NAME_LIKE[t];
  }

  private plainName(k: number): boolean {
    const t = this.at(k);
    return t !== NO_TYPE && IS_PLAIN_NAME[t];
  }

  // ------------------------------------------------------------ document

  document(): Node {
    const n = this.node("document");
    while (this.pos < this.length) {
      if (!IS_DECLARATION_START[this.at(1)]) throw BAIL; // a stray token: lower.ts reports it
      this.sub(n, "item", this.declaration());
    }
    return n;
  }

  private declaration(): Node {
    const n = this.node("declaration");
    switch (this.at(1)) {
      case T.Policy.tokenTypeIdx:
        this.sub(n, "header", this.header());
        break;
      case T.Tools.tokenTypeIdx:
        this.sub(n, "toolsDecl", this.toolsDecl());
        break;
      case T.Context.tokenTypeIdx:
        this.sub(n, "contextDecl", this.contextDecl());
        break;
      case T.Const.tokenTypeIdx:
        this.sub(n, "constDecl", this.constDecl());
        break;
      case T.Label.tokenTypeIdx:
        this.sub(n, "labelDecl", this.labelDecl());
        break;
      case T.Cost.tokenTypeIdx:
        this.sub(n, "costDecl", this.costDecl());
        break;
      case T.Price.tokenTypeIdx:
        this.sub(n, "priceDecl", this.priceDecl());
        break;
      case T.Default.tokenTypeIdx:
        this.sub(n, "defaultDecl", this.defaultDecl());
        break;
      case T.Agent.tokenTypeIdx:
        this.sub(n, "agentDecl", this.agentDecl());
        break;
      case T.Invariant.tokenTypeIdx:
        this.sub(n, "invariantDecl", this.invariantDecl());
        break;
      case T.Test.tokenTypeIdx:
        this.sub(n, "testDecl", this.testDecl());
        break;
      default:
        this.sub(n, "member", this.member());
    }
    return n;
  }

  private header(): Node {
    const n = this.node("header");
    this.consume(n, "Policy", T.Policy);
    this.take(n, "name", this.plainName(1));
    if (this.is(1, T.Version)) {
      this.consume(n, "Version", T.Version);
      this.consume(n, "version", T.StringLit);
    }
    return n;
  }

  private toolsDecl(): Node {
    const n = this.node("toolsDecl");
    this.consume(n, "Tools", T.Tools);
    this.take(n, "alias", this.plainName(1));
    this.consume(n, "From", T.From);
    this.consume(n, "path", T.StringLit);
    return n;
  }

  private contextDecl(): Node {
    const n = this.node("contextDecl");
    this.consume(n, "Context", T.Context);
    this.consume(n, "LCurly", T.LCurly);
    this.sub(n, "fields", this.fieldList());
    this.consume(n, "RCurly", T.RCurly);
    return n;
  }

  private fieldList(): Node {
    const n = this.node("fieldList");
    while (this.inFields() && this.pos < this.length) {
      if (this.atField()) this.sub(n, "item", this.field());
      else this.consume(n, "item", T.Comma); // anything else is a stray token
    }
    return n;
  }

  private field(): Node {
    const n = this.node("field");
    this.take(n, "name", this.nameLike(1));
    if (this.is(1, T.Question)) this.consume(n, "Question", T.Question);
    this.consume(n, "Colon", T.Colon);
    this.sub(n, "type", this.typeExpr());
    return n;
  }

  private typeExpr(): Node {
    const n = this.node("typeExpr");
    const t = this.at(1);
    if (!this.is(2, T.Colon) && !this.is(2, T.Question) && t !== NO_TYPE && IS_IDENTIFIER[t]) {
      this.take(n, "primitive", true);
    } else if (t === T.StringLit.tokenTypeIdx) {
      this.take(n, "member", true);
      while (this.is(1, T.Pipe)) {
        this.consume(n, "Pipe", T.Pipe);
        this.consume(n, "member", T.StringLit);
      }
    } else if (t === T.LBracket.tokenTypeIdx) {
      this.take(n, "LBracket", true);
      this.sub(n, "element", this.typeExpr());
      this.consume(n, "RBracket", T.RBracket);
    } else if (t === T.LCurly.tokenTypeIdx) {
      this.take(n, "LCurly", true);
      this.sub(n, "fields", this.fieldList());
      this.consume(n, "RCurly", T.RCurly);
    } else throw BAIL;
    return n;
  }

  private constDecl(): Node {
    const n = this.node("constDecl");
    this.consume(n, "Const", T.Const);
    this.take(n, "name", this.plainName(1));
    this.consume(n, "Equals", T.Equals);
    this.sub(n, "value", this.expression());
    return n;
  }

  private labelDecl(): Node {
    const n = this.node("labelDecl");
    this.consume(n, "Label", T.Label);
    this.take(n, "name", this.plainName(1));
    this.consume(n, "On", T.On);
    this.sub(n, "selectors", this.selectorList());
    return n;
  }

  private costDecl(): Node {
    const n = this.node("costDecl");
    this.consume(n, "Cost", T.Cost);
    this.sub(n, "selectors", this.selectorList());
    this.consume(n, "Equals", T.Equals);
    this.consume(n, "amount", T.MoneyLit);
    this.consume(n, "Per", T.Per);
    this.consume(n, "Call", T.Call);
    return n;
  }

  private priceDecl(): Node {
    const n = this.node("priceDecl");
    this.consume(n, "Price", T.Price);
    this.consume(n, "Model", T.Model);
    this.consume(n, "model", T.StringLit);
    this.consume(n, "Input", T.Input);
    this.consume(n, "input", T.MoneyLit);
    this.consume(n, "Output", T.Output);
    this.consume(n, "output", T.MoneyLit);
    this.consume(n, "Per", T.Per);
    this.consume(n, "OneM", T.OneM);
    this.consume(n, "Tokens", T.Tokens);
    return n;
  }

  private defaultDecl(): Node {
    const n = this.node("defaultDecl");
    this.consume(n, "Default", T.Default);
    this.take(n, "effect", this.is(1, T.Allow) || this.is(1, T.Deny));
    return n;
  }

  private agentDecl(): Node {
    const n = this.node("agentDecl");
    this.consume(n, "Agent", T.Agent);
    this.consume(n, "id", T.StringLit);
    if (this.is(1, T.Extends)) {
      this.consume(n, "Extends", T.Extends);
      this.consume(n, "parent", T.StringLit);
      while (this.is(1, T.Comma)) {
        this.consume(n, "Comma", T.Comma);
        this.consume(n, "parent", T.StringLit);
      }
    }
    this.consume(n, "LCurly", T.LCurly);
    this.sub(n, "body", this.agentBody());
    this.consume(n, "RCurly", T.RCurly);
    return n;
  }

  private agentBody(): Node {
    const n = this.node("agentBody");
    while (this.inBlock() && this.pos < this.length) {
      if (!IS_MEMBER_START[this.at(1)]) throw BAIL; // a stray token
      this.sub(n, "item", this.member());
    }
    return n;
  }

  private member(): Node {
    const n = this.node("member");
    while (this.is(1, T.At)) this.sub(n, "annotation", this.annotation());
    const t = this.at(1);
    if (t === T.Allow.tokenTypeIdx || t === T.Deny.tokenTypeIdx || t === T.Review.tokenTypeIdx) this.sub(n, "rule", this.ruleBody());
    else if (t === T.Limit.tokenTypeIdx) this.sub(n, "limit", this.limitBody());
    else throw BAIL;
    return n;
  }

  private annotation(): Node {
    const n = this.node("annotation");
    this.consume(n, "At", T.At);
    this.take(n, "name", this.nameHere() && this.nameLike(1));
    this.consume(n, "LParen", T.LParen);
    this.consume(n, "value", T.StringLit);
    this.consume(n, "RParen", T.RParen);
    return n;
  }

  private ruleBody(): Node {
    const n = this.node("ruleBody");
    this.sub(n, "effect", this.effectRef());
    this.sub(n, "selectors", this.selectorList());
    if (this.is(1, T.When)) {
      this.consume(n, "When", T.When);
      this.sub(n, "when", this.expression());
    }
    if (this.is(1, T.Unless)) {
      this.consume(n, "Unless", T.Unless);
      this.sub(n, "unless", this.expression());
    }
    if (this.is(1, T.Because)) {
      this.consume(n, "Because", T.Because);
      this.consume(n, "because", T.StringLit);
    }
    return n;
  }

  private limitBody(): Node {
    const n = this.node("limitBody");
    this.consume(n, "Limit", T.Limit);
    const t = this.at(1);
    if (t === T.Tokens.tokenTypeIdx || t === T.Cost.tokenTypeIdx) {
      this.take(n, "kind", true);
      this.consume(n, "To", T.To);
      this.consume(n, "amount", t === T.Tokens.tokenTypeIdx ? T.NumberLit : T.MoneyLit);
      this.consume(n, "Per", T.Per);
      this.sub(n, "window", this.window());
      if (this.is(1, T.By)) this.sub(n, "by", this.byClause());
    } else if (t === T.Repeats.tokenTypeIdx) {
      this.take(n, "kind", true);
      this.consume(n, "To", T.To);
      this.consume(n, "amount", T.NumberLit);
    } else if (t === T.Star.tokenTypeIdx || this.plainName(1)) {
      this.sub(n, "selectors", this.selectorList());
      this.consume(n, "To", T.To);
      this.consume(n, "amount", T.NumberLit);
      this.consume(n, "Calls", T.Calls);
      this.consume(n, "Per", T.Per);
      this.sub(n, "window", this.window());
      if (this.is(1, T.By)) this.sub(n, "by", this.byClause());
    } else throw BAIL;
    return n;
  }

  private window(): Node {
    const n = this.node("window");
    const t = this.at(1);
    if (t === T.Session.tokenTypeIdx) this.take(n, "Session", true);
    else if (t === T.TimeUnit.tokenTypeIdx) this.take(n, "unit", true);
    else if (t === T.NumberLit.tokenTypeIdx) {
      this.take(n, "count", true);
      this.consume(n, "unit", T.TimeUnit);
    } else throw BAIL;
    return n;
  }

  private byClause(): Node {
    const n = this.node("byClause");
    this.consume(n, "By", T.By);
    this.sub(n, "key", this.expression());
    return n;
  }

  private selectorList(): Node {
    const n = this.node("selectorList");
    this.sub(n, "selector", this.selector());
    while (this.is(1, T.Comma)) {
      this.consume(n, "Comma", T.Comma);
      this.sub(n, "selector", this.selector());
    }
    return n;
  }

  private selector(): Node {
    const n = this.node("selector");
    if (this.is(1, T.Star)) this.take(n, "all", true);
    else if (this.plainName(1)) {
      this.take(n, "alias", true);
      this.consume(n, "Dot", T.Dot);
      if (this.is(1, T.Star)) this.take(n, "allTools", true);
      else this.take(n, "tool", this.nameHere() && this.nameLike(1));
    } else throw BAIL;
    return n;
  }

  private effectRef(): Node {
    const n = this.node("effectRef");
    this.take(n, "effect", this.is(1, T.Allow) || this.is(1, T.Deny) || this.is(1, T.Review));
    return n;
  }

  private invariantDecl(): Node {
    const n = this.node("invariantDecl");
    this.consume(n, "Invariant", T.Invariant);
    this.take(n, "name", this.plainName(1));
    this.consume(n, "Colon", T.Colon);
    if (this.is(1, T.Agent)) {
      this.consume(n, "Agent", T.Agent);
      this.consume(n, "agent", T.StringLit);
    }
    this.sub(n, "selectors", this.selectorList());
    if (this.is(1, T.When)) {
      this.consume(n, "When", T.When);
      this.sub(n, "when", this.expression());
    }
    this.consume(n, "Arrow", T.Arrow);
    this.sub(n, "effect", this.effectRef());
    while (this.is(1, T.Pipe)) {
      this.consume(n, "Pipe", T.Pipe);
      this.sub(n, "effect", this.effectRef());
    }
    return n;
  }

  private testDecl(): Node {
    const n = this.node("testDecl");
    this.consume(n, "Test", T.Test);
    this.consume(n, "name", T.StringLit);
    this.consume(n, "LCurly", T.LCurly);
    this.sub(n, "body", this.testBody());
    this.consume(n, "RCurly", T.RCurly);
    return n;
  }

  private testBody(): Node {
    const n = this.node("testBody");
    while (this.inBlock() && this.pos < this.length) {
      if (!this.is(1, T.Expect)) throw BAIL; // a stray token
      this.sub(n, "item", this.expectLine());
    }
    return n;
  }

  private expectLine(): Node {
    const n = this.node("expectLine");
    this.consume(n, "Expect", T.Expect);
    this.consume(n, "Agent", T.Agent);
    this.consume(n, "agent", T.StringLit);
    this.consume(n, "Calls", T.Calls);
    this.sub(n, "tool", this.selector());
    this.consume(n, "LParen", T.LParen);
    this.sub(n, "args", this.recordLit());
    this.consume(n, "RParen", T.RParen);
    if (this.is(1, T.With)) {
      this.consume(n, "With", T.With);
      this.sub(n, "context", this.recordLit());
    }
    this.consume(n, "Arrow", T.Arrow);
    this.sub(n, "effect", this.effectRef());
    if (this.is(1, T.StringLit)) this.take(n, "ruleId", true);
    return n;
  }

  // ------------------------------------------------------------ expressions

  private expression(): Node {
    const n = this.node("expression");
    this.sub(n, "operand", this.operand());
    while (IS_TAIL_START[this.at(1)]) this.sub(n, "tail", this.exprTail());
    return n;
  }

  private exprTail(): Node {
    const n = this.node("exprTail");
    if (this.is(1, T.Has)) {
      this.take(n, "op", true);
      this.take(n, "field", this.nameHere() && this.nameLike(1));
    } else {
      this.take(n, "op", true);
      this.sub(n, "operand", this.operand());
    }
    return n;
  }

  private operand(): Node {
    const n = this.node("operand");
    while (this.is(1, T.Not) || this.is(1, T.Minus)) this.take(n, "prefix", true);
    const t = this.at(1);
    switch (t) {
      case T.StringLit.tokenTypeIdx:
        this.take(n, "StringLit", true);
        break;
      case T.NumberLit.tokenTypeIdx:
        this.take(n, "NumberLit", true);
        break;
      case T.MoneyLit.tokenTypeIdx:
        this.take(n, "MoneyLit", true);
        break;
      case T.True.tokenTypeIdx:
        this.take(n, "True", true);
        break;
      case T.False.tokenTypeIdx:
        this.take(n, "False", true);
        break;
      case T.Null.tokenTypeIdx:
        this.take(n, "Null", true);
        break;
      case T.LBracket.tokenTypeIdx:
        this.sub(n, "list", this.listLit());
        break;
      case T.LCurly.tokenTypeIdx:
        this.sub(n, "record", this.recordLit());
        break;
      case T.LParen.tokenTypeIdx:
        this.take(n, "LParen", true);
        this.sub(n, "inner", this.expression());
        this.consume(n, "RParen", T.RParen);
        break;
      case T.Agent.tokenTypeIdx:
        this.take(n, "name", this.is(2, T.Dot));
        break;
      default:
        this.take(n, "name", this.plainName(1)); // TooDeep and anything else leave the fast path
    }
    for (;;) {
      const p = this.at(1);
      if (p === T.Dot.tokenTypeIdx || p === T.LParen.tokenTypeIdx) this.sub(n, "postfix", this.postfixOp());
      else if (p === T.TooDeep.tokenTypeIdx) throw BAIL;
      else break;
    }
    return n;
  }

  private postfixOp(): Node {
    const n = this.node("postfixOp");
    if (this.is(1, T.Dot)) {
      this.take(n, "Dot", true);
      if (this.is(1, T.Star)) this.take(n, "star", true);
      else this.take(n, "name", this.nameHere() && this.nameLike(1));
      return n;
    }
    this.consume(n, "LParen", T.LParen);
    if (IS_CALL_ARG_START[this.at(1)]) {
      this.sub(n, "arg", this.callArg());
      while (this.is(1, T.Comma) && IS_CALL_ARG_START[this.at(2)]) {
        this.take(n, "Comma", true);
        this.sub(n, "arg", this.callArg());
      }
      if (this.is(1, T.Comma)) this.take(n, "Comma", true);
    }
    this.consume(n, "RParen", T.RParen);
    return n;
  }

  private callArg(): Node {
    const n = this.node("callArg");
    if (this.plainName(1) && this.is(2, T.Arrow)) {
      this.take(n, "param", true);
      this.take(n, "Arrow", true);
      this.sub(n, "body", this.expression());
    } else if (this.is(1, T.Star)) this.take(n, "star", true);
    else this.sub(n, "value", this.expression());
    return n;
  }

  private listLit(): Node {
    const n = this.node("listLit");
    this.consume(n, "LBracket", T.LBracket);
    if (IS_EXPRESSION_START[this.at(1)]) {
      this.sub(n, "element", this.expression());
      while (this.is(1, T.Comma) && IS_EXPRESSION_START[this.at(2)]) {
        this.take(n, "Comma", true);
        this.sub(n, "element", this.expression());
      }
      if (this.is(1, T.Comma)) this.take(n, "Comma", true);
    }
    this.consume(n, "RBracket", T.RBracket);
    return n;
  }

  private recordLit(): Node {
    const n = this.node("recordLit");
    this.consume(n, "LCurly", T.LCurly);
    if (this.nameLike(1) || this.is(1, T.StringLit)) {
      this.sub(n, "entry", this.recordEntry());
      while (this.is(1, T.Comma) && (this.nameLike(2) || this.is(2, T.StringLit))) {
        this.take(n, "Comma", true);
        this.sub(n, "entry", this.recordEntry());
      }
      if (this.is(1, T.Comma)) this.take(n, "Comma", true);
    }
    this.consume(n, "RCurly", T.RCurly);
    return n;
  }

  private recordEntry(): Node {
    const n = this.node("recordEntry");
    this.take(n, "key", this.nameLike(1) || this.is(1, T.StringLit));
    this.consume(n, "Colon", T.Colon);
    this.sub(n, "value", this.expression());
    return n;
  }
}

/** Chevrotain's `setNodeLocationOnlyOffset` (recovery mode). */
function extend(loc: Location, startOffset: number, endOffset: number): void {
  if (Number.isNaN(loc.startOffset)) {
    loc.startOffset = startOffset;
    loc.endOffset = endOffset;
  } else if (loc.endOffset < endOffset) {
    loc.endOffset = endOffset;
  }
}
