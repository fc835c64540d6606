import { useState } from "react";
import { Link, NavLink, Outlet, useNavigate } from "react-router";
import { errorMessage } from "../api/client";
import { isAdmin, isAuthor, useAuth } from "../auth/AuthContext";
import { ErrorText } from "./Messages";
import styles from "./Layout.module.css";

export function Layout() {
  const { me, signOut } = useAuth();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);

  const onSignOut = async () => {
    setError(null);
    try {
      await signOut();
      await navigate("/signin");
    } catch (err) {
      setError(`Could not sign out: ${errorMessage(err)}`);
    }
  };

  return (
    <div className={styles.app}>
      <a className={styles.skipLink} href="#main">
        Skip to content
      </a>
      <header className={styles.siteHeader}>
        <div className={styles.headerInner}>
          <Link to="/" className={styles.brand}>
            Practica
          </Link>
          <nav aria-label="Main" className={styles.mainNav}>
            <ul>
              <li>
                <NavLink to="/" end>
                  Catalogue
                </NavLink>
              </li>
              {me && (
                <li>
                  <NavLink to="/activity">Activity</NavLink>
                </li>
              )}
              {me && (
                <li>
                  <NavLink to="/organizations">Organizations</NavLink>
                </li>
              )}
              {isAuthor(me) && (
                <li>
                  <NavLink to="/authoring">Authoring</NavLink>
                </li>
              )}
              {isAdmin(me) && (
                <li>
                  <NavLink to="/admin">Admin</NavLink>
                </li>
              )}
            </ul>
          </nav>
          <div className={styles.account}>
            {me === undefined ? null : me ? (
              <>
                <span className={styles.userEmail} title={me.display_name}>
                  {me.email}
                </span>
                <button type="button" onClick={() => void onSignOut()}>
                  Sign out
                </button>
              </>
            ) : (
              <>
                <NavLink to="/signin">Sign in</NavLink>
                <NavLink to="/signup">Sign up</NavLink>
              </>
            )}
          </div>
        </div>
        <ErrorText message={error} />
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
