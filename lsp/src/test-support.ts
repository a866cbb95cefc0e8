/**
 * Helpers for the handlers' unit tests: a snapshot of a text (manifests read from the
 * fixture folder or given in memory), and cursors marked with `‸` in the text.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { CompilerHost } from "@agentpolicy/compiler";
import type { Position } from "vscode-languageserver";
import { LineIndex } from "./convert.js";
import { buildSnapshot, type Snapshot } from "./snapshot.js";

export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), "..", "test", "fixtures");
export const SHOP_DIR = join(FIXTURES, "shop");
export const SHOP_FILE = join(SHOP_DIR, "shop.agentpolicy");
export const SHOP_TEXT = readFileSync(SHOP_FILE, "utf8");
export const CURSOR = "‸";

export interface SnapshotOptions {
  /** Where the policy lives (default: the shop fixture's path, so its manifests resolve). */
  readonly file?: string;
  /** Files served instead of the disk, by absolute path. */
  readonly files?: Readonly<Record<string, string>>;
  /** A text that parsed cleanly before this one (becomes `lastGood`). */
  readonly before?: string;
  readonly version?: number;
}

export function hostWith(files: Readonly<Record<string, string>> = {}): CompilerHost {
  return { readFile: (p) => (Object.hasOwn(files, p) ? files[p] : readFileSync(p, "utf8")) };
}

export function snapshotOf(text: string, options: SnapshotOptions = {}): Snapshot {
  const file = options.file ?? SHOP_FILE;
  const host = hostWith(options.files);
  const uri = pathToFileURL(file).href;
  const previous = options.before !== undefined ? buildSnapshot(uri, 0, file, options.before, host, null).lastGood : null;
  return buildSnapshot(uri, options.version ?? 1, file, text, host, previous);
}

/** Removes the `‸` marker and returns the text and the marker's position. */
export function withCursor(marked: string): { text: string; position: Position; offset: number } {
  const offset = marked.indexOf(CURSOR);
  if (offset < 0) throw new Error("no cursor marker in the text");
  const text = marked.slice(0, offset) + marked.slice(offset + CURSOR.length);
  return { text, offset, position: new LineIndex(text).position(offset) };
}

/** The shop fixture with `replacement` put in place of the first `search` text. */
export function shopWith(search: string, replacement: string): string {
  const i = SHOP_TEXT.indexOf(search);
  if (i < 0) throw new Error(`not in the fixture: ${search}`);
  return SHOP_TEXT.slice(0, i) + replacement + SHOP_TEXT.slice(i + search.length);
}

/** The position of the first occurrence of `needle` (plus `delta` characters) in `text`. */
export function positionOf(text: string, needle: string, delta = 0, occurrence = 0): Position {
  let i = -1;
  for (let k = 0; k <= occurrence; k++) {
    i = text.indexOf(needle, i + 1);
    if (i < 0) throw new Error(`not in the text: ${needle}`);
  }
  return new LineIndex(text).position(i + delta);
}
