// `npm run demo`: a one-minute tour of agentpolicy — no network, no API keys, no model.
//
// 1. checks and compiles examples/support-agent/support.agentpolicy with the real CLI into
//    node_modules/.cache/agentpolicy-demo/ (inside the project, so the generated guard's
//    `import "@agentpolicy/runtime"` resolves);
// 2. runs a scripted support session through the generated guard, printing every decision with
//    its rule, its reason and the budget left (tokens, dollars, calls);
// 3. verifies the hash-chained audit log it wrote, then shows that an edited log is caught.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { FileAuditSink, verifyAuditLog } from "@agentpolicy/runtime";
import { formatAmount, MeteredStore } from "./lib/metered-store.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "compiler/bin/agentpolicy.js");
const policyFile = join(root, "examples/support-agent/support.agentpolicy");
const out = join(root, "node_modules/.cache/agentpolicy-demo");
const rel = (p) => relative(root, p);
const bold = (s) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[1m${s}\x1b[22m` : s);

function agentpolicy(...args) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status, text: `${r.stdout}${r.stderr}`.trim() };
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

console.log(bold("1. check and compile the policy"));
console.log(`$ agentpolicy check ${rel(policyFile)}`);
const checked = agentpolicy("check", policyFile);
console.log(`  ${checked.text}`);
console.log(`$ agentpolicy compile ${rel(policyFile)} --out ${rel(out)} --emit js`);
const compiled = agentpolicy("compile", policyFile, "--out", out, "--emit", "js");
console.log(`  ${compiled.text}`);
if (checked.code !== 0 || compiled.code !== 0) {
  console.error("the example policy does not compile: run `npm run build` first?");
  process.exit(1);
}
const guardFile = join(out, "support.guard.js");
const header = readFileSync(guardFile, "utf8").split("\n").slice(0, 5).filter((l) => l.startsWith("//"));
console.log(header.map((l) => `  ${l}`).join("\n"));
const guardModule = await import(pathToFileURL(guardFile).href);

console.log(`\n${bold("2. a scripted support session through the generated guard")}`);
const agent = "support-bot";
const session = "ticket-T-1042";
const context = { user: { id: "u-dana", team: "support" }, tenant: "acme" };
const store = new MeteredStore();
const auditFile = join(out, "audit.jsonl");
const audit = new FileAuditSink(auditFile);
const supervisor = async (request) =>
  request.args.amount_usd <= 200
    ? { approved: true, by: "sam (supervisor)", note: "photo of the damage attached" }
    : { approved: false, by: "sam (supervisor)", note: "needs a billing ticket" };
let now = 1_700_000_000_000;
const guard = guardModule.createGuard({ store, audit, reviewer: supervisor, clock: () => now });
const { program } = guardModule;

const turns = [
  { say: "reads the ticket", model: "gpt-5-mini", tokens: [3_000, 300], tool: "desk.get_ticket", args: { ticket_id: "T-1042" } },
  { say: "looks the customer up (the session now carries `pii`)", model: "gpt-5-mini", tokens: [3_000, 300], tool: "crm.lookup_customer", args: { email: "jo@gmail.com" } },
  { say: "tries to email the customer directly", model: "gpt-5-mini", tokens: [3_000, 300], tool: "mail.send", args: { to: ["jo@gmail.com"], subject: "Your order", body: "Hi Jo, ..." } },
  { say: "answers in the ticket instead", model: "gpt-5-mini", tokens: [3_000, 300], tool: "desk.reply", args: { ticket_id: "T-1042", body: "Hi Jo, sorry about that..." } },
  { say: "escalates internally", model: "gpt-5-mini", tokens: [2_000, 200], tool: "mail.send", args: { to: ["billing@example.com"], subject: "T-1042", body: "Refund?" } },
  { say: "refunds $30", model: "gpt-5-mini", tokens: [2_000, 200], tool: "crm.refund", args: { customer_id: "C-17", amount_usd: 30, reason: "late" } },
  { say: "refunds $120 (a supervisor is asked)", model: "gpt-5-mini", tokens: [2_000, 200], tool: "crm.refund", args: { customer_id: "C-17", amount_usd: 120, reason: "damaged" } },
  { say: "refunds $900", model: "gpt-5-mini", tokens: [2_000, 200], tool: "crm.refund", args: { customer_id: "C-17", amount_usd: 900, reason: "angry" } },
  { say: "calls a tool that does not exist", model: "gpt-5-mini", tokens: [1_000, 100], tool: "crm.delete_customer", args: { id: "C-17" } },
  ...["return policy", "refund policy", "courier claims", "warranty"].map((query) => ({
    say: `loops on the knowledge base with a bigger model ("${query}")`, model: "gpt-5", tokens: [2_000, 1_500], tool: "desk.search_articles", args: { query },
  })),
];

/** The limits a request is counted against, with what is left of each (calls, tokens, dollars). */
async function budgetsFor(request) {
  try {
    const verdict = program.evaluate(request, await store.sessionView(session));
    if (verdict.effect === "deny") return "";
    const checks = program.limitsFor(request, verdict).filter((c) => c.kind !== "repeats");
    return checks
      .map((c) => {
        const b = store.budget(c.id, c.key) ?? { used: 0 };
        return `${c.id} ${formatAmount(c.kind, Math.max(0, c.max - b.used))} left`;
      })
      .join(", ");
  } catch {
    return "";
  }
}

const effects = [];
for (const [i, turn] of turns.entries()) {
  now += 15_000;
  await guard.recordUsage({ agent, session, model: turn.model, inputTokens: turn.tokens[0], outputTokens: turn.tokens[1] });
  const request = { agent, tool: turn.tool, args: turn.args, context, session };
  const d = await guard.decide(request);
  effects.push(d.effect);
  const reasons = d.reasons.length > 0 ? ` — ${d.reasons.join("; ")}` : "";
  const review = d.review?.approved === true ? ` — approved by ${d.review.by}` : "";
  console.log(`${String(i + 1).padStart(2)}. the agent ${turn.say}`);
  console.log(`    ${bold(d.effect.toUpperCase().padEnd(6))} ${turn.tool} by [${d.rules.join(", ")}]${reasons}${review}`);
  const left = await budgetsFor(request);
  if (left !== "") console.log(`    budget: ${left}`);
  if (d.limit !== null) {
    console.log(`    → the ${d.limit.kind} limit \`${d.limit.id}\` (max ${formatAmount(d.limit.kind, d.limit.max)} per ${d.limit.window === "session" ? "session" : `${d.limit.window} ms`}) ended the loop`);
    break;
  }
}
await audit.close();

