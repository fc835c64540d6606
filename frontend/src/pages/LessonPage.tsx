import { useRef } from "react";
import Markdown from "react-markdown";
import { Link, useParams } from "react-router";
import { errorMessage } from "../api/client";
import { getLesson } from "../api/endpoints";
import { useAsync } from "../components/useAsync";
import { CheckPanel } from "../ide/CheckPanel";
import { HintsPanel } from "../ide/HintsPanel";
import { Ide, type IdeHandle } from "../ide/Ide";
import { useEnvironment, type EnvironmentState } from "../ide/useEnvironment";

function EnvironmentProgress({ state, onRetry }: { state: EnvironmentState; onRetry: () => void }) {
  if (state.phase === "starting") {
    return (
      <div className="env-progress">
        <p role="status" aria-label="Environment status">
          Starting your environment…{state.elapsed >= 3 ? ` (${state.elapsed} s)` : ""}
        </p>
        <progress aria-label="Starting your environment" />
        {state.environment?.status && (
          <p className="muted">Current state: {state.environment.status}</p>
        )}
      </div>
    );
  }
  if (state.phase === "failed") {
    return (
      <div className="env-progress">
        <p role="alert" className="error">
          Your environment could not be started: {state.error}
        </p>
        <button type="button" className="primary" onClick={onRetry}>
          Retry
        </button>
      </div>
    );
  }
  // stopped
  return (
    <div className="env-progress">
      <p role="status" aria-label="Environment status">
        Your environment was stopped (for example after a period of inactivity).
      </p>
      <button type="button" className="primary" onClick={onRetry}>
        Restart environment
      </button>
    </div>
  );
}

export function LessonPage() {
  const { courseId = "", slug = "" } = useParams();
  const { state, reload } = useAsync((signal) => getLesson(courseId, slug, signal), [courseId, slug]);
  const environment = useEnvironment(courseId, slug);
  const ide = useRef<IdeHandle>(null);

  if (state.status === "loading") return <p className="muted page">Loading the lesson…</p>;
  if (state.status === "error") {
    return (
      <div className="page">
        <p className="error" role="alert">
          Could not load the lesson: {errorMessage(state.error)}
        </p>
        <p>
          <Link to={`/courses/${encodeURIComponent(courseId)}`}>Back to the course</Link>
        </p>
      </div>
    );
  }
  const lesson = state.value;

  return (
    <div className="lesson-layout">
      <section className="task-panel" aria-labelledby="lesson-title">
        <nav aria-label="Breadcrumb" className="breadcrumb">
          <Link to="/">Catalogue</Link> /{" "}
          <Link to={`/courses/${encodeURIComponent(courseId)}`}>{lesson.course.title}</Link>
        </nav>
        <h1 id="lesson-title">
          {lesson.title}
          {lesson.completed && (
            <span className="done-mark">
              <span aria-hidden="true">✔</span> Completed
            </span>
          )}
        </h1>
        <div className="markdown task">
          <Markdown>{lesson.task}</Markdown>
        </div>
        <HintsPanel hints={lesson.hints} hidden={lesson.hints_hidden} />
        <CheckPanel
          courseId={courseId}
          slug={slug}
          initialCheck={lesson.last_check}
          beforeCheck={() => ide.current?.flush() ?? Promise.resolve()}
          onFinished={reload}
        />
      </section>
      <section className="ide-panel" aria-label="Workspace">
        {environment.phase === "ready" && environment.environment ? (
          <Ide
            key={String(environment.environment.id)}
            ref={ide}
            courseId={courseId}
            slug={slug}
            environment={environment.environment}
            languages={lesson.languages}
            runCommand={lesson.run_command}
            getToken={environment.getToken}
            refreshToken={environment.refreshToken}
            onReset={environment.adopt}
          />
        ) : (
          <EnvironmentProgress state={environment} onRetry={environment.retry} />
        )}
      </section>
    </div>
  );
}
