/**
 * A Prettier 3 plugin for `.agentpolicy` files:
 * `prettier --plugin @agentpolicy/compiler/prettier-plugin --write .`
 *
 * Contracts:
 * - The output is exactly `formatText` (format/format.ts): there is one canonical
 *   layout (LANGUAGE.md §11), so Prettier's layout options (`printWidth`, `tabWidth`,
 *   `useTabs`, ...) do not apply; `endOfLine` is applied by Prettier itself.
 * - A file with syntax errors is refused at parse time with a `SyntaxError` that
 *   carries Prettier's `loc`, so Prettier prints a code frame and writes nothing.
 */
import { doc, type Parser, type Plugin, type Printer, type SupportLanguage } from "prettier";
import { formatText } from "./format/format.js";

/** The "AST" handed from the parser to the printer: the source and its canonical form. */
export interface AgentpolicyRoot {
  readonly type: "agentpolicy-root";
  readonly text: string;
  readonly formatted: string;
}

export const languages: SupportLanguage[] = [
  {
    name: "agentpolicy",
    parsers: ["agentpolicy"],
    extensions: [".agentpolicy"],
    vscodeLanguageIds: ["agentpolicy"],
  },
];

/** A syntax error as Prettier reports it (1-based line, 1-based column). */
class AgentpolicySyntaxError extends SyntaxError {
  constructor(
    message: string,
    readonly loc: { start: { line: number; column: number }; end: { line: number; column: number } },
  ) {
    super(message);
    this.name = "SyntaxError";
  }
}

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split(/\r\n|\r|\n/);
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

export const parsers: Record<string, Parser<AgentpolicyRoot>> = {
  agentpolicy: {
    astFormat: "agentpolicy",
    parse(text, options) {
      const result = formatText(text, options.filepath ?? "<input>");
      if (!result.ok) {
        const first = result.diagnostics[0];
        const more = result.diagnostics.length > 1 ? ` (and ${result.diagnostics.length - 1} more)` : "";
        const span = first?.span ?? { start: 0, end: 0 };
        throw new AgentpolicySyntaxError(`${first?.code ?? "E_SYNTAX"}: ${first?.message ?? "syntax error"}${more}`, {
          start: position(text, span.start),
          end: position(text, span.end),
        });
      }
      return { type: "agentpolicy-root", text, formatted: result.text };
    },
    locStart: () => 0,
    locEnd: (node) => node.text.length,
  },
};

export const printers: Record<string, Printer<AgentpolicyRoot>> = {
  agentpolicy: {
    print(path) {
      return doc.utils.replaceEndOfLine(path.node.formatted);
    },
  },
};

const plugin: Plugin<AgentpolicyRoot> = { languages, parsers, printers };
export default plugin;
