/**
 * The checked policy: what the checker hands to the interpreter, the code generator,
 * the analyses and the test runner. Built once per (document, manifests) by
 * `checkDocument`; plain data plus the AST it points into.
 *
 * INVARIANT: a `PolicyModel` is only built for use by the back end when the
 * diagnostics hold no error; with errors it is still built (best effort) for the
 * language server, and `complete` is false.
 */
import type * as ast from "../syntax/ast.js";
import type { JsonSchema, LiteralValue, Manifest, RecordType, ToolInfo, Type } from "../manifest/types.js";

/** A value of the language at compile time (folded consts, test records). */
export type Value = LiteralValue | readonly Value[] | { readonly [key: string]: Value };

export interface RuleModel {
  /** `@id`, or `AGENT/EFFECT/SELECTORS` (LANGUAGE.md §12), with `#2`... for repeats. */
  readonly id: string;
  /** Declaring agent id, or null at top level. */
  readonly agent: string | null;
  readonly effect: ast.Effect;
  /** Qualified names of every tool its selectors cover, in manifest order, no repeats. */
  readonly tools: readonly string[];
  readonly when: ast.Expr | null;
  readonly unless: ast.Expr | null;
  /** The `because` text, or null. */
  readonly because: string | null;
  /** All annotations except `@id`. */
  readonly annotations: Readonly<Record<string, string>>;
  readonly decl: ast.Rule;
  /** Position among all rules and limits of the document, source order. */
  readonly order: number;
}

export interface LimitModel {
  /** `@id`, or `AGENT/limit/KIND[/SELECTORS]`. */
  readonly id: string;
  readonly agent: string | null;
  readonly kind: ast.LimitKind;
  /** `calls`: the covered tools; other kinds: every tool (empty list = applies to every call). */
  readonly tools: readonly string[];
  /** Calls, tokens, micro-dollars (cost) or repeats. */
  readonly max: number;
  /** Milliseconds, `"session"`, or null (`repeats`). */
  readonly window: number | "session" | null;
  readonly by: ast.Expr | null;
  readonly annotations: Readonly<Record<string, string>>;
  readonly decl: ast.Limit;
  readonly order: number;
}

export interface AgentModel {
  readonly id: string;
  readonly decl: ast.AgentDecl;
  /** Transitive parents, nearest first, each once, not including this agent. */
  readonly ancestors: readonly string[];
}

export interface ConstModel {
  readonly name: string;
  readonly decl: ast.ConstDecl;
  readonly type: Type;
  /** The folded value; null when folding failed (an error was reported). */
  readonly value: Value | undefined;
}

export interface LabelModel {
  readonly name: string;
  readonly decl: ast.LabelDecl;
  readonly tools: readonly string[];
}

export interface AliasModel {
  readonly alias: string;
  readonly decl: ast.ToolsDecl;
  /** null when the manifest could not be loaded. */
  readonly manifest: Manifest | null;
}

export interface PolicyModel {
  readonly document: ast.Document;
  readonly file: string;
  readonly name: string;
  readonly version: string | null;
  /** `sha256:` + hex over the policy source and every manifest it loads (in `tools` order). */
  readonly hash: string;
  readonly aliases: ReadonlyMap<string, AliasModel>;
  /** Every tool by qualified name, in declaration order. */
  readonly tools: ReadonlyMap<string, ToolInfo>;
  /** Bare name → qualified names (for requests naming a bare tool). */
  readonly toolsByBareName: ReadonlyMap<string, readonly string[]>;
  /** The `context` type; an empty closed-or-open record when there is no declaration (ctx is `{}`). */
  readonly context: RecordType;
  readonly hasContextDecl: boolean;
  /** The `context` declaration as a JSON Schema (optional fields not nullable, extra keys allowed), for request validation. */
  readonly contextSchema: JsonSchema;
  readonly consts: ReadonlyMap<string, ConstModel>;
  readonly labels: ReadonlyMap<string, LabelModel>;
  /** Cost per call in micro-dollars, per qualified tool. */
  readonly costs: ReadonlyMap<string, number>;
  /** Micro-dollars per 1M tokens, per model name. */
  readonly prices: ReadonlyMap<string, { readonly input: number; readonly output: number }>;
  readonly defaultEffect: "allow" | "deny";
  /** Every rule, source order (top level and agent blocks). */
  readonly rules: readonly RuleModel[];
  /** Every limit, source order. */
  readonly limits: readonly LimitModel[];
  readonly agents: ReadonlyMap<string, AgentModel>;
  readonly invariants: readonly ast.Invariant[];
  readonly tests: readonly ast.TestDecl[];
  /** The type of every expression node the checker visited (side table). */
  readonly types: ReadonlyMap<ast.Expr, Type>;
  /** What each NameRef / selector / agent string resolves to (for the LSP and the back end). */
  readonly resolutions: ReadonlyMap<ast.Node, Resolution>;
  /** false when the document had errors: the back end must not use this model. */
  readonly complete: boolean;
}

export type Resolution =
  | { readonly kind: "const"; readonly name: string }
  | { readonly kind: "label"; readonly name: string }
  | { readonly kind: "agent"; readonly id: string }
  | { readonly kind: "alias"; readonly alias: string }
  | { readonly kind: "tool"; readonly qualified: string }
  | { readonly kind: "lambda-param"; readonly param: ast.Identifier }
  | { readonly kind: "root"; readonly root: "args" | "ctx" | "tool" | "session" | "agent" }
  | { readonly kind: "field"; readonly owner: Type; readonly name: string };

/** Rules that apply to requests of `agent` (own block, ancestors, top level), de-duplicated, source order. */
export function rulesForAgent(model: PolicyModel, agent: string): RuleModel[] {
  const agents = agentChain(model, agent);
  return model.rules.filter((r) => r.agent === null || agents.has(r.agent));
}

/** Limits that apply to requests of `agent`, source order. */
export function limitsForAgent(model: PolicyModel, agent: string): LimitModel[] {
  const agents = agentChain(model, agent);
  return model.limits.filter((l) => l.agent === null || agents.has(l.agent));
}

function agentChain(model: PolicyModel, agent: string): Set<string> {
  const a = model.agents.get(agent);
  return a ? new Set([agent, ...a.ancestors]) : new Set();
}
