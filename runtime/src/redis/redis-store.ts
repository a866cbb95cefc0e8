/**
 * `RedisStore`: a `LimitStore` in a Redis server, so that many agent processes on many machines
 * share one set of limits (TOOLCHAIN.md "The runtime"). Same semantics as `MemoryStore`, call for
 * call (LANGUAGE.md §7, §12 "Limits", "Sessions", "Time"): exact sliding windows, `per session`
 * counters, repeat runs, session labels and counts, and one store clock that never runs backwards
 * (the latest time any process reported, kept in Redis).
 *
 * INVARIANT (atomicity): `admit`, `check` and `charge` are each ONE Lua script (`EVALSHA`, falling
 * back to `EVAL` on `NOSCRIPT`), so N concurrent admits from any number of processes against a
 * limit with R remaining admit exactly R.
 * INVARIANT (fail closed): a connection failure, a Redis error or no answer within
 * `commandTimeoutMs` rejects with a `RedisStoreError` naming Redis; the guard turns that into a
 * deny. A timed-out command may still run later, so a failure can over-count, never under-count.
 * Recovery: a connection the store opened itself (`url`) that leaves a command unanswered for
 * `commandTimeoutMs` is dropped, and the next call opens a new one, so a half-open or wedged
 * socket cannot deny every call until a restart. `close()` waits at most `commandTimeoutMs`.
 * Memory: windowed counters expire `window + ttlMarginMs` after their last write; session state
 * (labels, counts, repeat runs, `per session` counters) `sessionTtlMs` after its last write.
 * Redis Cluster: one script touches several keys, so give a `prefix` with a hash tag
 * (`"{agentpolicy}:"`) to keep every key in one slot.
 */

import { DEFAULT_SESSION_TTL_MS } from "../memory-store.js";
import { assertLimitCheck, assertTime, assertUsageCharge } from "../store.js";
import type { LimitAttempt, LimitOutcome, LimitStore } from "../store.js";
import type { LimitCheck, SessionView, UsageCharge } from "../types.js";
import { CHARGE_SCRIPT } from "./lua/charge.js";
import { ADMIT_SCRIPT, CHECK_SCRIPT } from "./lua/limits.js";
import { SESSION_VIEW_SCRIPT } from "./lua/session-view.js";
import { luaScript, scriptRunner } from "./script-client.js";
import type { LuaScript, RedisClientLike, ScriptRunner } from "./script-client.js";

export interface RedisStoreOptions {
  /**
   * A connected client to use (node-redis `createClient()` or ioredis `new Redis()`); the store
   * never closes it. Give this or `url`.
   */
  readonly client?: RedisClientLike;
  /**
   * `redis://` or `rediss://` URL: the store creates its own node-redis client (the optional peer
   * dependency `redis`), connects on first use, reconnects after failures, and closes it in `close()`.
   */
  readonly url?: string;
  /** Prefix of every key; default `"agentpolicy:"`. Stores with the same prefix share limits. */
  readonly prefix?: string;
  /** How long one operation may wait for Redis before it fails; default 2000 ms. */
  readonly commandTimeoutMs?: number;
  /** Extra time to live of windowed counters beyond their window; default 60 000 ms. */
  readonly ttlMarginMs?: number;
  /** Time to live of session state after its last write; default 7 days. */
  readonly sessionTtlMs?: number;
}

/** Any failure of the Redis store; the message always names Redis. */
export class RedisStoreError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RedisStoreError";
  }
}

export const DEFAULT_REDIS_PREFIX = "agentpolicy:";
export const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;
export const DEFAULT_TTL_MARGIN_MS = 60_000;
export { DEFAULT_SESSION_TTL_MS };
/** The longest time to live the store sets (about 31 700 years): `PEXPIRE` wants an integer. */
const MAX_TTL_MS = 1e15;

const ADMIT = luaScript("admit", ADMIT_SCRIPT);
const CHECK = luaScript("check", CHECK_SCRIPT);
const CHARGE = luaScript("charge", CHARGE_SCRIPT);
const SESSION_VIEW = luaScript("session view", SESSION_VIEW_SCRIPT);

/** What the store needs of a client it created itself (node-redis). */
interface OwnedClient {
  connect(): Promise<unknown>;
  on(event: "error", listener: (error: unknown) => void): unknown;
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
  destroy?(): unknown;
}

export class RedisStore implements LimitStore {
  readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly marginMs: number;
  private readonly sessionTtlMs: number;
  private readonly url: string | undefined;
  private runner: Promise<ScriptRunner> | null = null;
  private owned: OwnedClient | null = null;
  /** The `runner` whose client finished connecting (only for a client the store owns). */
  private connected: Promise<ScriptRunner> | null = null;
  private lastConnectionError: string | null = null;
  private closed = false;

