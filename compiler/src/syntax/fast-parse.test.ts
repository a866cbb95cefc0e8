/**
 * `parseFast` (the hand-written twin of the Chevrotain grammar) against `PolicyParser`:
 * whenever the fast path returns a CST, Chevrotain reports no error on the same tokens and
 * builds the identical CST (node names, child keys in order, the same token objects,
 * locations, NaN included; only the prototype of `children` differs); on every valid
 * policy of the corpus the fast path is taken.
 * Mutations of valid policies (a token dropped, doubled, swapped or replaced) probe the
 * border between the two paths. Runs are bounded to keep the file to a few seconds.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { CstElement, CstNode, IToken } from "chevrotain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generatePolicy } from "./__fixtures__/generate.js";
import { lex, limitNesting } from "./lexer.js";
import { MAX_NESTING } from "./parse.js";
import { parseFast, PolicyParser } from "./parser.js";

const chevrotain = new PolicyParser();

/** The first difference between two CSTs, or null. */
function difference(a: CstElement, b: CstElement, path: string): string | null {
  const aToken = "tokenType" in a;
  if (aToken !== "tokenType" in b) return `${path}: token vs node`;
  if (aToken) return a === b ? null : `${path}: different token objects (${(a as IToken).image} vs ${(b as IToken).image})`;
  const x = a as CstNode;
  const y = b as CstNode;
  if (x.name !== y.name) return `${path}: ${x.name} vs ${y.name}`;
  if (!Object.is(x.location?.startOffset, y.location?.startOffset) || !Object.is(x.location?.endOffset, y.location?.endOffset)) {
    return `${path}/${x.name}: location ${JSON.stringify(x.location)} vs ${JSON.stringify(y.location)}`;
  }
  if (JSON.stringify(Object.keys(x)) !== JSON.stringify(Object.keys(y))) return `${path}/${x.name}: properties ${Object.keys(x)} vs ${Object.keys(y)}`;
  const keys = Object.keys(x.children);
  if (JSON.stringify(keys) !== JSON.stringify(Object.keys(y.children))) return `${path}/${x.name}: keys ${keys} vs ${Object.keys(y.children)}`;
  for (const k of keys) {
    const xs = x.children[k];
    const ys = y.children[k];
    if (xs.length !== ys.length) return `${path}/${x.name}.${k}: ${xs.length} vs ${ys.length} elements`;
    for (let i = 0; i < xs.length; i++) {
      const d = difference(xs[i], ys[i], `${path}/${x.name}.${k}[${i}]`);
      if (d) return d;
    }
  }
  return null;
}

interface Outcome {
  readonly fast: boolean;
  readonly chevrotainErrors: number;
}

/** Checks the contract on one text; throws with the difference when it is broken. */
function compare(text: string): Outcome {
  const tokens = limitNesting(lex(text, () => {}).tokens, MAX_NESTING, () => {});
  const fast = parseFast(tokens);
  const slow = chevrotain.parseTokens(tokens);
  const errors = chevrotain.errors.length;
  if (fast !== null) {
    if (errors > 0) throw new Error(`fast path accepted what Chevrotain rejects (${chevrotain.errors[0].message}):\n${text.slice(0, 2000)}`);
    const d = difference(fast, slow, "");
    if (d) throw new Error(`CSTs differ at ${d}:\n${text.slice(0, 2000)}`);
  }
  return { fast: fast !== null, chevrotainErrors: errors };
}

function policyFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) policyFiles(p, out);
    else if (name.endsWith(".agentpolicy")) out.push(p);
  }
  return out;
}

