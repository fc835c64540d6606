import { notifyManager, QueryClientProvider } from "@tanstack/react-query";
import { render as renderElement, type RenderOptions } from "@testing-library/react";
import type { ReactElement, ReactNode } from "react";
import { afterEach, beforeEach, vi } from "vitest";
import { createQueryClient } from "./api/queryClient";

// The app's query client tells React of new data after a zero timeout; here it does so in a microtask,
// so that an awaited act() (or fake timers advanced) sees the page as it is once the answer is in.
notifyManager.setScheduler(queueMicrotask);

/** Testing Library's `render` inside a query client of its own (as the app's `App` gives its pages). */
export function render(ui: ReactElement, options: Omit<RenderOptions, "wrapper"> = {}) {
  const client = createQueryClient();
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={client}>{children}</QueryClientProvider>
  );
  return renderElement(ui, { ...options, wrapper });
}

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

export interface RecordedCall {
  method: string;
  url: string;
  headers: Headers;
  body: unknown;
}

type Handler = (call: RecordedCall) => Response | Promise<Response>;

/**
 * A `fetch` mock that dispatches on "METHOD path" (path without the query
 * string, or a full URL for other origins) and records every call.
 */
export function mockFetch(routes: Record<string, Handler | Response>) {
  const calls: RecordedCall[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const raw = typeof input === "string" ? input : input instanceof URL ? input.toString() : input.url;
    const url = new URL(raw, "http://localhost:3000");
    const method = (init.method ?? "GET").toUpperCase();
    let body: unknown = init.body ?? null;
    if (typeof body === "string") {
      try {
        body = JSON.parse(body);
      } catch {
        // keep the text
      }
    }
    const call: RecordedCall = { method, url: raw, headers: new Headers(init.headers), body };
    calls.push(call);
    const local = url.origin === "http://localhost:3000" && !raw.startsWith("http");
    const key = `${method} ${local ? url.pathname : `${url.origin}${url.pathname}`}`;
    const route = routes[key];
    if (!route) return jsonResponse({ detail: `no mock for ${key}` }, 599);
    return route instanceof Response ? route.clone() : route(call);
  });
  vi.stubGlobal("fetch", fn);
  return { fn, calls };
}

export function setCookie(name: string, value: string | null) {
  document.cookie =
    value === null ? `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/` : `${name}=${value}; path=/`;
}

/** Each test of the file runs with a CSRF cookie set, and afterwards the cookie and any stubbed fetch are gone. */
export function signedInWithCsrfCookie() {
  beforeEach(() => setCookie("practica_csrf", "c"));
  afterEach(() => {
    setCookie("practica_csrf", null);
    vi.unstubAllGlobals();
  });
}
