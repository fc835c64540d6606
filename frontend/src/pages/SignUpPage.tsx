import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { errorMessage } from "../api/client";
import { signUp } from "../api/endpoints";
import { ErrorText } from "../components/Messages";
import { DISPLAY_NAME_HINT, MIN_PASSWORD_LENGTH, PASSWORD_HINT } from "./accountRules";

export function SignUpPage() {
  const [displayName, setDisplayName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await signUp({ email: email.trim(), password, display_name: displayName.trim() });
      setDone(true);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  if (done) {
    return (
      <div className="page narrow">
        <h1>Sign up</h1>
        <p role="status" className="notice">
          Check your email to confirm your account
        </p>
        <p>
          Once confirmed, go to the <Link to="/signin">sign-in page</Link>.
        </p>
      </div>
    );
  }

  return (
    <div className="page narrow">
      <h1>Sign up</h1>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <ErrorText message={error} />
        <div className="field">
          <label htmlFor="signup-name">Display name</label>
          <input
            id="signup-name"
            autoComplete="nickname"
            required
            aria-describedby="signup-name-hint"
            value={displayName}
            onChange={(event) => setDisplayName(event.target.value)}
          />
          <p id="signup-name-hint" className="muted small-text">
            {DISPLAY_NAME_HINT}
          </p>
        </div>
        <div className="field">
          <label htmlFor="signup-email">Email</label>
          <input
            id="signup-email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="signup-password">Password</label>
          <input
            id="signup-password"
            type="password"
            autoComplete="new-password"
            required
            minLength={MIN_PASSWORD_LENGTH}
            aria-describedby="signup-password-hint"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
          <p id="signup-password-hint" className="muted small-text">
            {PASSWORD_HINT}
          </p>
        </div>
        <button type="submit" className="primary" disabled={busy}>
          Sign up
        </button>
      </form>
      <p>
        Already have an account? <Link to="/signin">Go to sign-in</Link>
      </p>
    </div>
  );
}
