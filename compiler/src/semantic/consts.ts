/**
 * Consts (LANGUAGE.md §4, §12 "Lexical odds and ends"): each const is typed (it may
 * read no root) and folded to a value once, on first use or in declaration order,
 * whichever comes first; consts may refer forward. A cycle of consts is one E_CYCLE,
 * reported at the cycle's first const in source order; its members get no value.
 */
import { Messages } from "../diagnostics/messages.js";
import type { Type } from "../manifest/types.js";
import type * as ast from "../syntax/ast.js";
import type { CheckContext } from "./check-context.js";
import type { ExpressionChecker } from "./expressions.js";
import type { ConstSource } from "./expressions.js";
import { foldExpr } from "./fold.js";
import type { ConstModel, Value } from "./model.js";
import { ANY } from "./type-ops.js";

interface Entry {
  readonly type: Type;
  readonly value: Value | undefined;
}

export class ConstTable implements ConstSource {
  private readonly done = new Map<string, Entry>();
  private readonly active: string[] = [];
  private readonly cyclic = new Set<string>();
  private readonly reportedCycles = new Set<string>();
  private checker: ExpressionChecker | null = null;

  constructor(
    private readonly cx: CheckContext,
    private readonly decls: ReadonlyMap<string, ast.ConstDecl>,
  ) {}

  /** The checker that types const values (set once, before the first lookup). */
  attach(checker: ExpressionChecker): void {
    this.checker = checker;
  }

  names(): Iterable<string> {
    return this.decls.keys();
  }

  lookup(name: string, _at: ast.NameRef): Entry | undefined {
    if (!this.decls.has(name)) return undefined;
    return this.evaluate(name);
  }

  /** Checks and folds every const (those not reached through a use yet), in declaration order. */
  models(): Map<string, ConstModel> {
    const out = new Map<string, ConstModel>();
    for (const [name, decl] of this.decls) {
      const e = this.evaluate(name);
      out.set(name, { name, decl, type: e.type, value: e.value });
    }
    return out;
  }

  private evaluate(name: string): Entry {
    const done = this.done.get(name);
    if (done) return done;
    const at = this.active.indexOf(name);
    if (at !== -1) {
      this.reportCycle(this.active.slice(at));
      return { type: ANY, value: undefined };
    }
    const decl = this.decls.get(name)!;
    const checker = this.checker;
    if (!checker || !decl.value) {
      const e = { type: ANY, value: undefined };
      this.done.set(name, e);
      return e;
    }
    this.active.push(name);
    const diagnosticsBefore = this.cx.bag.items.length;
    const sawErrorNodeBefore = this.cx.sawErrorNode;
    this.cx.sawErrorNode = false;
    let type: Type;
    let parsed: boolean;
    try {
      type = checker.check(decl.value, checker.scope("const", null)).type;
    } finally {
      this.active.pop();
      // a value that did not parse has its E_SYNTAX already: folding it would only repeat that
      parsed = !this.cx.sawErrorNode;
      this.cx.sawErrorNode ||= sawErrorNodeBefore;
    }
    let value: Value | undefined;
    const clean = !this.cx.bag.items.slice(diagnosticsBefore).some((d) => d.severity === "error");
    if (!this.cyclic.has(name) && clean) {
      let dependencyFailed = false;
      const folded = foldExpr(decl.value, (n) => {
        const v = this.decls.has(n) ? this.evaluate(n).value : undefined;
        if (v === undefined) dependencyFailed = true;
        return v;
      });
      if (folded.ok) value = folded.value;
      else if (!dependencyFailed && parsed) this.cx.report(Messages.Type, folded.span, [`const \`${name}\` cannot be computed: ${folded.message}`]);
    }
    const entry = { type: this.cyclic.has(name) ? ANY : type, value };
    this.done.set(name, entry);
    return entry;
  }

  private reportCycle(members: readonly string[]): void {
    for (const m of members) this.cyclic.add(m);
    const key = [...members].sort().join("\u0000");
    if (this.reportedCycles.has(key)) return;
    this.reportedCycles.add(key);
    // Report at the member declared first, listing the cycle from there.
    let first = 0;
    for (let i = 1; i < members.length; i++) {
      const a = this.decls.get(members[i])!;
      const b = this.decls.get(members[first])!;
      if (a.span.start < b.span.start) first = i;
    }
    const ordered = [...members.slice(first), ...members.slice(0, first)];
    const head = this.decls.get(ordered[0])!;
    const related = ordered.slice(1).map((m) => this.cx.related(this.decls.get(m)!.name.span, `\`${m}\` is declared here`));
    const chain = [...ordered, ordered[0]].map((m) => `\`${m}\``).join(" → ");
    this.cx.report(Messages.Cycle, head.name.span, [`const \`${ordered[0]}\` depends on itself: ${chain}`], { related });
  }
}
