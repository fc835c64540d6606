import type { EnvironmentState } from "./useEnvironment";
import styles from "./EnvironmentProgress.module.css";

export interface EnvironmentProgressProps {
  state: EnvironmentState;
  onRetry: () => void;
  /** One line for a small pane (the terminal's): what the environment is doing, and Restart when it stopped. */
  compact?: boolean;
}

/** Starting / failed / stopped: what shows in place of the IDE's panes until the environment runs. */
export function EnvironmentProgress({ state, onRetry, compact = false }: EnvironmentProgressProps) {
  if (compact) return <CompactProgress state={state} onRetry={onRetry} />;
  if (state.phase === "starting") {
    return (
      <div className={styles.envProgress}>
        <p role="status" aria-label="Environment status">
          Starting your environment…{state.elapsed >= 3 ? ` (${state.elapsed} s)` : ""}
        </p>
        <progress aria-label="Starting your environment" />
        {state.environment?.status && (
          <p className="muted">Current state: {state.environment.status}</p>
        )}
      </div>
    );
  }
  if (state.phase === "failed") {
    return (
      <div className={styles.envProgress}>
        <p role="alert" className="error">
          Your environment could not be started: {state.error}
        </p>
        <button type="button" className="primary" onClick={onRetry}>
          Retry
        </button>
      </div>
    );
  }
  // stopped
  return (
    <div className={styles.envProgress}>
      <p className={styles.stoppedTitle} role="status" aria-label="Environment status">
        Environment stopped
      </p>
      <p className="muted">
        It stops after a period of inactivity or when an administrator stops it. Your files are kept: restart it to
        go on.
      </p>
      <button type="button" className="primary" onClick={onRetry}>
        Restart environment
      </button>
    </div>
  );
}

function CompactProgress({ state, onRetry }: Omit<EnvironmentProgressProps, "compact">) {
  const text =
    state.phase === "starting" ? "The terminal opens once your environment runs…"
    : state.phase === "failed" ? "No terminal: the environment could not be started."
    : "Environment stopped: no terminal.";
  return (
    <div className={styles.compact}>
      <p>{text}</p>
      {state.phase === "stopped" && (
        <button type="button" className="small" onClick={onRetry}>
          Restart
        </button>
      )}
    </div>
  );
}
