import { useState, type FormEvent } from "react";
import { errorMessage } from "../api/client";
import { useCreateInvitation, useInvitations, useRevokeInvitation } from "../api/queries/organizations";
import type { MemberRole, PendingInvitation } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { DataTable } from "../components/DataTable";
import { formatTime } from "../components/format";
import { ErrorText, NoticeText } from "../components/Messages";
import styles from "./OrganizationInvitations.module.css";

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

/** Who an invitation is for, as a row's name. */
export function invitee(invitation: Pick<PendingInvitation, "email">): string {
  return invitation.email ?? "Link for anyone";
}

interface PendingTableProps {
  pending: PendingInvitation[];
  /** Links of the invitations made during this visit (the server keeps only their hashes). */
  links: ReadonlyMap<number, string>;
  onRevoke: (invitation: PendingInvitation) => void;
}

function PendingTable({ pending, links, onRevoke }: PendingTableProps) {
  if (pending.length === 0) return <p className="muted">No pending invitations.</p>;
  return (
    <DataTable
      caption="Pending invitations, newest first"
      rows={pending}
      rowKey={(invitation) => invitation.id}
      columns={[
        {
          header: "For",
          rowHeader: true,
          cell: (invitation) => {
            const link = links.get(invitation.id);
            return (
              <>
                {invitee(invitation)}
                {link && (
                  <div className={styles.invitationLink}>
                    <input
                      readOnly
                      value={link}
                      aria-label={`Invitation link ${invitation.id}`}
                      onFocus={(event) => event.target.select()}
                    />
                    <CopyButton text={link} label={`Copy invitation link ${invitation.id}`} />
                  </div>
                )}
              </>
            );
          },
        },
        { header: "Role", cell: (invitation) => invitation.role },
        { header: "Invited by", cell: (invitation) => invitation.inviter?.display_name ?? "—" },
        {
          header: "Created",
          cell: (invitation) => <time dateTime={invitation.created_at}>{formatTime(invitation.created_at)}</time>,
        },
        {
          header: "Expires",
          cell: (invitation) => <time dateTime={invitation.expires_at}>{formatTime(invitation.expires_at)}</time>,
        },
        {
          header: "Actions",
          hiddenHeader: true,
          cell: (invitation) => (
            <button
              type="button"
              className="small"
              onClick={() => onRevoke(invitation)}
              aria-label={`Revoke invitation ${invitation.id}`}
            >
              Revoke
            </button>
          ),
        },
      ]}
    />
  );
}

/** The organisation's invitations, for its admins: invite by email or by link, see the pending ones, revoke. */
export function Invitations({ slug }: { slug: string }) {
  const { me } = useAuth();
  const invitations = useInvitations(slug);
  const create = useCreateInvitation(
    slug,
    me ? { user_id: me.id, email: me.email, display_name: me.display_name } : null,
  );
  const revocation = useRevokeInvitation(slug);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<MemberRole>("member");
  const [busy, setBusy] = useState<"email" | "link" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [links, setLinks] = useState<ReadonlyMap<number, string>>(new Map());

  const invite = async (kind: "email" | "link") => {
    setBusy(kind);
    setError(null);
    setNotice(null);
    try {
      const address = email.trim();
      const invitation = await create.mutateAsync(kind === "email" ? { email: address, role } : { role });
      setLinks((prev) => new Map(prev).set(invitation.id, invitation.link));
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

  const revoke = async (invitation: PendingInvitation) => {
    setError(null);
    setNotice(null);
    try {
      await revocation.mutateAsync(invitation.id);
      setNotice(invitation.email ? `Invitation for ${invitation.email} revoked.` : "Invitation link revoked.");
    } catch (err) {
      setError(`Could not revoke the invitation: ${errorMessage(err)}`);
    }
  };

  return (
    <section aria-labelledby="invite-heading" className="card">
      <h2 id="invite-heading">Invite members</h2>
      <ErrorText message={error} />
      <NoticeText message={notice} />
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
      <h3>Pending invitations</h3>
      {!invitations.data && !invitations.error && <p className="muted">Loading the invitations…</p>}
      {!invitations.data && invitations.error && (
        <p className="error" role="alert">
          Could not load the invitations: {errorMessage(invitations.error)}
        </p>
      )}
      {invitations.data && (
        <PendingTable pending={invitations.data} links={links} onRevoke={(invitation) => void revoke(invitation)} />
      )}
    </section>
  );
}
