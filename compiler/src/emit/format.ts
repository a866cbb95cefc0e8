/**
 * Prettier layout of generated TypeScript (loaded lazily: only `compile` pays for it).
 * The options are fixed here so generated guards are byte-for-byte reproducible.
 */

/** The Prettier options of every generated guard. */
export const GUARD_PRETTIER_OPTIONS = {
  parser: "typescript",
  printWidth: 120,
  tabWidth: 2,
  semi: true,
  singleQuote: false,
  trailingComma: "all",
  bracketSpacing: true,
  arrowParens: "always",
  endOfLine: "lf",
} as const;

/** Formats TypeScript source. Throws when the text does not parse (a generator bug). */
export async function formatTypeScript(source: string): Promise<string> {
  const prettier = await import("prettier");
  return prettier.format(source, { ...GUARD_PRETTIER_OPTIONS });
}
