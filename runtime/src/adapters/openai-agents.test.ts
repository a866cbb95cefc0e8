import { Agent, Runner, Usage, setTracingDisabled, tool } from "@openai/agents";
import type { Model, ModelRequest, ModelResponse, StreamEvent } from "@openai/agents";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { MemoryAuditSink } from "../audit.js";
import { createGuard } from "../guard.js";
import { shopProgram } from "./test-support.js";
import type { GuardOptions } from "../guard.js";
import { AGENTS_SDK_APPROVER, guardAgentTools, policyToolGuardrail, recordRunUsage } from "./openai-agents.js";

const program = shopProgram();

beforeAll(() => setTracingDisabled(true));

const setup = (options: GuardOptions = {}) => {
  const audit = new MemoryAuditSink();
  const guard = createGuard(program, { agent: "shop", clock: () => 1_000, audit, ...options });
  return { guard, audit };
};

type Call = { readonly name: string; readonly args: object };
let callIds = 0;

/** A model that makes the given tool calls in its first turn (tokens as given), then says "done". */
class ScriptedModel implements Model {
  readonly requests: ModelRequest[] = [];
  private turn = 0;
  constructor(
    private readonly calls: readonly Call[],
    private readonly tokens: readonly [number, number] = [10, 5],
  ) {}
  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    this.requests.push(request);
    const first = this.turn++ === 0;
    const [input, output] = first ? this.tokens : [1, 1];
    const usage = new Usage({ requests: 1, inputTokens: input, outputTokens: output, totalTokens: input + output });
    if (first && this.calls.length > 0) {
      return {
        usage,
        output: this.calls.map((call) => ({
          type: "function_call" as const,
          callId: `call-${++callIds}`,
          name: call.name,
          arguments: JSON.stringify(call.args),
          status: "completed" as const,
        })),
      };
    }
    return {
      usage,
      output: [{ type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text: "done" }] }],
    };
  }
  // eslint-disable-next-line require-yield
  async *getStreamedResponse(): AsyncIterable<StreamEvent> {
    throw new Error("streaming is not used in these tests");
  }
  /** Everything the model was sent after its first turn (tool outputs included), as text. */
  laterInput(): string {
    return JSON.stringify(this.requests.slice(1).map((r) => r.input));
  }
}

const makeTools = (ran: string[]) => [
  tool({ name: "search", description: "search", parameters: z.object({ q: z.string() }), execute: async ({ q }) => (ran.push(`search ${q}`), `found ${q}`) }),
  tool({ name: "buy", description: "buy", parameters: z.object({ sku: z.string() }), execute: async ({ sku }) => (ran.push(`buy ${sku}`), `bought ${sku}`) }),
  tool({ name: "delete", description: "delete", parameters: z.object({ sku: z.string() }), execute: async ({ sku }) => (ran.push(`delete ${sku}`), "deleted") }),
];

const runner = new Runner({ tracingDisabled: true });

