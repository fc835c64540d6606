import { EditorState } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { MergeView } from "@codemirror/merge";
import { useEffect, useRef, useState } from "react";
import { baseName } from "../api/gateway";
import type { Conflict } from "./fileSync";
import styles from "./FileConflict.module.css";

export interface FileConflictProps {
  /** The open file's conflict, if it has one (nothing is shown otherwise). */
  conflict: Conflict | undefined;
  /** The editor's text now ("mine"). */
  mine: () => string;
  onKeepMine: (path: string) => void;
  onTakeTheirs: (path: string) => void;
}

const readOnly = [EditorState.readOnly.of(true), EditorView.editable.of(false), EditorView.lineWrapping];

/** Mine beside theirs, read-only, differences marked (@codemirror/merge). */
function Comparison({ mine, theirs }: { mine: string; theirs: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const view = new MergeView({
      a: { doc: mine, extensions: readOnly },
      b: { doc: theirs, extensions: readOnly },
      parent: host.current,
    });
    return () => view.destroy();
  }, [mine, theirs]);
  return (
    <div>
      <div className={styles.labels} aria-hidden="true">
        <span>Mine (in the editor)</span>
        <span>On disk</span>
      </div>
      <div className={styles.compare} ref={host} role="region" aria-label="Differences: mine, then on disk" />
    </div>
  );
}

/** "X changed on disk": keep mine, take theirs, or compare first. Never decided without the learner. */
export function FileConflict({ conflict, mine, onKeepMine, onTakeTheirs }: FileConflictProps) {
  const [comparing, setComparing] = useState<{ path: string; mine: string } | null>(null);
  if (!conflict) return null;
  const name = baseName(conflict.path);
  const deleted = conflict.kind === "deleted";
  const shownComparison = comparing?.path === conflict.path && !deleted ? comparing : null;
  return (
    <div className={styles.conflict} role="alert" aria-label={`Conflict on ${conflict.path}`}>
      <div className={styles.bar}>
        <p className={styles.message}>
          {deleted
            ? `${name} was deleted on disk. Your text is still here, not saved.`
            : `${name} changed on disk (in the terminal, or by a reset) while you had unsaved edits.`}
        </p>
        <button type="button" className="primary" onClick={() => onKeepMine(conflict.path)}>
          {deleted ? "Save mine again" : "Keep mine"}
        </button>
        <button type="button" onClick={() => onTakeTheirs(conflict.path)}>
          {deleted ? "Close the file" : "Take theirs"}
        </button>
        {!deleted && (
          <button
            type="button"
            aria-expanded={shownComparison !== null}
            onClick={() => setComparing(shownComparison ? null : { path: conflict.path, mine: mine() })}
          >
            {shownComparison ? "Hide comparison" : "Compare"}
          </button>
        )}
      </div>
      {shownComparison && <Comparison mine={shownComparison.mine} theirs={conflict.theirs ?? ""} />}
    </div>
  );
}
