import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ApiError, errorMessage } from "../api/client";
import { getOrganization, queryString, removeMember } from "../api/endpoints";
import type { MemberOut } from "../api/types";
import { administers, useAuth } from "../auth/AuthContext";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { useAsync } from "../components/useAsync";
import { Invitations } from "./OrganizationInvitations";
import { ErrorText, NoticeText } from "../components/Messages";

export function OrganizationPage() {
  const { slug = "" } = useParams();
  const { me, refresh } = useAuth();
  const navigate = useNavigate();
  const { state, reload } = useAsync((signal) => getOrganization(slug, signal), [slug]);
  const [removing, setRemoving] = useState<MemberOut | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const admin = administers(me, slug);

  const remove = async (member: MemberOut) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      await removeMember(slug, member.user_id);
      if (me && member.user_id === me.id) {
        await refresh();
        navigate("/organizations");
        return;
      }
      setNotice(`${member.display_name} was removed.`);
      reload();
    } catch (err) {
      setError(`Could not remove ${member.display_name}: ${errorMessage(err)}`);
    } finally {
      setBusy(false);
      setRemoving(null);
    }
  };

  if (state.status === "loading") return <p className="muted page">Loading the organization…</p>;
  if (state.status === "error") {
    const missing = state.error instanceof ApiError && state.error.status === 404;
    return (
      <div className="page">
        <h1>{missing ? "Organization not found" : "Organization"}</h1>
        <p className="error" role="alert">
          {missing ? "There is no such organization, or you are not one of its members." : errorMessage(state.error)}
        </p>
        <p>
          <Link to="/organizations">Back to your organizations</Link>
        </p>
      </div>
    );
  }
  const org = state.value;
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
            <Link to={`/activity${queryString({ scope: "organization", organization: org.slug })}`}>Audit log</Link>
          </>
        )}
      </p>
      <ErrorText message={error} />
      <NoticeText message={notice} />
      <section aria-labelledby="members-heading">
        <h2 id="members-heading">Members</h2>
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">Members of {org.name}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {org.members.map((member) => (
                <tr key={member.user_id}>
                  <th scope="row">
                    {member.display_name}
                    {self(member) && <span className="muted small-text"> (you)</span>}
                  </th>
                  <td>{member.email}</td>
                  <td>{member.role}</td>
                  <td>
                    {(admin || self(member)) && (
                      <button
                        type="button"
                        className="small"
                        onClick={() => setRemoving(member)}
                        aria-label={self(member) ? `Leave ${org.name}` : `Remove ${member.display_name}`}
                      >
                        {self(member) ? "Leave" : "Remove"}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
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
          busy={busy}
          onConfirm={() => void remove(removing)}
          onCancel={() => setRemoving(null)}
        />
      )}
    </div>
  );
}
