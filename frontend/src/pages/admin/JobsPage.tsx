import { useState } from "react";
import { errorMessage } from "../../api/client";
import { useJobAction, useJobs, useJobSummary, type JobAction } from "../../api/queries/admin";
import type { JobStatus, JobView, QueueCounts } from "../../api/types";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { Badge, type Tone } from "../../components/Badge";
import { cx } from "../../components/cx";
import { DataTable, tableStyles, type Column } from "../../components/DataTable";
import { formatTime } from "../../components/format";
import { Pager, useCursors } from "../../components/paging";
import { ErrorText, NoticeText } from "../../components/Messages";
import styles from "./admin.module.css";

export const JOB_STATUSES: readonly JobStatus[] = ["todo", "doing", "succeeded", "failed", "cancelled", "aborted"];

const STATUS_TONE: Record<JobStatus, Tone | undefined> = {
  todo: "warn",
  doing: "warn",
  succeeded: "ok",
  failed: "bad",
  cancelled: undefined,
  aborted: "bad",
};

export interface JobsPageProps {
  /** Auto-refresh period. */
  refreshMs?: number;
}

const DONE_TEXT: Record<JobAction, string> = {
  retry: "queued again",
  cancel: "cancelled",
  fail: "marked failed",
};

const ACTION_LABEL: Record<JobAction, string> = { retry: "Retry", cancel: "Cancel", fail: "Mark failed" };

/** What a row offers: retry a failed job, cancel one still to do, retry or fail a stalled one. */
export function jobActions(job: JobView): JobAction[] {
  if (job.status === "failed") return ["retry"];
  if (job.status === "todo") return ["cancel"];
  if (job.status === "doing" && job.stalled) return ["retry", "fail"];
  return [];
}

function argsText(args: Record<string, unknown>): string {
  const text = JSON.stringify(args);
  return text === "{}" ? "" : text;
}

function SummaryTable({ summary }: { summary: QueueCounts[] }) {
  if (summary.length === 0) return <p className="muted">No jobs in any queue.</p>;
  const totals = JOB_STATUSES.map((status) => summary.reduce((sum, row) => sum + row[status], 0));
  const columns: Column<QueueCounts>[] = [
    { header: "Queue", rowHeader: true, cell: (row) => row.queue },
    ...JOB_STATUSES.map(
      (status): Column<QueueCounts> => ({
        header: status,
        cell: (row) => row[status],
        cellClassName: (row) => (status === "failed" && row.failed > 0 ? tableStyles.cellBad : undefined),
      }),
    ),
    { header: "total", cell: (row) => row.total },
  ];
  return (
    <DataTable
      caption="Jobs per queue and status"
      numeric
      rows={summary}
      rowKey={(row) => row.queue}
      columns={columns}
      footer={
        summary.length > 1 && (
          <tr>
            <th scope="row">All queues</th>
            {totals.map((total, index) => (
              <td key={JOB_STATUSES[index]}>{total}</td>
            ))}
            <td>{summary.reduce((sum, row) => sum + row.total, 0)}</td>
          </tr>
        )
      }
    />
  );
}

function jobColumns(busy: number | null, request: (job: JobView, action: JobAction) => void): Column<JobView>[] {
  return [
    { header: "Id", rowHeader: true, cell: (job) => job.id },
    { header: "Queue", cell: (job) => job.queue },
    {
      header: "Task",
      cell: (job) => (
        <>
          <code>{job.task}</code>
          {argsText(job.args) && <div className={cx("muted small-text", styles.cellArgs)}>{argsText(job.args)}</div>}
        </>
      ),
    },
    {
      header: "Status",
      cell: (job) => (
        <>
          <Badge tone={STATUS_TONE[job.status]}>{job.status}</Badge>
          {job.stalled && (
            <Badge tone="bad" title="Its worker stopped sending heartbeats">
              stalled
            </Badge>
          )}
        </>
      ),
    },
    { header: "Attempts", cell: (job) => job.attempts },
    { header: "Queued", cell: (job) => formatTime(job.queued_at) },
    { header: "Started", cell: (job) => formatTime(job.started_at) },
    { header: "Finished", cell: (job) => formatTime(job.finished_at) },
    {
      header: "Actions",
      hiddenHeader: true,
      cell: (job) =>
        jobActions(job).map((action) => (
          <button
            key={action}
            type="button"
            className="small"
            disabled={busy === job.id}
            onClick={() => request(job, action)}
            aria-label={`${ACTION_LABEL[action]} job ${job.id}`}
          >
            {ACTION_LABEL[action]}
          </button>
        )),
    },
  ];
}

