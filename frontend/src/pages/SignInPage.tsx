import { useState } from "react";
import { Link, useLocation, useNavigate } from "react-router";
import { ApiError, errorMessage } from "../api/client";
import { useSignIn } from "../api/queries/accounts";
import { useAuth } from "../auth/AuthContext";
import { Field, SubmitForm } from "../components/forms";
import { AccountPage, EmailField } from "./accountForms";

function destination(state: unknown): string {
  if (state && typeof state === "object" && "from" in state) {
    const from = state.from;
    if (typeof from === "string" && from.startsWith("/") && !from.startsWith("//")) return from;
  }
  return "/";
}

/** The refusal, with how long to wait when the server limits the attempts. */
function signInError(error: unknown): string {
  if (error instanceof ApiError && error.status === 429 && error.retryAfter !== null) {
    return `${error.detail} Try again in ${Math.ceil(error.retryAfter)} s.`;
  }
  return errorMessage(error);
}

export function SignInPage() {
  const { setMe } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const signIn = useSignIn();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");

  const submit = () =>
    signIn.mutate(
      { email: email.trim(), password },
      {
        onSuccess: (me) => {
          setMe(me);
          void navigate(destination(location.state), { replace: true });
        },
      },
    );

  return (
    <AccountPage title="Sign in">
      <SubmitForm
        submitLabel="Sign in"
        busy={signIn.isPending}
        error={signIn.error}
        describeError={signInError}
        onSubmit={submit}
      >
        <EmailField id="signin-email" value={email} onValue={setEmail} />
        <Field
          id="signin-password"
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onValue={setPassword}
        />
      </SubmitForm>
      <p>
        <Link to="/reset">Forgot your password?</Link>
      </p>
      <p>
        New here? <Link to="/signup">Create an account</Link>
      </p>
    </AccountPage>
  );
}
