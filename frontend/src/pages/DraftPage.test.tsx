import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router";
import { describe, expect, it, vi } from "vitest";
import type { DraftView, LessonReport, ValidationReport } from "../api/types";
import { jsonResponse, mockFetch, render, signedInWithCsrfCookie } from "../test-utils";
import { DraftPage } from "./DraftPage";

// xterm.js needs a real browser (the preview's IDE would load it).
vi.mock("../ide/Terminal", () => ({ Terminal: () => <div aria-label="Terminal" role="group" /> }));

const HELLO: LessonReport = {
  slug: "hello",
  title: "Hello, world",
  ok: true,
  starter_fails: true,
  wrong_solutions_fail: { "prints-nothing": true },
  reference_passes: true,
  reference_time_s: 0.42,
  time_allowed_s: 5,
  time_limit_s: 10,
  runs: [
    { candidate: "starter", expected: "fail", verdict: "failed", tests_passed: 0, tests_total: 2, duration_s: 0.3, ok: true, problem: "" },
    { candidate: "wrong:prints-nothing", expected: "fail", verdict: "failed", tests_passed: 1, tests_total: 2, duration_s: 0.3, ok: true, problem: "" },
    { candidate: "solution", expected: "pass", verdict: "passed", tests_passed: 2, tests_total: 2, duration_s: 0.42, ok: true, problem: "" },
  ],
};

const LOOPS: LessonReport = {
  ...HELLO,
  slug: "loops",
  title: "Loops",
  ok: false,
  wrong_solutions_fail: { "off-by-one": false },
  runs: [
    HELLO.runs[0]!,
    {
      candidate: "wrong:off-by-one",
      expected: "fail",
      verdict: "passed",
      tests_passed: 3,
      tests_total: 3,
      duration_s: 0.2,
      ok: false,
      problem: "the tests pass on this wrong solution",
    },
    HELLO.runs[2]!,
  ],
};

const REPORT = (lessons: LessonReport[], stressRuns = 3): ValidationReport => ({
  ok: lessons.every((lesson) => lesson.ok),
  runs: lessons.length * 3,
  failed_runs: lessons.filter((lesson) => !lesson.ok).length,
  stress_runs: stressRuns,
  flaky_tests: lessons.reduce((count, lesson) => count + (lesson.flaky ?? []).length, 0),
  lessons,
});

const SIGNALS: LessonReport = {
  ...HELLO,
  slug: "signals",
  title: "Processes and signals",
  flaky: [
    {
      candidate: "solution",
      test: "test_worker::test_signal_cleans_up_and_exits_0[SIGINT]",
      failed_runs: 2,
      runs: 3,
      summary: "test_worker::test_signal_cleans_up_and_exits_0[SIGINT]: failed 2 of 3 runs under load",
      message: "Failed: still running 0.5 s after SIGINT",
    },
  ],
};

const DRAFT = (extra: Partial<DraftView> = {}): DraftView => ({
  id: 4,
  author_id: 7,
  course_id: "python-basics",
  title: "Python basics",
  organization: null,
  source: "upload:course.zip",
  status: "validating",
  progress: { done: 1, total: 6 },
  published_version: null,
  created_at: "2025-03-01T10:00:00Z",
  finished_at: null,
  published_at: null,
  error: null,
  problems: [],
  lessons: [
    {
      slug: "hello",
      title: "Hello, world",
      task: "Print **hello**.",
      languages: ["python"],
      run_command: "python3 hello.py",
    },
    { slug: "loops", title: "Loops", task: "Loop.", languages: ["python"], run_command: null },
  ],
  report: null,
  ...extra,
});

function renderDraft() {
  render(
    <MemoryRouter initialEntries={["/authoring/imports/4"]}>
      <Routes>
        <Route path="/authoring" element={<h1>Authoring</h1>} />
        <Route path="/authoring/imports/:draftId" element={<DraftPage pollIntervalMs={20} />} />
      </Routes>
    </MemoryRouter>,
  );
}

signedInWithCsrfCookie();

