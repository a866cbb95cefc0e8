// A scripted support session through the generated guard — no network, no model, no API key.
// The "model" is a fixed list of turns; after each turn the script reports the model's token
// usage to the guard (`recordUsage`), which charges the `tokens` and `cost` limits, and then
// asks for the turn's tool call. It shows the pii label at work (mail to a customer is refused
// once the session has read customer records), a refund going to a scripted supervisor, and a
// runaway loop stopped by the session's cost budget.
//
//   node examples/support-agent/agent.mjs        (after `npm ci` or `npm run build`)
import { MemoryAuditSink, verifyAuditLog } from "@agentpolicy/runtime";
import { loadGuard } from "../lib/load-guard.mjs";
import { formatAmount, MeteredStore } from "../lib/metered-store.mjs";

const guardModule = await loadGuard(new URL("./support.agentpolicy", import.meta.url).pathname);
const agent = "support-bot";
const session = "ticket-T-1042";
const context = { user: { id: "u-dana", team: "support" }, tenant: "acme" };

const store = new MeteredStore();
const audit = new MemoryAuditSink();
const supervisor = async (request) =>
  request.args.amount_usd <= 200
    ? { approved: true, by: "sam (supervisor)", note: "photo of the damage attached" }
    : { approved: false, by: "sam (supervisor)", note: "needs a billing ticket" };
const guard = guardModule.createGuard({ store, audit, reviewer: supervisor, clock: () => 1_700_000_000_000 });

// The budgets this session runs against, as the policy declares them.
const probe = { agent, tool: "desk.get_ticket", args: { ticket_id: "T-1042" }, context, session };
for (const check of guardModule.program.limitsFor(probe, guardModule.program.evaluate(probe))) {
  if (check.kind === "tokens" || check.kind === "cost") store.declare(check);
}
const budgets = () =>
  ["session-tokens", "session-cost"]
    .map((id) => store.budget(id))
    .map((b) => `${b.id}: ${formatAmount(b.kind, b.left)} of ${formatAmount(b.kind, b.max)} left`)
    .join(", ");

const turns = [
  { model: "gpt-5-mini", input: 3_000, output: 300, tool: "desk.get_ticket", args: { ticket_id: "T-1042" } },
  { model: "gpt-5-mini", input: 3_000, output: 300, tool: "crm.lookup_customer", args: { email: "jo@gmail.com" } },
  { model: "gpt-5-mini", input: 3_000, output: 300, tool: "desk.search_articles", args: { query: "damaged in transit" } },
  { model: "gpt-5-mini", input: 3_000, output: 300, tool: "mail.send", args: { to: ["jo@gmail.com"], subject: "Your order", body: "Hi Jo, ..." } },
  { model: "gpt-5-mini", input: 3_000, output: 300, tool: "desk.reply", args: { ticket_id: "T-1042", body: "Hi Jo, sorry about that..." } },
  { model: "gpt-5-mini", input: 3_000, output: 300, tool: "crm.refund", args: { customer_id: "C-17", amount_usd: 120, reason: "damaged in transit" } },
  // The model starts to loop over the knowledge base with a bigger model.
  ...["return policy", "refund policy", "shipping damage", "courier claims", "warranty"].map((query) => ({
    model: "gpt-5", input: 2_000, output: 1_500, tool: "desk.search_articles", args: { query },
  })),
];

console.log(`policy ${guardModule.policy.name} ${guardModule.policy.version}, agent ${agent}, session ${session}`);
console.log(`budgets: ${budgets()}\n`);
const effects = [];
for (const [i, turn] of turns.entries()) {
  const usage = await guard.recordUsage({ agent, session, model: turn.model, inputTokens: turn.input, outputTokens: turn.output });
  if (!usage.ok) throw new Error(usage.error);
  const d = await guard.decide({ agent, tool: turn.tool, args: turn.args, context, session });
  effects.push(d.effect);
  const review = d.review?.approved === true ? ` — approved by ${d.review.by}` : "";
  const why = d.reasons.length > 0 ? ` ${d.reasons.join("; ")}` : "";
  console.log(`turn ${String(i + 1).padStart(2)} ${turn.model.padEnd(10)} ${turn.tool.padEnd(20)} ${d.effect.padEnd(6)} [${d.rules.join(", ")}]${why}${review}`);
  console.log(`        ${budgets()}`);
  if (d.limit !== null) {
    console.log(`\nthe ${d.limit.kind} budget \`${d.limit.id}\` stopped the session.`);
    break;
  }
}

const verified = verifyAuditLog(audit.text());
console.log(`\naudit log: ${audit.records.length} records, hash chain ${verified.ok ? "intact" : "BROKEN"}`);

const expected = ["allow", "allow", "allow", "deny", "allow", "allow", "allow", "allow", "deny"];
if (!verified.ok || JSON.stringify(effects) !== JSON.stringify(expected)) {
  console.error(`unexpected effects: ${JSON.stringify(effects)}`);
  process.exitCode = 1;
}
