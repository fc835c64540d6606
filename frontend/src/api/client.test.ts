import { afterEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, mockFetch, setCookie } from "../test-utils";
import { api, ApiError, apiRequest, CSRF_HEADER, readCookie } from "./client";

afterEach(() => {
  setCookie("practica_csrf", null);
  vi.unstubAllGlobals();
});

describe("apiRequest", () => {
  it("sends the CSRF cookie value as X-CSRF-Token on POST", async () => {
    setCookie("practica_csrf", "tok123");
    const { calls } = mockFetch({ "POST /api/auth/signin": jsonResponse({ id: 1 }) });

    await expect(apiRequest("/api/auth/signin", { method: "POST", json: { email: "a@b.c" } })).resolves.toEqual({
      id: 1,
    });

    expect(calls).toHaveLength(1);
    expect(calls[0]!.headers.get(CSRF_HEADER)).toBe("tok123");
    expect(calls[0]!.headers.get("Content-Type")).toBe("application/json");
    expect(calls[0]!.body).toEqual({ email: "a@b.c" });
  });

  it("posts FormData with the CSRF header and no Content-Type of its own", async () => {
    setCookie("practica_csrf", "tok9");
    const { calls } = mockFetch({ "POST /api/authoring/imports": jsonResponse({ id: 3 }, 201) });
    const form = new FormData();
    form.append("archive", new File(["x"], "course.zip"));

    await expect(api.postForm("/api/authoring/imports", form)).resolves.toEqual({ id: 3 });

    expect(calls[0]!.headers.get(CSRF_HEADER)).toBe("tok9");
    expect(calls[0]!.headers.has("Content-Type")).toBe(false);
    expect(calls[0]!.body).toBe(form);
  });

  it("does not send the CSRF header on GET", async () => {
    setCookie("practica_csrf", "tok123");
    const { calls } = mockFetch({ "GET /api/me": jsonResponse({ id: 1 }) });

    await apiRequest("/api/me");

    expect(calls[0]!.headers.has(CSRF_HEADER)).toBe(false);
  });

  it("fetches /api/auth/csrf first when the cookie is missing", async () => {
    const { calls } = mockFetch({
      "GET /api/auth/csrf": () => {
        setCookie("practica_csrf", "fresh");
        return new Response(null, { status: 204 });
      },
      "DELETE /api/things/1": new Response(null, { status: 204 }),
    });

    await expect(apiRequest("/api/things/1", { method: "DELETE" })).resolves.toBeNull();

    expect(calls.map((call) => `${call.method} ${call.url}`)).toEqual([
      "GET /api/auth/csrf",
      "DELETE /api/things/1",
    ]);
    expect(calls[1]!.headers.get(CSRF_HEADER)).toBe("fresh");
    expect(readCookie("practica_csrf")).toBe("fresh");
  });

  it("throws an ApiError carrying the JSON detail, status and body", async () => {
    setCookie("practica_csrf", "t");
    mockFetch({
      "POST /api/courses/c/lessons/l/checks": jsonResponse({ detail: "Too many checks", retry_after: 12 }, 429),
    });

    const error = await apiRequest("/api/courses/c/lessons/l/checks", { method: "POST" }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(429);
    expect(apiError.detail).toBe("Too many checks");
    expect(apiError.message).toBe("Too many checks");
    expect(apiError.body).toEqual({ detail: "Too many checks", retry_after: 12 });
    expect(apiError.retryAfter).toBe(12);
  });

  it("uses 'HTTP <status>' as the detail when the body has none", async () => {
    mockFetch({ "GET /api/courses": new Response("Bad gateway", { status: 502 }) });

    const error = (await apiRequest("/api/courses").catch((e: unknown) => e)) as ApiError;

    expect(error).toBeInstanceOf(ApiError);
    expect(error.detail).toBe("HTTP 502");
    expect(error.body).toBe("Bad gateway");
  });

  it("joins validation messages when detail is a list", async () => {
    setCookie("practica_csrf", "t");
    mockFetch({
      "POST /api/auth/signup": jsonResponse(
        { detail: [{ loc: ["body", "password"], msg: "Password is too short", type: "value_error" }] },
        422,
      ),
    });

    await expect(apiRequest("/api/auth/signup", { method: "POST", json: {} })).rejects.toMatchObject({
      status: 422,
      detail: "Password is too short",
    });
  });
});