describe("DraftPage", () => {
  it("polls while validating, shows the report and enables Publish once valid", async () => {
    let current = DRAFT();
    const { calls } = mockFetch({
      "GET /api/authoring/imports/4": () => jsonResponse(current),
      "POST /api/authoring/imports/4/publish": jsonResponse({
        draft: DRAFT({ status: "published", published_version: 3, progress: { done: 6, total: 6 }, report: REPORT([HELLO]) }),
        version: 3,
        changed: true,
        added: ["hello"],
        updated: [],
        removed: [],
      }),
    });
    const gets = () => calls.filter((call) => call.method === "GET").length;
    renderDraft();

    expect(await screen.findByRole("heading", { level: 1, name: "Python basics" })).toBeInTheDocument();
    expect(screen.getByRole("status", { name: "Draft status" })).toHaveTextContent("Validating");
    expect(screen.getByRole("progressbar", { name: "Validation progress" })).toHaveAttribute("value", "1");
    expect(screen.getByText("1 of 6 runs")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Publish" })).toBeDisabled();

    // Reread while validating.
    current = DRAFT({ progress: { done: 4, total: 6 } });
    expect(await screen.findByText("4 of 6 runs")).toBeInTheDocument();
    expect(gets()).toBeGreaterThanOrEqual(2);

    current = DRAFT({ status: "valid", progress: { done: 6, total: 6 }, report: REPORT([HELLO]) });
    await waitFor(() => expect(screen.getByRole("status", { name: "Draft status" })).toHaveTextContent(/^Valid$/));
    // No more polling once the validation ended.
    const settled = gets();
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(gets()).toBe(settled);

    const row = screen.getByRole("row", { name: /Hello, world/ });
    const cells = within(row).getAllByRole("cell");
    expect(cells[0]).toHaveTextContent("Yes");
    expect(cells[1]).toHaveTextContent("Yes prints-nothing");
    expect(cells[2]).toHaveTextContent("Yes");
    expect(cells[3]).toHaveTextContent("In time 0.42 s of 5.00 s allowed");

    const publish = screen.getByRole("button", { name: "Publish" });
    expect(publish).toBeEnabled();
    await userEvent.click(publish);
    expect(await screen.findByText("Published as version 3.")).toBeInTheDocument();
    expect(screen.getByRole("status", { name: "Draft status" })).toHaveTextContent("Published as version 3");
    expect(calls.find((call) => call.method === "POST")!.headers.get("X-CSRF-Token")).toBe("c");
    expect(calls.find((call) => call.method === "POST")!.body).toEqual({ allow_flaky: false });
  });

  it("shows why a wrong solution did not fail, and the 409 of a refused publication", async () => {
    mockFetch({
      "GET /api/authoring/imports/4": jsonResponse(
        DRAFT({ status: "valid", progress: { done: 6, total: 6 }, report: REPORT([HELLO, LOOPS]) }),
      ),
      "POST /api/authoring/imports/4/publish": jsonResponse({ detail: "draft 4 is published, not valid" }, 409),
    });
    renderDraft();

    const row = await screen.findByRole("row", { name: /Loops/ });
    expect(within(row).getAllByRole("cell")[1]).toHaveTextContent(
      "No off-by-one the tests pass on this wrong solution",
    );

    await userEvent.click(screen.getByRole("button", { name: "Publish" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Could not publish: draft 4 is published, not valid");
  });

  it("lists flaky tests with their rate and publishes only once the author ticks the override", async () => {
    const { calls } = mockFetch({
      "GET /api/authoring/imports/4": jsonResponse(
        DRAFT({ status: "valid", progress: { done: 12, total: 12 }, report: REPORT([HELLO, SIGNALS]) }),
      ),
      "POST /api/authoring/imports/4/publish": jsonResponse({
        draft: DRAFT({ status: "published", published_version: 2, report: REPORT([HELLO, SIGNALS]) }),
        version: 2,
        changed: true,
        added: ["hello", "signals"],
        updated: [],
        removed: [],
      }),
    });
    renderDraft();

    const warning = await screen.findByRole("region", { name: "Flaky tests" });
    expect(warning).toHaveTextContent("1 flaky test: it failed the reference solution in some of 3 runs");
    expect(warning).toHaveTextContent(
      "Processes and signals: test_signal_cleans_up_and_exits_0[SIGINT] — failed 2 of 3 runs under load",
    );
    expect(warning).toHaveTextContent("Failed: still running 0.5 s after SIGINT");
    const steady = within(screen.getByRole("row", { name: /Hello, world/ })).getAllByRole("cell")[4];
    expect(steady).toHaveTextContent("Steady steady3 runs");
    const flaky = within(screen.getByRole("row", { name: /Processes and signals/ })).getAllByRole("cell")[4];
    expect(within(flaky!).getByRole("list", { name: "Flaky tests of Processes and signals" })).toHaveTextContent(
      "Flaky test_signal_cleans_up_and_exits_0[SIGINT]failed 2 of 3 runs",
    );
    expect(screen.getByText(/Under load \(3 more runs of each reference solution beside a CPU hog\): 1 flaky test\./))
      .toBeInTheDocument();

    const publish = screen.getByRole("button", { name: "Publish" });
    expect(publish).toBeDisabled();
    await userEvent.click(screen.getByRole("checkbox", { name: "Publish anyway: I have seen the flaky test" }));
    expect(publish).toBeEnabled();
    await userEvent.click(publish);
    expect(await screen.findByText("Published as version 2.")).toBeInTheDocument();
    expect(calls.find((call) => call.method === "POST")!.body).toEqual({ allow_flaky: true });
  });

  it("opens a lesson preview through the draft's preview endpoint", async () => {
    const { calls } = mockFetch({
      "GET /api/authoring/imports/4": jsonResponse(DRAFT({ status: "invalid", report: REPORT([HELLO, LOOPS]) })),
      "POST /api/authoring/imports/4/lessons/loops/preview": jsonResponse({
        id: "env9",
        status: "starting",
        error: null,
        gateway_url: "https://gw.test",
        token: "t",
      }),
      "GET /api/authoring/imports/4/lessons/loops/preview": jsonResponse({
        id: "env9",
        status: "starting",
        error: null,
        gateway_url: "https://gw.test",
        token: "t",
      }),
    });
    renderDraft();

    expect(await screen.findByRole("button", { name: "Publish" })).toBeDisabled();
    await userEvent.click(screen.getByRole("button", { name: "Preview Loops" }));

    expect(await screen.findByRole("heading", { name: "Preview: Loops" })).toBeInTheDocument();
    expect(await screen.findByText("Starting your environment…", { exact: false })).toBeInTheDocument();
    await waitFor(() =>
      expect(calls.some((call) => call.method === "POST" && call.url.endsWith("/lessons/loops/preview"))).toBe(true),
    );
    expect(calls.some((call) => call.url.includes("/api/courses/"))).toBe(false);
  });

  it("shows a git import being fetched, then why its fetch failed", async () => {
    const fetching = DRAFT({
      status: "fetching",
      course_id: null,
      title: null,
      source: "https://git.example.org/broken.git",
      progress: { done: 0, total: 0 },
      lessons: [],
    });
    let current = fetching;
    const { calls } = mockFetch({ "GET /api/authoring/imports/4": () => jsonResponse(current) });
    const gets = () => calls.filter((call) => call.method === "GET").length;
    renderDraft();

    expect(await screen.findByRole("heading", { level: 1, name: "https://git.example.org/broken.git" })).toBeInTheDocument();
    expect(screen.getByRole("status", { name: "Draft status" })).toHaveTextContent("Fetching");
    expect(screen.getByText("Fetching the repository…")).toBeInTheDocument();
    expect(screen.getByText("known once the repository is fetched")).toBeInTheDocument();

    current = {
      ...fetching,
      status: "failed",
      error: "the course has 1 problem(s)",
      problems: [{ file: "course.yaml", line: 3, field: "lessons.1", message: "ghost/lesson.yaml does not exist" }],
    };
    expect(await screen.findByText("the course has 1 problem(s)")).toBeInTheDocument();
    const problems = screen.getByRole("list", { name: "Problems" });
    expect(within(problems).getByRole("listitem")).toHaveTextContent(
      "course.yaml:3 lessons.1: ghost/lesson.yaml does not exist",
    );
    expect(screen.getByText(/The course has 1 problem; fix them and import the course again\./)).toBeInTheDocument();
    const settled = gets();
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(gets()).toBe(settled);
  });

  it("deletes the draft after confirmation and goes back to the drafts", async () => {
    const { calls } = mockFetch({
      "GET /api/authoring/imports/4": jsonResponse(DRAFT({ status: "invalid", report: REPORT([LOOPS]) })),
      "DELETE /api/authoring/imports/4": new Response(null, { status: 204 }),
    });
    renderDraft();

    await userEvent.click(await screen.findByRole("button", { name: "Delete draft 4" }));
    const dialog = screen.getByRole("alertdialog", { name: "Delete draft 4?" });
    expect(dialog).toHaveTextContent("Published versions of the course stay.");
    expect(calls.some((call) => call.method === "DELETE")).toBe(false);
    await userEvent.click(within(dialog).getByRole("button", { name: "Delete" }));

    expect(await screen.findByRole("heading", { level: 1, name: "Authoring" })).toBeInTheDocument();
    const call = calls.find((item) => item.method === "DELETE")!;
    expect(call.url).toBe("/api/authoring/imports/4");
    expect(call.headers.get("X-CSRF-Token")).toBe("c");
  });

  it("shows why a draft cannot be deleted while its job runs", async () => {
    mockFetch({
      "GET /api/authoring/imports/4": jsonResponse(DRAFT({ status: "valid", report: REPORT([HELLO]) })),
      "DELETE /api/authoring/imports/4": jsonResponse(
        { detail: "draft 4 is being validated right now: delete it once that ends" },
        409,
      ),
    });
    renderDraft();

    await userEvent.click(await screen.findByRole("button", { name: "Delete draft 4" }));
    await userEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Delete" }));

    expect(await screen.findByRole("alert")).toHaveTextContent(
      "Could not delete the draft: draft 4 is being validated right now: delete it once that ends",
    );
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 1, name: "Python basics" })).toBeInTheDocument();
  });

  it("resets a lesson preview through the draft's preview reset endpoint", async () => {
    const GW = "https://gw.test/environments/env9";
    const ENV9 = { id: "env9", status: "running", error: null, gateway_url: "https://gw.test", token: "t" };
    const { calls } = mockFetch({
      "GET /api/authoring/imports/4": jsonResponse(DRAFT({ status: "valid", report: REPORT([HELLO]) })),
      "POST /api/authoring/imports/4/lessons/hello/preview": jsonResponse(ENV9),
      "GET /api/authoring/imports/4/lessons/hello/preview": jsonResponse(ENV9),
      "POST /api/authoring/imports/4/lessons/hello/preview/reset": jsonResponse({ ...ENV9, status: "starting" }),
      [`GET ${GW}/files`]: jsonResponse({ path: ".", entries: [] }),
    });
    renderDraft();

    await userEvent.click(await screen.findByRole("button", { name: "Preview Hello, world" }));
    await userEvent.click(await screen.findByRole("button", { name: "Reset to starter files" }));
    await userEvent.click(
      within(screen.getByRole("alertdialog", { name: "Reset to starter files?" })).getByRole("button", {
        name: "Confirm",
      }),
    );

    expect(await screen.findByText("Your files were reset to the starter files.", { exact: false })).toBeInTheDocument();
    const reset = calls.filter((call) => call.method === "POST" && call.url.endsWith("/reset"));
    expect(reset.map((call) => call.url)).toEqual(["/api/authoring/imports/4/lessons/hello/preview/reset"]);
    expect(calls.some((call) => call.url.includes("/api/courses/"))).toBe(false);
  });

  it("shows the previewed lesson's task, and its Check runs the draft's tests on the preview", async () => {
    const GW = "https://gw.test/environments/env9";
    const ENV9 = { id: "env9", status: "running", error: null, gateway_url: "https://gw.test", token: "t" };
    const queued = {
      id: 31, status: "queued", verdict: null, detail: "", queued_at: "2025-03-01T10:00:00Z", started_at: null,
      finished_at: null, tests: [], retried_because: null,
    };
    const { calls } = mockFetch({
      "GET /api/authoring/imports/4": jsonResponse(DRAFT({ status: "valid", report: REPORT([HELLO]) })),
      "POST /api/authoring/imports/4/lessons/hello/preview": jsonResponse(ENV9),
      "GET /api/authoring/imports/4/lessons/hello/preview": jsonResponse(ENV9),
      "POST /api/authoring/imports/4/lessons/hello/preview/checks": jsonResponse(queued, 202),
      "GET /api/checks/31": jsonResponse({
        ...queued,
        status: "failed",
        finished_at: "2025-03-01T10:00:02Z",
        tests: [{ name: "test_hello", status: "fail", message: "assert '' == 'hello'", output: "", duration_s: 0.1 }],
      }),
      [`GET ${GW}/files`]: jsonResponse({ path: ".", entries: [] }),
    });
    renderDraft();

    await userEvent.click(await screen.findByRole("button", { name: "Preview Hello, world" }));
    const task = await screen.findByRole("region", { name: "Task" });
    expect(within(task).getByText("hello", { selector: "strong" })).toBeInTheDocument();
    await userEvent.click(await within(task).findByRole("button", { name: "Check" }));

    await waitFor(() => expect(within(task).getByRole("status", { name: "Check status" })).toHaveTextContent("Failed"));
    expect(within(task).getByText("test_hello")).toBeInTheDocument();
    const posts = calls.filter((call) => call.method === "POST" && call.url.endsWith("/checks"));
    expect(posts.map((call) => call.url)).toEqual(["/api/authoring/imports/4/lessons/hello/preview/checks"]);
    expect(calls.some((call) => call.url.includes("/api/courses/"))).toBe(false);
  });

  it("says so when the draft does not exist", async () => {
    mockFetch({ "GET /api/authoring/imports/4": jsonResponse({ detail: "no draft 4" }, 404) });
    renderDraft();
    expect(await screen.findByRole("heading", { name: "Draft not found" })).toBeInTheDocument();
  });
});
