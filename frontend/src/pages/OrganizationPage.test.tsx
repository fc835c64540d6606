import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router";
import { describe, expect, it, vi } from "vitest";
import type { Me, OrganizationDetail, PendingInvitation } from "../api/types";
import { AuthProvider } from "../auth/AuthContext";
import { RequireAuth } from "../components/RequireAuth";
import { jsonResponse, mockFetch, render, signedInWithCsrfCookie } from "../test-utils";
import { InvitationPage } from "./InvitationPage";
import { OrganizationPage } from "./OrganizationPage";
import { OrganizationsPage } from "./OrganizationsPage";

const ORG_ADMIN: Me = {
  id: 1,
  email: "ada@example.com",
  display_name: "Ada",
  role: "author",
  organizations: [{ slug: "acme", name: "Acme School", role: "admin" }],
};
const MEMBER: Me = { ...ORG_ADMIN, id: 2, email: "bob@example.com", display_name: "Bob", role: "learner", organizations: [{ slug: "acme", name: "Acme School", role: "member" }] };

const ACME: OrganizationDetail = {
  slug: "acme",
  name: "Acme School",
  members: [
    { user_id: 1, email: "ada@example.com", display_name: "Ada", role: "admin" },
    { user_id: 2, email: "bob@example.com", display_name: "Bob", role: "member" },
  ],
};

const PENDING: PendingInvitation[] = [
  {
    id: 7,
    email: "dan@example.com",
    role: "member",
    created_at: "2025-03-01T10:00:00Z",
    expires_at: "2025-03-08T10:00:00Z",
    inviter: { user_id: 1, email: "ada@example.com", display_name: "Ada" },
  },
  {
    id: 5,
    email: null,
    role: "admin",
    created_at: "2025-02-28T10:00:00Z",
    expires_at: "2025-03-07T10:00:00Z",
    inviter: null,
  },
];
const NO_INVITATIONS = { "GET /api/organizations/acme/invitations": jsonResponse([]) };

function renderAt(path: string, me: Me | null) {
  render(
    <MemoryRouter initialEntries={[path]}>
      <AuthProvider initialMe={me}>
        <Routes>
          <Route path="/organizations" element={<OrganizationsPage />} />
          <Route path="/organizations/:slug" element={<OrganizationPage />} />
          <Route
            path="/invitations/:token"
            element={
              <RequireAuth>
                <InvitationPage />
              </RequireAuth>
            }
          />
          <Route path="/signin" element={<h1>Sign in</h1>} />
          <Route path="/activity" element={<h1>Activity</h1>} />
        </Routes>
      </AuthProvider>
    </MemoryRouter>,
  );
}

signedInWithCsrfCookie();

