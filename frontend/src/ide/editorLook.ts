import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { EditorView } from "@codemirror/view";
import { tags } from "@lezer/highlight";

/**
 * The editor's colours, from the app's design tokens (styles.css, `--code-*`),
 * so that they follow the light or dark colour scheme and keep a 4.5:1 contrast
 * with the editor's background, the active line and the gutter in both.
 * (CodeMirror's default highlight style and base theme are light-only: in the
 * dark scheme their keywords, strings and caret all but vanish.)
 */
const highlightStyle = HighlightStyle.define([
  { tag: tags.meta, color: "var(--code-comment)" },
  { tag: tags.link, textDecoration: "underline" },
  { tag: tags.heading, textDecoration: "underline", fontWeight: "bold" },
  { tag: tags.emphasis, fontStyle: "italic" },
  { tag: tags.strong, fontWeight: "bold" },
  { tag: tags.strikethrough, textDecoration: "line-through" },
  { tag: tags.keyword, color: "var(--code-keyword)" },
  { tag: [tags.atom, tags.bool, tags.url, tags.contentSeparator, tags.labelName], color: "var(--code-constant)" },
  { tag: [tags.literal, tags.inserted], color: "var(--code-constant)" },
  { tag: [tags.string, tags.deleted], color: "var(--code-string)" },
  { tag: [tags.regexp, tags.escape, tags.special(tags.string)], color: "var(--code-regexp)" },
  { tag: tags.definition(tags.variableName), color: "var(--code-definition)" },
  { tag: tags.local(tags.variableName), color: "var(--code-variable)" },
  { tag: [tags.typeName, tags.namespace, tags.className], color: "var(--code-type)" },
  { tag: [tags.special(tags.variableName), tags.macroName], color: "var(--code-constant)" },
  { tag: tags.definition(tags.propertyName), color: "var(--code-constant)" },
  { tag: tags.comment, color: "var(--code-comment)" },
  { tag: tags.invalid, color: "var(--code-invalid)" },
]);

const colours = EditorView.theme({
  "&": { color: "var(--fg)", backgroundColor: "var(--bg)" },
  ".cm-content": { caretColor: "var(--fg)" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--fg)" },
  ".cm-activeLine": { backgroundColor: "var(--code-active-line)" },
  ".cm-gutters": { backgroundColor: "var(--surface)", color: "var(--muted)", borderRightColor: "var(--border)" },
  ".cm-activeLineGutter": { backgroundColor: "var(--code-active-line)", color: "var(--fg)" },
  ".cm-selectionBackground": { backgroundColor: "var(--code-selection)" },
  "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground": {
    backgroundColor: "var(--code-selection)",
  },
  ".cm-matchingBracket": { backgroundColor: "var(--code-selection)", color: "inherit" },
});

/** Syntax colours and editor chrome that follow the app's colour scheme. */
export const editorLook = [colours, syntaxHighlighting(highlightStyle)];
