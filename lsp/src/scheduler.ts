/**
 * When diagnostics are computed after edits: debounced by `delay` ms per document, with
 * a fast path for an isolated edit.
 *
 * - An edit that follows the previous one by `delay` ms or more is checked after `settle`
 *   ms (default 25): long enough for the completion or hover request an editor sends with
 *   a keystroke to be answered first (a check holds the event loop), short enough to keep
 *   diagnostics prompt.
 * - An edit within `delay` ms of the previous one (typing) postpones the check until
 *   `delay` ms after the latest edit, so a burst is checked once, at its end.
 * A check always reads the newest version, so no edit is ever left unchecked.
 */
export class Scheduler {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly lastEdit = new Map<string, number>();

  constructor(
    private delay: number,
    private readonly run: (key: string) => void,
    private readonly now: () => number = () => performance.now(),
    private readonly settle = 25,
  ) {}

  setDelay(ms: number): void {
    if (Number.isFinite(ms) && ms >= 0) this.delay = ms;
  }

  /** An edit happened (or a dependency changed): check `key` soon. */
  schedule(key: string): void {
    const now = this.now();
    const quiet = now - (this.lastEdit.get(key) ?? Number.NEGATIVE_INFINITY) >= this.delay;
    this.lastEdit.set(key, now);
    const pending = this.timers.get(key);
    if (pending !== undefined) clearTimeout(pending);
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        this.run(key);
      },
      quiet ? Math.min(this.settle, this.delay) : this.delay,
    );
    this.timers.set(key, timer);
  }

  cancel(key: string): void {
    const t = this.timers.get(key);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(key);
    this.lastEdit.delete(key);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
