import { afterEach, describe, expect, it, vi } from "vitest";
import { fetchSystemStatus } from "./api/queries/system";

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("fetchSystemStatus", () => {
  it("returns the parsed body of GET /api/system", async () => {
    const body = { version: "0.1.0", environment: "development", database: "external", queued_jobs: 3 };
    const fetchMock = vi.fn(() => Promise.resolve(new Response(JSON.stringify(body), { status: 200 })));
    vi.stubGlobal("fetch", fetchMock);

    await expect(fetchSystemStatus()).resolves.toEqual(body);
    expect(fetchMock).toHaveBeenCalledWith("/api/system", expect.objectContaining({}));
  });

  it("throws an Error naming the HTTP status on a non-2xx response", async () => {
    vi.stubGlobal("fetch", vi.fn(() => Promise.resolve(new Response("nope", { status: 502 }))));

    await expect(fetchSystemStatus()).rejects.toThrow(/HTTP 502/);
  });
});
