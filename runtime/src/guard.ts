/**
 * `createGuard`: wraps a `PolicyProgram` (a generated guard module or the reference interpreter)
 * with limits, review, audit and telemetry (TOOLCHAIN.md "The generated guard module", "The runtime").
 *
 * One decision: validate the request → `evaluate` against the session's view → for allow/review,
 * `limitsFor` → allow: one atomic admit (check + consume + record) → review: check only, then the
 * call's own `approval` (a framework's human approval) or the reviewer (with a timeout); an
 * approval admits atomically again → audit → decision.
 * INVARIANT (fail closed): every public entry point resolves; any exception becomes a deny
 * (`rules: ["internal_error"]`) with the error listed in `errors`.
 *
 * Hot path: with a `MemoryStore` whose methods are its own (`synchronousMemoryStore`), the view,
 * `evaluate` and the atomic admit run synchronously inside `decide` (no promise per store call,
 * and no other decision can interleave between the view and the admit); a generated guard's
 * frozen verdicts map to shared, frozen decisions; and when every sink has `writeSync`, the audit
 * is written before `decide` returns a promise that is already settled: no `await` at all.
 */

import { PolicyDenied } from "./errors.js";
import { limitReason } from "./limit-text.js";
import { MemoryStore, synchronousMemoryStore } from "./memory-store.js";
import { AuditedRequest, GuardAuditEntry } from "./audit.js";
import type { AuditEntry, AuditSink, ReviewOutcome } from "./audit.js";
import type { LimitAttempt, LimitOutcome, LimitStore } from "./store.js";
import { annotateSpan, endSpan, startToolSpan } from "./telemetry.js";
import type { SpanLike, TracerLike } from "./telemetry.js";
import { LimitKeyError } from "./types.js";
import type { Decision, LimitCheck, PolicyMeta, PolicyProgram, RuleError, SessionView, ToolRequest, Usage, Verdict } from "./types.js";

/** Rule id of a deny caused by an exception inside the guard or the program. */
export const INTERNAL_ERROR_RULE = "internal_error";
/** Rule id of a deny caused by a malformed request (TOOLCHAIN.md decision table). */
export const INVALID_REQUEST_RULE = "invalid_request";
/** Rule id under which a failed review (the reviewer threw or answered nonsense) is listed in `errors`. */
export const REVIEW_ERROR_RULE = "review";
/** Default `reviewTimeoutMs`: 5 minutes. */
export const DEFAULT_REVIEW_TIMEOUT_MS = 300_000;

/** A reviewer's answer. */
export interface ReviewAnswer {
  readonly approved: boolean;
  readonly by: string;
  readonly note?: string;
}

/**
 * Asked for every `review` decision whose limits have room (enforce mode only). Receives the
 * original request (arguments not redacted) and the pending decision. No answer within
 * `reviewTimeoutMs`, a throw or a malformed answer is a denial.
 */
export type Reviewer = (request: ToolRequest, decision: Decision) => Promise<ReviewAnswer>;

/** Who is calling, for wrapped tools. Fields left undefined fall back to the guard's options. */
export interface CallIdentity {
  readonly agent?: string;
  readonly context?: unknown;
  readonly session?: string;
  readonly callId?: string;
  /** A review answer the host already has for this call: see `DecideOptions.approval`. */
  readonly approval?: ReviewAnswer;
}

/** What `decide` may be told besides the request. */
export interface DecideOptions {
  /**
   * A review answer the host already has for this call — typically a human's answer given
   * through the agent framework's own approval flow (AI SDK `toolApproval`, an Agents SDK
   * interruption). A `review` whose limits have room is settled by it exactly as by a reviewer's
   * answer: an approval checks and consumes the limits again, atomically (a denial when they ran
   * out), and is recorded in the decision and the audit; a rejection denies. It settles nothing
   * else: an `allow` or a `deny` by the rules stays what it is, and shadow mode ignores it. A
   * malformed answer is a denial. Only the host's code should give one (never the model).
   */
  readonly approval?: ReviewAnswer;
}

/**
 * The identity of a wrapped call: fixed, or computed per call from the call's arguments
 * (`args` is the wrapped function's first parameter, `rest` the others — e.g. a framework's
 * per-call options carrying a tool call id, or a value read from an `AsyncLocalStorage`).
 */
export type IdentityResolver = CallIdentity | ((args: unknown, rest: readonly unknown[]) => CallIdentity | undefined);

