import type { EnvironmentState } from "./useEnvironment";
import styles from "./EnvironmentProgress.module.css";

/** Starting / failed / stopped: what shows in place of the IDE until the environment runs. */
export function EnvironmentProgress({ state, onRetry }: { state: EnvironmentState; onRetry: () => void }) {
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
      <p role="status" aria-label="Environment status">
        Your environment was stopped (for example after a period of inactivity).
      </p>
      <button type="button" className="primary" onClick={onRetry}>
        Restart environment
      </button>
    </div>
  );
}
