import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Check, TestResult } from "../api/types";
import { render } from "../test-utils";
import { CheckPanel } from "./CheckPanel";
import { SHOWN_CAP, TestResults } from "./TestResults";

function result(name: string, status: TestResult["status"], message = "", output = ""): TestResult {
  return { name, status, message, output, duration_s: 0.01 };
}

const finished: Check = {
  id: 9,
  status: "failed",
  verdict: "failed",
  detail: "",
  queued_at: "2025-01-01T00:00:00Z",
  started_at: "2025-01-01T00:00:01Z",
  finished_at: "2025-01-01T00:00:02Z",
  tests: [],
  retried_because: null,
};

describe("TestResults", () => {
  it("lists failures and errors first, then skipped tests, and folds the passed ones into a count", async () => {
    render(
      <TestResults
        tests={[
          result("test_one", "pass"),
          result("test_two", "skip", "not today"),
          result("test_three", "fail", "assert 1 == 2"),
          result("test_four", "pass"),
          result("test_five", "error", "solution.py, line 3: SyntaxError: invalid syntax"),
        ]}
      />,
    );
    const shown = within(screen.getByRole("list", { name: "Test results" })).getAllByRole("listitem");
    expect(shown.map((item) => item.querySelector("span + span")?.textContent)).toEqual([
      "test_three",
      "test_five",
      "test_two",
    ]);
    expect(screen.queryByText("test_one")).not.toBeInTheDocument();

    const passed = screen.getByRole("button", { name: "2 passed tests" });
    expect(passed).toHaveAttribute("aria-expanded", "false");
    await userEvent.click(passed);
    expect(passed).toHaveAttribute("aria-expanded", "true");
    const list = screen.getByRole("list", { name: "Passed tests" });
    expect(passed).toHaveAttribute("aria-controls", list.id);
    expect(within(list).getAllByRole("listitem").map((item) => item.textContent)).toEqual([
      "test_one0.01 s",
      "test_four0.01 s",
    ]);
    await userEvent.click(passed);
    expect(screen.queryByRole("list", { name: "Passed tests" })).not.toBeInTheDocument();
  });

  it("gives each test one status and leaves out empty messages", () => {
    render(<TestResults tests={[result("test_quiet", "fail", "  \n", "")]} />);
    const item = within(screen.getByRole("list", { name: "Test results" })).getByRole("listitem");
    expect(item.textContent?.match(/Failed/g)).toHaveLength(1);
    expect(item.querySelector("pre")).toBeNull();
    expect(within(item).queryByRole("button")).not.toBeInTheDocument();
  });

  it("shows a build's whole output behind a button, beside the first error", async () => {
    const output = "# example\n./add.go:3:1: syntax error: unexpected }\n./add.go:9:2: undefined: x\n";
    render(<TestResults tests={[result("example (build)", "error", "build failed: ./add.go:3:1: syntax error", output)]} />);
    const button = screen.getByRole("button", { name: "Show output" });
    expect(button).toHaveAttribute("aria-expanded", "false");
    await userEvent.click(button);
    expect(screen.getByRole("button", { name: "Hide output" })).toHaveAttribute("aria-expanded", "true");
    expect(screen.getByText(/undefined: x/).textContent).toBe(output);
  });

  it("shows a hostile message as text, without terminal escapes, cut with a marker", () => {
    const hostile = "\u001b[31m<img src=x onerror=alert(1)>\u001b]0;title\u0007</pre><b>bold</b>" + "A".repeat(1_000_000);
    render(<TestResults tests={[result("test_evil", "fail", hostile)]} />);
    const item = within(screen.getByRole("list", { name: "Test results" })).getByRole("listitem");
    expect(item.querySelector("img")).toBeNull();
    expect(item.querySelector("b")).toBeNull();
    const shown = item.querySelector("pre")!.textContent!;
    expect(shown.startsWith("<img src=x onerror=alert(1)></pre><b>bold</b>AAA")).toBe(true);
    expect(shown).not.toContain("\u001b");
    const plain = hostile.length - "\u001b[31m".length - "\u001b]0;title\u0007".length;
    expect(shown.endsWith(`\n… [${plain - SHOWN_CAP} more characters not shown]`)).toBe(true);
    expect(shown.length).toBeLessThan(SHOWN_CAP + 100);
  });
});

describe("CheckPanel's one status", () => {
  it("says why a check stopped, and the detail names the test and the limit", () => {
    const detail = "The check stopped at the time limit (the limit is 3 s) while running test_add.py::test_slow.";
    render(<CheckPanel courseId="py" slug="intro" initialCheck={{ ...finished, verdict: "timeout", detail }} />);
    expect(screen.getByRole("status", { name: "Check status" })).toHaveTextContent(/^Failed: time limit reached$/);
    expect(screen.getByText(detail)).toBeInTheDocument();
    expect(screen.queryByText("timeout")).not.toBeInTheDocument();
  });

  it("shows a plain failure once: the status, not the verdict again", () => {
    render(<CheckPanel courseId="py" slug="intro" initialCheck={{ ...finished, tests: [result("t", "fail", "no")] }} />);
    expect(screen.getByRole("status", { name: "Check status" })).toHaveTextContent(/^Failed$/);
    expect(screen.queryByText("failed")).not.toBeInTheDocument();
  });
});
