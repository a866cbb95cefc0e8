// A scripted inventory session through the generated guard — no network, no model.
// The "model" is a fixed plan: a read-only agent looks stock up and then tries to order
// (the guard refuses); a buyer orders a small amount (allowed) and a big one (held for
// review; the scripted reviewer approves up to $10,000 and rejects the rest).
//
//   node examples/inventory/agent.mjs        (after `npm ci` or `npm run build`)
import { MemoryAuditSink, PolicyDenied, verifyAuditLog } from "@agentpolicy/runtime";
import { loadGuard } from "../lib/load-guard.mjs";

const guardModule = await loadGuard(new URL("./inventory.agentpolicy", import.meta.url).pathname);

// The tools themselves: an in-memory stock list and a purchase-order book.
const stock = { "A-1": { sku: "A-1", name: "hex bolt M8", qty: 120 }, "B-7": { sku: "B-7", name: "wing nut M8", qty: 4 } };
const orders = [];
const tools = {
  "inv.search": async ({ query }) => Object.values(stock).filter((i) => i.name.includes(query)),
  "inv.get_item": async ({ sku }) => stock[sku] ?? null,
  "inv.market_price": async ({ skus }) => Object.fromEntries(skus.map((s) => [s, 0.42])),
  "inv.create_purchase_order": async (order) => {
    orders.push(order);
    return { id: `PO-${orders.length}`, ...order };
  },
};

const audit = new MemoryAuditSink();
const reviewer = async (request) => {
  const total = request.args.qty * request.args.unit_price;
  return total <= 10_000
    ? { approved: true, by: "alice@corp.example.com", note: `$${total} is within budget` }
    : { approved: false, by: "alice@corp.example.com", note: `$${total} is over budget` };
};

function agentTools(agent, user) {
  const guard = guardModule.createGuard({ audit, reviewer, agent, context: { user, tenant: "acme" }, session: `${agent}-session` });
  return guard.wrapTools(tools);
}

/** Runs one wrapped call and prints what the guard decided (read back from the audit trail). */
async function step(label, run) {
  let ran = true;
  let result;
  try {
    result = await run();
  } catch (error) {
    if (!(error instanceof PolicyDenied)) throw error;
    ran = false;
  }
  const d = audit.records.at(-1).decision;
  // A rejection is already among the reasons; an approval is not.
  const review = d.review?.approved === true ? ` — approved in review by ${d.review.by}` : "";
  const why = d.reasons.length > 0 ? ` ${d.reasons.join("; ")}` : "";
  console.log(`${d.effect.padEnd(6)} ${label}  [${d.rules.join(", ")}]${why}${review}`);
  if (ran) console.log(`         → ${JSON.stringify(result)}`);
  return ran;
}

console.log(`policy ${guardModule.policy.name} ${guardModule.policy.version} (${guardModule.policy.hash})\n`);
console.log("inventory-reader:");
const reader = agentTools("inventory-reader", { id: "u1", role: "viewer" });
const outcomes = [];
outcomes.push(await step('inv.search({ query: "M8" })', () => reader["inv.search"]({ query: "M8" })));
outcomes.push(await step('inv.get_item({ sku: "B-7" })', () => reader["inv.get_item"]({ sku: "B-7" })));
outcomes.push(await step('inv.market_price({ skus: ["B-7"] })', () => reader["inv.market_price"]({ skus: ["B-7"] })));
// Stock is low: the reader tries to order anyway.
outcomes.push(await step('inv.create_purchase_order({ sku: "B-7", qty: 100, unit_price: 0.42 })', () =>
  reader["inv.create_purchase_order"]({ sku: "B-7", qty: 100, unit_price: 0.42 })));

console.log("\nbuyer:");
const buyer = agentTools("buyer", { id: "u2", role: "buyer" });
outcomes.push(await step('inv.create_purchase_order({ sku: "B-7", qty: 100, unit_price: 0.42 })', () =>
  buyer["inv.create_purchase_order"]({ sku: "B-7", qty: 100, unit_price: 0.42 })));
outcomes.push(await step('inv.create_purchase_order({ sku: "A-1", qty: 2_000, unit_price: 4.5 })', () =>
  buyer["inv.create_purchase_order"]({ sku: "A-1", qty: 2_000, unit_price: 4.5 })));
outcomes.push(await step('inv.create_purchase_order({ sku: "A-1", qty: 20_000, unit_price: 4.5 })', () =>
  buyer["inv.create_purchase_order"]({ sku: "A-1", qty: 20_000, unit_price: 4.5 })));

const verified = verifyAuditLog(audit.text());
console.log(`\n${orders.length} purchase orders placed; audit log: ${audit.records.length} records, chain ${verified.ok ? "intact" : "BROKEN"}`);

const expected = [true, true, true, false, true, true, false];
const ok = verified.ok && orders.length === 2 && expected.every((e, i) => outcomes[i] === e);
if (!ok) {
  console.error(`unexpected outcomes: ${JSON.stringify(outcomes)}`);
  process.exitCode = 1;
}
