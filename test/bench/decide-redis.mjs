#!/usr/bin/env node
// Benchmark (not a test), run by run.mjs when `redis-server` is installed:
// `node decide-redis.mjs GUARD.mjs MIX.json CALLS`. Prints one JSON object, or {"skipped": why}.
//
// Starts a throwaway `redis-server` on a free loopback port (no persistence) and measures
// `Guard.decide` with the runtime's `RedisStore` (no audit): the median and 99th percentile of
// single awaited calls (each is one Lua script, so one round trip to Redis), and the throughput
// of 32 calls kept in flight at once, as a service deciding for many agents would. The same
// requests as decide.mjs, sessions of 50 calls.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createGuard } from "@agentpolicy/runtime";
import { RedisStore } from "@agentpolicy/runtime/redis";

const [guardFile, mixFile, callsText] = process.argv.slice(2);
if (spawnSync("redis-server", ["--version"]).status !== 0) {
  console.log(JSON.stringify({ skipped: "redis-server not installed" }));
  process.exit(0);
}
const compiled = await import(pathToFileURL(guardFile).href);
const mix = JSON.parse(readFileSync(mixFile, "utf8"));
const calls = Number(callsText) || 5_000;

const port = await new Promise((resolve, reject) => {
  const probe = createServer();
  probe.once("error", reject);
  probe.listen(0, "127.0.0.1", () => {
    const p = probe.address().port;
    probe.close(() => resolve(p));
  });
});
const dir = mkdtempSync(join(tmpdir(), "agentpolicy-bench-redis-"));
const server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { stdio: "ignore" });
const pong = () =>
  new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (d) => done(d.toString().startsWith("+PONG")));
  });
let up = false;
for (let i = 0; i < 200 && !up; i++) {
  up = await pong();
  if (!up) await new Promise((r) => setTimeout(r, 25));
}
const stop = () => {
  server.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
};
if (!up) {
  stop();
  console.log(JSON.stringify({ skipped: "redis-server did not start" }));
  process.exit(0);
}

const store = new RedisStore({ url: `redis://127.0.0.1:${port}` });
const guard = createGuard(compiled.program, { store });
let now = 1_700_000_000_000;
const request = (i) => {
  const r = mix[i % mix.length];
  return { agent: r.agent, tool: r.tool, args: r.args, context: r.context, session: `run-${Math.floor(i / 50)}`, at: (now += 1000) };
};
const quantile = (xs, q) => {
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

try {
  let failures = 0;
  for (let i = 0; i < 500; i++) await guard.decide(request(i)); // warm-up (connects, loads the scripts)
  const latencies = [];
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint();
    const decision = await guard.decide(request(i));
    latencies.push(Number(process.hrtime.bigint() - start) / 1000);
    if (decision.rules[0] === "internal_error") failures++;
  }
  const inFlight = 32;
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < calls) {
        const decision = await guard.decide(request(next++));
        if (decision.rules[0] === "internal_error") failures++;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(JSON.stringify({ median: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), perSecond: calls / seconds, inFlight, failures }));
} finally {
  await store.close();
  stop();
}