export interface GuardOptions {
  /** Limit counters and session state; default: a fresh `MemoryStore`. */
  readonly store?: LimitStore;
  /** Where audit records go; default: nowhere. `decide` resolves after every sink's `write` resolved. */
  readonly audit?: AuditSink | readonly AuditSink[];
  /** Answers `review` decisions; without one a review stays `review` and consumes nothing. */
  readonly reviewer?: Reviewer;
  /** Milliseconds since the epoch for requests without `at`; default `Date.now`. */
  readonly clock?: () => number;
  /** How long a reviewer may take; default 300 000 (5 minutes). */
  readonly reviewTimeoutMs?: number;
  /**
   * `"enforce"` (default), or `"shadow"`: every call is decided and audited as usual but the decision
   * is marked `shadow: true` and a wrapped tool runs whatever the effect. Limits are consumed only
   * by real allows. The reviewer is not asked in shadow mode (a `review` stays `review`).
   */
  readonly mode?: "enforce" | "shadow";
  /** An OpenTelemetry tracer (structurally typed); each decision becomes an `execute_tool` span. */
  readonly tracer?: TracerLike;
  /** Default agent id for wrapped tools. */
  readonly agent?: string;
  /** Default context for wrapped tools. */
  readonly context?: unknown;
  /** Default session id for wrapped tools. */
  readonly session?: string;
}

/** A function the guard may wrap: its first parameter is the tool's arguments. */
export type ToolFunction = (args: never, ...rest: never[]) => unknown;

/** A wrapped tool: same parameters, always async; throws `PolicyDenied` when not allowed to run. */
export type GuardedFunction<F extends ToolFunction> = (...params: Parameters<F>) => Promise<Awaited<ReturnType<F>>>;

/** `recordUsage`'s result: the number of counters charged, or why nothing was charged. */
export type UsageResult = { readonly ok: true; readonly charges: number } | { readonly ok: false; readonly error: string };

export interface Guard {
  readonly policy: PolicyMeta;
  readonly mode: "enforce" | "shadow";
  readonly store: LimitStore;
  /** Rules, then limits atomically against the store, then review, then audit. Never rejects. */
  decide(request: ToolRequest, options?: DecideOptions): Promise<Decision>;
  /**
   * Wraps one tool. The wrapped function decides a request `{ agent, tool: name, args: params[0],
   * context, session, callId }`, where agent/context/session/callId come from `identity` (fixed or
   * per call) and fall back to the guard options `agent`, `context`, `session`. It runs `fn` only on
   * allow (an approved review included) or in shadow mode, and otherwise throws `PolicyDenied`
   * carrying the decision. Errors thrown by `fn` pass through unchanged.
   */
  wrap<F extends ToolFunction>(name: string, fn: F, identity?: IdentityResolver): GuardedFunction<F>;
  /** `wrap` for every function of a record; each key is the tool name. */
  wrapTools<T extends { readonly [name: string]: ToolFunction }>(
    tools: T,
    identity?: IdentityResolver,
  ): { [K in keyof T]: T[K] extends ToolFunction ? GuardedFunction<T[K]> : never };
  /** Charges a usage report to the `tokens` and `cost` limits it concerns. Never rejects. */
  recordUsage(usage: Usage): Promise<UsageResult>;
}

/**
 * A call decided with the audit record of a pending review held back: see `decideHoldingReview`.
 * Internal to the runtime's adapters (the package does not export it).
 */
export interface HeldDecision {
  /** The request decided, built as `Guard.wrap` builds it. */
  readonly request: ToolRequest;
  /**
   * The decision, as `decide` resolves with it. A pending `review` (enforce mode) is not audited
   * yet; any other decision was audited, exactly as `decide` audits it, before it resolved.
   */
  readonly decision: Decision;
  /**
   * Writes a held review's record (once, however often it is called) and resolves with the
   * decision as audited: a denial when the audit failed. Otherwise the decision. Never rejects.
   */
  audit(): Promise<Decision>;
}

/** Takes the write of a pending review's audit record, to be done later (or never). */
type HoldRecord = (write: () => Decision | Promise<Decision>) => void;

/** `Guard.wrap`'s decision of one call, a pending review's audit record held back. */
type ReviewHolder = (name: string, args: unknown, identity: () => CallIdentity | undefined) => Promise<HeldDecision>;

/** The `ReviewHolder` of every guard `createGuard` made. */
const reviewHolders = new WeakMap<Guard, ReviewHolder>();

