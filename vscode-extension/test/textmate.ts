// Test helper: the grammar loaded the way VS Code loads it (vscode-textmate over the Oniguruma
// WASM build), and a scan for `invalid.*` tokens and unclosed regions.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as oniguruma from "vscode-oniguruma";
import { INITIAL, Registry, parseRawGrammar, type IGrammar } from "vscode-textmate";

export const extensionDir = join(dirname(fileURLToPath(import.meta.url)), "..");
export const grammarPath = join(extensionDir, "syntaxes", "agentpolicy.tmLanguage.json");
const require = createRequire(import.meta.url);

export const markdownInjectionPath = join(extensionDir, "syntaxes", "agentpolicy.markdown.tmLanguage.json");

/** A stand-in for VS Code's Markdown grammar: only the scope the injection targets. */
const MARKDOWN_STUB = JSON.stringify({ scopeName: "text.html.markdown", patterns: [] });

let registryLoad: Promise<Registry> | undefined;

/** The registry VS Code would build from package.json's `grammars` (Markdown stubbed), created once. */
function registry(): Promise<Registry> {
  registryLoad ??= (async () => {
    const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const files: Record<string, string> = {
      "source.agentpolicy": grammarPath,
      "markdown.agentpolicy.codeblock": markdownInjectionPath,
    };
    return new Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
        createOnigString: (text: string) => new oniguruma.OnigString(text),
      }),
      loadGrammar: async (scopeName: string) => {
        if (scopeName === "text.html.markdown") return parseRawGrammar(MARKDOWN_STUB, "markdown.json");
        const file = files[scopeName];
        return file === undefined ? null : parseRawGrammar(readFileSync(file, "utf8"), file);
      },
      getInjections: (scopeName: string) => (scopeName === "text.html.markdown" ? ["markdown.agentpolicy.codeblock"] : []),
    });
  })();
  return registryLoad;
}

async function load(scopeName: string): Promise<IGrammar> {
  const grammar = await (await registry()).loadGrammar(scopeName);
  if (grammar === null) throw new Error(`${scopeName} did not load`);
  return grammar;
}

/** The `source.agentpolicy` grammar. */
export function loadGrammar(): Promise<IGrammar> {
  return load("source.agentpolicy");
}

/** The (stub) Markdown grammar with the agentpolicy fenced-block injection applied. */
export function loadMarkdownGrammar(): Promise<IGrammar> {
  return load("text.html.markdown");
}

/** Every token of `text` as `[text, scopes]`, tokenized line by line with `grammar`. */
export function tokens(grammar: IGrammar, text: string): [string, string[]][] {
  const out: [string, string[]][] = [];
  let stack = INITIAL;
  for (const line of text.split(/\r?\n/)) {
    const result = grammar.tokenizeLine(line, stack);
    for (const token of result.tokens) out.push([line.slice(token.startIndex, token.endIndex), token.scopes]);
    stack = result.ruleStack;
  }
  return out;
}

export interface ScanResult {
  /** `LINE:COLUMN TEXT SCOPES` for every token with an `invalid.*` scope (1-based). */
  readonly invalid: string[];
  /** True when every begin/end region opened in the text is closed at its end. */
  readonly closed: boolean;
}

/** Tokenizes `text` line by line, as an editor does. */
export async function scan(text: string): Promise<ScanResult> {
  const grammar = await loadGrammar();
  const invalid: string[] = [];
  let stack = INITIAL;
  text.split(/\r?\n/).forEach((line, index) => {
    const { tokens, ruleStack } = grammar.tokenizeLine(line, stack);
    for (const token of tokens) {
      if (token.scopes.some((scope) => scope.startsWith("invalid."))) {
        const slice = line.slice(token.startIndex, token.endIndex);
        invalid.push(`${index + 1}:${token.startIndex + 1} ${slice} ${token.scopes.join(" ")}`);
      }
    }
    stack = ruleStack;
  });
  return { invalid, closed: stack.depth === INITIAL.depth };
}
