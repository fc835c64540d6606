import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { errorMessage } from "../api/client";
import { requestPasswordReset } from "../api/endpoints";
import { ErrorText } from "../components/Messages";

export function ResetRequestPage() {
  const [email, setEmail] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await requestPasswordReset(email.trim());
      setDone(true);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="page narrow">
      <h1>Reset your password</h1>
      {done ? (
        <p role="status" className="notice">
          If an account uses that email, we have sent it a link to set a new password. Check your email.
        </p>
      ) : (
        <form className="form" onSubmit={(event) => void submit(event)}>
          <ErrorText message={error} />
          <div className="field">
            <label htmlFor="reset-email">Email</label>
            <input
              id="reset-email"
              type="email"
              autoComplete="email"
              required
              value={email}
              onChange={(event) => setEmail(event.target.value)}
            />
          </div>
          <button type="submit" className="primary" disabled={busy}>
            Send reset link
          </button>
        </form>
      )}
      <p>
        <Link to="/signin">Back to sign-in</Link>
      </p>
    </div>
  );
}
