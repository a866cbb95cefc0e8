export type * as ast from "./syntax/ast.js";
export * from "./diagnostics/diagnostic.js";
export * from "./manifest/types.js";
export * from "./semantic/model.js";
