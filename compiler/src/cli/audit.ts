/** `agentpolicy audit verify LOG.jsonl [--format text|json]` */
import { closeSync, openSync, readSync } from "node:fs";
import { AuditChainVerifier, type AuditVerification } from "@agentpolicy/runtime";
import { ExitCode, type Io } from "./io.js";

/** Bytes read at a time: a log of any size is verified in bounded memory (plus its longest line). */
const CHUNK_BYTES = 1 << 20;

export function runAuditVerify(file: string, options: { readonly format: "text" | "json" }, io: Io): number {
  let result: AuditVerification;
  try {
    result = verifyAuditFile(file);
  } catch (e) {
    io.err(`agentpolicy: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return ExitCode.usage;
  }
  if (options.format === "json") io.out(JSON.stringify({ file, ...result }));
  else if (result.ok) io.out(`${file}: ok, ${result.records} record${result.records === 1 ? "" : "s"}, hash chain intact`);
  else io.out(`${file}:${result.line}: broken: ${result.reason}`);
  return result.ok ? ExitCode.ok : ExitCode.failed;
}

/**
 * Reads `file` in chunks and hands each line to an `AuditChainVerifier`, stopping at the first
 * broken record. Lines split at `\n` bytes (which never occur inside a UTF-8 sequence), so each
 * line decodes as `verifyAuditLog` would decode it within the whole text. Throws on I/O errors.
 */
export function verifyAuditFile(file: string, chunkBytes = CHUNK_BYTES): AuditVerification {
  const verifier = new AuditChainVerifier();
  const fd = openSync(file, "r");
  try {
    const chunk = Buffer.allocUnsafe(chunkBytes);
    let carry: Buffer[] = [];
    for (;;) {
      const n = readSync(fd, chunk, 0, chunkBytes, null);
      if (n === 0) break;
      let start = 0;
      for (let nl = chunk.indexOf(0x0a, 0); nl !== -1 && nl < n; nl = chunk.indexOf(0x0a, start)) {
        const piece = chunk.subarray(start, nl);
        const line = carry.length === 0 ? piece.toString("utf8") : Buffer.concat([...carry, piece]).toString("utf8");
        carry = [];
        start = nl + 1;
        if (!verifier.push(line)) return verifier.result();
      }
      if (start < n) carry.push(Buffer.from(chunk.subarray(start, n)));
    }
    // a last line without its newline
    if (carry.length > 0) verifier.push(Buffer.concat(carry).toString("utf8"));
    return verifier.result();
  } finally {
    closeSync(fd);
  }
}
