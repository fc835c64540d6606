import { useMemo } from "react";
import { Link, useSearchParams } from "react-router";
import { errorMessage } from "../api/client";
import { useActivity } from "../api/queries/activity";
import type { ActivityEntry, ActivityQuery, ActivityScope } from "../api/types";
import { formatTime } from "../components/format";
import { ErrorText } from "../components/Messages";
import { cx } from "../components/cx";
import styles from "./ActivityPage.module.css";

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

/** An entry no template tells: its action and what it was done to, by name where Practica knows it. */
function untold(entry: ActivityEntry): string {
  return `${entry.action}: ${entry.subject_name ?? entry.subject}`;
}

function heading(query: ActivityQuery): string {
  if (query.scope === "lesson") return `Lesson history: ${query.course ?? ""}/${query.lesson ?? ""}`;
  if (query.scope === "organization") return `Audit of ${query.organization ?? ""}`;
  return "Your activity";
}

export function ActivityPage() {
  const [params] = useSearchParams();
  const search = params.toString();
  const { query, problem } = useMemo(() => readQuery(new URLSearchParams(search)), [search]);
  const activity = useActivity(query, problem === null);
  const entries = activity.data?.pages.flatMap((page) => page.entries);
  const loading = activity.isFetching;
  const error = activity.error ? errorMessage(activity.error) : null;

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
      {!entries && loading && (
        <p className="muted" role="status">
          Loading the activity…
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          Could not load the activity: {error}
        </p>
      )}
      {entries && entries.length === 0 && <p className="muted">Nothing yet.</p>}
      {entries && entries.length > 0 && (
        <ol className={cx(styles.activityList, showPerformer && styles.withPerformer)} aria-label="Activity">
          {entries.map((entry) => (
            <li key={entry.id}>
              <time dateTime={entry.occurred_at}>{formatTime(entry.occurred_at)}</time>
              {showPerformer && (
                <span className={styles.activityPerformer} {...(entry.performer ? { title: entry.performer } : {})}>
                  <span className="visually-hidden">By </span>
                  {entry.performer_name ?? entry.performer ?? "—"}
                </span>
              )}
              <span className={styles.activityAction}>{entry.text ? entry.action : ""}</span>
              <span className={styles.activityText}>{entry.text || untold(entry)}</span>
            </li>
          ))}
        </ol>
      )}
      {activity.hasNextPage && (
        <p className="pager">
          <button type="button" onClick={() => void activity.fetchNextPage()} disabled={loading}>
            {loading ? "Loading…" : "Older"}
          </button>
        </p>
      )}
    </div>
  );
}
