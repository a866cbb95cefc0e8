/**
 * Audit records, their hash chain, the sinks that keep them, and the chain's verifier.
 *
 * The chain, byte for byte (TOOLCHAIN.md "The runtime"): each record is a JSON object; its `hash`
 * is the lower-case hex SHA-256 of `prev + "\n" + C`, where `C` is the RFC 8785 canonical JSON of
 * the record without `hash`, and `prev` is the previous record's `hash` (64 zeros for the first).
 * Sinks write each record as one line of canonical JSON.
 */

import * as crypto from "node:crypto";
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, realpathSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { canonicalJson, CanonicalJsonWriter, sortCodeUnits } from "./canonical-json.js";
import { processAlive, withFileLock, type FileLockOptions } from "./file-lock.js";
import type { Decision } from "./types.js";

/** The `prev` of the first record of a chain. */
export const GENESIS_HASH = "0".repeat(64);

/** The request as audited: arguments already redacted (`PolicyProgram.redact`). */
export interface AuditRequest {
  readonly agent: string;
  readonly tool: string;
  readonly args?: unknown;
  readonly context?: unknown;
  readonly session: string;
  readonly callId?: string;
}

/** How a review ended, when one was asked. */
export type ReviewOutcome =
  | { readonly status: "approved" | "rejected"; readonly by: string; readonly note?: string }
  | { readonly status: "timeout"; readonly afterMs: number }
  | { readonly status: "error"; readonly message: string };

/** What the guard hands to a sink for one decision. */
export interface AuditEntry {
  /** Decision time, ms since the epoch. */
  readonly time: number;
  readonly request: AuditRequest;
  readonly decision: Decision;
  /** Present when a reviewer was asked. */
  readonly review?: ReviewOutcome;
}

/**
 * An entry as the guard builds it. Its members are known, so a sealer writes them in canonical
 * order without listing and sorting them (`writeGuardEntry`); as data it is an `AuditEntry` like any other.
 */
export class GuardAuditEntry implements AuditEntry {
  constructor(
    readonly time: number,
    readonly request: AuditRequest,
    readonly decision: Decision,
    readonly review?: ReviewOutcome,
  ) {}
}

/** The request of a `GuardAuditEntry`: the members of `AuditRequest`, absent ones `undefined`. */
export class AuditedRequest implements AuditRequest {
  constructor(
    readonly agent: string,
    readonly tool: string,
    readonly args: unknown,
    readonly context: unknown,
    readonly session: string,
    readonly callId: string | undefined,
  ) {}
}

/** An entry sealed into a chain. */
export interface AuditRecord extends AuditEntry {
  readonly prev: string;
  readonly hash: string;
}

/** Where audit records go. `write` resolves once the record is durable enough for the sink (a file: handed to the OS). */
export interface AuditSink {
  write(entry: AuditEntry): Promise<void>;
  /**
   * Optional synchronous twin of `write`: when it returns, the record is as durable as `write`'s
   * promise promises; it throws where `write` would reject. A guard whose sinks all have it calls
   * it instead of `write`, so an audited decision needs no promise of its own.
   */
  writeSync?(entry: AuditEntry): void;
  close?(): Promise<void>;
}

/** Lower-case hex SHA-256 of `data` (a string as UTF-8); one-shot `crypto.hash` where Node has it (≥ 20.12). */
const sha256Hex: (data: string | Buffer) => string =
  typeof crypto.hash === "function"
    ? (data) => crypto.hash("sha256", data, "hex")
    : (data) => crypto.createHash("sha256").update(data).digest("hex");

/** `sha256(prev + "\n" + canonicalJson(record without hash))`, lower-case hex. */
export function auditHash(prev: string, recordWithoutHash: object): string {
  const { hash: _ignored, ...rest } = recordWithoutHash as Readonly<Record<string, unknown>>;
  return sha256Hex(`${prev}\n${canonicalJson(rest)}`);
}

/** Shared by every sink: sealing is synchronous, so one record at a time uses it. */
const sharedWriter = new CanonicalJsonWriter();
/** Whether `sharedWriter` is in use (a getter of an entry being sealed may seal another one). */
let sharedWriterBusy = false;

