/**
 * The server's state: open documents and their versions, one checked snapshot per
 * document version (built on first demand, shared by every request for that version),
 * the last cleanly parsed check per document, and which manifests each policy loads.
 *
 * Contracts:
 * - `snapshot(uri)` returns the snapshot of the document's current version; asking twice
 *   for one version checks once. A manifest change on disk (`filesChanged`) invalidates
 *   the snapshots of the policies that load it, and only those.
 * - `completionInput(uri)` never checks when some version was checked already: it pairs
 *   the current text with the newest snapshot, so completion does not wait for a check.
 * - Manifests are read through a cache validated by size and modification time, so an
 *   edit to a policy does not re-read unchanged manifests, and a manifest changed on disk
 *   is seen even if no watcher reported it.
 * - Nothing here throws for any input; a file that cannot be read is reported by the
 *   compiler as `E_MANIFEST`.
 */
import { readFileSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { type CheckedPolicy, type CompilerHost } from "@agentpolicy/compiler";
import { uriToPath } from "./convert.js";
import { LineIndex } from "./convert.js";
import type { CompletionInput } from "./handlers/completion.js";
import { buildSnapshot, type Snapshot } from "./snapshot.js";

export interface FileSystem {
  /** Throws when the file cannot be read. */
  readFile(path: string): string;
  /** Size and modification time, or null when the file does not exist. */
  stat(path: string): { readonly size: number; readonly mtimeMs: number } | null;
}

export const nodeFileSystem: FileSystem = {
  readFile: (p) => readFileSync(p, "utf8"),
  stat: (p) => {
    try {
      const s = statSync(p);
      return { size: s.size, mtimeMs: s.mtimeMs };
    } catch {
      return null;
    }
  },
};

interface OpenDocument {
  readonly uri: string;
  readonly version: number;
  readonly text: string;
  readonly file: string;
  /** Built on demand. */
  lines?: LineIndex;
}

interface CachedFile {
  readonly size: number;
  readonly mtimeMs: number;
  readonly text: string;
}

export class Workspace {
  private readonly documents = new Map<string, OpenDocument>();
  /** The newest snapshot built per document (of the current version or an older one). */
  private readonly snapshots = new Map<string, Snapshot>();
  /** Documents whose newest snapshot is out of date although its version is current (a manifest changed). */
  private readonly invalid = new Set<string>();
  private readonly lastGood = new Map<string, CheckedPolicy>();
  private readonly files = new Map<string, CachedFile>();
  readonly host: CompilerHost;

  constructor(
    private readonly fs: FileSystem = nodeFileSystem,
    /** Folder that unsaved (`untitled:`) documents are taken to live in. */
    private readonly root: string = process.cwd(),
  ) {
    this.host = { readFile: (p) => this.readFile(p) };
  }

  /** Opens or updates a document. An older version than the one held is ignored. */
  update(uri: string, version: number, text: string): void {
    const held = this.documents.get(uri);
    if (held && held.version > version) return;
    if (held && held.version === version && held.text === text) return;
    this.documents.set(uri, { uri, version, text, file: held?.file ?? this.fileOf(uri) });
  }

  close(uri: string): void {
    this.documents.delete(uri);
    this.snapshots.delete(uri);
    this.invalid.delete(uri);
    this.lastGood.delete(uri);
  }

  isOpen(uri: string): boolean {
    return this.documents.has(uri);
  }

  openUris(): string[] {
    return [...this.documents.keys()];
  }

  version(uri: string): number | undefined {
    return this.documents.get(uri)?.version;
  }

  /** The snapshot of the document's current version (checked now if it was not yet). */
  snapshot(uri: string): Snapshot | undefined {
    const doc = this.documents.get(uri);
    if (!doc) return undefined;
    const cached = this.snapshots.get(uri);
    if (cached && cached.version === doc.version && !this.invalid.has(uri)) return cached;
    const snap = buildSnapshot(uri, doc.version, doc.file, doc.text, this.host, this.lastGood.get(uri) ?? null);
    this.snapshots.set(uri, snap);
    this.invalid.delete(uri);
    if (snap.lastGood) this.lastGood.set(uri, snap.lastGood);
    return snap;
  }

  /** The current text with the newest checked snapshot (checking only if none exists yet). */
  completionInput(uri: string): CompletionInput | undefined {
    const doc = this.documents.get(uri);
    if (!doc) return undefined;
    const newest = this.snapshots.get(uri) ?? this.snapshot(uri);
    if (!newest) return undefined;
    if (newest.version === doc.version && newest.text === doc.text) return newest;
    doc.lines ??= new LineIndex(doc.text);
    return { text: doc.text, lines: doc.lines, checked: newest.checked, lastGood: newest.lastGood };
  }

  /**
   * A snapshot of a policy that may not be open: the open document when it is, else the
   * file read from disk (not cached). Undefined when the file cannot be read.
   */
  snapshotOf(uri: string): Snapshot | undefined {
    if (this.documents.has(uri)) return this.snapshot(uri);
    const file = uriToPath(uri);
    if (file === null) return undefined;
    let text: string;
    try {
      text = this.fs.readFile(file);
    } catch {
      return undefined;
    }
    return buildSnapshot(uri, 0, file, text, this.host, null);
  }

  /**
   * Files changed on disk (created, changed or deleted). Forgets what was read from them
   * and returns the open policies that load any of them, whose snapshots are dropped.
   */
  filesChanged(paths: readonly string[]): string[] {
    const changed = new Set(paths.map((p) => resolve(p)));
    for (const p of changed) this.files.delete(p);
    const affected: string[] = [];
    for (const uri of this.documents.keys()) {
      if (this.dependsOn(uri, changed)) {
        this.invalid.add(uri);
        affected.push(uri);
      }
    }
    return affected;
  }

  /** Whether the policy at `uri` loads any of `paths` (from its newest snapshot, or its last good one). */
  private dependsOn(uri: string, paths: ReadonlySet<string>): boolean {
    const snap = this.snapshots.get(uri);
    if (snap) return snap.manifestFiles.some((f) => paths.has(f));
    const good = this.lastGood.get(uri);
    if (!good) return true; // never checked: re-checking is the safe answer
    for (const m of good.manifests.values()) if (m && paths.has(m.file)) return true;
    return false;
  }

  private readFile(path: string): string {
    const abs = resolve(path);
    for (const d of this.documents.values()) if (d.file === abs) return d.text;
    const st = this.fs.stat(abs);
    if (st === null) {
      this.files.delete(abs);
      return this.fs.readFile(abs); // throws the real error (ENOENT, EACCES, ...)
    }
    const cached = this.files.get(abs);
    if (cached && cached.size === st.size && cached.mtimeMs === st.mtimeMs) return cached.text;
    const text = this.fs.readFile(abs);
    this.files.set(abs, { size: st.size, mtimeMs: st.mtimeMs, text });
    return text;
  }

  private fileOf(uri: string): string {
    const p = uriToPath(uri);
    if (p !== null) return resolve(p);
    // `untitled:Untitled-1` and other schemes: a file in the root folder, named after the URI's last segment.
    const last = basename(uri.replace(/^[a-z][a-z0-9+.-]*:/i, "").replace(/[?#].*$/, "")) || "untitled";
    return resolve(this.root, /\.agentpolicy$/.test(last) ? last : `${last}.agentpolicy`);
  }
}
