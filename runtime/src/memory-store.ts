/**
 * `MemoryStore`: the default, single-process `LimitStore` with exact sliding windows.
 *
 * INVARIANT (atomicity): every method does all of its reading and writing synchronously, with no
 * `await` in between, so concurrent callers in one process are serialized by the event loop and
 * N concurrent admits against a limit with R remaining admit exactly R.
 * INVARIANT (order): the store's clock never runs backwards, so every counter's entries are sorted
 * by time and expire from the front.
 * Memory: expired entries are dropped whenever a counter is touched, and every store operation pays
 * for sweeping a bounded share of all counters, sessions and repeat runs, so state that is never
 * touched again is dropped too once it expires. Session state (labels, counts, repeat runs and
 * `per session` counters) expires `sessionTtlMs` (default 7 days, as in the Redis store) after its
 * last write, in store time: from then on it reads as absent whether or not a sweep has dropped it.
 * Every async method is a thin wrapper over a synchronous twin (`admitSync`, `checkSync`,
 * `chargeSync`; `peekSession` for `sessionView` without the copy); the guard calls the twins
 * directly when it may (`synchronousMemoryStore`), so a decision costs no promise per store call.
 */

import { assertLimitCheck, assertTime, assertUsageCharge } from "./store.js";
import type { LimitAttempt, LimitOutcome, LimitStore } from "./store.js";
import type { LimitCheck, SessionView, UsageCharge } from "./types.js";

/** Timestamped amounts of one `(limit id, key)` counter. */
class WindowCounter {
  /** Milliseconds; `Infinity` for a `per session` window (nothing expires). */
  window: number;
  /** Store time of the last `add` (a `per session` counter expires with its session's state). */
  touched = -Infinity;
  private times: number[] = [];
  private amounts: number[] = [];
  private head = 0;
  private total = 0;

  constructor(window: number) {
    this.window = window;
  }

  /** Drops entries at or before `now − window`; returns the sum of what remains. */
  sumAt(now: number): number {
    const cutoff = now - this.window;
    while (this.head < this.times.length && this.times[this.head] <= cutoff) {
      this.total -= this.amounts[this.head];
      this.head++;
    }
    if (this.head > 32 && this.head * 2 >= this.times.length) {
      this.times = this.times.slice(this.head);
      this.amounts = this.amounts.slice(this.head);
      this.head = 0;
      this.total = this.amounts.reduce((a, b) => a + b, 0);
    }
    if (this.head === this.times.length) this.total = 0;
    return this.total;
  }

  add(now: number, amount: number): void {
    if (amount === 0) return;
    this.touched = now;
    if (this.window === Infinity) {
      // nothing ever expires: one running total is exact
      if (this.times.length === 0) {
        this.times.push(now);
        this.amounts.push(0);
      }
      this.amounts[0] += amount;
      this.total += amount;
      return;
    }
    this.times.push(now);
    this.amounts.push(amount);
    this.total += amount;
  }

  get entries(): number {
    return this.times.length - this.head;
  }

  /** Appends an entry as it was (a snapshot's), without merging: `fromSnapshot` only. */
  restoreEntry(time: number, amount: number): void {
    this.times.push(time);
    this.amounts.push(amount);
    this.total += amount;
  }

  /** The live entries, oldest first, as `[time, amount]` pairs. */
  liveEntries(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = this.head; i < this.times.length; i++) out.push([this.times[i], this.amounts[i]]);
    return out;
  }
}

interface RepeatRun {
  fingerprint: string;
  length: number;
  /** Store time of the last call that extended or started the run. */
  touched: number;
}

interface SessionState {
  readonly labels: Set<string>;
  readonly counts: Map<string, number>;
  /** Store time of the last allowed call of the session. */
  touched: number;
}

