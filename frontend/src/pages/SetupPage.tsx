import { Link, useParams } from "react-router";
import { errorMessage } from "../api/client";
import { useRedeemSetupLink } from "../api/queries/accounts";
import { useAuth } from "../auth/AuthContext";

/**
 * `/setup/:token`: the one-time link `practica up` prints while the platform has no admin.
 * RequireAuth sends signed-out visitors to sign in first; the link works once, for one account.
 */
export function SetupPage() {
  const { token = "" } = useParams();
  const { me, refresh } = useAuth();
  const redeem = useRedeemSetupLink();

  const becomeAdmin = () => redeem.mutate(token, { onSuccess: () => void refresh() });

  return (
    <div className="page narrow">
      <h1>Set up Practica</h1>
      {redeem.data ? (
        <div role="status">
          <p>
            <strong>{redeem.data.email}</strong> is now the platform&apos;s admin. This link no longer works.
          </p>
          <p>
            <Link to="/admin">Go to the admin pages</Link>
          </p>
        </div>
      ) : (
        <>
          <p>
            This one-time link makes the signed-in account the admin of this new install. You are signed in as{" "}
            <strong>{me?.email}</strong>.
          </p>
          {redeem.error && (
            <p className="error" role="alert">
              Could not make you admin: {errorMessage(redeem.error)}
            </p>
          )}
          <button type="button" className="primary" onClick={becomeAdmin} disabled={redeem.isPending}>
            {redeem.isPending ? "Setting up…" : "Become admin"}
          </button>
        </>
      )}
    </div>
  );
}
