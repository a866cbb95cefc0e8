import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import type { Decision, ToolRequest } from "@agentpolicy/runtime";
import { createReviewer, parseReviewAnswer, rejectingReviewer } from "./reviewer.js";

const request: ToolRequest = { agent: "a", tool: "inv.order", args: { qty: 7 } };
const decision: Decision = { effect: "review", rules: ["big"], reasons: ["big order"], limit: null, errors: [], policy: "p", policyHash: "sha256:0" };
const node = JSON.stringify(process.execPath);

describe("parseReviewAnswer", () => {
  it("accepts {approved, by, note?}", () => {
    expect(parseReviewAnswer('{"approved": true, "by": "ann"}', "r")).toEqual({ approved: true, by: "ann" });
    expect(parseReviewAnswer('{"approved": false, "by": "ann", "note": "no"}', "r")).toEqual({ approved: false, by: "ann", note: "no" });
  });
  it("refuses anything else", () => {
    for (const text of ["", "yes", "[]", '{"approved": "yes", "by": "a"}', '{"approved": true}', '{"approved": true, "by": ""}', '{"approved": true, "by": "a", "note": 1}']) {
      expect(() => parseReviewAnswer(text, "r"), text).toThrow();
    }
  });
});

describe("command reviewer", () => {
  it("passes {request, decision} on stdin and reads the answer on stdout", async () => {
    const script = `let s="";process.stdin.on("data",c=>s+=c).on("end",()=>{const {request,decision}=JSON.parse(s);console.log(JSON.stringify({approved:request.args.qty<10,by:"cli",note:decision.rules[0]}))})`;
    const reviewer = createReviewer(`${node} -e ${JSON.stringify(script)}`, 10_000, process.cwd());
    expect(await reviewer(request, decision)).toEqual({ approved: true, by: "cli", note: "big" });
  });

  it("rejects on a failing command, bad output, or no answer in time", async () => {
    await expect(createReviewer(`${node} -e "process.exit(3)"`, 10_000, process.cwd())(request, decision)).rejects.toThrow(/exit code 3/);
    await expect(createReviewer(`${node} -e "console.log('ok')"`, 10_000, process.cwd())(request, decision)).rejects.toThrow(/JSON/);
    const started = Date.now();
    await expect(createReviewer(`${node} -e "setTimeout(() => {}, 60000)"`, 300, process.cwd())(request, decision)).rejects.toThrow(/within 300 ms/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe("HTTP reviewer", () => {
  it("POSTs the JSON and reads the answer; a non-2xx status rejects", async () => {
    let received: unknown;
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received = JSON.parse(body);
        if (req.url === "/fail") {
          res.writeHead(503).end();
          return;
        }
        res.writeHead(200, { "content-type": "application/json" }).end('{"approved": false, "by": "web", "note": "too big"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await createReviewer(`${base}/review`, 5000, process.cwd())(request, decision)).toEqual({ approved: false, by: "web", note: "too big" });
      expect(received).toEqual({ request, decision });
      await expect(createReviewer(`${base}/fail`, 5000, process.cwd())(request, decision)).rejects.toThrow(/HTTP 503/);
    } finally {
      server.close();
    }
  });
});

describe("rejectingReviewer", () => {
  it("denies and says that no reviewer is configured", async () => {
    expect(await rejectingReviewer("proxy")(request, decision)).toEqual({ approved: false, by: "proxy", note: "no reviewer is configured (--reviewer)" });
  });
});
