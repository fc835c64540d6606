// Backfills: each rule change's re-tagging of stored entries, with its progress, refreshed live.
import { number, when } from "../format";
import { BACKFILLS, type Backfill } from "../queries";
import { usePoll } from "../session";

const EVERY_MS = 3_000;

export function BackfillsPage() {
  const { data, error } = usePoll<{ backfills: Backfill[] }>(BACKFILLS, {}, EVERY_MS);
  const backfills = data?.backfills ?? [];
  return (
    <>
      <h1>Backfills</h1>
      <p className="muted">Newest first; refreshed every {EVERY_MS / 1000} seconds.</p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {data && !backfills.length && <p className="muted">No backfill has run yet.</p>}
      <ul className="cards">
        {backfills.map((backfill) => (
          <li key={backfill.id} className="card" data-backfill={backfill.id}>
            <p>
              <strong>
                Backfill {backfill.id} of rule {backfill.rule}
              </strong>{" "}
              <span className={`badge badge-${backfill.status}`}>{backfill.status}</span>
            </p>
            <label className="progress">
              <span>
                {Math.floor(backfill.progress * 100)}% · {number(backfill.coveredEstimate)} of about {number(backfill.totalEstimate)}{" "}
                entries
              </span>
              <progress max={1} value={backfill.progress}>
                {Math.floor(backfill.progress * 100)}%
              </progress>
            </label>
            <p className="muted">
              Scanned {number(backfill.scanned)} · tagged {number(backfill.tagged)} · untagged {number(backfill.untagged)} ·
              started {when(backfill.createdAt)}
              {backfill.finishedAt ? ` · finished ${when(backfill.finishedAt)}` : ""}
            </p>
            {backfill.error && <p className="error">{backfill.error}</p>}
          </li>
        ))}
      </ul>
    </>
  );
}
