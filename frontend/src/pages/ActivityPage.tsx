import { errorMessage } from "../api/client";
import { getActivity } from "../api/endpoints";
import { useAsync } from "../components/useAsync";

function formatTime(value: string): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}

export function ActivityPage() {
  const { state } = useAsync((signal) => getActivity(signal), []);

  return (
    <div className="page">
      <h1>Your activity</h1>
      {state.status === "loading" && <p className="muted">Loading your activity…</p>}
      {state.status === "error" && (
        <p className="error" role="alert">
          Could not load your activity: {errorMessage(state.error)}
        </p>
      )}
      {state.status === "ready" && state.value.entries.length === 0 && <p className="muted">Nothing yet.</p>}
      {state.status === "ready" && state.value.entries.length > 0 && (
        <ol className="activity-list" aria-label="Activity">
          {state.value.entries.map((entry) => (
            <li key={entry.id}>
              <time dateTime={entry.occurred_at}>{formatTime(entry.occurred_at)}</time>
              <span className="activity-action">{entry.action}</span>
              <span className="activity-text">{entry.text}</span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
