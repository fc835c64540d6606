import { screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AdminOrganization } from "../../api/types";
import { jsonResponse, mockFetch, render } from "../../test-utils";
import { AdminOrganizationsPage } from "./OrganizationsPage";

const organization = (id: number, slug: string, members: number): AdminOrganization => ({
  id,
  slug,
  name: slug.toUpperCase(),
  members,
  admins: 1,
  created_at: "2026-01-01T00:00:00Z",
});

afterEach(() => vi.unstubAllGlobals());

describe("AdminOrganizationsPage", () => {
  it("lists every organisation with its members and links to its page", async () => {
    const { calls } = mockFetch({
      "GET /api/admin/organizations": jsonResponse({
        items: [organization(1, "acme", 12), organization(2, "globex", 3)],
        next_after: null,
      }),
    });
    render(
      <MemoryRouter>
        <AdminOrganizationsPage />
      </MemoryRouter>,
    );
    const link = await screen.findByRole("link", { name: "ACME" });
    expect(link).toHaveAttribute("href", "/organizations/acme");
    const row = link.closest("tr")!;
    expect(within(row as HTMLElement).getByText("12")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "GLOBEX" })).toBeInTheDocument();
    expect(calls[0]!.url).toContain("limit=100");
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();
  });
});
