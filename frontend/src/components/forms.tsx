import type { FormEvent, InputHTMLAttributes, ReactNode } from "react";
import { errorMessage } from "../api/client";
import { ErrorText } from "./Messages";

export interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, "onChange" | "value"> {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  /** Told under the input and read with it (`aria-describedby`). */
  hint?: ReactNode;
}

/** A labelled input, with the rule it follows under it when there is one. */
export function Field({ id, label, value, onValue, hint, ...input }: FieldProps) {
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        {...input}
        {...(hint ? { "aria-describedby": hintId } : {})}
        value={value}
        onChange={(event) => onValue(event.target.value)}
      />
      {hint && (
        <p id={hintId} className="muted small-text">
          {hint}
        </p>
      )}
    </div>
  );
}

export interface SubmitFormProps {
  submitLabel: string;
  /** While the request is out: the button is disabled. */
  busy: boolean;
  /** The refusal to show above the fields (any thrown value). */
  error: unknown;
  onSubmit: () => void;
  children: ReactNode;
  /** How to tell the error (default: the server's detail). */
  describeError?: (error: unknown) => string;
}

/** A form of fields and one primary button; the server's refusal is shown above the fields. */
export function SubmitForm({
  submitLabel,
  busy,
  error,
  onSubmit,
  children,
  describeError = errorMessage,
}: SubmitFormProps) {
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit();
  };
  return (
    <form className="form" onSubmit={submit}>
      <ErrorText message={error ? describeError(error) : null} />
      {children}
      <button type="submit" className="primary" disabled={busy}>
        {submitLabel}
      </button>
    </form>
  );
}
