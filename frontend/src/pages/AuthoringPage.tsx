import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { errorMessage } from "../api/client";
import { importArchive, importFromGit, listDrafts } from "../api/endpoints";
import type { DraftSummary, FormatProblem } from "../api/types";
import {
  DeleteDraftButton,
  draftBusy,
  draftName,
  DraftProgressBar,
  DraftStatusBadge,
  formatProblemsOf,
  FormatProblemList,
} from "../components/drafts";
import { formatTime } from "../components/format";
import { ErrorText, NoticeText } from "../components/Messages";

export const DRAFT_PAGE = 50;

export interface AuthoringPageProps {
  /** How often the list is refreshed while a draft is fetched or validated. */
  pollIntervalMs?: number;
}

function ImportForm() {
  const navigate = useNavigate();
  const [gitUrl, setGitUrl] = useState("");
  const [archive, setArchive] = useState<File | null>(null);
  const [busy, setBusy] = useState<"git" | "archive" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [problems, setProblems] = useState<FormatProblem[] | null>(null);

  const run = async (kind: "git" | "archive", request: () => Promise<{ id: number }>) => {
    setBusy(kind);
    setError(null);
    setProblems(null);
    try {
      const draft = await request();
      navigate(`/authoring/imports/${draft.id}`);
    } catch (err) {
      const found = formatProblemsOf(err);
      if (found) setProblems(found);
      else setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  const submitGit = (event: FormEvent) => {
    event.preventDefault();
    const url = gitUrl.trim();
    if (!url) {
      setError("Enter the course's Git URL.");
      return;
    }
    void run("git", () => importFromGit({ git_url: url }));
  };

  const submitArchive = (event: FormEvent) => {
    event.preventDefault();
    if (!archive) {
      setError("Choose a course archive (.tar.gz or .zip).");
      return;
    }
    void run("archive", () => importArchive(archive));
  };

  return (
    <section className="card import-card" aria-labelledby="import-heading">
      <h2 id="import-heading">Import a course</h2>
      <p className="muted small-text">
        A course is a directory with <code>course.yaml</code> at its top (or in its one top-level directory). It is
        validated before anyone sees it: the tests must fail on the starter files and every wrong solution, and pass
        on the reference solution in time.
      </p>
      <ErrorText message={error} />
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

export function AuthoringPage({ pollIntervalMs = 2000 }: AuthoringPageProps) {
  const [drafts, setDrafts] = useState<DraftSummary[] | null>(null);
  /** The `after` of the page following the drafts shown; null when they are all. */
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const count = useRef(0);
  count.current = drafts?.length ?? 0;

  /** (Re)load the newest drafts, as many as are shown (at least one page). */
  const refresh = useCallback(async (signal?: AbortSignal) => {
    try {
      const limit = Math.min(Math.max(count.current, DRAFT_PAGE), 200);
      const page = await listDrafts(null, limit, signal);
      setDrafts(page.items);
      setNext(page.next_after);
      setError(null);
    } catch (err) {
      if (!signal?.aborted) setError(errorMessage(err));
    }
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    void refresh(controller.signal);
    return () => controller.abort();
  }, [refresh]);

  const busy = drafts?.some((draft) => draftBusy(draft.status)) ?? false;
  useEffect(() => {
    if (!busy) return;
    // The next poll is timed from the end of the last one: a slow server never gets requests piling up.
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const poll = async () => {
      await refresh();
      if (!stopped) timer = setTimeout(() => void poll(), pollIntervalMs);
    };
    timer = setTimeout(() => void poll(), pollIntervalMs);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [busy, pollIntervalMs, refresh]);

  const deleted = (draft: DraftSummary) => {
    setDrafts((prev) => prev?.filter((item) => item.id !== draft.id) ?? prev);
    setNotice(`Draft ${draft.id} (${draftName(draft)}) was deleted.`);
  };

  const loadOlder = async () => {
    if (next === null) return;
    setLoadingMore(true);
    try {
      const page = await listDrafts(next, DRAFT_PAGE);
      setDrafts((prev) => [...(prev ?? []), ...page.items]);
      setNext(page.next_after);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <div className="page wide">
      <h1>Authoring</h1>
      <ImportForm />
      <h2>Your drafts</h2>
      {error && (
        <p className="error" role="alert">
          Could not load the drafts: {error}
        </p>
      )}
      <NoticeText message={notice} />
      {drafts === null && !error && (
        <p className="muted" role="status">
          Loading the drafts…
        </p>
      )}
      {drafts && drafts.length === 0 && <p className="muted">No drafts yet: import a course above.</p>}
      {drafts && drafts.length > 0 && (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">Course drafts, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Course</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
                <th scope="col">Source</th>
                <th scope="col">Imported</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {drafts.map((draft) => (
                <tr key={draft.id}>
                  <th scope="row">
                    <Link to={`/authoring/imports/${draft.id}`}>{draftName(draft)}</Link>
                    <div className="muted small-text">
                      {draft.course_id ?? `draft ${draft.id}`}
                      {draft.organization ? ` · ${draft.organization}` : ""}
                      {draft.published_version !== null ? ` · version ${draft.published_version}` : ""}
                    </div>
                  </th>
                  <td>
                    <DraftStatusBadge status={draft.status} />
                  </td>
                  <td>
                    {draftBusy(draft.status) ? (
                      <DraftProgressBar
                        progress={draft.progress}
                        status={draft.status}
                        label={`Validation of ${draftName(draft)}`}
                      />
                    ) : (
                      <span className="muted small-text">
                        {draft.progress.done} of {draft.progress.total} runs
                      </span>
                    )}
                  </td>
                  <td className="cell-source" title={draft.source}>
                    {draft.source}
                  </td>
                  <td>
                    <time dateTime={draft.created_at}>{formatTime(draft.created_at)}</time>
                  </td>
                  <td>
                    <DeleteDraftButton draft={draft} onDeleted={() => deleted(draft)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next !== null && (
        <p className="pager">
          <button type="button" onClick={() => void loadOlder()} disabled={loadingMore}>
            {loadingMore ? "Loading…" : "Older drafts"}
          </button>
        </p>
      )}
    </div>
  );
}
