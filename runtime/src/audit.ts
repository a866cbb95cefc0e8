/**
 * Audit records, their hash chain, the sinks that keep them, and the chain's verifier.
 *
 * The chain, byte for byte (TOOLCHAIN.md "The runtime"): each record is a JSON object; its `hash`
 * is the lower-case hex SHA-256 of `prev + "\n" + C`, where `C` is the RFC 8785 canonical JSON of
 * the record without `hash`, and `prev` is the previous record's `hash` (64 zeros for the first).
 * Sinks write each record as one line of canonical JSON.
 */

import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { canonicalJson } from "./canonical-json.js";
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

/** An entry sealed into a chain. */
export interface AuditRecord extends AuditEntry {
  readonly prev: string;
  readonly hash: string;
}

/** Where audit records go. `write` resolves once the record is durable enough for the sink (a file: handed to the OS). */
export interface AuditSink {
  write(entry: AuditEntry): Promise<void>;
  close?(): Promise<void>;
}

/** `sha256(prev + "\n" + canonicalJson(record without hash))`, lower-case hex. */
export function auditHash(prev: string, recordWithoutHash: object): string {
  const { hash: _ignored, ...rest } = recordWithoutHash as Readonly<Record<string, unknown>>;
  return createHash("sha256").update(`${prev}\n${canonicalJson(rest)}`, "utf8").digest("hex");
}

/** Seals `entry` after `prev`. Throws `EvaluationError` when the entry has no canonical JSON form. */
export function sealAuditRecord(entry: AuditEntry, prev: string): AuditRecord {
  const unsealed = { ...entry, prev };
  return { ...unsealed, hash: auditHash(prev, unsealed) };
}

/** One record as a JSON Lines line (canonical JSON and `\n`). */
export function auditLine(record: AuditRecord): string {
  return `${canonicalJson(record)}\n`;
}

/** Keeps sealed records in memory (tests, `agentpolicy test`, short-lived hosts). */
export class MemoryAuditSink implements AuditSink {
  readonly records: AuditRecord[] = [];

  async write(entry: AuditEntry): Promise<void> {
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
 * Writes are serialized in call order; `write` resolves after `FileHandle.write` has handed the
 * whole line to the OS. After an I/O error the sink is broken: the chain's state on disk is unknown,
 * so every later write fails (fail closed). One writer per file.
 */
export class FileAuditSink implements AuditSink {
  private state: Promise<{ handle: FileHandle; prev: string }> | null = null;
  private queue: Promise<void> = Promise.resolve();
  private broken: Error | null = null;

  constructor(readonly path: string) {}

  write(entry: AuditEntry): Promise<void> {
    const job = this.queue.then(async () => {
      if (this.broken !== null) throw new Error(`audit log ${this.path} is unusable: ${this.broken.message}`);
      const state = await this.opened();
      const record = sealAuditRecord(entry, state.prev);
      const bytes = Buffer.from(auditLine(record), "utf8");
      try {
        let written = 0;
        while (written < bytes.length) {
          const { bytesWritten } = await state.handle.write(bytes, written, bytes.length - written, null);
          written += bytesWritten;
        }
      } catch (error) {
        this.broken = error as Error;
        throw error;
      }
      state.prev = record.hash;
    });
    this.queue = job.catch(() => undefined);
    return job;
  }

  async close(): Promise<void> {
    await this.queue;
    const state = this.state;
    this.state = null;
    if (state !== null) await (await state.catch(() => null))?.handle.close();
  }

  private opened(): Promise<{ handle: FileHandle; prev: string }> {
    if (this.state === null) {
      this.state = (async () => {
        const handle = await open(this.path, "a+", 0o600);
        try {
          return { handle, prev: await lastHash(handle, this.path) };
        } catch (error) {
          await handle.close();
          throw error;
        }
      })();
      this.state.catch((error: Error) => {
        this.broken = error;
      });
    }
    return this.state;
  }
}

/** The `hash` of the file's last record, or `GENESIS_HASH` for an empty file. */
async function lastHash(handle: FileHandle, path: string): Promise<string> {
  const { size } = await handle.stat();
  if (size === 0) return GENESIS_HASH;
  const chunk = 64 * 1024;
  let end = size;
  let tail = Buffer.alloc(0);
  // Read backwards until the tail holds the whole last line.
  for (;;) {
    const start = Math.max(0, end - chunk);
    const buffer = Buffer.alloc(end - start);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
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
  let prev = GENESIS_HASH;
  for (let i = 0; i < lines.length; i++) {
    const result = recordProblem(lines[i], prev);
    if (typeof result === "string") return { ok: false, line: i + 1, reason: result };
    prev = result.hash;
  }
  return { ok: true, records: lines.length };
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
