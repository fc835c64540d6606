import { useEffect, useState } from "react";
import { errorMessage } from "../../api/client";
import { changeUserRole, listUsers } from "../../api/endpoints";
import type { AdminUser, Role } from "../../api/types";
import { useAuth } from "../../auth/AuthContext";
import { formatTime } from "../../components/format";

const ROLES: readonly Role[] = ["learner", "author", "admin"];
export const USER_PAGE = 100;

export function UsersPage() {
  const { me, refresh } = useAuth();
  /** `after` cursors of the pages before this one; the last is this page's (ids ascend). */
  const [cursors, setCursors] = useState<number[]>([0]);
  const after = cursors[cursors.length - 1] ?? 0;
  const [users, setUsers] = useState<AdminUser[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<number | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    listUsers(after || null, USER_PAGE, controller.signal).then(
      (found) => {
        setUsers(found);
        setLoadError(null);
      },
      (err: unknown) => {
        if (!controller.signal.aborted) setLoadError(errorMessage(err));
      },
    );
    return () => controller.abort();
  }, [after]);

  const change = async (user: AdminUser, role: Role) => {
    if (role === user.role) return;
    setBusy(user.id);
    setActionError(null);
    setNotice(null);
    try {
      const updated = await changeUserRole(user.id, role);
      setUsers((prev) => prev?.map((row) => (row.id === updated.id ? updated : row)) ?? prev);
      setNotice(`${updated.email} is now ${updated.role}.`);
      if (me && updated.id === me.id) await refresh();
    } catch (err) {
      setActionError(`Could not change the role of ${user.email}: ${errorMessage(err)}`);
    } finally {
      setBusy(null);
    }
  };

  return (
    <>
      <h1>Users</h1>
      {loadError && (
        <p className="error" role="alert">
          Could not load the users: {loadError}
        </p>
      )}
      {notice && (
        <p className="notice notice-ok" role="status">
          {notice}
        </p>
      )}
      {actionError && (
        <p className="error" role="alert">
          {actionError}
        </p>
      )}
      {users === null && !loadError && <p className="muted">Loading…</p>}
      {users && users.length === 0 && <p className="muted">No users.</p>}
      {users && users.length > 0 && (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">Users by id</caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Confirmed</th>
                <th scope="col">Organizations</th>
                <th scope="col">Joined</th>
                <th scope="col">Role</th>
              </tr>
            </thead>
            <tbody>
              {users.map((user) => (
                <tr key={user.id}>
                  <th scope="row">
                    {user.display_name}
                    <div className="muted small-text">{user.email}</div>
                  </th>
                  <td>{user.confirmed ? "Yes" : "No"}</td>
                  <td>{user.organizations.length > 0 ? user.organizations.join(", ") : "—"}</td>
                  <td>{formatTime(user.created_at)}</td>
                  <td>
                    <select
                      aria-label={`Role of ${user.email}`}
                      value={user.role}
                      disabled={busy === user.id}
                      onChange={(event) => void change(user, event.target.value as Role)}
                    >
                      {ROLES.map((role) => (
                        <option key={role} value={role}>
                          {role}
                        </option>
                      ))}
                    </select>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="pager">
        <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors((prev) => prev.slice(0, -1))}>
          Previous
        </button>
        <button
          type="button"
          disabled={!users || users.length < USER_PAGE}
          onClick={() => {
            const last = users?.[users.length - 1];
            if (last) setCursors((prev) => [...prev, last.id]);
          }}
        >
          Next
        </button>
      </p>
    </>
  );
}
