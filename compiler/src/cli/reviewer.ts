/**
 * `--reviewer CMD|URL`: the human (or program) that answers `review` decisions for the
 * long-running commands.
 *
 * - an `http://` or `https://` URL: POST `{"request", "decision"}` as JSON; the answer is the
 *   response body, JSON `{"approved": boolean, "by": string, "note"?: string}` with a 2xx status;
 * - anything else is a shell command: it is started once per review with the same JSON on its
 *   standard input and must print the answer JSON on standard output and exit 0.
 *
 * A reviewer that takes longer than the review timeout is stopped (the command is killed, the HTTP
 * request aborted); the guard then denies. Any failure (non-zero exit, non-2xx status, bad JSON)
 * rejects, which the guard turns into a denial with the error listed. No reviewer configured:
 * `rejectingReviewer` denies every review and says so.
 */
import { spawn } from "node:child_process";
import type { Decision, Reviewer, ReviewAnswer, ToolRequest } from "@agentpolicy/runtime";

/** Largest reviewer answer read, in bytes. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** The reviewer for `--reviewer SPEC`, with the guard's review timeout. */
export function createReviewer(spec: string, timeoutMs: number, cwd: string): Reviewer {
  return /^https?:\/\//i.test(spec) ? httpReviewer(spec, timeoutMs) : commandReviewer(spec, timeoutMs, cwd);
}

/** Denies every review: used when no `--reviewer` is configured, so a `review` never runs the tool. */
export function rejectingReviewer(by: string): Reviewer {
  return async () => ({ approved: false, by, note: "no reviewer is configured (--reviewer)" });
}

/** The JSON a reviewer receives. */
export function reviewPayload(request: ToolRequest, decision: Decision): string {
  return JSON.stringify({ request, decision });
}

/** Validates a reviewer's answer; throws with a readable message when it is not `{approved, by, note?}`. */
export function parseReviewAnswer(text: string, who: string): ReviewAnswer {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error(`${who} did not answer JSON`);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error(`${who} did not answer a JSON object`);
  const a = v as Record<string, unknown>;
  if (typeof a.approved !== "boolean") throw new Error(`${who}: \`approved\` must be true or false`);
  if (typeof a.by !== "string" || a.by === "") throw new Error(`${who}: \`by\` must name who decided`);
  if (a.note !== undefined && typeof a.note !== "string") throw new Error(`${who}: \`note\` must be a string`);
  return a.note === undefined ? { approved: a.approved, by: a.by } : { approved: a.approved, by: a.by, note: a.note };
}

function httpReviewer(url: string, timeoutMs: number): Reviewer {
  return async (request, decision) => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: reviewPayload(request, decision),
      signal: AbortSignal.timeout(Math.max(1, timeoutMs)),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`the reviewer at ${url} answered HTTP ${response.status}`);
    if (Buffer.byteLength(text) > MAX_ANSWER_BYTES) throw new Error(`the reviewer at ${url} answered more than ${MAX_ANSWER_BYTES} bytes`);
    return parseReviewAnswer(text, `the reviewer at ${url}`);
  };
}

function commandReviewer(command: string, timeoutMs: number, cwd: string): Reviewer {
  return (request, decision) =>
    new Promise<ReviewAnswer>((resolve, reject) => {
      const who = `the reviewer command \`${command}\``;
      // stdout is read here; the reviewer's stderr joins ours (never the protocol's stdout).
      // Its own process group (POSIX), so a timeout stops the shell and whatever it started.
      const group = process.platform !== "win32";
      const child = spawn(command, { shell: true, cwd, stdio: ["pipe", "pipe", "inherit"], detached: group });
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const finish = (error: Error | null, answer?: ReviewAnswer): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error !== null) {
          if (child.exitCode === null) stop(child.pid, group, () => child.kill("SIGKILL"));
          reject(error);
        } else resolve(answer as ReviewAnswer);
      };
      const timer = setTimeout(() => finish(new Error(`${who} did not answer within ${timeoutMs} ms`)), Math.max(1, timeoutMs));
      child.on("error", (e) => finish(new Error(`${who} could not start: ${e.message}`)));
      child.stdout.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) finish(new Error(`${who} printed more than ${MAX_ANSWER_BYTES} bytes`));
        else chunks.push(chunk);
      });
      child.on("close", (code, signal) => {
        if (settled) return;
        if (code !== 0) {
          finish(new Error(`${who} failed (${signal !== null ? `signal ${signal}` : `exit code ${code}`})`));
          return;
        }
        try {
          finish(null, parseReviewAnswer(Buffer.concat(chunks).toString("utf8"), who));
        } catch (e) {
          finish(e as Error);
        }
      });
      // A reviewer that exits without reading its input must not crash us with EPIPE.
      child.stdin.on("error", () => undefined);
      child.stdin.end(reviewPayload(request, decision));
    });
}

/** Kills a process group (or the process alone); never throws. */
function stop(pid: number | undefined, group: boolean, fallback: () => void): void {
  try {
    if (group && pid !== undefined) process.kill(-pid, "SIGKILL");
    else fallback();
  } catch {
    try {
      fallback();
    } catch {
      // already gone
    }
  }
}
