/**
 * Client for the environment gateway (a different origin).
 *
 * Authenticated with `Authorization: Bearer <token>`; no cookies, no CSRF.
 * Tokens are short-lived, so the token is read through a getter on every call,
 * and a 401 triggers one token refresh and one retry.
 */
import { ApiError, errorFromResponse, readBody } from "./client";
import type { DirectoryListing } from "./types";

export const WORKSPACE_ROOT = ".";

export interface GatewayOptions {
  gatewayUrl: string;
  environmentId: string | number;
  getToken: () => string;
  /** Called after a 401; should resolve with a fresh token. */
  refreshToken?: () => Promise<string>;
}

/** Join a directory path (root is ".") and a name. */
export function joinPath(dir: string, name: string): string {
  if (!dir || dir === WORKSPACE_ROOT) return name;
  return `${dir.replace(/\/+$/, "")}/${name}`;
}

/** The directory part of a path ("." for a top-level name). */
export function parentPath(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? WORKSPACE_ROOT : path.slice(0, slash);
}

/** The last segment of a path. */
export function baseName(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? path : path.slice(slash + 1);
}

/** Base URL of the gateway, absolute, without a trailing slash. */
export function gatewayBase(gatewayUrl: string): string {
  const base = typeof window !== "undefined" ? window.location.href : "http://localhost/";
  return new URL(gatewayUrl, base).toString().replace(/\/+$/, "");
}

/** The terminal WebSocket URL for an environment. */
export function terminalUrl(
  gatewayUrl: string,
  environmentId: string | number,
  params: { token: string; session?: string; cols: number; rows: number },
): string {
  const url = new URL(gatewayBase(gatewayUrl));
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/environments/${encodeURIComponent(String(environmentId))}/terminal`;
  url.search = new URLSearchParams({
    token: params.token,
    session: params.session ?? "main",
    cols: String(params.cols),
    rows: String(params.rows),
  }).toString();
  return url.toString();
}

/** The file-watch WebSocket URL for an environment (see the gateway's `files/watch`). */
export function watchUrl(gatewayUrl: string, environmentId: string | number, token: string): string {
  const url = new URL(gatewayBase(gatewayUrl));
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/environments/${encodeURIComponent(String(environmentId))}/files/watch`;
  url.search = new URLSearchParams({ token }).toString();
  return url.toString();
}

/** A file's bytes and its version (the gateway's ETag, as sent). */
export interface VersionedBytes {
  bytes: Uint8Array;
  etag: string | null;
}

/** When a write may happen: over the version `ifMatch` only, or only where no file is (`createOnly`). */
export interface WriteCondition {
  ifMatch?: string;
  createOnly?: boolean;
}

/** A conditional write found another version on disk (HTTP 412); nothing was written. */
export class VersionConflictError extends Error {
  /** The version on disk (an ETag), null when the file is missing. */
  readonly current: string | null;

  constructor(path: string, current: string | null) {
    super(`${path} changed on disk`);
    this.name = "VersionConflictError";
    this.current = current;
  }
}

export class GatewayClient {
  private readonly options: GatewayOptions;

  constructor(options: GatewayOptions) {
    this.options = options;
  }

  private url(suffix: string, query: Record<string, string> = {}): string {
    const search = new URLSearchParams(query).toString();
    const env = encodeURIComponent(String(this.options.environmentId));
    return `${gatewayBase(this.options.gatewayUrl)}/environments/${env}${suffix}${search ? `?${search}` : ""}`;
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    const attempt = (token: string) =>
      fetch(url, {
        ...init,
        credentials: "omit",
        headers: { ...(init.headers as Record<string, string>), Authorization: `Bearer ${token}` },
      });
    let response = await attempt(this.options.getToken());
    if (response.status === 401 && this.options.refreshToken) {
      let token: string | null = null;
      try {
        token = await this.options.refreshToken();
      } catch {
        token = null;
      }
      if (token) response = await attempt(token);
    }
    if (!response.ok) throw await errorFromResponse(response);
    return response;
  }

  /** List one directory ("." is the workspace root). */
  async list(dir: string = WORKSPACE_ROOT): Promise<DirectoryListing> {
    const response = await this.send(this.url("/files", { path: dir }), {
      method: "GET",
      headers: { Accept: "application/json" },
    });
    const body = await readBody(response);
    if (!body || typeof body !== "object" || !Array.isArray((body as DirectoryListing).entries)) {
      throw new ApiError(response.status, `${dir} is not a directory`, body);
    }
    return body as DirectoryListing;
  }

  /** Read a file's raw bytes. */
  async readBytes(path: string): Promise<Uint8Array> {
    return (await this.read(path)).bytes;
  }

  /** Read a file's raw bytes and its version. */
  async read(path: string): Promise<VersionedBytes> {
    const response = await this.send(this.url("/files", { path }), {
      method: "GET",
      headers: { Accept: "application/octet-stream" },
      cache: "no-store",
    });
    return { bytes: new Uint8Array(await response.arrayBuffer()), etag: response.headers.get("ETag") };
  }

  /**
   * Write a file (creating it when missing); resolves with its new version.
   * With a `condition` the gateway refuses (nothing written) when the file is not as expected:
   * that rejects with {@link VersionConflictError}.
   */
  async write(
    path: string,
    content: string | Uint8Array,
    mode?: string,
    condition: WriteCondition = {},
  ): Promise<string | null> {
    const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
    const query: Record<string, string> = { path };
    if (mode) query.mode = mode;
    const headers: Record<string, string> = { "Content-Type": "application/octet-stream" };
    if (condition.ifMatch) headers["If-Match"] = condition.ifMatch;
    else if (condition.createOnly) headers["If-None-Match"] = "*";
    try {
      const response = await this.send(this.url("/files", query), { method: "PUT", headers, body: bytes as BodyInit });
      return response.headers.get("ETag");
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) throw new VersionConflictError(path, currentVersion(error));
      throw error;
    }
  }

  async remove(path: string): Promise<void> {
    await this.send(this.url("/files", { path }), { method: "DELETE" });
  }

  async rename(source: string, target: string): Promise<void> {
    await this.send(this.url("/files/rename"), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ source, target }),
    });
  }
}

function currentVersion(error: ApiError): string | null {
  const body = error.body as { etag?: unknown } | null;
  return body && typeof body.etag === "string" ? `"${body.etag}"` : null;
}

/** Decode bytes as UTF-8 text; null when they are not valid UTF-8 (a binary file). */
export function decodeText(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}
