import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Check } from "../api/types";
import { jsonResponse, mockFetch, render, setCookie } from "../test-utils";
import { MemoryRouter } from "react-router";
import { CheckPanel } from "./CheckPanel";

const base: Check = {
  id: 7,
  status: "queued",
  verdict: null,
  detail: "",
  queued_at: "2025-01-01T00:00:00Z",
  started_at: null,
  finished_at: null,
  tests: [],
  retried_because: null,
};

beforeEach(() => setCookie("practica_csrf", "csrf-1"));
afterEach(() => {
  setCookie("practica_csrf", null);
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("CheckPanel", () => {
  it("starts a check, polls until it passes and lists each test", async () => {
    const answers: Check[] = [
      { ...base, status: "running", started_at: "2025-01-01T00:00:01Z" },
      {
        ...base,
        status: "failed",
        verdict: "1 of 2 tests failed",
        finished_at: "2025-01-01T00:00:03Z",
        tests: [
          { name: "test_add", status: "pass", message: "", output: "", duration_s: 0.01 },
          {
            name: "test_sub",
            status: "fail",
            message: "assert 1 == 2\n  where 1 = sub(3, 2)",
            output: "",
            duration_s: 0.02,
          },
        ],
      },
    ];
    const { calls } = mockFetch({
      "POST /api/courses/py/lessons/intro/checks": jsonResponse(base, 202),
      "GET /api/checks/7": () => jsonResponse(answers.shift() ?? answers[0]),
    });
    const beforeCheck = vi.fn(async () => undefined);
    const onFinished = vi.fn();
    render(<CheckPanel courseId="py" slug="intro" beforeCheck={beforeCheck} onFinished={onFinished} pollIntervalMs={5} />);

    const status = screen.getByRole("status", { name: "Check status" });
    expect(status).toHaveTextContent("Not checked yet");
    await userEvent.click(screen.getByRole("button", { name: "Check" }));

    await waitFor(() => expect(status).toHaveTextContent("Failed"));
    expect(beforeCheck).toHaveBeenCalledTimes(1);
    expect(calls[0]).toMatchObject({ method: "POST", url: "/api/courses/py/lessons/intro/checks" });
    expect(calls[0]!.headers.get("X-CSRF-Token")).toBe("csrf-1");
    expect(calls.filter((call) => call.url === "/api/checks/7?wait=20")).toHaveLength(2);
    expect(onFinished).toHaveBeenCalledWith(expect.objectContaining({ id: 7, status: "failed" }));

    const results = screen.getByRole("list", { name: "Test results" });
    const items = within(results).getAllByRole("listitem");
    expect(items).toHaveLength(1);
    expect(items[0]).toHaveTextContent("test_sub");
    expect(items[0]).toHaveTextContent("Failed");
    const message = items[0]!.querySelector("pre");
    expect(message?.textContent).toBe("assert 1 == 2\n  where 1 = sub(3, 2)");
    expect(screen.getByRole("button", { name: "1 passed test" })).toHaveAttribute("aria-expanded", "false");
    expect(screen.getByText("1 of 2 tests passed")).toBeInTheDocument();
  });

  it("follows the check with long polls (wait=20), 100 ms apart, until it has passed", async () => {
    vi.useFakeTimers();
    const answers: Check[] = [
      { ...base, status: "running" },
      { ...base, status: "passed", tests: [{ name: "test_ok", status: "pass", message: "", output: "", duration_s: null }] },
    ];
    const { calls } = mockFetch({
      "POST /api/courses/py/lessons/intro/checks": jsonResponse(base, 202),
      "GET /api/checks/7": () => jsonResponse(answers.shift()),
    });
    render(<CheckPanel courseId="py" slug="intro" />);
    const polls = () => calls.filter((call) => call.url.startsWith("/api/checks/7"));

    fireEvent.click(screen.getByRole("button", { name: "Check" }));
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(screen.getByRole("status", { name: "Check status" })).toHaveTextContent("Queued");
    expect(screen.getByRole("button", { name: "Check" })).toBeDisabled();

    await act(() => vi.advanceTimersByTimeAsync(99));
    expect(polls()).toHaveLength(0);
    await act(() => vi.advanceTimersByTimeAsync(1));
    expect(polls().map((call) => call.url)).toEqual(["/api/checks/7?wait=20"]);
    expect(screen.getByRole("status", { name: "Check status" })).toHaveTextContent("Running");

    await act(() => vi.advanceTimersByTimeAsync(100));
    expect(polls()).toHaveLength(2);
    expect(screen.getByRole("status", { name: "Check status" })).toHaveTextContent("Passed");
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "1 passed test" })));
    expect(within(screen.getByRole("list", { name: "Passed tests" })).getByText("test_ok")).toBeInTheDocument();

    await act(() => vi.advanceTimersByTimeAsync(5000));
    expect(polls()).toHaveLength(2);
    expect(screen.getByRole("button", { name: "Check" })).toBeEnabled();
  });

  it("shows how long to wait when the server answers 429", async () => {
    mockFetch({
      "POST /api/courses/py/lessons/intro/checks": jsonResponse(
        { detail: "Too many checks, slow down", retry_after: 30 },
        429,
      ),
    });
    render(<CheckPanel courseId="py" slug="intro" />);

    await userEvent.click(screen.getByRole("button", { name: "Check" }));

    expect(await screen.findByText("Wait 30 s before the next check")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Check" })).toBeDisabled();
    expect(screen.getByRole("status", { name: "Check status" })).toHaveTextContent("Not checked yet");
  });

  it("resumes polling a check that was still running when the lesson loaded", async () => {
    mockFetch({
      "GET /api/checks/7": jsonResponse({ ...base, status: "error", detail: "The environment is not running" }),
    });
    render(<CheckPanel courseId="py" slug="intro" initialCheck={{ ...base, status: "running" }} pollIntervalMs={5} />);

    expect(await screen.findByText("Error")).toBeInTheDocument();
    expect(screen.getByText("The environment is not running")).toBeInTheDocument();
  });
  it("says a check was run again because the host was overloaded, and that it does not count", async () => {
    const overloaded: Check = {
      ...base,
      status: "error",
      verdict: "overloaded",
      detail: "The eval host was too busy to finish this check, twice. It does not count against you.",
      finished_at: "2025-01-01T00:00:12Z",
      retried_because: "the host was overloaded: the check ran 5.0 s with 0.4 s of CPU",
    };
    render(<CheckPanel courseId="py" slug="intro" initialCheck={overloaded} />);
    expect(screen.getByRole("status", { name: "Check status" })).toHaveTextContent("Error");
    expect(screen.getByRole("note", { name: "Checked again" })).toHaveTextContent(
      "Checked twice: the host was overloaded: the check ran 5.0 s with 0.4 s of CPU.",
    );
  });

  it("links the next lesson once the check passes, and not before", async () => {
    const passed: Check = { ...base, status: "passed", finished_at: "2025-01-01T00:00:03Z" };
    mockFetch({
      "POST /api/courses/py/lessons/intro/checks": jsonResponse({ ...base, status: "running" }, 202),
      "GET /api/checks/7": jsonResponse(passed),
    });
    const next = { slug: "loops", title: "Loops" };
    render(
      <MemoryRouter>
        <CheckPanel courseId="py" slug="intro" nextLesson={next} pollIntervalMs={5} />
      </MemoryRouter>,
    );
    expect(screen.queryByRole("link", { name: /Next lesson/ })).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Check" }));
    const link = await screen.findByRole("link", { name: "Next lesson: Loops" });
    expect(link).toHaveAttribute("href", "/courses/py/lessons/loops");
    expect(link).toHaveTextContent("Next lesson →");
  });

  it("names no next lesson after the course's last one, nor after a failed check", () => {
    const failed: Check = { ...base, status: "failed", finished_at: "2025-01-01T00:00:03Z" };
    const passed: Check = { ...failed, status: "passed" };
    const { unmount } = render(
      <MemoryRouter>
        <CheckPanel courseId="py" slug="intro" initialCheck={passed} nextLesson={null} />
      </MemoryRouter>,
    );
    expect(screen.getByRole("status", { name: "Check status" })).toHaveTextContent("Passed");
    expect(screen.queryByRole("link", { name: /Next lesson/ })).not.toBeInTheDocument();
    unmount();
    render(
      <MemoryRouter>
        <CheckPanel courseId="py" slug="last" initialCheck={failed} nextLesson={{ slug: "x", title: "X" }} />
      </MemoryRouter>,
    );
    expect(screen.queryByRole("link", { name: /Next lesson/ })).not.toBeInTheDocument();
  });

  it("starts the check its caller sends (an author's preview) and follows it", async () => {
    const { calls } = mockFetch({
      "GET /api/checks/9": jsonResponse({ ...base, id: 9, status: "failed", finished_at: "2025-01-01T00:00:03Z" }),
    });
    const startCheck = vi.fn(async (): Promise<Check> => ({ ...base, id: 9 }));
    render(<CheckPanel courseId="py" slug="intro" startCheck={startCheck} pollIntervalMs={5} />);
    await userEvent.click(screen.getByRole("button", { name: "Check" }));
    await waitFor(() => expect(screen.getByRole("status", { name: "Check status" })).toHaveTextContent("Failed"));
    expect(startCheck).toHaveBeenCalledOnce();
    expect(calls.some((call) => call.url.includes("/lessons/intro/checks"))).toBe(false);
  });
});
