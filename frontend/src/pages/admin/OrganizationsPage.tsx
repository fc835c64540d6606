import { useEffect, useState } from "react";
import { Link } from "react-router";
import { errorMessage } from "../../api/client";
import { listAdminOrganizations } from "../../api/endpoints";
import type { AdminOrganization } from "../../api/types";
import { formatTime } from "../../components/format";
import { Pager, useCursors } from "../../components/paging";

const PAGE = 100;

/** Every organisation on the platform, with its members; each opens its own page (members, invitations, audit). */
export function AdminOrganizationsPage() {
  const cursors = useCursors<string>();
  const after = cursors.after;
  const [organizations, setOrganizations] = useState<AdminOrganization[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    listAdminOrganizations(after, PAGE, controller.signal).then(
      (page) => {
        setOrganizations(page.items);
        setNext(page.next_after);
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
      <Pager cursors={cursors} next={next} />
    </>
  );
}
