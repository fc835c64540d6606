import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { errorMessage } from "../api/client";
import { getActivity } from "../api/endpoints";
import type { ActivityEntry, ActivityQuery, ActivityScope } from "../api/types";
import { formatTime } from "../components/format";
import { ErrorText } from "../components/Messages";

interface Feed {
  entries: ActivityEntry[];
  next: string | null;
}

/** What the page shows, from `?scope=mine|lesson|organization&course=&lesson=&organization=`. */
function readQuery(params: URLSearchParams): { query: ActivityQuery; problem: string | null } {
  const raw = params.get("scope");
  const scope: ActivityScope = raw === "lesson" || raw === "organization" ? raw : "mine";
  if (scope === "lesson") {
    const course = params.get("course");
    const lesson = params.get("lesson");
    if (!course || !lesson) return { query: { scope }, problem: "A lesson's history needs a course and a lesson." };
    return { query: { scope, course, lesson }, problem: null };
  }
  if (scope === "organization") {
    const organization = params.get("organization");
    if (!organization) return { query: { scope }, problem: "An organization's audit needs an organization." };
    return { query: { scope, organization }, problem: null };
  }
  return { query: { scope }, problem: null };
}

function heading(query: ActivityQuery): string {
  if (query.scope === "lesson") return `Lesson history: ${query.course ?? ""}/${query.lesson ?? ""}`;
  if (query.scope === "organization") return `Audit of ${query.organization ?? ""}`;
  return "Your activity";
}

export function ActivityPage() {
  const [params] = useSearchParams();
  const search = params.toString();
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const { query, problem } = useMemo(() => readQuery(params), [search]);
  const [feed, setFeed] = useState<Feed | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0);

  const load = useCallback(
    async (after: string | null) => {
      const mine = ++generation.current;
      setLoading(true);
      setError(null);
      try {
        const page = await getActivity(after ? { ...query, after } : query);
        if (mine !== generation.current) return;
        setFeed((prev) => ({
          entries: after && prev ? [...prev.entries, ...page.entries] : page.entries,
          next: page.next,
        }));
      } catch (err) {
        if (mine === generation.current) setError(errorMessage(err));
      } finally {
        if (mine === generation.current) setLoading(false);
      }
    },
    [query],
  );

  useEffect(() => {
    setFeed(null);
    if (problem) {
      generation.current += 1;
      setLoading(false);
      return;
    }
    void load(null);
    return () => {
      generation.current += 1;
    };
  }, [load, problem]);

  const showPerformer = query.scope === "lesson" || query.scope === "organization";
  const title = heading(query);

  return (
    <div className="page">
      {query.scope === "lesson" && query.course && (
        <nav aria-label="Breadcrumb" className="breadcrumb">
          <Link to={`/courses/${encodeURIComponent(query.course)}`}>Course</Link>
          {query.lesson && (
            <>
              {" "}
              /{" "}
              <Link
                to={`/courses/${encodeURIComponent(query.course)}/lessons/${encodeURIComponent(query.lesson)}`}
              >
                Lesson
              </Link>
            </>
          )}
        </nav>
      )}
      {query.scope === "organization" && query.organization && (
        <nav aria-label="Breadcrumb" className="breadcrumb">
          <Link to={`/organizations/${encodeURIComponent(query.organization)}`}>{query.organization}</Link>
        </nav>
      )}
      <h1>{title}</h1>
      <ErrorText message={problem} />
      {!feed && loading && (
        <p className="muted" role="status">
          Loading the activity…
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          Could not load the activity: {error}
        </p>
      )}
      {feed && feed.entries.length === 0 && <p className="muted">Nothing yet.</p>}
      {feed && feed.entries.length > 0 && (
        <ol className={`activity-list${showPerformer ? " with-performer" : ""}`} aria-label="Activity">
          {feed.entries.map((entry) => (
            <li key={entry.id}>
              <time dateTime={entry.occurred_at}>{formatTime(entry.occurred_at)}</time>
              {showPerformer && (
                <span className="activity-performer">
                  <span className="visually-hidden">By </span>
                  {entry.performer ?? "—"}
                </span>
              )}
              <span className="activity-action">{entry.text ? entry.action : ""}</span>
              <span className="activity-text">{entry.text || entry.action}</span>
            </li>
          ))}
        </ol>
      )}
      {feed?.next && (
        <p className="pager">
          <button type="button" onClick={() => void load(feed.next)} disabled={loading}>
            {loading ? "Loading…" : "Older"}
          </button>
        </p>
      )}
    </div>
  );
}
