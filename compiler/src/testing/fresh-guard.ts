/**
 * Deciding a generated request the way an invariant means it (LANGUAGE.md §12 "Invariants
 * and tests"): through the real guard (`createGuard` around the compiled program), in a
 * session carrying the generated labels and earlier counts, with fresh limits.
 *
 * A fresh limit can still deny (`limit x to 0 calls ...`, a call costing more than a `cost`
 * limit, a `by` key that errs), so limits are checked, against a new `MemoryStore` for every
 * request; only the session view comes from the sample.
 */
import {
  createGuard,
  MemoryStore,
  type Decision,
  type LimitAttempt,
  type LimitOutcome,
  type LimitStore,
  type PolicyProgram,
  type SessionView,
  type ToolRequest,
  type UsageCharge,
} from "@agentpolicy/runtime";
import { sessionViewOf, type SessionSample } from "./generators.js";

/** The clock of tests and generated requests (a fixed instant: 2023-11-14T22:13:20Z). */
export const FIXED_NOW = 1_700_000_000_000;

/** A store whose session view is given and whose counters start empty. */
class FreshLimitStore implements LimitStore {
  private readonly counters = new MemoryStore();
  constructor(private readonly view: SessionView) {}
  sessionView(): Promise<SessionView> {
    return Promise.resolve(this.view);
  }
  admit(attempt: LimitAttempt): Promise<LimitOutcome> {
    return this.counters.admit(attempt);
  }
  check(attempt: LimitAttempt): Promise<LimitOutcome> {
    return this.counters.check(attempt);
  }
  charge(charges: readonly UsageCharge[], now: number): Promise<void> {
    return this.counters.charge(charges, now);
  }
}

/** Decides one request with fresh limits in a session described by `session`. Never rejects. */
export function decideFresh(program: PolicyProgram, request: ToolRequest, session: SessionSample): Promise<Decision> {
  const guard = createGuard(program, { store: new FreshLimitStore(sessionViewOf(session)), clock: () => FIXED_NOW });
  return guard.decide({ ...request, at: FIXED_NOW });
}