describe("OrganizationPage", () => {
  it("lists the members and sends an invitation by email", async () => {
    const { calls } = mockFetch({
      "GET /api/organizations/acme": jsonResponse(ACME),
      ...NO_INVITATIONS,
      "POST /api/organizations/acme/invitations": jsonResponse(
        { id: 9, email: "cy@example.com", link: "http://practica.test/invitations/tok9", expires_at: "2025-03-08T10:00:00Z" },
        201,
      ),
    });
    renderAt("/organizations/acme", ORG_ADMIN);

    expect(await screen.findByRole("heading", { level: 1, name: "Acme School" })).toBeInTheDocument();
    const members = screen.getByRole("table", { name: "Members of Acme School" });
    expect(within(members).getByRole("row", { name: /Bob/ })).toHaveTextContent("bob@example.com");
    expect(within(members).getByRole("button", { name: "Remove Bob" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Audit log" })).toHaveAttribute(
      "href",
      "/activity?scope=organization&organization=acme",
    );

    await userEvent.type(screen.getByLabelText("Invite by email"), "cy@example.com");
    await userEvent.click(screen.getByRole("button", { name: "Send invitation" }));

    expect(await screen.findByText("Invitation sent to cy@example.com.")).toHaveAttribute("role", "status");
    const post = calls.find((call) => call.method === "POST")!;
    expect(post.body).toEqual({ email: "cy@example.com", role: "member" });
    const pending = screen.getByRole("table", { name: "Pending invitations, newest first" });
    expect(within(pending).getByRole("row", { name: /cy@example.com/ })).toHaveTextContent("Ada");
    expect(post.headers.get("X-CSRF-Token")).toBe("c");
    expect(screen.getByLabelText("Invite by email")).toHaveValue("");
  });

  it("creates a shareable invitation link and copies it", async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    const { calls } = mockFetch({
      "GET /api/organizations/acme": jsonResponse(ACME),
      ...NO_INVITATIONS,
      "POST /api/organizations/acme/invitations": jsonResponse(
        { id: 10, email: null, link: "http://practica.test/invitations/open10", expires_at: "2025-03-08T10:00:00Z" },
        201,
      ),
    });
    renderAt("/organizations/acme", ORG_ADMIN);

    await userEvent.selectOptions(await screen.findByLabelText("Role of new members"), "admin");
    await userEvent.click(screen.getByRole("button", { name: "Create invitation link" }));

    expect(await screen.findByLabelText("Invitation link 10")).toHaveValue("http://practica.test/invitations/open10");
    expect(calls.find((call) => call.method === "POST")!.body).toEqual({ role: "admin" });
    await userEvent.click(screen.getByRole("button", { name: "Copy invitation link 10" }));
    expect(writeText).toHaveBeenCalledWith("http://practica.test/invitations/open10");
    expect(await screen.findByText("Copied.")).toBeInTheDocument();
  });

  it("lists the pending invitations and revokes one", async () => {
    const { calls } = mockFetch({
      "GET /api/organizations/acme": jsonResponse(ACME),
      "GET /api/organizations/acme/invitations": jsonResponse(PENDING),
      "DELETE /api/organizations/acme/invitations/7": new Response(null, { status: 204 }),
    });
    renderAt("/organizations/acme", ORG_ADMIN);

    const table = await screen.findByRole("table", { name: "Pending invitations, newest first" });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((row) => within(row).getByRole("rowheader").textContent)).toEqual([
      "dan@example.com",
      "Link for anyone",
    ]);
    expect(rows[0]).toHaveTextContent("member");
    expect(rows[0]).toHaveTextContent("Ada");
    expect(rows[1]).toHaveTextContent("admin");
    expect(rows[1]).toHaveTextContent("—");

    await userEvent.click(within(table).getByRole("button", { name: "Revoke invitation 7" }));

    expect(await screen.findByText("Invitation for dan@example.com revoked.")).toBeInTheDocument();
    expect(calls.some((call) => call.method === "DELETE" && call.url === "/api/organizations/acme/invitations/7")).toBe(
      true,
    );
    expect(within(table).queryByText("dan@example.com")).not.toBeInTheDocument();
    expect(within(table).getByRole("button", { name: "Revoke invitation 5" })).toBeInTheDocument();
  });

  it("says when the invitations cannot be read", async () => {
    mockFetch({
      "GET /api/organizations/acme": jsonResponse(ACME),
      "GET /api/organizations/acme/invitations": jsonResponse({ detail: "Only the organization's admins may do this" }, 403),
    });
    renderAt("/organizations/acme", ORG_ADMIN);
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "Could not load the invitations: Only the organization's admins may do this",
    );
  });

  it("removes a member after confirmation", async () => {
    const { calls } = mockFetch({
      "GET /api/organizations/acme": jsonResponse(ACME),
      ...NO_INVITATIONS,
      "DELETE /api/organizations/acme/members/2": new Response(null, { status: 204 }),
    });
    renderAt("/organizations/acme", ORG_ADMIN);

    await userEvent.click(await screen.findByRole("button", { name: "Remove Bob" }));
    const dialog = screen.getByRole("alertdialog", { name: "Remove Bob?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Remove" }));

    expect(await screen.findByText("Bob was removed.")).toBeInTheDocument();
    expect(calls.some((call) => call.method === "DELETE" && call.url === "/api/organizations/acme/members/2")).toBe(
      true,
    );
  });

  it("shows no invitations, removals or audit link to a plain member", async () => {
    mockFetch({ "GET /api/organizations/acme": jsonResponse(ACME) });
    renderAt("/organizations/acme", MEMBER);

    expect(await screen.findByRole("heading", { level: 1, name: "Acme School" })).toBeInTheDocument();
    expect(screen.queryByLabelText("Invite by email")).not.toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Audit log" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Remove Ada" })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Leave Acme School" })).toBeInTheDocument();
  });
});

