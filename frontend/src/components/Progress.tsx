import type { ReactNode } from "react";
import styles from "./Progress.module.css";

/** A progress bar with what it means beside it. */
export function ProgressLine({
  bar,
  children,
  as: Tag = "div",
}: {
  bar: ReactNode;
  children: ReactNode;
  /** A span inside a line of text (a table cell), a div on its own. */
  as?: "div" | "span";
}) {
  return (
    <Tag className={styles.progress}>
      {bar}
      <span>{children}</span>
    </Tag>
  );
}

/** Lessons completed of a course. */
export function Progress({ completed, total, label }: { completed: number; total: number; label: string }) {
  return (
    <ProgressLine bar={<progress max={Math.max(total, 1)} value={completed} aria-label={label} />}>
      {completed} of {total} lessons completed
    </ProgressLine>
  );
}