/**
 * Internal to the runtime's adapters (the package does not export it). Decides a call exactly as
 * `guard.wrap(name, fn, identity)` does (the same request and fallbacks, rules, limits and span;
 * an `approval` in the identity is ignored), except that when the decision is a pending `review`
 * its audit record waits for `audit()`. A framework that pauses the run for a human (a LangGraph
 * interrupt) and decides the paused call anew when the run resumes writes the record only when
 * the run really pauses, so each pause is audited once; the resumed call is then settled with
 * `decide(request, { approval })`, which is audited as usual. Every other decision (an allow has
 * consumed limits) is audited before the promise resolves; a pending review consumes nothing, so
 * a held record left unwritten changes no limit. Null for a guard `createGuard` did not make.
 * Never rejects.
 */
export function decideHoldingReview(
  guard: Guard,
  name: string,
  args: unknown,
  identity: () => CallIdentity | undefined,
): Promise<HeldDecision> | null {
  const hold = reviewHolders.get(guard);
  return hold === undefined ? null : hold(name, args, identity);
}

interface Outcome {
  readonly decision: Decision;
  /** The qualified tool, when the rules resolved it (for redaction). */
  readonly tool: string | null;
  readonly review?: ReviewOutcome;
}

/** Creates a guard around `program`. Never throws. */
export function createGuard(program: PolicyProgram, options: GuardOptions = {}): Guard {
  const store = options.store ?? new MemoryStore();
  const sinks: readonly AuditSink[] =
    options.audit === undefined ? [] : isSinkList(options.audit) ? [...options.audit] : [options.audit];
  const clock = options.clock ?? Date.now;
  // setTimeout fires at once for delays above 2^31 − 1 ms; clamp to that (~24.8 days).
  const timeoutMs =
    typeof options.reviewTimeoutMs === "number" && options.reviewTimeoutMs >= 0
      ? Math.min(options.reviewTimeoutMs, MAX_TIMER_MS)
      : DEFAULT_REVIEW_TIMEOUT_MS;
  const shadow = options.mode === "shadow";
  const meta = readMeta(program);
  /** The sinks, when every one of them can write synchronously (then a decision needs no promise). */
  const syncSinks = sinks.length > 0 && sinks.every(hasWriteSync) ? sinks : null;
  /** Decisions of frozen, error-free verdicts (generated guards share them), frozen in turn. */
  const sharedDecisions = new WeakMap<Verdict, Decision>();

  const base = (fields: Pick<Decision, "effect" | "rules" | "reasons" | "errors">): Decision => ({
    ...fields,
    limit: null,
    policy: meta.name,
    policyHash: meta.hash,
  });

  const failClosed = (error: unknown, errors: readonly RuleError[] = []): Decision => {
    const message = errorMessage(error);
    return base({
      effect: "deny",
      rules: [INTERNAL_ERROR_RULE],
      reasons: [`the guard failed, so the call is denied: ${message}`],
      errors: [...errors, { rule: INTERNAL_ERROR_RULE, message }],
    });
  };

  // The hot path below builds each decision as one object literal, in the field order of `base`.
  const buildDecision = (verdict: Verdict): Decision => {
    // (spread, not `slice`: V8's `slice` of a frozen array, as generated guards share, is far slower)
    const rules = [...verdict.rules];
    const reasons = [...verdict.reasons];
    const errors: RuleError[] = [];
    for (const e of verdict.errors) errors.push({ rule: e.rule, message: e.message });
    const annotations = verdict.annotations;
    return annotations !== undefined && hasOwnKeys(annotations)
      ? { effect: verdict.effect, rules, reasons, limit: null, errors, policy: meta.name, policyHash: meta.hash, annotations: { ...annotations } }
      : { effect: verdict.effect, rules, reasons, limit: null, errors, policy: meta.name, policyHash: meta.hash };
  };

  /**
   * The decision of a verdict. A frozen verdict without errors (a generated guard returns one
   * shared verdict per outcome) gets one shared, deeply frozen decision, built once: no
   * allocation per call, and the audit encoder reuses its canonical bytes.
   */
  const fromVerdict = (verdict: Verdict): Decision => {
    const shared = sharedDecisions.get(verdict);
    if (shared !== undefined) return shared;
    if (!isShareable(verdict)) return buildDecision(verdict);
    const decision = freezeDecision(buildDecision(verdict));
    sharedDecisions.set(verdict, decision);
    return decision;
  };

  const limitDenied = (decision: Decision, failed: LimitCheck): Decision => {
    const limit = { id: failed.id, kind: failed.kind, window: failed.window, max: failed.max };
    return {
      effect: "deny",
      rules: [failed.id],
      reasons: [limitReason(limit)],
      limit,
      errors: decision.errors,
      policy: meta.name,
      policyHash: meta.hash,
    };
  };

  const afterAdmit = (ruled: Decision, tool: string, outcome: LimitOutcome): Outcome => ({
    decision: outcome.ok ? ruled : limitDenied(ruled, outcome.failed),
    tool,
  });

  const timeOf = (request: ToolRequest): number => {
    const now = request.at ?? clock();
    if (typeof now !== "number" || !Number.isFinite(now)) throw new Error("the clock did not give a finite time");
    return now;
  };

  /**
   * Rules, limits and review; may throw or reject (the caller fails closed). With a
   * `MemoryStore` (`synchronousMemoryStore`) and no reviewer to ask, it returns the outcome
   * synchronously: the view, `evaluate` and the atomic admit run in one go, with no promise.
   */
  function decideRequest(request: ToolRequest, now: number, approval: unknown): Outcome | Promise<Outcome> {
    const session = request.session ?? "";
    const memory = synchronousMemoryStore(store);
    if (memory !== null) return afterView(request, now, session, memory.peekSession(session), memory, approval);
    return decideWithStore(request, now, session, approval);
  }

  async function decideWithStore(request: ToolRequest, now: number, session: string, approval: unknown): Promise<Outcome> {
    const view = await store.sessionView(session);
    return afterView(request, now, session, view, null, approval);
  }

  function afterView(
    request: ToolRequest,
    now: number,
    session: string,
    view: SessionView,
    memory: MemoryStore | null,
    approval: unknown,
  ): Outcome | Promise<Outcome> {
    const verdict = program.evaluate(request, view);
    assertVerdict(verdict);
    const ruled = fromVerdict(verdict);
    if (verdict.effect === "deny") return { decision: ruled, tool: verdict.tool };
    const tool = verdict.tool;
    if (typeof tool !== "string") throw new Error(`an ${verdict.effect} verdict must name its tool`);

    let checks: readonly LimitCheck[];
    try {
      checks = program.limitsFor(request, verdict);
    } catch (error) {
      if (!isLimitKeyError(error)) throw error;
      const message = errorMessage(error);
      const decision = base({
        effect: "deny",
        rules: [error.limitId],
        reasons: [`limit \`${error.limitId}\` could not be keyed: ${message}`],
        errors: [...ruled.errors, { rule: error.limitId, message }],
      });
      return { decision, tool };
    }
    const labels = program.labelsFor(tool);

    if (verdict.effect === "allow") {
      const attempt: LimitAttempt = { checks, session, tool, labels, now };
      if (memory !== null) return afterAdmit(ruled, tool, memory.admitSync(attempt));
      return admitWithStore(attempt, ruled, tool);
    }

    const pending: LimitAttempt = { checks, session, tool, labels: [], now };
    if (memory !== null) return afterCheck(request, pending, labels, ruled, memory.checkSync(pending), approval);
    return checkWithStore(request, pending, labels, ruled, approval);
  }

  async function admitWithStore(attempt: LimitAttempt, ruled: Decision, tool: string): Promise<Outcome> {
    return afterAdmit(ruled, tool, await store.admit(attempt));
  }

  async function checkWithStore(
    request: ToolRequest,
    pending: LimitAttempt,
    labels: readonly string[],
    ruled: Decision,
    approval: unknown,
  ): Promise<Outcome> {
    return afterCheck(request, pending, labels, ruled, await store.check(pending), approval);
  }

  /**
   * A review whose limits were checked: settled by the call's `approval` when it has one, else
   * by the reviewer, else it stays pending. Shadow mode settles nothing.
   */
  function afterCheck(
    request: ToolRequest,
    pending: LimitAttempt,
    labels: readonly string[],
    ruled: Decision,
    checked: LimitOutcome,
    approval: unknown,
  ): Outcome | Promise<Outcome> {
    const tool = pending.tool;
    if (!checked.ok) return { decision: limitDenied(ruled, checked.failed), tool };
    if (shadow) return { decision: ruled, tool };
    if (approval !== undefined) return reviewed(request, { ...pending, labels }, ruled, reviewOutcome(approval));
    const reviewer = options.reviewer;
    if (reviewer === undefined) return { decision: ruled, tool };
    return reviewed(request, { ...pending, labels }, ruled, askReviewer(reviewer, request, ruled, timeoutMs));
  }

  /** Settles a review by how it ended; an approval admits `attempt` (at the time of the answer) atomically. */
  async function reviewed(request: ToolRequest, attempt: LimitAttempt, ruled: Decision, ended: ReviewOutcome | Promise<ReviewOutcome>): Promise<Outcome> {
    const tool = attempt.tool;
    const review = await ended;
    switch (review.status) {
      case "approved": {
        const answer = reviewRecord(review);
        const admitted = await store.admit({ ...attempt, now: timeOf(request) });
        const decision = admitted.ok ? { ...ruled, effect: "allow" as const } : limitDenied(ruled, admitted.failed);
        return { decision: { ...decision, review: answer }, tool, review };
      }
      case "rejected": {
        const why = `rejected in review by ${review.by}${review.note === undefined ? "" : `: ${review.note}`}`;
        const decision = { ...ruled, effect: "deny" as const, reasons: [...ruled.reasons, why], review: reviewRecord(review) };
        return { decision, tool, review };
      }
      case "timeout": {
        const why = `no review answer within ${review.afterMs} ms`;
        return { decision: { ...ruled, effect: "deny", reasons: [...ruled.reasons, why] }, tool, review };
      }
      case "error": {
        const decision: Decision = {
          ...ruled,
          effect: "deny",
          reasons: [...ruled.reasons, "the review failed"],
          errors: [...ruled.errors, { rule: REVIEW_ERROR_RULE, message: review.message }],
        };
        return { decision, tool, review };
      }
    }
  }

  const redactedArgs = (request: ToolRequest, tool: string | null): unknown => {
    if (request.args === undefined) return undefined;
    return program.redact(tool ?? request.tool, request.args);
  };

  /**
   * One decision, audited. Synchronous (no promise, no `await`) when the store answers
   * synchronously (`synchronousMemoryStore`), no reviewer is asked and every sink has
   * `writeSync`; a promise otherwise. Never throws and never rejects.
   */
  function decideInSpan(
    request: ToolRequest,
    span: SpanLike | null,
    identityError?: unknown,
    approval?: unknown,
    hold?: HoldRecord,
  ): Decision | Promise<Decision> {
    const problem = requestProblem(request);
    if (problem !== null) {
      const decision = base({ effect: "deny", rules: [INVALID_REQUEST_RULE], reasons: [problem], errors: [] });
      return settle(request, { decision, tool: null }, Number.NaN, problem, span, hold);
    }
    if (identityError !== undefined) return settle(request, { decision: failClosed(identityError), tool: null }, Number.NaN, problem, span, hold);
    let now = Number.NaN;
    let decided: Outcome | Promise<Outcome>;
    try {
      now = timeOf(request);
      decided = decideRequest(request, now, approval);
    } catch (error) {
      return settle(request, { decision: failClosed(error), tool: null }, now, problem, span, hold);
    }
    if (!(decided instanceof Promise)) return settle(request, decided, now, problem, span, hold);
    return decided.then(
      (outcome) => settle(request, outcome, now, problem, span, hold),
      (error: unknown) => settle(request, { decision: failClosed(error), tool: null }, now, problem, span, hold),
    );
  }

  /**
   * Redaction, shadow marking, audit and the span, after the rules and limits decided `outcome`.
   * With `hold`, a pending review (enforce mode) is not audited: `hold` is handed the write.
   */
  function settle(
    request: ToolRequest,
    outcome: Outcome,
    at: number,
    problem: string | null,
    span: SpanLike | null,
    hold?: HoldRecord,
  ): Decision | Promise<Decision> {
    // no (finite) time of the request: the clock's, else the wall clock's
    const now = Number.isNaN(at) ? wallClock(clock) : at;
    let decision = outcome.decision;
    let args: unknown;
    try {
      args = problem === null ? redactedArgs(request, outcome.tool) : undefined;
    } catch (error) {
      args = REDACTED;
      const message = `redaction failed: ${errorMessage(error)}`;
      decision =
        decision.effect === "deny"
          ? { ...decision, errors: [...decision.errors, { rule: INTERNAL_ERROR_RULE, message }] }
          : failClosed(new Error(message), decision.errors);
    }
    if (shadow) decision = markShadow(decision);
    if (hold !== undefined && !shadow && decision.effect === "review") {
      const pending = decision;
      hold(() => record(now, request, args, problem === null, pending, outcome.review, null));
      return annotated(span, decision);
    }
    return record(now, request, args, problem === null, decision, outcome.review, span);
  }

  /** Audits `decision` to every sink; the decision as audited (a denial when the record could not be written). */
  function record(
    now: number,
    request: ToolRequest,
    args: unknown,
    wellFormed: boolean,
    decision: Decision,
    review: ReviewOutcome | undefined,
    span: SpanLike | null,
  ): Decision | Promise<Decision> {
    if (sinks.length === 0) return annotated(span, decision);
    let written: Promise<unknown>;
    try {
      const entry: AuditEntry = new GuardAuditEntry(now, auditRequest(request, args, wellFormed), decision, review);
      if (syncSinks !== null) {
        // every sink is tried, as `Promise.all` below does; the first failure is reported
        let failure: { error: unknown } | null = null;
        for (let i = 0; i < syncSinks.length; i++) {
          try {
            syncSinks[i].writeSync(entry);
          } catch (error) {
            failure ??= { error };
          }
        }
        return annotated(span, failure === null ? decision : auditFailed(decision, failure.error));
      }
      written = sinks.length === 1 ? sinks[0].write(entry) : Promise.all(sinks.map((sink) => sink.write(entry)));
    } catch (error) {
      return annotated(span, auditFailed(decision, error));
    }
    return written.then(
      () => annotated(span, decision),
      (error: unknown) => annotated(span, auditFailed(decision, error)),
    );
  }

  /** A decision whose audit record could not be written: denied (fail closed), keeping its errors. */
  const auditFailed = (decision: Decision, error: unknown): Decision => {
    const failed = failClosed(new Error(`audit failed: ${errorMessage(error)}`), decision.errors);
    return shadow ? markShadow(failed) : failed;
  };

  function decide(request: ToolRequest, decideOptions?: DecideOptions): Promise<Decision> {
    const span = startToolSpan(options.tracer, request);
    let approval: unknown;
    let optionsError: unknown;
    try {
      approval = decideOptions?.approval;
    } catch (error) {
      optionsError = error ?? new Error("reading the decide options threw");
    }
    const decided = decideInSpan(request, span, optionsError, approval);
    if (span === null) return decided instanceof Promise ? decided : Promise.resolve(decided);
    if (!(decided instanceof Promise)) {
      endSpan(span);
      return Promise.resolve(decided);
    }
    return decided.then((decision) => {
      endSpan(span);
      return decision;
    });
  }

  function wrap<F extends ToolFunction>(name: string, fn: F, identity?: IdentityResolver): GuardedFunction<F> {
    const run = fn as unknown as (...params: unknown[]) => unknown;
    return async (...params: Parameters<F>): Promise<Awaited<ReturnType<F>>> => {
      const args: unknown = params[0];
      let who: CallIdentity = {};
      let identityError: unknown;
      let approval: unknown;
      try {
        who = (typeof identity === "function" ? identity(args, params.slice(1)) : identity) ?? {};
        approval = who.approval;
      } catch (error) {
        identityError = error ?? new Error("the identity resolver threw");
      }
      const request = buildRequest(name, args, who, options);
      const span = startToolSpan(options.tracer, request);
      const decision = await decideInSpan(request, span, identityError, approval);
      if (decision.effect !== "allow" && decision.shadow !== true) {
        endSpan(span, `denied by policy: ${decision.rules.join(", ")}`);
        throw new PolicyDenied(decision, request);
      }
      try {
        const result = (await run(...params)) as Awaited<ReturnType<F>>;
        endSpan(span);
        return result;
      } catch (error) {
        endSpan(span, errorMessage(error));
        throw error;
      }
    };
  }

  function wrapTools<T extends { readonly [name: string]: ToolFunction }>(
    tools: T,
    identity?: IdentityResolver,
  ): { [K in keyof T]: T[K] extends ToolFunction ? GuardedFunction<T[K]> : never } {
    const wrapped: Record<string, unknown> = {};
    for (const [name, fn] of Object.entries(tools)) wrapped[name] = wrap(name, fn, identity);
    return wrapped as { [K in keyof T]: T[K] extends ToolFunction ? GuardedFunction<T[K]> : never };
  }

  async function recordUsage(usage: Usage): Promise<UsageResult> {
    try {
      const problem = usageProblem(usage);
      if (problem !== null) return { ok: false, error: problem };
      const charges = program.chargesFor(usage);
      const now = usage.at ?? clock();
      await store.charge(charges, now);
      return { ok: true, charges: charges.length };
    } catch (error) {
      return { ok: false, error: errorMessage(error) };
    }
  }

  /**
   * This guard's `ReviewHolder`: `wrap`'s request, span and decision, except that a pending review
   * is not audited until `audit()` (`settle`'s `hold`). Its span ends with the decision, as a
   * denied wrapped call's does. Never rejects.
   */
  async function holdReview(name: string, args: unknown, identity: () => CallIdentity | undefined): Promise<HeldDecision> {
    let identityError: unknown;
    let request: ToolRequest;
    try {
      request = buildRequest(name, args, identity() ?? {}, options);
    } catch (error) {
      identityError = error ?? new Error("the identity resolver threw");
      request = buildRequest(name, args, {}, options);
    }
    const span = startToolSpan(options.tracer, request);
    const held: { write?: () => Decision | Promise<Decision> } = {};
    const decision = await decideInSpan(request, span, identityError, undefined, (write) => {
      held.write = write;
    });
    endSpan(span, decision.effect !== "allow" && decision.shadow !== true ? `denied by policy: ${decision.rules.join(", ")}` : undefined);
    const write = held.write;
    if (write === undefined) return { request, decision, audit: () => Promise.resolve(decision) };
    let written: Promise<Decision> | null = null;
    const audit = (): Promise<Decision> => (written ??= new Promise<Decision>((resolve) => resolve(write())).catch((error: unknown) => failClosed(error)));
    return { request, decision, audit };
  }

  const guard: Guard = { policy: meta, mode: shadow ? "shadow" : "enforce", store, decide, wrap, wrapTools, recordUsage };
  reviewHolders.set(guard, holdReview);
  return guard;
}

