/**
 * The one client of the Practica API (same origin, cookie session).
 *
 * `api` is typed from the server's OpenAPI schema (openapi-fetch over the
 * generated `schema.d.ts`): `api.GET("/api/courses/{course_id}", { params: { path: { course_id } } })`
 * checks the path, its parameters, the body and the answer with tsc, so no URL
 * is written by hand. Pages do not call it either: they use the TanStack Query
 * hooks of `api/queries/`, which do.
 *
 * Every call goes through {@link apiRequest}'s transport:
 * - the session cookie is sent (`credentials: "same-origin"`);
 * - every state-changing request (POST/PUT/PATCH/DELETE) carries the
 *   `X-CSRF-Token` header, whose value is the `practica_csrf` cookie; when the
 *   cookie is missing, `GET /api/auth/csrf` is called once to have it set;
 * - a non-2xx answer throws an {@link ApiError} carrying the server's `detail`.
 */
import createClient, { type MethodResponse } from "openapi-fetch";
import type { paths } from "./schema";

export const CSRF_COOKIE = "practica_csrf";
export const CSRF_HEADER = "X-CSRF-Token";

const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export class ApiError extends Error {
  readonly status: number;
  /** The JSON `detail` string of the answer, or `HTTP <status>`. */
  readonly detail: string;
  /** The parsed body (JSON when possible, else the text, else null). */
  readonly body: unknown;

  constructor(status: number, detail: string, body: unknown) {
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
    this.body = body;
  }

  /** `retry_after` (seconds) from a 429 body, when the server sent one. */
  get retryAfter(): number | null {
    const body = this.body;
    if (body && typeof body === "object" && "retry_after" in body) {
      const value = Number(body.retry_after);
      if (Number.isFinite(value)) return value;
    }
    return null;
  }
}

/** Read a cookie by name from `document.cookie`. */
export function readCookie(name: string): string | null {
  if (typeof document === "undefined") return null;
  for (const part of document.cookie.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return null;
}

let csrfRequest: Promise<void> | null = null;

/** Make sure the CSRF cookie exists; returns its value (or null if the server did not set it). */
export async function ensureCsrfToken(): Promise<string | null> {
  const existing = readCookie(CSRF_COOKIE);
  if (existing) return existing;
  if (!csrfRequest) {
    csrfRequest = fetch("/api/auth/csrf", { method: "GET", credentials: "same-origin" })
      .then(() => undefined)
      .finally(() => {
        csrfRequest = null;
      });
  }
  try {
    await csrfRequest;
  } catch {
    // The real request below will fail with a proper error if this mattered.
  }
  return readCookie(CSRF_COOKIE);
}

/** Turn a FastAPI-style `detail` into a readable string, if possible. */
export function detailText(body: unknown): string | null {
  if (!body || typeof body !== "object" || !("detail" in body)) return null;
  const detail = body.detail;
  if (typeof detail === "string" && detail) return detail;
  if (Array.isArray(detail)) {
    // Validation errors: [{loc, msg, type}, ...]
    const messages = detail
      .map((item: unknown) => (item && typeof item === "object" && "msg" in item ? String(item.msg) : null))
      .filter((msg): msg is string => !!msg);
    if (messages.length > 0) return messages.join("; ");
  }
  return null;
}

/** Parse a response body: JSON when it says so (or looks like it), text otherwise, null when empty. */
export async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204 || response.status === 205) return null;
  const text = await response.text();
  if (!text) return null;
  const type = response.headers.get("Content-Type") ?? "";
  if (type.includes("json") || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/** Build an ApiError from a non-2xx response. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await readBody(response);
  } catch {
    body = null;
  }
  return new ApiError(response.status, detailText(body) ?? `HTTP ${response.status}`, body);
}

interface Outgoing {
  method: string;
  headers: Headers;
  body?: BodyInit | null | undefined;
  signal?: AbortSignal | null;
}

/** Send one request to the API: the session cookie, the CSRF header when it changes state, an ApiError unless 2xx. */
async function send(path: string, { method, headers, body, signal }: Outgoing): Promise<Response> {
  if (!headers.has("Accept")) headers.set("Accept", "application/json");
  if (UNSAFE_METHODS.has(method)) {
    const token = await ensureCsrfToken();
    if (token) headers.set(CSRF_HEADER, token);
  }
  const init: RequestInit = { method, headers, credentials: "same-origin" };
  if (body !== undefined && body !== null) init.body = body;
  if (signal) init.signal = signal;
  const response = await fetch(path, init);
  if (!response.ok) throw await errorFromResponse(response);
  return response;
}

export interface RequestOptions {
  method?: string;
  /** Serialized as JSON. */
  json?: unknown;
  /** A multipart body (file uploads); the browser sets Content-Type with its boundary. */
  form?: FormData;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/**
 * The transport below {@link api}, by path: resolves with the parsed JSON body
 * (null for 204), throws an ApiError for a non-2xx status.
 */
export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const hasBody = options.json !== undefined || options.form !== undefined;
  const method = (options.method ?? (hasBody ? "POST" : "GET")).toUpperCase();
  const headers = new Headers(options.headers);
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    body = options.form;
  }
  const response = await send(path, { method, headers, body, signal: options.signal ?? null });
  return (await readBody(response)) as T;
}

/**
 * What openapi-fetch builds for each call, kept as it is: the path stays
 * relative and the body stays the JSON text or the FormData it was given (a
 * real `Request` would need an absolute URL and turn the body into a stream).
 * {@link send} then makes the one `fetch(path, init)` of the call.
 */
class PlannedRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: BodyInit | null;
  readonly signal: AbortSignal | null;

  constructor(url: string, init: RequestInit = {}) {
    this.url = url;
    this.method = (init.method ?? "GET").toUpperCase();
    this.headers = new Headers(init.headers);
    this.body = init.body ?? null;
    this.signal = init.signal ?? null;
  }
}

const typed = createClient<paths>({
  Request: PlannedRequest as unknown as typeof Request,
  fetch: (request) => send(request.url, request),
});

type PostPath = {
  [P in keyof paths]: paths[P] extends { post: object } ? P : never;
}[keyof paths];

/** POST a multipart form (an upload) to a path of the schema; keeps the CSRF header, sets no Content-Type. */
function postForm<P extends PostPath>(path: P, form: FormData) {
  return apiRequest<MethodResponse<typeof typed, "post", P>>(path, { method: "POST", form });
}

/** The typed client: `GET`, `POST`, `PUT`, `PATCH`, `DELETE` by the schema's paths, and `postForm` for uploads. */
export const api = { ...typed, postForm };

/**
 * The answer's body of a typed call (undefined for 204). A non-2xx answer
 * never comes back as openapi-fetch's `error`: the transport threw an ApiError.
 */
export async function unwrap<T>(call: Promise<{ data?: T }>): Promise<T> {
  const { data } = await call;
  return data as T;
}

/** A readable message for any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.detail;
  if (error instanceof Error) return error.message;
  return String(error);
}
