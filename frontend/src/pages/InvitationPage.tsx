import { Link, useParams } from "react-router";
import { ApiError, errorMessage } from "../api/client";
import { useAcceptInvitation, useInvitation } from "../api/queries/organizations";
import type { InvitationInfo } from "../api/types";
import { useAuth } from "../auth/AuthContext";

/** "Acme Academy invited you … as a member" (by whom, when known). */
function Invited({ invitation }: { invitation: InvitationInfo }) {
  return (
    <p>
      {invitation.inviter ? <>{invitation.inviter} invited you</> : <>You were invited</>} to join{" "}
      <strong>{invitation.organization}</strong> on Practica as {invitation.role === "admin" ? "an admin" : "a member"}.
    </p>
  );
}

/** `/invitations/:token` (the link of an invitation mail); RequireAuth sends signed-out visitors to sign in first. */
export function InvitationPage() {
  const { token = "" } = useParams();
  const { me, refresh } = useAuth();
  const invitation = useInvitation(token);
  const accept = useAcceptInvitation();
  const joined = accept.data;

  const join = () => accept.mutate(token, { onSuccess: () => void refresh() });

  if (joined) {
    return (
      <div className="page narrow">
        <h1>Invitation</h1>
        <div role="status">
          <p>
            You joined <strong>{joined.name}</strong> as {joined.role}.
          </p>
          <p>
            <Link to={`/organizations/${encodeURIComponent(joined.slug)}`}>Go to {joined.name}</Link>
          </p>
        </div>
      </div>
    );
  }

  if (!invitation.data) {
    const unusable = invitation.error instanceof ApiError && invitation.error.status === 404;
    return (
      <div className="page narrow">
        <h1>Invitation</h1>
        {invitation.error ? (
          <p className="error" role="alert">
            {unusable
              ? "This invitation is invalid or has expired: ask whoever sent it for a new one."
              : `Could not read the invitation: ${errorMessage(invitation.error)}`}
          </p>
        ) : (
          <p className="muted" role="status">
            Reading the invitation…
          </p>
        )}
      </div>
    );
  }

  const found = invitation.data;
  return (
    <div className="page narrow">
      <h1>Join {found.organization}</h1>
      <Invited invitation={found} />
      {found.for_another_address ? (
        <p className="notice" role="note">
          This invitation was sent to another email address than yours ({me?.email}): sign in with that address to
          accept it.
        </p>
      ) : (
        <>
          <p>
            Accept to join it as <strong>{me?.email}</strong>.
          </p>
          {accept.error && (
            <p className="error" role="alert">
              Could not join: {errorMessage(accept.error)}
            </p>
          )}
          <button type="button" className="primary" onClick={join} disabled={accept.isPending}>
            {accept.isPending ? "Joining…" : `Join ${found.organization}`}
          </button>
        </>
      )}
    </div>
  );
}
