import { ApiError } from "../api/client";
import type { DraftProgress, DraftStatus, FormatProblem } from "../api/types";

const STATUS_TEXT: Record<DraftStatus, string> = {
  validating: "Validating",
  valid: "Valid",
  invalid: "Invalid",
  failed: "Validation failed",
  published: "Published",
};

/** A draft's status as a coloured label. */
export function DraftStatusBadge({ status }: { status: DraftStatus }) {
  return <span className={`badge badge-${status}`}>{STATUS_TEXT[status] ?? status}</span>;
}

/** "done of total runs" with a progress bar; an indeterminate bar before the total is known. */
export function DraftProgressBar({ progress, label }: { progress: DraftProgress; label: string }) {
  const known = progress.total > 0;
  return (
    <span className="progress">
      {known ? (
        <progress max={progress.total} value={Math.min(progress.done, progress.total)} aria-label={label} />
      ) : (
        <progress aria-label={label} />
      )}
      <span>{known ? `${progress.done} of ${progress.total} runs` : "Queued"}</span>
    </span>
  );
}

function isProblem(value: unknown): value is FormatProblem {
  return !!value && typeof value === "object" && "message" in value && "file" in value;
}

/** The format problems of a 422 answer to an import, or null for any other error. */
export function formatProblemsOf(error: unknown): FormatProblem[] | null {
  if (!(error instanceof ApiError) || error.status !== 422) return null;
  const body = error.body;
  if (!body || typeof body !== "object" || !("problems" in body)) return null;
  const problems = (body as { problems: unknown }).problems;
  if (!Array.isArray(problems) || problems.length === 0) return null;
  return problems.filter(isProblem);
}

/** Every problem of a refused course, as one alert. */
export function FormatProblemList({ problems }: { problems: readonly FormatProblem[] }) {
  return (
    <div className="error problem-list" role="alert">
      <p>
        The course has {problems.length} {problems.length === 1 ? "problem" : "problems"}; nothing was stored.
      </p>
      <ul aria-label="Problems">
        {problems.map((problem, index) => (
          <li key={index}>
            <code>
              {problem.file}
              {problem.line !== null ? `:${problem.line}` : ""}
            </code>
            {problem.field && (
              <>
                {" "}
                <span className="problem-field">{problem.field}</span>
              </>
            )}
            : {problem.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
