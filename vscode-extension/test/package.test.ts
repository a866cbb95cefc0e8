// Packaging end to end: the esbuild bundles, then `vsce package --no-dependencies` (as the
// `package` script runs it) into a temporary folder; the .vsix must hold the bundles and every
// file the manifest points at, and nothing from src/, test/ or node_modules/.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { inflateRawSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const extensionDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const manifest = JSON.parse(readFileSync(join(extensionDir, "package.json"), "utf8")) as ExtensionManifest;

interface ExtensionManifest {
  name: string;
  version: string;
  main: string;
  contributes: {
    languages: { configuration: string }[];
    grammars: { path: string }[];
    snippets: { path: string }[];
  };
}

/** Runs node with `args` in the extension folder; stdin is closed, so a vsce prompt fails fast instead of hanging. */
function runNode(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: extensionDir, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", (error) => resolve({ code: -1, output: output + String(error) }));
    child.on("close", (code) => resolve({ code, output }));
  });
}

/** The entries of a zip archive (central directory), with a reader for stored and deflated files. */
function readZip(zip: Buffer): Map<string, () => Buffer> {
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end--;
  if (end < 0) throw new Error("not a zip archive: no end of central directory");
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries = new Map<string, () => Buffer>();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory entry ${i}`);
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
    entries.set(name, () => {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + compressedSize);
      return method === 0 ? data : inflateRawSync(data);
    });
    at += 46 + skip;
  }
  return entries;
}

const inVsix = (path: string) => `extension/${path.replace(/^\.\//, "")}`;

describe("vsce package --no-dependencies", () => {
  const outDir = mkdtempSync(join(tmpdir(), "agentpolicy-vsix-"));
  const vsixPath = join(outDir, `${manifest.name}-${manifest.version}.vsix`);
  let entries = new Map<string, () => Buffer>();

  beforeAll(async () => {
    const build = await runNode(["build.mjs", "--production"]);
    expect(build.code, build.output).toBe(0);
    const vsce = require.resolve("@vscode/vsce/vsce");
    const pack = await runNode([vsce, "package", "--no-dependencies", "--out", outDir]);
    expect(pack.code, pack.output).toBe(0);
    entries = readZip(readFileSync(vsixPath));
  }, 60_000);

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it("holds both bundles, the grammar, the language configuration and the snippets", () => {
    for (const path of [
      "extension/dist/extension.js",
      "extension/dist/server.js",
      "extension/syntaxes/agentpolicy.tmLanguage.json",
      "extension/language-configuration.json",
      "extension/snippets/agentpolicy.json",
      "extension/package.json",
      "extension/readme.md", // vsce stores the README under this name
      "extension/LICENSE.txt",
    ]) {
      expect(entries.has(path), path).toBe(true);
    }
  });

  it("holds every file the packaged manifest points at", () => {
    const packaged = JSON.parse(entries.get("extension/package.json")!().toString("utf8")) as ExtensionManifest;
    const referenced = [
      packaged.main,
      ...packaged.contributes.languages.map((l) => l.configuration),
      ...packaged.contributes.grammars.map((g) => g.path),
      ...packaged.contributes.snippets.map((s) => s.path),
    ];
    for (const path of referenced) expect(entries.has(inVsix(path)), path).toBe(true);
  });

  it("ships no sources, tests, node_modules or source maps", () => {
    const stray = [...entries.keys()].filter((name) =>
      /^extension\/(src|test|node_modules)\/|\.map$|\.ts$|^extension\/build\.mjs$/.test(name),
    );
    expect(stray).toEqual([]);
  });

  it("bundles the client as CommonJS with `vscode` left external", () => {
    const client = entries.get("extension/dist/extension.js")!().toString("utf8");
    expect(client).toMatch(/require\("vscode"\)/);
    expect(client).not.toMatch(/require\("vscode-languageclient/);
    expect(client).not.toMatch(/^\s*import\s/m);
  });
});
