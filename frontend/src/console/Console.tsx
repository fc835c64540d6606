// The console's shell: signing in with the admin token, the navigation, and the page of the current path.
import { useCallback, useEffect, useMemo, useState, type FormEvent } from "react";
import { forgetToken, graphql, keepToken, SignInError, storedToken } from "./graphql";
import { Link, usePath } from "./router";
import { SessionContext, type Session } from "./session";
import { BackfillsPage } from "./pages/BackfillsPage";
import { DeadLettersPage } from "./pages/DeadLettersPage";
import { IngestionPage } from "./pages/IngestionPage";
import { JobsPage } from "./pages/JobsPage";
import { RulesPage } from "./pages/RulesPage";

const PAGES = [
  { path: "/", label: "Ingestion", Page: IngestionPage },
  { path: "/dead-letters", label: "Dead letters", Page: DeadLettersPage },
  { path: "/rules", label: "Rules & templates", Page: RulesPage },
  { path: "/backfills", label: "Backfills", Page: BackfillsPage },
  { path: "/jobs", label: "Jobs", Page: JobsPage },
];

export function Console() {
  const [token, setToken] = useState<string | null>(storedToken);
  const [notice, setNotice] = useState<string | null>(null);
  const signOut = useCallback((reason?: string) => {
    forgetToken();
    setToken(null);
    setNotice(reason ?? null);
  }, []);
  const session = useMemo<Session | null>(() => (token ? { token, signOut } : null), [token, signOut]);
  if (!session) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(accepted) => {
          keepToken(accepted);
          setNotice(null);
          setToken(accepted);
        }}
      />
    );
  }
  return (
    <SessionContext.Provider value={session}>
      <Shell onSignOut={() => signOut()} />
    </SessionContext.Provider>
  );
}

function Shell({ onSignOut }: { onSignOut: () => void }) {
  const path = usePath();
  const page = PAGES.find((candidate) => candidate.path === path);
  useEffect(() => {
    document.title = `${page?.label ?? "Not found"} · Chronicles console`;
  }, [page]);
  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">Chronicles console</span>
        <nav aria-label="Console">
          <ul>
            {PAGES.map((candidate) => (
              <li key={candidate.path}>
                <Link to={candidate.path} current={candidate.path === path}>
                  {candidate.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" className="secondary" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main>
        {page ? (
          <page.Page />
        ) : (
          <>
            <h1>Not found</h1>
            <p>The console has no page at this address.</p>
          </>
        )}
      </main>
    </div>
  );
}

function SignIn({ notice, onSignedIn }: { notice: string | null; onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState("");
  const [problem, setProblem] = useState<string | null>(notice);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    try {
      await graphql(token.trim(), "{ ingestionStatus { totalLag } }");
      onSignedIn(token.trim());
    } catch (error) {
      if (error instanceof SignInError) {
        setProblem(error.status === 503 ? `The console is closed: ${error.message}` : "That admin token was refused.");
      } else setProblem(String(error));
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <h1>Chronicles console</h1>
      <form onSubmit={(event) => void submit(event)}>
        <label htmlFor="admin-token">Admin token</label>
        <input
          id="admin-token"
          type="password"
          autoComplete="off"
          required
          value={token}
          onChange={(event) => setToken(event.target.value)}
        />
        <p className="muted">CHRONICLES_ADMIN_TOKEN of this server. It is kept in this tab only, until you sign out or close it.</p>
        {problem && (
          <p role="alert" className="error">
            {problem}
          </p>
        )}
        <button type="submit" disabled={busy || !token.trim()}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
