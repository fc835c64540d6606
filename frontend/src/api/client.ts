/**
 * The one fetch wrapper for the Practica API (same origin, cookie session).
 *
 * - Every state-changing request (POST/PUT/PATCH/DELETE) carries the
 *   `X-CSRF-Token` header, whose value is the `practica_csrf` cookie. When the
 *   cookie is missing, `GET /api/auth/csrf` is called once to have it set.
 * - A non-2xx answer throws an {@link ApiError}.
 */

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
      const value = Number((body as { retry_after: unknown }).retry_after);
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
  const detail = (body as { detail: unknown }).detail;
  if (typeof detail === "string" && detail) return detail;
  if (Array.isArray(detail)) {
    // Validation errors: [{loc, msg, type}, ...]
    const messages = detail
      .map((item: unknown) =>
        item && typeof item === "object" && "msg" in item ? String((item as { msg: unknown }).msg) : null,
      )
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
 * Call the API. Resolves with the parsed JSON body (null for 204), throws an
 * ApiError for a non-2xx status.
 */
export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const hasBody = options.json !== undefined || options.form !== undefined;
  const method = (options.method ?? (hasBody ? "POST" : "GET")).toUpperCase();
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  const init: RequestInit = { method, headers, credentials: "same-origin" };
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    init.body = options.form;
  }
  if (options.signal) init.signal = options.signal;
  if (UNSAFE_METHODS.has(method)) {
    const token = await ensureCsrfToken();
    if (token) headers[CSRF_HEADER] = token;
  }
  const response = await fetch(path, init);
  if (!response.ok) throw await errorFromResponse(response);
  return (await readBody(response)) as T;
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) =>
    apiRequest<T>(path, signal ? { method: "GET", signal } : { method: "GET" }),
  post: <T>(path: string, json?: unknown) =>
    apiRequest<T>(path, json === undefined ? { method: "POST" } : { method: "POST", json }),
  /** POST a multipart form (e.g. a file upload); keeps the CSRF header, sets no Content-Type. */
  postForm: <T>(path: string, form: FormData) => apiRequest<T>(path, { method: "POST", form }),
  put: <T>(path: string, json?: unknown) =>
    apiRequest<T>(path, json === undefined ? { method: "PUT" } : { method: "PUT", json }),
  patch: <T>(path: string, json?: unknown) =>
    apiRequest<T>(path, json === undefined ? { method: "PATCH" } : { method: "PATCH", json }),
  delete: <T>(path: string) => apiRequest<T>(path, { method: "DELETE" }),
};

/** A readable message for any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.detail;
  if (error instanceof Error) return error.message;
  return String(error);
}
