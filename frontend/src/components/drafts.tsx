import { useState } from "react";
import { ApiError, errorMessage } from "../api/client";
import { useDeleteDraft } from "../api/queries/authoring";
import type { DraftProgress, DraftStatus, DraftSummary, FormatProblem } from "../api/types";
import { ConfirmDialog } from "./ConfirmDialog";
import { Badge, type Tone } from "./Badge";
import { cx } from "./cx";
import styles from "./drafts.module.css";
import { ProgressLine } from "./Progress";

const STATUS_TEXT: Record<DraftStatus, string> = {
  fetching: "Fetching",
  validating: "Validating",
  valid: "Valid",
  invalid: "Invalid",
  failed: "Failed",
  published: "Published",
};

/** What to call a draft: its course's title, or where it comes from while that is not known yet. */
export function draftName(draft: Pick<DraftSummary, "title" | "source">): string {
  return draft.title ?? draft.source;
}

const STATUS_TONE: Record<DraftStatus, Tone> = {
  fetching: "warn",
  validating: "warn",
  valid: "ok",
  invalid: "bad",
  failed: "bad",
  published: "ok",
};

/** A draft's status as a coloured label. */
export function DraftStatusBadge({ status }: { status: DraftStatus }) {
  return <Badge tone={STATUS_TONE[status]}>{STATUS_TEXT[status] ?? status}</Badge>;
}

/** Where a draft comes from, cut to the cell's width (the whole of it in the title). */
export const sourceClass = styles.cellSource;

export interface DraftProgressBarProps {
  progress: DraftProgress;
  label: string;
  status?: DraftStatus;
}

/** "done of total runs" with a progress bar; an indeterminate bar while fetching or before the total is known. */
export function DraftProgressBar({ progress, label, status }: DraftProgressBarProps) {
  const known = progress.total > 0 && status !== "fetching";
  return (
    <ProgressLine
      as="span"
      bar={
        known ? (
          <progress max={progress.total} value={Math.min(progress.done, progress.total)} aria-label={label} />
        ) : (
          <progress aria-label={label} />
        )
      }
    >
      {status === "fetching"
        ? "Fetching the repository…"
        : known
          ? `${progress.done} of ${progress.total} runs`
          : "Queued"}
    </ProgressLine>
  );
}

export interface DeleteDraftButtonProps {
  draft: Pick<DraftSummary, "id" | "title" | "source" | "status">;
  onDeleted: () => void;
  className?: string;
}

/** Delete, after a confirmation; the refusal (the draft's job is running, say) is shown beside the button. */
export function DeleteDraftButton({ draft, onDeleted, className = "small" }: DeleteDraftButtonProps) {
  const [confirming, setConfirming] = useState(false);
  const deletion = useDeleteDraft();
  const name = draftName(draft);

  const remove = async () => {
    try {
      await deletion.mutateAsync(draft.id);
      setConfirming(false);
      onDeleted();
    } catch {
      setConfirming(false); // the refusal is shown beside the button
    }
  };

  return (
    <>
      <button
        type="button"
        className={className}
        onClick={() => setConfirming(true)}
        aria-label={`Delete draft ${draft.id}`}
      >
        Delete
      </button>
      {deletion.error && (
        <span className="error small-text" role="alert">
          Could not delete the draft: {errorMessage(deletion.error)}
        </span>
      )}
      {confirming && (
        <ConfirmDialog
          title={`Delete draft ${draft.id}?`}
          message={`${name}: the draft, its report and any previews of it are deleted. Published versions of the course stay.`}
          confirmLabel="Delete"
          busy={deletion.isPending}
          onConfirm={() => void remove()}
          onCancel={() => setConfirming(false)}
        />
      )}
    </>
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
  const problems = body.problems;
  if (!Array.isArray(problems) || problems.length === 0) return null;
  return problems.filter(isProblem);
}

export interface FormatProblemListProps {
  problems: readonly FormatProblem[];
  /** What became of the course (an upload refused: nothing was stored). */
  outcome?: string;
}

/** Every problem of a refused course, as one alert. */
export function FormatProblemList({ problems, outcome = "nothing was stored" }: FormatProblemListProps) {
  return (
    <div className={cx("error", styles.problemList)} role="alert">
      <p>
        The course has {problems.length} {problems.length === 1 ? "problem" : "problems"}; {outcome}.
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
                <span className={styles.problemField}>{problem.field}</span>
              </>
            )}
            : {problem.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
