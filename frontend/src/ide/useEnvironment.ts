import { useCallback, useEffect, useRef, useState } from "react";
import { api, errorMessage } from "../api/client";
import { environmentPath } from "../api/endpoints";
import type { Environment } from "../api/types";

export type EnvironmentPhase = "starting" | "ready" | "failed" | "stopped";

export interface EnvironmentState {
  phase: EnvironmentPhase;
  /** The environment (id, gateway URL); stable across token refreshes. */
  environment: Environment | null;
  error: string | null;
  /** Seconds since the start request, while starting. */
  elapsed: number;
}

export interface UseEnvironmentOptions {
  pollIntervalMs?: number;
  /** Gateway tokens live a few minutes; refetch the environment this often. */
  tokenRefreshMs?: number;
  /**
   * The environment resource: POST starts (or returns) it, GET reads its state.
   * Default: the learner's, `/api/courses/{course}/lessons/{slug}/environment`;
   * an author's draft preview passes `previewPath(draft, slug)`.
   */
  endpoint?: string;
}

/**
 * Start (POST) the lesson's environment, poll until it runs, then keep its
 * gateway token fresh. `getToken` always returns the newest token.
 */
export function useEnvironment(courseId: string, slug: string, options: UseEnvironmentOptions = {}) {
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const tokenRefreshMs = options.tokenRefreshMs ?? 4 * 60 * 1000;
  const endpoint = options.endpoint ?? environmentPath(courseId, slug);
  const [state, setState] = useState<EnvironmentState>({
    phase: "starting",
    environment: null,
    error: null,
    elapsed: 0,
  });
  const [attempt, setAttempt] = useState(0);
  const token = useRef("");
  const refreshing = useRef<Promise<string> | null>(null);

  const adopt = useCallback((env: Environment) => {
    token.current = env.token;
    setState((prev) => {
      const same =
        prev.environment &&
        String(prev.environment.id) === String(env.id) &&
        prev.environment.gateway_url === env.gateway_url &&
        prev.environment.status === env.status;
      return same ? prev : { ...prev, environment: env };
    });
  }, []);

  // Start and wait for "running".
  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const startedAt = Date.now();
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
      });
    setState({ phase: "starting", environment: null, error: null, elapsed: 0 });
    const ticker = setInterval(() => {
      setState((prev) =>
        prev.phase === "starting" ? { ...prev, elapsed: Math.floor((Date.now() - startedAt) / 1000) } : prev,
      );
    }, 1000);

    void (async () => {
      try {
        let env = await api.post<Environment>(endpoint);
        let restarts = 0;
        while (!cancelled) {
          adopt(env);
          if (env.status === "running") {
            setState((prev) => ({ ...prev, phase: "ready", error: null }));
            return;
          }
          if (env.status === "failed") {
            setState((prev) => ({
              ...prev,
              phase: "failed",
              error: env.error || "The environment could not be started.",
            }));
            return;
          }
          if (env.status === "stopped" || env.status === "removed") {
            restarts += 1;
            if (restarts > 3) throw new Error("The environment keeps stopping.");
            env = await api.post<Environment>(endpoint);
            continue;
          }
          await sleep(pollIntervalMs);
          if (cancelled) return;
          env = await api.get<Environment>(endpoint);
        }
      } catch (err) {
        if (!cancelled) setState((prev) => ({ ...prev, phase: "failed", error: errorMessage(err) }));
      } finally {
        clearInterval(ticker);
      }
    })();

    return () => {
      cancelled = true;
      clearTimeout(timer);
      clearInterval(ticker);
    };
  }, [endpoint, attempt, pollIntervalMs, adopt]);

  /** Refetch the environment for a fresh token (deduplicated). */
  const refreshToken = useCallback((): Promise<string> => {
    if (!refreshing.current) {
      refreshing.current = api.get<Environment>(endpoint)
        .then((env) => {
          adopt(env);
          if (env.status === "failed") {
            setState((prev) => ({ ...prev, phase: "failed", error: env.error || "The environment failed." }));
          } else if (env.status !== "running" && env.status !== "starting") {
            setState((prev) => ({ ...prev, phase: "stopped" }));
          }
          return env.token;
        })
        .finally(() => {
          refreshing.current = null;
        });
    }
    return refreshing.current;
  }, [endpoint, adopt]);

  // Keep the token fresh while ready.
  useEffect(() => {
    if (state.phase !== "ready") return;
    const timer = setInterval(() => {
      refreshToken().catch(() => undefined);
    }, tokenRefreshMs);
    return () => clearInterval(timer);
  }, [state.phase, tokenRefreshMs, refreshToken]);

  const getToken = useCallback(() => token.current, []);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);

  return { ...state, getToken, refreshToken, retry, adopt };
}
