import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ActivityEntry } from "../api/types";
import { jsonResponse, mockFetch, render } from "../test-utils";
import { ActivityPage } from "./ActivityPage";

const entry = (id: string, extra: Partial<ActivityEntry> = {}): ActivityEntry => ({
  id,
  occurred_at: "2025-02-01T10:00:00Z",
  action: "check.passed",
  subject: "Check/1",
  performer: "Ada",
  text: `Entry ${id}`,
  payload: {},
  ...extra,
});

function renderActivity(path: string) {
  render(
    <MemoryRouter initialEntries={[path]}>
      <Routes>
        <Route path="/activity" element={<ActivityPage />} />
      </Routes>
    </MemoryRouter>,
  );
}

const params = (url: string) => Object.fromEntries(new URL(url, "http://x").searchParams);

afterEach(() => vi.unstubAllGlobals());

describe("ActivityPage", () => {
  it("reads the learner's own activity by default, without the performer", async () => {
    const { calls } = mockFetch({
      "GET /api/activity": jsonResponse({ entries: [entry("a1", { text: null, action: "lesson.completed" })], next: null }),
    });
    renderActivity("/activity");

    expect(await screen.findByRole("heading", { level: 1, name: "Your activity" })).toBeInTheDocument();
    const list = await screen.findByRole("list", { name: "Activity" });
    // Without a text, the action and its subject are shown instead.
    expect(within(list).getByText("lesson.completed: Check/1")).toHaveClass("activity-text");
    expect(within(list).queryByText("Ada")).not.toBeInTheDocument();
    expect(params(calls[0]!.url)).toEqual({ scope: "mine" });
    expect(screen.queryByRole("button", { name: "Older" })).not.toBeInTheDocument();
  });

  it("passes a lesson's scope, course and lesson, shows the performer and pages with Older", async () => {
    const { calls } = mockFetch({
      "GET /api/activity": (call) =>
        params(call.url).after === "cursor-1"
          ? jsonResponse({ entries: [entry("e3", { performer: "Bob" })], next: null })
          : jsonResponse({ entries: [entry("e1"), entry("e2")], next: "cursor-1" }),
    });
    renderActivity("/activity?scope=lesson&course=python-basics&lesson=hello");

    expect(await screen.findByRole("heading", { level: 1, name: "Lesson history: python-basics/hello" })).toBeInTheDocument();
    expect(await screen.findByText("Entry e1")).toBeInTheDocument();
    expect(params(calls[0]!.url)).toEqual({ scope: "lesson", course: "python-basics", lesson: "hello" });
    expect(screen.getAllByText("Ada")).toHaveLength(2);

    await userEvent.click(screen.getByRole("button", { name: "Older" }));

    expect(await screen.findByText("Entry e3")).toBeInTheDocument();
    expect(screen.getByText("Bob")).toBeInTheDocument();
    expect(screen.getByText("Entry e1")).toBeInTheDocument();
    expect(params(calls[1]!.url)).toEqual({
      scope: "lesson",
      course: "python-basics",
      lesson: "hello",
      after: "cursor-1",
    });
    expect(screen.queryByRole("button", { name: "Older" })).not.toBeInTheDocument();
  });

  it("passes an organisation's scope and shows a refusal", async () => {
    const { calls } = mockFetch({
      "GET /api/activity": jsonResponse({ detail: "Only the organization's admins may do this" }, 403),
    });
    renderActivity("/activity?scope=organization&organization=acme");

    expect(screen.getByRole("heading", { level: 1, name: "Audit of acme" })).toBeInTheDocument();
    expect(await screen.findByRole("alert")).toHaveTextContent("Only the organization's admins may do this");
    expect(params(calls[0]!.url)).toEqual({ scope: "organization", organization: "acme" });
  });

  it("asks for the missing parameters without calling the API", async () => {
    const { calls } = mockFetch({});
    renderActivity("/activity?scope=lesson&course=python-basics");

    expect(screen.getByRole("alert")).toHaveTextContent("A lesson's history needs a course and a lesson.");
    await waitFor(() => expect(calls).toHaveLength(0));
  });

  it("names performers and subjects where Practica knows them, else shows their ids", async () => {
    mockFetch({
      "GET /api/activity": jsonResponse({
        entries: [
          entry("n1", { performer: "gid://practica/User/12", performer_name: "Ada Lovelace" }),
          entry("n2", {
            performer: "gid://practica/User/99",
            performer_name: null,
            text: null,
            action: "lesson.completed",
            subject: "gid://practica/Lesson/python-basics:hello",
            subject_name: "Hello, world",
          }),
          entry("n3", { performer: "gid://practica/User/12", text: null, subject: "gid://practica/Check/4" }),
        ],
        next: null,
      }),
    });
    renderActivity("/activity?scope=lesson&course=python-basics&lesson=hello");

    const list = await screen.findByRole("list", { name: "Activity" });
    expect(within(list).getByText("Ada Lovelace")).toHaveAttribute("title", "gid://practica/User/12");
    expect(within(list).getByText("gid://practica/User/99")).toBeInTheDocument();
    expect(within(list).getByText("lesson.completed: Hello, world")).toBeInTheDocument();
    expect(within(list).getByText("check.passed: gid://practica/Check/4")).toBeInTheDocument();
  });
});
