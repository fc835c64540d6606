import { TaskMarkdown } from "../components/TaskMarkdown";
import styles from "./HintsPanel.module.css";

export interface HintsPanelProps {
  hints: readonly string[];
  hidden: number;
}

/** Hints the server has disclosed so far, and how many are still hidden. */
export function HintsPanel({ hints, hidden }: HintsPanelProps) {
  if (hints.length === 0 && hidden === 0) return null;
  return (
    <section className={styles.hints} aria-labelledby="hints-heading">
      <h2 id="hints-heading" className="panel-title">
        Hints
      </h2>
      {hints.length > 0 ? (
        <ol className={styles.hintList}>
          {hints.map((hint, index) => (
            <li key={index}>
              <TaskMarkdown>{hint}</TaskMarkdown>
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted">No hints yet.</p>
      )}
      {hidden > 0 && (
        <p className="muted">
          {hidden} more {hidden === 1 ? "hint" : "hints"} after more attempts
        </p>
      )}
    </section>
  );
}
