import { api } from "./client";
import type {
  ActivityPage,
  ActivityQuery,
  AdminEnvironment,
  AdminUser,
  Check,
  Course,
  DraftPage,
  DraftView,
  Environment,
  EnvironmentPage,
  EnvironmentStatus,
  GitImport,
  InvitationCreate,
  InvitationCreated,
  JobPage,
  JobQuery,
  JobView,
  Lesson,
  Me,
  MessageResponse,
  OrganizationCreate,
  OrganizationDetail,
  OrganizationMembership,
  OrganizationOut,
  OrganizationPage,
  PendingInvitation,
  PublishedDraft,
  PublishRequest,
  QueueCounts,
  Role,
  UserPage,
} from "./types";

const seg = (value: string | number) => encodeURIComponent(String(value));

/**
 * Paged lists (admin, authoring) answer `{items, next_after}`: `next_after` is
 * the `after` of the next page, null on the last one.
 */

/** `?a=1&b=2` from the set (non-empty) values, or "" when there are none. */
export function queryString(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

function lessonPath(course: string | number, slug: string): string {
  return `/api/courses/${seg(course)}/lessons/${seg(slug)}`;
}

// Accounts
export const getMe = (signal?: AbortSignal) => api.get<Me>("/api/me", signal);
export const signUp = (body: { email: string; password: string; display_name: string }) =>
  api.post<MessageResponse>("/api/auth/signup", body);
export const confirmEmail = (token: string) => api.post<MessageResponse>("/api/auth/confirm", { token });
export const signIn = (body: { email: string; password: string }) => api.post<Me>("/api/auth/signin", body);
export const signOut = () => api.post<null>("/api/auth/signout");
export const requestPasswordReset = (email: string) =>
  api.post<MessageResponse>("/api/auth/reset-request", { email });
export const resetPassword = (token: string, password: string) =>
  api.post<MessageResponse>("/api/auth/reset", { token, password });

// Learning
export const getCourses = (signal?: AbortSignal) => api.get<Course[]>("/api/courses", signal);
export const getCourse = (course: string | number, signal?: AbortSignal) =>
  api.get<Course>(`/api/courses/${seg(course)}`, signal);
export const getLesson = (course: string | number, slug: string, signal?: AbortSignal) =>
  api.get<Lesson>(lessonPath(course, slug), signal);
/** The learner's environment of a lesson: POST starts (or returns) it, GET reads its state. */
export const environmentPath = (course: string | number, slug: string) => `${lessonPath(course, slug)}/environment`;
export const startEnvironment = (course: string | number, slug: string) =>
  api.post<Environment>(environmentPath(course, slug));
export const getEnvironment = (course: string | number, slug: string) =>
  api.get<Environment>(environmentPath(course, slug));
export const resetLessonFiles = (course: string | number, slug: string) =>
  api.post<Environment>(`${lessonPath(course, slug)}/reset`);
export const startCheck = (course: string | number, slug: string) =>
  api.post<Check>(`${lessonPath(course, slug)}/checks`);
export const getCheck = (id: number, signal?: AbortSignal) => api.get<Check>(`/api/checks/${seg(id)}`, signal);

// Activity
/** The signed-in user's history (`scope=mine`, the default), a lesson's history or an organisation's audit. */
export const getActivity = (query: ActivityQuery = {}, signal?: AbortSignal) =>
  api.get<ActivityPage>(`/api/activity${queryString(query)}`, signal);

// Authoring
const draftPath = (draft: number) => `/api/authoring/imports/${seg(draft)}`;
export const listDrafts = (after?: number | null, limit?: number, signal?: AbortSignal) =>
  api.get<DraftPage>(`/api/authoring/imports${queryString({ after, limit })}`, signal);
export const importFromGit = (body: GitImport) => api.post<DraftView>("/api/authoring/imports", body);
export const importArchive = (archive: File) => {
  const form = new FormData();
  form.append("archive", archive, archive.name);
  return api.postForm<DraftView>("/api/authoring/imports", form);
};
export const getDraft = (draft: number, signal?: AbortSignal) => api.get<DraftView>(draftPath(draft), signal);
/** A draft lesson's preview environment: POST opens it, GET reads its state (as {@link environmentPath}). */
export const previewPath = (draft: number, slug: string) => `${draftPath(draft)}/lessons/${seg(slug)}/preview`;
/** Publish a valid draft; one with flaky tests only with `allow_flaky` (409 naming them otherwise). */
export const publishDraft = (draft: number, body: PublishRequest = { allow_flaky: false }) =>
  api.post<PublishedDraft>(`${draftPath(draft)}/publish`, body);
/** Delete a draft, its unpublished version and its previews (409 while its job runs). */
export const deleteDraft = (draft: number) => api.delete<null>(draftPath(draft));
/** Put the draft's starter files back into the author's preview of a lesson. */
export const resetPreview = (draft: number, slug: string) =>
  api.post<Environment>(`${previewPath(draft, slug)}/reset`);

// Admin
export const getJobSummary = (signal?: AbortSignal) => api.get<QueueCounts[]>("/api/admin/jobs/summary", signal);
export const listJobs = (query: JobQuery = {}, signal?: AbortSignal) =>
  api.get<JobPage>(`/api/admin/jobs${queryString(query)}`, signal);
export const retryJob = (job: number) => api.post<JobView>(`/api/admin/jobs/${seg(job)}/retry`);
export const cancelJob = (job: number) => api.post<JobView>(`/api/admin/jobs/${seg(job)}/cancel`);
/** Mark a stalled job (doing, its worker gone) failed. */
export const failJob = (job: number) => api.post<JobView>(`/api/admin/jobs/${seg(job)}/fail`);
export const listAdminEnvironments = (
  status?: EnvironmentStatus | null,
  after?: string | null,
  limit?: number,
  signal?: AbortSignal,
) => api.get<EnvironmentPage>(`/api/admin/environments${queryString({ status, after, limit })}`, signal);
export const stopAdminEnvironment = (env: string) =>
  api.post<AdminEnvironment>(`/api/admin/environments/${seg(env)}/stop`);
export const listUsers = (after?: number | null, limit?: number, signal?: AbortSignal) =>
  api.get<UserPage>(`/api/admin/users${queryString({ after, limit })}`, signal);
export const changeUserRole = (user: number, role: Role) =>
  api.patch<AdminUser>(`/api/admin/users/${seg(user)}`, { role });

// Organisations
const orgPath = (slug: string) => `/api/organizations/${seg(slug)}`;
export const createOrganization = (body: OrganizationCreate) =>
  api.post<OrganizationOut>("/api/organizations", body);
export const getOrganization = (slug: string, signal?: AbortSignal) =>
  api.get<OrganizationDetail>(orgPath(slug), signal);
export const createInvitation = (slug: string, body: InvitationCreate) =>
  api.post<InvitationCreated>(`${orgPath(slug)}/invitations`, body);
/** The invitations that can still be accepted, newest first (the organisation's admins only). */
export const listInvitations = (slug: string, signal?: AbortSignal) =>
  api.get<PendingInvitation[]>(`${orgPath(slug)}/invitations`, signal);
export const revokeInvitation = (slug: string, invitation: number) =>
  api.delete<null>(`${orgPath(slug)}/invitations/${seg(invitation)}`);
export const removeMember = (slug: string, user: number) =>
  api.delete<null>(`${orgPath(slug)}/members/${seg(user)}`);
export const acceptInvitation = (token: string) =>
  api.post<OrganizationMembership>(`/api/invitations/${seg(token)}/accept`);
export const listAdminOrganizations = (after: string | null, limit?: number, signal?: AbortSignal) =>
  api.get<OrganizationPage>(`/api/admin/organizations${queryString({ after, limit })}`, signal);