const REDACTED = "[redacted]";

/**
 * `{ ...decision, shadow: true }`. (`Object.assign`, not a spread: in V8 a spread followed by more
 * members gives each result a map of its own, and every reader of decisions goes megamorphic.)
 */
function markShadow(decision: Decision): Decision {
  return Object.assign({}, decision, { shadow: true });
}

/** `annotateSpan`, then the decision. */
function annotated(span: SpanLike | null, decision: Decision): Decision {
  annotateSpan(span, decision);
  return decision;
}

function hasWriteSync(sink: AuditSink): sink is AuditSink & { writeSync(entry: AuditEntry): void } {
  return typeof sink.writeSync === "function";
}

/** Whether a verdict can never change: frozen, with frozen lists and annotations, and no errors. */
function isShareable(verdict: Verdict): boolean {
  return (
    Object.isFrozen(verdict) &&
    Object.isFrozen(verdict.rules) &&
    Object.isFrozen(verdict.reasons) &&
    verdict.errors.length === 0 &&
    (verdict.annotations === undefined || Object.isFrozen(verdict.annotations))
  );
}

/** Freezes a decision built by `buildDecision` (its lists, errors and annotations too). */
function freezeDecision(decision: Decision): Decision {
  Object.freeze(decision.rules);
  Object.freeze(decision.reasons);
  Object.freeze(decision.errors);
  if (decision.annotations !== undefined) Object.freeze(decision.annotations);
  return Object.freeze(decision);
}
const MAX_TIMER_MS = 2_147_483_647;

