/**
 * Comparing parses modulo positions: what "formatting never changes meaning" checks.
 *
 * Two documents are the same tree when they are deeply equal after dropping every
 * position (`span`, `opSpan`, `effectSpan`, `keySpan`) and the document's `text`,
 * `file` and `comments` (comments are compared separately, as a multiset of texts).
 * Everything else counts: names, decoded string values, number values, selector
 * `text` (rule ids), backtick flags, doc comments, annotation order.
 */
import type * as A from "../syntax/ast.js";

const POSITION_KEYS: ReadonlySet<string> = new Set(["span", "opSpan", "effectSpan", "keySpan"]);
const DOCUMENT_KEYS: ReadonlySet<string> = new Set(["text", "file", "comments"]);

function skipped(owner: Record<string, unknown>, key: string): boolean {
  return POSITION_KEYS.has(key) || (owner.kind === "Document" && DOCUMENT_KEYS.has(key));
}

/** A copy of `node` without positions (see the header), for snapshots and messages. */
export function stripSpans(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripSpans);
  if (node === null || typeof node !== "object") return node;
  const rec = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(rec)) if (!skipped(rec, key)) out[key] = stripSpans(rec[key]);
  return out;
}

/** The path to the first difference between two trees modulo positions, or null when they are the same tree. */
export function firstTreeDifference(a: A.Node, b: A.Node): string | null {
  return diff(a, b, "document");
}

/** Whether two documents are the same tree modulo positions. */
export function sameTree(a: A.Document, b: A.Document): boolean {
  return firstTreeDifference(a, b) === null;
}

function diff(a: unknown, b: unknown, path: string): string | null {
  if (a === b) return null;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return path;
    if (a.length !== b.length) return `${path}.length (${a.length} vs ${b.length})`;
    for (let i = 0; i < a.length; i++) {
      const d = diff(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") {
    return `${path} (${JSON.stringify(a)} vs ${JSON.stringify(b)})`;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const key of keys) {
    if (skipped(ra, key)) continue;
    const d = diff(ra[key], rb[key], `${path}.${key}`);
    if (d) return d;
  }
  return null;
}

/** Comment texts as a sorted list: equal lists mean the same multiset of comments. */
export function commentTexts(document: A.Document): string[] {
  return document.comments.map((c) => c.text).sort();
}
