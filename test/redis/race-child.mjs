// One racing agent process for race.test.ts: its own Redis client, store and guard, built from
// runtime/dist. argv: URL PREFIX CALLS MAX. Waits for "go" over IPC, fires CALLS decisions at once,
// answers { allowed, denied, errors }.
import { createGuard } from "../../runtime/dist/index.js";
import { RedisStore } from "../../runtime/dist/redis.js";

const [url, prefix, callsArg, maxArg] = process.argv.slice(2);
const calls = Number(callsArg);
const max = Number(maxArg);

const program = {
  policy: { name: "race", version: null, hash: "sha256:0", source: "race.agentpolicy" },
  evaluate: (request) => ({ effect: "allow", rules: ["racer/allow/t.x"], reasons: [], errors: [], tool: "t.x" }),
  limitsFor: () => [{ id: "shared", kind: "calls", key: "agent:racer", window: 3_600_000, max, amount: 1 }],
  chargesFor: () => [],
  labelsFor: () => [],
  redact: (_tool, args) => args,
  toolsFor: () => ["t.x"],
};

const store = new RedisStore({ url, prefix, commandTimeoutMs: 10_000 });
const guard = createGuard(program, { store });
// connect before the start signal, so the race is between decisions, not connections
await store.sessionView("warm-up");
process.send({ ready: true });
process.on("message", async (message) => {
  if (message !== "go") return;
  const decisions = await Promise.all(
    Array.from({ length: calls }, (_, i) => guard.decide({ agent: "racer", tool: "t.x", args: { i }, session: "race" })),
  );
  const allowed = decisions.filter((d) => d.effect === "allow").length;
  const errors = decisions.flatMap((d) => d.errors.map((e) => e.message));
  process.send({ allowed, denied: decisions.length - allowed, errors });
  await store.close();
  process.disconnect();
});
