/**
 * Running Lua scripts through whichever Redis client the host uses: node-redis (`redis@5`/`6`,
 * `client.evalSha(sha, { keys, arguments })`) or ioredis (`ioredis@5`/`6`,
 * `client.evalsha(sha, numKeys, ...keysAndArgs)`). Scripts go by `EVALSHA`; a `NOSCRIPT` answer
 * (a fresh or flushed server) falls back to `EVAL`, which also loads the script for next time.
 */

import { createHash } from "node:crypto";

/** A node-redis client (`createClient()` of `redis` or `@redis/client`), structurally. */
export interface NodeRedisClientLike {
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** An ioredis client (`new Redis()`), structurally. */
export interface IoRedisClientLike {
  evalsha(sha1: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
}

/** Any client the Redis store can drive. */
export type RedisClientLike = NodeRedisClientLike | IoRedisClientLike;

/** A Lua script with its SHA-1 (what `EVALSHA` names it by). */
export interface LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

export function luaScript(name: string, source: string): LuaScript {
  return { name, source, sha: createHash("sha1").update(source, "utf8").digest("hex") };
}

/** Runs `script` with `keys` and `args`; rejects with the client's error. */
export type ScriptRunner = (script: LuaScript, keys: string[], args: string[]) => Promise<unknown>;

/** A runner for `client`, or null when `client` is neither a node-redis nor an ioredis client. */
export function scriptRunner(client: unknown): ScriptRunner | null {
  if (client === null || (typeof client !== "object" && typeof client !== "function")) return null;
  const c = client as Partial<Record<"evalSha" | "evalsha" | "eval", unknown>>;
  if (typeof c.evalSha === "function" && typeof c.eval === "function") {
    const node = client as NodeRedisClientLike;
    return async (script, keys, args) => {
      try {
        return await node.evalSha(script.sha, { keys, arguments: args });
      } catch (error) {
        if (!isNoScript(error)) throw error;
        return await node.eval(script.source, { keys, arguments: args });
      }
    };
  }
  if (typeof c.evalsha === "function" && typeof c.eval === "function") {
    const io = client as IoRedisClientLike;
    return async (script, keys, args) => {
      try {
        return await io.evalsha(script.sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!isNoScript(error)) throw error;
        return await io.eval(script.source, keys.length, ...keys, ...args);
      }
    };
  }
  return null;
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && /^NOSCRIPT\b/.test(error.message);
}
