import type { Element, ElementContent, Root, RootContent } from "hast";
import bash from "highlight.js/lib/languages/bash";
import c from "highlight.js/lib/languages/c";
import diff from "highlight.js/lib/languages/diff";
import go from "highlight.js/lib/languages/go";
import ini from "highlight.js/lib/languages/ini";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import makefile from "highlight.js/lib/languages/makefile";
import plaintext from "highlight.js/lib/languages/plaintext";
import python from "highlight.js/lib/languages/python";
import pythonRepl from "highlight.js/lib/languages/python-repl";
import rust from "highlight.js/lib/languages/rust";
import shell from "highlight.js/lib/languages/shell";
import sql from "highlight.js/lib/languages/sql";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";
import { createLowlight } from "lowlight";

/**
 * The languages lessons are written in and show (highlight.js's grammars, about 60 kB
 * minified; all of its "common" set would be three times that). Another language's
 * block is shown plain.
 */
const lowlight = createLowlight({
  bash,
  c,
  diff,
  go,
  ini,
  javascript,
  json,
  makefile,
  plaintext,
  python,
  "python-repl": pythonRepl,
  rust,
  shell,
  sql,
  typescript,
  xml,
  yaml,
});
lowlight.registerAlias({ shell: ["console", "shell-session"], ini: ["toml"], "python-repl": ["pycon"] });

/** The language a fenced block names (```python gives `class="language-python"`), if lowlight knows it. */
function languageOf(code: Element): string | null {
  const classes = code.properties.className;
  if (!Array.isArray(classes)) return null;
  for (const name of classes) {
    if (typeof name === "string" && name.startsWith("language-")) {
      const language = name.slice("language-".length);
      return lowlight.registered(language) ? language : null;
    }
  }
  return null;
}

function textOf(node: ElementContent): string {
  if (node.type === "text") return node.value;
  return "children" in node ? node.children.map(textOf).join("") : "";
}

function highlightBlock(code: Element): void {
  const language = languageOf(code);
  if (!language) return;
  const highlighted = lowlight.highlight(language, code.children.map(textOf).join(""));
  code.children = highlighted.children as ElementContent[];
  const classes = Array.isArray(code.properties.className) ? code.properties.className : [];
  code.properties.className = ["hljs", ...classes];
}

function visitBlocks(node: Root | RootContent): void {
  if (node.type === "element" && node.tagName === "pre") {
    for (const child of node.children) {
      if (child.type === "element" && child.tagName === "code") highlightBlock(child);
    }
    return;
  }
  if ("children" in node) node.children.forEach(visitBlocks);
}

/** A rehype plugin highlighting fenced code blocks (`<pre><code class="language-…">`); inline code is left alone. */
export function rehypeHighlightCode() {
  return (tree: Root) => visitBlocks(tree);
}
