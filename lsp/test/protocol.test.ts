// The language server over stdio, driven as VS Code drives it.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CodeActionRequest,
  CompletionRequest,
  DefinitionRequest,
  DidChangeWatchedFilesNotification,
  DidCloseTextDocumentNotification,
  DocumentFormattingRequest,
  DocumentSymbolRequest,
  ExecuteCommandRequest,
  FileChangeType,
  HoverRequest,
  type Location,
  PrepareRenameRequest,
  ReferencesRequest,
  RenameRequest,
  SemanticTokensRequest,
  type Position,
  type Range,
} from "vscode-languageserver-protocol/node";
import { fixtureCopy, TestClient } from "./harness.js";

const fixture = fixtureCopy("shop");
const policyFile = join(fixture.dir, "shop.agentpolicy");
const manifestFile = join(fixture.dir, "orders.tools.json");
const uri = pathToFileURL(policyFile).href;
const manifestUri = pathToFileURL(manifestFile).href;
const original = readFileSync(policyFile, "utf8");
let text = original;
let version = 1;
let client: TestClient;

/** The 0-based position of `needle` (+ `delta`) in the current text. */
function at(needle: string, delta = 0): Position {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`not in the text: ${needle}`);
  const before = text.slice(0, i + delta);
  const line = before.split("\n").length - 1;
  return { line, character: before.length - before.lastIndexOf("\n") - 1 };
}
const slice = (range: Range) => {
  const lines = text.split("\n");
  const off = (p: Position) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return text.slice(off(range.start), off(range.end));
};

/** Replaces `search` with `replacement` through an incremental change; waits for that version's diagnostics. */
async function edit(search: string, replacement: string) {
  const start = at(search);
  const end = at(search, search.length);
  text = text.replace(search, replacement);
  version++;
  const since = client.diagnostics.length;
  await client.change(uri, version, [{ range: { start, end }, text: replacement }]);
  return client.diagnosticsFor(uri, (p) => p.version === version, since);
}

beforeAll(async () => {
  client = await TestClient.start({ rootDir: fixture.dir, initializationOptions: { diagnosticsDocsUrl: "https://docs.example/diagnostics/{code}", test: { runs: 30, seed: 7 } } });
});
afterAll(async () => {
  const code = await client?.stop();
  fixture.remove();
  expect(code).toBe(0);
});

