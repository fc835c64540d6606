/** A message for the user, shown only when there is one: errors are alerts, notices are polite status lines. */
export function ErrorText({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p className="error" role="alert">
      {message}
    </p>
  );
}

export function NoticeText({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p className="notice notice-ok" role="status">
      {message}
    </p>
  );
}
