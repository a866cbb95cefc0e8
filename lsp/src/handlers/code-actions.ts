/**
 * Quick fixes: every `fixes` entry a diagnostic carries ("did you mean"), and for
 * `W_OPTIONAL` a guard in front of the condition that reads the value: `X has f and ...`
 * for a field that may be missing, `X.f != null and ...` for one that may be null (or
 * both). The guard goes before the smallest enclosing operand of `and`/`or` (or the whole
 * condition, or a lambda's body), where narrowing reaches the read; when that insertion
 * would not silence the warning, the operand is parenthesized too.
 *
 * INVARIANT: a guard fix is offered only when re-checking the edited text (with the same
 * manifests) shows no new error and the warning at that read gone.
 */
import { type ast, type CheckedPolicy, checkSource, type CompilerHost, type Diagnostic as CoreDiagnostic, isNullable, type Span } from "@agentpolicy/compiler";
import { type CodeAction, CodeActionKind, type CodeActionParams, type Diagnostic, type TextEdit } from "vscode-languageserver";
import { type CodeDocs, rangesEqual, toLspDiagnostic } from "../convert.js";
import { fieldsNamed } from "../members.js";
import type { Snapshot } from "../snapshot.js";
import { pathAt } from "../tree.js";

export function handleCodeActions(snapshot: Snapshot, params: CodeActionParams, docs: CodeDocs = null): CodeAction[] {
  const only = params.context.only;
  if (only && !only.some((k) => k === CodeActionKind.QuickFix || CodeActionKind.QuickFix.startsWith(`${k}.`) || k === CodeActionKind.Empty)) return [];
  const want = snapshot.lines.span(params.range);
  const out: CodeAction[] = [];
  for (const d of snapshot.checked.diagnostics) {
    if (d.file !== snapshot.file || !overlaps(d.span, want)) continue;
    const lsp = matchClientDiagnostic(toLspDiagnostic(d, snapshot.lines, snapshot.files, docs), params.context.diagnostics);
    const fixes = d.fixes ?? [];
    for (const fix of fixes) {
      const lines = snapshot.files.lines(fix.file);
      if (!lines) continue;
      out.push({
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [lsp],
        isPreferred: fixes.length === 1,
        edit: { changes: { [snapshot.files.uri(fix.file)]: [{ range: lines.range(fix.span), newText: fix.newText }] } },
      });
    }
    if (d.code === "W_OPTIONAL") {
      const guard = optionalGuard(snapshot, d);
      if (guard)
        out.push({
          title: guard.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [lsp],
          isPreferred: true,
          edit: { changes: { [snapshot.uri]: [guard.edit] } },
        });
    }
  }
  return out;
}

function overlaps(a: Span, b: Span): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/** The client's copy of a diagnostic when it sent one (clients match actions to diagnostics by identity of content). */
function matchClientDiagnostic(ours: Diagnostic, theirs: readonly Diagnostic[]): Diagnostic {
  return theirs.find((t) => t.code === ours.code && t.message === ours.message && rangesEqual(t.range, ours.range)) ?? ours;
}

interface GuardFix {
  readonly title: string;
  readonly edit: TextEdit;
}

/** The `has` / `!= null` guard that silences one W_OPTIONAL, verified by re-checking. */
export function optionalGuard(snapshot: Snapshot, d: CoreDiagnostic): GuardFix | null {
  const text = snapshot.text;
  const path = pathAt(snapshot.checked.document, d.span.start);
  const at = path.findIndex((n) => n.span.start === d.span.start && n.span.end === d.span.end && isExpr(n));
  if (at < 0) return null;
  const read = path[at] as ast.Expr;
  const guard = guardText(snapshot, read);
  // The operand the guard goes before: climb while the parent is not `and`/`or`, a lambda, or the condition itself.
  let atom = at;
  for (;;) {
    const parent = path[atom - 1];
    if (!parent) return null;
    if (parent.kind === "BinaryExpr" && (parent.op === "and" || parent.op === "or")) break;
    if (parent.kind === "LambdaExpr") break;
    if (parent.kind === "Rule" || parent.kind === "Invariant") {
      if (parent.when !== path[atom] && !(parent.kind === "Rule" && parent.unless === path[atom])) return null;
      break;
    }
    if (!isExpr(parent)) return null; // `by` keys, consts, test records: no condition to guard
    atom--;
  }
  const target = path[atom];
  const atomText = text.slice(target.span.start, target.span.end);
  const candidates: TextEdit[] = [
    { range: snapshot.lines.range({ start: target.span.start, end: target.span.start }), newText: `${guard} and ` },
    { range: snapshot.lines.range(target.span), newText: `(${guard} and ${atomText})` },
  ];
  for (const edit of candidates) if (silences(snapshot, edit)) return { title: `Add the guard \`${guard}\``, edit };
  return null;
}

function isExpr(n: ast.Node): n is ast.Expr {
  switch (n.kind) {
    case "StringLiteral":
    case "NumberLiteral":
    case "MoneyLiteral":
    case "BooleanLiteral":
    case "NullLiteral":
    case "ListLiteral":
    case "RecordLiteral":
    case "NameRef":
    case "MemberExpr":
    case "CallExpr":
    case "LambdaExpr":
    case "UnaryExpr":
    case "BinaryExpr":
    case "HasExpr":
    case "ErrorExpr":
      return true;
    default:
      return false;
  }
}

/** `X has f` when the field may be missing (and not null), else `EXPR != null` (missing or null). */
function guardText(snapshot: Snapshot, read: ast.Expr): string {
  const src = (s: Span) => snapshot.text.slice(s.start, s.end);
  if (read.kind === "MemberExpr") {
    const r = snapshot.checked.model.resolutions.get(read.property);
    if (r?.kind === "field") {
      const fields = fieldsNamed(r.owner, r.name);
      const optional = fields.some((f) => f.optional);
      const nullable = fields.some((f) => isNullable(f.type));
      if (optional && !nullable) return `${src(read.object.span)} has ${src(read.property.span)}`;
    }
  }
  return `${src(read.span)} != null`;
}

/** Whether applying `edit` adds no error and removes a W_OPTIONAL (re-checked against the same manifests). */
function silences(snapshot: Snapshot, edit: TextEdit): boolean {
  const span = snapshot.lines.span(edit.range);
  const edited = snapshot.text.slice(0, span.start) + edit.newText + snapshot.text.slice(span.end);
  const after = checkSource(edited, snapshot.file, sameManifests(snapshot.checked));
  const errorsBefore = snapshot.checked.diagnostics.filter((x) => x.severity === "error").length;
  const errorsAfter = after.diagnostics.filter((x) => x.severity === "error").length;
  if (errorsAfter > errorsBefore) return false;
  const optionalBefore = snapshot.checked.diagnostics.filter((x) => x.code === "W_OPTIONAL").length;
  const optionalAfter = after.diagnostics.filter((x) => x.code === "W_OPTIONAL").length;
  return optionalAfter < optionalBefore;
}

/** A host that serves the manifests the policy was checked with (no disk access). */
function sameManifests(checked: CheckedPolicy): CompilerHost {
  return {
    readFile: (p) => {
      const t = checked.source(p);
      if (t === undefined) throw new Error(`not loaded: ${p}`);
      return t;
    },
  };
}
