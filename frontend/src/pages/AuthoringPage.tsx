import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { errorMessage } from "../api/client";
import { draftBusy, useDrafts, useImportArchive, useImportFromGit } from "../api/queries/authoring";
import type { DraftSummary, DraftView } from "../api/types";
import { DataTable, type Column } from "../components/DataTable";
import {
  DeleteDraftButton,
  draftName,
  DraftProgressBar,
  DraftStatusBadge,
  formatProblemsOf,
  FormatProblemList,
  sourceClass,
} from "../components/drafts";
import { formatTime } from "../components/format";
import { ErrorText, NoticeText } from "../components/Messages";
import { cx } from "../components/cx";
import styles from "./AuthoringPage.module.css";

export interface AuthoringPageProps {
  /** How often the list is refreshed while a draft is fetched or validated. */
  pollIntervalMs?: number;
}

function ImportForm() {
  const navigate = useNavigate();
  const fromGit = useImportFromGit();
  const fromArchive = useImportArchive();
  const [gitUrl, setGitUrl] = useState("");
  const [archive, setArchive] = useState<File | null>(null);
  /** What the form itself refuses before anything is sent. */
  const [missing, setMissing] = useState<string | null>(null);
  const busy = fromGit.isPending ? "git" : fromArchive.isPending ? "archive" : null;
  const failure = fromGit.error ?? fromArchive.error;
  const problems = formatProblemsOf(failure);

  const opened = { onSuccess: (draft: DraftView) => void navigate(`/authoring/imports/${draft.id}`) };

  const submitGit = (event: FormEvent) => {
    event.preventDefault();
    const url = gitUrl.trim();
    fromArchive.reset();
    if (!url) {
      fromGit.reset();
      setMissing("Enter the course's Git URL.");
      return;
    }
    setMissing(null);
    fromGit.mutate(url, opened);
  };

  const submitArchive = (event: FormEvent) => {
    event.preventDefault();
    fromGit.reset();
    if (!archive) {
      fromArchive.reset();
      setMissing("Choose a course archive (.tar.gz or .zip).");
      return;
    }
    setMissing(null);
    fromArchive.mutate(archive, opened);
  };

  return (
    <section className={cx("card", styles.importCard)} aria-labelledby="import-heading">
      <h2 id="import-heading">Import a course</h2>
      <p className="muted small-text">
        A course is a directory with <code>course.yaml</code> at its top (or in its one top-level directory). It is
        validated before anyone sees it: the tests must fail on the starter files and every wrong solution, and pass
        on the reference solution in time.
      </p>
      <ErrorText message={missing ?? (failure && !problems ? errorMessage(failure) : null)} />
      {problems && <FormatProblemList problems={problems} />}
      <form className="form inline-form" onSubmit={submitGit} aria-label="Import from Git">
        <div className="field">
          <label htmlFor="import-git-url">Git URL</label>
          <input
            id="import-git-url"
            type="url"
            inputMode="url"
            placeholder="https://git.example.org/courses/python-basics.git"
            value={gitUrl}
            onChange={(event) => setGitUrl(event.target.value)}
          />
        </div>
        <button type="submit" className="primary" disabled={busy !== null}>
          {busy === "git" ? "Importing…" : "Import from Git"}
        </button>
      </form>
      <form className="form inline-form" onSubmit={submitArchive} aria-label="Upload a course archive">
        <div className="field">
          <label htmlFor="import-archive">Course archive</label>
          <input
            id="import-archive"
            type="file"
            accept=".tar.gz,.tgz,.zip,application/gzip,application/zip"
            aria-describedby="import-archive-help"
            onChange={(event) => setArchive(event.target.files?.[0] ?? null)}
          />
          <span id="import-archive-help" className="muted small-text">
            .tar.gz or .zip, 20 MB at most
          </span>
        </div>
        <button type="submit" className="primary" disabled={busy !== null}>
          {busy === "archive" ? "Uploading…" : "Upload archive"}
        </button>
      </form>
    </section>
  );
}

function draftColumns(onDeleted: (draft: DraftSummary) => void): Column<DraftSummary>[] {
  return [
    {
      header: "Course",
      rowHeader: true,
      cell: (draft) => (
        <>
          <Link to={`/authoring/imports/${draft.id}`}>{draftName(draft)}</Link>
          <div className="muted small-text">
            {draft.course_id ?? `draft ${draft.id}`}
            {draft.organization ? ` · ${draft.organization}` : ""}
            {draft.published_version !== null ? ` · version ${draft.published_version}` : ""}
          </div>
        </>
      ),
    },
    { header: "Status", cell: (draft) => <DraftStatusBadge status={draft.status} /> },
    {
      header: "Progress",
      cell: (draft) =>
        draftBusy(draft.status) ? (
          <DraftProgressBar
            progress={draft.progress}
            status={draft.status}
            label={`Validation of ${draftName(draft)}`}
          />
        ) : (
          <span className="muted small-text">
            {draft.progress.done} of {draft.progress.total} runs
          </span>
        ),
    },
    { header: "Source", cellClassName: sourceClass, cellTitle: (draft) => draft.source, cell: (draft) => draft.source },
    {
      header: "Imported",
      cell: (draft) => <time dateTime={draft.created_at}>{formatTime(draft.created_at)}</time>,
    },
    {
      header: "Actions",
      hiddenHeader: true,
      cell: (draft) => <DeleteDraftButton draft={draft} onDeleted={() => onDeleted(draft)} />,
    },
  ];
}

export function AuthoringPage({ pollIntervalMs = 2000 }: AuthoringPageProps) {
  const list = useDrafts(pollIntervalMs);
  const drafts = list.data?.pages.flatMap((page) => page.items);
  const [notice, setNotice] = useState<string | null>(null);

  const deleted = (draft: DraftSummary) => setNotice(`Draft ${draft.id} (${draftName(draft)}) was deleted.`);

  return (
    <div className="page wide">
      <h1>Authoring</h1>
      <ImportForm />
      <h2>Your drafts</h2>
      {list.error && (
        <p className="error" role="alert">
          Could not load the drafts: {errorMessage(list.error)}
        </p>
      )}
      <NoticeText message={notice} />
      {!drafts && !list.error && (
        <p className="muted" role="status">
          Loading the drafts…
        </p>
      )}
      {drafts && drafts.length === 0 && <p className="muted">No drafts yet: import a course above.</p>}
      {drafts && drafts.length > 0 && (
        <DataTable
          caption="Course drafts, newest first"
          rows={drafts}
          rowKey={(draft) => draft.id}
          columns={draftColumns(deleted)}
        />
      )}
      {list.hasNextPage && (
        <p className="pager">
          <button type="button" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
            {list.isFetchingNextPage ? "Loading…" : "Older drafts"}
          </button>
        </p>
      )}
    </div>
  );
}
