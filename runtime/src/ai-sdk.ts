/**
 * `@agentpolicy/runtime/ai-sdk`: the Vercel AI SDK adapter (optional peer dependency `ai`).
 */

export { guardTools, policyToolApproval, policyUsageMiddleware } from "./adapters/ai-sdk.js";
export type {
  AiSdkApprovalRequest,
  AiSdkGuardOptions,
  AiSdkIdentity,
  AiSdkToolCall,
  PolicyApprovalStatus,
  PolicyUsageMiddleware,
  UsageMiddlewareOptions,
} from "./adapters/ai-sdk.js";
export type { ToolNaming } from "./adapters/common.js";
