import { describe, expect, it } from "vitest";
import { closest, editDistance, writeName } from "./suggest.js";

describe("editDistance", () => {
  it("counts edits, transpositions as one", () => {
    expect(editDistance("kitten", "sitting", 5)).toBe(3);
    expect(editDistance("lenght", "length", 3)).toBe(1);
    expect(editDistance("abc", "abcdefgh", 2)).toBe(3);
  });
});

describe("closest", () => {
  it("finds a likely typo, not a distant name", () => {
    expect(closest("get_items", ["get_item", "search"])).toBe("get_item");
    expect(closest("Search", ["get_item", "search"])).toBe("search");
    expect(closest("xyz", ["get_item", "search"])).toBeUndefined();
    expect(closest("search", ["search", "serch"])).toBeUndefined();
  });
});

describe("writeName", () => {
  it("quotes names that are not identifiers", () => {
    expect(writeName("create_issue")).toBe("create_issue");
    expect(writeName("create-issue")).toBe("`create-issue`");
  });
});
