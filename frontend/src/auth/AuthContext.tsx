import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { ApiError } from "../api/client";
import { getMe, signOut as apiSignOut } from "../api/endpoints";
import type { Me } from "../api/types";

export interface AuthValue {
  /** undefined while loading, null when signed out. */
  me: Me | null | undefined;
  setMe: (me: Me | null) => void;
  refresh: () => Promise<void>;
  signOut: () => Promise<void>;
}

const AuthContext = createContext<AuthValue | null>(null);

export function AuthProvider({ children, initialMe }: { children: ReactNode; initialMe?: Me | null }) {
  const [me, setMe] = useState<Me | null | undefined>(initialMe);

  const refresh = useCallback(async () => {
    try {
      setMe(await getMe());
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setMe(null);
      else setMe(null);
    }
  }, []);

  useEffect(() => {
    if (initialMe === undefined) void refresh();
  }, [initialMe, refresh]);

  const signOut = useCallback(async () => {
    try {
      await apiSignOut();
    } finally {
      setMe(null);
    }
  }, []);

  const value = useMemo(() => ({ me, setMe, refresh, signOut }), [me, refresh, signOut]);
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
