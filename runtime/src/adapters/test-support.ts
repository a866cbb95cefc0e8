/**
 * Test support for the adapters' tests: a hand-written program standing in for a compiled
 * policy, so each adapter is tested against the same decisions. Not part of the public API.
 *
 *   agent "shop" { allow inv.search; review inv.buy because "purchases need a human";
 *                  deny inv.delete because "nothing is deleted"
 *                  @id("search-rate") limit inv.search to 2 calls per minute
 *                  @id("buy-rate") limit inv.buy to 2 calls per minute
 *                  @id("tokens") limit tokens to 100 per minute }
 */
import type { LimitStore } from "../store.js";
import type { LimitCheck, PolicyProgram, Verdict } from "../types.js";

/** A store that admits everything but cannot record usage: `charge` rejects with "store down". */
export function chargeFailingStore(): LimitStore {
  return {
    sessionView: async () => ({ labels: [], counts: {} }),
    admit: async () => ({ ok: true }),
    check: async () => ({ ok: true }),
    charge: async () => {
      throw new Error("store down");
    },
  };
}

/** `bareNames`: a tool named without its alias (`search`) is `inv.search`, as frameworks name tools. */
export function shopProgram(options: { readonly bareNames?: boolean } = {}): PolicyProgram {
  return {
    policy: { name: "shop", version: null, hash: "sha256:0", source: "shop.agentpolicy" },
    evaluate(request): Verdict {
      const tool = options.bareNames === true && !request.tool.includes(".") ? `inv.${request.tool}` : request.tool;
      if (!["inv.search", "inv.buy", "inv.delete"].includes(tool)) {
        return { effect: "deny", rules: ["unknown_tool"], reasons: ["no manifest has this tool"], errors: [], tool: null };
      }
      if (request.agent !== "shop") return { effect: "deny", rules: ["default"], reasons: [], errors: [], tool };
      if (tool === "inv.delete") return { effect: "deny", rules: ["no-delete"], reasons: ["nothing is deleted"], errors: [], tool };
      if (tool === "inv.buy") return { effect: "review", rules: ["buy-review"], reasons: ["purchases need a human"], errors: [], tool };
      return { effect: "allow", rules: ["shop/allow/inv.search"], reasons: [], errors: [], tool };
    },
    limitsFor(request, verdict): LimitCheck[] {
      const key = `agent:${request.agent}`;
      const checks: LimitCheck[] = [{ id: "tokens", kind: "tokens", key, window: 60_000, max: 100, amount: 0 }];
      if (verdict.tool === "inv.search") checks.unshift({ id: "search-rate", kind: "calls", key, window: 60_000, max: 2, amount: 1 });
      if (verdict.tool === "inv.buy") checks.unshift({ id: "buy-rate", kind: "calls", key, window: 60_000, max: 2, amount: 1 });
      return checks;
    },
    chargesFor: (usage) => [
      { id: "tokens", kind: "tokens", key: `agent:${usage.agent}`, window: 60_000, amount: usage.inputTokens + usage.outputTokens },
    ],
    labelsFor: () => [],
    redact: (_tool, args) => args,
    toolsFor: (agent) => (agent === "shop" ? ["inv.search", "inv.buy"] : []),
  };
}
