/**
 * fast-check arbitraries of small, well-typed policies over the fixture manifests
 * (fixtures.ts): random rules of every effect with conditions drawn from a typed grammar
 * that reaches every operator, built-in, optional and nullable field, lambdas, consts,
 * labels, sessions, agents with inheritance, annotations, defaults and limits.
 */
import fc from "fast-check";

type Gen = fc.Arbitrary<string>;

const STRINGS = ["a", "ab", "admin", "x.evil.io", "/tmp/x", "example.com", "", "A"];
const NUMBERS = ["0", "1", "3", "10", "1_000", "2.5", "$0.05"];

const strLit = fc.constantFrom(...STRINGS).map((s) => JSON.stringify(s));
const numLit = fc.constantFrom(...NUMBERS);

/** String-valued expressions: `withArgs` allows `args.*` of `t.op`. */
function strExpr(withArgs: boolean): Gen {
  const ctx = fc.constantFrom("ctx.user.id", "ctx.tenant", '(ctx.ticket ?? "none")');
  if (!withArgs) return ctx;
  return fc.oneof(
    ctx,
    fc.constantFrom(
      "args.s",
      "args.opt",
      '(args.nul ?? "d")',
      "args.s.lower()",
      "args.s.upper()",
      "args.rec.a",
      "args.rec.inner.c",
      "url(args.url).host",
      "url(args.url).scheme",
      "url(args.url).path",
      "url(args.url).query",
      "path(args.path).normalized",
      "path(args.path).name",
      "path(args.path).ext",
      "args.constructor",
    ),
  );
}

function numExpr(withArgs: boolean): Gen {
  const base = fc.constantFrom("session.count(t.op)", "session.count(net.*)", "ctx.user.id.length");
  if (!withArgs) return base;
  return fc.oneof(
    base,
    fc.constantFrom(
      "args.n",
      "args.i",
      "(args.n + 1)",
      "(args.i * 2)",
      "(args.n - args.i)",
      "-args.i",
      "args.xs.length",
      "args.s.length",
      "(args.rec.b ?? 0)",
      "args.rec.b",
      "url(args.url).port",
      "args.toString",
      "args.items.length",
    ),
  );
}

/** Boolean conditions (depth-bounded). */
export function boolExpr(withArgs: boolean, depth: number): Gen {
  const leaves: Gen[] = [
    fc.tuple(strExpr(withArgs), fc.constantFrom("==", "!="), strLit).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(numExpr(withArgs), fc.constantFrom("<", "<=", ">", ">=", "==", "!="), numLit).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(strExpr(withArgs), fc.constantFrom("startsWith", "endsWith", "contains"), strLit).map(([a, m, b]) => `${a}.${m}(${b})`),
    fc.tuple(strExpr(withArgs), fc.constantFrom('matches("^a")', 'matches("evil\\\\.io$")', "matches(pattern)", 'glob("/tmp/**")', 'glob("*.io")', "glob(g)")).map(
      ([a, m]) => `${a}.${m}`,
    ),
    fc.tuple(strExpr(withArgs), fc.constantFrom("names", '["a", "admin"]')).map(([a, l]) => `${a} in ${l}`),
    fc.constantFrom("session.has(secret)", "session.has(seen)", "tool.readOnly", "tool.destructive", "tool.openWorld", 'tool.name == "op"', "ctx has ticket", "ctx.ticket == null", 'ctx.user.role == "admin"', 'ctx.user.role != "viewer"', 'agent.id == "a1"', 'agent.id.startsWith("a")', 'session.id == ""'),
  ];
  if (withArgs) {
    leaves.push(
      fc.constantFrom(
        "args.b",
        "args has opt",
        "args has rec and args.rec has inner",
        "args.nul == null",
        "args.opt != null",
        "args.rec.b == null",
        'args.xs.contains("a")',
        '"admin" in args.xs',
        'args.xs.any(x => x == "a" or x.startsWith("/tmp"))',
        "args.items.all(it => it.qty > 1)",
        'args.items.any(it => it.name in names and it.tags.all(t => t != ""))',
        "args.ns.contains(3)",
        "args.ns == [1, 3]",
        'args.rec == { a: "a" }',
        'args.meta == 1 or args.meta == "a"',
        'path(args.path).under("/tmp")',
        'path(args.path).under("tmp")',
        'url(args.url).host in hosts',
        'args.either == 3',
        "args.n * args.n * args.n > 1_000_000",
        "args.i * $0.05 > $25",
        'args.kind == "a"',
        "args.`odd key` == \"k\"",
      ),
    );
  }
  const leaf = fc.oneof(...leaves);
  if (depth <= 0) return leaf;
  const sub = boolExpr(withArgs, depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 1, arbitrary: sub.map((x) => `not (${x})`) },
    { weight: 1, arbitrary: fc.tuple(sub, fc.constantFrom("and", "or"), sub).map(([a, op, b]) => `(${a}) ${op} (${b})`) },
  );
}

