/**
 * `agentpolicy serve --policy FILE [--port P] [--host H] [--token-file FILE] [--audit LOG] [--redis URL [--redis-prefix P]]
 *   [--engine ...] [--max-body BYTES]`
 *
 * An HTTP decision service (node:http) for agents not written in TypeScript:
 * - `POST /v1/decide`, body: a request line (TOOLCHAIN.md) → 200 and the decision line. A
 *   malformed body → 400 with the deny decision `rules: ["invalid_request"]` and an `error` field.
 *   A body may also carry `"approval": {"approved", "by", "note"?}`: the caller's human answered
 *   an earlier `review` of this request, and the answer settles it (limits consumed on approval,
 *   audited in full).
 * - `POST /v1/usage`, body: a usage object (`{"agent", "inputTokens", ...}`) or a usage line
 *   (`{"usage": {...}}`) → 200 `{"ok": true, "charges": N}`; malformed → 400 `{"error"}`.
 * - `GET /healthz` → 200 `{"ok": true, "policy", "policyHash"}`.
 * Other paths → 404, other methods → 405 (with `Allow`), bodies over the limit → 413; every
 * error body is JSON with an `error` field.
 *
 * The service keeps its own clock: an `at` in a body is ignored, so no client can move the
 * sliding windows. Limits and session labels live in this process's memory (one `MemoryStore`
 * for every client), or with `--redis URL` in Redis, shared with every other `serve`, `mcp-proxy`
 * and `hook` given the same URL and prefix. It listens on 127.0.0.1 unless told otherwise. With
 * `--token-file FILE`, every route but `/healthz` wants `Authorization: Bearer TOKEN` (the file's
 * content, trimmed; compared in constant time): anything else is 401. Without it there is no
 * authentication, and a non-loopback `--host` is warned about.
 * SIGINT/SIGTERM stop it gracefully: no new connections, in-flight requests finish (up to
 * 5 s), the audit log is closed, exit 0.
 */
import { timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { resolve } from "node:path";
import type { AddressInfo } from "node:net";
import { createGuard, type Decision, type ReviewAnswer } from "@agentpolicy/runtime";
import type { Engine } from "../guard-loader.js";
import { parseLine } from "./eval.js";
import { decisionLine, errorText, loadPolicyProgram, openAudit, openStore, type StoreOptions } from "./guard-setup.js";
import { ExitCode, type Io } from "./io.js";

export interface ServeOptions extends StoreOptions {
  readonly policy: string;
  /** Default 8787; 0 picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  readonly audit?: string;
  /** A file holding the bearer token every route but `/healthz` requires; none: no authentication. */
  readonly tokenFile?: string;
  readonly engine: Engine;
  /** Largest accepted body in bytes; default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** Stops the service (exit 0) when aborted, besides SIGINT/SIGTERM. */
  readonly signal?: AbortSignal;
  /** Called once listening, with the base URL (e.g. `http://127.0.0.1:8787`). */
  readonly onListening?: (url: string) => void;
}

export const DEFAULT_PORT = 8787;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** How long in-flight requests may take after a shutdown signal. */
const SHUTDOWN_GRACE_MS = 5000;

const ROUTES: Readonly<Record<string, string>> = { "/v1/decide": "POST", "/v1/usage": "POST", "/healthz": "GET" };

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function runServe(options: ServeOptions, io: Io): Promise<number> {
  const log = (text: string): void => io.err(`agentpolicy serve: ${text}`);
  const loaded = await loadPolicyProgram(options.policy, options.engine, io, "serve");
  if (!loaded.ok) return loaded.code;
  const { program } = loaded;
  const token = readToken(options.tokenFile, io.cwd);
  if (!token.ok) {
    log(token.error);
    return ExitCode.usage;
  }
  const tokenBytes = token.bytes;
  const opened = await openStore(options);
  if (!opened.ok) {
    log(opened.error);
    return ExitCode.usage;
  }
  const store = opened.store;
  const audit = openAudit(options.audit, io.cwd);
  const guard = createGuard(program, { store, ...(audit === undefined ? {} : { audit }) });
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const meta = { policy: program.policy.name, policyHash: program.policy.hash };

  const invalidRequest = (reason: string): Record<string, unknown> => ({
    ...decisionLine({ effect: "deny", rules: ["invalid_request"], reasons: [reason], limit: null, errors: [], ...meta } as Decision),
    error: reason,
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const method = ROUTES[path];
    if (method === undefined) return send(res, 404, { error: `no such route: ${path}` });
    if (req.method !== method) {
      res.setHeader("allow", method);
      return send(res, 405, { error: `${path} takes ${method}, not ${req.method ?? "?"}` });
    }
    if (path === "/healthz") return send(res, 200, { ok: true, ...meta });
    if (tokenBytes !== null && !authorized(req, tokenBytes)) {
      res.setHeader("www-authenticate", 'Bearer realm="agentpolicy"');
      return send(res, 401, { error: "missing or wrong bearer token (Authorization: Bearer TOKEN)" });
    }

    let body: string;
    try {
      body = await readBody(req, maxBody);
    } catch (e) {
      const status = e instanceof HttpProblem ? e.status : 400;
      const reason = errorText(e);
      if (status === 413) res.setHeader("connection", "close");
      return send(res, status, path === "/v1/decide" ? invalidRequest(reason) : { error: reason });
    }

    if (path === "/v1/decide") {
      const line = parseLine(body);
      if (line.kind === "invalid") return send(res, 400, invalidRequest(line.reason));
      if (line.kind !== "request") return send(res, 400, invalidRequest("a usage report goes to POST /v1/usage"));
      // The service's clock decides time: a client's `at` is ignored.
      const decision = await guard.decide(line.request, line.approval === undefined ? undefined : { approval: line.approval as ReviewAnswer });
      return send(res, 200, decisionLine(decision));
    }

    // /v1/usage: a bare usage object, or a usage line `{"usage": {...}}`.
    let wrapped = body;
    try {
      const v: unknown = JSON.parse(body);
      if (v !== null && typeof v === "object" && !Array.isArray(v) && !Object.hasOwn(v, "usage")) wrapped = JSON.stringify({ usage: v });
    } catch {
      // parseLine reports it
    }
    const line = parseLine(wrapped);
    if (line.kind === "invalid") return send(res, 400, { error: line.reason });
    if (line.kind === "invalid-usage") return send(res, 400, { error: line.reason });
    if (line.kind !== "usage") return send(res, 400, { error: "a usage report is an object with `agent`, `inputTokens` and `outputTokens`" });
    const result = await guard.recordUsage(line.usage);
    return result.ok ? send(res, 200, { ok: true, charges: result.charges }) : send(res, 500, { error: result.error });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      log(`request failed: ${errorText(e)}`);
      if (!res.headersSent) send(res, 500, { error: "internal error" });
      else res.destroy();
    });
  });

  const port = options.port ?? DEFAULT_PORT;
  const host = options.host ?? "127.0.0.1";
  const listening = await new Promise<true | Error>((resolve) => {
    server.once("error", resolve);
    server.listen(port, host, () => {
      server.off("error", resolve);
      resolve(true);
    });
  });
  if (listening !== true) {
    log(`cannot listen on ${host}:${port}: ${(listening as NodeJS.ErrnoException).code ?? listening.message}`);
    await audit?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    return ExitCode.failed;
  }
  server.on("error", (e) => log(`server error: ${errorText(e)}`));
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}`;
  log(`listening on ${url} (policy \`${program.policy.name}\`, ${program.policy.hash})`);
  if (tokenBytes === null && !isLoopback(address.address)) {
    log(`warning: listening on ${address.address} without --token-file: anyone who can reach it can spend the policy's limits`);
  }
  options.onListening?.(url);

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      options.signal?.removeEventListener("abort", stop);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    if (options.signal?.aborted === true) stop();
    else options.signal?.addEventListener("abort", stop, { once: true });
  });

  log("shutting down");
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const grace = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
  await closed;
  clearTimeout(grace);
  await audit?.close().catch((e: unknown) => log(`closing the audit log failed: ${errorText(e)}`));
  await store.close().catch((e: unknown) => log(`closing the limit store failed: ${errorText(e)}`));
  return ExitCode.ok;
}

/** The bearer token in `file` (trimmed), or none without a file. */
function readToken(file: string | undefined, cwd: string): { ok: true; bytes: Buffer | null } | { ok: false; error: string } {
  if (file === undefined) return { ok: true, bytes: null };
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), "utf8").trim();
  } catch (e) {
    return { ok: false, error: `--token-file: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? errorText(e)}` };
  }
  if (text.length < 16 || /\s/.test(text)) return { ok: false, error: `--token-file: the token in ${file} must be one word of at least 16 characters` };
  return { ok: true, bytes: Buffer.from(text, "utf8") };
}

/** Whether `req` carries `Authorization: Bearer <token>` (compared in constant time). */
function authorized(req: IncomingMessage, token: Buffer): boolean {
  const header = req.headers.authorization;
  if (typeof header !== "string" || !header.startsWith("Bearer ")) return false;
  const given = Buffer.from(header.slice("Bearer ".length).trim(), "utf8");
  return given.length === token.length && timingSafeEqual(given, token);
}

function isLoopback(address: string): boolean {
  return address === "::1" || address.startsWith("127.") || address === "::ffff:127.0.0.1";
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(text);
}

/** The body as UTF-8 text, at most `limit` bytes; rejects with an `HttpProblem`. */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new HttpProblem(413, `the body is larger than ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        reject(new HttpProblem(413, `the body is larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (done) return;
      done = true;
      try {
        resolve(new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks)));
      } catch {
        reject(new HttpProblem(400, "the body is not valid UTF-8"));
      }
    });
    req.on("error", (e) => {
      if (done) return;
      done = true;
      reject(new HttpProblem(400, `reading the body failed: ${e.message}`));
    });
  });
}
