import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AppRoutes } from "./App";
import { AuthProvider } from "./auth/AuthContext";
import { jsonResponse, mockFetch, render, setCookie } from "./test-utils";

afterEach(() => {
  setCookie("practica_csrf", null);
  vi.unstubAllGlobals();
});

const ME = {
  id: 1,
  email: "ada@example.com",
  display_name: "Ada",
  role: "learner",
  organizations: [],
};

const COURSES = [
  {
    id: "python-basics",
    title: "Python basics",
    summary: "Variables, loops and functions.",
    version: 1,
    lessons: [
      { slug: "hello", title: "Hello, world", completed: true },
      { slug: "loops", title: "Loops", completed: false },
    ],
    completed: 1,
    total: 2,
  },
];

function renderApp(path = "/") {
  render(
    <MemoryRouter initialEntries={[path]}>
      <AuthProvider>
        <AppRoutes />
      </AuthProvider>
    </MemoryRouter>,
  );
}

describe("App", () => {
  it("shows Sign in / Sign up links when signed out", async () => {
    mockFetch({
      "GET /api/me": jsonResponse({ detail: "Not signed in" }, 401),
      "GET /api/courses": jsonResponse({ detail: "Not signed in" }, 401),
    });
    renderApp();

    const header = screen.getByRole("banner");
    expect(within(header).getByRole("link", { name: "Practica" })).toBeInTheDocument();
    expect(await within(header).findByRole("link", { name: "Sign in" })).toHaveAttribute("href", "/signin");
    expect(within(header).getByRole("link", { name: "Sign up" })).toHaveAttribute("href", "/signup");
    expect(within(header).queryByRole("button", { name: "Sign out" })).not.toBeInTheDocument();
  });

  it("lists the courses with progress and the user's email in the header; signs out", async () => {
    setCookie("practica_csrf", "c9");
    const { calls } = mockFetch({
      "GET /api/me": jsonResponse(ME),
      "GET /api/courses": jsonResponse(COURSES),
      "POST /api/auth/signout": new Response(null, { status: 204 }),
    });
    renderApp();

    expect(await screen.findByRole("link", { name: "Python basics" })).toHaveAttribute(
      "href",
      "/courses/python-basics",
    );
    expect(screen.getByText("1 of 2 lessons completed")).toBeInTheDocument();
    const header = screen.getByRole("banner");
    expect(within(header).getByText("ada@example.com")).toBeInTheDocument();
    expect(within(header).getByRole("link", { name: "Activity" })).toBeInTheDocument();

    await userEvent.click(within(header).getByRole("button", { name: "Sign out" }));

    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
    const signout = calls.find((call) => call.url === "/api/auth/signout")!;
    expect(signout.method).toBe("POST");
    expect(signout.headers.get("X-CSRF-Token")).toBe("c9");
    expect(within(header).getByRole("link", { name: "Sign in" })).toBeInTheDocument();
  });

  it("shows a course's lessons with completed marks", async () => {
    mockFetch({ "GET /api/me": jsonResponse(ME), "GET /api/courses/python-basics": jsonResponse(COURSES[0]) });
    renderApp("/courses/python-basics");

    expect(await screen.findByRole("heading", { level: 1, name: "Python basics" })).toBeInTheDocument();
    const items = screen.getAllByRole("listitem");
    const hello = items.find((item) => item.textContent?.includes("Hello, world"))!;
    const loops = items.find((item) => item.textContent?.includes("Loops"))!;
    expect(hello).toHaveTextContent("Completed");
    expect(loops).not.toHaveTextContent("Completed");
    expect(within(hello).getByRole("link", { name: "Hello, world" })).toHaveAttribute(
      "href",
      "/courses/python-basics/lessons/hello",
    );
  });

  it("sends signed-out visitors of a course page to the sign-in page", async () => {
    mockFetch({ "GET /api/me": jsonResponse({ detail: "Not signed in" }, 401) });
    renderApp("/courses/python-basics");

    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
  });

  it("lists the learner's activity", async () => {
    mockFetch({
      "GET /api/me": jsonResponse(ME),
      "GET /api/activity": jsonResponse({
        entries: [{ id: "a3", occurred_at: "2025-02-01T10:00:00Z", action: "check.passed", text: "Passed Hello, world" }],
      }),
    });
    renderApp("/activity");

    expect(await screen.findByText("Passed Hello, world")).toBeInTheDocument();
    expect(screen.getByText("check.passed")).toBeInTheDocument();
  });

  it("confirms an email address from the link", async () => {
    setCookie("practica_csrf", "c1");
    const { calls } = mockFetch({
      "GET /api/me": jsonResponse({ detail: "Not signed in" }, 401),
      "POST /api/auth/confirm": jsonResponse({ message: "Confirmed" }),
    });
    renderApp("/confirm/abc123");

    expect(await screen.findByText(/Your email is confirmed/)).toBeInTheDocument();
    expect(calls.filter((call) => call.url === "/api/auth/confirm").map((call) => call.body)).toEqual([
      { token: "abc123" },
    ]);
  });

  it("shows Authoring and Admin only to the roles that may use them", async () => {
    mockFetch({
      "GET /api/me": jsonResponse({ ...ME, role: "admin" }),
      "GET /api/admin/jobs/summary": jsonResponse([]),
      "GET /api/admin/jobs": jsonResponse({ items: [], next_after: null }),
    });
    renderApp("/admin");

    const header = screen.getByRole("banner");
    expect(await within(header).findByRole("link", { name: "Authoring" })).toHaveAttribute("href", "/authoring");
    expect(within(header).getByRole("link", { name: "Admin" })).toHaveAttribute("href", "/admin");
    expect(within(header).getByRole("link", { name: "Organizations" })).toHaveAttribute("href", "/organizations");
    // /admin opens the jobs page.
    expect(await screen.findByRole("heading", { level: 1, name: "Jobs" })).toBeInTheDocument();
    const adminNav = screen.getByRole("navigation", { name: "Admin" });
    expect(within(adminNav).getByRole("link", { name: "Users" })).toHaveAttribute("href", "/admin/users");
  });

  it("hides Authoring and Admin from learners and refuses them the pages", async () => {
    mockFetch({ "GET /api/me": jsonResponse(ME) });
    renderApp("/admin/users");

    expect(await screen.findByRole("heading", { name: "Not available" })).toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent("This page is for admins only.");
    const header = screen.getByRole("banner");
    expect(within(header).queryByRole("link", { name: "Authoring" })).not.toBeInTheDocument();
    expect(within(header).queryByRole("link", { name: "Admin" })).not.toBeInTheDocument();
  });

  it("shows Authoring but not Admin to authors", async () => {
    mockFetch({
      "GET /api/me": jsonResponse({ ...ME, role: "author" }),
      "GET /api/authoring/imports": jsonResponse({ items: [], next_after: null }),
    });
    renderApp("/authoring");

    expect(await screen.findByRole("heading", { level: 1, name: "Authoring" })).toBeInTheDocument();
    const header = screen.getByRole("banner");
    expect(within(header).getByRole("link", { name: "Authoring" })).toBeInTheDocument();
    expect(within(header).queryByRole("link", { name: "Admin" })).not.toBeInTheDocument();
  });
});
