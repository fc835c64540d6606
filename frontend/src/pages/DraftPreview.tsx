import { useMemo } from "react";
import { draftPreview } from "../api/queries/environments";
import { EnvironmentProgress } from "../ide/EnvironmentProgress";
import { Ide } from "../ide/Ide";
import { useEnvironment, type UseEnvironmentOptions } from "../ide/useEnvironment";

export interface DraftPreviewProps {
  draftId: number;
  slug: string;
  languages: string[];
  runCommand: string | null;
  options?: UseEnvironmentOptions;
}

/**
 * A draft lesson as a learner gets it: the author's own preview environment
 * (POST …/lessons/{slug}/preview, then polled with GET) in the IDE. Its reset
 * button puts the draft's starter files back (POST …/preview/reset).
 */
export function DraftPreview({ draftId, slug, languages, runCommand, options }: DraftPreviewProps) {
  const target = useMemo(() => draftPreview(draftId, slug), [draftId, slug]);
  const environment = useEnvironment(target, options);

  return environment.phase === "ready" && environment.environment ? (
    <Ide
      key={String(environment.environment.id)}
      target={target}
      environment={environment.environment}
      languages={languages}
      runCommand={runCommand}
      getToken={environment.getToken}
      refreshToken={environment.refreshToken}
      onReset={environment.adopt}
    />
  ) : (
    <EnvironmentProgress state={environment} onRetry={environment.retry} />
  );
}
