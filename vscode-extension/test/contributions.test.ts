// The declarative half of the extension: the manifest's contributions point at real files, the
// language configuration's patterns compile and do what they claim, and every snippet expands
// (placeholders at their defaults) to text the grammar highlights without an invalid token and
// without leaving a region open.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { extensionDir, loadMarkdownGrammar, scan, tokens } from "./textmate.js";

const readJson = (path: string): unknown => JSON.parse(readFileSync(join(extensionDir, path), "utf8"));

interface Manifest {
  main: string;
  engines: { vscode: string };
  activationEvents: string[];
  devDependencies: Record<string, string>;
  contributes: {
    languages: { id: string; extensions: string[]; aliases: string[]; configuration: string }[];
    grammars: { language?: string; scopeName: string; path: string }[];
    snippets: { language: string; path: string }[];
    commands: { command: string; title: string; category: string }[];
  };
}

interface LanguageConfiguration {
  wordPattern: string;
  indentationRules: { increaseIndentPattern: string; decreaseIndentPattern: string };
  onEnterRules: { beforeText: string; afterText?: string }[];
  autoClosingPairs: { open: string; close: string }[];
  surroundingPairs: [string, string][];
}

type Snippets = Record<string, { prefix: string | string[]; body: string[]; description: string }>;

const manifest = readJson("package.json") as Manifest;
const configuration = readJson("language-configuration.json") as LanguageConfiguration;
const snippets = readJson("snippets/agentpolicy.json") as Snippets;

describe("package.json", () => {
  it("contributes the agentpolicy language with its grammar, configuration and snippets", () => {
    const [language] = manifest.contributes.languages;
    expect(language).toMatchObject({ id: "agentpolicy", extensions: [".agentpolicy"], configuration: "./language-configuration.json" });
    expect(manifest.contributes.grammars).toContainEqual({
      language: "agentpolicy",
      scopeName: "source.agentpolicy",
      path: "./syntaxes/agentpolicy.tmLanguage.json",
    });
    expect(manifest.contributes.snippets).toEqual([{ language: "agentpolicy", path: "./snippets/agentpolicy.json" }]);
    expect(manifest.activationEvents).toEqual(["onLanguage:agentpolicy"]);
    expect(manifest.main).toBe("./dist/extension.js");
  });

  it("points only at files that exist", () => {
    const paths = [
      ...manifest.contributes.languages.map((l) => l.configuration),
      ...manifest.contributes.grammars.map((g) => g.path),
      ...manifest.contributes.snippets.map((s) => s.path),
    ];
    for (const path of paths) expect(existsSync(join(extensionDir, path)), path).toBe(true);
  });

  it("declares the two server commands under the agentpolicy category", () => {
    expect(manifest.contributes.commands).toEqual([
      { command: "agentpolicy.compile", title: "Compile policy", category: "agentpolicy" },
      { command: "agentpolicy.test", title: "Run policy tests", category: "agentpolicy" },
    ]);
  });

  it("keeps @types/vscode within engines.vscode (vsce refuses a newer one)", () => {
    expect(manifest.engines.vscode).toBe("^1.91.0");
    expect(manifest.devDependencies["@types/vscode"]).toBe("~1.91.0");
  });
});

