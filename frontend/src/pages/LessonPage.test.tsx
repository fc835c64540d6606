import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router";
import { EditorView } from "@codemirror/view";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Environment, Lesson } from "../api/types";
import { AuthProvider } from "../auth/AuthContext";
import { jsonResponse, mockFetch, render, setCookie } from "../test-utils";
import { LessonPage } from "./LessonPage";

// xterm.js needs a real browser; the terminal is replaced by a stub that records input.
const terminalInput = vi.hoisted(() => [] as string[]);
vi.mock("../ide/Terminal", async () => {
  const { useImperativeHandle } = await import("react");
  return {
    Terminal: ({ ref }: { ref?: React.Ref<{ sendInput: (text: string) => void; focus: () => void }> }) => {
      useImperativeHandle(ref, () => ({ sendInput: (text: string) => terminalInput.push(text), focus: () => {} }));
      return <div aria-label="Terminal" role="group" />;
    },
  };
});

const LESSON: Lesson = {
  course: { id: "py", title: "Python basics" },
  version: 1,
  slug: "hello",
  title: "Hello, world",
  task: "# Hello, world\n\nWrite a program that prints **Hello**.\n\n<script>alert(1)</script>",
  languages: ["python"],
  run_command: "python3 main.py",
  hints: ["Use `print`."],
  hints_hidden: 2,
  failed_checks: 1,
  completed: false,
  last_check: null,
  next_lesson: null,
};

const ENV = (status: Environment["status"], extra: Partial<Environment> = {}): Environment => ({
  id: "env1",
  status,
  error: null,
  gateway_url: "https://gw.test",
  token: "tok",
  ...extra,
});

const GW = "https://gw.test/environments/env1";

function renderLesson() {
  render(
    <MemoryRouter initialEntries={["/courses/py/lessons/hello"]}>
      <Routes>
        <Route path="/courses/:courseId/lessons/:slug" element={<LessonPage />} />
      </Routes>
    </MemoryRouter>,
  );
}

beforeAll(() => {
  // jsdom has no layout; CodeMirror measures text ranges.
  const rect = { x: 0, y: 0, top: 0, left: 0, right: 0, bottom: 0, width: 0, height: 0, toJSON: () => ({}) };
  Range.prototype.getClientRects = () => [] as unknown as DOMRectList;
  Range.prototype.getBoundingClientRect = () => rect as DOMRect;
});

beforeEach(() => {
  setCookie("practica_csrf", "c");
  terminalInput.length = 0;
});
afterEach(() => {
  setCookie("practica_csrf", null);
  vi.unstubAllGlobals();
});

