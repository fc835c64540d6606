import { useState } from "react";
import { Link } from "react-router";
import { useSignUp } from "../api/queries/accounts";
import { Field, SubmitForm } from "../components/forms";
import { AccountPage, EmailField, NewPasswordField } from "./accountForms";
import { DISPLAY_NAME_HINT } from "./accountRules";

export function SignUpPage() {
  const signUp = useSignUp();
  const [displayName, setDisplayName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");

  if (signUp.isSuccess) {
    return (
      <AccountPage title="Sign up">
        <p role="status" className="notice">
          Check your email to confirm your account
        </p>
        <p>
          Once confirmed, go to the <Link to="/signin">sign-in page</Link>.
        </p>
      </AccountPage>
    );
  }

  return (
    <AccountPage title="Sign up">
      <SubmitForm
        submitLabel="Sign up"
        busy={signUp.isPending}
        error={signUp.error}
        onSubmit={() => signUp.mutate({ email: email.trim(), password, display_name: displayName.trim() })}
      >
        <Field
          id="signup-name"
          label="Display name"
          autoComplete="nickname"
          required
          hint={DISPLAY_NAME_HINT}
          value={displayName}
          onValue={setDisplayName}
        />
        <EmailField id="signup-email" value={email} onValue={setEmail} />
        <NewPasswordField id="signup-password" value={password} onValue={setPassword} />
      </SubmitForm>
      <p>
        Already have an account? <Link to="/signin">Go to sign-in</Link>
      </p>
    </AccountPage>
  );
}
