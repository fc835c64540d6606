import type { ReactNode } from "react";
import type { Role } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { RequireAuth } from "./RequireAuth";

const ROLE_NAMES: Record<Role, string> = { learner: "learners", author: "authors", admin: "admins" };

/** Signed-in users with one of `roles` see the children; others a short explanation (the API would answer 403). */
export function RequireRole({ roles, children }: { roles: readonly Role[]; children: ReactNode }) {
  return (
    <RequireAuth>
      <RoleGate roles={roles}>{children}</RoleGate>
    </RequireAuth>
  );
}

function RoleGate({ roles, children }: { roles: readonly Role[]; children: ReactNode }) {
  const { me } = useAuth();
  if (me && roles.includes(me.role)) return <>{children}</>;
  return (
    <div className="page">
      <h1>Not available</h1>
      <p role="alert" className="error">
        This page is for {roles.map((role) => ROLE_NAMES[role]).join(" and ")} only.
      </p>
    </div>
  );
}
