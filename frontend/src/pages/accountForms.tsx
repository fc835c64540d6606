/** What the account pages share: their frame, and the email and new-password fields with the server's rules. */
import type { ReactNode } from "react";
import { Field } from "../components/forms";
import { MIN_PASSWORD_LENGTH, PASSWORD_HINT } from "./accountRules";

/** A narrow page with its title. */
export function AccountPage({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="page narrow">
      <h1>{title}</h1>
      {children}
    </div>
  );
}

interface FieldOf {
  id: string;
  value: string;
  onValue: (value: string) => void;
}

export function EmailField({ id, value, onValue }: FieldOf) {
  return <Field id={id} label="Email" type="email" autoComplete="email" required value={value} onValue={onValue} />;
}

/** A password being chosen: its rules are told before the form is sent. */
export function NewPasswordField({ id, value, onValue }: FieldOf) {
  return (
    <Field
      id={id}
      label="Password"
      type="password"
      autoComplete="new-password"
      required
      minLength={MIN_PASSWORD_LENGTH}
      hint={PASSWORD_HINT}
      value={value}
      onValue={onValue}
    />
  );
}
