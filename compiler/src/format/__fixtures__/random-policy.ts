/**
 * A fast-check generator of random, syntactically valid policies with random
 * whitespace, parentheses, string escapes, trailing commas and comments — the input
 * of the formatter's property tests. Two comment styles:
 * - `realistic`: comments where people write them (above declarations and clauses,
 *   doc comments above declarations, at line ends, inline `/* *\/` blocks);
 * - `chaos`: every kind of comment (doc comments included) in every gap.
 *
 * A policy is generated as a token list; each gap between tokens then gets a random
 * filler. Gaps right after `.`, `has` and `@` never get a line break (a reserved word
 * on a later line is not taken as a name there), and two word-like tokens are never
 * glued. (`agent.id` is not generated: the parser does not accept it yet.)
 */
import fc from "fast-check";

interface Tok {
  readonly text: string;
  /** The gap before this token must stay on one line. */
  readonly inline?: boolean;
  /** The token starts a declaration, rule, limit, field or `expect` (a `///` comment may document it). */
  readonly decl?: boolean;
}

type Toks = Tok[];
const t = (...texts: string[]): Toks => texts.map((text) => ({ text }));
const inline = (text: string): Tok => ({ text, inline: true });
const cat = (...parts: Toks[]): Toks => parts.flat();
const joinToks = (sep: string, parts: Toks[]): Toks => parts.flatMap((p, i) => (i > 0 ? [{ text: sep }, ...p] : p));
/** Marks the first token as the start of a declaration (or rule, limit, field, `expect`). */
const decl = (toks: Toks): Toks => (toks.length === 0 ? toks : [{ ...toks[0], decl: true }, ...toks.slice(1)]);

// ---------------------------------------------------------------- leaves

const plainName = fc.constantFrom("a", "x", "sku", "qty", "user", "role", "tenant", "rows", "to", "limit", "session", "price", "input", "minute", "_x1");
const reservedName = fc.constantFrom("to", "limit", "from", "by", "default", "test");
const aliasName = fc.constantFrom("inv", "crm", "mail", "`gh-x`", "fs");
const toolName = fc.constantFrom("get_item", "search", "create_purchase_order", "`create-issue`", "send", "limit", "export");
const constName = fc.constantFrom("c1", "domains", "max_rows", "`odd-name`");

/** A string literal as written (random but valid escapes). */
const stringLit: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.constantFrom("a", "B", "0", " ", "-", "é", "😀", "/", "@", ".", "*", "?", "$"),
      fc.constantFrom('\\"', "\\\\", "\\/", "\\n", "\\r", "\\t", "\\u00e9", "\\u0001", "\\u200B", "\\uD83D", "\\ud83d\\ude00"),
    ),
    { maxLength: 6 },
  )
  .map((parts) => `"${parts.join("")}"`);

const numberLit = fc.constantFrom("0", "1", "42", "3.5", "1_000", "5_000", "200_000", "007");
const moneyLit = fc.constantFrom("$0", "$25", "$0.05", "$1_000", "$2.50", "$0.000001");

const selector: fc.Arbitrary<Toks> = fc.oneof(
  fc.constant(t("*")),
  aliasName.map((a) => [{ text: a }, inline("."), inline("*")]),
  fc.tuple(aliasName, toolName).map(([a, n]) => [{ text: a }, inline("."), inline(n)]),
);
const toolSelector: fc.Arbitrary<Toks> = fc.tuple(aliasName, toolName).map(([a, n]) => [{ text: a }, inline("."), inline(n)]);
const selectors = fc.array(selector, { minLength: 1, maxLength: 4 }).map((s) => joinToks(",", s));

// ---------------------------------------------------------------- expressions

