#!/usr/bin/env node
// Benchmark (not a test), run by run.mjs: `node serve-bench.mjs POLICY MIX.json CALLS`. Prints
// one JSON object.
//
// Starts `agentpolicy serve --port 0` (the built CLI) on the benchmark policy, without and with
// `--audit`, and measures `POST /v1/decide` as an agent written in another language would call
// it over kept-alive connections: the median and 99th percentile of single awaited requests,
// and the throughput of 32 requests kept in flight. Client and server share this machine's CPUs.
import { spawn } from "node:child_process";
import http from "node:http";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(here, "../../compiler/bin/agentpolicy.js");
const [policy, mixFile, callsText] = process.argv.slice(2);
const mix = JSON.parse(readFileSync(mixFile, "utf8"));
const calls = Number(callsText) || 3_000;

/** Starts `serve` with `extra` options; resolves with its base URL and a stop function. */
function startServe(extra) {
  return new Promise((resolveStart, rejectStart) => {
    const child = spawn(process.execPath, [bin, "serve", "--policy", policy, "--port", "0", ...extra], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) resolveStart({ url: m[1], stop: () => new Promise((done) => (child.once("exit", done), child.kill("SIGTERM"))) });
    });
    child.once("exit", (code) => rejectStart(new Error(`serve exited with ${code}: ${stderr}`)));
  });
}

let now = 1_700_000_000_000;
const body = (i) => {
  const r = mix[i % mix.length];
  return JSON.stringify({ agent: r.agent, tool: r.tool, args: r.args, context: r.context, session: `run-${Math.floor(i / 50)}`, at: (now += 1000) });
};
const quantile = (xs, q) => {
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

async function measure(url) {
  // node:http with a keep-alive agent (Node 20's fetch adds about 0.6 ms per request here)
  const { hostname, port } = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const decide = (i) =>
    new Promise((resolveDecision, rejectDecision) => {
      const payload = body(i);
      const request = http.request(
        { host: hostname, port, path: "/v1/decide", method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } },
        (response) => {
          let text = "";
          response.setEncoding("utf8");
          response.on("data", (chunk) => (text += chunk));
          response.on("end", () => {
            const decision = JSON.parse(text);
            if (typeof decision.effect === "string") resolveDecision();
            else rejectDecision(new Error(`no decision: ${text}`));
          });
        },
      );
      request.on("error", rejectDecision);
      request.end(payload);
    });
  for (let i = 0; i < 300; i++) await decide(i);
  const latencies = [];
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint();
    await decide(i);
    latencies.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < calls) await decide(next++);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { median: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), perSecond: calls / seconds };
}

const dir = mkdtempSync(join(tmpdir(), "agentpolicy-serve-bench-"));
const results = {};
try {
  for (const [name, extra] of [
    ["plain", []],
    ["audited", ["--audit", join(dir, "audit.jsonl")]],
  ]) {
    const served = await startServe(extra);
    try {
      results[name] = await measure(served.url);
    } finally {
      await served.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify({ ...results, inFlight: 32 }));
