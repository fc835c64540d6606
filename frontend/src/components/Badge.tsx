import type { ReactNode } from "react";
import styles from "./Badge.module.css";
import { cx } from "./cx";

/** How a state reads: done and well, at work or waiting, gone wrong; none for the rest. */
export type Tone = "ok" | "warn" | "bad";

/** A short state as a pill (a draft's, a job's, an environment's). */
export function Badge({ tone, title, children }: { tone?: Tone | undefined; title?: string; children: ReactNode }) {
  return (
    <span className={cx(styles.badge, tone && styles[tone])} {...(title ? { title } : {})}>
      {children}
    </span>
  );
}
