/** The admin pages: jobs per queue, environments, users and organisations of the whole platform. */
import { keepPreviousData, useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../client";
import type { AdminEnvironment, AdminUser, EnvironmentStatus, JobStatus, JobView, Role, UserMail } from "../types";

export const JOB_PAGE = 50;
export const ENVIRONMENT_PAGE = 100;
export const USER_PAGE = 100;
export const ORGANIZATION_PAGE = 100;

export interface JobFilter {
  status: JobStatus | null;
  queue: string | null;
  after: number | null;
}

export const adminKeys = {
  jobs: ["admin", "jobs"] as const,
  jobSummary: ["admin", "jobs", "summary"] as const,
  jobList: (filter: JobFilter) => ["admin", "jobs", "list", filter] as const,
  environments: ["admin", "environments"] as const,
  environmentList: (status: EnvironmentStatus | null, after: string | null) =>
    ["admin", "environments", { status, after }] as const,
  users: ["admin", "users"] as const,
  userList: (after: number | null) => ["admin", "users", { after }] as const,
  user: (user: number) => ["admin", "users", "one", user] as const,
  userMail: (user: number) => ["admin", "users", "mail", user] as const,
  organizationList: (after: string | null) => ["admin", "organizations", { after }] as const,
  metrics: (days: number) => ["admin", "metrics", { days }] as const,
};

/** Replace the row of every cached page of `prefix` that has the same id (an action's answer). */
function replaceRow<Row extends { id: unknown }>(client: QueryClient, prefix: readonly unknown[], row: Row): void {
  client.setQueriesData<{ items: Row[] }>({ queryKey: prefix }, (page) =>
    page && Array.isArray(page.items)
      ? { ...page, items: page.items.map((item) => (item.id === row.id ? row : item)) }
      : page,
  );
}

/** Jobs per queue and status; reread every `refreshMs` (false: not at all). */
export function useJobSummary(refreshMs: number | false) {
  return useQuery({
    queryKey: adminKeys.jobSummary,
    queryFn: ({ signal }) => unwrap(api.GET("/api/admin/jobs/summary", { signal })),
    refetchInterval: refreshMs,
    refetchIntervalInBackground: true,
  });
}

/** A page of jobs, newest first; the page shown stays while the next filter's loads. */
export function useJobs(filter: JobFilter, refreshMs: number | false) {
  return useQuery({
    queryKey: adminKeys.jobList(filter),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/admin/jobs", { params: { query: { ...filter, limit: JOB_PAGE } }, signal })),
    placeholderData: keepPreviousData,
    refetchInterval: refreshMs,
    refetchIntervalInBackground: true,
  });
}

export type JobAction = "retry" | "cancel" | "fail";

function actOnJob(job: number, action: JobAction): Promise<JobView> {
  const params = { path: { job_id: job } };
  if (action === "retry") return unwrap(api.POST("/api/admin/jobs/{job_id}/retry", { params }));
  if (action === "cancel") return unwrap(api.POST("/api/admin/jobs/{job_id}/cancel", { params }));
  return unwrap(api.POST("/api/admin/jobs/{job_id}/fail", { params }));
}

/** Retry, cancel or fail a job; its row shows the answer, then the jobs and counts are reread. */
export function useJobAction() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ job, action }: { job: number; action: JobAction }) => actOnJob(job, action),
    onSuccess: (updated) => {
      replaceRow(client, [...adminKeys.jobs, "list"], updated);
      void client.invalidateQueries({ queryKey: adminKeys.jobs });
    },
  });
}

export function useAdminEnvironments(status: EnvironmentStatus | null, after: string | null) {
  return useQuery({
    queryKey: adminKeys.environmentList(status, after),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/admin/environments", { params: { query: { status, after, limit: ENVIRONMENT_PAGE } }, signal }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useStopEnvironment() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (env: string) =>
      unwrap(api.POST("/api/admin/environments/{env_id}/stop", { params: { path: { env_id: env } } })),
    onSuccess: (updated: AdminEnvironment) => replaceRow(client, adminKeys.environments, updated),
  });
}

export function useAdminUsers(after: number | null) {
  return useQuery({
    queryKey: adminKeys.userList(after),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/admin/users", {
          params: { query: after === null ? { limit: USER_PAGE } : { after, limit: USER_PAGE } },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useChangeRole() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ user, role }: { user: number; role: Role }) =>
      unwrap(api.PATCH("/api/admin/users/{user_id}", { params: { path: { user_id: user } }, body: { role } })),
    onSuccess: (updated: AdminUser) => replaceRow(client, adminKeys.users, updated),
  });
}

export function useAdminUser(user: number) {
  return useQuery({
    queryKey: adminKeys.user(user),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/admin/users/{user_id}", { params: { path: { user_id: user } }, signal })),
  });
}

/** A user's recent mail with each one's delivery state, and their address's suppression. */
export function useUserMail(user: number) {
  return useQuery({
    queryKey: adminKeys.userMail(user),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/admin/users/{user_id}/mail", { params: { path: { user_id: user } }, signal })),
  });
}

/** Let the user's address receive mail again; the Mail section shows the answer. */
export function useLiftSuppression() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (user: number) =>
      unwrap(api.DELETE("/api/admin/users/{user_id}/mail/suppression", { params: { path: { user_id: user } } })),
    onSuccess: (mail: UserMail, user: number) => client.setQueryData(adminKeys.userMail(user), mail),
  });
}

export function useAdminOrganizations(after: string | null) {
  return useQuery({
    queryKey: adminKeys.organizationList(after),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/admin/organizations", { params: { query: { after, limit: ORGANIZATION_PAGE } }, signal })),
    placeholderData: keepPreviousData,
  });
}

/** The Metrics page's figures over the last `days` UTC days; the range shown stays while the next loads. */
export function useMetrics(days: number, refreshMs: number | false) {
  return useQuery({
    queryKey: adminKeys.metrics(days),
    queryFn: ({ signal }) => unwrap(api.GET("/api/admin/metrics", { params: { query: { days } }, signal })),
    placeholderData: keepPreviousData,
    refetchInterval: refreshMs,
  });
}
