/**
 * A lock file for processes that take turns at a file (a shared audit log, the `hook --state`
 * journal): `LOCK` is created exclusively and holds the holder's process id.
 *
 * INVARIANT: while `withFileLock` runs `fn`, no other process that uses `withFileLock` on the
 * same `LOCK` runs its own. A lock whose process is gone (it died holding it) or that is older
 * than `staleMs` is taken over; a live holder is waited for, at most `waitMs`, then the call
 * rejects naming the lock. Best effort against two processes taking over one stale lock at the
 * same instant.
 */
import { readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";

export interface FileLockOptions {
  /** How long to wait for a live holder; default 10 s. */
  readonly waitMs?: number;
  /** A lock older than this is taken over whoever holds it; default 60 s. */
  readonly staleMs?: number;
}

/** The last call in this process for each lock: calls of one process queue here, not on the file. */
const queues = new Map<string, Promise<unknown>>();

/** Runs `fn` holding `lock`; releases it however `fn` ends. Calls in one process run one after another. */
export function withFileLock<T>(lock: string, fn: () => T | Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const before = queues.get(lock) ?? Promise.resolve();
  const run = before.then(
    () => holding(lock, fn, options),
    () => holding(lock, fn, options),
  );
  const done = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(lock, done);
  void done.then(() => {
    if (queues.get(lock) === done) queues.delete(lock);
  });
  return run;
}

async function holding<T>(lock: string, fn: () => T | Promise<T>, options: FileLockOptions): Promise<T> {
  await acquire(lock, options.waitMs ?? 10_000, options.staleMs ?? 60_000);
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      // already gone
    }
  }
}

/** Whether a process with id `pid` exists (on this host, in this PID namespace). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function acquire(lock: string, waitMs: number, staleMs: number): Promise<void> {
  const started = Date.now();
  for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx", mode: 0o600 });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    try {
      const holder = Number(readFileSync(lock, "utf8").trim());
      const gone = Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && !processAlive(holder);
      if (gone || Date.now() - statSync(lock).mtimeMs > staleMs) {
        unlinkSync(lock);
        continue;
      }
    } catch {
      continue; // released meanwhile
    }
    if (Date.now() - started > waitMs) throw new Error(`${lock} is held by another run`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
