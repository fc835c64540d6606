import { useEffect, useRef, useState } from "react";
import { Link, useParams } from "react-router";
import { errorMessage } from "../api/client";
import { confirmEmail } from "../api/endpoints";
import type { MessageResponse } from "../api/types";

export function ConfirmEmailPage() {
  const { token = "" } = useParams();
  const [state, setState] = useState<{ status: "pending" | "done" | "error"; message?: string }>({
    status: "pending",
  });
  // The token is single-use: send it once even when effects run twice (StrictMode).
  const request = useRef<{ token: string; promise: Promise<MessageResponse> } | null>(null);

  useEffect(() => {
    let active = true;
    if (!request.current || request.current.token !== token) {
      request.current = { token, promise: confirmEmail(token) };
    }
    request.current.promise.then(
      () => active && setState({ status: "done" }),
      (err: unknown) => active && setState({ status: "error", message: errorMessage(err) }),
    );
    return () => {
      active = false;
    };
  }, [token]);

  return (
    <div className="page narrow">
      <h1>Confirm your email</h1>
      {state.status === "pending" && <p role="status">Confirming your email…</p>}
      {state.status === "done" && (
        <p role="status" className="notice">
          Your email is confirmed. Continue to the <Link to="/signin">sign-in page</Link>.
        </p>
      )}
      {state.status === "error" && (
        <p role="alert" className="error">
          Could not confirm your email: {state.message}
        </p>
      )}
    </div>
  );
}
