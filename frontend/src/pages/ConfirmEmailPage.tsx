import { useEffect, useRef } from "react";
import { Link, useParams } from "react-router";
import { errorMessage } from "../api/client";
import { useConfirmEmail } from "../api/queries/accounts";

export function ConfirmEmailPage() {
  const { token = "" } = useParams();
  const confirm = useConfirmEmail();
  const { mutate } = confirm;
  // The token is single-use: send it once even when effects run twice (StrictMode).
  const sent = useRef<string | null>(null);

  useEffect(() => {
    if (sent.current === token) return;
    sent.current = token;
    mutate(token);
  }, [token, mutate]);

  return (
    <div className="page narrow">
      <h1>Confirm your email</h1>
      {(confirm.isIdle || confirm.isPending) && <p role="status">Confirming your email…</p>}
      {confirm.isSuccess && (
        <p role="status" className="notice">
          Your email is confirmed. Continue to the <Link to="/signin">sign-in page</Link>.
        </p>
      )}
      {confirm.isError && (
        <p role="alert" className="error">
          Could not confirm your email: {errorMessage(confirm.error)}
        </p>
      )}
    </div>
  );
}
