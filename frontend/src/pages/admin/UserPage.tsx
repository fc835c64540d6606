import { useState } from "react";
import { Link, useParams } from "react-router";
import { errorMessage } from "../../api/client";
import { useAdminUser, useLiftSuppression, useUserMail } from "../../api/queries/admin";
import type { AdminMail, AdminSuppression, MailState } from "../../api/types";
import { Badge, type Tone } from "../../components/Badge";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { DataTable } from "../../components/DataTable";
import { formatTime } from "../../components/format";
import { ErrorText, NoticeText } from "../../components/Messages";
import styles from "./admin.module.css";

const STATE_TONE: Record<MailState, Tone | undefined> = {
  queued: "warn",
  sent: "ok",
  deferred: "warn",
  bounced: "bad",
  complained: "bad",
  suppressed: "bad",
  dropped: "bad",
};

const STATE_MEANING: Record<MailState, string> = {
  queued: "Waiting for the mail job",
  sent: "The SMTP server took it",
  deferred: "Refused for now (4xx or no connection): tried again later",
  bounced: "Refused for good, or no try left",
  complained: "The recipient reported it as spam",
  suppressed: "Not sent: the address is suppressed",
  dropped: "Not sent: no SMTP server is set (PRACTICA_SMTP_URL)",
};

function smtpAnswer(mail: AdminMail): string {
  if (!mail.smtp_message && mail.smtp_code === null) return "—";
  return [mail.smtp_code, mail.smtp_message].filter((part) => part !== null && part !== "").join(" ");
}

/** One user: who they are, then the Mail section (their recent mail and whether their address is suppressed). */
export function UserPage() {
  const userId = Number(useParams().userId);
  const user = useAdminUser(userId);
  return (
    <>
      <p className="small-text">
        <Link to="/admin/users">← Users</Link>
      </p>
      <h1>{user.data ? user.data.display_name : "User"}</h1>
      <ErrorText message={user.error ? `Could not load the user: ${errorMessage(user.error)}` : null} />
      {user.data && (
        <dl className={styles.facts}>
          <dt>Email</dt>
          <dd>{user.data.email}</dd>
          <dt>Role</dt>
          <dd>{user.data.role}</dd>
          <dt>Confirmed</dt>
          <dd>{user.data.confirmed ? "Yes" : "No"}</dd>
          <dt>Joined</dt>
          <dd>{formatTime(user.data.created_at)}</dd>
        </dl>
      )}
      <MailSection userId={userId} />
    </>
  );
}

function MailSection({ userId }: { userId: number }) {
  const mail = useUserMail(userId);
  const lifting = useLiftSuppression();
  const [confirming, setConfirming] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  const lift = async (address: string) => {
    setNotice(null);
    setActionError(null);
    try {
      await lifting.mutateAsync(userId);
      setNotice(`${address} receives mail again.`);
    } catch (err) {
      setActionError(`Could not lift the suppression: ${errorMessage(err)}`);
    } finally {
      setConfirming(false);
    }
  };

  return (
    <section aria-labelledby="mail-heading">
      <h2 id="mail-heading">Mail</h2>
      <ErrorText message={mail.error ? `Could not load the mail: ${errorMessage(mail.error)}` : null} />
      <NoticeText message={notice} />
      <ErrorText message={actionError} />
      {mail.isPending && <p className="muted">Loading the mail…</p>}
      {mail.data && (
        <>
          <Suppression suppression={mail.data.suppression} onLift={() => setConfirming(true)} />
          {mail.data.mails.length === 0 ? (
            <p className="muted">No mail to {mail.data.address} yet.</p>
          ) : (
            <DataTable
              caption={`Recent mail to ${mail.data.address}, newest first`}
              rows={mail.data.mails}
              rowKey={(row) => row.id}
              columns={[
                { header: "Subject", rowHeader: true, cell: (row) => row.subject },
                {
                  header: "State",
                  cell: (row) => (
                    <Badge tone={STATE_TONE[row.state]} title={STATE_MEANING[row.state]}>
                      {row.state}
                    </Badge>
                  ),
                },
                { header: "Queued", cell: (row) => formatTime(row.created_at) },
                { header: "Last change", cell: (row) => formatTime(row.state_changed_at) },
                { header: "Tries", cell: (row) => row.attempts },
                { header: "Last SMTP answer", cell: smtpAnswer, cellClassName: styles.smtpAnswer },
              ]}
            />
          )}
          {confirming && mail.data.suppression && (
            <ConfirmDialog
              title={`Send mail to ${mail.data.suppression.address} again?`}
              message={`It ${mail.data.suppression.reason}: ${mail.data.suppression.detail}. Lift the suppression only once the address works (or the recipient asked for mail again); a mail already suppressed is not sent again.`}
              confirmLabel="Lift"
              busy={lifting.isPending}
              onConfirm={() => void lift(mail.data.suppression!.address)}
              onCancel={() => setConfirming(false)}
            />
          )}
        </>
      )}
    </section>
  );
}

function Suppression({ suppression, onLift }: { suppression: AdminSuppression | null; onLift: () => void }) {
  if (!suppression) return <p className="muted">Mail to this address is not suppressed.</p>;
  return (
    <div className={`notice ${styles.suppression}`} role="group" aria-label="Suppression">
      <p>
        <Badge tone="bad">suppressed</Badge> {suppression.address} {suppression.reason} on{" "}
        {formatTime(suppression.created_at)} ({suppression.detail}): no mail is sent to it.
      </p>
      <button type="button" className="small" onClick={onLift}>
        Lift
      </button>
    </div>
  );
}
