/**
 * The generated reason of a decision turned into deny by a limit (TOOLCHAIN.md decision table:
 * "a generated text naming the limit"), e.g. "limit `search-rate` reached: 60 calls per 1 minute".
 */

import type { LimitInfo } from "./types.js";

const UNITS: ReadonlyArray<readonly [number, string]> = [
  [86_400_000, "day"],
  [3_600_000, "hour"],
  [60_000, "minute"],
  [1_000, "second"],
];

/** `"1 minute"`, `"90 seconds"`, `"session"`, `"250 ms"`. */
export function describeWindow(window: number | "session" | null): string {
  if (window === "session") return "session";
  if (window === null) return "";
  for (const [ms, unit] of UNITS) {
    if (window >= ms && window % ms === 0) {
      const n = window / ms;
      return `${n} ${unit}${n === 1 ? "" : "s"}`;
    }
  }
  return `${window} ms`;
}

/** Micro-dollars as dollars: `25000000` → `"$25"`, `50000` → `"$0.05"`. */
export function describeMoney(microDollars: number): string {
  const negative = microDollars < 0;
  const abs = Math.abs(Math.round(microDollars));
  const whole = Math.floor(abs / 1_000_000);
  const fraction = String(abs % 1_000_000).padStart(6, "0").replace(/0+$/, "");
  const cents = fraction.length === 1 ? `${fraction}0` : fraction;
  return `${negative ? "-" : ""}$${whole}${cents === "" ? "" : `.${cents}`}`;
}

/** The limit's rule in words: "60 calls per 1 minute", "$25 per 1 day", "3 identical calls in a row". */
export function describeLimit(limit: LimitInfo): string {
  const per = limit.window === "session" ? "per session" : `per ${describeWindow(limit.window)}`;
  switch (limit.kind) {
    case "calls":
      return `${limit.max} call${limit.max === 1 ? "" : "s"} ${per}`;
    case "tokens":
      return `${limit.max} tokens ${per}`;
    case "cost":
      return `${describeMoney(limit.max)} ${per}`;
    case "repeats":
      return `${limit.max} identical call${limit.max === 1 ? "" : "s"} in a row`;
  }
}

/** The reason listed in a limit-denied decision. */
export function limitReason(limit: LimitInfo): string {
  return `limit \`${limit.id}\` reached: ${describeLimit(limit)}`;
}
