// Who is signed in (the token, in this tab only), and a hook that polls a query with it.
import { createContext, useCallback, useContext, useEffect, useState } from "react";
import { graphql, SignInError } from "./graphql";

export interface Session {
  token: string;
  signOut: (reason?: string) => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside a signed-in console");
  return session;
}

/** Run a query now, then again every `everyMs` (0: only on `reload()`); a refused token signs out. */
export function usePoll<T>(query: string, variables: Record<string, unknown>, everyMs: number) {
  const { token, signOut } = useSession();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  const key = JSON.stringify(variables);

  useEffect(() => {
    let stopped = false;
    const load = async () => {
      try {
        const answer = await graphql<T>(token, query, JSON.parse(key) as Record<string, unknown>);
        if (!stopped) {
          setData(answer);
          setError(null);
        }
      } catch (problem) {
        if (problem instanceof SignInError) signOut(problem.message);
        else if (!stopped) setError(problem instanceof Error ? problem.message : String(problem));
      }
    };
    void load();
    const timer = everyMs > 0 ? window.setInterval(() => void load(), everyMs) : undefined;
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [token, signOut, query, key, everyMs, round]);

  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { data, error, reload };
}

/** Send one mutation (or a one-off query) with the session's token. */
export function useSend() {
  const { token, signOut } = useSession();
  return useCallback(
    async <T,>(query: string, variables: Record<string, unknown>): Promise<T> => {
      try {
        return await graphql<T>(token, query, variables);
      } catch (problem) {
        if (problem instanceof SignInError) signOut(problem.message);
        throw problem;
      }
    },
    [token, signOut],
  );
}
