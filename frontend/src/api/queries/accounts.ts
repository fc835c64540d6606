/** Accounts: who is signed in, signing in and out, sign-up, email confirmation and password reset. */
import { useMutation, type QueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../client";
import type { Me } from "../types";

export const meKey = ["me"] as const;

/** The signed-in user, or null when nobody is (any refusal of `GET /api/me` counts as signed out). */
export async function fetchMe(): Promise<Me | null> {
  try {
    return await unwrap(api.GET("/api/me"));
  } catch {
    return null;
  }
}

export const meQuery = { queryKey: meKey, queryFn: fetchMe };

/** Forget every user's data but who is signed in (after signing in or out, nothing of the last user is shown). */
export function forgetUserData(client: QueryClient): void {
  client.removeQueries({ predicate: (query) => query.queryKey[0] !== meKey[0] });
}

export function useSignIn() {
  return useMutation({
    mutationFn: (body: { email: string; password: string }) => unwrap(api.POST("/api/auth/signin", { body })),
  });
}

export function useSignUp() {
  return useMutation({
    mutationFn: (body: { email: string; password: string; display_name: string }) =>
      unwrap(api.POST("/api/auth/signup", { body })),
  });
}

export const signOut = () => unwrap(api.POST("/api/auth/signout"));

/** Confirm an email address with the token of the mail's link (single use). */
export function useConfirmEmail() {
  return useMutation({ mutationFn: (token: string) => unwrap(api.POST("/api/auth/confirm", { body: { token } })) });
}

export function useRequestPasswordReset() {
  return useMutation({
    mutationFn: (email: string) => unwrap(api.POST("/api/auth/reset-request", { body: { email } })),
  });
}

export function useResetPassword() {
  return useMutation({
    mutationFn: ({ token, password }: { token: string; password: string }) =>
      unwrap(api.POST("/api/auth/reset", { body: { token, password } })),
  });
}

/** Redeem the one-time setup link `practica up` printed: the signed-in user becomes admin. */
export function useRedeemSetupLink() {
  return useMutation({
    mutationFn: (token: string) => unwrap(api.POST("/api/setup/{token}", { params: { path: { token } } })),
  });
}
