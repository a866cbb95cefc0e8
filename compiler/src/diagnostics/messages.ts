/**
 * The one table of diagnostics (LANGUAGE.md §9). Each code appears once here, with
 * its severity and a message template (`{0}`, `{1}` are arguments; user input goes in
 * backticks). A test asserts every code is unique, used and documented.
 * Several entries may share a code when the situation differs (different wording).
 */
export type Severity = "error" | "warning" | "info";

export type DiagnosticCode =
  | "E_SYNTAX"
  | "E_UNKNOWN_TOOL"
  | "E_UNKNOWN_ALIAS"
  | "E_MANIFEST"
  | "E_UNKNOWN_FIELD"
  | "E_TYPE"
  | "E_ENUM"
  | "E_DUPLICATE_ID"
  | "E_UNKNOWN_NAME"
  | "E_CYCLE"
  | "E_REGEX"
  | "E_REGEX_UNSAFE"
  | "W_OPTIONAL"
  | "W_SHADOWED"
  | "W_UNREACHABLE"
  | "W_DEFAULT_ALLOW"
  | "I_UNCOVERED"
  | "W_SCHEMA_UNSUPPORTED";

export interface MessageDef {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly template: string;
}

const def = (code: DiagnosticCode, template: string): MessageDef => ({
  code,
  severity: code.startsWith("E_") ? "error" : code.startsWith("W_") ? "warning" : "info",
  template,
});

export const Messages = {
  // syntax
  Syntax: def("E_SYNTAX", "{0}"),
  // manifests
  ManifestUnreadable: def("E_MANIFEST", "cannot read manifest `{0}`: {1}"),
  ManifestInvalid: def("E_MANIFEST", "manifest `{0}` is invalid: {1}"),
  SchemaUnsupported: def("W_SCHEMA_UNSUPPORTED", "manifest `{0}`: {1}"),
  // names
  UnknownAlias: def("E_UNKNOWN_ALIAS", "no `tools` declaration is named `{0}`"),
  UnknownTool: def("E_UNKNOWN_TOOL", "manifest `{0}` has no tool `{1}`"),
  UnknownName: def("E_UNKNOWN_NAME", "no {0} is named `{1}`"),
  DuplicateId: def("E_DUPLICATE_ID", "{0} `{1}` is declared more than once"),
  Cycle: def("E_CYCLE", "{0}"),
  // types
  UnknownField: def("E_UNKNOWN_FIELD", "`{0}` has no field `{1}`"),
  Type: def("E_TYPE", "{0}"),
  Enum: def("E_ENUM", "`{0}` can never be {1}: its values are {2}"),
  Regex: def("E_REGEX", "invalid regular expression {0}: {1}"),
  RegexUnsafe: def("E_REGEX_UNSAFE", "regular expression {0} can backtrack catastrophically: {1}"),
  Optional: def("W_OPTIONAL", "`{0}` may be missing or null here; guard it with `has`, `!= null` or `??`"),
  // policy-level
  DefaultAllow: def("W_DEFAULT_ALLOW", "`default allow` lets every call that no rule mentions through"),
  // analyses (issue 4)
  Shadowed: def("W_SHADOWED", "this {0} can never win: {1}"),
  Unreachable: def("W_UNREACHABLE", "this condition is never true: {0}"),
  Uncovered: def("I_UNCOVERED", "no rule mentions tool `{0}`"),
} as const satisfies Record<string, MessageDef>;

export type MessageName = keyof typeof Messages;
