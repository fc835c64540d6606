import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import type { JobPage, JobView, QueueCounts } from "../../api/types";
import { jsonResponse, mockFetch, render, signedInWithCsrfCookie } from "../../test-utils";
import { JobsPage } from "./JobsPage";

const SUMMARY: QueueCounts[] = [
  { queue: "sandbox", todo: 1, doing: 2, succeeded: 40, failed: 3, cancelled: 0, aborted: 0, total: 46 },
  { queue: "mail", todo: 0, doing: 0, succeeded: 12, failed: 0, cancelled: 1, aborted: 0, total: 13 },
];

const job = (id: number, status: JobView["status"], extra: Partial<JobView> = {}): JobView => ({
  id,
  queue: "sandbox",
  task: "practica.checks.tasks.run_check",
  status,
  attempts: 1,
  priority: 0,
  lock: null,
  args: { attempt_id: id },
  scheduled_at: null,
  queued_at: "2025-03-01T10:00:00Z",
  started_at: null,
  finished_at: null,
  stalled: false,
  ...extra,
});

const jobPage = (items: JobView[], next_after: number | null = null): JobPage => ({ items, next_after });

function renderJobs(refreshMs = 60_000) {
  render(
    <MemoryRouter>
      <JobsPage refreshMs={refreshMs} />
    </MemoryRouter>,
  );
}

signedInWithCsrfCookie();

