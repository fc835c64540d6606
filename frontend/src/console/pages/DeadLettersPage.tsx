// Dead letters: browse (paged, by status and source), look at the raw bytes as text, redrive, discard.
import { useState } from "react";
import { Confirm } from "../Confirm";
import { bytesAsText, visible, when } from "../format";
import {
  DEAD_LETTERS,
  DISCARD,
  REDRIVE,
  type DeadLetter,
  type DeadLetterPage,
  type DiscardAnswer,
  type RedriveAnswer,
} from "../queries";
import { usePoll, useSend } from "../session";

const PAGE_SIZE = 25;
const STATUSES = [
  ["PENDING", "Pending"],
  ["REDRIVEN", "Redriven"],
  ["DISCARDED", "Discarded"],
  ["", "Any status"],
] as const;
const SOURCES = [
  ["", "Any source"],
  ["kafka", "Kafka"],
  ["http", "HTTP"],
  ["outbox", "Outbox"],
] as const;

export function DeadLettersPage() {
  const send = useSend();
  const [status, setStatus] = useState("PENDING");
  const [source, setSource] = useState("");
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [outcome, setOutcome] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const after = cursors.at(-1) ?? null;
  const variables = { status: status || null, source: source || null, first: PAGE_SIZE, after };
  const page = usePoll<DeadLetterPage>(DEAD_LETTERS, variables, 0);
  const letters = page.data?.deadLetters.edges.map((edge) => edge.node) ?? [];
  const pageInfo = page.data?.deadLetters.pageInfo;

  const refilter = (change: () => void) => {
    change();
    setCursors([null]);
    setSelected(new Set());
  };
  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const redrive = async () => {
    const answer = await send<RedriveAnswer>(REDRIVE, { ids: [...selected] });
    const { redriven, stillFailing, skipped } = answer.redriveDeadLetters;
    const parts = [`Redriven: ${redriven.length ? redriven.join(", ") : "none"}.`];
    if (stillFailing.length) parts.push(`Still failing: ${stillFailing.map((l) => `${l.id} (${l.error})`).join(", ")}.`);
    if (skipped.length) parts.push(`Skipped (not pending): ${skipped.join(", ")}.`);
    setOutcome(parts.join(" "));
    setSelected(new Set());
    page.reload();
  };
  const discard = async () => {
    setConfirming(false);
    const answer = await send<DiscardAnswer>(DISCARD, { ids: [...selected] });
    const { discarded } = answer.discardDeadLetters;
    setOutcome(`Discarded: ${discarded.length ? discarded.join(", ") : "none"}.`);
    setSelected(new Set());
    page.reload();
  };

  return (
    <>
      <h1>Dead letters</h1>
      <div className="toolbar">
        <label>
          Status
          <select value={status} onChange={(event) => refilter(() => setStatus(event.target.value))}>
            {STATUSES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Source
          <select value={source} onChange={(event) => refilter(() => setSource(event.target.value))}>
            {SOURCES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" disabled={!selected.size} onClick={() => void redrive()}>
          Redrive selected ({selected.size})
        </button>
        <button type="button" className="danger" disabled={!selected.size} onClick={() => setConfirming(true)}>
          Discard selected ({selected.size})
        </button>
      </div>
      <p role="status" className="outcome">
        {outcome}
      </p>
      {page.error && (
        <p role="alert" className="error">
          {page.error}
        </p>
      )}
      {page.data && !letters.length && <p className="muted">No dead letters here.</p>}
      <ul className="letters" aria-label="Dead letters">
        {letters.map((letter) => (
          <Letter key={letter.id} letter={letter} selected={selected.has(letter.id)} onToggle={() => toggle(letter.id)} />
        ))}
      </ul>
      <nav className="pager" aria-label="Dead letter pages">
        <button type="button" className="secondary" disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>
          Previous page
        </button>
        <span className="muted">Page {cursors.length}</span>
        <button
          type="button"
          className="secondary"
          disabled={!pageInfo?.hasNextPage}
          onClick={() => setCursors((c) => [...c, pageInfo?.endCursor ?? null])}
        >
          Next page
        </button>
      </nav>
      {confirming && (
        <Confirm
          title={`Discard ${selected.size} dead letter${selected.size === 1 ? "" : "s"}?`}
          confirmLabel="Discard"
          onConfirm={() => void discard()}
          onCancel={() => setConfirming(false)}
        >
          <p>
            Discarded letters are kept, marked discarded, and never stored as entries. Letters {[...selected].join(", ")}.
          </p>
        </Confirm>
      )}
    </>
  );
}

function position(letter: DeadLetter): string {
  if (letter.topic === null) return letter.source;
  return `${letter.source} · ${letter.topic}[${letter.partition ?? "?"}] @ ${letter.offset ?? "?"}`;
}

function Letter({ letter, selected, onToggle }: { letter: DeadLetter; selected: boolean; onToggle: () => void }) {
  const raw = letter.rawEncoding === "utf-8" ? visible(letter.raw) : bytesAsText(letter.raw);
  const checkbox = `select-${letter.id}`;
  return (
    <li className="letter" data-letter={letter.id}>
      <div className="letter-head">
        <input
          id={checkbox}
          type="checkbox"
          checked={selected}
          disabled={letter.status !== "pending"}
          onChange={onToggle}
        />
        <label htmlFor={checkbox}>Dead letter {letter.id}</label>
        <span className={`badge badge-${letter.status}`}>{letter.status}</span>
        <span className="muted">{position(letter)}</span>
        <span className="muted">received {when(letter.receivedAt)}</span>
        <span className="muted">
          {letter.attempts} redrive{letter.attempts === 1 ? "" : "s"} · {letter.deliveries} deliver{letter.deliveries === 1 ? "y" : "ies"}
        </span>
      </div>
      <p className="letter-error">
        {letter.field ? <code>{letter.field}</code> : null} {letter.error}
      </p>
      <details>
        <summary>Raw bytes{letter.rawEncoding === "base64" ? " (not UTF-8: other bytes shown as \\xNN)" : ""}</summary>
        <pre className="raw">{raw}</pre>
      </details>
    </li>
  );
}
