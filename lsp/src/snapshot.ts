/**
 * A snapshot: one version of one policy document, checked by the compiler, with what
 * every handler needs to answer about it. Handlers are pure functions of a snapshot.
 *
 * INVARIANT: a snapshot is immutable once built; the workspace builds at most one per
 * (document version, manifest generation) and hands the same object to every handler.
 */
import { dirname, resolve } from "node:path";
import { type CheckedPolicy, checkSource, type CompilerHost, lex } from "@agentpolicy/compiler";
import { type FileResolver, LineIndex, pathToUri } from "./convert.js";

/** A token of the compiler's scanner, reduced to what the server reads. */
export interface Token {
  /** The scanner's token type name: `Identifier`, `Allow`, `Dot`, `StringLit`, ... */
  readonly type: string;
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
  readonly image: string;
  /** Decoded value: string contents, numbers, micro-dollars, backtick names. */
  readonly value: unknown;
}

export interface CommentSpan {
  readonly start: number;
  readonly end: number;
  readonly style: "line" | "block" | "doc";
}

export interface Snapshot {
  readonly uri: string;
  readonly version: number;
  /** Absolute path the policy lives at (or would, for an unsaved document). */
  readonly file: string;
  readonly text: string;
  readonly lines: LineIndex;
  /** This version, checked. */
  readonly checked: CheckedPolicy;
  /**
   * The most recent version of this document whose text parsed without a syntax error
   * (this one when it did), or null: completion reads names and types from it while the
   * current text is half-typed.
   */
  readonly lastGood: CheckedPolicy | null;
  /** Absolute paths of every manifest its `tools` lines name (loadable or not). */
  readonly manifestFiles: readonly string[];
  /** The scanner's tokens of this version (lazily computed). */
  tokens(): readonly Token[];
  comments(): readonly CommentSpan[];
  /** URIs and line indexes for the policy and the manifests it loaded. */
  readonly files: FileResolver;
}

export interface Scanned {
  readonly tokens: readonly Token[];
  readonly comments: readonly CommentSpan[];
}

/**
 * The scanner's tokens and comments of `text.slice(start, end)`, with offsets into the
 * whole `text`. The caller picks a window that starts between two tokens.
 */
export function scanTokens(text: string, start = 0, end = text.length): Scanned {
  try {
    const lexed = lex(start === 0 && end === text.length ? text : text.slice(start, end), () => {});
    return {
      tokens: lexed.tokens.map((t) => ({
        type: t.tokenType.name,
        start: start + t.startOffset,
        end: start + (t.endOffset ?? t.startOffset + t.image.length - 1) + 1,
        image: t.image,
        value: t.payload,
      })),
      comments: lexed.comments.map((c) => ({ start: start + c.span.start, end: start + c.span.end, style: c.style })),
    };
  } catch {
    // The scanner is total; should that ever fail, token-level features see an empty text.
    return { tokens: [], comments: [] };
  }
}

/** Checks `text` and builds its snapshot. Never throws (the compiler facade does not). */
export function buildSnapshot(
  uri: string,
  version: number,
  file: string,
  text: string,
  host: CompilerHost,
  previousGood: CheckedPolicy | null,
): Snapshot {
  const checked = checkSource(text, file, host);
  const parsedClean = !checked.diagnostics.some((d) => d.code === "E_SYNTAX");
  const lastGood = parsedClean ? checked : previousGood;
  const lines = new LineIndex(text);
  const lineCache = new Map<string, LineIndex | undefined>([[checked.file, lines]]);
  const files: FileResolver = {
    uri: (f) => (f === checked.file ? uri : pathToUri(f)),
    lines: (f) => {
      if (lineCache.has(f)) return lineCache.get(f);
      const t = checked.source(f) ?? lastGood?.source(f);
      const li = t === undefined ? undefined : new LineIndex(t);
      lineCache.set(f, li);
      return li;
    },
  };
  const manifestFiles: string[] = [];
  for (const d of checked.document.declarations) {
    if (d.kind !== "ToolsDecl" || typeof d.path?.value !== "string" || d.path.value === "") continue;
    const p = resolve(dirname(checked.file), d.path.value);
    if (!manifestFiles.includes(p)) manifestFiles.push(p);
  }
  let scanned: Scanned | null = null;
  const scan = (): Scanned => (scanned ??= scanTokens(text));
  return {
    uri,
    version,
    file: checked.file,
    text,
    lines,
    checked,
    lastGood,
    manifestFiles,
    tokens: () => scan().tokens,
    comments: () => scan().comments,
    files,
  };
}
