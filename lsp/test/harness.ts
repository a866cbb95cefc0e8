/**
 * Drives the real language server over stdio, as VS Code does: a child process speaking
 * JSON-RPC through `createProtocolConnection`.
 *
 * The server is the current source: `lsp/src/server.ts` bundled by esbuild (compiler
 * and runtime from their TypeScript sources, packages external) into
 * `lsp/node_modules/.cache/`, so a test never runs a stale `tsc` build. With
 * `AGENTPOLICY_LSP_SERVER=bin` the built bin (`lsp/bin/agentpolicy-lsp.js`, after
 * `npm run build`) is spawned instead.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import {
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  type InitializeResult,
  LogMessageNotification,
  type LogMessageParams,
  type ProtocolConnection,
  PublishDiagnosticsNotification,
  type PublishDiagnosticsParams,
  ShowMessageNotification,
  type ShowMessageParams,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type TextDocumentContentChangeEvent,
} from "vscode-languageserver-protocol/node";

const here = dirname(fileURLToPath(import.meta.url));
export const LSP_DIR = resolve(here, "..");
const ROOT = resolve(LSP_DIR, "..");
export const FIXTURES = join(here, "fixtures");

let bundled: Promise<string> | null = null;

/** Bundles the server from source (once per test process) and returns the bundle's path. */
export function serverBundle(): Promise<string> {
  bundled ??= (async () => {
    const dir = join(LSP_DIR, "node_modules", ".cache", "agentpolicy-lsp-test");
    mkdirSync(dir, { recursive: true });
    const result = await esbuild.build({
      entryPoints: [join(LSP_DIR, "src", "server.ts")],
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      write: false,
      outfile: join(dir, "server.mjs"),
      packages: "external",
      sourcemap: "inline",
      logLevel: "silent",
      plugins: [
        {
          name: "agentpolicy-workspace-sources",
          setup(build) {
            build.onResolve({ filter: /^@agentpolicy\/(compiler|runtime)(\/.*)?$/ }, (args) => {
              const [, pkg, sub] = /^@agentpolicy\/(compiler|runtime)(?:\/(.*))?$/.exec(args.path)!;
              return { path: join(ROOT, pkg, "src", `${sub ?? "index"}.ts`) };
            });
          },
        },
      ],
    });
    const code = result.outputFiles[0].text;
    // Named by content: test files running in parallel share one bundle per source state.
    const out = join(dir, `server-${createHash("sha256").update(code).digest("hex").slice(0, 16)}.mjs`);
    if (existsSync(out)) return out;
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, out);
    return out;
  })();
  return bundled;
}

export interface ServerOptions {
  /** Extra `initializationOptions`. */
  readonly initializationOptions?: Record<string, unknown>;
  readonly rootDir: string;
}

/** A language client talking to one server process. */
export class TestClient {
  readonly diagnostics: PublishDiagnosticsParams[] = [];
  readonly messages: ShowMessageParams[] = [];
  readonly logs: LogMessageParams[] = [];
  readonly errors: unknown[] = [];
  stderr = "";
  initializeResult!: InitializeResult;
  private readonly waiters = new Set<() => void>();
  private exitCode: Promise<number | null>;

  private constructor(
    readonly process: ChildProcessWithoutNullStreams,
    readonly connection: ProtocolConnection,
  ) {
    this.exitCode = new Promise((res) => process.on("exit", (code) => res(code)));
    process.stderr.on("data", (d: Buffer) => (this.stderr += d.toString()));
    connection.onNotification(PublishDiagnosticsNotification.type, (p) => this.push(this.diagnostics, p));
    connection.onNotification(ShowMessageNotification.type, (p) => this.push(this.messages, p));
    connection.onNotification(LogMessageNotification.type, (p) => this.push(this.logs, p));
    connection.onError((e) => this.errors.push(e));
    connection.listen();
  }

  static async start(options: ServerOptions): Promise<TestClient> {
    const [command, args] =
      process.env.AGENTPOLICY_LSP_SERVER === "bin" ? [process.execPath, [join(LSP_DIR, "bin", "agentpolicy-lsp.js"), "--stdio"]] : [process.execPath, [await serverBundle(), "--stdio"]];
    const child = spawn(command, args, { cwd: options.rootDir, stdio: "pipe" });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const client = new TestClient(child, connection);
    const rootUri = pathToFileURL(options.rootDir).href;
    client.initializeResult = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: "test" }],
      capabilities: {
        textDocument: {
          completion: { completionItem: { snippetSupport: true } },
          publishDiagnostics: { relatedInformation: true, codeDescriptionSupport: true, versionSupport: true },
        },
      },
      initializationOptions: options.initializationOptions ?? {},
    });
    await connection.sendNotification(InitializedNotification.type, {});
    return client;
  }

  private push<T>(list: T[], item: T): void {
    list.push(item);
    for (const w of [...this.waiters]) w();
  }

  /** Resolves with the first item (received from `since` on) that satisfies `test`. */
  waitFor<T>(list: readonly T[], test: (item: T) => boolean, what: string, since = 0, timeoutMs = 20_000): Promise<T> {
    return new Promise((res, rej) => {
      const check = () => {
        for (let i = since; i < list.length; i++)
          if (test(list[i])) {
            this.waiters.delete(check);
            clearTimeout(timer);
            res(list[i]);
            return;
          }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        rej(new Error(`timed out waiting for ${what}; stderr: ${this.stderr}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** The next diagnostics published for `uri` (optionally of a version, or satisfying `test`). */
  diagnosticsFor(uri: string, test: (p: PublishDiagnosticsParams) => boolean = () => true, since = 0): Promise<PublishDiagnosticsParams> {
    return this.waitFor(this.diagnostics, (p) => p.uri === uri && test(p), `diagnostics for ${uri}`, since);
  }

  async open(uri: string, text: string, version = 1): Promise<void> {
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: "agentpolicy", version, text } });
  }

  async change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): Promise<void> {
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: changes });
  }

  /** Shuts the server down as a client does; resolves with its exit code. */
  async stop(): Promise<number | null> {
    try {
      await this.connection.sendRequest(ShutdownRequest.type);
      await this.connection.sendNotification(ExitNotification.type);
    } catch {
      this.process.kill();
    }
    const code = await Promise.race([this.exitCode, new Promise<null>((r) => setTimeout(() => r(null), 5000))]);
    this.connection.dispose();
    if (this.process.exitCode === null) this.process.kill();
    return code;
  }
}

/** A fresh copy of a fixture folder in the temp directory. */
export function fixtureCopy(name: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `agentpolicy-lsp-${name}-`));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return { dir, remove: () => (existsSync(dir) ? rmSync(dir, { recursive: true, force: true }) : undefined) };
}
