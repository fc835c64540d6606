import { describe, expect, it } from "vitest";
import { minimalChange } from "./Editor";
import { parseWatchMessage } from "./fileWatch";

describe("parseWatchMessage", () => {
  it("asks for a re-check on ready and on overflow, and passes changes on", () => {
    expect(parseWatchMessage('{"type":"ready"}')).toEqual({ resync: true, changes: [] });
    const message = '{"type":"changes","changes":[{"path":"","kind":"overflow"},{"path":"a.py","kind":"modified"}]}';
    expect(parseWatchMessage(message)).toEqual({ resync: true, changes: [{ path: "a.py", kind: "modified" }] });
  });

  it("ignores what it does not understand", () => {
    expect(parseWatchMessage("nonsense")).toBeNull();
    expect(parseWatchMessage(new ArrayBuffer(2))).toBeNull();
    expect(parseWatchMessage('{"type":"changes","changes":[{"path":3},null]}')).toEqual({
      resync: false,
      changes: [],
    });
  });
});

describe("minimalChange", () => {
  it("replaces only what differs, so a cursor before or after it stays", () => {
    expect(minimalChange("print(1)\n", "print(1)\n# X\n")).toEqual({ from: 9, to: 9, insert: "# X\n" });
    expect(minimalChange("abcdef", "abXYef")).toEqual({ from: 2, to: 4, insert: "XY" });
    expect(minimalChange("aaa", "aa")).toEqual({ from: 2, to: 3, insert: "" });
    expect(minimalChange("same", "same")).toBeNull();
  });
});
