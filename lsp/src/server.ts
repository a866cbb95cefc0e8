/**
 * The agentpolicy language server: wiring only. Documents go into the workspace
 * (workspace.ts), each request is answered by a pure handler over the document's
 * snapshot (handlers/), and the answers go back over the connection.
 *
 * Contracts:
 * - stdout carries the protocol and nothing else (the library routes `console` to the
 *   client's log when it runs over stdio); logs go to `connection.console`.
 * - A handler that throws answers an empty result and logs the error; the server keeps
 *   running. Refused renames answer a `RequestFailed` error with the reason.
 * - Diagnostics are published per document version (scheduler.ts), and again for every
 *   open policy that loads a manifest changed on disk.
 *
 * Settings (`initializationOptions`, or `agentpolicy` in `workspace/didChangeConfiguration`):
 * `diagnosticsDelay` (ms, default 150), `diagnosticsDocsUrl` (a URL with `{code}`, or a
 * base to which `#<code>` is appended), `compile.outDir`, `compile.emit` (`ts`|`js`),
 * `test.runs`, `test.seed`.
 */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseDocument } from "@agentpolicy/compiler";
import {
  CodeActionKind,
  type Connection,
  createConnection,
  DidChangeWatchedFilesNotification,
  LSPErrorCodes,
  MessageType,
  ProposedFeatures,
  ResponseError,
  ShowMessageNotification,
  TextDocuments,
  TextDocumentSyncKind,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { type CodeDocs, uriToPath } from "./convert.js";
import { handleCodeActions } from "./handlers/code-actions.js";
import { COMMANDS, type CommandOutcome, type CommandSettings, runCompileCommand, runTestCommand } from "./handlers/commands.js";
import { handleCompletion } from "./handlers/completion.js";
import { handleDefinition } from "./handlers/definition.js";
import { handleDiagnostics } from "./handlers/diagnostics.js";
import { handleDocumentSymbols } from "./handlers/document-symbols.js";
import { handleFormatting } from "./handlers/formatting.js";
import { handleHover } from "./handlers/hover.js";
import { handleDocumentHighlight, handlePrepareRename, handleReferences, handleRename, RenameError } from "./handlers/references.js";
import { handleSemanticTokens, LEGEND } from "./handlers/semantic-tokens.js";
import { Scheduler } from "./scheduler.js";
import type { Snapshot } from "./snapshot.js";
import { Workspace } from "./workspace.js";

interface Settings {
  diagnosticsDelay: number;
  diagnosticsDocsUrl: string | null;
  compile: CommandSettings;
  test: CommandSettings;
}

const DEFAULT_DELAY = 150;

export function startServer(connection: Connection = createConnection(ProposedFeatures.all)): Connection {
  const documents = new TextDocuments(TextDocument);
  const settings: Settings = { diagnosticsDelay: DEFAULT_DELAY, diagnosticsDocsUrl: defaultDocsUrl(), compile: {}, test: {} };
  let workspace = new Workspace();
  let snippets = true;
  let docs: CodeDocs = codeDocs(settings.diagnosticsDocsUrl);
  const published = new Map<string, Snapshot>();

  const log = (message: string) => connection.console.log(message);
  /** `window/showMessage` (a notification: nothing waits for the user). */
  const show = (type: MessageType, message: string) => void connection.sendNotification(ShowMessageNotification.type, { type, message }).catch(() => {});
  const timings = process.env.AGENTPOLICY_LSP_TIMINGS === "1";
  const publish = (uri: string) => {
    const t0 = performance.now();
    const snap = safely("diagnostics", undefined, () => workspace.snapshot(uri));
    if (!snap || published.get(uri) === snap) return;
    published.set(uri, snap);
    const diagnostics = safely("diagnostics", [], () => handleDiagnostics(snap, docs));
    void connection.sendDiagnostics({ uri, version: snap.version, diagnostics });
    if (timings) process.stderr.write(`agentpolicy-lsp: v${snap.version} checked and published in ${(performance.now() - t0).toFixed(1)} ms\n`);
  };
  const scheduler = new Scheduler(DEFAULT_DELAY, publish);

  /** Runs a handler; an exception is logged and answered with `empty`. */
  function safely<R>(what: string, empty: R, fn: () => R): R {
    try {
      return fn();
    } catch (e) {
      connection.console.error(`agentpolicy: ${what} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return empty;
    }
  }

  /** A request handler over the snapshot of `params.textDocument.uri`. */
  function onDocument<P extends { textDocument: { uri: string } }, R>(what: string, empty: R, fn: (snap: Snapshot, params: P) => R): (params: P) => R {
    return (params: P) =>
      safely(what, empty, () => {
        const snap = workspace.snapshot(params.textDocument.uri);
        return snap ? fn(snap, params) : empty;
      });
  }

  const applySettings = (raw: unknown) => {
    if (!raw || typeof raw !== "object") return;
    const s = raw as Record<string, unknown>;
    if (typeof s.diagnosticsDelay === "number") settings.diagnosticsDelay = s.diagnosticsDelay;
    if (typeof s.diagnosticsDocsUrl === "string" || s.diagnosticsDocsUrl === null) settings.diagnosticsDocsUrl = (s.diagnosticsDocsUrl as string | null) || null;
    if (s.compile && typeof s.compile === "object") settings.compile = { ...settings.compile, ...commandSettings(s.compile as Record<string, unknown>) };
    if (s.test && typeof s.test === "object") settings.test = { ...settings.test, ...commandSettings(s.test as Record<string, unknown>) };
    scheduler.setDelay(settings.diagnosticsDelay);
    docs = codeDocs(settings.diagnosticsDocsUrl);
  };

  let dynamicWatchers = false;
  connection.onInitialize((params) => {
    const root = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? null;
    const rootPath = root ? uriToPath(root) : null;
    workspace = new Workspace(undefined, rootPath ?? process.cwd());
    snippets = params.capabilities.textDocument?.completion?.completionItem?.snippetSupport === true;
    dynamicWatchers = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    applySettings(params.initializationOptions);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: [".", '"', "(", "@"], resolveProvider: false },
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        documentHighlightProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: { label: "agentpolicy" },
        documentFormattingProvider: true,
        semanticTokensProvider: { legend: LEGEND, full: true, range: true },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        executeCommandProvider: { commands: [COMMANDS.compile, COMMANDS.test] },
      },
      serverInfo: { name: "agentpolicy-lsp", version: "0.1.0" },
    };
  });

  connection.onInitialized(() => {
    // Build the parser (Chevrotain's grammar analysis) now rather than on the first keystroke.
    setTimeout(() => safely("warm-up", undefined, () => void parseDocument("policy warm_up\n", "warm-up.agentpolicy")), 0);
    if (dynamicWatchers)
      void connection.client
        .register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: "**/*.json" }, { globPattern: "**/*.agentpolicy" }] })
        .catch((e: unknown) => log(`agentpolicy: could not register file watchers: ${String(e)}`));
  });

  connection.onDidChangeConfiguration((change) => {
    const s = (change.settings as { agentpolicy?: unknown } | null)?.agentpolicy;
    applySettings(s);
  });

  // Fired for `didOpen` as well as for every `didChange`.
  documents.onDidChangeContent((e) => {
    workspace.update(e.document.uri, e.document.version, e.document.getText());
    scheduler.schedule(e.document.uri);
  });
  documents.onDidClose((e) => {
    scheduler.cancel(e.document.uri);
    workspace.close(e.document.uri);
    published.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.onDidChangeWatchedFiles((params) => {
    const paths: string[] = [];
    for (const c of params.changes) {
      const p = uriToPath(c.uri);
      if (p !== null) paths.push(p);
    }
    const affected = safely("file changes", [] as string[], () => workspace.filesChanged(paths));
    for (const uri of affected) {
      published.delete(uri);
      scheduler.schedule(uri);
    }
  });

  // Completion reads the newest checked version with the current text: it never waits for a check.
  connection.onCompletion((params) =>
    safely("completion", { isIncomplete: false, items: [] }, () => {
      const input = workspace.completionInput(params.textDocument.uri);
      return input ? handleCompletion(input, params, { snippets }) : { isIncomplete: false, items: [] };
    }),
  );
  connection.onHover(onDocument("hover", null, handleHover));
  connection.onDefinition(onDocument("definition", [], handleDefinition));
  connection.onReferences(onDocument("references", [], handleReferences));
  connection.onDocumentHighlight(onDocument("highlight", [], handleDocumentHighlight));
  connection.onDocumentSymbol(onDocument("symbols", [], handleDocumentSymbols));
  connection.onDocumentFormatting(onDocument("formatting", [], handleFormatting));
  connection.onCodeAction(onDocument("code actions", [], (s, p) => handleCodeActions(s, p, docs)));
  connection.languages.semanticTokens.on(onDocument("semantic tokens", { data: [] }, (s) => handleSemanticTokens(s)));
  connection.languages.semanticTokens.onRange(onDocument("semantic tokens", { data: [] }, (s, p) => handleSemanticTokens(s, p.range)));

  connection.onPrepareRename((params) => {
    const r = safely("rename", null, () => {
      const snap = workspace.snapshot(params.textDocument.uri);
      return snap ? handlePrepareRename(snap, params) : null;
    });
    if (r instanceof RenameError) throw new ResponseError(LSPErrorCodes.RequestFailed, r.message);
    return r;
  });
  connection.onRenameRequest((params) => {
    const r = safely("rename", null, () => {
      const snap = workspace.snapshot(params.textDocument.uri);
      return snap ? handleRename(snap, params) : null;
    });
    if (r instanceof RenameError) throw new ResponseError(LSPErrorCodes.RequestFailed, r.message);
    return r;
  });

  connection.onExecuteCommand(async (params) => {
    if (params.command !== COMMANDS.compile && params.command !== COMMANDS.test) return null;
    try {
      const arg = params.arguments?.[0];
      const open = workspace.openUris();
      const uri = typeof arg === "string" ? arg : open.length === 1 ? open[0] : null;
      if (uri === null) {
        show(MessageType.Error, `agentpolicy: open a policy file to ${params.command === COMMANDS.compile ? "compile" : "test"}.`);
        return { ok: false, message: "no policy", details: [] } satisfies CommandOutcome;
      }
      const snap = workspace.snapshotOf(uri);
      if (!snap) {
        show(MessageType.Error, `agentpolicy: cannot read ${uri}.`);
        return { ok: false, message: `cannot read ${uri}`, details: [] } satisfies CommandOutcome;
      }
      const outcome = params.command === COMMANDS.compile ? await runCompileCommand(snap, settings.compile) : await runTestCommand(snap, settings.test);
      for (const line of outcome.details) log(line);
      show(outcome.ok ? MessageType.Info : MessageType.Error, outcome.message);
      return outcome;
    } catch (e) {
      connection.console.error(`agentpolicy: ${params.command} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      show(MessageType.Error, `agentpolicy: ${params.command} failed.`);
      return null;
    }
  });

  // Last line of defence: a stray rejection or exception is logged, never fatal.
  process.on("unhandledRejection", (e) => connection.console.error(`agentpolicy: unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
  process.on("uncaughtException", (e) => connection.console.error(`agentpolicy: uncaught exception: ${e.stack ?? e.message}`));
  connection.onShutdown(() => scheduler.dispose());
  documents.listen(connection);
  connection.listen();
  log(`agentpolicy-lsp started (node ${process.version})`);
  return connection;
}

function commandSettings(raw: Record<string, unknown>): CommandSettings {
  const out: { -readonly [K in keyof CommandSettings]: CommandSettings[K] } = {};
  if (typeof raw.outDir === "string" && raw.outDir !== "") out.outDir = raw.outDir;
  if (raw.emit === "ts" || raw.emit === "js") out.emit = raw.emit;
  if (typeof raw.runs === "number" && Number.isSafeInteger(raw.runs) && raw.runs > 0) out.runs = raw.runs;
  if (typeof raw.seed === "number" && Number.isSafeInteger(raw.seed)) out.seed = raw.seed;
  return out;
}

/** `{code}` in the URL becomes the code in lower case; a URL without it and without a fragment gets `#code`. */
function codeDocs(url: string | null): CodeDocs {
  if (!url) return null;
  if (url.includes("{code}")) return (code) => url.replace("{code}", code.toLowerCase());
  return url.includes("#") ? () => url : (code) => `${url}#${code.toLowerCase()}`;
}

/** The language reference's §9 when the server runs from a checkout that has it beside the project; else none. */
function defaultDocsUrl(): string | null {
  try {
    const here = dirname(fileURLToPath(import.meta.url));
    const spec = resolve(here, "..", "..", "..", "shared", "spec", "LANGUAGE.md");
    return existsSync(spec) ? `${pathToFileURL(spec).href}#9-diagnostics` : null;
  } catch {
    return null;
  }
}

startServer();
