import { api } from "./client";
import type {
  ActivityPage,
  Check,
  Course,
  Environment,
  Lesson,
  Me,
  MessageResponse,
} from "./types";

const seg = (value: string | number) => encodeURIComponent(String(value));

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
export const startEnvironment = (course: string | number, slug: string) =>
  api.post<Environment>(`${lessonPath(course, slug)}/environment`);
export const getEnvironment = (course: string | number, slug: string) =>
  api.get<Environment>(`${lessonPath(course, slug)}/environment`);
export const resetLessonFiles = (course: string | number, slug: string) =>
  api.post<Environment>(`${lessonPath(course, slug)}/reset`);
export const startCheck = (course: string | number, slug: string) =>
  api.post<Check>(`${lessonPath(course, slug)}/checks`);
export const getCheck = (id: number, signal?: AbortSignal) => api.get<Check>(`/api/checks/${seg(id)}`, signal);

// Activity
export const getActivity = (signal?: AbortSignal) => api.get<ActivityPage>("/api/activity", signal);