interface HashInput {
  /** Holds the input; its bytes are valid until the next record is sealed. */
  readonly writer: CanonicalJsonWriter;
  /** Byte offset of the opening brace of `C`. */
  readonly open: number;
  /** Byte offset where the `hash` member goes. */
  readonly split: number;
}

/**
 * Writes the hash input of `entry` sealed after `prev` (from empty): the UTF-8 of
 * `prev + "\n" + C`, where `C` is the canonical JSON of `{ ...entry, prev }` without `hash`.
 * Each value is read and canonicalized once, and no copy of the entry is made. Returns where
 * the `hash` member goes: the byte offset of the first member that sorts after `hash` (or of
 * the closing brace), and the offset of the opening brace. Throws `EvaluationError` when the
 * entry has no canonical JSON form.
 */
function writeHashInput(entry: AuditEntry, prev: string): HashInput {
  const shared = !sharedWriterBusy;
  if (shared) sharedWriterBusy = true;
  try {
    return writeMembers(shared ? sharedWriter : new CanonicalJsonWriter(), entry, prev);
  } finally {
    if (shared) sharedWriterBusy = false;
  }
}

function writeMembers(writer: CanonicalJsonWriter, entry: AuditEntry, prev: string): HashInput {
  if (entry instanceof GuardAuditEntry) return writeGuardEntry(writer, entry, prev);
  const fields = entry as unknown as Readonly<Record<string, unknown>>;
  const names = Object.keys(entry ?? {});
  let n = 0;
  for (let i = 0; i < names.length; i++) if (names[i] !== "prev" && names[i] !== "hash") names[n++] = names[i];
  names.length = n;
  names.push("prev");
  sortCodeUnits(names);
  writer.reset();
  writer.raw(prev);
  writer.byte(0x0a);
  const open = writer.length;
  writer.byte(0x7b);
  let split = -1;
  let first = true;
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const value = name === "prev" ? prev : fields[name];
    if (value === undefined) continue;
    if (!first) writer.byte(0x2c);
    // INVARIANT: `<` on strings is the UTF-16 code unit order of canonical JSON.
    if (split < 0 && name > "hash") split = writer.length;
    first = false;
    writer.memberName(name);
    writer.value(value);
  }
  if (split < 0) split = writer.length;
  writer.byte(0x7d);
  return { writer, open, split };
}

/**
 * `writeMembers` for an entry the guard built: the same bytes, with the members in their
 * canonical order by construction — `decision`, (`hash`), `prev`, `request`, `review`, `time` —
 * and the request's as well: `agent`, `args`, `callId`, `context`, `session`, `tool`.
 */
function writeGuardEntry(writer: CanonicalJsonWriter, entry: GuardAuditEntry, prev: string): HashInput {
  writer.reset();
  writer.raw(prev);
  writer.byte(0x0a);
  const open = writer.length;
  writer.byte(0x7b);
  writer.memberName("decision");
  writer.value(entry.decision);
  writer.byte(0x2c);
  const split = writer.length;
  writer.memberName("prev");
  writer.value(prev);
  writer.byte(0x2c);
  writer.memberName("request");
  const request = entry.request;
  if (request instanceof AuditedRequest) {
    writer.byte(0x7b);
    writer.memberName("agent");
    writer.value(request.agent);
    optionalMember(writer, "args", request.args);
    optionalMember(writer, "callId", request.callId);
    optionalMember(writer, "context", request.context);
    writer.byte(0x2c);
    writer.memberName("session");
    writer.value(request.session);
    writer.byte(0x2c);
    writer.memberName("tool");
    writer.value(request.tool);
    writer.byte(0x7d);
  } else writer.value(request);
  optionalMember(writer, "review", entry.review);
  writer.byte(0x2c);
  writer.memberName("time");
  writer.value(entry.time);
  writer.byte(0x7d);
  return { writer, open, split };
}

/** `,"name":value`, unless `value` is undefined (a missing member). */
function optionalMember(writer: CanonicalJsonWriter, name: string, value: unknown): void {
  if (value === undefined) return;
  writer.byte(0x2c);
  writer.memberName(name);
  writer.value(value);
}

