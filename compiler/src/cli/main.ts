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

  const audit = program.command("audit").description("audit log tools");
  audit
    .command("verify")
    .description("check the hash chain of an audit log; name the first broken record")
    .argument("<log>", "audit log (JSON Lines)")
    .addOption(formatOption())
    .action((file: string, o: { format: "text" | "json" }) => done(runAuditVerify(file, o, io)));

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
