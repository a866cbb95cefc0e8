import { AIMessage, ToolMessage, createAgent, fakeModel, tool } from "langchain";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MemoryAuditSink } from "../audit.js";
import { createGuard } from "../guard.js";
import { chargeFailingStore, shopProgram } from "./test-support.js";
import type { GuardOptions } from "../guard.js";
import { Command, MemorySaver } from "@langchain/langgraph";
import { guardStructuredTools, LANGGRAPH_APPROVER, policyMiddleware } from "./langchain.js";

const program = shopProgram();

const setup = (options: GuardOptions = {}) => {
  const audit = new MemoryAuditSink();
  const guard = createGuard(program, { agent: "shop", clock: () => 1_000, audit, ...options });
  return { guard, audit };
};

const makeTools = (ran: string[]) => [
  tool(async ({ q }: { q: string }) => (ran.push(`search ${q}`), `found ${q}`), { name: "search", description: "search", schema: z.object({ q: z.string() }) }),
  tool(async ({ sku }: { sku: string }) => (ran.push(`buy ${sku}`), `bought ${sku}`), { name: "buy", description: "buy", schema: z.object({ sku: z.string() }) }),
  tool(async ({ sku }: { sku: string }) => (ran.push(`delete ${sku}`), "deleted"), { name: "delete", description: "delete", schema: z.object({ sku: z.string() }) }),
];

type ToolCallSpec = { name: string; args: Record<string, unknown>; id: string };
const withUsage = (calls: ToolCallSpec[], input: number, output: number) =>
  new AIMessage({
    content: "",
    tool_calls: calls,
    usage_metadata: { input_tokens: input, output_tokens: output, total_tokens: input + output },
  });
const done = () => new AIMessage({ content: "done", usage_metadata: { input_tokens: 1, output_tokens: 1, total_tokens: 2 } });

const toolMessages = (messages: readonly unknown[]) => messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));

/** The effects audited for one tool call, in order. */
const auditedEffects = (audit: MemoryAuditSink, callId: string) => audit.records.filter((r) => r.request.callId === callId).map((r) => r.decision.effect);

type Paused = { __interrupt__?: { value: unknown }[]; messages: unknown[] };

