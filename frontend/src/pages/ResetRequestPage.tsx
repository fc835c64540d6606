import { useState } from "react";
import { Link } from "react-router";
import { useRequestPasswordReset } from "../api/queries/accounts";
import { SubmitForm } from "../components/forms";
import { AccountPage, EmailField } from "./accountForms";

export function ResetRequestPage() {
  const request = useRequestPasswordReset();
  const [email, setEmail] = useState("");

  return (
    <AccountPage title="Reset your password">
      {request.isSuccess ? (
        <p role="status" className="notice">
          If an account uses that email, we have sent it a link to set a new password. Check your email.
        </p>
      ) : (
        <SubmitForm
          submitLabel="Send reset link"
          busy={request.isPending}
          error={request.error}
          onSubmit={() => request.mutate(email.trim())}
        >
          <EmailField id="reset-email" value={email} onValue={setEmail} />
        </SubmitForm>
      )}
      <p>
        <Link to="/signin">Back to sign-in</Link>
      </p>
    </AccountPage>
  );
}
