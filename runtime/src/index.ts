/**
 * @agentpolicy/runtime — what generated guards import: the decision types, the expression
 * built-ins, limit stores, audit sinks, review and `createGuard`. Node built-ins only.
 */

export * from "./types.js";
export * from "./builtins.js";
export { compileLinearRegex, MAX_LINEAR_REGEX_STATES, type LinearRegex } from "./linear-regex.js";
export { PolicyDenied } from "./errors.js";
export type { LimitAttempt, LimitOutcome, LimitStore } from "./store.js";
export { assertLimitCheck, assertUsageCharge, assertTime } from "./store.js";
export { DEFAULT_SESSION_TTL_MS, MemoryStore } from "./memory-store.js";
export type { MemoryStoreOptions, MemoryStoreStats } from "./memory-store.js";
export {
  GENESIS_HASH,
  AuditChainVerifier,
  auditHash,
  auditLine,
  sealAuditRecord,
  verifyAuditLog,
  MemoryAuditSink,
  CallbackAuditSink,
  FileAuditSink,
  SharedFileAuditSink,
} from "./audit.js";
export { withFileLock, type FileLockOptions } from "./file-lock.js";
export type { AuditEntry, AuditRecord, AuditRequest, AuditSink, AuditVerification, ReviewOutcome } from "./audit.js";
export { describeLimit, describeMoney, describeWindow, limitReason } from "./limit-text.js";
export type { SpanAttributeValue, SpanLike, TracerLike } from "./telemetry.js";
export {
  createGuard,
  DEFAULT_REVIEW_TIMEOUT_MS,
  INTERNAL_ERROR_RULE,
  INVALID_REQUEST_RULE,
  REVIEW_ERROR_RULE,
} from "./guard.js";
export type {
  CallIdentity,
  DecideOptions,
  Guard,
  GuardedFunction,
  GuardOptions,
  IdentityResolver,
  ReviewAnswer,
  Reviewer,
  ToolFunction,
  UsageResult,
} from "./guard.js";