describe("policyMiddleware (createAgent)", () => {
  it("runs allowed calls and answers denied ones with an error ToolMessage", async () => {
    const { guard, audit } = setup();
    const ran: string[] = [];
    const model = fakeModel()
      .respond(
        withUsage(
          [
            { name: "search", args: { q: "bolts" }, id: "c1" },
            { name: "delete", args: { sku: "b1" }, id: "c2" },
            { name: "buy", args: { sku: "b2" }, id: "c3" },
          ],
          5,
          5,
        ),
      )
      .respond(withUsage([{ name: "search", args: { q: "nuts" }, id: "c4" }], 5, 5))
      .respond(withUsage([{ name: "search", args: { q: "screws" }, id: "c5" }], 5, 5))
      .respond(done());
    const agent = createAgent({ model, tools: makeTools(ran), middleware: [policyMiddleware(guard, { alias: "inv" })] });
    const result = await agent.invoke({ messages: [{ role: "user", content: "go" }] });

    expect(ran.sort()).toEqual(["search bolts", "search nuts"]);
    const byId = new Map(toolMessages(result.messages).map((m) => [m.tool_call_id, m]));
    expect(byId.get("c1")?.content).toBe("found bolts");
    expect(byId.get("c2")).toMatchObject({ status: "error" });
    expect(String(byId.get("c2")?.content)).toContain("nothing is deleted");
    expect(String(byId.get("c3")?.content)).toContain("purchases need a human");
    expect(String(byId.get("c5")?.content)).toContain("search-rate");
    expect(audit.records.map((r) => r.request.callId).sort()).toEqual(["c1", "c2", "c3", "c4", "c5"]);
  });

  it("with review: \"interrupt\", pauses for a human whose answer settles the review and consumes the limit", async () => {
    const { guard, audit } = setup();
    const ran: string[] = [];
    const checkpointer = new MemorySaver();
    /** One purchase on its own thread: the run pauses at the review and is resumed with `answer`. */
    const buy = async (sku: string, answer: unknown) => {
      const model = fakeModel().respond(withUsage([{ name: "buy", args: { sku }, id: `c-${sku}` }], 1, 1)).respond(done());
      const agent = createAgent({ model, tools: makeTools(ran), checkpointer, middleware: [policyMiddleware(guard, { alias: "inv", review: "interrupt" })] });
      const config = { configurable: { thread_id: `thread-${sku}` } };
      const first = (await agent.invoke({ messages: [{ role: "user", content: `buy ${sku}` }] }, config)) as Paused;
      if (first.__interrupt__ === undefined) return { paused: null, messages: first.messages };
      const resumed = await agent.invoke(new Command({ resume: answer }), config);
      return { paused: first.__interrupt__[0]?.value, messages: resumed.messages };
    };

    const approved = await buy("b1", { approved: true, by: "ops" });
    expect(approved.paused).toMatchObject({ type: "agentpolicy/review", tool: "inv.buy", toolName: "buy", toolCallId: "c-b1", args: { sku: "b1" } });
    expect(ran).toEqual(["buy b1"]);
    expect(audit.records.at(-1)).toMatchObject({ decision: { effect: "allow", review: { approved: true, by: "ops" } } });

    const rejected = await buy("b2", { approved: false, by: "ops", note: "not now" });
    expect(ran).toEqual(["buy b1"]);
    expect(String(toolMessages(rejected.messages).at(-1)?.content)).toContain("rejected in review by ops: not now");

    await buy("b3", true);
    expect(ran).toEqual(["buy b1", "buy b3"]);
    expect(audit.records.at(-1)).toMatchObject({ decision: { review: { by: LANGGRAPH_APPROVER } } });
    // `buy-rate` (2 per minute) went to the two approvals: the next purchase is refused without asking
    const over = await buy("b4", true);
    expect(over.paused).toBeNull();
    expect(String(toolMessages(over.messages).at(-1)?.content)).toContain("buy-rate");
    expect(ran).toEqual(["buy b1", "buy b3"]);

    // each pause is audited once (the node LangGraph runs again on resume writes no second review),
    // then the settled decision
    expect(auditedEffects(audit, "c-b1")).toEqual(["review", "allow"]);
    expect(auditedEffects(audit, "c-b2")).toEqual(["review", "deny"]);
    expect(auditedEffects(audit, "c-b3")).toEqual(["review", "allow"]);
    expect(auditedEffects(audit, "c-b4")).toEqual(["deny"]);
    expect(audit.records).toHaveLength(7);
    const settled = audit.records.filter((r) => r.decision.effect !== "review" && r.request.callId !== "c-b4");
    expect(settled.map((r) => r.review)).toEqual([
      { status: "approved", by: "ops" },
      { status: "rejected", by: "ops", note: "not now" },
      { status: "approved", by: LANGGRAPH_APPROVER },
    ]);
    expect(settled[1]?.decision).toMatchObject({ effect: "deny", review: { approved: false, by: "ops", note: "not now" } });
    for (const r of audit.records.filter((r) => r.decision.effect === "review")) expect(r.review).toBeUndefined();
  });

  it("with review: \"interrupt\", audits each of two pauses of one run once, then its answer", async () => {
    const { guard, audit } = setup();
    const ran: string[] = [];
    const model = fakeModel()
      .respond(withUsage([{ name: "buy", args: { sku: "b1" }, id: "c1" }], 1, 1))
      .respond(withUsage([{ name: "buy", args: { sku: "b2" }, id: "c2" }], 1, 1))
      .respond(done());
    const agent = createAgent({ model, tools: makeTools(ran), checkpointer: new MemorySaver(), middleware: [policyMiddleware(guard, { alias: "inv", review: "interrupt" })] });
    const config = { configurable: { thread_id: "twice" } };

    const first = (await agent.invoke({ messages: [{ role: "user", content: "buy two" }] }, config)) as Paused;
    expect(first.__interrupt__?.[0]?.value).toMatchObject({ toolCallId: "c1" });
    expect(audit.records.map((r) => r.decision.effect)).toEqual(["review"]);

    const second = (await agent.invoke(new Command({ resume: { approved: true, by: "ops" } }), config)) as Paused;
    expect(second.__interrupt__?.[0]?.value).toMatchObject({ toolCallId: "c2" });
    expect(ran).toEqual(["buy b1"]);
    expect(audit.records.map((r) => [r.request.callId, r.decision.effect])).toEqual([
      ["c1", "review"],
      ["c1", "allow"],
      ["c2", "review"],
    ]);

    const last = (await agent.invoke(new Command({ resume: { approved: false, by: "ops" } }), config)) as Paused;
    expect(last.__interrupt__).toBeUndefined();
    expect(ran).toEqual(["buy b1"]);
    expect(String(toolMessages(last.messages).at(-1)?.content)).toContain("rejected in review by ops");
    expect(audit.records.map((r) => [r.request.callId, r.decision.effect])).toEqual([
      ["c1", "review"],
      ["c1", "allow"],
      ["c2", "review"],
      ["c2", "deny"],
    ]);
    expect(audit.records.map((r) => r.request.session)).toEqual(["twice", "twice", "twice", "twice"]);
  });

  it("with review: \"interrupt\", an approval given after the limit ran out during the pause is a denial", async () => {
    const { guard, audit } = setup();
    const ran: string[] = [];
    const checkpointer = new MemorySaver();
    const agentFor = (sku: string) =>
      createAgent({
        model: fakeModel().respond(withUsage([{ name: "buy", args: { sku }, id: `c-${sku}` }], 1, 1)).respond(done()),
        tools: makeTools(ran),
        checkpointer,
        middleware: [policyMiddleware(guard, { alias: "inv", review: "interrupt" })],
      });
    const skus = ["b1", "b2", "b3"];
    const agents = skus.map(agentFor);
    // three purchases pause at once: a pending review consumes nothing, so `buy-rate` (2) has room for each
    for (const [i, sku] of skus.entries()) {
      const paused = (await agents[i]!.invoke({ messages: [{ role: "user", content: sku }] }, { configurable: { thread_id: sku } })) as Paused;
      expect(paused.__interrupt__).toHaveLength(1);
    }
    const results: Paused[] = [];
    for (const [i, sku] of skus.entries()) {
      results.push((await agents[i]!.invoke(new Command({ resume: true }), { configurable: { thread_id: sku } })) as Paused);
    }
    expect(ran).toEqual(["buy b1", "buy b2"]);
    expect(String(toolMessages(results[2]!.messages).at(-1)?.content)).toContain("buy-rate");
    expect(auditedEffects(audit, "c-b1")).toEqual(["review", "allow"]);
    expect(auditedEffects(audit, "c-b2")).toEqual(["review", "allow"]);
    expect(auditedEffects(audit, "c-b3")).toEqual(["review", "deny"]);
    expect(audit.records.at(-1)?.decision).toMatchObject({ effect: "deny", rules: ["buy-rate"], limit: { id: "buy-rate" } });
  });

  it("with review: \"interrupt\", does not pause when the review's audit record cannot be written (fail closed)", async () => {
    const ran: string[] = [];
    const guard = createGuard(program, {
      agent: "shop",
      clock: () => 1_000,
      audit: {
        write: async () => {
          throw new Error("disk full");
        },
      },
    });
    const model = fakeModel().respond(withUsage([{ name: "buy", args: { sku: "b1" }, id: "c1" }], 1, 1)).respond(done());
    const agent = createAgent({ model, tools: makeTools(ran), checkpointer: new MemorySaver(), middleware: [policyMiddleware(guard, { alias: "inv", review: "interrupt" })] });
    const result = (await agent.invoke({ messages: [{ role: "user", content: "buy" }] }, { configurable: { thread_id: "t" } })) as Paused;
    expect(result.__interrupt__).toBeUndefined();
    expect(ran).toEqual([]);
    expect(toolMessages(result.messages)[0]).toMatchObject({ status: "error" });
    expect(String(toolMessages(result.messages)[0]?.content)).toContain("audit failed: disk full");
  });

  it("with review: \"interrupt\" in shadow mode, runs the call without pausing and audits the review once", async () => {
    const { guard, audit } = setup({ mode: "shadow" });
    const ran: string[] = [];
    const model = fakeModel().respond(withUsage([{ name: "buy", args: { sku: "b1" }, id: "c1" }], 1, 1)).respond(done());
    const agent = createAgent({ model, tools: makeTools(ran), checkpointer: new MemorySaver(), middleware: [policyMiddleware(guard, { alias: "inv", review: "interrupt" })] });
    const result = (await agent.invoke({ messages: [{ role: "user", content: "buy" }] }, { configurable: { thread_id: "t" } })) as Paused;
    expect(result.__interrupt__).toBeUndefined();
    expect(ran).toEqual(["buy b1"]);
    expect(audit.records.map((r) => r.decision)).toEqual([expect.objectContaining({ effect: "review", shadow: true })]);
  });

  it("with review: \"interrupt\" but no checkpointer, a review is an error ToolMessage (fail closed)", async () => {
    const { guard } = setup();
    const ran: string[] = [];
    const model = fakeModel().respond(withUsage([{ name: "buy", args: { sku: "b1" }, id: "c1" }], 1, 1)).respond(done());
    const agent = createAgent({ model, tools: makeTools(ran), middleware: [policyMiddleware(guard, { alias: "inv", review: "interrupt" })] });
    const result = await agent.invoke({ messages: [{ role: "user", content: "buy" }] });
    expect(ran).toEqual([]);
    expect(toolMessages(result.messages)[0]).toMatchObject({ status: "error" });
    expect(String(toolMessages(result.messages)[0]?.content)).toContain("purchases need a human");
  });

  it("charges usage_metadata of every model response, so a token limit stops tool calls", async () => {
    const { guard } = setup();
    const ran: string[] = [];
    const model = fakeModel()
      .respond(withUsage([{ name: "search", args: { q: "bolts" }, id: "c1" }], 70, 30))
      .respond(done());
    const agent = createAgent({ model, tools: makeTools(ran), middleware: [policyMiddleware(guard, { alias: "inv", usage: { agent: "shop" } })] });
    const result = await agent.invoke({ messages: [{ role: "user", content: "go" }] });
    expect(ran).toEqual([]);
    expect(String(toolMessages(result.messages)[0]?.content)).toMatch(/tokens/);
  });

  it("fails the model call when usage cannot be recorded", async () => {
    const { guard } = setup({ store: chargeFailingStore() });
    const agent = createAgent({
      model: fakeModel().respond(done()),
      tools: makeTools([]),
      middleware: [policyMiddleware(guard, { alias: "inv", usage: { agent: "shop" } })],
    });
    await expect(agent.invoke({ messages: [{ role: "user", content: "go" }] })).rejects.toThrow(/store down/);
  });

  it("takes the agent from the runtime context and the session from the thread, and fails closed", async () => {
    const { guard, audit } = setup();
    const ran: string[] = [];
    const agent = createAgent({
      model: fakeModel()
        .respond(withUsage([{ name: "search", args: { q: "x" }, id: "c1" }], 1, 1))
        .respond(done()),
      tools: makeTools(ran),
      middleware: [
        policyMiddleware(guard, { alias: "inv", identity: (_call, runtime) => ({ agent: (runtime.context as { agent: string }).agent }) }),
      ],
      contextSchema: z.object({ agent: z.string() }),
    });
    await agent.invoke({ messages: [{ role: "user", content: "go" }] }, { context: { agent: "stranger" }, configurable: { thread_id: "t-1" } });
    expect(ran).toEqual([]);
    expect(audit.records[0]?.request).toMatchObject({ agent: "stranger", session: "t-1" });

    const failing = createAgent({
      model: fakeModel()
        .respond(withUsage([{ name: "search", args: { q: "x" }, id: "c1" }], 1, 1))
        .respond(done()),
      tools: makeTools(ran),
      middleware: [
        policyMiddleware(guard, {
          toolName: () => {
            throw new Error("unmapped tool");
          },
        }),
      ],
    });
    const result = await failing.invoke({ messages: [{ role: "user", content: "go" }] });
    expect(ran).toEqual([]);
    expect(String(toolMessages(result.messages)[0]?.content)).toContain("unmapped tool");
  });
});

