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
    const response = await this.send(this.url("/files", { path }), {
      method: "GET",
      headers: { Accept: "application/octet-stream" },
    });
    return new Uint8Array(await response.arrayBuffer());
  }

  /** Write a file (creating it when missing). */
  async write(path: string, content: string | Uint8Array, mode?: string): Promise<void> {
    const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
    const query: Record<string, string> = { path };
    if (mode) query.mode = mode;
    await this.send(this.url("/files", query), {
      method: "PUT",
      headers: { "Content-Type": "application/octet-stream" },
      body: bytes as BodyInit,
    });
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

/** Decode bytes as UTF-8 text; null when they are not valid UTF-8 (a binary file). */
export function decodeText(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}
