import { useEffect, useState } from "react";
import { errorMessage } from "../../api/client";
import { cancelJob, failJob, getJobSummary, listJobs, retryJob } from "../../api/endpoints";
import type { JobStatus, JobView, QueueCounts } from "../../api/types";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { formatTime } from "../../components/format";
import { Pager, useCursors } from "../../components/paging";
import { ErrorText, NoticeText } from "../../components/Messages";

export const JOB_STATUSES: readonly JobStatus[] = ["todo", "doing", "succeeded", "failed", "cancelled", "aborted"];
export const JOB_PAGE = 50;

export interface JobsPageProps {
  /** Auto-refresh period. */
  refreshMs?: number;
}

type JobAction = "retry" | "cancel" | "fail";

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
  return (
    <div className="table-wrap">
      <table className="data-table numeric">
        <caption className="visually-hidden">Jobs per queue and status</caption>
        <thead>
          <tr>
            <th scope="col">Queue</th>
            {JOB_STATUSES.map((status) => (
              <th scope="col" key={status}>
                {status}
              </th>
            ))}
            <th scope="col">total</th>
          </tr>
        </thead>
        <tbody>
          {summary.map((row) => (
            <tr key={row.queue}>
              <th scope="row">{row.queue}</th>
              {JOB_STATUSES.map((status) => (
                <td key={status} className={status === "failed" && row.failed > 0 ? "cell-bad" : undefined}>
                  {row[status]}
                </td>
              ))}
              <td>{row.total}</td>
            </tr>
          ))}
        </tbody>
        {summary.length > 1 && (
          <tfoot>
            <tr>
              <th scope="row">All queues</th>
              {totals.map((total, index) => (
                <td key={JOB_STATUSES[index]}>{total}</td>
              ))}
              <td>{summary.reduce((sum, row) => sum + row.total, 0)}</td>
            </tr>
          </tfoot>
        )}
      </table>
    </div>
  );
}

export function JobsPage({ refreshMs = 3000 }: JobsPageProps) {
  const [status, setStatus] = useState<JobStatus | "">("");
  const [queue, setQueue] = useState("");
  const cursors = useCursors<number>();
  const after = cursors.after;
  const [summary, setSummary] = useState<QueueCounts[] | null>(null);
  const [jobs, setJobs] = useState<JobView[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  /** A stalled job's action waiting for confirmation. */
  const [confirming, setConfirming] = useState<{ job: JobView; action: JobAction } | null>(null);
  const [autoRefresh, setAutoRefresh] = useState(true);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    void (async () => {
      try {
        const [counts, page] = await Promise.all([
          getJobSummary(controller.signal),
          listJobs({ status: status || null, queue: queue || null, after, limit: JOB_PAGE }, controller.signal),
        ]);
        if (controller.signal.aborted) return;
        setSummary(counts);
        setJobs(page.items);
        setNext(page.next_after);
        setLoadError(null);
      } catch (err) {
        if (!controller.signal.aborted) setLoadError(errorMessage(err));
      }
    })();
    return () => controller.abort();
  }, [status, queue, after, tick]);

  useEffect(() => {
    if (!autoRefresh) return;
    const timer = setInterval(() => setTick((n) => n + 1), refreshMs);
    return () => clearInterval(timer);
  }, [autoRefresh, refreshMs]);

  const filter = (change: () => void) => {
    change();
    cursors.reset();
  };

  const act = async (job: JobView, action: JobAction) => {
    setBusy(job.id);
    setActionError(null);
    setNotice(null);
    try {
      const call = action === "retry" ? retryJob : action === "cancel" ? cancelJob : failJob;
      const updated = await call(job.id);
      setJobs((prev) => prev?.map((row) => (row.id === updated.id ? updated : row)) ?? prev);
      setNotice(`Job ${job.id} ${DONE_TEXT[action]}.`);
      setTick((n) => n + 1);
    } catch (err) {
      setActionError(`Could not ${ACTION_LABEL[action].toLowerCase()} job ${job.id}: ${errorMessage(err)}`);
    } finally {
      setBusy(null);
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
      <div className="toolbar-row">
        <label className="checkbox">
          <input type="checkbox" checked={autoRefresh} onChange={(event) => setAutoRefresh(event.target.checked)} />
          Auto-refresh
        </label>
        <button type="button" className="small" onClick={() => setTick((n) => n + 1)}>
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
        <div className="filters">
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
          <div className="table-wrap">
            <table className="data-table">
              <caption className="visually-hidden">Jobs, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Id</th>
                  <th scope="col">Queue</th>
                  <th scope="col">Task</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Queued</th>
                  <th scope="col">Started</th>
                  <th scope="col">Finished</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {jobs.map((job) => (
                  <tr key={job.id}>
                    <th scope="row">{job.id}</th>
                    <td>{job.queue}</td>
                    <td>
                      <code>{job.task}</code>
                      {argsText(job.args) && <div className="muted small-text cell-args">{argsText(job.args)}</div>}
                    </td>
                    <td>
                      <span className={`badge badge-job-${job.status}`}>{job.status}</span>
                      {job.stalled && (
                        <span className="badge badge-job-stalled" title="Its worker stopped sending heartbeats">
                          stalled
                        </span>
                      )}
                    </td>
                    <td>{job.attempts}</td>
                    <td>{formatTime(job.queued_at)}</td>
                    <td>{formatTime(job.started_at)}</td>
                    <td>{formatTime(job.finished_at)}</td>
                    <td>
                      {jobActions(job).map((action) => (
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
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pager cursors={cursors} next={next} previousLabel="Newer" nextLabel="Older" />
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