const root = new URL("../../../", import.meta.url).pathname;
const corpus: string[] = [
  ...["compiler/src", "examples", "test"].flatMap((d) => policyFiles(join(root, d))).map((p) => readFileSync(p, "utf8")),
  generatePolicy(300),
  [
    "policy p",
    "context {}",
    'agent "a" {}',
    'test "t" {}',
    "context { a: string, b?: [ { c: \"x\" | \"y\" } ], }",
    "const xs = [1, 2, 3,]",
    "const r = { a: 1, \"b\": [], c: {}, }",
    "const e = []",
    "const f = (1 + 2) * -3 - - 4",
    "allow *",
    "allow a.* when f() and g(x, ) and h(a => a, *, b.*) and agent.id == \"x\" and args has `f-g` and not not x",
    "deny a.`b c`, b.when when args.x.y.z(1)(2).w ?? null",
    "limit a.b, c.* to 5 calls per 2 hours by ctx.user",
    "limit tokens to 1 per session",
    "limit cost to $1 per day",
    "invariant i: a.b => deny | review",
    "invariant j: agent \"a\" * when true => allow",
    'test "u" { expect agent "a" calls a.b({ k: [1], "q": null }) with { u: 1 } => deny "id" }',
    "default allow",
  ].join("\n"),
];

describe("parseFast builds exactly Chevrotain's CST", () => {
  it("takes the fast path on every error-free policy of the corpus, with the same CST", () => {
    let fast = 0;
    for (const text of corpus) {
      const r = compare(text);
      if (r.chevrotainErrors === 0 && !/[()[\]{}]{101}/.test(text)) {
        // strays are not parser errors: those policies may leave the fast path
        if (r.fast) fast++;
      }
    }
    expect(fast).toBeGreaterThan(corpus.length / 2);
    expect(compare(corpus[corpus.length - 1]).fast).toBe(true);
    expect(compare(corpus[corpus.length - 2]).fast).toBe(true);
  });

  it("agrees on mutations of valid policies (the fast path never accepts what Chevrotain rejects)", () => {
    const sources = corpus.filter((t) => t.length < 20_000).map((t) => ({ text: t, tokens: lex(t, () => {}).tokens }));
    const pieces = ["(", ")", "[", "]", "{", "}", ",", ".", ":", "?", "|", "=>", "@", "*", "-", "not", "has", "agent", "when", "allow", "x", "`y`", '"s"', "1", "$1", "session", "minute", "price", "model", "\n", "=", "==", "in"];
    const mutation = fc.record({
      source: fc.nat({ max: sources.length - 1 }),
      at: fc.nat(),
      kind: fc.constantFrom("drop", "double", "swap", "replace", "insert"),
      piece: fc.constantFrom(...pieces),
    });
    fc.assert(
      fc.property(mutation, ({ source, at, kind, piece }) => {
        const { text, tokens } = sources[source];
        if (tokens.length < 2) return true;
        const i = at % (tokens.length - 1);
        const t = tokens[i];
        const u = tokens[i + 1];
        const start = t.startOffset;
        const end = t.endOffset! + 1;
        let mutated: string;
        switch (kind) {
          case "drop":
            mutated = text.slice(0, start) + text.slice(end);
            break;
          case "double":
            mutated = text.slice(0, end) + " " + text.slice(start);
            break;
          case "swap":
            mutated = text.slice(0, start) + u.image + " " + t.image + text.slice(u.endOffset! + 1);
            break;
          case "replace":
            mutated = text.slice(0, start) + piece + text.slice(end);
            break;
          default:
            mutated = text.slice(0, start) + piece + " " + text.slice(start);
        }
        compare(mutated);
        return true;
      }),
      { numRuns: 400 },
    );
  });

  it("agrees on random token soup", () => {
    const words = ["policy", "p", "tools", "from", "context", "const", "label", "on", "cost", "per", "call", "price", "model", "input", "output", "1M", "tokens", "default", "agent", "extends", "allow", "deny", "review", "when", "unless", "because", "limit", "to", "by", "repeats", "calls", "session", "minute", "2", "invariant", "test", "expect", "with", "and", "or", "not", "in", "has", "true", "false", "null", "x", "y", "`z`", '"s"', "$1", "(", ")", "[", "]", "{", "}", ",", ".", ":", "?", "??", "|", "=", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "=>", "@", "\n"];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...words), { maxLength: 40 }), (ws) => {
        compare(ws.join(" "));
        return true;
      }),
      { numRuns: 600 },
    );
  });

  it("leaves the fast path on a region nested too deeply", () => {
    const text = `policy p\nconst x = ${"(".repeat(120)}1${")".repeat(120)}`;
    expect(compare(text).fast).toBe(false);
  });
});