export interface MemoryStoreOptions {
  /**
   * How long session state (labels, counts, repeat runs, `per session` counters) lives after its
   * last write, in store time (milliseconds); default 7 days, as in the Redis store. `Infinity`
   * keeps it as long as the store.
   */
  readonly sessionTtlMs?: number;
}

/**
 * A `MemoryStore`'s state as plain JSON (`MemoryStore.snapshot`, `MemoryStore.fromSnapshot`):
 * restored, it answers every operation exactly as the store it was taken from. Times are the
 * store's clock; `null` stands for "never" (before any operation).
 */
export interface MemoryStoreSnapshot {
  readonly version: 1;
  readonly latest: number | null;
  /** `[counter id, window ms or "session", last write, [time, amount][] oldest first]`. */
  readonly counters: readonly (readonly [string, number | "session", number | null, readonly (readonly [number, number])[]])[];
  /** `[counter id, fingerprint, run length, last write]`. */
  readonly runs: readonly (readonly [string, string, number, number])[];
  /** `[session id, labels, [tool, allowed calls][], last write]`. */
  readonly sessions: readonly (readonly [string, readonly string[], readonly (readonly [string, number])[], number])[];
}

/** The default `sessionTtlMs` of both stores: 7 days. */
export const DEFAULT_SESSION_TTL_MS = 7 * 86_400_000;

/** Sizes, for tests and monitoring. */
export interface MemoryStoreStats {
  /** Window counters held (including `per session` ones). */
  readonly counters: number;
  /** Timestamped entries held across all window counters. */
  readonly entries: number;
  readonly sessions: number;
  readonly repeatRuns: number;
}

/**
 * The default `LimitStore`: exact sliding windows in this process's memory. Share one instance
 * between guards that must share limits; use the Redis store to share across processes.
 */
export class MemoryStore implements LimitStore {
  private latest = -Infinity;
  private readonly sessionTtlMs: number;
  private readonly counters = new Map<string, WindowCounter>();
  private readonly runs = new Map<string, RepeatRun>();
  private readonly sessions = new Map<string, SessionState>();
  private sweepCursor: Iterator<[string, WindowCounter]> | null = null;
  private sessionCursor: Iterator<[string, SessionState]> | null = null;
  private runCursor: Iterator<[string, RepeatRun]> | null = null;

  constructor(options: MemoryStoreOptions = {}) {
    const ttl = options.sessionTtlMs;
    this.sessionTtlMs = typeof ttl === "number" && ttl > 0 ? ttl : DEFAULT_SESSION_TTL_MS;
  }

  async sessionView(session: string): Promise<SessionView> {
    const state = this.liveSession(String(session));
    return { labels: new Set(state?.labels), counts: new Map(state?.counts) };
  }

  async admit(attempt: LimitAttempt): Promise<LimitOutcome> {
    return this.admitSync(attempt);
  }

  async check(attempt: LimitAttempt): Promise<LimitOutcome> {
    return this.checkSync(attempt);
  }

  async charge(charges: readonly UsageCharge[], now: number): Promise<void> {
    this.chargeSync(charges, now);
  }

  /**
   * The session's labels and counts for `evaluate`, without a copy: a read-only view of the live
   * state (`sessionView` returns a snapshot). Valid until the store next changes; do not keep it.
   */
  peekSession(session: string): SessionView {
    return this.liveSession(String(session)) ?? EMPTY_SESSION;
  }

  /** `admit`, synchronously: returns the outcome, throws `TypeError` on a malformed attempt. */
  admitSync(attempt: LimitAttempt): LimitOutcome {
    const now = this.tick(attempt.now);
    const checks = attempt.checks;
    for (let i = 0; i < checks.length; i++) assertLimitCheck(checks[i]);
    const failed = this.firstFailing(checks, now);
    if (failed !== null) return { ok: false, failed };
    for (let i = 0; i < checks.length; i++) this.consume(checks[i], now);
    const session = this.sessionState(String(attempt.session));
    session.touched = now;
    session.counts.set(attempt.tool, (session.counts.get(attempt.tool) ?? 0) + 1);
    for (const label of attempt.labels) session.labels.add(label);
    return { ok: true };
  }

