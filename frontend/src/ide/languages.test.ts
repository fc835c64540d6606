import { ensureSyntaxTree } from "@codemirror/language";
import { EditorState } from "@codemirror/state";
import { classHighlighter, highlightTree } from "@lezer/highlight";
import { describe, expect, it } from "vitest";
import { languageForPath, loadLanguage, runCommandFor, shellQuote, type LanguageName } from "./languages";

/** Each highlighted piece of the file's `doc` with its classes (`tok-keyword`, …), as the editor would style it. */
async function highlighted(path: string, doc: string): Promise<Map<string, string>> {
  const state = EditorState.create({ doc, extensions: [await loadLanguage(languageForPath(path))] });
  const tree = ensureSyntaxTree(state, doc.length, 10_000);
  if (!tree) throw new Error(`${path}: no syntax tree`);
  const pieces = new Map<string, string>();
  highlightTree(tree, classHighlighter, (from, to, classes) => {
    const text = doc.slice(from, to);
    pieces.set(text, [pieces.get(text), classes].filter(Boolean).join(" "));
  });
  return pieces;
}

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

  it("knows Go, Rust, bats tests, TOML and go.mod", () => {
    expect(languageForPath("cmd/server/main.go")).toBe("go");
    expect(languageForPath("src/lib.rs")).toBe("rust");
    expect(languageForPath("tests/hello.bats")).toBe("shell");
    expect(languageForPath("Cargo.toml")).toBe("toml");
    expect(languageForPath("Cargo.lock")).toBe("toml");
    expect(languageForPath("config/settings.toml")).toBe("toml");
    expect(languageForPath("go.mod")).toBe("gomod");
    expect(languageForPath("tools/go.work")).toBe("gomod");
    expect(languageForPath("go.sum")).toBeNull();
    expect(languageForPath("notgo.mod")).toBeNull();
  });
});

describe("loadLanguage", () => {
  it("loads a CodeMirror extension for each language", async () => {
    const languages: LanguageName[] = [
      "python",
      "javascript",
      "typescript",
      "sql",
      "shell",
      "go",
      "gomod",
      "rust",
      "toml",
    ];
    for (const language of languages) {
      expect(await loadLanguage(language)).toBeTruthy();
    }
    expect(await loadLanguage(null)).toEqual([]);
  });

  it("highlights Go", async () => {
    const doc = 'package main\n\n// Greet says hello.\nfunc Greet() string { return "hi" }\n';
    const pieces = await highlighted("main.go", doc);
    expect(pieces.get("package")).toContain("tok-keyword");
    expect(pieces.get("func")).toContain("tok-keyword");
    expect(pieces.get('"hi"')).toContain("tok-string");
    expect(pieces.get("// Greet says hello.")).toContain("tok-comment");
  });

  it("highlights Rust", async () => {
    const doc = 'pub fn greet() -> String {\n    let n = 42; // answer\n    "hi".to_string()\n}\n';
    const pieces = await highlighted("src/lib.rs", doc);
    expect(pieces.get("fn")).toContain("tok-keyword");
    expect(pieces.get("let")).toContain("tok-keyword");
    expect(pieces.get("42")).toContain("tok-number");
    expect(pieces.get('"hi"')).toContain("tok-string");
    expect(pieces.get("// answer")).toContain("tok-comment");
  });

  it("highlights a bats test as shell", async () => {
    const doc = [
      "#!/usr/bin/env bats",
      '@test "greets each name" {',
      '  for name in ada linus; do run ./hello.sh "$name"; done',
      "  # the last run's status",
      '  [ "$status" -eq 0 ]',
      "}",
      "",
    ].join("\n");
    const pieces = await highlighted("test/hello.bats", doc);
    expect(pieces.get("#!/usr/bin/env bats")).toContain("tok-meta");
    expect(pieces.get('"greets each name"')).toContain("tok-string");
    expect(pieces.get("for")).toContain("tok-keyword");
    expect(pieces.get("done")).toContain("tok-keyword");
    expect(pieces.get("# the last run's status")).toContain("tok-comment");
  });

  it("highlights TOML", async () => {
    const pieces = await highlighted("Cargo.toml", '[package]\nname = "hello" # the crate\nedition = 2021\n');
    expect(pieces.get("[package]")).toContain("tok-atom");
    expect(pieces.get("name")).toContain("tok-propertyName");
    expect(pieces.get('"hello"')).toContain("tok-string");
    expect(pieces.get("# the crate")).toContain("tok-comment");
    expect(pieces.get("2021")).toContain("tok-number");
  });

  it("highlights go.mod: directives, module paths, versions, replacements and comments", async () => {
    const doc = [
      "module example.com/hello",
      "",
      "go 1.22",
      "",
      "require (",
      "\tgolang.org/x/text v0.14.0 // indirect",
      ")",
      "",
      "replace example.com/old => ../old",
      "",
    ].join("\n");
    const pieces = await highlighted("go.mod", doc);
    for (const directive of ["module", "go", "require", "replace"]) {
      expect(pieces.get(directive), directive).toContain("tok-keyword");
    }
    expect(pieces.get("example.com/hello")).toContain("tok-string");
    expect(pieces.get("golang.org/x/text")).toContain("tok-string");
    expect(pieces.get("1.22")).toContain("tok-number");
    expect(pieces.get("v0.14.0")).toContain("tok-number");
    expect(pieces.get("// indirect")).toContain("tok-comment");
    expect(pieces.get("=>")).toContain("tok-operator");
  });
});

