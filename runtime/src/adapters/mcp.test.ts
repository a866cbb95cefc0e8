import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { MemoryAuditSink } from "../audit.js";
import { createGuard } from "../guard.js";
import { shopProgram } from "./test-support.js";
import type { GuardOptions } from "../guard.js";
import { guardMcpClient } from "./mcp.js";

const program = shopProgram();

const served: string[] = [];
let open: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(open.map((c) => c.close()));
  open = [];
  served.length = 0;
});

/** A tiny in-process MCP server with `search`, `buy` and `delete`, and a client connected to it. */
async function connect(): Promise<Client> {
  const server = new McpServer({ name: "inv", version: "1.0.0" });
  server.registerTool("search", { description: "search", inputSchema: { q: z.string() } }, async ({ q }) => {
    served.push(`search ${q}`);
    return { content: [{ type: "text", text: `found ${q}` }] };
  });
  server.registerTool("buy", { description: "buy", inputSchema: { sku: z.string() } }, async ({ sku }) => {
    served.push(`buy ${sku}`);
    return { content: [{ type: "text", text: `bought ${sku}` }] };
  });
  server.registerTool(
    "delete",
    { description: "delete", inputSchema: { sku: z.string() }, outputSchema: { deleted: z.boolean() } },
    async ({ sku }) => {
      served.push(`delete ${sku}`);
      return { content: [{ type: "text", text: "deleted" }], structuredContent: { deleted: true } };
    },
  );
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "agent", version: "1.0.0" });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  open.push(client, server);
  return client;
}

const setup = (options: GuardOptions = {}) => {
  const audit = new MemoryAuditSink();
  const guard = createGuard(program, { clock: () => 1_000, audit, ...options });
  return { guard, audit };
};

const textOf = (result: unknown): string =>
  ((result as { content: Array<{ type: string; text?: string }> }).content ?? []).map((c) => c.text ?? "").join("");

describe("guardMcpClient", () => {
  it("forwards allowed calls and answers denied ones itself, with isError and the rule and reason", async () => {
    const { guard, audit } = setup();
    const client = guardMcpClient(await connect(), guard, { agent: "shop", session: "s1" }, { alias: "inv", program });

    const found = await client.callTool({ name: "search", arguments: { q: "bolts" } });
    expect(found.isError).not.toBe(true);
    expect(textOf(found)).toBe("found bolts");

    const denied = await client.callTool({ name: "delete", arguments: { sku: "b1" } });
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toContain("nothing is deleted");
    expect(textOf(denied)).toContain("no-delete");

    const review = await client.callTool({ name: "buy", arguments: { sku: "b1" } });
    expect(review.isError).toBe(true);
    expect(textOf(review)).toContain("purchases need a human");

    await client.callTool({ name: "search", arguments: { q: "nuts" } });
    const limited = await client.callTool({ name: "search", arguments: { q: "screws" } });
    expect(limited.isError).toBe(true);
    expect(textOf(limited)).toContain("search-rate");
    expect(limited._meta).toMatchObject({ agentpolicy: { effect: "deny", rules: ["search-rate"], limit: { id: "search-rate", max: 2 } } });

    // only allowed calls reached the server
    expect(served).toEqual(["search bolts", "search nuts"]);
    expect(audit.records.map((r) => [r.request.tool, r.request.session])).toEqual([
      ["inv.search", "s1"],
      ["inv.delete", "s1"],
      ["inv.buy", "s1"],
      ["inv.search", "s1"],
      ["inv.search", "s1"],
    ]);
  });

  it("lists only the tools the agent could be allowed", async () => {
    const { guard } = setup();
    const raw = await connect();
    expect((await raw.listTools()).tools.map((t) => t.name).sort()).toEqual(["buy", "delete", "search"]);
    const shop = guardMcpClient(raw, guard, { agent: "shop" }, { alias: "inv", program });
    expect((await shop.listTools()).tools.map((t) => t.name).sort()).toEqual(["buy", "search"]);
    const stranger = guardMcpClient(raw, guard, { agent: "stranger" }, { alias: "inv", program });
    expect((await stranger.listTools()).tools).toEqual([]);
    const anonymous = guardMcpClient(raw, guard, {}, { alias: "inv", program });
    expect((await anonymous.listTools()).tools).toEqual([]);
    const unfiltered = guardMcpClient(raw, guard, { agent: "shop" }, { alias: "inv" });
    expect((await unfiltered.listTools()).tools).toHaveLength(3);
  });

  it("fails closed: a failing name mapping or a missing agent denies without reaching the server", async () => {
    const { guard } = setup();
    const raw = await connect();
    const broken = guardMcpClient(raw, guard, { agent: "shop" }, {
      toolName: () => {
        throw new Error("unknown server");
      },
    });
    const result = await broken.callTool({ name: "search", arguments: { q: "x" } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("unknown server");
    const nobody = guardMcpClient(raw, guard, {}, { alias: "inv" });
    expect((await nobody.callTool({ name: "search", arguments: { q: "x" } })).isError).toBe(true);
    expect(served).toEqual([]);
  });

  it("passes every other client member through", async () => {
    const { guard } = setup();
    const raw = await connect();
    const client = guardMcpClient(raw, guard, { agent: "shop" }, { alias: "inv", program });
    expect(client.getServerVersion()).toEqual({ name: "inv", version: "1.0.0" });
    await expect(client.ping()).resolves.toBeDefined();
  });
});
