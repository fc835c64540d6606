import { NavLink, Outlet } from "react-router";
import styles from "./admin.module.css";

/** The admin pages share a second navigation bar. */
export function AdminLayout() {
  return (
    <div className="page wide">
      <nav aria-label="Admin" className={styles.subNav}>
        <ul>
          <li>
            <NavLink to="/admin/metrics">Metrics</NavLink>
          </li>
          <li>
            <NavLink to="/admin/jobs">Jobs</NavLink>
          </li>
          <li>
            <NavLink to="/admin/environments">Environments</NavLink>
          </li>
          <li>
            <NavLink to="/admin/users">Users</NavLink>
          </li>
          <li>
            <NavLink to="/admin/organizations">Organizations</NavLink>
          </li>
        </ul>
      </nav>
      <Outlet />
    </div>
  );
}
