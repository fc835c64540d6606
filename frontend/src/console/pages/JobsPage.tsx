// The job queue: procrastinate jobs of queue `chronicles`, counted by status, and the latest failures.
import { number, when } from "../format";
import { JOB_QUEUE, type JobQueue } from "../queries";
import { usePoll } from "../session";

const EVERY_MS = 5_000;
const STATUSES = ["todo", "doing", "succeeded", "failed", "cancelled", "aborted"];

export function JobsPage() {
  const { data, error } = usePoll<{ jobQueue: JobQueue }>(JOB_QUEUE, {}, EVERY_MS);
  const counts = new Map(data?.jobQueue.counts.map((count) => [count.status, count.count]));
  const failures = data?.jobQueue.recentFailures ?? [];
  return (
    <>
      <h1>Jobs</h1>
      <p className="muted">Queue chronicles (backfills and other slow work); refreshed every {EVERY_MS / 1000} seconds.</p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <dl className="figures" aria-label="Jobs by status">
        {STATUSES.map((status) => (
          <div key={status} data-status={status}>
            <dt>{status}</dt>
            <dd>{number(counts.get(status) ?? 0)}</dd>
          </div>
        ))}
      </dl>
      <section aria-labelledby="failures-title">
        <h2 id="failures-title">Recent failures</h2>
        {data && !failures.length && <p className="muted">No failed job.</p>}
        {failures.length > 0 && (
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Recent failures table">
            <table>
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col">Task</th>
                  <th scope="col">Arguments</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Failed</th>
                </tr>
              </thead>
              <tbody>
                {failures.map((job) => (
                  <tr key={job.id}>
                    <td>{job.id}</td>
                    <td>{job.task}</td>
                    <td>
                      <code>{JSON.stringify(job.args)}</code>
                    </td>
                    <td>{job.attempts}</td>
                    <td>{when(job.failedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
