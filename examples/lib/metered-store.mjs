// A LimitStore that delegates to the runtime's MemoryStore and tallies what each limit has
// consumed, so a script can show the budget left. Tallies are per limit id and counter key;
// in these short scripts nothing leaves its sliding window, so `max − used` is what remains.
import { MemoryStore } from "@agentpolicy/runtime";

export class MeteredStore {
  #inner;
  /** `id\0key` → { id, kind, key, max?, used } */
  #counters = new Map();

  constructor(inner = new MemoryStore()) {
    this.#inner = inner;
  }

  sessionView(session) {
    return this.#inner.sessionView(session);
  }

  check(attempt) {
    return this.#inner.check(attempt);
  }

  async admit(attempt) {
    const outcome = await this.#inner.admit(attempt);
    if (outcome.ok) {
      for (const c of attempt.checks) this.#add(c.id, c.kind, c.key, c.kind === "repeats" ? 0 : c.amount, c.max);
    }
    return outcome;
  }

  async charge(charges, now) {
    await this.#inner.charge(charges, now);
    for (const c of charges) this.#add(c.id, c.kind, c.key, c.amount);
  }

  close() {
    return this.#inner.close?.();
  }

  /** Makes a limit known before anything was consumed (its max comes from `program.limitsFor`). */
  declare(check) {
    this.#add(check.id, check.kind, check.key, 0, check.max);
  }

  /** `{ id, kind, key, max, used, left }` of one limit's counter (the first key when `key` is absent). */
  budget(id, key) {
    for (const c of this.#counters.values()) {
      if (c.id === id && (key === undefined || c.key === key)) {
        return { ...c, left: c.max === undefined ? undefined : Math.max(0, c.max - c.used) };
      }
    }
    return undefined;
  }

  #add(id, kind, key, amount, max) {
    const k = `${id}\u0000${key}`;
    let c = this.#counters.get(k);
    if (c === undefined) {
      c = { id, kind, key, max, used: 0 };
      this.#counters.set(k, c);
    }
    if (max !== undefined) c.max = max;
    c.used += amount;
  }
}

/** "12,500 tokens" / "$0.0325" / "2 calls" — a limit amount in its unit. */
export function formatAmount(kind, amount) {
  if (amount === undefined) return "?";
  if (kind === "cost") return `$${(amount / 1_000_000).toFixed(4)}`;
  if (kind === "tokens") return `${amount.toLocaleString("en-US")} tokens`;
  const unit = kind === "calls" ? "call" : "repeat";
  return `${amount} ${unit}${amount === 1 ? "" : "s"}`;
}
