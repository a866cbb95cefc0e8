/**
 * `@agentpolicy/runtime/mcp`: the MCP client adapter (works with `@modelcontextprotocol/sdk`'s
 * `Client`; the SDK is an optional peer dependency and is not imported).
 */

export { guardMcpClient } from "./adapters/mcp.js";
export type { McpClientLike, McpGuardOptions, PolicyDeniedResult } from "./adapters/mcp.js";
export type { ToolNaming } from "./adapters/common.js";
