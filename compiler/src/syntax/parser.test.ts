import { CstParser } from "chevrotain";
import { describe, expect, it } from "vitest";
import { lex } from "./lexer.js";
import { PolicyParser } from "./parser.js";

describe("the grammar", () => {
  it("passes Chevrotain's validations (no ambiguity, no left recursion)", () => {
    expect(() => new PolicyParser(true)).not.toThrow();
  });

  it("relies only on Chevrotain internals that exist (the pinned 11.2 line)", () => {
    const proto = CstParser.prototype as unknown as Record<string, unknown>;
    for (const name of ["findReSyncTokenType", "getFollowsForInRuleRecovery", "raiseNoAltException", "SAVE_ERROR", "buildFullFollowKeyStack", "getFollowSetFromFollowKey", "exportLexerState"]) {
      expect(typeof proto[name], name).toBe("function");
    }
    const parser = new PolicyParser() as unknown as Record<string, unknown>;
    for (const name of ["RULE_STACK", "RULE_OCCURRENCE_STACK"]) expect(Array.isArray(parser[name]), name).toBe(true);
    expect(typeof parser.RULE_STACK_IDX).toBe("number");
  });

  it("returns a CST for any token vector and is reusable", () => {
    const parser = new PolicyParser();
    const a = parser.parseTokens(lex("policy p\nallow x.y", () => {}).tokens);
    expect(parser.errors).toEqual([]);
    const b = parser.parseTokens(lex("policy p\nallow (", () => {}).tokens);
    expect(parser.errors.length).toBeGreaterThan(0);
    const c = parser.parseTokens(lex("policy p\nallow x.y", () => {}).tokens);
    expect(parser.errors).toEqual([]);
    for (const cst of [a, b, c]) expect(cst.name).toBe("document");
  });

  it("restores Error.stackTraceLimit after parsing", () => {
    const before = Error.stackTraceLimit;
    new PolicyParser().parseTokens(lex("policy p\nallow ( ]", () => {}).tokens);
    expect(Error.stackTraceLimit).toBe(before);
  });
});
