import { errorMessage } from "./api/client";
import { fetchSystemStatus, useSystemStatus } from "./api/queries/system";
import type { SystemStatus as Status } from "./api/types";
import styles from "./SystemStatus.module.css";

export interface SystemStatusProps {
  /** Loads the status; defaults to `GET /api/system`. Tests pass their own. */
  load?: () => Promise<Status>;
}

export function SystemStatus({ load = fetchSystemStatus }: SystemStatusProps) {
  const { data: status, error } = useSystemStatus(load);

  return (
    <section className={styles.systemStatus} aria-label="System status">
      <h2>System status</h2>
      {!status && !error && <p className="muted">Loading status…</p>}
      {error && (
        <p className="error" role="alert">
          Could not reach the server ({errorMessage(error)}).
        </p>
      )}
      {status && (
        <dl>
          <dt>Version</dt>
          <dd>{status.version}</dd>
          <dt>Environment</dt>
          <dd>{status.environment}</dd>
          <dt>Database</dt>
          <dd>{status.database}</dd>
          <dt>Queued jobs</dt>
          <dd>{status.queued_jobs}</dd>
        </dl>
      )}
    </section>
  );
}
