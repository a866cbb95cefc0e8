/**
 * Lua shared by the limit scripts (Redis 6.2+ / 7, Lua 5.1). Numbers cross the boundary as
 * decimal strings: JS writes them with `String(n)` (shortest round-trip form) and Lua writes them
 * with `%.17g`, so every double survives both ways exactly.
 *
 * Key layout, per counter `(limit id, key)` (two KEYS each, always in this order):
 * - windowed counter: a ZSET of entries (score = time, member = `AMOUNT:SEQ`) and a string holding
 *   the running sum of the ZSET's amounts;
 * - `per session` counter: only the sum string (nothing expires, as in `MemoryStore`);
 * - `repeats` run: a HASH `{ fp, n }` in the first key (the second is unused).
 * The store's clock is a HASH `{ latest, seq }`: the latest time seen (time never runs backwards)
 * and the sequence that keeps ZSET members unique.
 */
export const PRELUDE = String.raw`
local function fmt(x)
  return string.format('%.17g', x)
end

-- The store's clock: max(latest seen, now). Mirrors MemoryStore.tick.
local function tick(clockKey, now)
  local latest = tonumber(redis.call('HGET', clockKey, 'latest'))
  if latest ~= nil and latest > now then
    now = latest
  end
  redis.call('HSET', clockKey, 'latest', fmt(now))
  return now
end

-- The sum of a counter's amounts in (now - window, now]; drops expired entries first.
-- INVARIANT: an empty ZSET sums to 0 whatever the sum key says (a lost sum key never inflates).
local function windowSum(zkey, skey, window, now)
  if window == 'session' then
    return tonumber(redis.call('GET', skey) or '0')
  end
  local cutoff = fmt(now - tonumber(window))
  local expired = redis.call('ZRANGEBYSCORE', zkey, '-inf', cutoff)
  if #expired > 0 then
    redis.call('ZREMRANGEBYSCORE', zkey, '-inf', cutoff)
  end
  if redis.call('ZCARD', zkey) == 0 then
    redis.call('DEL', skey)
    return 0
  end
  local sum = tonumber(redis.call('GET', skey) or '0')
  if #expired > 0 then
    for _, member in ipairs(expired) do
      sum = sum - tonumber(string.match(member, '^[^:]+'))
    end
    redis.call('SET', skey, fmt(sum), 'KEEPTTL')
  end
  return sum
end

-- Adds amount at now to a counter and refreshes its time to live.
local function addToCounter(clockKey, zkey, skey, window, amount, now, ttl)
  if amount == 0 then
    return
  end
  if window == 'session' then
    local sum = tonumber(redis.call('GET', skey) or '0') + amount
    redis.call('SET', skey, fmt(sum), 'PX', ttl)
    return
  end
  local sum = 0
  if redis.call('ZCARD', zkey) > 0 then
    sum = tonumber(redis.call('GET', skey) or '0')
  end
  local seq = redis.call('HINCRBY', clockKey, 'seq', 1)
  redis.call('ZADD', zkey, fmt(now), fmt(amount) .. ':' .. seq)
  redis.call('SET', skey, fmt(sum + amount), 'PX', ttl)
  redis.call('PEXPIRE', zkey, ttl)
end
`;