describe("LessonPage", () => {
  it("starts the environment, opens the first file and runs the lesson command", async () => {
    const envAnswers = [ENV("starting"), ENV("running")];
    const { calls } = mockFetch({
      "GET /api/courses/py/lessons/hello": jsonResponse(LESSON),
      "POST /api/courses/py/lessons/hello/environment": jsonResponse(ENV("starting")),
      "GET /api/courses/py/lessons/hello/environment": () => jsonResponse(envAnswers.shift() ?? ENV("running")),
      [`GET ${GW}/files`]: (call) => {
        const path = new URL(call.url).searchParams.get("path");
        if (path === ".") {
          return jsonResponse({
            path: ".",
            entries: [
              { name: "notes.txt", kind: "file", size: 1, mode: "644", modified: "" },
              { name: "main.py", kind: "file", size: 5, mode: "644", modified: "" },
            ],
          });
        }
        return new Response(new TextEncoder().encode("print('hi')\n"), {
          headers: { "Content-Type": "application/octet-stream" },
        });
      },
      [`PUT ${GW}/files`]: () => new Response(null, { status: 204 }),
      "POST /api/courses/py/lessons/hello/reset": jsonResponse(ENV("running")),
    });
    renderLesson();

    expect(await screen.findByRole("heading", { level: 1, name: "Hello, world" })).toBeInTheDocument();
    // The task's own "# Hello, world" is not shown a second time under the page's title.
    expect(screen.getAllByText("Hello, world")).toHaveLength(1);
    // Markdown is rendered, raw HTML is not.
    expect(screen.getByText("Hello", { selector: "strong" })).toBeInTheDocument();
    expect(document.querySelector("script")).toBeNull();
    expect(screen.getByText("2 more hints after more attempts")).toBeInTheDocument();
    expect(screen.getByText("Starting your environment…", { exact: false })).toBeInTheDocument();

    const editor = await screen.findByRole("textbox", { name: "Editor" });
    await waitFor(() => expect(editor).toHaveTextContent("print('hi')"));
    expect(screen.getByRole("tab", { name: "main.py", selected: true })).toBeInTheDocument();
    expect(screen.getByLabelText("Terminal")).toBeInTheDocument();
    expect(calls.some((call) => call.url.endsWith("/files?path=main.py"))).toBe(true);
    expect(calls.find((call) => call.url.startsWith(GW))!.headers.get("Authorization")).toBe("Bearer tok");

    // An edit is autosaved into the environment.
    const view = EditorView.findFromDOM(editor.closest<HTMLElement>(".cm-editor")!)!;
    act(() => view.dispatch({ changes: { from: view.state.doc.length, insert: "print('bye')\n" } }));
    expect(screen.getByRole("status", { name: "Save status" })).toHaveTextContent("Saving…");
    await waitFor(() => expect(screen.getByRole("status", { name: "Save status" })).toHaveTextContent("Saved"));
    const put = calls.find((call) => call.method === "PUT")!;
    expect(put.url).toBe(`${GW}/files?path=main.py`);
    expect(new TextDecoder().decode(put.body as Uint8Array)).toBe("print('hi')\nprint('bye')\n");

    await userEvent.click(screen.getByRole("button", { name: "Run" }));
    expect(terminalInput).toEqual(["python3 main.py\r"]);

    await userEvent.click(screen.getByRole("button", { name: "Reset to starter files" }));
    const dialog = screen.getByRole("alertdialog", { name: "Reset to starter files?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Confirm" }));
    expect(await screen.findByText("Your files were reset to the starter files.", { exact: false })).toBeInTheDocument();
    expect(calls.some((call) => call.method === "POST" && call.url.endsWith("/reset"))).toBe(true);
  });

  it("shows the error and a Retry button when the environment fails", async () => {
    let attempts = 0;
    mockFetch({
      "GET /api/courses/py/lessons/hello": jsonResponse(LESSON),
      "POST /api/courses/py/lessons/hello/environment": () => {
        attempts += 1;
        return jsonResponse(attempts === 1 ? ENV("failed", { error: "No capacity" }) : ENV("starting"));
      },
      "GET /api/courses/py/lessons/hello/environment": jsonResponse(ENV("starting")),
    });
    renderLesson();

    expect(await screen.findByRole("alert")).toHaveTextContent("No capacity");
    await userEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect(await screen.findByText("Starting your environment…", { exact: false })).toBeInTheDocument();
    expect(attempts).toBe(2);
  });

  it("lays the task, the workspace's progress and the check out in panes of their own", async () => {
    mockFetch({
      "GET /api/courses/py/lessons/hello": jsonResponse(LESSON),
      "POST /api/courses/py/lessons/hello/environment": jsonResponse(ENV("starting")),
      "GET /api/courses/py/lessons/hello/environment": jsonResponse(ENV("starting")),
    });
    renderLesson();

    const title = await screen.findByRole("heading", { level: 1, name: "Hello, world" });
    const pane = (id: string) => within(document.getElementById(id)!);
    expect(document.getElementById("ide-task")).toContainElement(title);
    expect(pane("ide-task").getByRole("heading", { name: "Hints" })).toBeInTheDocument();
    expect(pane("ide-code").getByText("Starting your environment…", { exact: false })).toBeInTheDocument();
    expect(pane("ide-terminal").getByText("The terminal opens once your environment runs…")).toBeInTheDocument();
    expect(pane("ide-results").getByRole("button", { name: "Check" })).toBeInTheDocument();
    expect(pane("ide-results").getByRole("status", { name: "Check status" })).toHaveTextContent("Not checked yet");
  });

  it("links authors to the lesson's history; learners see no such link", async () => {
    mockFetch({
      "GET /api/courses/py/lessons/hello": jsonResponse(LESSON),
      "POST /api/courses/py/lessons/hello/environment": jsonResponse(ENV("starting")),
      "GET /api/courses/py/lessons/hello/environment": jsonResponse(ENV("starting")),
    });
    const me = { id: 3, email: "a@example.com", display_name: "A", organizations: [] };
    const { unmount } = render(
      <MemoryRouter initialEntries={["/courses/py/lessons/hello"]}>
        <AuthProvider initialMe={{ ...me, role: "author" }}>
          <Routes>
            <Route path="/courses/:courseId/lessons/:slug" element={<LessonPage />} />
          </Routes>
        </AuthProvider>
      </MemoryRouter>,
    );
    expect(await screen.findByRole("link", { name: "Lesson history" })).toHaveAttribute(
      "href",
      "/activity?scope=lesson&course=py&lesson=hello",
    );
    unmount();

    render(
      <MemoryRouter initialEntries={["/courses/py/lessons/hello"]}>
        <AuthProvider initialMe={{ ...me, role: "learner" }}>
          <Routes>
            <Route path="/courses/:courseId/lessons/:slug" element={<LessonPage />} />
          </Routes>
        </AuthProvider>
      </MemoryRouter>,
    );
    expect(await screen.findByRole("heading", { level: 1, name: "Hello, world" })).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Lesson history" })).not.toBeInTheDocument();
  });
});
