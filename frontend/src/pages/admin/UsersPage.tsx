import { useEffect, useState } from "react";
import { errorMessage } from "../../api/client";
import { changeUserRole, listUsers } from "../../api/endpoints";
import type { AdminUser, Role } from "../../api/types";
import { useAuth } from "../../auth/AuthContext";
import { formatTime } from "../../components/format";
import { Pager, useCursors } from "../../components/paging";
import { ErrorText, NoticeText } from "../../components/Messages";

const ROLES: readonly Role[] = ["learner", "author", "admin"];
export const USER_PAGE = 100;

export function UsersPage() {
  const { me, refresh } = useAuth();
  const cursors = useCursors<number>();
  const after = cursors.after;
  const [users, setUsers] = useState<AdminUser[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<number | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    listUsers(after, USER_PAGE, controller.signal).then(
      (page) => {
        setUsers(page.items);
        setNext(page.next_after);
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
      <NoticeText message={notice} />
      <ErrorText message={actionError} />
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
      <Pager cursors={cursors} next={next} />
    </>
  );
}