  /** Throws `TypeError` on bad options (neither or both of `client` and `url`, a client of an unknown kind). */
  constructor(options: RedisStoreOptions) {
    if ((options.client === undefined) === (options.url === undefined)) {
      throw new TypeError("RedisStore needs exactly one of `client` and `url`");
    }
    this.prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
    this.timeoutMs = positive(options.commandTimeoutMs, DEFAULT_COMMAND_TIMEOUT_MS);
    this.marginMs = positive(options.ttlMarginMs, DEFAULT_TTL_MARGIN_MS);
    this.sessionTtlMs = positive(options.sessionTtlMs, DEFAULT_SESSION_TTL_MS);
    this.url = options.url;
    if (options.client !== undefined) {
      const runner = scriptRunner(options.client);
      if (runner === null) throw new TypeError("RedisStore `client` must be a node-redis or an ioredis client");
      this.runner = Promise.resolve(runner);
    }
  }

  async sessionView(session: string): Promise<SessionView> {
    const reply = await this.run("session view", SESSION_VIEW, this.sessionKeys(String(session)), []);
    if (!Array.isArray(reply) || !Array.isArray(reply[0]) || !Array.isArray(reply[1])) {
      throw new RedisStoreError("Redis limit store: the session view script answered something unexpected");
    }
    const flat = reply[0] as unknown[];
    const counts = new Map<string, number>();
    for (let i = 0; i + 1 < flat.length; i += 2) counts.set(String(flat[i]), Number(flat[i + 1]));
    return { labels: new Set((reply[1] as unknown[]).map(String)), counts };
  }

  async admit(attempt: LimitAttempt): Promise<LimitOutcome> {
    return this.decide("admit", ADMIT, attempt);
  }

  async check(attempt: LimitAttempt): Promise<LimitOutcome> {
    return this.decide("check", CHECK, attempt);
  }

  async charge(charges: readonly UsageCharge[], now: number): Promise<void> {
    assertTime(now);
    try {
      for (const charge of charges) assertUsageCharge(charge);
    } catch (error) {
      await this.tick(now);
      throw error;
    }
    const keys = [this.clockKey()];
    const args = [String(now), String(charges.length)];
    for (const charge of charges) {
      keys.push(...this.counterKeys(charge.id, charge.key));
      args.push(windowArg(charge.window), String(charge.amount), this.ttlOf(charge.window));
    }
    await this.run("charge", CHARGE, keys, args);
  }

