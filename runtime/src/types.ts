/**
 * The runtime's contract (TOOLCHAIN.md "Request and decision lines", "The generated
 * guard module", "The runtime"). Generated guards and the compiler's reference
 * interpreter both implement `PolicyProgram`; `createGuard` wraps either one with
 * limits, review and audit. Nothing here knows the compiler.
 */

export type Effect = "allow" | "deny" | "review";

/** A tool call an agent asks for. `tool` is `ALIAS.TOOL` or a bare tool name unique across manifests. */
export interface ToolRequest {
  readonly agent: string;
  readonly tool: string;
  readonly args?: unknown;
  readonly context?: unknown;
  /** Session id; absent = `""`. */
  readonly session?: string;
  /** Clock in ms since the epoch; absent = the guard's clock. */
  readonly at?: number;
  /** Optional call id (MCP / framework), copied into audit records. */
  readonly callId?: string;
}

/** What `evaluate` needs to know about the session (LANGUAGE.md §8 `session.has`, `session.count`). */
export interface SessionView {
  /** Labels the session carries. */
  readonly labels: ReadonlySet<string> | readonly string[];
  /** Allowed-call counts in this session, per qualified tool name (`inv.search`). */
  readonly counts: Readonly<Record<string, number>> | ReadonlyMap<string, number>;
}

export interface RuleError {
  readonly rule: string;
  readonly message: string;
}

/**
 * The pure result of the rules for one request: no limits, no side effects.
 * INVARIANT: `rules`/`reasons` follow the table in TOOLCHAIN.md: every applicable rule of
 * the winning effect (de-duplicated, source order) or one of the fixed ids
 * `unknown_tool`, `invalid_arguments`, `invalid_context`, `default`.
 */
export interface Verdict {
  readonly effect: Effect;
  readonly rules: readonly string[];
  readonly reasons: readonly string[];
  readonly errors: readonly RuleError[];
  /** The resolved qualified tool name (`inv.search`), or null for `unknown_tool`. */
  readonly tool: string | null;
  /** Annotations of the deciding rules, merged in rule order (`@id` excluded). */
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface LimitInfo {
  readonly id: string;
  readonly kind: "calls" | "tokens" | "cost" | "repeats";
  /** Milliseconds, `"session"`, or null for `repeats`. */
  readonly window: number | "session" | null;
  /** Calls, tokens, micro-dollars or repeats. */
  readonly max: number;
}

/** A decision line (TOOLCHAIN.md). */
export interface Decision {
  readonly effect: Effect;
  readonly rules: readonly string[];
  readonly reasons: readonly string[];
  readonly limit: LimitInfo | null;
  readonly errors: readonly RuleError[];
  readonly policy: string;
  readonly policyHash: string;
  /** Present when a review was asked: who answered and how. */
  readonly review?: { readonly approved: boolean; readonly by: string; readonly note?: string };
  /** Present in shadow mode: the call ran whatever the effect. */
  readonly shadow?: boolean;
  /** Annotations of the deciding rules (`Verdict.annotations`), when there are any. */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** Model usage the host reports, for `tokens` and `cost` limits. */
export interface Usage {
  readonly agent: string;
  readonly session?: string;
  readonly model?: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd?: number;
  readonly at?: number;
}

/**
 * One limit counter that a request touches, with its key already computed.
 * The store identifies a counter by `(id, key)`.
 */
export interface LimitCheck extends LimitInfo {
  /** The counter key: the agent id, the `by` value (canonical JSON), or per-session composites. */
  readonly key: string;
  /**
   * What this call consumes: 1 for `calls`; the call's cost in micro-dollars for `cost`;
   * 0 for `tokens` (tokens come from usage reports); for `repeats`, `fingerprint` is used.
   */
  readonly amount: number;
  /** `repeats` only: canonical JSON of `[tool, args]`. */
  readonly fingerprint?: string;
}

/** A usage report turned into counter increments. */
export interface UsageCharge {
  readonly id: string;
  readonly kind: "tokens" | "cost";
  readonly key: string;
  readonly window: number | "session";
  /** Tokens, or micro-dollars. */
  readonly amount: number;
}

/** Policy metadata carried by every decision and generated module. */
export interface PolicyMeta {
  readonly name: string;
  readonly version: string | null;
  /** `sha256:` + hex over the policy source and every manifest it loads. */
  readonly hash: string;
  /** The policy file as named at compile time. */
  readonly source: string;
}

/**
 * What a compiled guard module (or the reference interpreter) provides to the runtime.
 * Every function must be total: it may throw only on a bug, and the guard turns a throw
 * into a deny with the error recorded (fail closed).
 */
export interface PolicyProgram {
  readonly policy: PolicyMeta;
  /** Rules only: unknown_tool → invalid_arguments → invalid_context → rules → default. */
  evaluate(request: ToolRequest, session?: SessionView): Verdict;
  /**
   * The limits that apply to a request whose verdict is allow or review, in source order,
   * with keys computed. An error while computing a `by` key throws `LimitKeyError`.
   */
  limitsFor(request: ToolRequest, verdict: Verdict): readonly LimitCheck[];
  /** The counters a usage report charges (tokens and priced cost limits of that agent). */
  chargesFor(usage: Usage): readonly UsageCharge[];
  /** Labels a session gains once a call to this qualified tool is finally allowed. */
  labelsFor(tool: string): readonly string[];
  /** Arguments with sensitive fields replaced by `"[redacted]"` (for audit records). */
  redact(tool: string, args: unknown): unknown;
  /** Qualified names of the tools some rule could allow or review for this agent (for MCP `tools/list`). */
  toolsFor(agent: string): readonly string[];
}

/** Thrown by `limitsFor` when a `by` expression errs; the guard denies with the error listed. */
export class LimitKeyError extends Error {
  constructor(
    readonly limitId: string,
    message: string,
  ) {
    super(message);
    this.name = "LimitKeyError";
  }
}
