// The console's one way to the server: POST /internal/graphql with the admin token in the Authorization header.
// The token lives in this tab's sessionStorage only (never a URL, never localStorage): see SECURITY.md.

const ENDPOINT = "/internal/graphql";
const TOKEN_KEY = "chronicles-console-token";

/** The server refused the token (401) or has no admin token set (503): the operator must sign in again. */
export class SignInError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** A GraphQL error (a bad argument, a rule that does not validate): the message names the field. */
export class QueryError extends Error {}

export interface FieldError {
  field: string;
  message: string;
}

interface Answer<T> {
  data?: T;
  errors?: { message: string }[];
}

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function keepToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

export async function graphql<T>(token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(ENDPOINT, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    credentials: "omit",
    cache: "no-store",
  });
  if (response.status === 401 || response.status === 503) {
    const body = (await response.json().catch(() => ({}))) as { detail?: string; message?: string };
    throw new SignInError(body.detail ?? body.message ?? "The admin token was refused.", response.status);
  }
  const answer = (await response.json()) as Answer<T>;
  if (answer.errors?.length) throw new QueryError(answer.errors.map((error) => error.message).join("; "));
  if (!response.ok || answer.data === undefined) throw new QueryError(`The server answered ${response.status}.`);
  return answer.data;
}
