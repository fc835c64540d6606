import { useRef } from "react";
import Markdown from "react-markdown";
import { Link, useParams } from "react-router";
import { errorMessage } from "../api/client";
import { getLesson, queryString } from "../api/endpoints";
import { isAuthor, useOptionalAuth } from "../auth/AuthContext";
import { useAsync } from "../components/useAsync";
import { CheckPanel } from "../ide/CheckPanel";
import { HintsPanel } from "../ide/HintsPanel";
import { Ide, type IdeHandle } from "../ide/Ide";
import { EnvironmentProgress } from "../ide/EnvironmentProgress";
import { useEnvironment } from "../ide/useEnvironment";

export function LessonPage() {
  const { courseId = "", slug = "" } = useParams();
  const { state, reload } = useAsync((signal) => getLesson(courseId, slug, signal), [courseId, slug]);
  const environment = useEnvironment(courseId, slug);
  const ide = useRef<IdeHandle>(null);
  const me = useOptionalAuth()?.me;

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
        {isAuthor(me) && (
          <p className="lesson-tools small-text">
            <Link to={`/activity${queryString({ scope: "lesson", course: courseId, lesson: slug })}`}>
              Lesson history
            </Link>
          </p>
        )}
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
