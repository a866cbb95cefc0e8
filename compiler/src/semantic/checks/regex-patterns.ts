/**
 * E_REGEX / E_REGEX_UNSAFE (LANGUAGE.md §8, §12): every `.matches` pattern goes through
 * the regex safety check at compile time. A pattern is checked once per text.
 */
import { Messages } from "../../diagnostics/messages.js";
import { checkRegex } from "../../manifest/regex-safety.js";
import type * as ast from "../../syntax/ast.js";
import type { CheckContext } from "../check-context.js";

export type PatternVerdict = { readonly ok: true } | { readonly ok: false; readonly kind: "invalid" | "unsafe"; readonly reason: string };

export class RegexPatterns {
  private readonly verdicts = new Map<string, PatternVerdict>();

  constructor(private readonly cx: CheckContext) {}

  /** Checks `pattern` and reports a problem at `at`; true when the pattern is usable. */
  check(pattern: string, at: ast.Span): boolean {
    const v = this.verdict(pattern);
    if (v.ok) return true;
    const shown = JSON.stringify(pattern.length > 80 ? `${pattern.slice(0, 77)}...` : pattern);
    this.cx.report(v.kind === "unsafe" ? Messages.RegexUnsafe : Messages.Regex, at, [shown, v.reason]);
    return false;
  }

  private verdict(pattern: string): PatternVerdict {
    let v = this.verdicts.get(pattern);
    if (!v) {
      try {
        const r = checkRegex(pattern);
        v = r.ok ? { ok: true } : { ok: false, kind: r.kind === "unsafe" ? "unsafe" : "invalid", reason: String(r.reason) };
      } catch (e) {
        v = { ok: false, kind: "invalid", reason: e instanceof Error ? e.message : "the pattern could not be checked" };
      }
      this.verdicts.set(pattern, v);
    }
    return v;
  }
}