  /** `check`, synchronously: returns the outcome, throws `TypeError` on a malformed attempt. */
  checkSync(attempt: LimitAttempt): LimitOutcome {
    const now = this.tick(attempt.now);
    const checks = attempt.checks;
    for (let i = 0; i < checks.length; i++) assertLimitCheck(checks[i]);
    const failed = this.firstFailing(checks, now);
    return failed === null ? { ok: true } : { ok: false, failed };
  }

  /** `charge`, synchronously: throws `TypeError` on a malformed charge, charging nothing. */
  chargeSync(charges: readonly UsageCharge[], now: number): void {
    const at = this.tick(now);
    for (const charge of charges) assertUsageCharge(charge);
    for (const charge of charges) {
      if (charge.amount === 0) continue;
      this.counter(charge.id, charge.key, charge.window).add(at, charge.amount);
    }
  }

  async close(): Promise<void> {}

  /** The store's state as JSON-ready data (what has expired left out). */
  snapshot(): MemoryStoreSnapshot {
    const never = (t: number): number | null => (Number.isFinite(t) ? t : null);
    const counters: [string, number | "session", number | null, [number, number][]][] = [];
    for (const [id, counter] of this.counters) {
      if (this.liveCounter(id) === undefined) continue;
      counter.sumAt(this.latest); // drops the entries that left the window
      const entries = counter.liveEntries();
      if (entries.length > 0) counters.push([id, counter.window === Infinity ? "session" : counter.window, never(counter.touched), entries]);
    }
    const runs: [string, string, number, number][] = [];
    for (const id of [...this.runs.keys()]) {
      const run = this.liveRun(id);
      if (run !== undefined) runs.push([id, run.fingerprint, run.length, run.touched]);
    }
    const sessions: [string, string[], [string, number][], number][] = [];
    for (const id of [...this.sessions.keys()]) {
      const state = this.liveSession(id);
      if (state !== undefined) sessions.push([id, [...state.labels], [...state.counts], state.touched]);
    }
    return { version: 1, latest: never(this.latest), counters, runs, sessions };
  }

  /** A store in the state `snapshot` describes. Throws `TypeError` on anything that is not a snapshot. */
  static fromSnapshot(snapshot: unknown, options: MemoryStoreOptions = {}): MemoryStore {
    const bad = (what: string): never => {
      throw new TypeError(`not a MemoryStore snapshot: ${what}`);
    };
    const s = snapshot as Partial<MemoryStoreSnapshot> | null;
    if (s === null || typeof s !== "object" || s.version !== 1) bad("no `version: 1`");
    const snap = s as MemoryStoreSnapshot;
    const time = (t: unknown, what: string): number => (typeof t === "number" && Number.isFinite(t) ? t : bad(`${what} is not a finite time`));
    const store = new MemoryStore(options);
    if (snap.latest !== null) store.latest = time(snap.latest, "`latest`");
    if (!Array.isArray(snap.counters) || !Array.isArray(snap.runs) || !Array.isArray(snap.sessions)) bad("`counters`, `runs` or `sessions` is not a list");
    for (const c of snap.counters) {
      if (!Array.isArray(c) || typeof c[0] !== "string" || !Array.isArray(c[3])) bad("a counter is not [id, window, last write, entries]");
      const window = c[1] === "session" ? Infinity : typeof c[1] === "number" && c[1] >= 0 ? c[1] : bad(`counter ${JSON.stringify(c[0])} has no window`);
      const counter = new WindowCounter(window);
      let previous = -Infinity;
      for (const entry of c[3]) {
        const [t, amount] = Array.isArray(entry) ? entry : bad(`counter ${JSON.stringify(c[0])} has an entry that is not [time, amount]`);
        const at = time(t, "an entry's time");
        if (at < previous || typeof amount !== "number" || !Number.isFinite(amount) || amount < 0) bad(`counter ${JSON.stringify(c[0])} has entries out of order or without an amount`);
        previous = at;
        counter.restoreEntry(at, amount);
      }
      counter.touched = c[2] === null ? -Infinity : time(c[2], "a counter's last write");
      store.counters.set(c[0], counter);
    }
    for (const r of snap.runs) {
      if (!Array.isArray(r) || typeof r[0] !== "string" || typeof r[1] !== "string" || !Number.isInteger(r[2]) || (r[2] as number) < 1) {
        bad("a repeat run is not [id, fingerprint, length, last write]");
      }
      store.runs.set(r[0], { fingerprint: r[1], length: r[2], touched: time(r[3], "a run's last write") });
    }
    for (const x of snap.sessions) {
      if (!Array.isArray(x) || typeof x[0] !== "string" || !Array.isArray(x[1]) || !Array.isArray(x[2])) bad("a session is not [id, labels, counts, last write]");
      const labels = new Set<string>();
      for (const label of x[1]) labels.add(typeof label === "string" ? label : bad(`session ${JSON.stringify(x[0])} has a label that is not a string`));
      const counts = new Map<string, number>();
      for (const pair of x[2]) {
        if (!Array.isArray(pair) || typeof pair[0] !== "string" || !Number.isInteger(pair[1]) || (pair[1] as number) < 0) bad(`session ${JSON.stringify(x[0])} has a count that is not [tool, calls]`);
        counts.set(pair[0], pair[1]);
      }
      store.sessions.set(x[0], { labels, counts, touched: time(x[3], "a session's last write") });
    }
    return store;
  }

