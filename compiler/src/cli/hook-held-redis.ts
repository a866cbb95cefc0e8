/**
 * `hook --redis URL [--redis-prefix P]`: the calls a run answered `ask`, held in Redis beside the
 * limits (same URL, same prefix) until the call's PostToolUse takes them. One key per call:
 * `P` + `held:` + the JSON of its `tool_use_id`, whose value is the JSON `{"request", "at"}` and
 * which expires `HELD_FOR_MS` after `at` (a call held that long was not approved).
 *
 * INVARIANT (once only): `take` is one Lua script (GET, then DEL when found), so of any number of
 * runs, on any number of machines, taking one id, exactly one gets the request.
 * INVARIANT (fail closed): a connection failure, a Redis error, no answer within `timeoutMs`, or a
 * held value that is not a held call rejects with an `Error` whose message names Redis; nothing
 * throws synchronously. The client is opened on first use (a run that holds and takes nothing
 * never connects) and `close()` waits at most `timeoutMs`.
 */
import { DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_REDIS_PREFIX } from "@agentpolicy/runtime/redis";
import type { ToolRequest } from "@agentpolicy/runtime";
import { errorText } from "./guard-setup.js";
import { HELD_FOR_MS, type HeldReviews } from "./hook-state.js";

/** GET and DEL of `KEYS[1]` in one step (works on every Redis with Lua, unlike GETDEL, 6.2+). */
const TAKE_SCRIPT = `local v = redis.call('GET', KEYS[1])
if v then redis.call('DEL', KEYS[1]) end
return v`;

/** What this table needs of a node-redis client. */
interface HeldClient {
  connect(): Promise<unknown>;
  on(event: "error", listener: (error: unknown) => void): unknown;
  set(key: string, value: string, options: { expiration: { type: "PX"; value: number } }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  close(): Promise<unknown>;
  destroy(): void;
}

export interface RedisHeldReviewsOptions {
  /** `redis://` or `rediss://` URL (already checked by `openStore`). */
  readonly url: string;
  /** Key prefix; default the limit store's (`"agentpolicy:"`). */
  readonly prefix?: string;
  /** How long one operation (connecting included) may take; default the limit store's 2000 ms. */
  readonly timeoutMs?: number;
}

/** Held asks in Redis: the `HeldReviews` of `hook --redis`. */
export class RedisHeldReviews implements HeldReviews {
  readonly prefix: string;
  private readonly url: string;
  private readonly timeoutMs: number;
  private client: Promise<HeldClient> | null = null;
  private closed = false;

  constructor(options: RedisHeldReviewsOptions) {
    this.url = options.url;
    this.prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
    this.timeoutMs = options.timeoutMs !== undefined && options.timeoutMs > 0 ? options.timeoutMs : DEFAULT_COMMAND_TIMEOUT_MS;
  }

  /** The key holding the call `id`. */
  keyOf(id: string): string {
    return `${this.prefix}held:${JSON.stringify(id)}`;
  }

  async hold(id: string, request: ToolRequest, at: number): Promise<void> {
    const ttl = Math.max(1, Math.ceil(at + HELD_FOR_MS - Date.now()));
    const value = JSON.stringify({ request, at });
    await this.run("hold", (client) => client.set(this.keyOf(id), value, { expiration: { type: "PX", value: ttl } }));
  }

  async take(id: string): Promise<ToolRequest | undefined> {
    const key = this.keyOf(id);
    const reply = await this.run("take", (client) => client.eval(TAKE_SCRIPT, { keys: [key], arguments: [] }));
    if (reply === null || reply === undefined) return undefined;
    const request = typeof reply === "string" ? heldRequest(reply) : undefined;
    if (request === undefined) throw new Error(`Redis held asks: the value under ${key} is not a held call`);
    return request;
  }

  /** Closes the client, if one was opened; waits at most `timeoutMs`, then drops the connection. Never rejects. */
  async close(): Promise<void> {
    this.closed = true;
    const opening = this.client;
    this.client = null;
    if (opening === null) return;
    const client = await opening.catch(() => null);
    if (client === null) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const graceful = client.close().then(
      () => true,
      () => false,
    );
    const expired = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.timeoutMs);
    });
    const closedGracefully = await Promise.race([graceful, expired]);
    clearTimeout(timer);
    if (!closedGracefully) destroyQuietly(client);
  }

  /** Runs `op` with a deadline; every failure becomes an `Error` naming Redis. */
  private async run(op: string, fn: (client: HeldClient) => Promise<unknown>): Promise<unknown> {
    if (this.closed) throw new Error(`Redis held asks: ${op} after close()`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis held asks: ${op} got no answer from Redis within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    const work = (async () => fn(await this.connection()))();
    work.catch(() => undefined);
    try {
      return await Promise.race([work, deadline]);
    } catch (error) {
      const message = errorText(error);
      throw new Error(message.startsWith("Redis held asks:") ? message : `Redis held asks: ${op} failed: ${message}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  private connection(): Promise<HeldClient> {
    this.client ??= this.open();
    return this.client;
  }

  private async open(): Promise<HeldClient> {
    let redis: { createClient(options: object): unknown };
    try {
      redis = (await import("redis")) as unknown as { createClient(options: object): unknown };
    } catch (error) {
      throw new Error(`the \`redis\` package is not installed (npm install redis): ${errorText(error)}`, { cause: error });
    }
    const client = redis.createClient({
      url: this.url,
      // one short run: fail at once rather than queue or reconnect
      disableOfflineQueue: true,
      socket: { connectTimeout: this.timeoutMs, reconnectStrategy: false },
    }) as HeldClient;
    client.on("error", () => undefined); // reported through the rejected command instead
    try {
      await client.connect();
    } catch (error) {
      destroyQuietly(client);
      throw error;
    }
    return client;
  }
}

/** The request of a held value (`{"request", "at"}`), or undefined when it is not one. */
function heldRequest(text: string): ToolRequest | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== "object") return undefined;
  const held = v as { readonly request?: unknown; readonly at?: unknown };
  const r = held.request as Partial<Record<keyof ToolRequest, unknown>> | null | undefined;
  if (typeof held.at !== "number" || r === null || typeof r !== "object" || typeof r.agent !== "string" || typeof r.tool !== "string") return undefined;
  return r as ToolRequest;
}

function destroyQuietly(client: HeldClient): void {
  try {
    client.destroy();
  } catch {
    // already gone
  }
}
