import { useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ApiError, errorMessage } from "../api/client";
import {
  createInvitation,
  getOrganization,
  queryString,
  removeMember,
  revokeInvitation,
} from "../api/endpoints";
import type { InvitationCreated, MemberOut, MemberRole } from "../api/types";
import { administers, useAuth } from "../auth/AuthContext";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { formatTime } from "../components/format";
import { useAsync } from "../components/useAsync";

function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("yes");
    } catch {
      setCopied("no");
    }
  };
  return (
    <>
      <button type="button" className="small" onClick={() => void copy()} aria-label={label}>
        Copy
      </button>
      <span role="status" className="muted small-text">
        {copied === "yes" ? "Copied." : copied === "no" ? "Could not copy: select the link and copy it." : ""}
      </span>
    </>
  );
}

function Invitations({ slug }: { slug: string }) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<MemberRole>("member");
  const [busy, setBusy] = useState<"email" | "link" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [created, setCreated] = useState<InvitationCreated[]>([]);

  const invite = async (kind: "email" | "link") => {
    setBusy(kind);
    setError(null);
    setNotice(null);
    try {
      const address = email.trim();
      const invitation = await createInvitation(slug, kind === "email" ? { email: address, role } : { role });
      setCreated((prev) => [invitation, ...prev]);
      if (kind === "email") {
        setEmail("");
        setNotice(`Invitation sent to ${invitation.email ?? address}.`);
      } else {
        setNotice("Invitation link created: anyone with it can join until it expires.");
      }
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  const submitEmail = (event: FormEvent) => {
    event.preventDefault();
    if (!email.trim()) {
      setError("Enter the email address to invite.");
      return;
    }
    void invite("email");
  };

  const revoke = async (invitation: InvitationCreated) => {
    setError(null);
    setNotice(null);
    try {
      await revokeInvitation(slug, invitation.id);
      setCreated((prev) => prev.filter((item) => item.id !== invitation.id));
      setNotice("Invitation revoked.");
    } catch (err) {
      setError(`Could not revoke the invitation: ${errorMessage(err)}`);
    }
  };

  return (
    <section aria-labelledby="invite-heading" className="card">
      <h2 id="invite-heading">Invite members</h2>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {notice && (
        <p className="notice notice-ok" role="status">
          {notice}
        </p>
      )}
      <div className="field">
        <label htmlFor="invite-role">Role of new members</label>
        <select id="invite-role" value={role} onChange={(event) => setRole(event.target.value as MemberRole)}>
          <option value="member">member</option>
          <option value="admin">admin</option>
        </select>
      </div>
      <form className="form inline-form" onSubmit={submitEmail} aria-label="Email invitation">
        <div className="field">
          <label htmlFor="invite-email">Invite by email</label>
          <input
            id="invite-email"
            type="email"
            autoComplete="off"
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        </div>
        <button type="submit" className="primary" disabled={busy !== null}>
          {busy === "email" ? "Sending…" : "Send invitation"}
        </button>
      </form>
      <p>
        <button type="button" onClick={() => void invite("link")} disabled={busy !== null}>
          {busy === "link" ? "Creating…" : "Create invitation link"}
        </button>
      </p>
      {created.length > 0 && (
        <ul className="invitation-list" aria-label="Invitations created">
          {created.map((invitation) => (
            <li key={invitation.id}>
              <div>
                {invitation.email ? <>For {invitation.email}</> : <>Link for anyone</>}, expires{" "}
                <time dateTime={invitation.expires_at}>{formatTime(invitation.expires_at)}</time>
              </div>
              <div className="invitation-link">
                <input
                  readOnly
                  value={invitation.link}
                  aria-label={`Invitation link ${invitation.id}`}
                  onFocus={(event) => event.target.select()}
                />
                <CopyButton text={invitation.link} label={`Copy invitation link ${invitation.id}`} />
                <button
                  type="button"
                  className="small"
                  onClick={() => void revoke(invitation)}
                  aria-label={`Revoke invitation ${invitation.id}`}
                >
                  Revoke
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

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
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {notice && (
        <p className="notice notice-ok" role="status">
          {notice}
        </p>
      )}
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
