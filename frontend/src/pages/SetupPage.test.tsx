import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router";
import { describe, expect, it } from "vitest";
import type { Me } from "../api/types";
import { AuthProvider } from "../auth/AuthContext";
import { RequireAuth } from "../components/RequireAuth";
import { jsonResponse, mockFetch, render, signedInWithCsrfCookie } from "../test-utils";
import { SetupPage } from "./SetupPage";

const LEARNER: Me = { id: 1, email: "ada@example.com", display_name: "Ada", role: "learner", organizations: [] };

function renderAt(path: string, me: Me | null) {
  render(
    <MemoryRouter initialEntries={[path]}>
      <AuthProvider initialMe={me}>
        <Routes>
          <Route
            path="/setup/:token"
            element={
              <RequireAuth>
                <SetupPage />
              </RequireAuth>
            }
          />
          <Route path="/signin" element={<h1>Sign in</h1>} />
        </Routes>
      </AuthProvider>
    </MemoryRouter>,
  );
}

signedInWithCsrfCookie();

describe("SetupPage", () => {
  it("makes the signed-in user admin with the link's token", async () => {
    const admin: Me = { ...LEARNER, role: "admin" };
    const { calls } = mockFetch({
      "POST /api/setup/tok42": jsonResponse(admin),
      "GET /api/me": jsonResponse(admin),
    });
    renderAt("/setup/tok42", LEARNER);
    expect(screen.getByText("ada@example.com")).toBeInTheDocument();

    await userEvent.click(screen.getByRole("button", { name: "Become admin" }));

    expect(await screen.findByRole("status")).toHaveTextContent("ada@example.com is now the platform's admin.");
    expect(screen.getByRole("link", { name: "Go to the admin pages" })).toHaveAttribute("href", "/admin");
    expect(calls[0]!.method).toBe("POST");
    expect(calls[0]!.headers.get("X-CSRF-Token")).toBe("c");
  });

  it("says why a used link is refused", async () => {
    mockFetch({
      "POST /api/setup/used": jsonResponse({ detail: "This setup link was already used: each link makes one admin" }, 410),
    });
    renderAt("/setup/used", LEARNER);

    await userEvent.click(screen.getByRole("button", { name: "Become admin" }));

    expect(await screen.findByRole("alert")).toHaveTextContent(
      "Could not make you admin: This setup link was already used: each link makes one admin",
    );
    expect(screen.queryByRole("status")).not.toBeInTheDocument();
  });

  it("sends signed-out visitors to sign in first", async () => {
    renderAt("/setup/tok42", null);
    await waitFor(() => expect(screen.getByRole("heading", { name: "Sign in" })).toBeInTheDocument());
  });
});
