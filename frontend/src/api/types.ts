/**
 * Shapes of the Practica HTTP API, generated from the server's OpenAPI schema.
 *
 * `make openapi` writes `src/practica/web/openapi.json` from the routes and runs
 * `npm run gen:api`, which writes `schema.d.ts`; a server test keeps the JSON in
 * step with the routes, a front-end test keeps `schema.d.ts` in step with the
 * JSON, and `npm run typecheck` these names with `schema.d.ts`.
 */
import type { components, operations } from "./schema";

type Schemas = components["schemas"];

export type Role = Schemas["Role"];
export type OrganizationMembership = Schemas["MyOrganization"];
export type Me = Schemas["Me"];
export type MessageResponse = Schemas["Message"];
export type SystemStatus = Schemas["SystemStatus"];

export type LessonSummary = Schemas["LessonSummary"];
export type Course = Schemas["CourseView"];
export type Check = Schemas["CheckView"];
export type CheckStatus = Check["status"];
export type TestResult = Schemas["TestResult"];
export type TestStatus = TestResult["status"];
export type Lesson = Schemas["LessonView"];
export type LessonLink = Schemas["LessonLink"];
export type Environment = Schemas["EnvironmentView"];
export type EnvironmentStatus = Environment["status"];
export type ActivityEntry = Schemas["ActivityEntry"];
export type ActivityPage = Schemas["ActivityPage"];
export type InvitationInfo = Schemas["InvitationInfo"];

/** Gateway: one entry of a directory listing. */
export type FileKind = "file" | "directory" | "symlink" | (string & {});

export interface FileEntry {
  name: string;
  kind: FileKind;
  size: number;
  mode: string | number;
  modified: string | number;
}

export interface DirectoryListing {
  path: string;
  entries: FileEntry[];
}

// Activity views
export type ActivityQuery = NonNullable<operations["activity_api_activity_get"]["parameters"]["query"]>;
export type ActivityScope = NonNullable<ActivityQuery["scope"]>;

// Authoring
export type DraftProgress = Schemas["DraftProgress"];
export type DraftSummary = Schemas["DraftSummary"];
export type DraftStatus = DraftSummary["status"];
export type DraftLesson = Schemas["DraftLesson"];
export type DraftView = Schemas["DraftView"];
export type DraftPage = Schemas["DraftPage"];
export type ValidationReport = Schemas["ValidationReport"];
export type LessonReport = Schemas["LessonReport"];
export type RunReport = Schemas["RunReport"];
export type FlakyTest = Schemas["FlakyTest"];
export type PublishRequest = Schemas["PublishRequest"];
export type FormatProblem = Schemas["FormatProblem"];
export type FormatProblems = Schemas["FormatProblems"];
export type PublishedDraft = Schemas["PublishedDraft"];
export type GitImport =
  operations["import_course_api_authoring_imports_post"]["requestBody"]["content"]["application/json"];

// Admin
export type JobView = Schemas["JobView"];
export type JobStatus = JobView["status"];
export type JobPage = Schemas["JobPage"];
export type JobQuery = NonNullable<operations["jobs_api_admin_jobs_get"]["parameters"]["query"]>;
export type QueueCounts = Schemas["QueueCounts"];
export type MetricsView = Schemas["MetricsView"];
export type DayMetrics = Schemas["DayMetrics"];
export type LessonMetrics = Schemas["LessonMetrics"];
export type AdminEnvironment = Schemas["AdminEnvironment"];
export type EnvironmentPage = Schemas["EnvironmentPage"];
export type AdminUser = Schemas["AdminUser"];
export type UserPage = Schemas["UserPage"];
export type AdminOrganization = Schemas["AdminOrganization"];
export type OrganizationPage = Schemas["OrganizationPage"];
export type RoleChange = Schemas["RoleChange"];
export type UserMail = Schemas["UserMail"];
export type AdminMail = Schemas["AdminMail"];
export type MailState = AdminMail["state"];
export type AdminSuppression = Schemas["AdminSuppression"];

// Organisations
export type MemberRole = Schemas["MemberRole"];
export type MemberOut = Schemas["MemberOut"];
export type OrganizationDetail = Schemas["OrganizationDetail"];
export type OrganizationOut = Schemas["OrganizationOut"];
export type OrganizationCreate = Schemas["OrganizationCreate"];
export type InvitationCreate = Schemas["InvitationCreate"];
export type InvitationCreated = Schemas["InvitationCreated"];
export type PendingInvitation = Schemas["PendingInvitation"];