console.log(`\n${bold("3. the audit trail")}`);
const log = readFileSync(auditFile, "utf8");
const verified = verifyAuditLog(log);
console.log(`$ agentpolicy audit verify ${rel(auditFile)}`);
console.log(`  ${agentpolicy("audit", "verify", rel(auditFile)).text}`);
const lines = log.trimEnd().split("\n");
const tampered = lines.map((line, i) => (i === 2 ? line.replace('"effect":"deny"', '"effect":"allow"') : line)).join("\n") + "\n";
const tamperedFile = join(out, "audit.tampered.jsonl");
writeFileSync(tamperedFile, tampered);
console.log(`after turning record 3's deny into an allow:\n$ agentpolicy audit verify ${rel(tamperedFile)}`);
const caught = agentpolicy("audit", "verify", rel(tamperedFile));
console.log(`  ${caught.text}`);

const expected = ["allow", "allow", "deny", "allow", "allow", "allow", "allow", "deny", "deny", "allow", "allow", "deny"];
const ok = verified.ok && caught.code === 1 && JSON.stringify(effects) === JSON.stringify(expected);
console.log(ok ? "\nThat was the tour. More in examples/README.md: the policies, their tests, the MCP proxy, the hook and the HTTP service." : `\nunexpected: ${JSON.stringify(effects)}`);
if (!ok) process.exitCode = 1;
