/**
 * Formatting through the compiler's canonical formatter (LANGUAGE.md §11). A document
 * with syntax errors is left alone (the formatter refuses it). The answer is one edit
 * covering only the changed middle of the text, so the editor keeps cursors and folds
 * outside it.
 */
import { formatText } from "@agentpolicy/compiler";
import type { DocumentFormattingParams, TextEdit } from "vscode-languageserver";
import type { Snapshot } from "../snapshot.js";

export function handleFormatting(snapshot: Snapshot, _params: DocumentFormattingParams): TextEdit[] {
  const r = formatText(snapshot.text, snapshot.file);
  if (!r.ok || r.text === snapshot.text) return [];
  return [minimalEdit(snapshot, r.text)];
}

/** One edit turning the snapshot's text into `next`: the differing middle, after the common prefix and suffix. */
export function minimalEdit(snapshot: Snapshot, next: string): TextEdit {
  const old = snapshot.text;
  let start = 0;
  const max = Math.min(old.length, next.length);
  while (start < max && old.charCodeAt(start) === next.charCodeAt(start)) start++;
  // Never split a surrogate pair or a CRLF.
  while (start > 0 && (isLowSurrogate(old.charCodeAt(start)) || (old.charCodeAt(start) === 10 && old.charCodeAt(start - 1) === 13))) start--;
  let endOld = old.length;
  let endNew = next.length;
  while (endOld > start && endNew > start && old.charCodeAt(endOld - 1) === next.charCodeAt(endNew - 1)) {
    endOld--;
    endNew--;
  }
  while (endOld < old.length && (isLowSurrogate(old.charCodeAt(endOld)) || (old.charCodeAt(endOld) === 10 && old.charCodeAt(endOld - 1) === 13))) {
    endOld++;
    endNew++;
  }
  return { range: snapshot.lines.range({ start, end: endOld }), newText: next.slice(start, endNew) };
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
