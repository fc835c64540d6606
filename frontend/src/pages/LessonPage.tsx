import { useMemo, useRef } from "react";
import { createPortal } from "react-dom";
import { Link, useParams } from "react-router";
import { errorMessage } from "../api/client";
import { lessonEnvironment } from "../api/queries/environments";
import { useLesson } from "../api/queries/learning";
import { isAuthor, useOptionalAuth } from "../auth/AuthContext";
import { activityLink } from "../components/links";
import { TaskMarkdown } from "../components/TaskMarkdown";
import { CheckPanel } from "../ide/CheckPanel";
import { HintsPanel } from "../ide/HintsPanel";
import { Ide, type IdeHandle } from "../ide/Ide";
import { IdeShell } from "../ide/IdeShell";
import { EnvironmentProgress } from "../ide/EnvironmentProgress";
import { useEnvironment } from "../ide/useEnvironment";
import { cx } from "../components/cx";
import styles from "./learning.module.css";

export function LessonPage() {
  const { courseId = "", slug = "" } = useParams();
  const { data: lesson, error, refetch } = useLesson(courseId, slug);
  const target = useMemo(() => lessonEnvironment(courseId, slug), [courseId, slug]);
  const environment = useEnvironment(target);
  const ide = useRef<IdeHandle>(null);
  const me = useOptionalAuth()?.me;

  if (!lesson) {
    if (!error) return <p className="muted page">Loading the lesson…</p>;
    return (
      <div className="page">
        <p className="error" role="alert">
          Could not load the lesson: {errorMessage(error)}
        </p>
        <p>
          <Link to={`/courses/${encodeURIComponent(courseId)}`}>Back to the course</Link>
        </p>
      </div>
    );
  }

  const task = (
    <section className={styles.taskPanel} aria-labelledby="lesson-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/">Catalogue</Link> /{" "}
        <Link to={`/courses/${encodeURIComponent(courseId)}`}>{lesson.course.title}</Link>
      </nav>
      {isAuthor(me) && (
        <p className={cx(styles.lessonTools, "small-text")}>
          <Link to={activityLink({ scope: "lesson", course: courseId, lesson: slug })}>Lesson history</Link>
        </p>
      )}
      <h1 id="lesson-title">
        {lesson.title}
        {lesson.completed && (
          <span className={styles.doneMark}>
            <span aria-hidden="true">✔</span> Completed
          </span>
        )}
      </h1>
      <TaskMarkdown title={lesson.title}>{lesson.task}</TaskMarkdown>
      <HintsPanel hints={lesson.hints} hidden={lesson.hints_hidden} />
    </section>
  );
  const results = (
    <CheckPanel
      courseId={courseId}
      slug={slug}
      initialCheck={lesson.last_check}
      beforeCheck={() => ide.current?.flush() ?? Promise.resolve()}
      onFinished={() => void refetch()}
      nextLesson={lesson.next_lesson}
    />
  );

  return (
    <IdeShell owner={me ? String(me.id) : "signed-out"} task={task} results={results}>
      {(slots) =>
        environment.phase === "ready" && environment.environment ? (
          <Ide
            key={String(environment.environment.id)}
            ref={ide}
            target={target}
            environment={environment.environment}
            languages={lesson.languages}
            runCommand={lesson.run_command}
            getToken={environment.getToken}
            refreshToken={environment.refreshToken}
            onReset={environment.adopt}
            slots={slots}
          />
        ) : (
          <>
            {slots.code &&
              createPortal(<EnvironmentProgress state={environment} onRetry={environment.retry} />, slots.code)}
            {slots.terminal &&
              createPortal(
                <EnvironmentProgress state={environment} onRetry={environment.retry} compact />,
                slots.terminal,
              )}
          </>
        )
      }
    </IdeShell>
  );
}
