import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link } from "react-router";
import { ApiError, errorMessage } from "../api/client";
import { checkQuery, isFinal, useStartCheck } from "../api/queries/learning";
import type { Check, CheckStatus, LessonLink } from "../api/types";
import { ErrorText } from "../components/Messages";
import { cx } from "../components/cx";
import styles from "./CheckPanel.module.css";
import { TestResults, shownText } from "./TestResults";

export { isFinal };

export interface CheckPanelProps {
  courseId: string;
  slug: string;
  /** The lesson's last check; polling resumes if it is still queued or running. */
  initialCheck?: Check | null;
  /** Runs before a check starts (e.g. flush unsaved edits). */
  beforeCheck?: () => Promise<void>;
  /** A check started here has finished. */
  onFinished?: (check: Check) => void;
  /** Starts the check (default: the learner's check of the lesson; an author's preview sends its own). */
  startCheck?: () => Promise<Check>;
  /** The lesson after this one, linked once the check passes (none for the course's last lesson). */
  nextLesson?: LessonLink | null;
  /** The pause between two reads of an unfinished check (each read is a long poll: it waits for a change). */
  pollIntervalMs?: number;
}

const STATUS_TEXT: Record<CheckStatus, string> = {
  queued: "Queued…",
  running: "Running…",
  passed: "Passed",
  failed: "Failed",
  error: "Error",
};

const STATUS_CLASS: Record<CheckStatus, string | undefined> = {
  queued: undefined,
  running: undefined,
  passed: styles.checkPassed,
  failed: styles.checkFailed,
  error: styles.checkError,
};

/** Why a check ended, when the status alone does not say it (a failed test is just "Failed"). */
const VERDICT_TEXT: Record<string, string> = {
  timeout: "time limit reached",
  oom: "out of memory",
  output_limit: "too much output",
  overloaded: "the server was too busy",
};

/** The check's one status: "Failed", and why when the tests alone do not say it ("Failed: time limit reached"). */
function statusText(check: Check): string {
  const why = check.verdict ? VERDICT_TEXT[check.verdict] : undefined;
  return why ? `${STATUS_TEXT[check.status]}: ${why}` : STATUS_TEXT[check.status];
}

/** The check followed (as last read), and why the last read failed, while it is queued or running. */
function useFollowedCheck(followed: Check | null, pollIntervalMs: number) {
  const { data, error } = useQuery(checkQuery(followed, pollIntervalMs));
  return { check: data ?? followed, pollError: error ? errorMessage(error) : null };
}

export function CheckPanel({
  courseId,
  slug,
  initialCheck = null,
  beforeCheck,
  onFinished,
  startCheck,
  nextLesson = null,
  pollIntervalMs = 100,
}: CheckPanelProps) {
  const [followed, setFollowed] = useState<Check | null>(initialCheck);
  const { check, pollError } = useFollowedCheck(followed, pollIntervalMs);
  const start = useStartCheck(courseId, slug);
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [waitUntil, setWaitUntil] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const startedHere = useRef<number | null>(null);

  // A check started here that has finished is told once.
  useEffect(() => {
    if (check && isFinal(check.status) && startedHere.current === check.id) {
      startedHere.current = null;
      onFinished?.(check);
    }
  }, [check, onFinished]);

  // Count down a rate-limit wait.
  useEffect(() => {
    if (waitUntil === null) return;
    const tick = () => {
      const current = Date.now();
      setNow(current);
      if (current >= waitUntil) setWaitUntil(null);
    };
    const timer = setInterval(tick, 1000);
    return () => clearInterval(timer);
  }, [waitUntil]);

  const waitSeconds = waitUntil !== null ? Math.max(0, Math.ceil((waitUntil - now) / 1000)) : 0;
  const inProgress = check !== null && !isFinal(check.status);

  const run = async () => {
    setError(null);
    setStarting(true);
    try {
      if (beforeCheck) await beforeCheck();
      const started = await (startCheck ? startCheck() : start.mutateAsync());
      startedHere.current = started.id;
      setFollowed(started);
    } catch (err) {
      if (err instanceof ApiError && err.status === 429) {
        const seconds = Math.max(1, Math.ceil(err.retryAfter ?? 10));
        const current = Date.now();
        setNow(current);
        setWaitUntil(current + seconds * 1000);
      } else {
        setError(`Could not start the check: ${errorMessage(err)}`);
      }
    } finally {
      setStarting(false);
    }
  };

  const passedCount = check?.tests.filter((test) => test.status === "pass").length ?? 0;

  return (
    <section className={styles.checkPanel} aria-labelledby="check-heading">
      <div className="panel-bar">
        <h2 id="check-heading" className="panel-title">
          Check your solution
        </h2>
        <button
          type="button"
          className="primary"
          onClick={() => void run()}
          disabled={starting || inProgress || waitSeconds > 0}
          aria-describedby="check-status"
        >
          Check
        </button>
      </div>
      <p
        id="check-status"
        role="status"
        aria-label="Check status"
        className={cx(styles.checkStatus, check && STATUS_CLASS[check.status])}
      >
        {starting ? "Submitting…" : check ? statusText(check) : "Not checked yet"}
      </p>
      {check?.status === "passed" && nextLesson && (
        <p className={styles.nextLesson}>
          <Link
            to={`/courses/${encodeURIComponent(courseId)}/lessons/${encodeURIComponent(nextLesson.slug)}`}
            aria-label={`Next lesson: ${nextLesson.title}`}
          >
            Next lesson →
          </Link>{" "}
          <span className="muted">{nextLesson.title}</span>
        </p>
      )}
      {waitSeconds > 0 && (
        <p className="notice" role="alert">
          Wait {waitSeconds} s before the next check
        </p>
      )}
      <ErrorText message={error} />
      {pollError && inProgress && (
        <p className="error">Lost contact with the server ({pollError}); still trying…</p>
      )}
      {check && isFinal(check.status) && (
        <>
          {check.retried_because && (
            <p className="muted small-text" role="note" aria-label="Checked again">
              Checked twice: {check.retried_because}. The first run does not count.
            </p>
          )}
          {check.tests.length > 0 && (
            <p className="muted">
              {passedCount} of {check.tests.length} {check.tests.length === 1 ? "test" : "tests"} passed
            </p>
          )}
          {check.detail.trim() && <pre className={styles.checkDetail}>{shownText(check.detail)}</pre>}
        </>
      )}
      {check && isFinal(check.status) && <TestResults tests={check.tests} />}
    </section>
  );
}