const ARGS_SELECTORS = ["t.op"];
const OTHER_SELECTORS = ["*", "t.*", "net.*", "t.op", "t.write", "net.fetch", "t.op, t.write", "t.ping"];

/** One rule: `[@id(...)] [@ann(...)] EFFECT SEL [when ...] [unless ...] [because "..."]`. */
function ruleArb(ids: { n: number }): Gen {
  return fc
    .record({
      effect: fc.constantFrom("allow", "deny", "review"),
      withArgs: fc.boolean(),
      when: fc.option(fc.nat(2), { nil: undefined }),
      unless: fc.option(fc.nat(1), { nil: undefined, freq: 3 }),
      because: fc.option(fc.constantFrom("reason one", "reason two", "blocked"), { nil: undefined }),
      id: fc.boolean(),
      ann: fc.option(fc.constantFrom('@team("sec")', '@owner("ops") @team("dev")'), { nil: undefined, freq: 2 }),
      seed: fc.nat(),
    })
    .chain((r) => {
      const sel = r.withArgs ? fc.constantFrom(...ARGS_SELECTORS) : fc.constantFrom(...OTHER_SELECTORS);
      const when = r.when === undefined ? fc.constant("") : boolExpr(r.withArgs, r.when).map((x) => ` when ${x}`);
      const unless = r.unless === undefined ? fc.constant("") : boolExpr(r.withArgs, r.unless).map((x) => ` unless ${x}`);
      return fc.tuple(sel, when, unless).map(([s, w, u]) => {
        const id = r.id ? `@id("r${++ids.n}") ` : "";
        const ann = r.ann === undefined ? "" : `${r.ann} `;
        const because = r.because === undefined ? "" : ` because ${JSON.stringify(r.because)}`;
        return `${id}${ann}${r.effect} ${s}${w}${u}${because}`;
      });
    });
}

const limitArb: Gen = fc.constantFrom(
  "limit t.op to 5 calls per minute",
  "limit * to 10 calls per hour by ctx.user.id",
  "limit t.op to 3 calls per session by args.s",
  "limit tokens to 1_000 per day",
  "limit cost to $1 per day by session.id",
  "limit repeats to 2",
  "limit t.op, t.write to 2 calls per 10 minutes by ctx.tenant",
);

/** A whole policy text over `t.json` and `net.json`. */
export function policyArb(): fc.Arbitrary<string> {
  return fc
    .record({
      defaultAllow: fc.boolean(),
      top: fc.array(fc.constant(0), { minLength: 0, maxLength: 4 }),
      agents: fc.array(fc.array(fc.constant(0), { minLength: 0, maxLength: 4 }), { minLength: 0, maxLength: 3 }),
      limits: fc.array(limitArb, { maxLength: 2 }),
      extendsFirst: fc.boolean(),
    })
    .chain((shape) => {
      const ids = { n: 0 };
      const rules = (n: number) => (n === 0 ? fc.constant<string[]>([]) : fc.tuple(...Array.from({ length: n }, () => ruleArb(ids))));
      return fc.tuple(rules(shape.top.length), fc.tuple(...shape.agents.map((a) => rules(a.length))), fc.constant(shape));
    })
    .map(([top, agentRules, shape]) => {
      const lines = [
        "policy random",
        'tools t from "./t.json"',
        'tools net from "./net.json"',
        "context { user: { id: string, role: \"viewer\" | \"admin\" }, tenant: string, ticket?: string }",
        'const names = ["a", "admin", "x"]',
        'const hosts = ["example.com", "x.evil.io"]',
        'const pattern = "^[a-z]+$"',
        'const g = "/tmp/*"',
        "label secret on t.write",
        "label seen on net.*",
        "cost net.fetch = $0.25 per call",
        shape.defaultAllow ? "default allow" : "default deny",
        ...top,
      ];
      (agentRules as string[][]).forEach((body, i) => {
        const ext = i > 0 && shape.extendsFirst ? ' extends "a0"' : "";
        lines.push(`agent "a${i}"${ext} {`, ...body.map((b) => `  ${b}`), ...(i === 0 ? shape.limits.map((l) => `  ${l}`) : []), "}");
      });
      return `${lines.join("\n")}\n`;
    });
}
