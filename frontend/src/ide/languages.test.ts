import { describe, expect, it } from "vitest";
import { languageForPath, loadLanguage } from "./languages";

describe("languageForPath", () => {
  it("chooses the highlighting by extension", () => {
    expect(languageForPath("main.py")).toBe("python");
    expect(languageForPath("src/app.js")).toBe("javascript");
    expect(languageForPath("src/app.ts")).toBe("typescript");
    expect(languageForPath("db/schema.SQL")).toBe("sql");
    expect(languageForPath("run.sh")).toBe("shell");
    expect(languageForPath("README")).toBeNull();
    expect(languageForPath("notes.txt")).toBeNull();
    expect(languageForPath(".gitignore")).toBeNull();
  });

  it("loads a CodeMirror extension for each language", async () => {
    for (const language of ["python", "javascript", "typescript", "sql", "shell"] as const) {
      expect(await loadLanguage(language)).toBeTruthy();
    }
    expect(await loadLanguage(null)).toEqual([]);
  });
});
