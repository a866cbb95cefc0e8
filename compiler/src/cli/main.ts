/**
 * `agentpolicy` command line (TOOLCHAIN.md "CLI"). Each command lives in its own file
 * and is thin: argv → program → output + exit code. Exit 0 success, 1 when a policy
 * has errors or a check fails, 2 on bad usage.
 */
import { Command, CommanderError, Option } from "commander";
import { runAuditVerify } from "./audit.js";
import { runCheck } from "./check.js";
import { ExitCode, type Io, processIo, UsageError } from "./io.js";

const formatOption = () => new Option("--format <format>", "output format").choices(["text", "json"]).default("text");

function parseMs(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--now wants milliseconds since the epoch, got \`${value}\``);
  return n;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--runs wants a positive integer, got \`${value}\``);
  return n;
}

function parseSeed(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new UsageError(`--seed wants an integer, got \`${value}\``);
  return n;
}

function parseTimeout(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`wanted milliseconds (a non-negative integer), got \`${value}\``);
  return n;
}

function parseBytes(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--max-body wants a positive number of bytes, got \`${value}\``);
  return n;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port wants 0..65535, got \`${value}\``);
  return n;
}

/** Builds the command tree; `done` receives each action's exit code. */
function buildCli(io: Io, done: (code: number) => void): Command {
  const program = new Command("agentpolicy")
    .description("Compile, check and test .agentpolicy guards for AI agents' tool calls")
    .version("0.1.0")
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride()
    .showHelpAfterError();

  program
    .command("check")
    .description("parse and type-check policies against their tool manifests; print diagnostics")
    .argument("<files...>", "policy files")
    .addOption(formatOption())
    .action((files: string[], o: { format: "text" | "json" }) => done(runCheck(files, o, io)));

  program
    .command("compile")
    .description("write one guard module per policy: DIR/NAME.guard.ts (or .js + .d.ts)")
    .argument("<files...>", "policy files")
    .requiredOption("--out <dir>", "output folder")
    .addOption(new Option("--emit <kind>", "what to write").choices(["ts", "js"]).default("ts"))
    .action(async (files: string[], o: { out: string; emit: "ts" | "js" }) => {
      const { runCompile } = await import("./compile.js");
      done(await runCompile(files, o, io));
    });

  program
    .command("eval")
    .description("decide each request line of a JSON Lines file; print one decision line per request")
    .argument("<file>", "policy file")
    .requiredOption("--requests <file>", "JSON Lines of requests and usage reports")
    .addOption(new Option("--engine <engine>", "which engine decides").choices(["compiled", "interpreter"]).default("compiled"))
    .option("--now <ms>", "the clock at the start (ms since the epoch)", parseMs)
    .action(async (file: string, o: { requests: string; engine: "compiled" | "interpreter"; now?: number }) => {
      const { runEval } = await import("./eval.js");
      done(await runEval(file, o, io));
    });

  program
    .command("test")
    .description("run the policies' test blocks and check every invariant with fast-check")
    .argument("<files...>", "policy files")
    .option("--runs <n>", "generated requests per invariant", parseCount)
    .option("--seed <s>", "seed for reproducible runs", parseSeed)
    .addOption(new Option("--engine <engine>", "which engine decides").choices(["compiled", "interpreter"]).default("compiled"))
    .addOption(formatOption())
    .action(async (files: string[], o: { runs?: number; seed?: number; format: "text" | "json"; engine: "compiled" | "interpreter" }) => {
      const { runTest } = await import("./test.js");
      done(await runTest(files, o, io));
    });

  program
    .command("diff")
    .description("concrete requests two versions of a policy decide differently, newly allowed first")
    .argument("<old>", "the policy before")
    .argument("<new>", "the policy after")
    .option("--fail-on-looser", "exit 1 when the new policy allows or reviews anything the old one denied", false)
    .addOption(new Option("--engine <engine>", "which engine decides").choices(["compiled", "interpreter"]).default("compiled"))
    .addOption(formatOption())
    .action(async (oldFile: string, newFile: string, o: { failOnLooser: boolean; format: "text" | "json"; engine: "compiled" | "interpreter" }) => {
      const { runDiff } = await import("./diff.js");
      done(await runDiff(oldFile, newFile, o, io));
    });

  program
    .command("fmt")
    .description("format policies in place in the one canonical layout")
    .argument("<files...>", "policy files")
    .option("--check", "list files that are not formatted and exit 1; write nothing", false)
    .action(async (files: string[], o: { check: boolean }) => {
      const { runFmt } = await import("./fmt.js");
      done(await runFmt(files, { check: o.check === true }, io));
    });

  const audit = program.command("audit").description("audit log tools");
  audit
    .command("verify")
    .description("check the hash chain of an audit log; name the first broken record")
    .argument("<log>", "audit log (JSON Lines)")
    .addOption(formatOption())
    .action((file: string, o: { format: "text" | "json" }) => done(runAuditVerify(file, o, io)));

  const engineOption = (fallback: "compiled" | "interpreter") =>
    new Option("--engine <engine>", "which engine decides").choices(["compiled", "interpreter"]).default(fallback);
  const contextHelp = "the request context: JSON, or @FILE holding JSON";

  const manifest = program.command("manifest").description("tool manifests");
  manifest
    .command("pull")
    .description("start an MCP server over stdio, ask tools/list (all pages), print the manifest JSON { tools: [...] }")
    .usage("[options] -- CMD [ARGS...]")
    .argument("<command...>", "the MCP server's command line, after `--`")
    .option("--out <file>", "write the manifest to FILE instead of standard output")
    .option("--timeout <ms>", "milliseconds for the handshake and each tools/list page", parseTimeout, 60_000)
    .action(async (command: string[], o: { out?: string; timeout: number }) => {
      const { runManifestPull } = await import("./manifest-pull.js");
      done(await runManifestPull(command, { timeoutMs: o.timeout, ...(o.out === undefined ? {} : { out: o.out }) }, io));
    });

  program
    .command("mcp-proxy")
    .summary("an MCP server over stdio that decides every tools/call before forwarding it to the upstream CMD")
    .description(
      "an MCP server over stdio in front of the upstream MCP server CMD: lists only the tools the agent could ever be allowed " +
        "and decides every tools/call before forwarding it (a denial is a tool result with isError: true naming the rule). " +
        "One proxy process is one session; logs go to stderr",
    )
    .usage("--policy FILE --agent ID [options] -- CMD [ARGS...]")
    .argument("<command...>", "the upstream MCP server's command line, after `--`")
    .requiredOption("--policy <file>", "policy file")
    .requiredOption("--agent <id>", "the agent identity every call is decided for")
    .option("--context <json>", contextHelp)
    .option("--session <id>", "session id for labels and per-session limits (default: a fresh random id)")
    .option("--alias <alias>", "the `tools` alias the upstream stands for (default: the one whose manifest matches its tools)")
    .option("--audit <log>", "append hash-chained audit records to this JSON Lines file")
    .option("--reviewer <cmd|url>", "who answers `review`: a shell command (request+decision JSON on stdin, {approved, by, note} JSON on stdout) or an http(s) URL (POST); without one a review is denied")
    .option("--review-timeout <ms>", "how long a review may take before it counts as a denial (default 300000)", parseTimeout)
    .option("--call-timeout <ms>", "how long a forwarded call may take upstream (default 600000; progress resets it)", parseTimeout)
    .option("--redis <url>", "keep limits and session labels in Redis (redis:// or rediss://), shared with every process given the same URL and prefix")
    .option("--redis-prefix <prefix>", "prefix of the Redis keys (default agentpolicy:); processes with the same prefix share limits")
    .addOption(engineOption("compiled"))
    .action(async (command: string[], o: { policy: string; agent: string; context?: string; session?: string; alias?: string; audit?: string; reviewer?: string; reviewTimeout?: number; callTimeout?: number; redis?: string; redisPrefix?: string; engine: "compiled" | "interpreter" }) => {
      const { runMcpProxy } = await import("./mcp-proxy.js");
      const { reviewTimeout, callTimeout, ...rest } = o;
      done(
        await runMcpProxy(
          { ...rest, ...(reviewTimeout === undefined ? {} : { reviewTimeoutMs: reviewTimeout }), ...(callTimeout === undefined ? {} : { callTimeoutMs: callTimeout }) },
          command,
          io,
        ),
      );
    });

  program
    .command("serve")
    .summary("an HTTP decision service: POST /v1/decide, POST /v1/usage, GET /healthz")
    .description(
      "an HTTP decision service: POST /v1/decide (a request line → a decision line), POST /v1/usage (a usage report), GET /healthz. " +
        "Uses its own clock (a body's `at` is ignored), keeps limits in memory (or in Redis with --redis), wants a bearer token with --token-file (else no authentication); stops gracefully on SIGINT/SIGTERM",
    )
    .requiredOption("--policy <file>", "policy file")
    .option("--port <port>", "TCP port (0 picks a free one)", parsePort, 8787)
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--audit <log>", "append hash-chained audit records to this JSON Lines file")
    .option("--max-body <bytes>", "largest request body accepted", parseBytes, 1024 * 1024)
    .option("--token-file <file>", "require Authorization: Bearer TOKEN (the file's content) on every route but /healthz")
    .option("--redis <url>", "keep limits and session labels in Redis (redis:// or rediss://), shared with every process given the same URL and prefix")
    .option("--redis-prefix <prefix>", "prefix of the Redis keys (default agentpolicy:); processes with the same prefix share limits")
    .addOption(engineOption("compiled"))
    .action(async (o: { policy: string; port: number; host: string; audit?: string; maxBody: number; tokenFile?: string; redis?: string; redisPrefix?: string; engine: "compiled" | "interpreter" }) => {
      const { runServe } = await import("./serve.js");
      const { maxBody, ...rest } = o;
      done(await runServe({ ...rest, maxBodyBytes: maxBody }, io));
    });

  program
    .command("hook")
    .summary("a coding agent's PreToolUse hook: one call as JSON on stdin, allow / deny / ask on stdout")
    .description(
      "a coding agent's PreToolUse hook (Claude Code): reads one call as JSON on stdin ({session_id, tool_name, tool_input, ...}), " +
        'prints {"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow"|"deny"|"ask","permissionDecisionReason":"..."}} and exits 0. ' +
        "mcp__SERVER__TOOL is decided as SERVER.TOOL (see --alias-map), built-in tools (Bash, Edit, ...) as code.NAME. review → ask. " +
        "With --state or --redis, also register it for PostToolUse: an ask the user approved then counts against the limits. " +
        "Every problem is a deny. Each run is a fresh process: limits and session labels are NOT kept across calls " +
        "unless --state names a journal file that carries them or --redis a Redis server that keeps them",
    )
    .requiredOption("--policy <file>", "policy file")
    .requiredOption("--agent <id>", "the agent identity every call is decided for")
    .option("--context <json>", contextHelp)
    .option("--alias-map <map>", "SERVER=ALIAS pairs, comma-separated (repeatable): the policy alias of an MCP server's tools", (v: string, prev: string[] = []) => [...prev, v])
    .option("--builtin-alias <alias>", "the policy alias of the coding agent's built-in tools", "code")
    .option("--audit <log>", "append hash-chained audit records to this JSON Lines file (one writer at a time)")
    .option("--state <file>", "keep limits and session labels across runs in this journal file (runs are serialized by FILE.lock; delete it to reset)")
    .option("--redis <url>", "keep limits and session labels in Redis (redis:// or rediss://), shared with every process given the same URL and prefix")
    .option("--redis-prefix <prefix>", "prefix of the Redis keys (default agentpolicy:); processes with the same prefix share limits")
    .addOption(engineOption("interpreter"))
    .action(async (o: { policy: string; agent: string; context?: string; aliasMap?: string[]; builtinAlias: string; audit?: string; state?: string; redis?: string; redisPrefix?: string; engine: "compiled" | "interpreter" }) => {
      const { runHook } = await import("./hook.js");
      done(await runHook(o, io));
    });

  return program;
}

/** Runs the CLI on `argv` (without `node` and the script) and resolves to the exit code. Never throws. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code: number = ExitCode.ok;
  const cli = buildCli(io, (c) => {
    code = c;
  });
  try {
    await cli.parseAsync([...argv], { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with exit code 0.
      return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (e instanceof UsageError) {
      io.err(`agentpolicy: ${e.message}`);
      return ExitCode.usage;
    }
    io.err(`agentpolicy: internal error: ${(e as Error).stack ?? String(e)}`);
    return ExitCode.failed;
  }
}
