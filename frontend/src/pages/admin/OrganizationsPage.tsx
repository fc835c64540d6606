import { Link } from "react-router";
import { errorMessage } from "../../api/client";
import { useAdminOrganizations } from "../../api/queries/admin";
import { DataTable, LoadedList } from "../../components/DataTable";
import { formatTime } from "../../components/format";
import { Pager, useCursors } from "../../components/paging";

/** Every organisation on the platform, with its members; each opens its own page (members, invitations, audit). */
export function AdminOrganizationsPage() {
  const cursors = useCursors<string>();
  const page = useAdminOrganizations(cursors.after);

  return (
    <>
      <h1>Organizations</h1>
      <LoadedList
        rows={page.data?.items}
        error={page.error ? errorMessage(page.error) : null}
        what="the organizations"
        empty="No organizations yet."
        announceLoading
      >
        {(organizations) => (
          <DataTable
            rows={organizations}
            rowKey={(organization) => organization.id}
            scroll={false}
            columns={[
              {
                header: "Organization",
                cell: (organization) => (
                  <Link to={`/organizations/${encodeURIComponent(organization.slug)}`}>{organization.name}</Link>
                ),
              },
              { header: "Slug", cell: (organization) => <code>{organization.slug}</code> },
              { header: "Members", cell: (organization) => organization.members },
              { header: "Admins", cell: (organization) => organization.admins },
              { header: "Created", cell: (organization) => formatTime(organization.created_at) },
            ]}
          />
        )}
      </LoadedList>
      <Pager cursors={cursors} next={page.data?.next_after ?? null} />
    </>
  );
}
