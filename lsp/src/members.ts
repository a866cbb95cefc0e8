/**
 * What may follow `.` on a value of a given type (LANGUAGE.md §8): record fields, the
 * built-in properties and methods of strings, lists, `url()` and `path()` values, and the
 * members of the roots `tool`, `session` and `agent` — with their types and one-line docs,
 * for completion and hover.
 */
import { type Field, membersOf, removeNull, showType, type Type } from "@agentpolicy/compiler";

export interface Member {
  readonly name: string;
  readonly kind: "field" | "property" | "method";
  /** The member's type (fields, properties) or its signature (methods), as shown to users. */
  readonly detail: string;
  readonly doc: string | null;
  /** Methods: the snippet of the call's arguments (`$1`, `x => $0`), `""` for none. */
  readonly params?: string;
  /** The value's type when read (fields and properties) or returned (methods). */
  readonly type: Type;
  /** Fields: the field itself. */
  readonly field?: Field;
}

const STRING: Type = { kind: "string" };
const INTEGER: Type = { kind: "integer" };
const BOOLEAN: Type = { kind: "boolean" };

const prop = (name: string, type: Type, doc: string): Member => ({ name, kind: "property", detail: showType(type), doc, type });
const method = (name: string, signature: string, params: string, type: Type, doc: string): Member => ({
  name,
  kind: "method",
  detail: signature,
  doc,
  params,
  type,
});

const STRING_MEMBERS: readonly Member[] = [
  prop("length", INTEGER, "Number of characters (Unicode code points)."),
  method("lower", "lower(): string", "", STRING, "The string in lower case."),
  method("upper", "upper(): string", "", STRING, "The string in upper case."),
  method("startsWith", "startsWith(prefix: string): boolean", "$1", BOOLEAN, "true when the string starts with `prefix`."),
  method("endsWith", "endsWith(suffix: string): boolean", "$1", BOOLEAN, "true when the string ends with `suffix`."),
  method("contains", "contains(part: string): boolean", "$1", BOOLEAN, "true when `part` occurs in the string."),
  method(
    "matches",
    'matches("REGEX"): boolean',
    '"$1"',
    BOOLEAN,
    "true when the ECMAScript regular expression (flag `u`, unanchored unless it uses `^`/`$`) matches. Checked at compile time; catastrophic patterns are rejected.",
  ),
  method("glob", 'glob("PATTERN"): boolean', '"$1"', BOOLEAN, "true when the whole string matches the glob: `*` within one segment, `**` across segments, `?` one character."),
];

const listMembers = (element: Type): Member[] => [
  prop("length", INTEGER, "Number of elements."),
  method("contains", `contains(x: ${showType(element)}): boolean`, "$1", BOOLEAN, "true when some element equals `x`."),
  method("any", "any(x => condition): boolean", "${1:x} => $0", BOOLEAN, "true when the condition holds for some element (false for an empty list)."),
  method("all", "all(x => condition): boolean", "${1:x} => $0", BOOLEAN, "true when the condition holds for every element (true for an empty list)."),
];

const URL_MEMBERS: readonly Member[] = [
  prop("scheme", STRING, "The scheme, without `:`."),
  prop("host", STRING, "The host name alone: lower-case, no port, no user info."),
  prop("port", { kind: "union", members: [INTEGER, { kind: "null" }] }, "The port; the scheme's default when absent."),
  prop("path", STRING, "The path."),
  prop("query", STRING, "The query string."),
];

const PATH_MEMBERS: readonly Member[] = [
  prop("normalized", STRING, "The path with `.` and `..` resolved and duplicate `/` removed."),
  method("under", 'under("DIR"): boolean', '"$1"', BOOLEAN, "true only when the normalized path is DIR or inside it (`../` escapes are caught)."),
  prop("name", STRING, "The last segment."),
  prop("ext", STRING, "The extension of the last segment."),
];

const TOOL_MEMBERS: readonly Member[] = [
  prop("name", STRING, "The requested tool's bare name."),
  prop("alias", STRING, "The `tools` alias its manifest was loaded under."),
  prop("readOnly", BOOLEAN, "MCP `readOnlyHint` (default false)."),
  prop("destructive", BOOLEAN, "MCP `destructiveHint` (default: not readOnly)."),
  prop("idempotent", BOOLEAN, "MCP `idempotentHint` (default false)."),
  prop("openWorld", BOOLEAN, "MCP `openWorldHint` (default true)."),
];

