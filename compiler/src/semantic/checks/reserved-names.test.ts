import { describe, expect, it } from "vitest";
import { checkFs, codes } from "../test-support.js";

describe("reserved root names", () => {
  it("cannot name a const", () => {
    // (`agent` is a keyword: the parser rejects `const agent`.)
    for (const n of ["args", "ctx", "tool", "session"]) expect(codes(checkFs(`const ${n} = 1`).semantic)).toEqual(["E_TYPE"]);
  });
});
