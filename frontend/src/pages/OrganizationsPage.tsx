import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { errorMessage } from "../api/client";
import { useCreateOrganization } from "../api/queries/organizations";
import { isAuthor, useAuth } from "../auth/AuthContext";
import { Field } from "../components/forms";
import { ErrorText } from "../components/Messages";
import styles from "./OrganizationsPage.module.css";

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

function CreateOrganizationForm() {
  const { refresh } = useAuth();
  const navigate = useNavigate();
  const [slug, setSlug] = useState("");
  const [name, setName] = useState("");
  const create = useCreateOrganization();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const wanted = slug.trim();
    if (!SLUG.test(wanted)) {
      setError("The slug is lower-case letters, digits and dashes, such as “acme-school”.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const created = await create.mutateAsync({ slug: wanted, name: name.trim() });
      await refresh();
      void navigate(`/organizations/${encodeURIComponent(created.slug)}`);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="create-org-heading">
      <h2 id="create-org-heading">Create organization</h2>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <ErrorText message={error} />
        <Field id="org-name" label="Name" required value={name} onValue={setName} />
        <div className="field">
          <label htmlFor="org-slug">Slug</label>
          <input
            id="org-slug"
            required
            pattern="[a-z0-9]+(-[a-z0-9]+)*"
            aria-describedby="org-slug-help"
            value={slug}
            onChange={(event) => setSlug(event.target.value)}
          />
          <span id="org-slug-help" className="muted small-text">
            Lower-case letters, digits and dashes; used in links and course files.
          </span>
        </div>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Creating…" : "Create organization"}
        </button>
      </form>
    </section>
  );
}

export function OrganizationsPage() {
  const { me } = useAuth();
  const organizations = me?.organizations ?? [];

  return (
    <div className="page">
      <h1>Organizations</h1>
      {organizations.length === 0 ? (
        <p className="muted">You are not a member of any organization yet.</p>
      ) : (
        <ul className={styles.orgList} aria-label="Your organizations">
          {organizations.map((org) => (
            <li key={org.slug} className="card">
              <Link to={`/organizations/${encodeURIComponent(org.slug)}`}>{org.name}</Link>{" "}
              <span className="muted small-text">
                {org.slug} · {org.role}
              </span>
            </li>
          ))}
        </ul>
      )}
      {isAuthor(me) && <CreateOrganizationForm />}
    </div>
  );
}