describe("language-configuration.json", () => {
  const words = (text: string) => [...text.matchAll(new RegExp(configuration.wordPattern, "g"))].map((m) => m[0]);

  it("keeps backtick names, money and numbers whole as words", () => {
    expect(words("deny gh.`create-issue` when args.total > $1_000.50 or args.n >= 1_000")).toEqual([
      "deny", "gh", "`create-issue`", "when", "args", "total", "$1_000.50", "or", "args", "n", "1_000",
    ]);
  });

  it("indents after an open brace and outdents a closing one", () => {
    const increase = new RegExp(configuration.indentationRules.increaseIndentPattern);
    const decrease = new RegExp(configuration.indentationRules.decreaseIndentPattern);
    expect(increase.test('agent "reader" {')).toBe(true);
    expect(increase.test("context {")).toBe(true);
    expect(increase.test('agent "reader" { allow inv.get }')).toBe(false);
    expect(increase.test("// a comment {")).toBe(false);
    expect(decrease.test("  }")).toBe(true);
    expect(decrease.test("  allow inv.get")).toBe(false);
  });

  it("continues /// doc comments on Enter", () => {
    const [doc] = configuration.onEnterRules;
    expect(new RegExp(doc.beforeText).test("  /// Reads stock.")).toBe(true);
    expect(new RegExp(doc.beforeText).test("  // plain")).toBe(false);
  });

  it("auto-closes and surrounds with quotes and backticks", () => {
    expect(configuration.autoClosingPairs.map((p) => p.open)).toEqual(expect.arrayContaining(["{", "[", "(", '"', "`"]));
    expect(configuration.surroundingPairs).toEqual(expect.arrayContaining([['"', '"'], ["`", "`"]]));
  });
});

/** A snippet body with every placeholder at its default and every choice at its first option. */
function expand(body: string[]): string {
  let text = body.join("\n");
  for (let previous = ""; previous !== text; ) {
    previous = text;
    text = text
      .replace(/(?<!\\)\$\{\d+\|((?:[^|\\]|\\.)*)\|\}/g, (_m, choices: string) => choices.split(/(?<!\\),/)[0].replace(/\\(.)/g, "$1"))
      .replace(/(?<!\\)\$\{\d+:([^${}]*)\}/g, "$1")
      .replace(/(?<!\\)\$(?:\{\d+\}|\d+)/g, "");
  }
  return text.replace(/\\\$/g, "$");
}

describe("snippets", () => {
  it("expands placeholders, choices and escaped dollars", () => {
    expect(expand(["cost ${1:a.b} = \\$${2:0.05} per ${3|call,x|}$0"])).toBe("cost a.b = $0.05 per call");
    expect(expand(["=> ${1|deny \\| review,allow|}"])).toBe("=> deny | review");
    expect(expand(['from "${2:./${1:alias}.json}"'])).toBe('from "./alias.json"');
  });

  it.each(Object.entries(snippets))("%s has a prefix, a description and a body the grammar accepts", async (_name, snippet) => {
    expect(snippet.prefix.length).toBeGreaterThan(0);
    expect(snippet.description.length).toBeGreaterThan(0);
    const text = expand(snippet.body);
    expect(text).not.toMatch(/\$\{/);
    // The declaration after it must not be swallowed by a region the snippet left open.
    const result = await scan(`${text}\nconst after = 1`);
    expect(result.invalid, text).toEqual([]);
    expect(result.closed, text).toBe(true);
  });
});

describe("Markdown injection", () => {
  it("highlights ```agentpolicy fences with the agentpolicy grammar, and nothing after the fence", async () => {
    const markdown = await loadMarkdownGrammar();
    const text = ["Some prose: allow", "", "```agentpolicy", "deny inv.x because \"no\"", "```", "allow after"].join("\n");
    const scopesOf = (word: string, nth = 1) => tokens(markdown, text).filter(([t]) => t === word)[nth - 1]?.[1] ?? [];
    expect(scopesOf("deny")).toEqual(expect.arrayContaining(["meta.embedded.block.agentpolicy", "keyword.control.effect.deny.agentpolicy"]));
    expect(scopesOf("inv")).toContain("entity.name.namespace.alias.agentpolicy");
    expect(tokens(markdown, text).some(([, scopes]) => scopes.includes("markup.fenced_code.block.markdown"))).toBe(true);
    const after = tokens(markdown, text).at(-1);
    expect(after?.[1]).not.toContain("meta.embedded.block.agentpolicy");
    expect(after?.[1]).not.toContain("keyword.control.effect.allow.agentpolicy");
  });
});