/**
 * Seals `entry` after `prev`: its hash, and its line (canonical JSON with `hash`, and `\n`) as
 * UTF-8: the bytes of `line` from `start` on. The line is the hash input itself with the `hash`
 * member spliced in, and `line` a view of the shared writer's buffer, valid until the next
 * record is sealed (writes are synchronous, so nothing else runs in between). Throws `EvaluationError` like
 * `writeHashInput`.
 */
function encodeRecord(entry: AuditEntry, prev: string): { readonly hash: string; readonly line: Buffer; readonly start: number } {
  const { writer, open, split } = writeHashInput(entry, prev);
  const hash = sha256Hex(writer.bytes());
  // `{A,B}` with `split` at B: `"hash":"…",` goes before B, after A (`,"hash":"…"`), or alone
  const before = split - open > 1;
  const after = writer.byteAt(split) !== 0x7d;
  const member = before && !after ? `,"hash":"${hash}"` : after ? `"hash":"${hash}",` : `"hash":"${hash}"`;
  writer.splice(split, member);
  writer.byte(0x0a);
  return { hash, line: writer.bytes(), start: open };
}

/** Seals `entry` after `prev`. Throws `EvaluationError` when the entry has no canonical JSON form. */
export function sealAuditRecord(entry: AuditEntry, prev: string): AuditRecord {
  const hash = sha256Hex(writeHashInput(entry, prev).writer.bytes());
  // a guard's entry becomes plain data: a record a sink hands on holds no class and no undefined member
  if (entry instanceof GuardAuditEntry) return { ...plainEntry(entry), prev, hash };
  // `{ ...entry, prev, hash }`; `Object.assign` is many times faster in V8, and equal unless the
  // entry has an own `__proto__` member (which assignment would treat as the prototype)
  return entry != null && Object.hasOwn(entry, "__proto__") ? { ...entry, prev, hash } : Object.assign({}, entry, { prev, hash });
}

/** A guard's entry as a plain object, its absent members left out (the order of a record). */
function plainEntry(entry: GuardAuditEntry): AuditEntry {
  const r = entry.request;
  const request: AuditRequest =
    r instanceof AuditedRequest
      ? {
          agent: r.agent,
          tool: r.tool,
          ...(r.args === undefined ? {} : { args: r.args }),
          ...(r.context === undefined ? {} : { context: r.context }),
          session: r.session,
          ...(r.callId === undefined ? {} : { callId: r.callId }),
        }
      : r;
  return entry.review === undefined
    ? { time: entry.time, request, decision: entry.decision }
    : { time: entry.time, request, decision: entry.decision, review: entry.review };
}

/** One record as a JSON Lines line (canonical JSON and `\n`). */
export function auditLine(record: AuditRecord): string {
  return `${canonicalJson(record)}\n`;
}

/** The settled result of a sink that did its work synchronously. */
const DONE: Promise<void> = Promise.resolve();

