import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useState } from "react";
import { errorMessage } from "../api/client";
import {
  adoptEnvironment,
  environmentSessionQuery,
  type EnvironmentPhase,
  type EnvironmentSession,
  type EnvironmentTarget,
} from "../api/queries/environments";
import type { Environment } from "../api/types";

export type { EnvironmentPhase };

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
}

/** The phase shown: a failed read while starting fails the start; once running, a failed token refresh does not. */
function phaseOf(session: EnvironmentSession | undefined, failed: boolean): EnvironmentPhase {
  if (failed && (!session || session.phase === "starting")) return "failed";
  return session?.phase ?? "starting";
}

/**
 * Start (POST) the environment, poll until it runs, then keep its gateway
 * token fresh. `getToken` always returns the newest token. `target` is the
 * same object for as long as the environment is (memoize it).
 */
export function useEnvironment(target: EnvironmentTarget, options: UseEnvironmentOptions = {}) {
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const tokenRefreshMs = options.tokenRefreshMs ?? 4 * 60 * 1000;
  const client = useQueryClient();
  const [attempt, setAttempt] = useState(() => ({ number: 0, startedAt: Date.now() }));
  const [now, setNow] = useState(attempt.startedAt);
  const query = useMemo(
    () => environmentSessionQuery(target, attempt.number, { pollIntervalMs, tokenRefreshMs }),
    [target, attempt.number, pollIntervalMs, tokenRefreshMs],
  );
  const { data: session, error } = useQuery(query);
  const phase = phaseOf(session, error !== null);

  // Count the seconds of a start.
  useEffect(() => {
    if (phase !== "starting") return;
    const ticker = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(ticker);
  }, [phase]);

  const getToken = useCallback(
    () => client.getQueryData<EnvironmentSession>(query.queryKey)?.token ?? "",
    [client, query],
  );

  /** Read the environment for a fresh token (one request however many ask at once). */
  const refreshToken = useCallback(
    async () => (await client.fetchQuery({ ...query, staleTime: 0 })).token,
    [client, query],
  );

  const adopt = useCallback(
    (env: Environment) =>
      client.setQueryData<EnvironmentSession>(query.queryKey, (previous) =>
        previous ? adoptEnvironment(previous, env) : previous,
      ),
    [client, query],
  );

  const retry = useCallback(() => setAttempt((previous) => ({ number: previous.number + 1, startedAt: Date.now() })), []);

  const state: EnvironmentState = {
    phase,
    environment: session?.environment ?? null,
    error: phase === "failed" ? (session?.phase === "failed" ? session.error : errorMessage(error)) : null,
    elapsed: Math.max(0, Math.floor((now - attempt.startedAt) / 1000)),
  };
  return { ...state, getToken, refreshToken, retry, adopt };
}
