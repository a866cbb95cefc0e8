/**
 * How test and invariant results read (TOOLCHAIN.md `agentpolicy test`): one result line per
 * `test` block and per invariant — `✓`/`✗`, the kind and the name, and for a failure the word
 * `failed` — followed for a failure by indented detail lines: where (path:line:column), what
 * was expected and what the guard decided with its deciding rules, and for an invariant the
 * shrunk counterexample as a ready-to-paste `expect` line. A run ends with `N passed, N failed`.
 *
 * Contract: pure; the same results give the same text (no timings), so output is deterministic
 * under a seed.
 */
import type { Decision } from "@agentpolicy/runtime";
import { LineMap, plainStyle, type TextStyle } from "../diagnostics/format.js";
import type { Span } from "../syntax/ast.js";
import type { InvariantResult } from "./invariants.js";
import type { TestBlockResult } from "./run-tests.js";

export type SuiteResult = TestBlockResult | InvariantResult;

export interface RenderContext {
  /** The text of a file, for line and column numbers. */
  readonly source: (file: string) => string | undefined;
  /** How a path is shown. */
  readonly path: (file: string) => string;
  readonly style: TextStyle;
  /** Wraps a pass mark (green on a terminal). */
  readonly pass?: (s: string) => string;
}

export const plainRender = (source: (file: string) => string | undefined): RenderContext => ({ source, path: (f) => f, style: plainStyle });

export interface Location {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

const maps = new WeakMap<RenderContext, Map<string, LineMap | null>>();

export function locate(ctx: RenderContext, file: string, span: Span): Location {
  let byFile = maps.get(ctx);
  if (!byFile) {
    byFile = new Map();
    maps.set(ctx, byFile);
  }
  let map = byFile.get(file);
  if (map === undefined) {
    const text = ctx.source(file);
    map = text === undefined ? null : new LineMap(text);
    byFile.set(file, map);
  }
  const pos = map ? map.position(span.start) : { line: 1, column: 1 };
  return { file: ctx.path(file), line: pos.line, column: pos.column };
}

const where = (l: Location) => `${l.file}:${l.line}:${l.column}`;

/** `deny by a, b ("reason"; "reason") [errors: rule: message]` */
export function describeDecision(d: Pick<Decision, "effect" | "rules" | "reasons" | "errors">): string {
  let s = `${d.effect} by ${d.rules.length > 0 ? d.rules.join(", ") : "(no rule)"}`;
  if (d.reasons.length > 0) s += ` (${d.reasons.map((r) => JSON.stringify(r)).join("; ")})`;
  if (d.errors.length > 0) s += ` [errors: ${d.errors.map((e) => `${e.rule}: ${e.message}`).join("; ")}]`;
  return s;
}

/** The result line and, for a failure, its detail lines. */
export function renderResult(r: SuiteResult, ctx: RenderContext): string[] {
  const { style } = ctx;
  const passMark = (ctx.pass ?? ((s: string) => s))("✓");
  const failMark = style.red("✗");
  const indent = "    ";
  if (r.kind === "test") {
    const title = `test ${JSON.stringify(r.name)}`;
    if (r.ok) return [`${passMark} ${title} (${r.expects.length} expect${r.expects.length === 1 ? "" : "s"})`];
    const failed = r.expects.filter((o) => !o.ok);
    const lines = [`${failMark} ${title} failed: ${failed.length} of ${r.expects.length} expect${r.expects.length === 1 ? "" : "s"}`];
    for (const o of failed) {
      const loc = locate(ctx, r.file, o.expect.span);
      const text = (ctx.source(r.file) ?? "").slice(o.expect.span.start, o.expect.span.end).split(/\r?\n/)[0] ?? "";
      lines.push(`${indent}at ${style.bold(where(loc))}  ${style.dim(text.trim())}`);
      const want = `${o.expected.effect}${o.expected.rule === null ? "" : ` ${JSON.stringify(o.expected.rule)}`}`;
      if (o.decision === null) lines.push(`${indent}expected ${want}, but ${o.problem ?? "the request could not be built"}`);
      else lines.push(`${indent}expected ${want}, got ${describeDecision(o.decision)}`);
    }
    return lines;
  }
  const title = `invariant ${r.name}`;
  if (r.ok) {
    const set = r.runs > 0 && r.inSet === 0 ? "; no generated request was in its set" : `, ${r.inSet} in its set`;
    return [`${passMark} ${title} (${r.runs} run${r.runs === 1 ? "" : "s"}${set})`];
  }
  const loc = locate(ctx, r.file, r.span);
  if (r.counterexample === null) {
    return [`${failMark} ${title} failed: ${r.error ?? "unknown error"}`, `${indent}at ${style.bold(where(loc))}`];
  }
  const c = r.counterexample;
  const lines = [
    `${failMark} ${title} failed: counterexample ${c.call} (seed ${r.seed}, ${c.shrinks} shrink${c.shrinks === 1 ? "" : "s"})`,
    `${indent}at ${style.bold(where(loc))}`,
    `${indent}${style.cyan(c.expect)}`,
  ];
  if (c.sessionNote) lines.push(`${indent}${style.dim(`// ${c.sessionNote}`)}`);
  if (c.agentNote) lines.push(`${indent}${style.dim(`// ${c.agentNote}`)}`);
  lines.push(`${indent}got ${describeDecision(c.decision)}; the invariant allows only ${r.effects.join(" | ")}`);
  return lines;
}

/** `N passed, N failed` */
export function closingLine(results: readonly SuiteResult[], extraFailures = 0): string {
  const failed = results.filter((r) => !r.ok).length + extraFailures;
  return `${results.length - (failed - extraFailures)} passed, ${failed} failed`;
}

/** The JSON form of one result (for `--format json`). */
export function resultJson(r: SuiteResult, ctx: RenderContext): Record<string, unknown> {
  const location = locate(ctx, r.file, r.span);
  if (r.kind === "test") {
    return {
      kind: "test",
      name: r.name,
      ok: r.ok,
      location,
      expects: r.expects.map((o) => ({
        ok: o.ok,
        location: locate(ctx, r.file, o.expect.span),
        expected: o.expected,
        actual: o.decision === null ? null : decisionJson(o.decision),
        request: o.request,
        ...(o.problem === null ? {} : { problem: o.problem }),
      })),
    };
  }
  return {
    kind: "invariant",
    name: r.name,
    ok: r.ok,
    location,
    effects: r.effects,
    runs: r.runs,
    inSet: r.inSet,
    seed: r.seed,
    counterexample:
      r.counterexample === null
        ? null
        : {
            request: r.counterexample.request,
            session: r.counterexample.session,
            decision: decisionJson(r.counterexample.decision),
            expect: r.counterexample.expect,
            sessionNote: r.counterexample.sessionNote,
            agentNote: r.counterexample.agentNote,
            shrinks: r.counterexample.shrinks,
          },
    ...(r.error === null ? {} : { error: r.error }),
  };
}

export function decisionJson(d: Decision): Record<string, unknown> {
  return { effect: d.effect, rules: d.rules, reasons: d.reasons, limit: d.limit, errors: d.errors };
}
