import { bytesAsText, visible } from "./format";

describe("showing raw bytes as text", () => {
  it("escapes control and invisible characters and keeps the rest", () => {
    expect(visible("a\u001b[31mred\u200e\n\ttab<b>")).toBe("a\\x1b[31mred\\u200e\n\ttab<b>");
  });

  it("shows bytes that are not UTF-8 as \\xNN", () => {
    expect(bytesAsText(btoa("\xff\xfe{\"a\": 1}\x00"))).toBe('\\xff\\xfe{"a": 1}\\x00');
  });
});