  /** Closes the client the store created from `url`; a client passed in stays open. */
  async close(): Promise<void> {
    this.closed = true;
    const owned = this.owned;
    this.owned = null;
    this.runner = null;
    if (owned === null) return;
    // A graceful close waits for pending replies, which a wedged connection never sends.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const graceful = (async () => {
      if (typeof owned.close === "function") await owned.close();
      else if (typeof owned.quit === "function") await owned.quit();
      return true;
    })().catch(() => false);
    const expired = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.timeoutMs);
    });
    const closedGracefully = await Promise.race([graceful, expired]);
    clearTimeout(timer);
    if (!closedGracefully) destroyQuietly(owned);
  }

  /**
   * Drops the store's own connection if `runner` is still current and was connected (a client
   * still connecting keeps its own reconnect backoff).
   */
  private recycle(runner: Promise<ScriptRunner>): void {
    if (this.runner !== runner || this.connected !== runner || this.owned === null) return;
    const owned = this.owned;
    this.owned = null;
    this.runner = null;
    destroyQuietly(owned);
  }

  private async decide(op: "admit" | "check", script: LuaScript, attempt: LimitAttempt): Promise<LimitOutcome> {
    assertTime(attempt.now);
    const checks = attempt.checks;
    try {
      for (const check of checks) assertLimitCheck(check);
    } catch (error) {
      // MemoryStore advances its clock before it rejects a malformed check; so does this store.
      await this.tick(attempt.now);
      throw error;
    }
    const labels = op === "admit" ? attempt.labels.map(String) : [];
    const keys = [this.clockKey(), ...this.sessionKeys(String(attempt.session))];
    const args = [String(attempt.now), String(attempt.tool), String(this.sessionTtlMs), String(checks.length), String(labels.length)];
    for (const check of checks) {
      keys.push(...(check.kind === "repeats" ? this.repeatKeys(check) : this.counterKeys(check.id, check.key)));
      args.push(
        check.kind,
        check.kind === "repeats" ? "" : windowArg(check.window as number | "session"),
        String(check.max),
        check.kind === "repeats" ? "0" : String(check.amount),
        check.kind === "repeats" ? (check.fingerprint as string) : "",
        check.kind === "repeats" ? String(this.sessionTtlMs) : this.ttlOf(check.window as number | "session"),
      );
    }
    args.push(...labels);
    const reply = await this.run(op, script, keys, args);
    const index = Number(reply);
    if (!Number.isInteger(index) || index < 0 || index > checks.length) {
      throw new RedisStoreError(`Redis limit store: the ${op} script answered ${JSON.stringify(reply)}`);
    }
    return index === 0 ? { ok: true } : { ok: false, failed: checks[index - 1] as LimitCheck };
  }

  /** Advances the store clock only (the charge script with no charges). */
  private async tick(now: number): Promise<void> {
    await this.run("clock", CHARGE, [this.clockKey()], [String(now), "0"]);
  }

  /** Runs a script with a deadline; every failure becomes a `RedisStoreError`. */
  private async run(op: string, script: LuaScript, keys: string[], args: string[]): Promise<unknown> {
    if (this.closed) throw new RedisStoreError(`Redis limit store: ${op} after close()`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connection = this.connection();
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const last = this.lastConnectionError === null ? "" : ` (last connection error: ${this.lastConnectionError})`;
        this.recycle(connection);
        reject(new RedisStoreError(`Redis limit store: ${op} got no answer from Redis within ${this.timeoutMs} ms${last}`));
      }, this.timeoutMs);
    });
    const work = (async () => {
      const runner = await connection;
      return runner(script, keys, args);
    })();
    work.catch(() => undefined);
    try {
      return await Promise.race([work, deadline]);
    } catch (error) {
      if (error instanceof RedisStoreError) throw error;
      throw new RedisStoreError(`Redis limit store: ${op} failed: ${messageOf(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  private connection(): Promise<ScriptRunner> {
    if (this.runner === null) {
      const opening = this.open();
      this.runner = opening;
      opening.then(
        () => {
          this.connected = opening;
        },
        () => {
          if (this.runner === opening) this.runner = null;
        },
      );
    }
    return this.runner;
  }

  private async open(): Promise<ScriptRunner> {
    let redis: { createClient(options: object): unknown };
    try {
      redis = (await import("redis")) as unknown as { createClient(options: object): unknown };
    } catch (error) {
      throw new RedisStoreError(
        `Redis limit store: the optional peer dependency \`redis\` is not installed (npm install redis), or pass a \`client\`: ${messageOf(error)}`,
        { cause: error },
      );
    }
    const client = redis.createClient({
      url: this.url,
      // Fail at once while disconnected instead of queueing: a decision must not wait for Redis.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: this.timeoutMs,
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 10), 2_000),
      },
    }) as OwnedClient;
    client.on("error", (error) => {
      this.lastConnectionError = messageOf(error);
    });
    this.owned = client;
    try {
      await client.connect();
    } catch (error) {
      if (this.owned === client) this.owned = null;
      destroyQuietly(client);
      throw error;
    }
    if (this.closed) {
      await client.close?.();
      throw new RedisStoreError("Redis limit store: closed while connecting");
    }
    const runner = scriptRunner(client);
    if (runner === null) throw new RedisStoreError("Redis limit store: the `redis` package gave a client without evalSha");
    return runner;
  }

  private clockKey(): string {
    return `${this.prefix}clock`;
  }

  private sessionKeys(session: string): [string, string] {
    const base = `${this.prefix}s:${JSON.stringify(session)}`;
    return [`${base}:counts`, `${base}:labels`];
  }

  private counterKeys(id: string, key: string): [string, string] {
    const base = `${this.prefix}c:${JSON.stringify([id, key])}`;
    return [base, `${base}:sum`];
  }

  private repeatKeys(check: LimitCheck): [string, string] {
    const base = `${this.prefix}r:${JSON.stringify([check.id, check.key])}`;
    return [base, base];
  }

  private ttlOf(window: number | "session"): string {
    const ttl = window === "session" ? this.sessionTtlMs : Math.ceil(window) + this.marginMs;
    return String(Math.min(Math.max(ttl, 1), MAX_TTL_MS));
  }
}

function windowArg(window: number | "session"): string {
  return window === "session" ? "session" : String(window);
}

function positive(value: number | undefined, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.ceil(value) : fallback;
}

function messageOf(error: unknown): string {
  try {
    if (error instanceof Error) {
      if (error.message !== "") return error.message;
      // AggregateError (e.g. ECONNREFUSED on both ::1 and 127.0.0.1) has an empty message
      const inner = (error as { errors?: unknown }).errors;
      if (Array.isArray(inner) && inner.length > 0) return inner.map(messageOf).join("; ");
      return error.name;
    }
    return String(error);
  } catch {
    return "unprintable error";
  }
}

function destroyQuietly(client: OwnedClient): void {
  try {
    client.destroy?.();
  } catch {
    // already gone
  }
}