describe("OrganizationsPage", () => {
  it("lists my organisations and creates one", async () => {
    const { calls } = mockFetch({
      "POST /api/organizations": jsonResponse({ slug: "globex", name: "Globex" }, 201),
      "GET /api/me": jsonResponse({ ...ORG_ADMIN, organizations: [...ORG_ADMIN.organizations, { slug: "globex", name: "Globex", role: "admin" }] }),
      "GET /api/organizations/globex": jsonResponse({ slug: "globex", name: "Globex", members: [] }),
    });
    renderAt("/organizations", ORG_ADMIN);

    expect(screen.getByRole("link", { name: "Acme School" })).toHaveAttribute("href", "/organizations/acme");
    await userEvent.type(screen.getByLabelText("Name"), "Globex");
    await userEvent.type(screen.getByLabelText("Slug"), "globex");
    await userEvent.click(screen.getByRole("button", { name: "Create organization" }));

    expect(await screen.findByRole("heading", { level: 1, name: "Globex" })).toBeInTheDocument();
    expect(calls.find((call) => call.method === "POST")!.body).toEqual({ slug: "globex", name: "Globex" });
  });

  it("offers no creation form to learners", () => {
    renderAt("/organizations", MEMBER);
    expect(screen.queryByRole("button", { name: "Create organization" })).not.toBeInTheDocument();
  });
});

const INVITATION = {
  organization: "Acme School",
  role: "member",
  inviter: "Ada Admin",
  expires_at: "2025-03-07T10:00:00Z",
  for_another_address: false,
};

describe("InvitationPage", () => {
  it("names the organisation and who invited, then joins it", async () => {
    const { calls } = mockFetch({
      "GET /api/invitations/tok9": jsonResponse(INVITATION),
      "POST /api/invitations/tok9/accept": jsonResponse({ slug: "acme", name: "Acme School", role: "member" }),
      "GET /api/me": jsonResponse(MEMBER),
    });
    renderAt("/invitations/tok9", { ...MEMBER, organizations: [] });

    expect(await screen.findByRole("heading", { name: "Join Acme School" })).toBeInTheDocument();
    expect(screen.getByText(/Ada Admin invited you to join/)).toHaveTextContent(
      "Ada Admin invited you to join Acme School on Practica as a member.",
    );
    await userEvent.click(screen.getByRole("button", { name: "Join Acme School" }));

    expect(await screen.findByRole("status")).toHaveTextContent("You joined Acme School as member.");
    expect(screen.getByRole("link", { name: "Go to Acme School" })).toHaveAttribute("href", "/organizations/acme");
    expect(calls.find((call) => call.method === "POST")!.headers.get("X-CSRF-Token")).toBe("c");
  });

  it("says an invitation mailed to another address is not the visitor's to accept", async () => {
    mockFetch({ "GET /api/invitations/tok9": jsonResponse({ ...INVITATION, inviter: null, for_another_address: true }) });
    renderAt("/invitations/tok9", MEMBER);
    expect(await screen.findByRole("note")).toHaveTextContent("This invitation was sent to another email address");
    expect(screen.getByText(/You were invited to join/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Join/ })).not.toBeInTheDocument();
  });

  it("says an unusable invitation is invalid or expired, naming nothing", async () => {
    mockFetch({
      "GET /api/invitations/old": jsonResponse({ detail: "This invitation is invalid or has expired" }, 404),
    });
    renderAt("/invitations/old", MEMBER);
    expect(await screen.findByRole("alert")).toHaveTextContent("This invitation is invalid or has expired");
    expect(screen.queryByRole("button", { name: /Join/ })).not.toBeInTheDocument();
  });

  it("shows why joining failed", async () => {
    mockFetch({
      "GET /api/invitations/tok9": jsonResponse(INVITATION),
      "POST /api/invitations/tok9/accept": jsonResponse({ detail: "This invitation has expired" }, 400),
    });
    renderAt("/invitations/tok9", MEMBER);

    await userEvent.click(await screen.findByRole("button", { name: "Join Acme School" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("This invitation has expired");
  });

  it("sends signed-out visitors to sign in first", async () => {
    renderAt("/invitations/tok9", null);
    await waitFor(() => expect(screen.getByRole("heading", { name: "Sign in" })).toBeInTheDocument());
  });
});