  stats(): MemoryStoreStats {
    let entries = 0;
    for (const counter of this.counters.values()) entries += counter.entries;
    return { counters: this.counters.size, entries, sessions: this.sessions.size, repeatRuns: this.runs.size };
  }

  /** Whether state last written at `touched` has outlived `sessionTtlMs` (at the store's time). */
  private expired(touched: number): boolean {
    return touched <= this.latest - this.sessionTtlMs;
  }

  /** The session's state, unless it expired (then it is dropped). */
  private liveSession(session: string): SessionState | undefined {
    const state = this.sessions.get(session);
    if (state === undefined || !this.expired(state.touched)) return state;
    this.sessions.delete(session);
    return undefined;
  }

  /** The repeat run of a counter, unless it expired (then it is dropped). */
  private liveRun(id: string): RepeatRun | undefined {
    const run = this.runs.get(id);
    if (run === undefined || !this.expired(run.touched)) return run;
    this.runs.delete(id);
    return undefined;
  }

  /** Clamps `now` to the latest time seen and sweeps a few counters. */
  private tick(now: number): number {
    assertTime(now);
    if (now > this.latest) this.latest = now;
    this.sweep(4);
    return this.latest;
  }

  private firstFailing(checks: readonly LimitCheck[], now: number): LimitCheck | null {
    for (let i = 0; i < checks.length; i++) if (this.exceeds(checks[i], now)) return checks[i];
    return null;
  }

  private exceeds(check: LimitCheck, now: number): boolean {
    const id = counterId(check.id, check.key);
    if (check.kind === "repeats") {
      const run = this.liveRun(id);
      return run !== undefined && run.fingerprint === check.fingerprint && run.length >= check.max;
    }
    const counter = this.liveCounter(id);
    const used = counter === undefined ? 0 : counter.sumAt(now);
    switch (check.kind) {
      case "calls":
      case "tokens":
        return used >= check.max;
      case "cost":
        return used + check.amount > check.max;
    }
  }