describe("guardAgentTools", () => {
  it("runs allowed calls once each, rejects denied ones with the reason the model sees", async () => {
    const { guard, audit } = setup();
    const ran: string[] = [];
    const model = new ScriptedModel([
      { name: "search", args: { q: "bolts" } },
      { name: "delete", args: { sku: "b1" } },
      { name: "search", args: { q: "nuts" } },
      { name: "search", args: { q: "screws" } },
    ]);
    const agent = new Agent({ name: "shop", instructions: "shop", model, tools: guardAgentTools(guard, makeTools(ran), { alias: "inv" }) });
    const result = await runner.run(agent, "go");
    expect(result.finalOutput).toBe("done");
    // two searches fit `search-rate`; the third and the delete are rejected
    expect(ran.sort()).toEqual(["search bolts", "search nuts"]);
    expect(model.laterInput()).toContain("nothing is deleted");
    expect(model.laterInput()).toContain("search-rate");
    // one decision per call, however many hooks looked at it
    expect(audit.records).toHaveLength(4);
    expect(new Set(audit.records.map((r) => r.request.callId)).size).toBe(4);
  });

  it("turns a review into the SDK's approval interruption; the call runs only once approved", async () => {
    const { guard, audit } = setup();
    const ran: string[] = [];
    const model = new ScriptedModel([{ name: "buy", args: { sku: "b1" } }]);
    const agent = new Agent({ name: "shop", instructions: "shop", model, tools: guardAgentTools(guard, makeTools(ran), { alias: "inv" }) });
    const first = await runner.run(agent, "buy b1");
    expect(first.interruptions).toHaveLength(1);
    expect(ran).toEqual([]);
    first.state.approve(first.interruptions[0]!);
    const resumed = await runner.run(agent, first.state);
    expect(resumed.finalOutput).toBe("done");
    expect(ran).toEqual(["buy b1"]);
    // the approval settled the review: limits consumed, and the audit says who approved
    expect(audit.records.map((r) => r.decision.effect)).toEqual(["review", "allow"]);
    expect(audit.records[1]).toMatchObject({ review: { status: "approved", by: AGENTS_SDK_APPROVER } });

    const rejectedModel = new ScriptedModel([{ name: "buy", args: { sku: "b2" } }]);
    const agent2 = new Agent({ name: "shop", instructions: "shop", model: rejectedModel, tools: guardAgentTools(guard, makeTools(ran), { alias: "inv" }) });
    const pending = await runner.run(agent2, "buy b2");
    pending.state.reject(pending.interruptions[0]!);
    await runner.run(agent2, pending.state);
    expect(ran).toEqual(["buy b1"]);
    expect(audit.records).toHaveLength(3); // the rejected call consumed nothing

    const buy = async (sku: string) => {
      const m = new ScriptedModel([{ name: "buy", args: { sku } }]);
      const a = new Agent({ name: "shop", instructions: "shop", model: m, tools: guardAgentTools(guard, makeTools(ran), { alias: "inv" }) });
      const result = await runner.run(a, `buy ${sku}`);
      if (result.interruptions?.length) {
        result.state.approve(result.interruptions[0]!);
        await runner.run(a, result.state);
      }
      return m;
    };
    await buy("b3");
    expect(ran).toEqual(["buy b1", "buy b3"]);
    // `buy-rate` (2 per minute) was consumed by the two approvals: the next purchase is rejected outright
    const over = await buy("b4");
    expect(ran).toEqual(["buy b1", "buy b3"]);
    expect(over.laterInput()).toContain("buy-rate");
  });

  it("still asks the tool's own needsApproval for calls the policy allows", async () => {
    const { guard } = setup();
    const ran: string[] = [];
    const own = tool({
      name: "search",
      description: "search",
      parameters: z.object({ q: z.string() }),
      needsApproval: async () => true,
      execute: async ({ q }) => (ran.push(q), q),
    });
    const model = new ScriptedModel([{ name: "search", args: { q: "bolts" } }]);
    const agent = new Agent({ name: "shop", instructions: "shop", model, tools: guardAgentTools(guard, [own], { alias: "inv" }) });
    const result = await runner.run(agent, "go");
    expect(result.interruptions).toHaveLength(1);
    expect(ran).toEqual([]);
  });

  it("charges the run's tokens before each decision, so a token limit stops the run", async () => {
    const { guard } = setup();
    const ran: string[] = [];
    const model = new ScriptedModel([{ name: "search", args: { q: "bolts" } }], [60, 40]);
    const tools = guardAgentTools(guard, makeTools(ran), { alias: "inv", usage: { agent: "shop" } });
    const result = await runner.run(new Agent({ name: "shop", instructions: "shop", model, tools }), "go");
    expect(ran).toEqual([]);
    expect(model.laterInput()).toContain("tokens");
    // the final turn's 2 tokens were not reported yet; recordRunUsage charges just those, once
    expect(await recordRunUsage(guard, result, { agent: "shop" })).toEqual({ ok: true, charges: 1 });
    expect(await recordRunUsage(guard, result, { agent: "shop" })).toEqual({ ok: true, charges: 0 });
  });

  it("fails closed when the identity resolver throws", async () => {
    const { guard } = setup();
    const ran: string[] = [];
    const model = new ScriptedModel([{ name: "search", args: { q: "bolts" } }]);
    const tools = guardAgentTools(guard, makeTools(ran), {
      alias: "inv",
      identity: () => {
        throw new Error("no user in context");
      },
    });
    await runner.run(new Agent({ name: "shop", instructions: "shop", model, tools }), "go");
    expect(ran).toEqual([]);
    expect(model.laterInput()).toContain("no user in context");
  });

  it("reads the agent from the run context", async () => {
    const { guard, audit } = setup();
    const ran: string[] = [];
    const tools = guardAgentTools(guard, makeTools(ran), {
      alias: "inv",
      identity: (call, context) => ({ agent: (context as { agent: string }).agent, session: "s7", callId: call.callId }),
    });
    await runner.run(new Agent({ name: "a", instructions: "a", model: new ScriptedModel([{ name: "search", args: { q: "x" } }]), tools }), "go", {
      context: { agent: "stranger" },
    });
    expect(ran).toEqual([]);
    expect(audit.records[0]?.request).toMatchObject({ agent: "stranger", session: "s7" });
  });
});

describe("policyToolGuardrail alone", () => {
  it("allows and denies, and rejects a review that no approval hook asked for", async () => {
    const { guard } = setup();
    const ran: string[] = [];
    const guardrail = policyToolGuardrail(guard, { alias: "inv" });
    const tools = [
      tool({ name: "search", description: "s", parameters: z.object({ q: z.string() }), inputGuardrails: [guardrail], execute: async ({ q }) => (ran.push(q), q) }),
      tool({ name: "buy", description: "b", parameters: z.object({ sku: z.string() }), inputGuardrails: [guardrail], execute: async ({ sku }) => (ran.push(sku), sku) }),
    ];
    const model = new ScriptedModel([
      { name: "search", args: { q: "bolts" } },
      { name: "buy", args: { sku: "b1" } },
    ]);
    const result = await runner.run(new Agent({ name: "shop", instructions: "shop", model, tools }), "go");
    expect(result.interruptions ?? []).toHaveLength(0);
    expect(ran).toEqual(["bolts"]);
    expect(model.laterInput()).toContain("purchases need a human");
  });
});
