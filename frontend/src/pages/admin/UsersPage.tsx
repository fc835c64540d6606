import { useState } from "react";
import { Link } from "react-router";
import { errorMessage } from "../../api/client";
import { useAdminUsers, useChangeRole } from "../../api/queries/admin";
import type { AdminUser, Role } from "../../api/types";
import { useAuth } from "../../auth/AuthContext";
import { DataTable, LoadedList } from "../../components/DataTable";
import { formatTime } from "../../components/format";
import { Pager, useCursors } from "../../components/paging";
import { ErrorText, NoticeText } from "../../components/Messages";

const ROLES: readonly Role[] = ["learner", "author", "admin"];
/** The note beside the signed-in admin's own role, which the server refuses to change (409). */
const OWN_ROLE_NOTE_ID = "own-role-note";

export function UsersPage() {
  const { me, refresh } = useAuth();
  const cursors = useCursors<number>();
  const page = useAdminUsers(cursors.after);
  const changeRole = useChangeRole();
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const busy = changeRole.isPending ? changeRole.variables.user : null;

  const change = async (user: AdminUser, role: Role) => {
    if (role === user.role) return;
    setActionError(null);
    setNotice(null);
    try {
      const updated = await changeRole.mutateAsync({ user: user.id, role });
      setNotice(`${updated.email} is now ${updated.role}.`);
      if (me && updated.id === me.id) await refresh();
    } catch (err) {
      setActionError(`Could not change the role of ${user.email}: ${errorMessage(err)}`);
    }
  };

  return (
    <>
      <h1>Users</h1>
      <LoadedList
        rows={page.data?.items}
        error={page.error ? errorMessage(page.error) : null}
        what="the users"
        empty="No users."
        notices={
          <>
            <NoticeText message={notice} />
            <ErrorText message={actionError} />
          </>
        }
      >
        {(users) => (
          <DataTable
            caption="Users by id"
            rows={users}
            rowKey={(user) => user.id}
            columns={[
              {
                header: "User",
                rowHeader: true,
                cell: (user) => (
                  <>
                    <Link to={`/admin/users/${user.id}`}>{user.display_name}</Link>
                    <div className="muted small-text">{user.email}</div>
                  </>
                ),
              },
              { header: "Confirmed", cell: (user) => (user.confirmed ? "Yes" : "No") },
              {
                header: "Organizations",
                cell: (user) => (user.organizations.length > 0 ? user.organizations.join(", ") : "—"),
              },
              { header: "Joined", cell: (user) => formatTime(user.created_at) },
              {
                header: "Role",
                cell: (user) => {
                  const isMe = me?.id === user.id;
                  return (
                    <>
                      <select
                        aria-label={`Role of ${user.email}`}
                        aria-describedby={isMe ? OWN_ROLE_NOTE_ID : undefined}
                        value={user.role}
                        disabled={isMe || busy === user.id}
                        onChange={(event) => void change(user, event.target.value as Role)}
                      >
                        {ROLES.map((role) => (
                          <option key={role} value={role}>
                            {role}
                          </option>
                        ))}
                      </select>
                      {isMe && (
                        <div id={OWN_ROLE_NOTE_ID} className="muted small-text">
                          Your own role: another admin can change it.
                        </div>
                      )}
                    </>
                  );
                },
              },
            ]}
          />
        )}
      </LoadedList>
      <Pager cursors={cursors} next={page.data?.next_after ?? null} />
    </>
  );
}
