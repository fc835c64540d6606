import { afterEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, mockFetch } from "../test-utils";
import { decodeText, GatewayClient, joinPath, parentPath, terminalUrl, watchUrl } from "./gateway";

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("gateway helpers", () => {
  it("builds the terminal WebSocket URL from the gateway URL", () => {
    expect(terminalUrl("https://gw.example.com/", "env-1", { token: "t k", cols: 80, rows: 24 })).toBe(
      "wss://gw.example.com/environments/env-1/terminal?token=t+k&session=main&cols=80&rows=24",
    );
    expect(terminalUrl("http://gw.local:8080/base", 7, { token: "x", cols: 100, rows: 30 })).toBe(
      "ws://gw.local:8080/base/environments/7/terminal?token=x&session=main&cols=100&rows=30",
    );
  });

  it("builds the file-watch WebSocket URL", () => {
    expect(watchUrl("https://gw.example.com/", "env-1", "t k")).toBe(
      "wss://gw.example.com/environments/env-1/files/watch?token=t+k",
    );
  });

  it("joins and splits workspace paths", () => {
    expect(joinPath(".", "a.py")).toBe("a.py");
    expect(joinPath("src", "a.py")).toBe("src/a.py");
    expect(parentPath("src/a.py")).toBe("src");
    expect(parentPath("a.py")).toBe(".");
  });

  it("decodes UTF-8 text and rejects binary", () => {
    expect(decodeText(new TextEncoder().encode("héllo"))).toBe("héllo");
    expect(decodeText(new Uint8Array([0xff, 0xfe, 0x00]))).toBeNull();
  });
});

describe("GatewayClient", () => {
  it("sends the bearer token without cookies and retries once after a 401 with a fresh token", async () => {
    let first = true;
    const { calls } = mockFetch({
      "GET https://gw.test/environments/e1/files": () => {
        if (first) {
          first = false;
          return jsonResponse({ detail: "expired" }, 401);
        }
        return jsonResponse({ path: ".", entries: [] });
      },
    });
    const refresh = vi.fn(async () => "new-token");
    const client = new GatewayClient({
      gatewayUrl: "https://gw.test",
      environmentId: "e1",
      getToken: () => "old-token",
      refreshToken: refresh,
    });

    await expect(client.list(".")).resolves.toEqual({ path: ".", entries: [] });

    expect(refresh).toHaveBeenCalledTimes(1);
    expect(calls.map((call) => call.headers.get("Authorization"))).toEqual(["Bearer old-token", "Bearer new-token"]);
    expect(calls[0]!.url).toBe("https://gw.test/environments/e1/files?path=.");
    expect(calls[0]!.headers.has("X-CSRF-Token")).toBe(false);
    expect(vi.mocked(fetch).mock.calls[0]![1]).toMatchObject({ credentials: "omit" });
  });
});