const PREC: Record<string, number> = { or: 1, and: 2, "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4, in: 4, "??": 5, "+": 6, "-": 6, "*": 7 };

interface GExpr {
  readonly prec: number;
  readonly toks: Toks;
}

const atom = (toks: Toks): GExpr => ({ prec: 9, toks });
const paren = (e: GExpr): Toks => [{ text: "(" }, ...e.toks, { text: ")" }];
/** `e` as an operand: parenthesized when `need` says its precedence requires it, or when `extra`. */
const wrap = (e: GExpr, need: (p: number) => boolean, extra: boolean): Toks => (need(e.prec) || extra ? paren(e) : e.toks);

const expression: fc.Arbitrary<GExpr> = fc.letrec<{ expr: GExpr }>((tie) => {
  const sub = tie("expr");
  const leaf: fc.Arbitrary<GExpr> = fc.oneof(
    stringLit.map((s) => atom(t(s))),
    numberLit.map((n) => atom(t(n))),
    moneyLit.map((m) => atom(t(m))),
    fc.constantFrom("true", "false", "null").map((w) => atom(t(w))),
    fc.tuple(fc.constantFrom("args", "ctx", "tool", "a", "c1", "`odd-name`"), fc.array(fc.oneof(plainName, reservedName), { maxLength: 3 })).map(([root, path]) =>
      atom([{ text: root }, ...path.flatMap((p) => [inline("."), inline(p)])]),
    ),
  );
  const list = fc.tuple(fc.array(sub, { maxLength: 3 }), fc.boolean()).map(([els, trailing]) =>
    atom([{ text: "[" }, ...joinToks(",", els.map((e) => e.toks)), ...(trailing && els.length > 0 ? t(",") : []), { text: "]" }]),
  );
  const record = fc
    .tuple(fc.array(fc.tuple(fc.oneof(plainName, reservedName, stringLit, fc.constant("`k-1`")), sub), { maxLength: 3 }), fc.boolean())
    .map(([entries, trailing]) =>
      atom([
        { text: "{" },
        ...joinToks(",", entries.map(([k, v]) => [{ text: k }, { text: ":" }, ...v.toks])),
        ...(trailing && entries.length > 0 ? t(",") : []),
        { text: "}" },
      ]),
    );
  const method = fc.tuple(sub, fc.constantFrom("startsWith", "endsWith", "contains", "matches", "glob"), sub, fc.boolean()).map(([obj, m, arg, extra]) =>
    atom([...wrap(obj, (p) => p < 9, extra), inline("."), inline(m), { text: "(" }, ...arg.toks, { text: ")" }]),
  );
  const noArgs = fc.tuple(sub, fc.constantFrom("lower", "upper")).map(([obj, m]) => atom([...wrap(obj, (p) => p < 9, false), inline("."), inline(m), ...t("(", ")")]));
  const lambda = fc.tuple(sub, fc.constantFrom("any", "all"), fc.constantFrom("x", "a"), sub, fc.boolean()).map(([obj, m, param, body, trailing]) =>
    atom([...wrap(obj, (p) => p < 9, false), inline("."), inline(m), { text: "(" }, { text: param }, { text: "=>" }, ...body.toks, ...(trailing ? t(",") : []), { text: ")" }]),
  );
  const builtin = fc.tuple(fc.constantFrom("url", "path"), sub, fc.constantFrom("host", "path", "normalized", "name")).map(([f, arg, prop]) =>
    atom([{ text: f }, { text: "(" }, ...arg.toks, { text: ")" }, inline("."), inline(prop)]),
  );
  const sessionCall = fc.oneof(
    fc.constantFrom("pii", "secrets").map((l) => atom([{ text: "session" }, inline("."), inline("has"), ...t("(", l, ")")])),
    selector.map((s) => atom([...t("session"), inline("."), inline("count"), { text: "(" }, ...s, { text: ")" }])),
  );
  const unary = fc.tuple(fc.constantFrom("not", "-"), sub, fc.boolean()).map(([op, e, extra]): GExpr => {
    if (op === "not") return { prec: 3, toks: [{ text: "not" }, ...wrap(e, (p) => p < 4, extra)] };
    return { prec: 8, toks: [{ text: "-" }, ...wrap(e, (p) => p < 8, extra)] };
  });
  const has = fc.tuple(sub, fc.oneof(plainName, reservedName), fc.boolean()).map(([e, f, extra]): GExpr => ({
    prec: 4,
    toks: [...wrap(e, (p) => p <= 4, extra), { text: "has" }, inline(f)],
  }));
  const binary = fc.tuple(sub, fc.constantFrom(...Object.keys(PREC)), sub, fc.boolean(), fc.boolean()).map(([l, op, r, el, er]): GExpr => {
    const p = PREC[op];
    const needLeft = (c: number) => (p === 4 ? c <= 4 : p === 5 ? c <= 5 : c < p);
    const needRight = (c: number) => (p === 4 ? c <= 4 : p === 5 ? c < 5 : c <= p);
    return { prec: p, toks: [...wrap(l, needLeft, el), { text: op }, ...wrap(r, needRight, er)] };
  });
  const grouped = sub.map((e) => atom(paren(e)));
  return {
    expr: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leaf,
      leaf,
      binary,
      binary,
      unary,
      has,
      method,
      noArgs,
      lambda,
      builtin,
      sessionCall,
      list,
      record,
      grouped,
    ),
  };
}).expr;

