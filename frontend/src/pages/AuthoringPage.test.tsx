import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router";
import { describe, expect, it } from "vitest";
import type { DraftPage, DraftSummary, DraftView, Me } from "../api/types";
import { AuthProvider } from "../auth/AuthContext";
import { jsonResponse, mockFetch, render, signedInWithCsrfCookie } from "../test-utils";
import { AuthoringPage } from "./AuthoringPage";

const AUTHOR: Me = { id: 7, email: "grace@example.com", display_name: "Grace", role: "author", organizations: [] };

const draft = (id: number, extra: Partial<DraftSummary> = {}): DraftSummary => ({
  id,
  author_id: 7,
  course_id: "python-basics",
  title: "Python basics",
  organization: null,
  source: "https://git.example.org/python-basics.git",
  status: "valid",
  progress: { done: 6, total: 6 },
  published_version: null,
  created_at: "2025-03-01T10:00:00Z",
  finished_at: "2025-03-01T10:01:00Z",
  published_at: null,
  ...extra,
});

const view = (id: number): DraftView => ({
  ...draft(id, { status: "validating", progress: { done: 0, total: 0 } }),
  error: null,
  problems: [],
  lessons: [],
  report: null,
});

const page = (items: DraftSummary[], next_after: number | null = null): DraftPage => ({ items, next_after });

function renderPage() {
  render(
    <MemoryRouter initialEntries={["/authoring"]}>
      <AuthProvider initialMe={AUTHOR}>
        <Routes>
          <Route path="/authoring" element={<AuthoringPage pollIntervalMs={20} />} />
          <Route path="/authoring/imports/:draftId" element={<h1>Draft page</h1>} />
        </Routes>
      </AuthProvider>
    </MemoryRouter>,
  );
}

signedInWithCsrfCookie();

