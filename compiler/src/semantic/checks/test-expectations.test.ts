import { describe, expect, it } from "vitest";
import { checkFs, spanText } from "../test-support.js";

const CTX = 'context { user: { id: string, role: "viewer" | "admin" }, ticket?: string }\n';
const diag = (body: string) => {
  const r = checkFs(CTX + body);
  return r.semantic.map((d) => `${d.code} ${spanText(r.text, d)}`);
};
const expectLine = (call: string, ctx = '{ user: { id: "u", role: "viewer" } }', tail = "=> allow") =>
  `agent "a" { @id("r1") allow fs.read_file }\ntest "t" { expect agent "a" calls ${call} with ${ctx} ${tail} }`;

describe("test expectations", () => {
  it("accepts well-formed expectations", () => {
    expect(diag(expectLine('fs.read_file({ path: "/x", encoding: "utf8", head: null })', undefined, '=> allow "r1"'))).toEqual([]);
    expect(diag(expectLine('fs.read_file({ path: "/x" })', undefined, '=> deny "default"'))).toEqual([]);
  });
  it("checks argument records against the tool's input type", () => {
    expect(diag(expectLine('fs.read_file({ pth: "/x" })'))).toEqual(['E_TYPE { pth: "/x" }', "E_UNKNOWN_FIELD pth"]);
    expect(diag(expectLine('fs.read_file({ path: 1 })'))).toEqual(["E_TYPE 1"]);
    expect(diag(expectLine('fs.read_file({ path: "/x", encoding: "utf-8" })'))).toEqual(['E_ENUM "utf-8"']);
    expect(diag(expectLine('fs.read_file({ path: "/x", limit: 1.5 })'))).toEqual(["E_TYPE 1.5"]);
    expect(diag(expectLine('fs.write_file({ path: "/x", content: "c", mode: "create", tags: ["a", 2] })'))).toEqual(["E_TYPE 2"]);
  });
  it("checks context records", () => {
    expect(diag(expectLine('fs.read_file({ path: "/x" })', '{ user: { id: "u", role: "root" } }'))).toEqual(['E_ENUM "root"']);
    expect(diag(expectLine('fs.read_file({ path: "/x" })', '{ user: { id: "u", role: "viewer" }, ticket: null }'))).toEqual(["E_TYPE null"]);
    expect(diag(expectLine('fs.read_file({ path: "/x" })', "{ }"))).toEqual(["E_TYPE { }"]);
  });
  it("lets invalid_arguments / invalid_context expectations send bad values", () => {
    expect(diag(expectLine("fs.read_file({ })", undefined, '=> deny "invalid_arguments"'))).toEqual([]);
    expect(diag(expectLine('fs.read_file({ path: "/x" })', "{ }", '=> deny "invalid_context"'))).toEqual([]);
  });
  it("checks tools and rule ids", () => {
    expect(diag(expectLine('fs.red_file({ path: "/x" })'))).toEqual(["E_UNKNOWN_TOOL red_file"]);
    expect(diag(expectLine('fs.read_file({ path: "/x" })', undefined, '=> allow "r2"'))).toEqual(['E_UNKNOWN_NAME "r2"']);
  });
  it("wants constant values", () => {
    expect(diag(expectLine("fs.read_file({ path: args.path })"))).toEqual(["E_TYPE args"]);
  });
});
