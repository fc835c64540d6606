/** Learning: the catalogue, a course, a lesson, and the checks of a learner's solution. */
import { queryOptions, skipToken, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../client";
import type { Check } from "../types";

export const learningKeys = {
  courses: ["courses"] as const,
  course: (course: string) => ["courses", course] as const,
  lesson: (course: string, slug: string) => ["courses", course, "lessons", slug] as const,
  check: (check: number | null) => ["checks", check] as const,
};

export function useCourses() {
  return useQuery({
    queryKey: learningKeys.courses,
    queryFn: ({ signal }) => unwrap(api.GET("/api/courses", { signal })),
  });
}

export function useCourse(course: string) {
  return useQuery({
    queryKey: learningKeys.course(course),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/courses/{course_id}", { params: { path: { course_id: course } }, signal })),
  });
}

export function useLesson(course: string, slug: string) {
  return useQuery({
    queryKey: learningKeys.lesson(course, slug),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/courses/{course_id}/lessons/{slug}", { params: { path: { course_id: course, slug } }, signal }),
      ),
  });
}

const FINAL: ReadonlySet<Check["status"]> = new Set(["passed", "failed", "error"]);

export function isFinal(status: Check["status"]): boolean {
  return FINAL.has(status);
}

/** After a failed read the check is asked again less often, until it answers. */
export const CHECK_RETRY_MS = 2000;

/** A read of an unfinished check waits this long for its status to change at most (the server's limit is 25 s). */
export const CHECK_LONG_POLL_S = 20;

/**
 * A check (none: nothing is read), followed while it is queued or running by
 * long polls: each read is held by the server until the check's status changes
 * (or {@link CHECK_LONG_POLL_S} pass), and the next one is sent
 * `pollIntervalMs` after it answers; after a failed read, every
 * {@link CHECK_RETRY_MS} at least. The check as it was started (or as the
 * lesson last saw it) is shown until the first read.
 */
export function checkQuery(check: Check | null, pollIntervalMs: number) {
  return queryOptions({
    queryKey: learningKeys.check(check?.id ?? null),
    queryFn: check
      ? ({ signal }) =>
          unwrap(
            api.GET("/api/checks/{check_id}", {
              params: { path: { check_id: check.id }, query: { wait: CHECK_LONG_POLL_S } },
              signal,
            }),
          )
      : skipToken,
    initialData: () => check ?? undefined,
    staleTime: Infinity,
    refetchIntervalInBackground: true,
    refetchInterval: (query) => {
      const current = query.state.data;
      if (!current || isFinal(current.status)) return false;
      return query.state.status === "error" ? Math.max(pollIntervalMs, CHECK_RETRY_MS) : pollIntervalMs;
    },
  });
}

/** Start a check of the learner's files; the started check is cached for its polling. */
export function useStartCheck(course: string, slug: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/courses/{course_id}/lessons/{slug}/checks", { params: { path: { course_id: course, slug } } }),
      ),
    onSuccess: (check) => client.setQueryData(learningKeys.check(check.id), check),
  });
}