/** `write` of a sink that works synchronously: runs `work`, and returns a promise already settled. */
function settled(work: () => void): Promise<void> {
  try {
    work();
    return DONE;
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Keeps sealed records in memory (tests, `agentpolicy test`, short-lived hosts). */
export class MemoryAuditSink implements AuditSink {
  readonly records: AuditRecord[] = [];

  /** Seals and keeps the record synchronously; the promise is already settled when returned. */
  write(entry: AuditEntry): Promise<void> {
    return settled(() => this.writeSync(entry));
  }

  /** Seals and keeps the record; throws when the entry has no canonical JSON form. */
  writeSync(entry: AuditEntry): void {
    const prev = this.records.length === 0 ? GENESIS_HASH : this.records[this.records.length - 1].hash;
    this.records.push(sealAuditRecord(entry, prev));
  }

  /** The records as a JSON Lines log, as a file sink would have written them. */
  text(): string {
    return this.records.map(auditLine).join("");
  }
}

/** Seals each entry into its own chain and hands the record to a callback; `write` awaits it. */
export class CallbackAuditSink implements AuditSink {
  private prev = GENESIS_HASH;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly callback: (record: AuditRecord) => void | Promise<void>) {}

  write(entry: AuditEntry): Promise<void> {
    const job = this.queue.then(async () => {
      const record = sealAuditRecord(entry, this.prev);
      this.prev = record.hash;
      await this.callback(record);
    });
    this.queue = job.catch(() => undefined);
    return job;
  }
}

/**
 * An append-only JSON Lines file. Opening an existing file continues its chain from its last
 * record (which must be a complete, self-consistent record; otherwise every write fails).
 *
 * `write` seals the record and appends its line with `fs.writeSync` on a descriptor opened once
 * (`O_APPEND`), before it returns: the returned promise is already settled, and when it resolves
 * the whole line has been handed to the OS (written to the kernel, not necessarily flushed to
 * disk: there is no `fsync`). Writes are therefore in call order, and a write blocks the event
 * loop for one `write(2)` (microseconds on a local disk; mind network file systems). The first
 * write opens the file and reads its last record, also synchronously.
 *
 * One writer per file: sinks of one process that open the same file (same device and inode)
 * share one descriptor and one chain, so their records interleave into a single valid chain;
 * the descriptor is closed when the last of them closes. Across processes, the first write
 * claims `PATH.writer` (it holds the process id) until the last sink closes: a second process
 * opening the same log fails, naming the first (so its decisions deny), instead of forking the
 * chain; a claim left by a process that is gone is taken over (where the folder takes no new
 * file, the log is written unclaimed). After an I/O error the sink is broken: the chain's state on disk
 * is unknown, so every later write fails (fail closed). An entry with no canonical JSON form is
 * rejected without breaking anything.
 */
export class FileAuditSink implements AuditSink {
  private writer: FileWriter | null = null;
  private broken: Error | null = null;

  constructor(readonly path: string) {}

  write(entry: AuditEntry): Promise<void> {
    return settled(() => this.writeSync(entry));
  }

  /** `write`, synchronously: when it returns, the line has been handed to the OS; throws instead of rejecting. */
  writeSync(entry: AuditEntry): void {
    if (this.broken !== null) throw new Error(`audit log ${this.path} is unusable: ${this.broken.message}`);
    const writer = this.writer ?? this.open();
    try {
      writer.append(entry, this.path);
    } catch (error) {
      if (writer.broken !== null) this.broken = writer.broken;
      throw error;
    }
  }

  /** Releases the file; the last sink of a file closes its descriptor. A later `write` opens it again. */
  async close(): Promise<void> {
    const writer = this.writer;
    this.writer = null;
    writer?.release();
  }

  private open(): FileWriter {
    try {
      const writer = FileWriter.acquire(this.path);
      this.writer = writer;
      return writer;
    } catch (error) {
      this.broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    }
  }
}

/** The one writer of an audit file in this process: its descriptor and the hash of its last record. */
class FileWriter {
  /** Open writers by `device:inode`. */
  private static readonly open = new Map<string, FileWriter>();

  broken: Error | null = null;
  private users = 1;

  private constructor(
    private readonly fd: number,
    private readonly id: string,
    private prev: string,
    /** The `PATH.writer` file this process holds while the log is open (null: none could be made). */
    private readonly claim: string | null,
  ) {}

  /** Opens `path` (creating it, mode 0600), or joins the writer that already has it open. Throws. */
  static acquire(path: string): FileWriter {
    const fd = openSync(path, "a+", 0o600);
    let writer: FileWriter;
    try {
      const stat = fstatSync(fd, { bigint: true });
      const id = `${stat.dev}:${stat.ino}`;
      const shared = FileWriter.open.get(id);
      if (shared !== undefined) {
        closeSync(fd);
        shared.users++;
        return shared;
      }
      // the claim first, so that the chain is continued from a tail no other writer is extending
      const claim = claimWriter(path);
      try {
        writer = new FileWriter(fd, id, lastHash(fd, Number(stat.size), path), claim);
      } catch (error) {
        dropClaim(claim);
        throw error;
      }
    } catch (error) {
      try {
        closeSync(fd);
      } catch {
        // already closed, or the first error is the one to report anyway
      }
      throw error;
    }
    FileWriter.open.set(writer.id, writer);
    return writer;
  }

  /** Seals `entry` and appends its line. Throws; an I/O error breaks the writer. */
  append(entry: AuditEntry, path: string): void {
    if (this.broken !== null) throw new Error(`audit log ${path} is unusable: ${this.broken.message}`);
    const sealed = encodeRecord(entry, this.prev);
    try {
      writeLine(this.fd, sealed, path);
    } catch (error) {
      this.broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    }
    this.prev = sealed.hash;
  }

  release(): void {
    if (--this.users > 0) return;
    FileWriter.open.delete(this.id);
    closeSync(this.fd);
    dropClaim(this.claim);
  }
}

/** Hands `sealed`'s line to the OS (a loop: `write(2)` may take part of it). Throws. */
function writeLine(fd: number, sealed: { readonly line: Buffer; readonly start: number }, path: string): void {
  const bytes = sealed.line;
  let written = sealed.start;
  while (written < bytes.length) {
    const n = writeSync(fd, bytes, written, bytes.length - written, null);
    if (n <= 0) throw new Error(`audit log ${path}: write made no progress`);
    written += n;
  }
}

/**
 * A JSON Lines audit log that several processes append to, one record at a time, taking turns
 * through the lock file `PATH.lock` (`withFileLock`): each write takes the lock, reads the hash
 * of the last record from the file, appends its record and lets go, so the chain stays whole
 * whoever wrote before. For processes that each decide now and then (CLI hooks, proxies, a
 * decision service run as several instances); a write costs a lock, an open and a read of the
 * file's tail on top of `FileAuditSink`'s append. `write` resolves once the line has been handed
 * to the OS. It has no `writeSync` (it may wait for another writer). It refuses a log a
 * `FileAuditSink` has claimed (`PATH.writer` of a live process). A failed write leaves the file
 * as it was, or with a record whose chain a later write continues.
 */
export class SharedFileAuditSink implements AuditSink {
  /** `FileAuditSink`'s claim file for this log (the path resolved once, at the first write). */
  private claim: string | null = null;

  constructor(
    readonly path: string,
    private readonly lock: FileLockOptions = {},
  ) {}

  write(entry: AuditEntry): Promise<void> {
    return withFileLock(`${this.path}.lock`, () => {
      const fd = openSync(this.path, "a+", 0o600);
      try {
        const claim = (this.claim ??= `${realpathSync(this.path)}.writer`);
        const holder = claimHolder(claim);
        if (holder !== null) throw new Error(`audit log ${this.path} is open in a process that writes it alone (pid ${holder}, ${claim})`);
        const prev = lastHash(fd, Number(fstatSync(fd).size), this.path);
        writeLine(fd, encodeRecord(entry, prev), this.path);
      } finally {
        closeSync(fd);
      }
    }, this.lock);
  }

  async close(): Promise<void> {}
}

/** The live process holding the writer claim `claim`, or null. */
function claimHolder(claim: string): number | null {
  if (!existsSync(claim)) return null; // the common case, without a thrown ENOENT
  let holder: number;
  try {
    holder = Number(readFileSync(claim, "utf8").trim());
  } catch {
    return null;
  }
  return Number.isSafeInteger(holder) && holder > 0 && processAlive(holder) ? holder : null;
}

/**
 * Claims `PATH.writer` (PATH resolved) for this process (it holds the process id), so that a second process
 * opening the same log fails instead of forking its chain (TOOLCHAIN.md: one writer per file).
 * A claim whose process is gone (it exited without closing the log) is taken over. Throws,
 * naming the other writer, when a live process holds it. Best effort: two processes taking over
 * the same stale claim at the same instant are not told apart.
 */
function claimWriter(path: string): string | null {
  const claim = `${realpathSync(path)}.writer`; // one claim however the path is spelled
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(claim, String(process.pid), { flag: "wx", mode: 0o600 });
      return claim;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // a folder this process may not create files in: the log is written unclaimed
      if (code === "EACCES" || code === "EPERM" || code === "EROFS") return null;
      if (code !== "EEXIST") throw error;
    }
    let holder: number;
    try {
      holder = Number(readFileSync(claim, "utf8").trim());
    } catch {
      continue; // released meanwhile
    }
    if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && processAlive(holder)) {
      throw new Error(
        `audit log ${path} is open in another process (pid ${holder}, ${claim}): a log takes one writer at a time; give each process its own log, or delete ${claim} if that process is not writing it`,
      );
    }
    dropClaim(claim); // stale: its process is gone
  }
  throw new Error(`audit log ${path}: could not claim ${claim}`);
}

