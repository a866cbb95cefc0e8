/**
 * The limit store: where limit counters and session state live. `MemoryStore` (one process) and
 * the Redis store (many processes) implement this one interface.
 *
 * Semantics (LANGUAGE.md §7 and §12 "Limits", "Sessions", "Time"), for a check `c` keyed by
 * `(c.id, c.key)` at time `now`:
 * - `calls`: passes when the amounts counted in `(now − window, now]` are fewer than `c.max`
 *   (an entry at exactly `now − window` is outside); consumes `c.amount` (1).
 * - `tokens`: denied when the tokens charged in the window are ≥ `c.max`; consumes `c.amount` (0).
 * - `cost`: denied when spent-in-window + `c.amount` > `c.max`; consumes `c.amount` (micro-dollars).
 * - `repeats`: the counter holds the trailing run of identical fingerprints among admitted calls;
 *   denied when `c.fingerprint` equals the run's and the run's length is ≥ `c.max`; admitting a
 *   call extends the run or restarts it at 1 with the new fingerprint.
 * - window `"session"`: nothing expires (the key already names the session, see `limitKey`).
 * - time never runs backwards: a `now` earlier than the latest the store has seen counts as that latest.
 */

import type { LimitCheck, SessionView, UsageCharge } from "./types.js";

/** One call to be admitted (or only checked) against its limits. */
export interface LimitAttempt {
  /** Every limit that applies to the call, in source order; the first failing one is reported. */
  readonly checks: readonly LimitCheck[];
  /** Session id (`""` when the request has none). */
  readonly session: string;
  /** The qualified tool (`inv.search`) whose session count an admitted call increments. */
  readonly tool: string;
  /** Labels the session gains when the call is admitted (`PolicyProgram.labelsFor`). */
  readonly labels: readonly string[];
  /** Milliseconds since the epoch. */
  readonly now: number;
}

/** `ok`, or the first check (in array order) that would be exceeded. */
export type LimitOutcome = { readonly ok: true } | { readonly ok: false; readonly failed: LimitCheck };

export interface LimitStore {
  /** A snapshot of the session's labels and allowed-call counts per qualified tool, for `evaluate`. */
  sessionView(session: string): Promise<SessionView>;
  /**
   * ONE atomic step: check every limit of `attempt.checks`; when all pass, consume all of them and
   * record the allowed call (session count of `tool` + 1, `labels` attached, repeat runs updated);
   * otherwise change nothing and return the first failing check.
   */
  admit(attempt: LimitAttempt): Promise<LimitOutcome>;
  /** The check of `admit` without consuming or recording anything (a pending review). */
  check(attempt: LimitAttempt): Promise<LimitOutcome>;
  /** Adds usage (tokens, micro-dollars) to `tokens` and `cost` counters at `now`. */
  charge(charges: readonly UsageCharge[], now: number): Promise<void>;
  /** Releases connections or timers, when the store holds any. */
  close?(): Promise<void>;
}

const KINDS: ReadonlySet<string> = new Set(["calls", "tokens", "cost", "repeats"]);

/**
 * Throws `TypeError` unless `check` is well formed: a known kind, a finite `max`, a finite
 * non-negative `amount`, a window that is a non-negative number or `"session"` (`null` for
 * `repeats`), a string key and, for `repeats`, a string fingerprint. Stores call it before touching
 * anything, so a malformed check fails the whole attempt (the guard then denies).
 */
export function assertLimitCheck(check: LimitCheck): void {
  if (check === null || typeof check !== "object") throw new TypeError("a limit check must be an object");
  if (typeof check.id !== "string" || typeof check.key !== "string") throw new TypeError("a limit check needs a string id and key");
  if (!KINDS.has(check.kind)) throw new TypeError(`limit \`${check.id}\` has an unknown kind ${JSON.stringify(check.kind)}`);
  if (typeof check.max !== "number" || !Number.isFinite(check.max)) throw new TypeError(`limit \`${check.id}\` has no finite max`);
  if (check.kind === "repeats") {
    if (typeof check.fingerprint !== "string") throw new TypeError(`repeats limit \`${check.id}\` needs a fingerprint`);
    return;
  }
  if (typeof check.amount !== "number" || !Number.isFinite(check.amount) || check.amount < 0) {
    throw new TypeError(`limit \`${check.id}\` has an invalid amount`);
  }
  assertWindow(check.id, check.window);
}

/** Throws `TypeError` unless `charge` is a well-formed tokens or cost charge. */
export function assertUsageCharge(charge: UsageCharge): void {
  if (charge === null || typeof charge !== "object") throw new TypeError("a usage charge must be an object");
  if (typeof charge.id !== "string" || typeof charge.key !== "string") throw new TypeError("a usage charge needs a string id and key");
  if (charge.kind !== "tokens" && charge.kind !== "cost") throw new TypeError(`usage charge \`${charge.id}\` must be tokens or cost`);
  if (typeof charge.amount !== "number" || !Number.isFinite(charge.amount) || charge.amount < 0) {
    throw new TypeError(`usage charge \`${charge.id}\` has an invalid amount`);
  }
  assertWindow(charge.id, charge.window);
}

/** Throws `TypeError` unless `now` is a finite number. */
export function assertTime(now: number): void {
  if (typeof now !== "number" || !Number.isFinite(now)) throw new TypeError("the time must be a finite number of milliseconds");
}

function assertWindow(id: string, window: unknown): void {
  if (window === "session") return;
  if (typeof window !== "number" || !(window >= 0) || window === Infinity) {
    throw new TypeError(`limit \`${id}\` has an invalid window ${JSON.stringify(window)}`);
  }
}
