import { useCallback, useMemo, useRef } from "react";
import { startPreviewCheck } from "../api/queries/authoring";
import { draftPreview } from "../api/queries/environments";
import type { DraftLesson } from "../api/types";
import { TaskMarkdown } from "../components/TaskMarkdown";
import { CheckPanel } from "../ide/CheckPanel";
import { EnvironmentProgress } from "../ide/EnvironmentProgress";
import { Ide, type IdeHandle } from "../ide/Ide";
import { useEnvironment, type UseEnvironmentOptions } from "../ide/useEnvironment";
import styles from "./DraftPreview.module.css";

export interface DraftPreviewProps {
  draftId: number;
  /** The draft's course (null while a git import is being fetched). */
  courseId: string | null;
  lesson: DraftLesson;
  options?: UseEnvironmentOptions;
}

/**
 * A draft lesson as a learner gets it: its task, *Check* and the author's own
 * preview environment (POST …/lessons/{slug}/preview, then polled with GET) in
 * the IDE. Check runs the draft's hidden tests on the preview's files (POST
 * …/preview/checks); the IDE's reset puts the draft's starter files back.
 */
export function DraftPreview({ draftId, courseId, lesson, options }: DraftPreviewProps) {
  const { slug } = lesson;
  const target = useMemo(() => draftPreview(draftId, slug), [draftId, slug]);
  const environment = useEnvironment(target, options);
  const ide = useRef<IdeHandle>(null);
  const startCheck = useCallback(() => startPreviewCheck(draftId, slug), [draftId, slug]);
  const ready = environment.phase === "ready" && environment.environment;

  return (
    <div className={styles.previewLayout}>
      <section className={styles.previewTask} aria-label="Task">
        <TaskMarkdown title={lesson.title}>{lesson.task}</TaskMarkdown>
        {ready ? (
          <CheckPanel
            courseId={courseId ?? ""}
            slug={slug}
            startCheck={startCheck}
            beforeCheck={() => ide.current?.flush() ?? Promise.resolve()}
          />
        ) : (
          <p className="muted">Check is ready once the environment runs.</p>
        )}
      </section>
      <div className={styles.previewWorkspace}>
        {ready && environment.environment ? (
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
          />
        ) : (
          <EnvironmentProgress state={environment} onRetry={environment.retry} />
        )}
      </div>
    </div>
  );
}