describe("runCommandFor", () => {
  it("runs a file by its language", () => {
    expect(runCommandFor("main.py")).toBe("python3 main.py");
    expect(runCommandFor("src/app.js")).toBe("node src/app.js");
    expect(runCommandFor("tools/build.mjs")).toBe("node tools/build.mjs");
    expect(runCommandFor("hello.sh")).toBe("bash hello.sh");
    expect(runCommandFor("tests/hello.bats")).toBe("bats tests/hello.bats");
    expect(runCommandFor("cmd/main.go")).toBe("go run cmd/main.go");
  });

  it("runs Rust with cargo when the workspace has a Cargo.toml, else compiles the file alone", () => {
    expect(runCommandFor("src/main.rs", ["Cargo.toml", "src"])).toBe("cargo run");
    expect(runCommandFor("main.rs", ["main.rs"])).toBe("rustc -o /tmp/practica-run main.rs && /tmp/practica-run");
  });

  it("has no command for a file it cannot run, nor for no file", () => {
    expect(runCommandFor("README.md")).toBeNull();
    expect(runCommandFor("query.sql")).toBeNull();
    expect(runCommandFor("Cargo.toml", ["Cargo.toml"])).toBeNull();
    expect(runCommandFor(null)).toBeNull();
  });

  it("passes any file name as one shell word", () => {
    expect(runCommandFor("a b;rm -rf ~.py")).toBe("python3 'a b;rm -rf ~.py'");
    expect(runCommandFor("it's $(whoami).py")).toBe("python3 'it'\\''s $(whoami).py'");
    expect(runCommandFor("-rf.py")).toBe("python3 ./-rf.py");
    expect(runCommandFor("line\nbreak`x`.py")).toBe("python3 $'line\\x0abreak`x`.py'");
    expect(runCommandFor("esc\u001b[2J'.sh")).toBe("bash $'esc\\x1b[2J\\'.sh'");
  });
});

describe("shellQuote", () => {
  it("leaves plain words as they are and quotes the rest", () => {
    expect(shellQuote("src/main_1.py")).toBe("src/main_1.py");
    expect(shellQuote("")).toBe("''");
    expect(shellQuote("*.py")).toBe("'*.py'");
    expect(shellQuote("~/x")).toBe("'~/x'");
    expect(shellQuote("a\\b")).toBe("'a\\b'");
  });
});
