import { useEffect, useState } from "react";
import { errorMessage } from "../../api/client";
import { listAdminEnvironments, stopAdminEnvironment } from "../../api/endpoints";
import type { AdminEnvironment, EnvironmentStatus } from "../../api/types";
import { formatSeconds, formatTime } from "../../components/format";
import { Pager, useCursors } from "../../components/paging";
import { ErrorText, NoticeText } from "../../components/Messages";

export const ENVIRONMENT_PAGE = 100;
const STATUSES: readonly EnvironmentStatus[] = ["starting", "running", "stopping", "stopped", "failed", "removed"];

function ownerText(env: AdminEnvironment): string {
  const owner = env.owner;
  return owner.display_name || owner.email || owner.key;
}

export function EnvironmentsPage() {
  const [status, setStatus] = useState<EnvironmentStatus | "">("");
  const cursors = useCursors<string>();
  const after = cursors.after;
  const [environments, setEnvironments] = useState<AdminEnvironment[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    listAdminEnvironments(status || null, after, ENVIRONMENT_PAGE, controller.signal).then(
      (page) => {
        setEnvironments(page.items);
        setNext(page.next_after);
        setLoadError(null);
      },
      (err: unknown) => {
        if (!controller.signal.aborted) setLoadError(errorMessage(err));
      },
    );
    return () => controller.abort();
  }, [status, after, tick]);

  const stop = async (env: AdminEnvironment) => {
    setBusy(env.id);
    setActionError(null);
    setNotice(null);
    try {
      const updated = await stopAdminEnvironment(env.id);
      setEnvironments((prev) => prev?.map((row) => (row.id === updated.id ? updated : row)) ?? prev);
      setNotice(`Environment ${env.id} is ${updated.status}.`);
    } catch (err) {
      setActionError(`Could not stop ${env.id}: ${errorMessage(err)}`);
    } finally {
      setBusy(null);
    }
  };

  return (
    <>
      <h1>Environments</h1>
      <div className="filters">
        <div className="field">
          <label htmlFor="env-status">Status</label>
          <select
            id="env-status"
            value={status}
            onChange={(event) => {
              setStatus(event.target.value as EnvironmentStatus | "");
              cursors.reset();
            }}
          >
            <option value="">All but removed</option>
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </div>
        <button type="button" className="small" onClick={() => setTick((n) => n + 1)}>
          Refresh
        </button>
      </div>
      {loadError && (
        <p className="error" role="alert">
          Could not load the environments: {loadError}
        </p>
      )}
      <NoticeText message={notice} />
      <ErrorText message={actionError} />
      {environments === null && !loadError && <p className="muted">Loading…</p>}
      {environments && environments.length === 0 && <p className="muted">No environments.</p>}
      {environments && environments.length > 0 && (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">Environments, most recently active first</caption>
            <thead>
              <tr>
                <th scope="col">Owner</th>
                <th scope="col">Lesson</th>
                <th scope="col">Status</th>
                <th scope="col">Started</th>
                <th scope="col">Last activity</th>
                <th scope="col">Idle</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {environments.map((env) => (
                <tr key={env.id}>
                  <th scope="row">
                    {ownerText(env)}
                    {env.owner.preview && <span className="badge badge-preview">preview</span>}
                    {env.owner.email && env.owner.display_name && (
                      <div className="muted small-text">{env.owner.email}</div>
                    )}
                  </th>
                  <td>
                    <code>{env.lesson}</code>
                    <div className="muted small-text">
                      {env.runtime} on {env.host}
                    </div>
                  </td>
                  <td>
                    <span className={`badge badge-env-${env.status}`}>{env.status}</span>
                    {env.error && <div className="error small-text">{env.error}</div>}
                  </td>
                  <td>{formatTime(env.started_at)}</td>
                  <td>{formatTime(env.last_active_at)}</td>
                  <td>{formatSeconds(env.idle_s)}</td>
                  <td>
                    {(env.status === "starting" || env.status === "running") && (
                      <button
                        type="button"
                        className="small"
                        disabled={busy === env.id}
                        onClick={() => void stop(env)}
                        aria-label={`Stop environment of ${ownerText(env)} for ${env.lesson}`}
                      >
                        Stop
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager cursors={cursors} next={next} />
    </>
  );
}