function dropClaim(claim: string | null): void {
  if (claim === null) return;
  try {
    unlinkSync(claim);
  } catch {
    // already gone
  }
}


/** The `hash` of the last record of the file open at `fd`, or `GENESIS_HASH` for an empty file. */
function lastHash(fd: number, size: number, path: string): string {
  if (size === 0) return GENESIS_HASH;
  let chunk = 4096;
  let end = size;
  let tail = Buffer.alloc(0);
  // Read backwards, in growing chunks, until the tail holds the whole last line.
  for (;; chunk = Math.min(chunk * 4, 1 << 20)) {
    const start = Math.max(0, end - chunk);
    const buffer = Buffer.alloc(end - start);
    const bytesRead = readSync(fd, buffer, 0, buffer.length, start);
    tail = Buffer.concat([buffer.subarray(0, bytesRead), tail]);
    end = start;
    if (tail[tail.length - 1] !== 0x0a) throw new Error(`audit log ${path} ends with an incomplete record`);
    if (start === 0 || tail.lastIndexOf(0x0a, tail.length - 2) !== -1) break;
  }
  const line = tail.subarray(tail.lastIndexOf(0x0a, tail.length - 2) + 1, tail.length - 1).toString("utf8");
  const problem = recordProblem(line, null);
  if (typeof problem === "string") throw new Error(`audit log ${path}: the last record is broken (${problem})`);
  return problem.hash;
}

