import { describe, expect, it } from "vitest";
import * as runtime from "./index.js";

describe("@agentpolicy/runtime exports", () => {
  // The names generated guards and the reference interpreter import (/work/notes/builtins.md).
  it.each([
    "EvaluationError",
    "canonicalJson",
    "deepEqual",
    "codePointLength",
    "compileGlob",
    "compileRegex",
    "parseUrl",
    "pathNormalize",
    "pathUnder",
    "pathName",
    "pathExt",
    "sessionHas",
    "sessionCount",
    "limitKey",
    "repeatFingerprint",
    "LimitKeyError",
    "createGuard",
    "PolicyDenied",
    "MemoryStore",
    "MemoryAuditSink",
    "FileAuditSink",
    "SharedFileAuditSink",
    "withFileLock",
    "CallbackAuditSink",
    "verifyAuditLog",
  ])("exports %s", (name) => {
    expect(typeof (runtime as Record<string, unknown>)[name]).toBe("function");
  });
});
