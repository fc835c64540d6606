import { Link, useParams } from "react-router";
import { errorMessage } from "../api/client";
import { useAcceptInvitation } from "../api/queries/organizations";
import { useAuth } from "../auth/AuthContext";

/** `/invitations/:token` (the link of an invitation mail); RequireAuth sends signed-out visitors to sign in first. */
export function InvitationPage() {
  const { token = "" } = useParams();
  const { me, refresh } = useAuth();
  const accept = useAcceptInvitation();
  const joined = accept.data;

  const join = () => accept.mutate(token, { onSuccess: () => void refresh() });

  return (
    <div className="page narrow">
      <h1>Invitation</h1>
      {joined ? (
        <div role="status">
          <p>
            You joined <strong>{joined.name}</strong> as {joined.role}.
          </p>
          <p>
            <Link to={`/organizations/${encodeURIComponent(joined.slug)}`}>Go to {joined.name}</Link>
          </p>
        </div>
      ) : (
        <>
          <p>
            You were invited to join an organization on Practica. Accept to join it as <strong>{me?.email}</strong>
            .
          </p>
          {accept.error && (
            <p className="error" role="alert">
              Could not join: {errorMessage(accept.error)}
            </p>
          )}
          <button type="button" className="primary" onClick={join} disabled={accept.isPending}>
            {accept.isPending ? "Joining…" : "Join organization"}
          </button>
        </>
      )}
    </div>
  );
}
