/**
 * `@agentpolicy/runtime/langchain`: the LangChain.js adapter (optional peer dependencies
 * `langchain` and `@langchain/core`).
 */

export { guardStructuredTools, policyMiddleware } from "./adapters/langchain.js";
export type { LangChainGuardOptions, LangChainRuntimeLike, LangChainToolCall, PolicyMiddlewareOptions } from "./adapters/langchain.js";
export type { ToolNaming } from "./adapters/common.js";
