/** Shared plumbing of the commands: output streams, colors, paths, exit codes. */
import { relative } from "node:path";
import pc from "picocolors";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { formatDiagnosticText, plainStyle, type SourceLookup, type TextStyle } from "../diagnostics/format.js";

export const ExitCode = { ok: 0, failed: 1, usage: 2 } as const;

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Colors only on a TTY (and never when NO_COLOR is set). */
  readonly color: boolean;
  readonly cwd: string;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t.endsWith("\n") ? t : t + "\n"),
  err: (t) => process.stderr.write(t.endsWith("\n") ? t : t + "\n"),
  color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
  cwd: process.cwd(),
};

export function styleFor(io: Io): TextStyle {
  return io.color ? { red: pc.red, yellow: pc.yellow, cyan: pc.cyan, dim: pc.dim, bold: pc.bold } : plainStyle;
}

/** Paths as the user should see them: relative to the working directory when inside it. */
export function displayPath(io: Io): (file: string) => string {
  return (file) => {
    const rel = relative(io.cwd, file);
    return rel && !rel.startsWith("..") ? rel : file;
  };
}

/** Renders diagnostics as text blocks separated by blank lines, with a closing count. */
export function renderDiagnostics(io: Io, diagnostics: readonly Diagnostic[], sources: SourceLookup): string {
  const style = styleFor(io);
  const blocks = diagnostics.map((d) => formatDiagnosticText(d, sources, style, displayPath(io)));
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.filter((d) => d.severity === "warning").length;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  return [...blocks, `${plural(errors, "error")}, ${plural(warnings, "warning")}`].join("\n\n");
}

export class UsageError extends Error {}
