import { StreamLanguage } from "@codemirror/language";
import type { Extension } from "@codemirror/state";

export type LanguageName = "python" | "javascript" | "typescript" | "sql" | "shell";

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
};

/** The language used to highlight `path`, chosen by its extension. */
export function languageForPath(path: string): LanguageName | null {
  const name = path.slice(path.lastIndexOf("/") + 1).toLowerCase();
  if (name === ".bashrc" || name === ".profile") return "shell";
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
    default:
      return [];
  }
}
