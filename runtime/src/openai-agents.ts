/**
 * `@agentpolicy/runtime/openai-agents`: the OpenAI Agents SDK adapter (optional peer dependency
 * `@openai/agents`).
 */

export { guardAgentTools, policyToolGuardrail, recordRunUsage } from "./adapters/openai-agents.js";
export type { AgentsGuardOptions, AgentsToolCall, UsageOwner } from "./adapters/openai-agents.js";
export type { ToolNaming } from "./adapters/common.js";
