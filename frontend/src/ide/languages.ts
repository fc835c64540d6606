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

/** Characters a shell word may hold unquoted. */
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * `value` as one shell word, whatever it holds: plain as it is, else in single
 * quotes (a `'` closed, escaped and reopened), and with control characters
 * (a newline, an escape) as bash's `$'\xHH'` so that typing the command into a
 * terminal cannot press Enter or move the cursor. A leading `-` is kept from
 * reading as an option by the `./` the caller puts before relative paths.
 */
export function shellQuote(value: string): string {
  if (PLAIN_WORD.test(value)) return value;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    const escaped = Array.from(value, (char) => {
      const code = char.charCodeAt(0);
      if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, "0")}`;
      return char === "\\" || char === "'" ? `\\${char}` : char;
    }).join("");
    return `$'${escaped}'`;
  }
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** How a file of each language is run, given the file as one shell word. */
const RUNNERS: Partial<Record<LanguageName, (file: string) => string>> = {
  python: (file) => `python3 ${file}`,
  javascript: (file) => `node ${file}`,
  shell: (file) => `bash ${file}`,
  go: (file) => `go run ${file}`,
  rust: (file) => `rustc -o /tmp/practica-run ${file} && /tmp/practica-run`,
};

/**
 * The command that runs the file at `path` (relative to the workspace, where
 * the terminal starts) by its language, or null when there is none: Python,
 * JavaScript, shell (`*.bats` with bats), Go, and Rust (`cargo run` when the
 * workspace has a `Cargo.toml`, else the file compiled alone). The path is
 * one shell word, however it is named.
 */
export function runCommandFor(path: string | null, workspaceFiles: readonly string[] = []): string | null {
  if (!path) return null;
  const language = languageForPath(path);
  if (language === "rust" && workspaceFiles.includes("Cargo.toml")) return "cargo run";
  const runner = language ? RUNNERS[language] : undefined;
  if (!runner) return null;
  const relative = path.replace(/^\/+/, "");
  const file = shellQuote(relative.startsWith("-") ? `./${relative}` : relative);
  return path.toLowerCase().endsWith(".bats") ? `bats ${file}` : runner(file);
}
