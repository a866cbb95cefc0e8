export type * as ast from "./syntax/ast.js";
export * from "./diagnostics/diagnostic.js";
export * from "./manifest/types.js";
export * from "./semantic/model.js";
// Added for the language server (lsp/): the facade, the scanner, positions and type helpers.
export { checkFile, checkSource, nodeHost, type CheckedPolicy, type CompilerHost, type LoadResult } from "./program.js";
export { parseDocument, type ParseResult } from "./syntax/parse.js";
export { lex, tokenEnd, type LexResult } from "./syntax/lexer.js";
export { KEYWORDS, CONTEXTUAL_WORDS } from "./syntax/tokens.js";
export { childrenOf } from "./syntax/ast.js";
export { LineMap } from "./diagnostics/format.js";
export { closest, writeName, isIdentifierShaped } from "./semantic/suggest.js";
export { ROOT_NAMES } from "./semantic/binder.js";
export { elementOf, enumValues, isNullable, membersOf, removeNull, showType } from "./semantic/type-ops.js";
export { policyString } from "./testing/policy-values.js";
export { generateGuard, type GeneratedGuard } from "./emit/generate.js";
export { programFor, runSuite, type SuiteOptions } from "./testing/suite.js";
export { closingLine, plainRender, renderResult, type SuiteResult } from "./testing/report.js";
