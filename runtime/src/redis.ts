/**
 * `@agentpolicy/runtime/redis`: the Redis limit store, for limits shared by many processes.
 * Needs the optional peer dependency `redis` (node-redis) when created from a URL, or a client
 * of `redis` or `ioredis` passed in.
 */

export {
  RedisStore,
  RedisStoreError,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_REDIS_PREFIX,
  DEFAULT_SESSION_TTL_MS,
  DEFAULT_TTL_MARGIN_MS,
} from "./redis/redis-store.js";
export type { RedisStoreOptions } from "./redis/redis-store.js";
export type { IoRedisClientLike, NodeRedisClientLike, RedisClientLike } from "./redis/script-client.js";