export function JobsPage({ refreshMs = 3000 }: JobsPageProps) {
  const [status, setStatus] = useState<JobStatus | "">("");
  const [queue, setQueue] = useState("");
  const cursors = useCursors<number>();
  const [autoRefresh, setAutoRefresh] = useState(true);
  const every = autoRefresh ? refreshMs : false;
  const summaryQuery = useJobSummary(every);
  const jobsQuery = useJobs({ status: status || null, queue: queue || null, after: cursors.after }, every);
  const jobAction = useJobAction();
  const summary = summaryQuery.data;
  const jobs = jobsQuery.data?.items;
  const failed = summaryQuery.error ?? jobsQuery.error;
  const loadError = failed ? errorMessage(failed) : null;
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  /** A stalled job's action waiting for confirmation. */
  const [confirming, setConfirming] = useState<{ job: JobView; action: JobAction } | null>(null);
  const busy = jobAction.isPending ? jobAction.variables.job : null;

  const refreshNow = () => {
    void summaryQuery.refetch();
    void jobsQuery.refetch();
  };

  const filter = (change: () => void) => {
    change();
    cursors.reset();
  };

  const act = async (job: JobView, action: JobAction) => {
    setActionError(null);
    setNotice(null);
    try {
      await jobAction.mutateAsync({ job: job.id, action });
      setNotice(`Job ${job.id} ${DONE_TEXT[action]}.`);
    } catch (err) {
      setActionError(`Could not ${ACTION_LABEL[action].toLowerCase()} job ${job.id}: ${errorMessage(err)}`);
    } finally {
      setConfirming(null);
    }
  };

  const request = (job: JobView, action: JobAction) => {
    if (job.status === "doing") setConfirming({ job, action });
    else void act(job, action);
  };

  const queues = summary?.map((row) => row.queue) ?? [];
  if (queue && !queues.includes(queue)) queues.push(queue);

  return (
    <>
      <h1>Jobs</h1>
      <div className={styles.toolbarRow}>
        <label className={styles.checkbox}>
          <input type="checkbox" checked={autoRefresh} onChange={(event) => setAutoRefresh(event.target.checked)} />
          Auto-refresh
        </label>
        <button type="button" className="small" onClick={refreshNow}>
          Refresh now
        </button>
      </div>
      {loadError && (
        <p className="error" role="alert">
          Could not load the jobs: {loadError}
        </p>
      )}
      <section aria-labelledby="summary-heading">
        <h2 id="summary-heading">Summary</h2>
        {summary ? <SummaryTable summary={summary} /> : !loadError && <p className="muted">Loading…</p>}
      </section>
      <section aria-labelledby="jobs-heading">
        <h2 id="jobs-heading">Jobs</h2>
        <div className={styles.filters}>
          <div className="field">
            <label htmlFor="jobs-status">Status</label>
            <select
              id="jobs-status"
              value={status}
              onChange={(event) => filter(() => setStatus(event.target.value as JobStatus | ""))}
            >
              <option value="">All</option>
              {JOB_STATUSES.map((value) => (
                <option key={value} value={value}>
                  {value}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="jobs-queue">Queue</label>
            <select id="jobs-queue" value={queue} onChange={(event) => filter(() => setQueue(event.target.value))}>
              <option value="">All</option>
              {queues.map((value) => (
                <option key={value} value={value}>
                  {value}
                </option>
              ))}
            </select>
          </div>
        </div>
        <NoticeText message={notice} />
        <ErrorText message={actionError} />
        {jobs && jobs.length === 0 && <p className="muted">No jobs match.</p>}
        {jobs && jobs.length > 0 && (
          <DataTable
            caption="Jobs, newest first"
            rows={jobs}
            rowKey={(job) => job.id}
            columns={jobColumns(busy, request)}
          />
        )}
        <Pager cursors={cursors} next={jobsQuery.data?.next_after ?? null} previousLabel="Newer" nextLabel="Older" />
      </section>
      {confirming && (
        <ConfirmDialog
          title={`${ACTION_LABEL[confirming.action]} stalled job ${confirming.job.id}?`}
          message={
            confirming.action === "retry"
              ? "Its worker stopped sending heartbeats. The job is queued again; should that worker still be running it, it runs twice."
              : "Its worker stopped sending heartbeats. The job ends as failed and can be retried from there."
          }
          confirmLabel={ACTION_LABEL[confirming.action]}
          busy={busy === confirming.job.id}
          onConfirm={() => void act(confirming.job, confirming.action)}
          onCancel={() => setConfirming(null)}
        />
      )}
    </>
  );
}
