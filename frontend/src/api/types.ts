/**
 * Shapes of the Practica HTTP API, generated from the server's OpenAPI schema.
 *
 * `make openapi` writes `src/practica/web/openapi.json` from the routes and runs
 * `npm run gen:api`, which writes `schema.d.ts`; a server test keeps the JSON in
 * step with the routes, and `npm run typecheck` these names with the JSON.
 */
import type { components } from "./schema";

type Schemas = components["schemas"];

export type Role = Schemas["Role"];
export type OrganizationMembership = Schemas["MyOrganization"];
export type Me = Schemas["Me"];
export type MessageResponse = Schemas["Message"];

export interface ErrorBody {
  detail?: unknown;
  retry_after?: number;
}

export type LessonSummary = Schemas["LessonSummary"];
export type Course = Schemas["CourseView"];
export type Check = Schemas["CheckView"];
export type CheckStatus = Check["status"];
export type TestResult = Schemas["TestResult"];
export type TestStatus = TestResult["status"];
export type Lesson = Schemas["LessonView"];
export type Environment = Schemas["EnvironmentView"];
export type EnvironmentStatus = Environment["status"];
export type ActivityEntry = Schemas["ActivityEntry"];
export type ActivityPage = Schemas["ActivityPage"];

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
