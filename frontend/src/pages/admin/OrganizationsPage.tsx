import { useEffect, useState } from "react";
import { Link } from "react-router";
import { errorMessage } from "../../api/client";
import { listAdminOrganizations } from "../../api/endpoints";
import type { AdminOrganization } from "../../api/types";
import { formatTime } from "../../components/format";

const PAGE = 100;

/** Every organisation on the platform, with its members; each opens its own page (members, invitations, audit). */
export function AdminOrganizationsPage() {
  const [pages, setPages] = useState<(string | null)[]>([null]);
  const [organizations, setOrganizations] = useState<AdminOrganization[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const after = pages[pages.length - 1] ?? null;

  useEffect(() => {
    const controller = new AbortController();
    listAdminOrganizations(after, controller.signal).then(
      (found) => {
        setOrganizations(found);
        setError(null);
      },
      (err: unknown) => {
        if (!controller.signal.aborted) setError(errorMessage(err));
      },
    );
    return () => controller.abort();
  }, [after]);

  return (
    <>
      <h1>Organizations</h1>
      {error && (
        <p className="error" role="alert">
          Could not load the organizations: {error}
        </p>
      )}
      {organizations === null && !error && <p className="muted" role="status">Loading…</p>}
      {organizations !== null && organizations.length === 0 && <p className="muted">No organizations yet.</p>}
      {organizations !== null && organizations.length > 0 && (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Organization</th>
              <th scope="col">Slug</th>
              <th scope="col">Members</th>
              <th scope="col">Admins</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {organizations.map((organization) => (
              <tr key={organization.id}>
                <td>
                  <Link to={`/organizations/${encodeURIComponent(organization.slug)}`}>{organization.name}</Link>
                </td>
                <td>
                  <code>{organization.slug}</code>
                </td>
                <td>{organization.members}</td>
                <td>{organization.admins}</td>
                <td>{formatTime(organization.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="pager">
        <button type="button" disabled={pages.length <= 1} onClick={() => setPages((prev) => prev.slice(0, -1))}>
          Previous
        </button>
        <button
          type="button"
          disabled={!organizations || organizations.length < PAGE}
          onClick={() => organizations && setPages((prev) => [...prev, organizations[organizations.length - 1]!.slug])}
        >
          Next
        </button>
      </div>
    </>
  );
}
