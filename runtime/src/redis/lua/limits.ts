/**
 * The admit and check scripts: ONE atomic step each (Redis runs a script to completion before any
 * other command), which is what makes limits shared by many processes exact.
 *
 * KEYS: [1] clock, [2] session counts (HASH tool → n), [3] session labels (SET), then two keys per
 * check (see `PRELUDE`).
 * ARGV: [1] now, [2] tool, [3] session time to live (ms), [4] number of checks, [5] number of
 * labels, then six per check — kind, window (ms or `session`; empty for repeats), max, amount,
 * fingerprint (empty unless repeats), time to live (ms) — then the labels.
 * Returns 0 when every check passes, else the 1-based index of the first failing check.
 */

import { PRELUDE } from "./prelude.js";

const DECIDE = String.raw`
local now = tick(KEYS[1], tonumber(ARGV[1]))
local nChecks = tonumber(ARGV[4])
local nLabels = tonumber(ARGV[5])
local FIELDS = 6
local checks = {}
for i = 1, nChecks do
  local a = 5 + (i - 1) * FIELDS
  checks[i] = {
    kind = ARGV[a + 1],
    window = ARGV[a + 2],
    max = tonumber(ARGV[a + 3]),
    amount = tonumber(ARGV[a + 4]),
    fingerprint = ARGV[a + 5],
    ttl = ARGV[a + 6],
    zkey = KEYS[2 + i * 2],
    skey = KEYS[3 + i * 2],
  }
end

for i = 1, nChecks do
  local c = checks[i]
  local failed = false
  if c.kind == 'repeats' then
    local run = redis.call('HMGET', c.zkey, 'fp', 'n')
    failed = run[1] == c.fingerprint and tonumber(run[2]) >= c.max
  else
    local used = windowSum(c.zkey, c.skey, c.window, now)
    if c.kind == 'cost' then
      failed = used + c.amount > c.max
    else
      failed = used >= c.max
    end
  end
  if failed then
    return i
  end
end

if CONSUME then
  local sessionTtl = ARGV[3]
  for i = 1, nChecks do
    local c = checks[i]
    if c.kind == 'repeats' then
      local fp = redis.call('HGET', c.zkey, 'fp')
      if fp == c.fingerprint then
        redis.call('HINCRBY', c.zkey, 'n', 1)
      else
        redis.call('HSET', c.zkey, 'fp', c.fingerprint, 'n', 1)
      end
      redis.call('PEXPIRE', c.zkey, c.ttl)
    else
      addToCounter(KEYS[1], c.zkey, c.skey, c.window, c.amount, now, c.ttl)
    end
  end
  redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
  redis.call('PEXPIRE', KEYS[2], sessionTtl)
  local first = 5 + nChecks * FIELDS
  for j = 1, nLabels do
    redis.call('SADD', KEYS[3], ARGV[first + j])
  end
  if nLabels > 0 then
    redis.call('PEXPIRE', KEYS[3], sessionTtl)
  end
end
return 0
`;

/** Checks every limit; when all pass, consumes all of them and records the allowed call. */
export const ADMIT_SCRIPT = `local CONSUME = true\n${PRELUDE}\n${DECIDE}`;

/** The check of `ADMIT_SCRIPT` without consuming or recording anything. */
export const CHECK_SCRIPT = `local CONSUME = false\n${PRELUDE}\n${DECIDE}`;