/** `tool.invoke` without the overload unions of each tool's own type. */
const invoke = (t: unknown, input: unknown): Promise<unknown> => (t as { invoke(input: unknown): Promise<unknown> }).invoke(input);

describe("guardStructuredTools", () => {
  it("keeps name, description and schema; runs allowed calls and throws PolicyDenied otherwise", async () => {
    const { guard, audit } = setup();
    const ran: string[] = [];
    const [searchTool, , deleteTool] = makeTools(ran);
    const [search] = guardStructuredTools(guard, [searchTool], { alias: "inv" });
    const [del] = guardStructuredTools(guard, [deleteTool], { alias: "inv" });
    expect(search?.name).toBe("search");
    expect(search?.description).toBe("search");
    expect(await invoke(search, { q: "bolts" })).toBe("found bolts");
    const message = await invoke(search, { id: "c9", name: "search", args: { q: "nuts" }, type: "tool_call" });
    expect(ToolMessage.isInstance(message)).toBe(true);
    expect((message as ToolMessage).content).toBe("found nuts");
    expect(audit.records[1]?.request.callId).toBe("c9");
    await expect(invoke(del, { sku: "b1" })).rejects.toMatchObject({ name: "PolicyDenied", message: expect.stringContaining("nothing is deleted") });
    expect(ran).toEqual(["search bolts", "search nuts"]);
  });
});