  private consume(check: LimitCheck, now: number): void {
    if (check.kind === "repeats") {
      const id = counterId(check.id, check.key);
      const run = this.liveRun(id);
      const fingerprint = check.fingerprint as string;
      if (run !== undefined && run.fingerprint === fingerprint) {
        run.length++;
        run.touched = now;
      } else this.runs.set(id, { fingerprint, length: 1, touched: now });
      return;
    }
    if (check.amount === 0) return;
    this.counter(check.id, check.key, check.window as number | "session").add(now, check.amount);
  }

  /** The counter `id`, unless it is a `per session` counter whose session state expired (then it is dropped). */
  private liveCounter(id: string): WindowCounter | undefined {
    const counter = this.counters.get(id);
    if (counter === undefined || counter.window !== Infinity || !this.expired(counter.touched)) return counter;
    this.counters.delete(id);
    return undefined;
  }

  private counter(limitId: string, key: string, window: number | "session"): WindowCounter {
    const id = counterId(limitId, key);
    const ms = window === "session" ? Infinity : window;
    let counter = this.liveCounter(id);
    if (counter === undefined) {
      counter = new WindowCounter(ms);
      this.counters.set(id, counter);
    } else counter.window = ms;
    return counter;
  }

  private sessionState(session: string): SessionState {
    let state = this.liveSession(session);
    if (state === undefined) {
      state = { labels: new Set(), counts: new Map(), touched: this.latest };
      this.sessions.set(session, state);
    }
    return state;
  }

  /**
   * Visits up to `budget` counters, sessions and repeat runs each, round-robin, pruning counters
   * and dropping what is empty or expired.
   */
  private sweep(budget: number): void {
    this.sweepCursor = sweepSome(this.counters, this.sweepCursor, budget, this.counterIsDone);
    this.sessionCursor = sweepSome(this.sessions, this.sessionCursor, budget, this.touchedLongAgo);
    this.runCursor = sweepSome(this.runs, this.runCursor, budget, this.touchedLongAgo);
  }

  /** Whether a counter holds nothing any more (sweep predicates, made once). */
  private readonly counterIsDone = (counter: WindowCounter): boolean =>
    counter.window === Infinity ? this.expired(counter.touched) : counter.sumAt(this.latest) === 0 && counter.entries === 0;
  /** Whether session state or a run has expired. */
  private readonly touchedLongAgo = (state: { readonly touched: number }): boolean => this.expired(state.touched);
}

/**
 * Visits up to `budget` entries of `map` from `cursor` (starting over at the end), deleting those
 * `drop` says to; returns where to go on next time.
 */
function sweepSome<V>(
  map: Map<string, V>,
  cursor: Iterator<[string, V]> | null,
  budget: number,
  drop: (value: V) => boolean,
): Iterator<[string, V]> | null {
  let at = cursor;
  for (let i = 0; i < budget && map.size > 0; i++) {
    at ??= map.entries();
    const step = at.next();
    if (step.done === true) {
      at = null;
      continue;
    }
    if (drop(step.value[1])) map.delete(step.value[0]);
  }
  return at;
}

/**
 * `store` itself when it is a `MemoryStore` whose `sessionView`, `admit` and `check` are the
 * class's own (not replaced on the instance or overridden by a subclass), so that `peekSession`,
 * `admitSync` and `checkSync` answer exactly as they would; otherwise null. Lets the guard decide
 * without a promise per store call.
 */
export function synchronousMemoryStore(store: LimitStore): MemoryStore | null {
  return store instanceof MemoryStore &&
    store.sessionView === MEMORY_STORE.sessionView &&
    store.admit === MEMORY_STORE.admit &&
    store.check === MEMORY_STORE.check
    ? store
    : null;
}

const MEMORY_STORE = MemoryStore.prototype;

/** The view of a session the store has never seen (frozen: a view is read-only). */
const EMPTY_SESSION: SessionView = Object.freeze({
  labels: Object.freeze([]) as readonly string[],
  counts: Object.freeze({}) as Readonly<Record<string, number>>,
});

function counterId(limitId: string, key: string): string {
  return `${limitId}\u0000${key}`;
}
