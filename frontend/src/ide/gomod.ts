import type { StreamParser } from "@codemirror/language";

/** The directives of go.mod and go.work files (https://go.dev/ref/mod#go-mod-file-grammar). */
const DIRECTIVES = new Set([
  "module",
  "go",
  "toolchain",
  "godebug",
  "require",
  "replace",
  "exclude",
  "retract",
  "tool",
  "ignore",
  "use",
]);

interface GoModState {
  /** Whether the next token is the line's first, the only place a directive can be. */
  lineStart: boolean;
}

/**
 * Highlighting for go.mod (and go.work): no CodeMirror package covers the
 * format, and it is small: a directive starts a line or a `( … )` block, then
 * module paths, versions, `=>` replacements and `//` comments.
 */
export const goMod: StreamParser<GoModState> = {
  name: "gomod",
  startState: () => ({ lineStart: true }),
  token(stream, state) {
    if (stream.sol()) state.lineStart = true;
    if (stream.eatSpace()) return null;
    if (stream.match("//")) {
      stream.skipToEnd();
      return "comment";
    }
    const first = state.lineStart;
    state.lineStart = false;
    if (stream.match(/^"(?:[^"\\]|\\.)*"?/) || stream.match(/^`[^`]*`?/)) return "string";
    if (stream.match("=>")) return "operator";
    if (stream.match(/^[()[\],]/)) return "bracket";
    if (stream.match(/^v?\d[\w.+-]*/)) return "number";
    const word = stream.match(/^[^\s()[\],"`]+/);
    if (!Array.isArray(word)) {
      stream.next();
      return null;
    }
    return first && DIRECTIVES.has(word[0]) ? "keyword" : "string";
  },
  languageData: { commentTokens: { line: "//" } },
};