const SESSION_MEMBERS: readonly Member[] = [
  prop("id", STRING, "The session's id."),
  method("has", "has(LABEL): boolean", "$1", BOOLEAN, "true when the session carries the label (set by an allowed call to a labelled tool)."),
  method("count", "count(TOOLSEL): integer", "$1", INTEGER, "Allowed calls to those tools in this session."),
];

const AGENT_MEMBERS: readonly Member[] = [prop("id", STRING, "The requesting agent's id.")];

/** Record types of a type (null members removed; unions looked through). */
export function recordsOf(t: Type): Extract<Type, { kind: "record" }>[] {
  return membersOf(removeNull(t)).filter((m): m is Extract<Type, { kind: "record" }> => m.kind === "record");
}

/**
 * The fields readable on a value of type `t`: for a union of records, a field any member
 * has (its type the union of the members' field types as shown). The first declaration of
 * a field provides its description and source.
 */
export function fieldsOf(t: Type): Member[] {
  const byName = new Map<string, { field: Field; types: Type[] }>();
  for (const r of recordsOf(t))
    for (const f of r.fields.values()) {
      const e = byName.get(f.name);
      if (e) e.types.push(f.type);
      else byName.set(f.name, { field: f, types: [f.type] });
    }
  return [...byName.values()].map(({ field, types }) => {
    const type = types.length === 1 ? types[0] : ({ kind: "union", members: types } as Type);
    return { name: field.name, kind: "field", detail: `${field.optional ? "(optional) " : ""}${showType(type)}`, doc: field.description, type, field };
  });
}

/** The declarations of field `name` in every record member of `owner` (several for a rule over several tools). */
export function fieldsNamed(owner: Type, name: string): Field[] {
  const out: Field[] = [];
  for (const r of recordsOf(owner)) {
    const f = r.fields.get(name);
    if (f && !out.includes(f)) out.push(f);
  }
  return out;
}

/** Everything that may follow `.` on a value of type `t`, each name once. */
export function membersOfType(t: Type): Member[] {
  const out: Member[] = [];
  const seen = new Set<string>();
  const add = (ms: readonly Member[]) => {
    for (const m of ms)
      if (!seen.has(m.name)) {
        seen.add(m.name);
        out.push(m);
      }
  };
  add(fieldsOf(t));
  for (const m of membersOf(removeNull(t))) {
    switch (m.kind) {
      case "string":
        add(STRING_MEMBERS);
        break;
      case "literal":
        if (typeof m.value === "string") add(STRING_MEMBERS);
        break;
      case "list":
        add(listMembers(m.element));
        break;
      case "url":
        add(URL_MEMBERS);
        break;
      case "path":
        add(PATH_MEMBERS);
        break;
      case "tool":
        add(TOOL_MEMBERS);
        break;
      case "session":
        add(SESSION_MEMBERS);
        break;
      case "agent":
        add(AGENT_MEMBERS);
        break;
      default:
        break;
    }
  }
  return out;
}

/** The member `name` of a value of type `t`, if it has one. */
export function memberOf(t: Type, name: string): Member | undefined {
  return membersOfType(t).find((m) => m.name === name);
}

/** The roots of the expression language, for completion and hover. */
export const ROOTS: readonly { readonly name: string; readonly doc: string }[] = [
  { name: "args", doc: "The tool call's arguments, typed by the selected tools' input schemas." },
  { name: "ctx", doc: "The request context, typed by the `context` declaration." },
  { name: "tool", doc: "The requested tool: `name`, `alias`, `readOnly`, `destructive`, `idempotent`, `openWorld`." },
  { name: "session", doc: "The session: `id`, `has(LABEL)`, `count(TOOLSEL)`." },
  { name: "agent", doc: "The requesting agent: `id`." },
];

export const ROOT_TYPES: Readonly<Record<string, Type>> = {
  tool: { kind: "tool" },
  session: { kind: "session" },
  agent: { kind: "agent" },
};

/** Built-in functions usable at the start of an expression. */
export const FUNCTIONS: readonly { readonly name: string; readonly detail: string; readonly doc: string; readonly type: Type }[] = [
  { name: "url", detail: "url(s: string): url", doc: "Parses a URL (WHATWG rules): `.scheme`, `.host`, `.port`, `.path`, `.query`.", type: { kind: "url" } },
  { name: "path", detail: "path(s: string): path", doc: "A file path: `.normalized`, `.under(DIR)`, `.name`, `.ext`.", type: { kind: "path" } },
];
