import { useState } from "react";
import { errorMessage } from "../../api/client";
import { useAdminEnvironments, useStopEnvironment } from "../../api/queries/admin";
import type { AdminEnvironment, EnvironmentStatus } from "../../api/types";
import { DataTable, LoadedList } from "../../components/DataTable";
import { formatSeconds, formatTime } from "../../components/format";
import { Pager, useCursors } from "../../components/paging";
import { ErrorText, NoticeText } from "../../components/Messages";
import { Badge, type Tone } from "../../components/Badge";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import styles from "./admin.module.css";

const STATUSES: readonly EnvironmentStatus[] = ["starting", "running", "stopping", "stopped", "failed", "removed"];

const STATUS_TONE: Record<EnvironmentStatus, Tone | undefined> = {
  starting: "warn",
  running: "ok",
  stopping: "warn",
  stopped: undefined,
  failed: "bad",
  removed: undefined,
};

function ownerText(env: AdminEnvironment): string {
  const owner = env.owner;
  return owner.display_name || owner.email || owner.key;
}

export function EnvironmentsPage() {
  const [status, setStatus] = useState<EnvironmentStatus | "">("");
  const cursors = useCursors<string>();
  const page = useAdminEnvironments(status || null, cursors.after);
  const stopping = useStopEnvironment();
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  /** The environment whose "Stop" waits for the admin's confirmation. */
  const [confirming, setConfirming] = useState<AdminEnvironment | null>(null);
  const busy = stopping.isPending ? stopping.variables : null;

  const stop = async (env: AdminEnvironment) => {
    setActionError(null);
    setNotice(null);
    try {
      const updated = await stopping.mutateAsync(env.id);
      setNotice(`Environment ${env.id} is ${updated.status}.`);
    } catch (err) {
      setActionError(`Could not stop ${env.id}: ${errorMessage(err)}`);
    } finally {
      setConfirming(null);
    }
  };

  return (
    <>
      <h1>Environments</h1>
      <div className={styles.filters}>
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
        <button type="button" className="small" onClick={() => void page.refetch()}>
          Refresh
        </button>
      </div>
      <LoadedList
        rows={page.data?.items}
        error={page.error ? errorMessage(page.error) : null}
        what="the environments"
        empty="No environments."
        notices={
          <>
            <NoticeText message={notice} />
            <ErrorText message={actionError} />
          </>
        }
      >
        {(environments) => (
          <DataTable
            caption="Environments, most recently active first"
            rows={environments}
            rowKey={(env) => env.id}
            columns={[
              {
                header: "Owner",
                rowHeader: true,
                cell: (env) => (
                  <>
                    {ownerText(env)}
                    {env.owner.preview && <Badge tone="warn">preview</Badge>}
                    {env.owner.email && env.owner.display_name && (
                      <div className="muted small-text">{env.owner.email}</div>
                    )}
                  </>
                ),
              },
              {
                header: "Lesson",
                cell: (env) => (
                  <>
                    <code>{env.lesson}</code>
                    <div className="muted small-text">
                      {env.runtime} on {env.host}
                    </div>
                  </>
                ),
              },
              {
                header: "Status",
                cell: (env) => (
                  <>
                    <Badge tone={STATUS_TONE[env.status]}>{env.status}</Badge>
                    {env.error && <div className="error small-text">{env.error}</div>}
                  </>
                ),
              },
              { header: "Started", cell: (env) => formatTime(env.started_at) },
              { header: "Last activity", cell: (env) => formatTime(env.last_active_at) },
              { header: "Idle", cell: (env) => formatSeconds(env.idle_s) },
              {
                header: "Actions",
                hiddenHeader: true,
                cell: (env) =>
                  (env.status === "starting" || env.status === "running") && (
                    <button
                      type="button"
                      className="small"
                      disabled={busy === env.id}
                      onClick={() => setConfirming(env)}
                      aria-label={`Stop environment of ${ownerText(env)} for ${env.lesson}`}
                    >
                      Stop
                    </button>
                  ),
              },
            ]}
          />
        )}
      </LoadedList>
      <Pager cursors={cursors} next={page.data?.next_after ?? null} />
      {confirming && (
        <ConfirmDialog
          title={`Stop the environment of ${ownerText(confirming)}?`}
          message={`Their terminal and running programs for ${confirming.lesson} end now. Their files are kept: the environment starts again on their next visit.`}
          confirmLabel="Stop"
          busy={busy === confirming.id}
          onConfirm={() => void stop(confirming)}
          onCancel={() => setConfirming(null)}
        />
      )}
    </>
  );
}
