import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import type { AdminEnvironment, AdminUser, Me } from "../../api/types";
import { AuthProvider } from "../../auth/AuthContext";
import { jsonResponse, mockFetch, render, signedInWithCsrfCookie } from "../../test-utils";
import { EnvironmentsPage } from "./EnvironmentsPage";
import { UsersPage } from "./UsersPage";

const ADMIN: Me = { id: 1, email: "root@example.com", display_name: "Root", role: "admin", organizations: [] };

const user = (id: number, extra: Partial<AdminUser> = {}): AdminUser => ({
  id,
  email: `u${id}@example.com`,
  display_name: `User ${id}`,
  role: "learner",
  confirmed: true,
  organizations: [],
  created_at: "2025-01-01T00:00:00Z",
  ...extra,
});

const env = (id: string, status: AdminEnvironment["status"]): AdminEnvironment => ({
  id,
  owner: { key: "7", user_id: 7, email: "grace@example.com", display_name: "Grace", preview: false },
  lesson: "python-basics/hello",
  status,
  runtime: "python",
  host: "local",
  error: null,
  created_at: "2025-03-01T10:00:00Z",
  started_at: "2025-03-01T10:00:05Z",
  last_active_at: "2025-03-01T10:30:00Z",
  stopped_at: null,
  idle_s: status === "running" ? 125 : null,
});

function renderWithAuth(node: React.ReactNode) {
  render(
    <MemoryRouter>
      <AuthProvider initialMe={ADMIN}>{node}</AuthProvider>
    </MemoryRouter>,
  );
}

signedInWithCsrfCookie();

describe("UsersPage", () => {
  it("goes to the next page only when the server says one follows", async () => {
    const { calls } = mockFetch({
      "GET /api/admin/users": (call) =>
        new URL(call.url, "http://x").searchParams.get("after") === "2"
          ? jsonResponse({ items: [user(3)], next_after: null })
          : jsonResponse({ items: [user(1), user(2)], next_after: 2 }),
    });
    renderWithAuth(<UsersPage />);

    await userEvent.click(await screen.findByRole("button", { name: "Next" }));
    expect(await screen.findByText("u3@example.com")).toBeInTheDocument();
    expect(calls.at(-1)!.url).toBe("/api/admin/users?after=2&limit=100");
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();
  });

  it("changes a role and shows the server's refusal", async () => {
    const { calls } = mockFetch({
      "GET /api/admin/users": jsonResponse({
        items: [user(1, { role: "admin", email: "root@example.com" }), user(2), user(3, { role: "admin" })],
        next_after: null,
      }),
      "PATCH /api/admin/users/2": jsonResponse(user(2, { role: "author" })),
      "PATCH /api/admin/users/3": jsonResponse({ detail: "The platform keeps at least one admin" }, 409),
      "GET /api/me": jsonResponse(ADMIN),
    });
    renderWithAuth(<UsersPage />);

    await userEvent.selectOptions(await screen.findByLabelText("Role of u2@example.com"), "author");
    expect(await screen.findByRole("status")).toHaveTextContent("u2@example.com is now author.");
    expect(calls.find((call) => call.method === "PATCH")!.body).toEqual({ role: "author" });

    await userEvent.selectOptions(screen.getByLabelText("Role of u3@example.com"), "learner");
    expect(await screen.findByRole("alert")).toHaveTextContent("The platform keeps at least one admin");
    expect(screen.getByLabelText("Role of u3@example.com")).toHaveValue("admin");
  });

  it("does not let the signed-in admin change their own role, and says why", async () => {
    const { calls } = mockFetch({
      "GET /api/admin/users": jsonResponse({
        items: [user(1, { role: "admin", email: "root@example.com" }), user(3, { role: "admin" })],
        next_after: null,
      }),
    });
    renderWithAuth(<UsersPage />);

    const own = await screen.findByLabelText("Role of root@example.com");
    expect(own).toBeDisabled();
    expect(own).toHaveAccessibleDescription("Your own role: another admin can change it.");
    expect(own).toHaveValue("admin");
    expect(screen.getByLabelText("Role of u3@example.com")).toBeEnabled();
    expect(screen.getByLabelText("Role of u3@example.com")).not.toHaveAccessibleDescription();
    expect(calls.filter((call) => call.method === "PATCH")).toEqual([]);
  });
});

describe("EnvironmentsPage", () => {
  it("lists environments and stops a running one", async () => {
    const { calls } = mockFetch({
      "GET /api/admin/environments": jsonResponse({ items: [env("e1", "running"), env("e2", "stopped")], next_after: null }),
      "POST /api/admin/environments/e1/stop": jsonResponse(env("e1", "stopping")),
    });
    renderWithAuth(<EnvironmentsPage />);

    const table = await screen.findByRole("table");
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows[0]).toHaveTextContent("2 min 5 s");
    expect(within(rows[1]!).queryByRole("button", { name: /Stop/ })).not.toBeInTheDocument();

    await userEvent.click(within(rows[0]!).getByRole("button", { name: /Stop environment of Grace/ }));
    const dialog = screen.getByRole("alertdialog", { name: "Stop the environment of Grace?" });
    expect(dialog).toHaveAccessibleDescription(/python-basics\/hello end now\. Their files are kept/);
    await userEvent.click(within(dialog).getByRole("button", { name: "Stop" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Environment e1 is stopping.");
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(calls.find((call) => call.method === "POST")!.url).toBe("/api/admin/environments/e1/stop");
  });

  it("asks before stopping, and stops nothing when the admin cancels", async () => {
    const { calls } = mockFetch({
      "GET /api/admin/environments": jsonResponse({ items: [env("e1", "running")], next_after: null }),
    });
    renderWithAuth(<EnvironmentsPage />);

    const stop = await screen.findByRole("button", { name: /Stop environment of Grace/ });
    await userEvent.click(stop);
    await userEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    await userEvent.click(stop);
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(calls.filter((call) => call.method === "POST")).toEqual([]);
    expect(stop).toHaveFocus();
  });

  it("pages with the cursor the server gives, and back", async () => {
    const cursor = "2025-03-01T10:30:00+00:00|e1";
    const { calls } = mockFetch({
      "GET /api/admin/environments": (call) =>
        new URL(call.url, "http://x").searchParams.get("after") === cursor
          ? jsonResponse({ items: [{ ...env("e2", "stopped"), lesson: "basics/second" }], next_after: null })
          : jsonResponse({ items: [{ ...env("e1", "running"), lesson: "basics/first" }], next_after: cursor }),
    });
    renderWithAuth(<EnvironmentsPage />);

    expect(await screen.findByText("basics/first")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Previous" })).toBeDisabled();
    await userEvent.click(screen.getByRole("button", { name: "Next" }));

    expect(await screen.findByText("basics/second")).toBeInTheDocument();
    expect(calls.at(-1)!.url).toBe(`/api/admin/environments?after=${encodeURIComponent(cursor)}&limit=100`);
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();
    await userEvent.click(screen.getByRole("button", { name: "Previous" }));
    expect(await screen.findByText("basics/first")).toBeInTheDocument();
  });
});
