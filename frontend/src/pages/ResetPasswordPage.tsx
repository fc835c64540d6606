import { useState, type FormEvent } from "react";
import { Link, useParams } from "react-router";
import { errorMessage } from "../api/client";
import { resetPassword } from "../api/endpoints";
import { ErrorText } from "../components/Messages";
import { MIN_PASSWORD_LENGTH, PASSWORD_HINT } from "./accountRules";

export function ResetPasswordPage() {
  const { token = "" } = useParams();
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await resetPassword(token, password);
      setDone(true);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="page narrow">
      <h1>Set a new password</h1>
      {done ? (
        <p role="status" className="notice">
          Your password has been changed. Continue to the <Link to="/signin">sign-in page</Link>.
        </p>
      ) : (
        <form className="form" onSubmit={(event) => void submit(event)}>
          <ErrorText message={error} />
          <div className="field">
            <label htmlFor="reset-password">Password</label>
            <input
              id="reset-password"
              type="password"
              autoComplete="new-password"
              required
              minLength={MIN_PASSWORD_LENGTH}
              aria-describedby="reset-password-hint"
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
            <p id="reset-password-hint" className="muted small-text">
              {PASSWORD_HINT}
            </p>
          </div>
          <button type="submit" className="primary" disabled={busy}>
            Set password
          </button>
        </form>
      )}
    </div>
  );
}
