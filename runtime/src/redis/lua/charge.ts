/**
 * The charge script: adds usage to `tokens` and `cost` counters in one atomic step.
 * KEYS: [1] clock, then two keys per charge (see `PRELUDE`).
 * ARGV: [1] now, [2] number of charges, then three per charge: window (ms or `session`), amount,
 * time to live (ms). Returns 0. With no charges it only advances the clock.
 */

import { PRELUDE } from "./prelude.js";

export const CHARGE_SCRIPT = `${PRELUDE}
local now = tick(KEYS[1], tonumber(ARGV[1]))
local n = tonumber(ARGV[2])
for i = 1, n do
  local a = 2 + (i - 1) * 3
  addToCounter(KEYS[1], KEYS[i * 2], KEYS[i * 2 + 1], ARGV[a + 1], tonumber(ARGV[a + 2]), now, ARGV[a + 3])
end
return 0
`;
