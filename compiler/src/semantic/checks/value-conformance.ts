/**
 * Values written in `test` blocks against the type they must have (LANGUAGE.md §10):
 * a tool's input type for `calls TOOL(ARGS)` and the `context` type for `with`. A key
 * the type does not declare is E_UNKNOWN_FIELD at the key; a missing required field is
 * E_TYPE at the record; a value of the wrong type is E_TYPE at the value, a literal
 * outside an enum E_ENUM. Values are folded at compile time (literals and consts).
 */
import type { RelatedInformation } from "../../diagnostics/diagnostic.js";
import { Messages } from "../../diagnostics/messages.js";
import type { LiteralValue, RecordType, Type } from "../../manifest/types.js";
import type * as ast from "../../syntax/ast.js";
import type { Binder } from "../binder.js";
import type { CheckContext } from "../check-context.js";
import { foldExpr, type ConstLookup } from "../fold.js";
import { closest, writeName } from "../suggest.js";
import { enumValues, membersOf, removeNull, showType, valueConforms } from "../type-ops.js";
import { checkEnumValue } from "./enum-comparison.js";

const MAX_DEPTH = 64;

export interface ConformanceTarget {
  /** How messages name the whole value: `inv.get_item`, `context`. */
  readonly subject: string;
  /** Where the type is declared (the tool in its manifest, the `context` declaration). */
  readonly declared: RelatedInformation | null;
}

export class ValueConformance {
  constructor(
    private readonly cx: CheckContext,
    private readonly binder: Binder,
    private readonly consts: ConstLookup,
  ) {}

  /** Checks a (type-checked) test value against `type`. */
  check(e: ast.Expr, type: Type, target: ConformanceTarget): void {
    this.conform(e, type, target.subject, target, 0);
  }

  private conform(e: ast.Expr, type: Type, what: string, target: ConformanceTarget, depth: number): void {
    if (!e || depth > MAX_DEPTH) return;
    const t = type;
    const ms = membersOf(t);
    if (ms.some((m) => m.kind === "any")) return;
    if (e.kind === "ErrorExpr") return;
    const records = ms.filter((m): m is RecordType => m.kind === "record");
    if (e.kind === "RecordLiteral" && records.length === 1) {
      this.record(e, records[0], what, target, depth);
      return;
    }
    const lists = ms.filter((m) => m.kind === "list");
    if (e.kind === "ListLiteral" && lists.length === 1 && lists[0].kind === "list") {
      const el = lists[0].element;
      e.elements.forEach((x, i) => this.conform(x, el, `${what}[${i}]`, target, depth + 1));
      return;
    }
    const folded = foldExpr(e, this.consts);
    if (!folded.ok) return; // an error was reported while type-checking, or it is not constant (E_TYPE there)
    const v = folded.value;
    if (valueConforms(v, t)) return;
    const values = enumValues(removeNull(t));
    if (values && (v === null || typeof v !== "object") && values.some((x) => typeof x === typeof v)) {
      checkEnumValue(this.cx, { expr: e, type: t, name: what, related: target.declared ? [target.declared] : [] }, v as LiteralValue, e.span);
      return;
    }
    this.cx.report(Messages.Type, e.span, [`\`${what}\` must be \`${showType(t)}\`, found ${describeValue(v)}`], {
      related: target.declared ? [target.declared] : [],
    });
  }

  private record(e: ast.RecordLiteral, r: RecordType, what: string, target: ConformanceTarget, depth: number): void {
    const present = new Set<string>();
    for (const entry of e.entries) {
      if (!entry) continue;
      present.add(entry.key);
      const f = r.fields.get(entry.key);
      if (!f) {
        const s = closest(entry.key, r.fields.keys());
        const related = target.declared ? [target.declared] : [];
        this.cx.report(Messages.UnknownField, entry.keySpan, [what, entry.key], this.cx.didYouMean(s, entry.keySpan, s && writeName(s), related));
        continue;
      }
      this.binder.resolutions.set(entry, { kind: "field", owner: r, name: entry.key });
      this.conform(entry.value, f.type, `${what}.${entry.key}`, target, depth + 1);
    }
    const missing = [...r.fields.values()].filter((f) => !f.optional && !present.has(f.name)).map((f) => `\`${f.name}\``);
    if (missing.length) {
      const s = missing.length === 1 ? "" : "s";
      this.cx.report(Messages.Type, e.span, [`\`${what}\` is missing required field${s} ${missing.join(", ")}`], {
        related: target.declared ? [target.declared] : [],
      });
    }
  }
}

function describeValue(v: unknown): string {
  if (v === null) return "`null`";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a record";
  const s = JSON.stringify(v);
  return `\`${s.length > 40 ? `${s.slice(0, 37)}...` : s}\``;
}