function reviewRecord(review: { by: string; note?: string; status: "approved" | "rejected" }): NonNullable<Decision["review"]> {
  const approved = review.status === "approved";
  return review.note === undefined ? { approved, by: review.by } : { approved, by: review.by, note: review.note };
}

/** How a review settled by a host's answer ended (the answer checked as a reviewer's is). */
function reviewOutcome(answer: unknown): ReviewOutcome {
  try {
    const a = answer as Partial<ReviewAnswer> | null;
    if (a === null || typeof a !== "object" || typeof a.approved !== "boolean" || typeof a.by !== "string") {
      return { status: "error", message: "the approval given to the guard is not { approved: boolean, by: string }" };
    }
    const status = a.approved ? "approved" : "rejected";
    return typeof a.note === "string" ? { status, by: a.by, note: a.note } : { status, by: a.by };
  } catch (error) {
    return { status: "error", message: `the approval given to the guard could not be read: ${errorMessage(error)}` };
  }
}

/** Asks the reviewer; resolves (never rejects) with how the review ended. */
async function askReviewer(
  reviewer: Reviewer,
  request: ToolRequest,
  pending: Decision,
  timeoutMs: number,
): Promise<ReviewOutcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<ReviewOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ status: "timeout", afterMs: timeoutMs }), timeoutMs);
  });
  const answered = Promise.resolve()
    .then(() => reviewer(request, pending))
    .then(
      (answer): ReviewOutcome => {
        if (answer === null || typeof answer !== "object" || typeof answer.approved !== "boolean" || typeof answer.by !== "string") {
          return { status: "error", message: "the reviewer's answer is not { approved: boolean, by: string }" };
        }
        const status = answer.approved ? "approved" : "rejected";
        return typeof answer.note === "string" ? { status, by: answer.by, note: answer.note } : { status, by: answer.by };
      },
      (error: unknown): ReviewOutcome => ({ status: "error", message: errorMessage(error) }),
    );
  try {
    return await Promise.race([answered, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function buildRequest(name: string, args: unknown, who: CallIdentity, defaults: GuardOptions): ToolRequest {
  const agent = who.agent ?? defaults.agent;
  const context = who.context ?? defaults.context;
  const session = who.session ?? defaults.session;
  return {
    agent: agent as string,
    tool: name,
    ...(args === undefined ? {} : { args }),
    ...(context === undefined ? {} : { context }),
    ...(session === undefined ? {} : { session }),
    ...(who.callId === undefined ? {} : { callId: who.callId }),
  };
}

function auditRequest(request: ToolRequest, args: unknown, wellFormed: boolean): AuditedRequest {
  const r = (request ?? {}) as Partial<Record<keyof ToolRequest, unknown>>;
  return new AuditedRequest(
    typeof r.agent === "string" ? r.agent : "",
    typeof r.tool === "string" ? r.tool : "",
    wellFormed ? args : r.args === undefined ? undefined : REDACTED,
    r.context,
    typeof r.session === "string" ? r.session : "",
    typeof r.callId === "string" ? r.callId : undefined,
  );
}

/** Why `request` cannot be decided, or null. */
function requestProblem(request: unknown): string | null {
  if (request === null || typeof request !== "object" || Array.isArray(request)) return "a request must be a JSON object";
  const r = request as Record<string, unknown>;
  if (typeof r.agent !== "string") return "`agent` must be a string (give `agent` to createGuard or wrap)";
  if (typeof r.tool !== "string") return "`tool` must be a string";
  if (r.session !== undefined && typeof r.session !== "string") return "`session` must be a string";
  if (r.at !== undefined && (typeof r.at !== "number" || !Number.isFinite(r.at))) return "`at` must be a finite number";
  if (r.callId !== undefined && typeof r.callId !== "string") return "`callId` must be a string";
  return null;
}

function usageProblem(usage: unknown): string | null {
  if (usage === null || typeof usage !== "object") return "a usage report must be an object";
  const u = usage as Record<string, unknown>;
  if (typeof u.agent !== "string") return "usage `agent` must be a string";
  if (u.session !== undefined && typeof u.session !== "string") return "usage `session` must be a string";
  for (const field of ["inputTokens", "outputTokens"]) {
    const n = u[field];
    if (typeof n !== "number" || !Number.isFinite(n) || n < 0) return `usage \`${field}\` must be a non-negative number`;
  }
  if (u.costUsd !== undefined && (typeof u.costUsd !== "number" || !Number.isFinite(u.costUsd) || u.costUsd < 0)) {
    return "usage `costUsd` must be a non-negative number";
  }
  if (u.at !== undefined && (typeof u.at !== "number" || !Number.isFinite(u.at))) return "usage `at` must be a finite number";
  return null;
}

function assertVerdict(verdict: Verdict): void {
  if (
    verdict === null ||
    typeof verdict !== "object" ||
    (verdict.effect !== "allow" && verdict.effect !== "deny" && verdict.effect !== "review") ||
    !Array.isArray(verdict.rules) ||
    !Array.isArray(verdict.reasons) ||
    !Array.isArray(verdict.errors)
  ) {
    throw new Error("evaluate returned a malformed verdict");
  }
}

/** `Object.keys(value).length > 0` without the array (throws on null, as `Object.keys` does). */
function hasOwnKeys(value: object): boolean {
  if (value === null) throw new TypeError("Cannot convert undefined or null to object");
  for (const key in value) if (Object.hasOwn(value, key)) return true;
  return false;
}

function isLimitKeyError(error: unknown): error is LimitKeyError {
  return (
    error instanceof LimitKeyError ||
    (error instanceof Error && error.name === "LimitKeyError" && typeof (error as { limitId?: unknown }).limitId === "string")
  );
}

function isSinkList(audit: AuditSink | readonly AuditSink[]): audit is readonly AuditSink[] {
  return Array.isArray(audit);
}

function readMeta(program: PolicyProgram): PolicyMeta {
  try {
    const { name, version, hash, source } = program.policy;
    return {
      name: typeof name === "string" ? name : "",
      version: typeof version === "string" ? version : null,
      hash: typeof hash === "string" ? hash : "",
      source: typeof source === "string" ? source : "",
    };
  } catch {
    return { name: "", version: null, hash: "", source: "" };
  }
}

/** The clock's time when it gives a finite one, else `Date.now()`; never throws. */
function wallClock(clock: () => number): number {
  try {
    const now = clock();
    return typeof now === "number" && Number.isFinite(now) ? now : Date.now();
  } catch {
    return Date.now();
  }
}

/** A message for any thrown value; never throws. */
function errorMessage(error: unknown): string {
  try {
    if (error instanceof Error) return error.message;
    return String(error);
  } catch {
    return "unprintable error";
  }
}
