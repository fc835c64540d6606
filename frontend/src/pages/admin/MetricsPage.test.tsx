import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import type { DayMetrics, MetricsView } from "../../api/types";
import { jsonResponse, mockFetch, render } from "../../test-utils";
import { chartDays, rangeFrom, totals } from "./metricsData";
import { MetricsPage } from "./MetricsPage";

const day = (date: string, extra: Partial<DayMetrics> = {}): DayMetrics => ({
  day: date,
  signups: 0,
  active_learners: 0,
  checks_passed: 0,
  checks_failed: 0,
  course_completions: 0,
  environment_hours: 0,
  ...extra,
});

const view = (days: number): MetricsView => ({
  days,
  daily: [
    day("2026-12-05", { signups: 2, active_learners: 3, checks_passed: 3, checks_failed: 1, environment_hours: 1.25 }),
    day("2026-12-06", { signups: 1, active_learners: 5, checks_passed: 1, checks_failed: 3, course_completions: 1 }),
  ],
  lessons: [{ course_id: "basics", lesson_slug: "add", title: "Add two numbers", checks: 8, passed: 4, pass_rate: 0.5 }],
  system: {
    queues: [{ queue: "checks", ready: 2, oldest_seconds: 95 }],
    checks_finished_recent: 4,
    check_wait_p50_s: 1.5,
    check_wait_p95_s: 4.25,
  },
});

describe("metrics figures", () => {
  it("sums the range and keeps a day without checks as a gap, not a zero pass rate", () => {
    const daily = [...view(7).daily, day("2026-12-07")];
    expect(totals(daily)).toEqual({
      signups: 3,
      peakActiveLearners: 5,
      checks: 8,
      passRate: 0.5,
      courseCompletions: 1,
      environmentHours: 1.3,
    });
    expect(chartDays(daily).map((row) => [row.label, row.passRate])).toEqual([
      ["Dec 5", 75],
      ["Dec 6", 25],
      ["Dec 7", null],
    ]);
  });

  it("takes only the offered ranges from the URL", () => {
    expect([rangeFrom("7"), rangeFrom("90"), rangeFrom("5"), rangeFrom(null), rangeFrom("x")]).toEqual([7, 90, 30, 30, 30]);
  });
});

describe("MetricsPage", () => {
  it("shows the totals, the system now and each chart's data, and asks again for another range", async () => {
    const asked: string[] = [];
    mockFetch({
      "GET /api/admin/metrics": (call) => {
        const days = Number(new URL(call.url, "http://localhost").searchParams.get("days"));
        asked.push(String(days));
        return jsonResponse(view(days));
      },
    });
    render(
      <MemoryRouter initialEntries={["/admin/metrics?days=7"]}>
        <MetricsPage refreshMs={60_000} />
      </MemoryRouter>,
    );

    const totalsList = await screen.findByLabelText("Totals over the last 7 days");
    expect(within(totalsList).getByText("Sign-ups").nextSibling).toHaveTextContent("3");
    expect(within(totalsList).getByText("Pass rate").nextSibling).toHaveTextContent("50 %");
    expect(screen.getByText("Check wait p95 (10 min)").nextSibling).toHaveTextContent("4.3 s");
    expect(screen.getByText("Oldest waiting job").nextSibling).toHaveTextContent("1 min 35 s");

    const checks = screen.getByRole("figure", { name: "Checks and pass rate" });
    const rows = within(checks).getAllByRole("row");
    const cells = (row: HTMLElement) => Array.from(row.children).map((cell) => cell.textContent);
    expect(rows.map(cells)).toEqual([
      ["Day", "Passed", "Failed", "Pass rate"],
      ["2026-12-05", "3", "1", "75 %"],
      ["2026-12-06", "1", "3", "25 %"],
    ]);
    expect(cells(screen.getByRole("row", { name: /Add two numbers \(basics\)/ }))).toEqual([
      "Add two numbers (basics)",
      "4",
      "4",
      "50 %",
    ]);

    await userEvent.click(screen.getByRole("radio", { name: "90 days" }));
    expect(await screen.findByLabelText("Totals over the last 90 days")).toBeInTheDocument();
    expect(asked).toEqual(["7", "90"]);
  });
});
