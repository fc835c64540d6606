import { useEffect, useState } from "react";
import { fetchSystemStatus, type SystemStatus as Status } from "./api";

type State =
  | { kind: "loading" }
  | { kind: "loaded"; status: Status }
  | { kind: "error"; message: string };

export interface SystemStatusProps {
  /** Loads the status; defaults to `GET /api/system`. Tests pass their own. */
  load?: () => Promise<Status>;
}

export function SystemStatus({ load = fetchSystemStatus }: SystemStatusProps) {
  const [state, setState] = useState<State>({ kind: "loading" });

  useEffect(() => {
    let active = true;
    setState({ kind: "loading" });
    load().then(
      (status) => {
        if (active) setState({ kind: "loaded", status });
      },
      (error: unknown) => {
        if (active) {
          setState({ kind: "error", message: error instanceof Error ? error.message : String(error) });
        }
      },
    );
    return () => {
      active = false;
    };
  }, [load]);

  return (
    <section className="system-status" aria-label="System status">
      <h2>System status</h2>
      {state.kind === "loading" && <p className="muted">Loading status…</p>}
      {state.kind === "error" && (
        <p className="error" role="alert">
          Could not reach the server ({state.message}).
        </p>
      )}
      {state.kind === "loaded" && (
        <dl>
          <dt>Version</dt>
          <dd>{state.status.version}</dd>
          <dt>Environment</dt>
          <dd>{state.status.environment}</dd>
          <dt>Database</dt>
          <dd>{state.status.database}</dd>
          <dt>Queued jobs</dt>
          <dd>{state.status.queued_jobs}</dd>
        </dl>
      )}
    </section>
  );
}
