import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useMemo, type ReactNode } from "react";
import { forgetUserData, meKey, meQuery, signOut as signOutRequest } from "../api/queries/accounts";
import type { Me } from "../api/types";

export interface AuthValue {
  /** undefined while loading, null when signed out. */
  me: Me | null | undefined;
  setMe: (me: Me | null) => void;
  refresh: () => Promise<void>;
  signOut: () => Promise<void>;
}

const AuthContext = createContext<AuthValue | null>(null);

/**
 * Who is signed in (`GET /api/me`, read once; `refresh` reads it again). When
 * the user changes (sign-in, sign-out) the cached data of the last one is dropped.
 * `initialMe` (tests) is taken as the answer instead of asking the server.
 */
export function AuthProvider({ children, initialMe }: { children: ReactNode; initialMe?: Me | null }) {
  const client = useQueryClient();
  const given = initialMe !== undefined;
  const { data: me } = useQuery({
    ...meQuery,
    enabled: !given,
    staleTime: Infinity,
    ...(given ? { initialData: initialMe } : {}),
  });

  const setMe = useCallback(
    (next: Me | null) => {
      const previous = client.getQueryData<Me | null>(meKey);
      if ((previous?.id ?? null) !== (next?.id ?? null)) forgetUserData(client);
      client.setQueryData(meKey, next);
    },
    [client],
  );

  const refresh = useCallback(async () => {
    await client.fetchQuery({ ...meQuery, staleTime: 0 });
  }, [client]);

  const signOut = useCallback(async () => {
    try {
      await signOutRequest();
    } finally {
      setMe(null);
    }
  }, [setMe]);

  const value = useMemo(() => ({ me, setMe, refresh, signOut }), [me, setMe, refresh, signOut]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth must be used inside <AuthProvider>");
  return value;
}

/** Like {@link useAuth}, but null outside an <AuthProvider> (components tested on their own). */
export function useOptionalAuth(): AuthValue | null {
  return useContext(AuthContext);
}

/** Authors and admins write courses (authoring, lesson history, organisations). */
export function isAuthor(me: Me | null | undefined): boolean {
  return me?.role === "author" || me?.role === "admin";
}

export function isAdmin(me: Me | null | undefined): boolean {
  return me?.role === "admin";
}

/** Whether `me` administers the organisation `slug` (its admin, or a platform admin). */
export function administers(me: Me | null | undefined, slug: string): boolean {
  if (!me) return false;
  return me.role === "admin" || me.organizations.some((org) => org.slug === slug && org.role === "admin");
}
