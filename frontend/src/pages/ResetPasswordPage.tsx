import { useState } from "react";
import { Link, useParams } from "react-router";
import { useResetPassword } from "../api/queries/accounts";
import { SubmitForm } from "../components/forms";
import { AccountPage, NewPasswordField } from "./accountForms";

export function ResetPasswordPage() {
  const { token = "" } = useParams();
  const reset = useResetPassword();
  const [password, setPassword] = useState("");

  return (
    <AccountPage title="Set a new password">
      {reset.isSuccess ? (
        <p role="status" className="notice">
          Your password has been changed. Continue to the <Link to="/signin">sign-in page</Link>.
        </p>
      ) : (
        <SubmitForm
          submitLabel="Set password"
          busy={reset.isPending}
          error={reset.error}
          onSubmit={() => reset.mutate({ token, password })}
        >
          <NewPasswordField id="reset-password" value={password} onValue={setPassword} />
        </SubmitForm>
      )}
    </AccountPage>
  );
}
