/**
 * The `context` declaration (LANGUAGE.md §4, §12 "Request order"): its internal record
 * type (the type of `ctx`) and its JSON Schema for request validation — required fields
 * present, types and string-literal enums right, no `null` for an optional field, extra
 * keys allowed. Without a declaration `ctx` is `{}`.
 */
import { Messages } from "../diagnostics/messages.js";
import type { Field, JsonSchema, RecordType, Type } from "../manifest/types.js";
import type * as ast from "../syntax/ast.js";
import type { CheckContext } from "./check-context.js";
import { ANY, BOOLEAN, EMPTY_OPEN_RECORD, INTEGER, NUMBER, STRING, unionOf } from "./type-ops.js";

export interface ContextTypes {
  readonly type: RecordType;
  readonly schema: JsonSchema;
}

const MAX_DEPTH = 64;

/** The type and schema of a `context` declaration (reports duplicate field names). */
export function contextTypes(cx: CheckContext, decl: ast.ContextDecl | null): ContextTypes {
  if (!decl) return { type: EMPTY_OPEN_RECORD, schema: { type: "object" } };
  return recordOf(cx, decl.fields ?? [], 0);
}

function recordOf(cx: CheckContext, fieldDecls: readonly ast.FieldDecl[], depth: number): { type: RecordType; schema: JsonSchema } {
  const fields = new Map<string, Field>();
  const firstSpan = new Map<string, ast.Span>();
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const fd of fieldDecls) {
    const name = fd?.name?.name;
    if (typeof name !== "string" || name === "") continue;
    const first = firstSpan.get(name);
    if (first) {
      cx.report(Messages.DuplicateId, fd.name.span, ["context field", name], { related: [cx.related(first, "first declared here")] });
      continue;
    }
    firstSpan.set(name, fd.name.span);
    const t = typeOf(cx, fd.type, depth + 1);
    fields.set(name, {
      name,
      type: t.type,
      optional: fd.optional === true,
      description: fd.doc ?? null,
      sensitive: false,
      source: { file: cx.file, span: fd.name.span },
    });
    Object.defineProperty(properties, name, { value: t.schema, enumerable: true, writable: true, configurable: true });
    if (fd.optional !== true) required.push(name);
  }
  const schema: Record<string, JsonSchema> | { [k: string]: unknown } = { type: "object", properties };
  if (required.length) (schema as { required?: string[] }).required = required;
  return { type: { kind: "record", fields, open: true }, schema };
}

function typeOf(cx: CheckContext, t: ast.TypeExpr | null | undefined, depth: number): { type: Type; schema: JsonSchema } {
  if (!t || depth > MAX_DEPTH) return { type: ANY, schema: {} };
  switch (t.kind) {
    case "PrimitiveType":
      switch (t.name) {
        case "string":
          return { type: STRING, schema: { type: "string" } };
        case "number":
          return { type: NUMBER, schema: { type: "number" } };
        case "integer":
          return { type: INTEGER, schema: { type: "integer" } };
        case "boolean":
          return { type: BOOLEAN, schema: { type: "boolean" } };
        default:
          return { type: ANY, schema: {} };
      }
    case "LiteralUnionType": {
      const values = [...new Set((t.members ?? []).map((m) => m?.value).filter((v): v is string => typeof v === "string"))];
      if (values.length === 0) return { type: ANY, schema: {} };
      return { type: unionOf(values.map((value) => ({ kind: "literal", value }) as Type)), schema: { type: "string", enum: values } };
    }
    case "ListType": {
      const el = typeOf(cx, t.element, depth + 1);
      return { type: { kind: "list", element: el.type }, schema: { type: "array", items: el.schema } };
    }
    case "RecordType":
      return recordOf(cx, t.fields ?? [], depth);
    case "ErrorType":
      cx.sawErrorNode = true;
      return { type: ANY, schema: {} };
    default:
      return { type: ANY, schema: {} };
  }
}
