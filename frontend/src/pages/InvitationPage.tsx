import { useState } from "react";
import { Link, useParams } from "react-router";
import { errorMessage } from "../api/client";
import { acceptInvitation } from "../api/endpoints";
import type { OrganizationMembership } from "../api/types";
import { useAuth } from "../auth/AuthContext";

/** `/invitations/:token` (the link of an invitation mail); RequireAuth sends signed-out visitors to sign in first. */
export function InvitationPage() {
  const { token = "" } = useParams();
  const { me, refresh } = useAuth();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [joined, setJoined] = useState<OrganizationMembership | null>(null);

  const accept = async () => {
    setBusy(true);
    setError(null);
    try {
      const membership = await acceptInvitation(token);
      setJoined(membership);
      await refresh();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

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
          {error && (
            <p className="error" role="alert">
              Could not join: {error}
            </p>
          )}
          <button type="button" className="primary" onClick={() => void accept()} disabled={busy}>
            {busy ? "Joining…" : "Join organization"}
          </button>
        </>
      )}
    </div>
  );
}