// ---------------------------------------------------------------- declarations

const annotation = fc.tuple(fc.constantFrom("id", "owner", "severity", "limit"), stringLit).map(([n, v]) => [{ text: "@" }, inline(n), ...t("("), { text: v }, ...t(")")]);
const annotations = fc.array(annotation, { maxLength: 2 }).map((a) => a.flat());

const rule = fc
  .tuple(annotations, fc.constantFrom("allow", "deny", "review"), selectors, fc.option(expression), fc.option(expression), fc.option(stringLit))
  .map(([anns, effect, sels, when, unless, because]) =>
    cat(decl([...anns, ...t(effect)]), sels, when ? cat(t("when"), when.toks) : [], unless ? cat(t("unless"), unless.toks) : [], because ? t("because", because) : []),
  );

const window = fc.oneof(
  fc.constantFrom("second", "minute", "hour", "day", "session").map((w) => t(w)),
  fc.tuple(fc.constantFrom("1", "5", "60", "1_0", "24"), fc.constantFrom("second", "seconds", "minutes", "minute", "hours", "days")).map(([n, u]) => t(n, u)),
);
const byClause = fc.option(expression).map((e) => (e ? cat(t("by"), e.toks) : []));
const limit = fc
  .tuple(
    annotations,
    fc.oneof(
      fc.tuple(selectors, numberLit.filter((n) => !n.includes(".")), window, byClause).map(([s, n, w, by]) => cat(s, t("to", n, "calls", "per"), w, by)),
      fc.tuple(numberLit.filter((n) => !n.includes(".")), window, byClause).map(([n, w, by]) => cat(t("tokens", "to", n, "per"), w, by)),
      fc.tuple(moneyLit, window, byClause).map(([m, w, by]) => cat(t("cost", "to", m, "per"), w, by)),
      numberLit.filter((n) => !n.includes(".")).map((n) => t("repeats", "to", n)),
    ),
  )
  .map(([anns, body]) => cat(decl([...anns, ...t("limit")]), body));

const member = fc.oneof(rule, rule, limit);

const typeExpr: fc.Arbitrary<Toks> = fc.letrec<{ type: Toks }>((tie) => ({
  type: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom("string", "number", "integer", "boolean").map((p) => t(p)),
    fc.array(stringLit, { minLength: 1, maxLength: 3 }).map((m) => joinToks("|", m.map((s) => t(s)))),
    tie("type").map((e) => cat(t("["), e, t("]"))),
    fc.tuple(fc.array(fc.tuple(fc.oneof(plainName, reservedName), fc.boolean(), tie("type"), fc.boolean()), { maxLength: 3 })).map(([fields]) =>
      cat(
        t("{"),
        fields.flatMap(([n, opt, ty, comma], i) => cat(t(n), opt ? t("?") : [], t(":"), ty, comma || i < fields.length - 1 ? t(",") : [])),
        t("}"),
      ),
    ),
  ),
})).type;

