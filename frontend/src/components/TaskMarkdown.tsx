import type { Heading, Root, RootContent } from "mdast";
import type { ReactNode } from "react";
import Markdown, { type Components } from "react-markdown";
import { rehypeHighlightCode } from "./highlightCode";
import remarkGfm from "remark-gfm";
import { cx } from "./cx";
import styles from "./TaskMarkdown.module.css";

export interface TaskMarkdownProps {
  /** The Markdown an author wrote (GitHub-flavoured; raw HTML is not rendered). */
  children: string;
  /** The title the page already shows: a leading `# heading` with the same text is left out. */
  title?: string;
  className?: string;
}

/** The text of a Markdown node, its formatting dropped (`# The *real* title` → "The real title"). */
function plainText(node: Root | RootContent): string {
  if ("value" in node && typeof node.value === "string") return node.value;
  if ("children" in node) return node.children.map(plainText).join("");
  return "";
}

function sameTitle(heading: Heading, title: string): boolean {
  const squash = (text: string) => text.replace(/\s+/g, " ").trim().toLowerCase();
  return squash(plainText(heading)) === squash(title);
}

/** A remark plugin dropping a first-level heading at the very top when it repeats the page's title. */
function remarkDropTitle(options: { title?: string }) {
  return (tree: Root) => {
    const first = tree.children[0];
    if (options.title && first?.type === "heading" && first.depth === 1 && sameTitle(first, options.title)) {
      tree.children.shift();
    }
  };
}

/** Wide tables scroll sideways inside the text instead of widening the page (focusable to scroll by keyboard). */
function ScrollingTable({ children }: { children?: ReactNode }) {
  return (
    <div className={styles.tableScroll} tabIndex={0}>
      <table>{children}</table>
    </div>
  );
}

const COMPONENTS: Components = { table: ScrollingTable };

/**
 * A lesson's task or hint: GitHub-flavoured Markdown (tables, strikethrough, task lists,
 * autolinks) with fenced code blocks highlighted by their language (```python, ```sh, …).
 */
export function TaskMarkdown({ children, title, className }: TaskMarkdownProps) {
  return (
    <div className={cx("markdown", styles.taskMarkdown, className)}>
      <Markdown
        remarkPlugins={[remarkGfm, [remarkDropTitle, { title }]]}
        rehypePlugins={[rehypeHighlightCode]}
        components={COMPONENTS}
      >
        {children}
      </Markdown>
    </div>
  );
}
