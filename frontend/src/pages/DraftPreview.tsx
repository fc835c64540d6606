import { previewPath, resetPreview } from "../api/endpoints";
import { EnvironmentProgress } from "../ide/EnvironmentProgress";
import { Ide } from "../ide/Ide";
import { useEnvironment, type UseEnvironmentOptions } from "../ide/useEnvironment";

export interface DraftPreviewProps {
  draftId: number;
  courseId: string;
  slug: string;
  languages: string[];
  runCommand: string | null;
  options?: Omit<UseEnvironmentOptions, "endpoint">;
}

/**
 * A draft lesson as a learner gets it: the author's own preview environment
 * (POST …/lessons/{slug}/preview, then polled with GET) in the IDE. Its reset
 * button puts the draft's starter files back (POST …/preview/reset).
 */
export function DraftPreview({ draftId, courseId, slug, languages, runCommand, options }: DraftPreviewProps) {
  const environment = useEnvironment(courseId, slug, { ...options, endpoint: previewPath(draftId, slug) });

  return environment.phase === "ready" && environment.environment ? (
    <Ide
      key={String(environment.environment.id)}
      courseId={courseId}
      slug={slug}
      environment={environment.environment}
      languages={languages}
      runCommand={runCommand}
      getToken={environment.getToken}
      refreshToken={environment.refreshToken}
      resetFiles={() => resetPreview(draftId, slug)}
      onReset={environment.adopt}
    />
  ) : (
    <EnvironmentProgress state={environment} onRetry={environment.retry} />
  );
}
