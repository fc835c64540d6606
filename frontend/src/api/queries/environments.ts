/**
 * Environments: a learner's environment of a lesson, or an author's preview of
 * a draft's lesson. Both answer the same shape: POST starts (or returns) it,
 * GET reads its state, `…/reset` puts the starter files back.
 */
import { queryOptions, type QueryKey } from "@tanstack/react-query";
import { api, unwrap } from "../client";
import type { Environment } from "../types";

/** Whose environment. */
export type EnvironmentTarget =
  | { kind: "lesson"; course: string; slug: string }
  | { kind: "preview"; draft: number; slug: string };

export function lessonEnvironment(course: string, slug: string): EnvironmentTarget {
  return { kind: "lesson", course, slug };
}

export function draftPreview(draft: number, slug: string): EnvironmentTarget {
  return { kind: "preview", draft, slug };
}

export function environmentKey(target: EnvironmentTarget): QueryKey {
  return target.kind === "lesson"
    ? ["environments", "lesson", target.course, target.slug]
    : ["environments", "preview", target.draft, target.slug];
}

/** Start the environment, or get the one already there. */
export function startEnvironment(target: EnvironmentTarget): Promise<Environment> {
  return target.kind === "lesson"
    ? unwrap(
        api.POST("/api/courses/{course_id}/lessons/{slug}/environment", {
          params: { path: { course_id: target.course, slug: target.slug } },
        }),
      )
    : unwrap(
        api.POST("/api/authoring/imports/{draft_id}/lessons/{slug}/preview", {
          params: { path: { draft_id: target.draft, slug: target.slug } },
        }),
      );
}

/**
 * Read the environment. With `waitS`, a lesson's environment that is starting
 * is answered once its state changes (or after that many seconds): a long
 * poll, so the page learns at once that it runs.
 */
export function readEnvironment(target: EnvironmentTarget, signal?: AbortSignal, waitS = 0): Promise<Environment> {
  return target.kind === "lesson"
    ? unwrap(
        api.GET("/api/courses/{course_id}/lessons/{slug}/environment", {
          params: {
            path: { course_id: target.course, slug: target.slug },
            ...(waitS > 0 ? { query: { wait: waitS } } : {}),
          },
          ...(signal ? { signal } : {}),
        }),
      )
    : unwrap(
        api.GET("/api/authoring/imports/{draft_id}/lessons/{slug}/preview", {
          params: { path: { draft_id: target.draft, slug: target.slug } },
          ...(signal ? { signal } : {}),
        }),
      );
}

/** Put the starter files back; answers the (possibly new) environment. */
export function resetEnvironmentFiles(target: EnvironmentTarget): Promise<Environment> {
  return target.kind === "lesson"
    ? unwrap(
        api.POST("/api/courses/{course_id}/lessons/{slug}/reset", {
          params: { path: { course_id: target.course, slug: target.slug } },
        }),
      )
    : unwrap(
        api.POST("/api/authoring/imports/{draft_id}/lessons/{slug}/preview/reset", {
          params: { path: { draft_id: target.draft, slug: target.slug } },
        }),
      );
}

export type EnvironmentPhase = "starting" | "ready" | "failed" | "stopped";

/** What the page knows of its environment: where it is in its life, and the newest gateway token. */
export interface EnvironmentSession {
  phase: EnvironmentPhase;
  /** Id, gateway URL and status: the same object while they stay the same (token refreshes do not change it). */
  environment: Environment;
  token: string;
  error: string | null;
  /** How often a stopped environment was started again while starting. */
  restarts: number;
  /**
   * While starting, the pause before the next read: none after the start or a long poll, the rest of
   * `pollIntervalMs` after a quicker answer (a server that does not hold the read).
   */
  pauseMs: number;
}

/** A starting environment's read waits this long for a change at most (the server's limit is 25 s). */
const LONG_POLL_S = 20;

/** A stopped environment is started again this many times at most before the page gives up. */
const MAX_RESTARTS = 3;

/** The session with `env` in it, keeping the environment object when only its token changed. */
export function adoptEnvironment(session: EnvironmentSession, env: Environment): EnvironmentSession {
  const known = session.environment;
  const same =
    String(known.id) === String(env.id) && known.gateway_url === env.gateway_url && known.status === env.status;
  return { ...session, environment: same ? known : env, token: env.token };
}

/** While starting: start a stopped environment again, and tell where the environment is. */
async function settle(target: EnvironmentTarget, first: Environment, restarts: number): Promise<EnvironmentSession> {
  let env = first;
  let count = restarts;
  while (env.status === "stopped" || env.status === "removed") {
    count += 1;
    if (count > MAX_RESTARTS) throw new Error("The environment keeps stopping.");
    env = await startEnvironment(target);
  }
  const session = { environment: env, token: env.token, restarts: count, pauseMs: 0 };
  if (env.status === "running") return { ...session, phase: "ready", error: null };
  if (env.status === "failed") {
    return { ...session, phase: "failed", error: env.error || "The environment could not be started." };
  }
  return { ...session, phase: "starting", error: null };
}

/**
 * One step of an environment's session: the first starts it (POST); then each
 * read (GET) either follows its start, or, once it ran, refreshes the token
 * and notices that it failed or stopped.
 */
async function advance(
  target: EnvironmentTarget,
  previous: EnvironmentSession | undefined,
  signal: AbortSignal,
  pollIntervalMs: number,
): Promise<EnvironmentSession> {
  if (!previous) return settle(target, await startEnvironment(target), 0);
  if (previous.phase !== "ready") {
    const asked = Date.now();
    const env = await readEnvironment(target, signal, LONG_POLL_S);
    const pauseMs = Math.max(0, pollIntervalMs - (Date.now() - asked));
    return { ...(await settle(target, env, previous.restarts)), pauseMs };
  }
  const env = await readEnvironment(target, signal);
  const next = adoptEnvironment(previous, env);
  if (env.status === "failed") return { ...next, phase: "failed", error: env.error || "The environment failed." };
  if (env.status !== "running" && env.status !== "starting") return { ...next, phase: "stopped" };
  return next;
}

export interface EnvironmentTiming {
  /** How often a starting environment is read. */
  pollIntervalMs: number;
  /** Gateway tokens live a few minutes: a running environment is read this often for a fresh one. */
  tokenRefreshMs: number;
}

/**
 * The environment's session, from its start: while it starts, read at once
 * after the start, then with a long poll (a lesson's: the server answers when
 * the state changes) asked again at once, or every `pollIntervalMs` where the
 * server answers at once (a preview's); every `tokenRefreshMs` while it runs
 * (timed from the end of the last read), not at all once it failed or stopped. `attempt`
 * starts it anew (Retry). Nothing is kept once no page shows it: every visit
 * starts (or finds) the environment with a POST.
 */
export function environmentSessionQuery(target: EnvironmentTarget, attempt: number, timing: EnvironmentTiming) {
  const queryKey = [...environmentKey(target), "session", attempt];
  return queryOptions({
    queryKey,
    queryFn: ({ client, signal }) =>
      advance(target, client.getQueryData<EnvironmentSession>(queryKey), signal, timing.pollIntervalMs),
    gcTime: 0,
    refetchIntervalInBackground: true,
    refetchInterval: (query) => {
      const session = query.state.data;
      if (!session) return false;
      if (session.phase === "starting") {
        return query.state.status === "error" ? false : Math.max(1, session.pauseMs);
      }
      return session.phase === "ready" ? timing.tokenRefreshMs : false;
    },
  });
}