describe("language server over stdio", () => {
  it("announces its capabilities", () => {
    const caps = client.initializeResult.capabilities;
    expect(caps.completionProvider?.triggerCharacters).toContain(".");
    expect(caps).toMatchObject({
      hoverProvider: true,
      definitionProvider: true,
      referencesProvider: true,
      documentFormattingProvider: true,
      renameProvider: { prepareProvider: true },
      executeCommandProvider: { commands: ["agentpolicy.compile", "agentpolicy.test"] },
    });
    expect(caps.semanticTokensProvider?.legend.tokenTypes).toContain("keyword");
  });

  it("publishes diagnostics on open and after an edit, with related information and code descriptions", async () => {
    await client.open(uri, text, version);
    const clean = await client.diagnosticsFor(uri, (p) => p.version === 1);
    expect(clean.diagnostics).toEqual([]);
    const broken = await edit("allow orders.get, orders.search", "allow orders.gte, orders.search");
    const d = broken.diagnostics.find((x) => x.code === "E_UNKNOWN_TOOL")!;
    expect(d.message).toContain("did you mean `get`");
    expect(slice(d.range)).toBe("gte");
    expect(d.codeDescription?.href).toBe("https://docs.example/diagnostics/e_unknown_tool");
    expect(d.relatedInformation?.[0].message).toContain("`orders` is loaded here");
    const fixed = await edit("orders.gte", "orders.get");
    expect(fixed.diagnostics).toEqual([]);
  });

  it("offers a quick fix for `did you mean` and a `has` guard for W_OPTIONAL", async () => {
    const published = await edit("  limit orders.search to 60", "  allow orders.search when args.limit < 50\n  limit orders.search to 60");
    const warning = published.diagnostics.find((x) => x.code === "W_OPTIONAL")!;
    expect(warning).toBeDefined();
    const actions = await client.connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri },
      range: warning.range,
      context: { diagnostics: [warning] },
    });
    const fix = actions?.find((a) => "edit" in a && a.title === "Add the guard `args has limit`");
    expect(fix && "edit" in fix ? fix.edit?.changes?.[uri]?.[0].newText : null).toBe("args has limit and ");
    const cleaned = await edit("  allow orders.search when args.limit < 50\n", "");
    expect(cleaned.diagnostics).toEqual([]);
  });

  it("completes inside a half-typed rule", async () => {
    await edit("  limit orders.search to 60", "  deny orders.\n  limit orders.search to 60");
    const tools = await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: at("deny orders.", "deny orders.".length) });
    const items = Array.isArray(tools) ? tools : (tools?.items ?? []);
    expect(items.map((i) => i.label)).toEqual(expect.arrayContaining(["search", "refund", "get", "*"]));
    await edit("  deny orders.\n", "  deny orders.refund when args.\n");
    const fields = await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: at("when args.\n", "when args.".length) });
    const fieldItems = Array.isArray(fields) ? fields : (fields?.items ?? []);
    expect(fieldItems.map((i) => i.label)).toEqual(expect.arrayContaining(["order_id", "amount", "reason", "note"]));
    expect(fieldItems.find((i) => i.label === "amount")?.detail).toBe("number");
    const restored = await edit("  deny orders.refund when args.\n", "");
    expect(restored.diagnostics).toEqual([]);
  });

  it("answers hover, definition into the manifest, and references", async () => {
    const hover = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: at("orders.refund when", 8) });
    expect(JSON.stringify(hover?.contents)).toContain("Refund an order, fully or in part.");
    const def = (await client.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: at("orders.refund when", 8) })) as Location[];
    expect(def[0].uri).toBe(manifestUri);
    const manifestLines = readFileSync(manifestFile, "utf8").split("\n");
    expect(manifestLines[def[0].range.start.line]).toContain('"name": "refund"');
    const refs = await client.connection.sendRequest(ReferencesRequest.type, { textDocument: { uri }, position: at("const max_refund", 7), context: { includeDeclaration: true } });
    expect(refs?.map((r) => slice(r.range))).toEqual(["max_refund", "max_refund", "max_refund", "max_refund"]);
  });

  it("renames, and refuses an invalid name with an error", async () => {
    const prepared = await client.connection.sendRequest(PrepareRenameRequest.type, { textDocument: { uri }, position: at("const max_refund", 7) });
    expect(prepared).toMatchObject({ placeholder: "max_refund" });
    const renamed = await client.connection.sendRequest(RenameRequest.type, { textDocument: { uri }, position: at("const max_refund", 7), newName: "refund_cap" });
    expect(renamed?.changes?.[uri]).toHaveLength(4);
    await expect(client.connection.sendRequest(RenameRequest.type, { textDocument: { uri }, position: at("const max_refund", 7), newName: "when" })).rejects.toThrow(
      "reserved word",
    );
  });

  it("formats, lists symbols and returns semantic tokens", async () => {
    await edit("const max_refund = 100", "const   max_refund   =    100");
    const edits = await client.connection.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
    expect(edits).toHaveLength(1);
    expect(edits?.[0].newText).toContain("max_refund = 100");
    await edit("const   max_refund   =    100", "const max_refund = 100");
    const symbols = await client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } });
    expect(symbols?.map((s) => s.name)).toEqual(expect.arrayContaining(["shop", "orders", "support", "lead", "no_big_refunds"]));
    const tokens = await client.connection.sendRequest(SemanticTokensRequest.type, { textDocument: { uri } });
    expect(tokens?.data.length).toBeGreaterThan(100);
    expect((tokens?.data.length ?? 0) % 5).toBe(0);
  });

  it("re-checks an open policy when a manifest it loads changes on disk", async () => {
    const before = readFileSync(manifestFile, "utf8");
    writeFileSync(manifestFile, before.replace('"name": "refund"', '"name": "refund_order"'));
    let since = client.diagnostics.length;
    await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: manifestUri, type: FileChangeType.Changed }] });
    const after = await client.diagnosticsFor(uri, () => true, since);
    const unknown = after.diagnostics.filter((d) => d.code === "E_UNKNOWN_TOOL");
    expect(unknown.map((d) => slice(d.range))).toEqual(["refund", "refund", "refund", "refund"]);
    expect(unknown[0].message).toBe("manifest `orders` has no tool `refund`");
    writeFileSync(manifestFile, before);
    since = client.diagnostics.length;
    await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: manifestUri, type: FileChangeType.Changed }] });
    expect((await client.diagnosticsFor(uri, () => true, since)).diagnostics).toEqual([]);
  });

  it("compiles the policy into guards/ and runs its tests, reporting through window/showMessage", async () => {
    let since = client.messages.length;
    const compiled = await client.connection.sendRequest(ExecuteCommandRequest.type, { command: "agentpolicy.compile", arguments: [uri] });
    expect(compiled).toMatchObject({ ok: true });
    expect(existsSync(join(fixture.dir, "guards", "shop.guard.ts"))).toBe(true);
    expect((await client.waitFor(client.messages, () => true, "a message", since)).message).toContain("Compiled shop.agentpolicy");
    since = client.messages.length;
    const tested = await client.connection.sendRequest(ExecuteCommandRequest.type, { command: "agentpolicy.test", arguments: [] });
    expect(tested).toMatchObject({ ok: true, passed: 2, failed: 0 });
    expect((await client.waitFor(client.messages, () => true, "a message", since)).message).toBe("shop.agentpolicy: 2 passed, 0 failed");
  }, 60_000);

  it("answers empty results for unknown documents and odd positions, and keeps running", async () => {
    const other = pathToFileURL(join(fixture.dir, "nope.agentpolicy")).href;
    expect(await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri: other }, position: { line: 0, character: 0 } })).toBeNull();
    expect(await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 9999, character: 9999 } })).toBeNull();
    const completion = await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: -1, character: -5 } });
    expect(completion).toBeDefined();
    // A malformed request makes the handler throw: the answer is empty and the server lives on.
    const malformed = { textDocument: { uri }, position: null } as unknown as { textDocument: { uri: string }; position: Position };
    expect(await client.connection.sendRequest(DefinitionRequest.type, malformed)).toEqual([]);
    expect(await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: at("policy") })).not.toBeNull();
    await client.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    const since = client.diagnostics.length;
    const cleared = await client.diagnosticsFor(uri, (p) => p.version === undefined, since);
    expect(cleared.diagnostics).toEqual([]);
    expect(client.errors).toEqual([]);
  });
});
