import { StreamLanguage } from "@codemirror/language";
import type { Extension } from "@codemirror/state";

export type LanguageName =
  | "python"
  | "javascript"
  | "typescript"
  | "sql"
  | "shell"
  | "go"
  | "gomod"
  | "rust"
  | "toml";

const BY_EXTENSION: Record<string, LanguageName> = {
  py: "python",
  pyw: "python",
  js: "javascript",
  mjs: "javascript",
  cjs: "javascript",
  jsx: "javascript",
  ts: "typescript",
  mts: "typescript",
  cts: "typescript",
  tsx: "typescript",
  sql: "sql",
  sh: "shell",
  bash: "shell",
  bats: "shell",
  go: "go",
  rs: "rust",
  toml: "toml",
};

/** Files known by their whole name (lower case), whatever their extension says. */
const BY_NAME: Record<string, LanguageName> = {
  ".bashrc": "shell",
  ".profile": "shell",
  "go.mod": "gomod",
  "go.work": "gomod",
  "cargo.lock": "toml",
};

/** The language used to highlight `path`, chosen by its file name, else its extension. */
export function languageForPath(path: string): LanguageName | null {
  const name = path.slice(path.lastIndexOf("/") + 1).toLowerCase();
  const byName = BY_NAME[name];
  if (byName) return byName;
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return null;
  return BY_EXTENSION[name.slice(dot + 1)] ?? null;
}

/** Load the CodeMirror support for a language (each is its own chunk). */
export async function loadLanguage(language: LanguageName | null): Promise<Extension> {
  switch (language) {
    case "python": {
      const { python } = await import("@codemirror/lang-python");
      return python();
    }
    case "javascript": {
      const { javascript } = await import("@codemirror/lang-javascript");
      return javascript({ jsx: true });
    }
    case "typescript": {
      const { javascript } = await import("@codemirror/lang-javascript");
      return javascript({ typescript: true, jsx: true });
    }
    case "sql": {
      const { sql } = await import("@codemirror/lang-sql");
      return sql();
    }
    case "shell": {
      const { shell } = await import("@codemirror/legacy-modes/mode/shell");
      return StreamLanguage.define(shell);
    }
    case "go": {
      const { go } = await import("@codemirror/lang-go");
      return go();
    }
    case "gomod": {
      const { goMod } = await import("./gomod");
      return StreamLanguage.define(goMod);
    }
    case "rust": {
      const { rust } = await import("@codemirror/lang-rust");
      return rust();
    }
    case "toml": {
      const { toml } = await import("@codemirror/legacy-modes/mode/toml");
      return StreamLanguage.define(toml);
    }
    default:
      return [];
  }
}
