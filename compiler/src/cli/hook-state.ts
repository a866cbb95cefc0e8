/**
 * `hook --state FILE`: limits and session labels kept across hook runs (each run is a fresh
 * process). The file is a JSON Lines journal of what changed the limit store — every admitted call
 * (`LimitStore.admit` that succeeded) and every usage charge — after an optional first line that
 * is a snapshot of the store (`MemoryStore.snapshot`). A run rebuilds the exact store by restoring
 * the snapshot and replaying the rest into it, decides, and appends what it changed; once the
 * journal is longer than `COMPACT_AFTER` lines, the run rewrites it as the snapshot alone (written
 * beside it, then renamed over it), so the file holds the live state, not the whole history.
 *
 * The journal also holds the calls a run answered `ask` (a `review`), by their `tool_use_id`,
 * until the PostToolUse of the call (which means the user approved it) takes them, or for a day:
 * `held` and `taken` entries, and the snapshot's `held` list.
 *
 * INVARIANT: replaying the same admits and charges in the same order into the same store
 * reproduces its state exactly (the store is deterministic, and a restored snapshot answers as the
 * store it was taken from), so a replayed admit succeeds again. A run holds `FILE.lock` (created
 * exclusively, holding its pid) from reading to writing, so concurrent hooks are serialized; a
 * lock whose process is gone, or older than a minute, is taken over (the runtime's `withFileLock`). Delete the file to reset every limit and label.
 */
import { appendFileSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { MemoryStore, withFileLock, type LimitAttempt, type LimitOutcome, type LimitStore, type SessionView, type ToolRequest, type UsageCharge } from "@agentpolicy/runtime";

type JournalEntry =
  | { readonly kind: "admit"; readonly attempt: LimitAttempt }
  | { readonly kind: "charge"; readonly charges: readonly UsageCharge[]; readonly now: number }
  | { readonly kind: "held"; readonly id: string; readonly request: ToolRequest; readonly at: number }
  | { readonly kind: "taken"; readonly id: string }
  | { readonly kind: "snapshot"; readonly store: unknown; readonly held?: readonly (readonly [string, ToolRequest, number])[] };

/**
 * Calls answered `ask`, held until the user's approval shows (the call's PostToolUse), by the
 * coding agent's `tool_use_id`: in the `--state` journal (here) or in Redis (`hook-held-redis.ts`).
 * Both reject on failure (I/O, Redis), and a call is taken once only.
 */
export interface HeldReviews {
  /** Holds `request`, answered `ask` at `at` (ms since the epoch), under `id`. */
  hold(id: string, request: ToolRequest, at: number): Promise<void>;
  /** The request held under `id`, no longer held; undefined when none is. */
  take(id: string): Promise<ToolRequest | undefined>;
}

/** A call held this long without its PostToolUse was not approved: compaction drops it. */
export const HELD_FOR_MS = 86_400_000;

/** A journal longer than this many lines is rewritten as one snapshot (unless told otherwise). */
export const COMPACT_AFTER = 500;


/** Runs `fn` with the store the journal at `file` describes, then appends what `fn` changed. Throws on I/O or a corrupt journal. */
export async function withHookState<T>(
  file: string,
  fn: (store: LimitStore, held: HeldReviews) => Promise<T>,
  options: { readonly compactAfter?: number } = {},
): Promise<T> {
  const compactAfter = options.compactAfter ?? COMPACT_AFTER;
  return withFileLock(`${file}.lock`, async () => {
    let store = new MemoryStore();
    const held = new Map<string, { readonly request: ToolRequest; readonly at: number }>();
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    const lines = text.split("\n");
    let kept = 0;
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].trim() === "") continue;
      const entry = parseEntry(lines[i], i + 1, file);
      if (entry.kind === "snapshot") {
        if (kept > 0) throw new Error(`${file}:${i + 1}: a snapshot may only be the first entry`);
        try {
          store = MemoryStore.fromSnapshot(entry.store);
        } catch (e) {
          throw new Error(`${file}:${i + 1}: ${(e as Error).message}`);
        }
        for (const [id, request, at] of entry.held ?? []) held.set(id, { request, at });
      } else if (entry.kind === "held") held.set(entry.id, { request: entry.request, at: entry.at });
      else if (entry.kind === "taken") held.delete(entry.id);
      else if (entry.kind === "charge") await store.charge(entry.charges, entry.now);
      else if (!(await store.admit(entry.attempt)).ok) throw new Error(`${file}:${i + 1}: the journal does not replay (was it edited?)`);
      kept++;
    }
    const journal: JournalEntry[] = [];
    const recording: LimitStore = {
      sessionView: (session: string): Promise<SessionView> => store.sessionView(session),
      check: (attempt: LimitAttempt): Promise<LimitOutcome> => store.check(attempt),
      admit: async (attempt: LimitAttempt): Promise<LimitOutcome> => {
        const outcome = await store.admit(attempt);
        if (outcome.ok) journal.push({ kind: "admit", attempt });
        return outcome;
      },
      charge: async (charges: readonly UsageCharge[], now: number): Promise<void> => {
        await store.charge(charges, now);
        journal.push({ kind: "charge", charges, now });
      },
    };
    const reviews: HeldReviews = {
      async hold(id, request, at) {
        held.set(id, { request, at });
        journal.push({ kind: "held", id, request, at });
      },
      async take(id) {
        const found = held.get(id);
        if (found === undefined) return undefined;
        held.delete(id);
        journal.push({ kind: "taken", id });
        return found.request;
      },
    };
    const result = await fn(recording, reviews);
    if (journal.length > 0 && kept + journal.length > compactAfter) {
      const partial = `${file}.${process.pid}.tmp`;
      const since = Date.now() - HELD_FOR_MS;
      const stillHeld = [...held].filter(([, h]) => h.at >= since).map(([id, h]) => [id, h.request, h.at] as const);
      writeFileSync(partial, `${JSON.stringify({ kind: "snapshot", store: store.snapshot(), held: stillHeld })}\n`, { mode: 0o600 });
      renameSync(partial, file);
    } else if (journal.length > 0) appendFileSync(file, journal.map((e) => `${JSON.stringify(e)}\n`).join(""), { mode: 0o600 });
    return result;
  });
}

function parseEntry(line: string, n: number, file: string): JournalEntry {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new Error(`${file}:${n}: not JSON`);
  }
  const e = v as Partial<Record<string, unknown>> | null;
  if (e !== null && typeof e === "object" && e.kind === "admit" && typeof e.attempt === "object" && e.attempt !== null) return e as unknown as JournalEntry;
  if (e !== null && typeof e === "object" && e.kind === "charge" && Array.isArray(e.charges) && typeof e.now === "number") return e as unknown as JournalEntry;
  if (e !== null && typeof e === "object" && e.kind === "snapshot" && typeof e.store === "object" && e.store !== null && (e.held === undefined || Array.isArray(e.held))) {
    return e as unknown as JournalEntry;
  }
  if (e !== null && typeof e === "object" && e.kind === "held" && typeof e.id === "string" && typeof e.request === "object" && e.request !== null && typeof e.at === "number") {
    return e as unknown as JournalEntry;
  }
  if (e !== null && typeof e === "object" && e.kind === "taken" && typeof e.id === "string") return e as unknown as JournalEntry;
  throw new Error(`${file}:${n}: not a journal entry`);
}

