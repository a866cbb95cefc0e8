// activate()/deactivate() against a mocked `vscode` and a mocked `vscode-languageclient/node`
// (VS Code itself cannot run here): the client starts the bundled server over stdio for
// agentpolicy documents, watches manifests, and stops on deactivate.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const state = vi.hoisted(() => ({
  clients: [] as FakeClient[],
  watchers: [] as { glob: string; disposed: boolean }[],
  activeEditor: undefined as { document: { languageId: string; uri: { toString(): string } } } | undefined,
  startError: undefined as Error | undefined,
}));

interface FakeClient {
  id: string;
  name: string;
  serverOptions: unknown;
  clientOptions: {
    documentSelector: unknown;
    synchronize: { fileEvents: unknown[] };
    middleware: {
      executeCommand: (command: string, args: unknown[], next: (command: string, args: unknown[]) => unknown) => unknown;
    };
  };
  start: ReturnType<typeof vi.fn>;
  stop: ReturnType<typeof vi.fn>;
}

vi.mock("vscode", () => {
  class Uri {
    constructor(private readonly text: string) {}
    static parse(text: string): Uri {
      return new Uri(text);
    }
    toString(): string {
      return this.text;
    }
  }
  return {
    Uri,
    window: {
      get activeTextEditor() {
        return state.activeEditor;
      },
    },
    workspace: {
      createFileSystemWatcher: (glob: string) => {
        const watcher = { glob, disposed: false, dispose: () => void (watcher.disposed = true) };
        state.watchers.push(watcher);
        return watcher;
      },
    },
  };
});

vi.mock("vscode-languageclient/node", () => ({
  TransportKind: { stdio: 0, ipc: 1, pipe: 2, socket: 3 },
  LanguageClient: class {
    readonly start = vi.fn(async () => {
      if (state.startError !== undefined) throw state.startError;
    });
    readonly stop = vi.fn(async () => undefined);
    constructor(
      readonly id: string,
      readonly name: string,
      readonly serverOptions: unknown,
      readonly clientOptions: FakeClient["clientOptions"],
    ) {
      state.clients.push(this as unknown as FakeClient);
    }
  },
}));

const vscode = await import("vscode");
const { activate, deactivate, commandArguments } = await import("../src/extension.js");

function fakeContext() {
  return {
    subscriptions: [] as { dispose(): unknown }[],
    asAbsolutePath: (relative: string) => `/ext/${relative.replace(/\\/g, "/")}`,
  };
}

beforeEach(() => {
  state.clients.length = 0;
  state.watchers.length = 0;
  state.activeEditor = undefined;
  state.startError = undefined;
});

afterEach(async () => {
  await deactivate();
});

describe("activate", () => {
  it("starts one client on the bundled server over stdio for agentpolicy documents", async () => {
    const context = fakeContext();
    await activate(context as never);

    expect(state.clients).toHaveLength(1);
    const [client] = state.clients;
    expect(client.id).toBe("agentpolicy");
    expect(client.serverOptions).toEqual({
      run: { module: "/ext/dist/server.js", transport: 0 },
      debug: { module: "/ext/dist/server.js", transport: 0, options: { execArgv: ["--nolazy", "--inspect=6009"] } },
    });
    expect(client.clientOptions.documentSelector).toEqual([{ language: "agentpolicy" }]);
    expect(client.start).toHaveBeenCalledTimes(1);
  });

  it("watches manifests (every JSON file, so *.tools.json too) and policies, disposed with the extension", async () => {
    const context = fakeContext();
    await activate(context as never);

    const [client] = state.clients;
    expect(state.watchers.map((w) => w.glob)).toEqual(["**/*.json", "**/*.agentpolicy"]);
    expect(client.clientOptions.synchronize.fileEvents).toEqual(state.watchers);
    expect(context.subscriptions).toEqual(expect.arrayContaining(state.watchers));
  });

  it("does not reject when the server fails to start (the client has reported it)", async () => {
    state.startError = new Error("server exited with code 1");
    await expect(activate(fakeContext() as never)).resolves.toBeUndefined();
  });
});

describe("deactivate", () => {
  it("stops the running client, once", async () => {
    await activate(fakeContext() as never);
    const [client] = state.clients;

    await deactivate();
    await deactivate();
    expect(client.stop).toHaveBeenCalledTimes(1);
  });

  it("resolves when no client was ever started, and when stopping fails", async () => {
    await expect(deactivate()).resolves.toBeUndefined();
    await activate(fakeContext() as never);
    state.clients[0].stop.mockRejectedValueOnce(new Error("Client is not running"));
    await expect(deactivate()).resolves.toBeUndefined();
  });
});

describe("server command arguments", () => {
  const policy = { languageId: "agentpolicy", uri: vscode.Uri.parse("file:///w/p.agentpolicy") };

  it("sends the menu's resource as an LSP URI string", () => {
    const uri = vscode.Uri.parse("file:///w/menu.agentpolicy");
    expect(commandArguments("agentpolicy.compile", [uri, [uri]])).toEqual(["file:///w/menu.agentpolicy"]);
  });

  it("falls back to the active agentpolicy editor, else to no argument", () => {
    state.activeEditor = { document: policy };
    expect(commandArguments("agentpolicy.test", [])).toEqual(["file:///w/p.agentpolicy"]);
    state.activeEditor = { document: { languageId: "json", uri: vscode.Uri.parse("file:///w/m.json") } };
    expect(commandArguments("agentpolicy.test", [])).toEqual([]);
    state.activeEditor = undefined;
    expect(commandArguments("agentpolicy.compile", [])).toEqual([]);
  });

  it("passes string arguments and other commands' arguments through unchanged", () => {
    state.activeEditor = { document: policy };
    expect(commandArguments("agentpolicy.compile", ["file:///w/x.agentpolicy"])).toEqual(["file:///w/x.agentpolicy"]);
    const fix = [{ uri: "file:///w/p.agentpolicy", edit: {} }];
    expect(commandArguments("agentpolicy.applyFix", fix)).toBe(fix);
  });

  it("is what the client's executeCommand middleware forwards", async () => {
    await activate(fakeContext() as never);
    state.activeEditor = { document: policy };
    const next = vi.fn((_command: string, args: unknown[]) => args);
    const forwarded = state.clients[0].clientOptions.middleware.executeCommand("agentpolicy.compile", [], next);
    expect(next).toHaveBeenCalledWith("agentpolicy.compile", ["file:///w/p.agentpolicy"]);
    expect(forwarded).toEqual(["file:///w/p.agentpolicy"]);
  });
});