describe("JobsPage", () => {
  it("shows the counts per queue and retries a failed job", async () => {
    let retried = false;
    const { calls } = mockFetch({
      "GET /api/admin/jobs/summary": jsonResponse(SUMMARY),
      "GET /api/admin/jobs": () =>
        jsonResponse(jobPage([job(12, retried ? "todo" : "failed"), job(11, "todo"), job(10, "succeeded")])),
      "POST /api/admin/jobs/12/retry": () => {
        retried = true;
        return jsonResponse(job(12, "todo"));
      },
    });
    renderJobs();

    const summary = await screen.findByRole("table", { name: "Jobs per queue and status" });
    const sandbox = within(summary).getByRole("row", { name: /sandbox/ });
    expect(within(sandbox).getAllByRole("cell").map((cell) => cell.textContent)).toEqual([
      "1", "2", "40", "3", "0", "0", "46",
    ]);
    expect(within(summary).getByRole("row", { name: /All queues/ })).toHaveTextContent("59");

    const jobs = await screen.findByRole("table", { name: "Jobs, newest first" });
    expect(within(jobs).getByRole("button", { name: "Cancel job 11" })).toBeInTheDocument();
    expect(within(jobs).queryByRole("button", { name: "Retry job 10" })).not.toBeInTheDocument();

    await userEvent.click(within(jobs).getByRole("button", { name: "Retry job 12" }));

    expect(await screen.findByRole("status")).toHaveTextContent("Job 12 queued again.");
    const retry = calls.find((call) => call.method === "POST")!;
    expect(retry.url).toBe("/api/admin/jobs/12/retry");
    expect(retry.headers.get("X-CSRF-Token")).toBe("c");
    expect(within(jobs).queryByRole("button", { name: "Retry job 12" })).not.toBeInTheDocument();
    expect(within(jobs).getByRole("button", { name: "Cancel job 12" })).toBeInTheDocument();
  });

  it("filters by status and queue, pages with after, and shows a refused cancel", async () => {
    const page = jobPage(
      Array.from({ length: 50 }, (_, index) => job(200 - index, "todo")),
      151,
    );
    const { calls } = mockFetch({
      "GET /api/admin/jobs/summary": jsonResponse(SUMMARY),
      "GET /api/admin/jobs": (call) =>
        jsonResponse(new URL(call.url, "http://x").searchParams.get("after") ? jobPage([job(150, "todo")]) : page),
      "POST /api/admin/jobs/150/cancel": jsonResponse({ detail: "job 150 is doing, not todo" }, 409),
    });
    renderJobs();

    await screen.findByRole("table", { name: "Jobs, newest first" });
    await userEvent.click(screen.getByRole("checkbox", { name: "Auto-refresh" }));
    await userEvent.selectOptions(screen.getByLabelText("Status"), "todo");
    await userEvent.selectOptions(screen.getByLabelText("Queue"), "sandbox");
    await waitFor(() =>
      expect(calls.some((call) => call.url.includes("status=todo") && call.url.includes("queue=sandbox"))).toBe(true),
    );

    await userEvent.click(screen.getByRole("button", { name: "Older" }));
    await waitFor(() => expect(calls.some((call) => call.url.includes("after=151"))).toBe(true));
    const older = calls.find((call) => call.url.includes("after=151"))!;
    expect(older.url).toContain("status=todo");
    await userEvent.click(await screen.findByRole("button", { name: "Cancel job 150" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Could not cancel job 150: job 150 is doing, not todo");
    expect(screen.getByRole("button", { name: "Newer" })).toBeEnabled();
    expect(screen.getByRole("button", { name: "Older" })).toBeDisabled();
  });

  it("retries or fails a stalled job after confirmation, and offers nothing for a running one", async () => {
    const { calls } = mockFetch({
      "GET /api/admin/jobs/summary": jsonResponse(SUMMARY),
      "GET /api/admin/jobs": jsonResponse(
        jobPage([job(31, "doing", { stalled: true }), job(30, "doing", { stalled: true }), job(29, "doing")]),
      ),
      "POST /api/admin/jobs/31/fail": jsonResponse(job(31, "failed", { finished_at: "2025-03-01T11:00:00Z" })),
      "POST /api/admin/jobs/30/retry": jsonResponse(
        { detail: "job 30 is no longer doing: it was not retried" },
        409,
      ),
    });
    renderJobs();

    const jobs = await screen.findByRole("table", { name: "Jobs, newest first" });
    const running = within(jobs).getByRole("row", { name: /^29/ });
    expect(within(running).queryByRole("button")).not.toBeInTheDocument();
    expect(within(running).queryByText("stalled")).not.toBeInTheDocument();
    expect(within(within(jobs).getByRole("row", { name: /^31/ })).getByText("stalled")).toBeInTheDocument();

    await userEvent.click(within(jobs).getByRole("button", { name: "Mark failed job 31" }));
    const dialog = screen.getByRole("alertdialog", { name: "Mark failed stalled job 31?" });
    expect(calls.some((call) => call.method === "POST")).toBe(false);
    await userEvent.click(within(dialog).getByRole("button", { name: "Mark failed" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Job 31 marked failed.");
    expect(within(jobs).getByRole("button", { name: "Retry job 31" })).toBeInTheDocument();

    await userEvent.click(within(jobs).getByRole("button", { name: "Retry job 30" }));
    await userEvent.click(
      within(screen.getByRole("alertdialog", { name: "Retry stalled job 30?" })).getByRole("button", { name: "Retry" }),
    );
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "Could not retry job 30: job 30 is no longer doing: it was not retried",
    );
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
  });

  it("refreshes every few seconds while Auto-refresh is checked", async () => {
    const { calls } = mockFetch({
      "GET /api/admin/jobs/summary": jsonResponse(SUMMARY),
      "GET /api/admin/jobs": jsonResponse(jobPage([])),
    });
    renderJobs(30);
    const summaries = () => calls.filter((call) => call.url === "/api/admin/jobs/summary").length;

    expect(screen.getByRole("checkbox", { name: "Auto-refresh" })).toBeChecked();
    await waitFor(() => expect(summaries()).toBeGreaterThanOrEqual(3));
    await userEvent.click(screen.getByRole("checkbox", { name: "Auto-refresh" }));
    const settled = summaries();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(summaries()).toBe(settled);
  });
});
