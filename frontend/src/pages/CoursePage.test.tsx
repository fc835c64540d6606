import { screen } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Course } from "../api/types";
import { jsonResponse, mockFetch, render } from "../test-utils";
import { CoursePage } from "./CoursePage";

const COURSE = (completed: boolean[]): Course => ({
  id: "python-basics",
  title: "Python basics",
  summary: "",
  version: 1,
  newest_version: 1,
  organization: null,
  lessons: ["Hello", "Loops", "Functions"].map((title, index) => ({
    slug: title.toLowerCase(),
    title,
    completed: completed[index] ?? false,
  })),
  completed: completed.filter(Boolean).length,
  total: 3,
});

function renderCourse(course: Course) {
  mockFetch({ "GET /api/courses/python-basics": jsonResponse(course) });
  render(
    <MemoryRouter initialEntries={["/courses/python-basics"]}>
      <Routes>
        <Route path="/courses/:courseId" element={<CoursePage />} />
      </Routes>
    </MemoryRouter>,
  );
}

afterEach(() => vi.unstubAllGlobals());

describe("CoursePage", () => {
  it("links the first lesson not completed yet as the next lesson", async () => {
    renderCourse(COURSE([true, false, false]));
    const next = await screen.findByRole("link", { name: "Next lesson: Loops" });
    expect(next).toHaveAttribute("href", "/courses/python-basics/lessons/loops");
  });

  it("names no next lesson before the first one is done, nor after the last", async () => {
    renderCourse(COURSE([false, false, false]));
    expect(await screen.findByRole("link", { name: "Hello" })).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: /Next lesson/ })).not.toBeInTheDocument();
  });

  it("names no next lesson once every lesson is completed", async () => {
    renderCourse(COURSE([true, true, true]));
    expect(await screen.findByRole("link", { name: "Functions" })).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: /Next lesson/ })).not.toBeInTheDocument();
  });
});
