import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router";
import { describe, expect, it } from "vitest";
import type { AdminMail, AdminUser, UserMail } from "../../api/types";
import { jsonResponse, mockFetch, render, signedInWithCsrfCookie } from "../../test-utils";
import { UserPage } from "./UserPage";

const GRACE: AdminUser = {
  id: 7,
  email: "grace@example.com",
  display_name: "Grace",
  role: "learner",
  confirmed: true,
  organizations: [],
  created_at: "2025-01-01T00:00:00Z",
};

const mail = (id: number, state: AdminMail["state"], code: number | null, message: string): AdminMail => ({
  id,
  subject: "Reset your password",
  state,
  created_at: "2025-03-01T10:00:00Z",
  state_changed_at: "2025-03-01T10:00:05Z",
  sent_at: null,
  attempts: 1,
  smtp_code: code,
  smtp_message: message,
  message_id: `<${id}@example.com>`,
});

const SUPPRESSED: UserMail = {
  address: "grace@example.com",
  mails: [mail(2, "suppressed", null, "not sent: the address bounced"), mail(1, "bounced", 550, "5.1.1 No such user")],
  suppression: {
    address: "grace@example.com",
    reason: "bounced",
    detail: "550 5.1.1 No such user",
    created_at: "2025-03-01T10:00:05Z",
  },
};

function renderUser() {
  render(
    <MemoryRouter initialEntries={["/admin/users/7"]}>
      <Routes>
        <Route path="/admin/users/:userId" element={<UserPage />} />
      </Routes>
    </MemoryRouter>,
  );
}

signedInWithCsrfCookie();

describe("UserPage", () => {
  it("lists the user's mail with state and last SMTP answer, and lifts the suppression only once confirmed", async () => {
    const { calls } = mockFetch({
      "GET /api/admin/users/7": jsonResponse(GRACE),
      "GET /api/admin/users/7/mail": jsonResponse(SUPPRESSED),
      "DELETE /api/admin/users/7/mail/suppression": jsonResponse({ ...SUPPRESSED, suppression: null }),
    });
    renderUser();

    const section = await screen.findByRole("region", { name: "Mail" });
    expect(await within(section).findByText("550 5.1.1 No such user")).toBeInTheDocument();
    expect(within(section).getByText("bounced")).toBeInTheDocument();

    await userEvent.click(within(section).getByRole("button", { name: "Lift" }));
    const dialog = screen.getByRole("alertdialog");
    await userEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(calls.filter((call) => call.method === "DELETE")).toHaveLength(0);

    await userEvent.click(within(section).getByRole("button", { name: "Lift" }));
    await userEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Lift" }));
    expect(await within(section).findByText("grace@example.com receives mail again.")).toBeInTheDocument();
    expect(within(section).getByText("Mail to this address is not suppressed.")).toBeInTheDocument();
    expect(calls.filter((call) => call.method === "DELETE")).toHaveLength(1);
  });
});
