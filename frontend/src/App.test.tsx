import { render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("App", () => {
  it("renders the product header and the system status section", async () => {
    const fetchMock = vi.fn(() =>
      Promise.resolve(
        new Response(
          JSON.stringify({ version: "0.1.0", environment: "development", database: "embedded", queued_jobs: 0 }),
          { status: 200, headers: { "Content-Type": "application/json" } },
        ),
      ),
    );
    vi.stubGlobal("fetch", fetchMock);

    render(<App />);

    expect(screen.getByRole("heading", { level: 1, name: "Practica" })).toBeInTheDocument();
    expect(screen.getByText("Practical programming lessons in real environments")).toBeInTheDocument();
    expect(screen.getByRole("region", { name: "System status" })).toBeInTheDocument();
    expect(await screen.findByText("development")).toBeInTheDocument();
    expect(fetchMock).toHaveBeenCalledWith("/api/system", expect.anything());
  });
});