describe("AuthoringPage", () => {
  it("lists the drafts with status and progress, refreshing while one validates", async () => {
    let lists = 0;
    let finishValidation = () => {};
    const validated = new Promise<void>((resolve) => (finishValidation = resolve));
    mockFetch({
      "GET /api/authoring/imports": async () => {
        lists += 1;
        if (lists > 1) await validated; // the page shows "validating" until the test has looked at it
        return jsonResponse(
          page([
            draft(2, {
              title: "SQL joins",
              course_id: "sql",
              status: lists === 1 ? "validating" : "invalid",
              progress: { done: lists === 1 ? 3 : 8, total: 8 },
            }),
            draft(1, { status: "published", published_version: 2 }),
          ]),
        );
      },
    });
    renderPage();

    const table = await screen.findByRole("table");
    const sql = within(table).getByRole("row", { name: /SQL joins/ });
    expect(within(sql).getByRole("link", { name: "SQL joins" })).toHaveAttribute("href", "/authoring/imports/2");
    expect(within(sql).getByText("Validating")).toBeInTheDocument();
    expect(within(sql).getByRole("progressbar", { name: "Validation of SQL joins" })).toHaveAttribute(
      "value",
      "3",
    );
    expect(within(sql).getByText("3 of 8 runs")).toBeInTheDocument();
    const python = within(table).getByRole("row", { name: /Python basics/ });
    expect(within(python).getByText("Published")).toBeInTheDocument();

    // Polled until no draft validates any more.
    finishValidation();
    expect(await within(table).findByText("Invalid")).toBeInTheDocument();
    // Once nothing validates the polling stops (a busy machine may have started one more poll before that).
    const listed = lists;
    expect(listed).toBeGreaterThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(lists).toBe(listed);
  });

  it("offers older drafts only when the server says more follow", async () => {
    const { calls } = mockFetch({
      "GET /api/authoring/imports": (call) =>
        new URL(call.url, "http://x").searchParams.get("after") === "9"
          ? jsonResponse(page([draft(8, { title: "Older course" })]))
          : jsonResponse(page([draft(10), draft(9)], 9)),
    });
    renderPage();

    await userEvent.click(await screen.findByRole("button", { name: "Older drafts" }));

    expect(await screen.findByRole("link", { name: "Older course" })).toBeInTheDocument();
    expect(calls.some((call) => call.url.includes("after=9"))).toBe(true);
    expect(screen.queryByRole("button", { name: "Older drafts" })).not.toBeInTheDocument();
  });

  it("shows a git import being fetched, and deletes a draft after confirmation", async () => {
    let deleted = false;
    const fetching = draft(3, {
      status: "fetching",
      title: null,
      course_id: null,
      source: "https://git.example.org/new.git",
      progress: { done: 0, total: 0 },
    });
    const { calls } = mockFetch({
      // Polled while the import is fetched.
      "GET /api/authoring/imports": () =>
        jsonResponse(page(deleted ? [fetching] : [fetching, draft(2, { title: "Old course" })])),
      "DELETE /api/authoring/imports/2": () => {
        deleted = true;
        return new Response(null, { status: 204 });
      },
    });
    renderPage();

    const table = await screen.findByRole("table");
    const row = within(table).getByRole("row", { name: /new\.git/ });
    expect(within(row).getByText("Fetching")).toBeInTheDocument();
    expect(within(row).getByText("Fetching the repository…")).toBeInTheDocument();

    await userEvent.click(within(table).getByRole("button", { name: "Delete draft 2" }));
    await userEvent.click(
      within(screen.getByRole("alertdialog", { name: "Delete draft 2?" })).getByRole("button", { name: "Delete" }),
    );

    expect(await screen.findByText("Draft 2 (Old course) was deleted.")).toBeInTheDocument();
    expect(within(table).queryByRole("link", { name: "Old course" })).not.toBeInTheDocument();
    expect(calls.some((call) => call.method === "DELETE" && call.url === "/api/authoring/imports/2")).toBe(true);
  });

  it("imports from a Git URL and opens the new draft", async () => {
    const { calls } = mockFetch({
      "GET /api/authoring/imports": jsonResponse(page([])),
      "POST /api/authoring/imports": jsonResponse(view(5), 201),
    });
    renderPage();

    expect(await screen.findByText(/No drafts yet/)).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Git URL"), "https://git.example.org/python-basics.git");
    await userEvent.click(screen.getByRole("button", { name: "Import from Git" }));

    expect(await screen.findByRole("heading", { name: "Draft page" })).toBeInTheDocument();
    const post = calls.find((call) => call.method === "POST")!;
    expect(post.body).toEqual({ git_url: "https://git.example.org/python-basics.git" });
    expect(post.headers.get("Content-Type")).toBe("application/json");
    expect(post.headers.get("X-CSRF-Token")).toBe("c");
  });

  it("lists every format problem of a refused course", async () => {
    mockFetch({
      "GET /api/authoring/imports": jsonResponse(page([])),
      "POST /api/authoring/imports": jsonResponse(
        {
          detail: "the course has 2 problem(s); nothing was stored",
          problems: [
            { file: "course.yaml", line: 3, field: "title", message: "is required" },
            { file: "lessons/hello/lesson.yaml", line: null, field: "limits.time_s", message: "must be positive" },
          ],
        },
        422,
      ),
    });
    renderPage();

    await userEvent.type(await screen.findByLabelText("Git URL"), "https://git.example.org/broken.git");
    await userEvent.click(screen.getByRole("button", { name: "Import from Git" }));

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The course has 2 problems; nothing was stored.");
    const items = within(within(alert).getByRole("list", { name: "Problems" })).getAllByRole("listitem");
    expect(items.map((item) => item.textContent)).toEqual([
      "course.yaml:3 title: is required",
      "lessons/hello/lesson.yaml limits.time_s: must be positive",
    ]);
  });

  it("uploads an archive as multipart form data", async () => {
    const { calls } = mockFetch({
      "GET /api/authoring/imports": jsonResponse(page([])),
      "POST /api/authoring/imports": jsonResponse(view(6), 201),
    });
    renderPage();

    const file = new File(["PK"], "course.zip", { type: "application/zip" });
    await userEvent.upload(await screen.findByLabelText("Course archive"), file);
    await userEvent.click(screen.getByRole("button", { name: "Upload archive" }));

    expect(await screen.findByRole("heading", { name: "Draft page" })).toBeInTheDocument();
    const post = calls.find((call) => call.method === "POST")!;
    expect(post.body).toBeInstanceOf(FormData);
    expect((post.body as FormData).get("archive")).toBeInstanceOf(File);
    expect(((post.body as FormData).get("archive") as File).name).toBe("course.zip");
    expect(post.headers.has("Content-Type")).toBe(false);
    expect(post.headers.get("X-CSRF-Token")).toBe("c");
  });

  it("shows the error when the list cannot be loaded", async () => {
    mockFetch({ "GET /api/authoring/imports": jsonResponse({ detail: "Authors only" }, 403) });
    renderPage();
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("Authors only"));
  });
});