const contextDecl = fc
  .array(fc.tuple(fc.oneof(plainName, reservedName), fc.boolean(), typeExpr, fc.boolean()), { maxLength: 4 })
  .map((fields) => cat(t("context", "{"), fields.flatMap(([n, opt, ty, comma]) => cat(decl(t(n)), opt ? t("?") : [], t(":"), ty, comma ? t(",") : [])), t("}")));

const recordLit = fc.array(fc.tuple(fc.oneof(plainName, stringLit), expression), { maxLength: 3 }).map((entries) =>
  cat(t("{"), joinToks(",", entries.map(([k, v]) => cat(t(k, ":"), v.toks))), t("}")),
);
const expectLine = fc
  .tuple(stringLit, toolSelector, recordLit, fc.option(recordLit), fc.constantFrom("allow", "deny", "review"), fc.option(stringLit))
  .map(([agent, tool, args, context, effect, id]) =>
    cat(decl(t("expect", "agent", agent, "calls")), tool, t("("), args, t(")"), context ? cat(t("with"), context) : [], t("=>", effect), id ? t(id) : []),
  );

const declaration: fc.Arbitrary<Toks> = fc.oneof(
  fc.tuple(aliasName, stringLit).map(([a, p]) => t("tools", a, "from", p)),
  contextDecl,
  fc.tuple(constName, expression).map(([n, e]) => cat(t("const", n, "="), e.toks)),
  fc.tuple(fc.constantFrom("pii", "secrets"), selectors).map(([n, s]) => cat(t("label", n, "on"), s)),
  fc.tuple(selectors, moneyLit).map(([s, m]) => cat(t("cost"), s, t("=", m, "per", "call"))),
  fc.tuple(stringLit, moneyLit, moneyLit).map(([m, i, o]) => t("price", "model", m, "input", i, "output", o, "per", "1M", "tokens")),
  fc.constantFrom("allow", "deny").map((e) => t("default", e)),
  rule,
  rule,
  limit,
  fc
    .tuple(stringLit, fc.array(stringLit, { maxLength: 2 }), fc.array(member, { maxLength: 4 }))
    .map(([id, parents, body]) => cat(t("agent", id), parents.length > 0 ? cat(t("extends"), joinToks(",", parents.map((p) => t(p)))) : [], t("{"), body.flat(), t("}"))),
  fc
    .tuple(fc.constantFrom("inv1", "cap", "`odd`"), fc.option(stringLit), selectors, fc.option(expression), fc.array(fc.constantFrom("allow", "deny", "review"), { minLength: 1, maxLength: 3 }))
    .map(([n, agent, s, when, effects]) =>
      cat(t("invariant", n, ":"), agent ? t("agent", agent) : [], s, when ? cat(t("when"), when.toks) : [], t("=>"), joinToks("|", effects.map((e) => t(e)))),
    ),
  fc.tuple(stringLit, fc.array(expectLine, { maxLength: 3 })).map(([n, lines]) => cat(t("test", n, "{"), lines.flat(), t("}"))),
);

const header = fc.tuple(fc.constantFrom("p", "inventory", "`my-policy`"), fc.option(stringLit)).map(([n, v]) => cat(decl(t("policy", n)), v ? t("version", v) : []));

const policyTokens = fc.tuple(header, fc.array(declaration.map(decl), { maxLength: 8 })).map(([h, ds]) => cat(h, ...ds));

// ---------------------------------------------------------------- layout

type Filler = (n: number) => string;