/** The result of `verifyAuditLog`. */
export type AuditVerification =
  | { readonly ok: true; readonly records: number }
  | { readonly ok: false; readonly line: number; readonly reason: string };

/**
 * Checks the hash chain of a JSON Lines audit log and names the first broken record (1-based
 * line). A final newline is optional; an empty line anywhere before the end is broken.
 */
export function verifyAuditLog(text: string): AuditVerification {
  const lines = String(text).split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const verifier = new AuditChainVerifier();
  for (let i = 0; i < lines.length && verifier.push(lines[i]); i++);
  return verifier.result();
}

/**
 * `verifyAuditLog` one line at a time, for logs too large to hold as one string: `push` each
 * line (without its `\n`) in order, then read `result()`. An empty line is broken, so a caller
 * splitting a text leaves out the empty piece after a final newline.
 */
export class AuditChainVerifier {
  private prev = GENESIS_HASH;
  private lines = 0;
  private broken: { readonly line: number; readonly reason: string } | null = null;

  /** Checks the next record; false once the chain is broken (later lines are not looked at). */
  push(line: string): boolean {
    if (this.broken !== null) return false;
    this.lines++;
    const result = recordProblem(line, this.prev);
    if (typeof result === "string") {
      this.broken = { line: this.lines, reason: result };
      return false;
    }
    this.prev = result.hash;
    return true;
  }

  result(): AuditVerification {
    return this.broken === null ? { ok: true, records: this.lines } : { ok: false, ...this.broken };
  }
}

/** Why `line` is not a valid record following `prev` (any `prev` when null), or its hash. */
function recordProblem(line: string, prev: string | null): string | { hash: string } {
  if (line.trim() === "") return "empty line";
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return "not valid JSON";
  }
  if (record === null || typeof record !== "object" || Array.isArray(record)) return "not a JSON object";
  const { hash, prev: recordPrev } = record as Record<string, unknown>;
  if (typeof hash !== "string" || !/^[0-9a-f]{64}$/.test(hash)) return "`hash` is missing or not 64 lower-case hex digits";
  if (typeof recordPrev !== "string" || !/^[0-9a-f]{64}$/.test(recordPrev)) return "`prev` is missing or not 64 lower-case hex digits";
  if (prev !== null && recordPrev !== prev) {
    return prev === GENESIS_HASH ? "`prev` of the first record is not 64 zeros" : "`prev` does not match the previous record's `hash`";
  }
  let expected: string;
  try {
    expected = auditHash(recordPrev, record);
  } catch (error) {
    return `no canonical form: ${(error as Error).message}`;
  }
  return expected === hash ? { hash } : "`hash` does not match the record's contents";
}
