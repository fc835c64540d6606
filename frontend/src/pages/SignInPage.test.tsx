import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AuthProvider } from "../auth/AuthContext";
import { jsonResponse, mockFetch, render, setCookie } from "../test-utils";
import { ResetPasswordPage } from "./ResetPasswordPage";
import { SignInPage } from "./SignInPage";
import { SignUpPage } from "./SignUpPage";

beforeEach(() => setCookie("practica_csrf", "c1"));
afterEach(() => {
  setCookie("practica_csrf", null);
  vi.unstubAllGlobals();
});

function renderAt(path: string) {
  render(
    <MemoryRouter initialEntries={[path]}>
      <AuthProvider initialMe={null}>
        <Routes>
          <Route path="/" element={<h1>Catalogue home</h1>} />
          <Route path="/signin" element={<SignInPage />} />
          <Route path="/signup" element={<SignUpPage />} />
          <Route path="/reset/:token" element={<ResetPasswordPage />} />
        </Routes>
      </AuthProvider>
    </MemoryRouter>,
  );
}

const ME = { id: 1, email: "ada@example.com", display_name: "Ada", role: "learner", organizations: [] };

describe("SignInPage", () => {
  it("shows the server's error message", async () => {
    const { calls } = mockFetch({
      "POST /api/auth/signin": jsonResponse({ detail: "Wrong email or password" }, 401),
    });
    renderAt("/signin");

    await userEvent.type(screen.getByLabelText("Email"), "ada@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "nope");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));

    expect(await screen.findByRole("alert")).toHaveTextContent("Wrong email or password");
    expect(calls[0]!.body).toEqual({ email: "ada@example.com", password: "nope" });
    expect(calls[0]!.headers.get("X-CSRF-Token")).toBe("c1");
  });

  it("tells how long to wait when rate limited", async () => {
    mockFetch({
      "POST /api/auth/signin": jsonResponse({ detail: "Too many attempts.", retry_after: 60 }, 429),
    });
    renderAt("/signin");

    await userEvent.type(screen.getByLabelText("Email"), "ada@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "x");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));

    expect(await screen.findByRole("alert")).toHaveTextContent("Too many attempts. Try again in 60 s.");
  });

  it("goes to the catalogue after signing in", async () => {
    mockFetch({ "POST /api/auth/signin": jsonResponse(ME) });
    renderAt("/signin");

    await userEvent.type(screen.getByLabelText("Email"), "ada@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "correct horse");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));

    expect(await screen.findByRole("heading", { name: "Catalogue home" })).toBeInTheDocument();
  });
});

describe("SignUpPage", () => {
  it("asks to check the email after submitting", async () => {
    const { calls } = mockFetch({
      "POST /api/auth/signup": jsonResponse({ message: "ok" }, 202),
    });
    renderAt("/signup");

    await userEvent.type(screen.getByLabelText("Display name"), "Ada");
    await userEvent.type(screen.getByLabelText("Email"), "ada@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "a long password");
    await userEvent.click(screen.getByRole("button", { name: "Sign up" }));

    expect(await screen.findByText("Check your email to confirm your account")).toBeInTheDocument();
    expect(calls[0]!.body).toEqual({ email: "ada@example.com", password: "a long password", display_name: "Ada" });
  });

  it("tells the password and display name rules and shows the server's refusal of a common password", async () => {
    const common = "Password is one of the 20,000 most common passwords: choose one that is harder to guess";
    mockFetch({
      "POST /api/auth/signup": jsonResponse(
        { detail: [{ loc: ["body", "password"], msg: common, type: "weak_password" }] },
        422,
      ),
    });
    renderAt("/signup");

    const password = screen.getByLabelText("Password");
    expect(password).toHaveAccessibleDescription(
      "At least 10 characters. Common passwords (such as password12) are refused.",
    );
    expect(password).toHaveAttribute("minLength", "10");
    expect(screen.getByLabelText("Display name")).toHaveAccessibleDescription(/no web addresses/);

    await userEvent.type(screen.getByLabelText("Display name"), "Ada");
    await userEvent.type(screen.getByLabelText("Email"), "ada@example.com");
    await userEvent.type(password, "password12");
    await userEvent.click(screen.getByRole("button", { name: "Sign up" }));

    expect(await screen.findByRole("alert")).toHaveTextContent(common);
  });
});

describe("ResetPasswordPage", () => {
  it("tells the password rules", () => {
    renderAt("/reset/t0k3n");
    expect(screen.getByLabelText("Password")).toHaveAccessibleDescription(/At least 10 characters/);
  });
});
