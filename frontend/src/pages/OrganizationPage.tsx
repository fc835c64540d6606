import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ApiError, errorMessage } from "../api/client";
import { useOrganization, useRemoveMember } from "../api/queries/organizations";
import type { MemberOut } from "../api/types";
import { administers, useAuth } from "../auth/AuthContext";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { DataTable } from "../components/DataTable";
import { activityLink } from "../components/links";
import { ErrorText, NoticeText } from "../components/Messages";
import { Invitations } from "./OrganizationInvitations";

export function OrganizationPage() {
  const { slug = "" } = useParams();
  const { me, refresh } = useAuth();
  const navigate = useNavigate();
  const organization = useOrganization(slug);
  const removal = useRemoveMember(slug);
  const [removing, setRemoving] = useState<MemberOut | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const admin = administers(me, slug);
  const org = organization.data;

  const remove = async (member: MemberOut) => {
    setError(null);
    setNotice(null);
    try {
      await removal.mutateAsync(member.user_id);
      if (me && member.user_id === me.id) {
        await refresh();
        void navigate("/organizations");
        return;
      }
      setNotice(`${member.display_name} was removed.`);
      void organization.refetch();
    } catch (err) {
      setError(`Could not remove ${member.display_name}: ${errorMessage(err)}`);
    } finally {
      setRemoving(null);
    }
  };

  if (!org) {
    if (!organization.error) return <p className="muted page">Loading the organization…</p>;
    const missing = organization.error instanceof ApiError && organization.error.status === 404;
    return (
      <div className="page">
        <h1>{missing ? "Organization not found" : "Organization"}</h1>
        <p className="error" role="alert">
          {missing
            ? "There is no such organization, or you are not one of its members."
            : errorMessage(organization.error)}
        </p>
        <p>
          <Link to="/organizations">Back to your organizations</Link>
        </p>
      </div>
    );
  }
  const self = (member: MemberOut) => me?.id === member.user_id;

  return (
    <div className="page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/organizations">Organizations</Link> / <span aria-current="page">{org.name}</span>
      </nav>
      <h1>{org.name}</h1>
      <p className="muted">
        <code>{org.slug}</code>
        {admin && (
          <>
            {" "}
            ·{" "}
            <Link to={activityLink({ scope: "organization", organization: org.slug })}>Audit log</Link>
          </>
        )}
      </p>
      <ErrorText message={error} />
      <NoticeText message={notice} />
      <section aria-labelledby="members-heading">
        <h2 id="members-heading">Members</h2>
        <DataTable
          caption={`Members of ${org.name}`}
          rows={org.members}
          rowKey={(member) => member.user_id}
          columns={[
            {
              header: "Name",
              rowHeader: true,
              cell: (member) => (
                <>
                  {member.display_name}
                  {self(member) && <span className="muted small-text"> (you)</span>}
                </>
              ),
            },
            { header: "Email", cell: (member) => member.email },
            { header: "Role", cell: (member) => member.role },
            {
              header: "Actions",
              hiddenHeader: true,
              cell: (member) =>
                (admin || self(member)) && (
                  <button
                    type="button"
                    className="small"
                    onClick={() => setRemoving(member)}
                    aria-label={self(member) ? `Leave ${org.name}` : `Remove ${member.display_name}`}
                  >
                    {self(member) ? "Leave" : "Remove"}
                  </button>
                ),
            },
          ]}
        />
      </section>
      {admin && <Invitations slug={org.slug} />}
      {removing && (
        <ConfirmDialog
          title={self(removing) ? `Leave ${org.name}?` : `Remove ${removing.display_name}?`}
          message={
            self(removing)
              ? "You will no longer see the organization's courses."
              : `${removing.display_name} will no longer see the organization's courses.`
          }
          confirmLabel={self(removing) ? "Leave" : "Remove"}
          busy={removal.isPending}
          onConfirm={() => void remove(removing)}
          onCancel={() => setRemoving(null)}
        />
      )}
    </div>
  );
}