/** Chaos: every kind of comment in every gap. */
const chaosFillers: Filler[] = [
  () => " ",
  () => "  ",
  () => "\n",
  () => "\n\n",
  () => "\n\n\n  ",
  () => "\t",
  () => "\r\n",
  (n) => ` /* b${n} */ `,
  (n) => `/* b${n} */`,
  (n) => ` // l${n}\n`,
  (n) => `\n// own${n}\n`,
  (n) => `\n\n// para${n}\n\n`,
  (n) => ` /// d${n}\n`,
  (n) => `\n/// doc${n}\n`,
  (n) => `\n/* multi${n}\n   line */\n`,
  (n) => ` //// four${n}  \n`,
  () => "\n//\n",
  (n) => ` /** star${n} */\n`,
];
const inlineFillers: Filler[] = [() => "", () => " ", () => "  ", (n) => ` /* i${n} */ `, (n) => `/*i${n}*/`];

/** Where people put comments: above declarations, at line ends, rarely inline. */
const declFillers: Filler[] = [
  () => "\n",
  () => "\n",
  () => "\n\n",
  () => " ",
  (n) => `\n// own${n}\n`,
  (n) => `\n\n// section${n}\n\n`,
  (n) => `\n/// doc${n}\n`,
  (n) => `\n/// doc${n}a\n/// doc${n}b\n`,
  (n) => ` // trailing${n}\n`,
  (n) => `\n/* block${n} */\n`,
  (n) => `\n/*\n * multi${n}\n */\n`,
];
const lineFillers: Filler[] = [() => " ", () => " ", () => "\n  ", () => " ", (n) => ` // eol${n}\n  `, (n) => `\n  // above${n}\n  `];
const spaceFillers: Filler[] = [() => " ", () => " ", () => "", () => "  ", () => "\n", () => " ", (n) => ` /* c${n} */ `];

/** Tokens before which a line break reads naturally. */
const LINE_STARTS = new Set(["when", "unless", "because", "by", "with", "=>", "calls", "and", "or", "}", "]", "@"]);

const wordy = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_$`"]/.test(c);
const merges = (a: string | undefined, b: string | undefined): boolean => a !== undefined && b !== undefined && "=<>!?|&-*".includes(a) && "=>?|&*/".includes(b);

export type CommentStyle = "chaos" | "realistic";

/** Joins tokens with the chosen fillers; a filler that would glue two tokens becomes a space. */
function layout(tokens: Toks, choices: readonly number[], style: CommentStyle): string {
  let out = "";
  let counter = 0;
  tokens.forEach((tok, i) => {
    const choice = choices[i % choices.length] ?? 0;
    let fillers: Filler[];
    if (tok.inline) fillers = style === "chaos" ? inlineFillers : inlineFillers.slice(0, 3);
    else if (style === "realistic") {
      const previous = tokens[i - 1];
      fillers = tok.decl ? declFillers : LINE_STARTS.has(tok.text) || previous?.text === "," || previous?.text === "{" ? lineFillers : spaceFillers;
    } else {
      // A `///` right before a separator comma or a `)` the formatter may drop would document the next declaration.
      fillers = tok.text === "," || tok.text === ")" ? chaosFillers.filter((f) => !f(0).includes("///")) : chaosFillers;
    }
    let gap = i === 0 ? (choice % 3 === 0 ? fillers[choice % fillers.length](counter++) : "") : fillers[choice % fillers.length](counter++);
    if (gap === "" && i > 0 && ((wordy(out.at(-1)) && wordy(tok.text[0])) || merges(out.at(-1), tok.text[0]))) gap = " ";
    out += gap + tok.text;
  });
  const last = choices[tokens.length % choices.length] ?? 0;
  const end: Filler[] = style === "chaos" ? chaosFillers : [() => "\n", (n) => ` // end${n}\n`, (n) => `\n\n// footer${n}\n`];
  return out + (last % 2 === 0 ? "\n" : end[last % end.length](counter));
}

/** Random valid policies with random whitespace and comments placed as `style` says. */
export function randomPolicy(style: CommentStyle): fc.Arbitrary<string> {
  return fc
    .tuple(policyTokens, fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 200 }))
    .map(([tokens, choices]) => layout(tokens, choices, style));
}
