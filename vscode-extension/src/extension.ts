// The VS Code client: starts the bundled agentpolicy language server. Everything else (language,
// grammar, snippets, commands, menus) is declared in package.json. Commands run server-side: the
// server lists `agentpolicy.compile` and `agentpolicy.test` in `executeCommandProvider`, and
// vscode-languageclient registers each one as a VS Code command forwarding to
// `workspace/executeCommand`; the only other code here turns VS Code's command arguments into
// the document URI the server needs (`commandArguments`).
import * as path from "node:path";
import { Uri, window, workspace, type ExtensionContext } from "vscode";
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;

/** The server commands that act on one policy file. */
const DOCUMENT_COMMANDS: ReadonlySet<string> = new Set(["agentpolicy.compile", "agentpolicy.test"]);

/**
 * The arguments a server command receives. For the document commands: `[documentUri]` (an LSP
 * URI string) — the menu's resource, else the active agentpolicy editor — or `[]` when there is
 * none; VS Code passes a `Uri` object from menus and nothing from the command palette, neither
 * of which the server can use as is. Arguments that already start with a string, and the
 * arguments of every other command (code actions, code lenses), pass through unchanged.
 */
export function commandArguments(command: string, args: unknown[]): unknown[] {
  if (!DOCUMENT_COMMANDS.has(command) || typeof args[0] === "string") return args;
  if (args[0] instanceof Uri) return [args[0].toString()];
  const document = window.activeTextEditor?.document;
  return document?.languageId === "agentpolicy" ? [document.uri.toString()] : [];
}

export async function activate(context: ExtensionContext): Promise<void> {
  const module = context.asAbsolutePath(path.join("dist", "server.js"));
  // stdio: the transport the server's contract names (TOOLCHAIN.md), also used by `agentpolicy-lsp`.
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.stdio },
    debug: { module, transport: TransportKind.stdio, options: { execArgv: ["--nolazy", "--inspect=6009"] } },
  };
  // Manifests may have any name (`tools x from "./x.json"`), so every JSON file is watched;
  // the server re-checks only the policies that load a changed file.
  const watchers = [workspace.createFileSystemWatcher("**/*.json"), workspace.createFileSystemWatcher("**/*.agentpolicy")];
  context.subscriptions.push(...watchers);
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: "agentpolicy" }],
    synchronize: { fileEvents: watchers },
    middleware: { executeCommand: (command, args, next) => next(command, commandArguments(command, args)) },
  };
  client = new LanguageClient("agentpolicy", "agentpolicy language server", serverOptions, clientOptions);
  try {
    await client.start();
  } catch {
    // The client has already reported the failure (notification + "agentpolicy" output channel);
    // activation itself succeeds so the grammar, snippets and language configuration keep working.
  }
}

export async function deactivate(): Promise<void> {
  const running = client;
  client = undefined;
  if (running === undefined) return;
  try {
    await running.stop();
  } catch {
    // A server that never started, or already died, has nothing left to stop.
  }
}
