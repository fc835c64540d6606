import { lazy, Suspense, useEffect, useRef, useState, type ReactNode } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ApiError, errorMessage } from "../api/client";
import { draftBusy, useDraft, usePublishDraft } from "../api/queries/authoring";
import type { FlakyTest, LessonReport, PublishedDraft, RunReport, ValidationReport } from "../api/types";
import {
  DeleteDraftButton,
  draftName,
  DraftProgressBar,
  DraftStatusBadge,
  FormatProblemList,
  sourceClass,
} from "../components/drafts";
import { formatDuration, formatTime } from "../components/format";
import { cx } from "../components/cx";
import { tableStyles } from "../components/DataTable";
import ideStyles from "../ide/Ide.module.css";
import styles from "./DraftPage.module.css";

// The IDE (CodeMirror, xterm.js) is only loaded when a lesson is previewed.
const DraftPreview = lazy(() => import("./DraftPreview").then((module) => ({ default: module.DraftPreview })));

export interface DraftPageProps {
  /** How often the draft is reread while it is fetched or validated. */
  pollIntervalMs?: number;
}

/** ✓ / ✗ with a text for screen readers. */
function Mark({ ok, yes = "Yes", no = "No" }: { ok: boolean; yes?: string; no?: string }) {
  return (
    <span className={cx(styles.mark, ok ? styles.markOk : styles.markBad)}>
      <span aria-hidden="true">{ok ? "✓" : "✗"}</span>
      <span className="visually-hidden">{ok ? yes : no}</span>
    </span>
  );
}

function runOf(lesson: LessonReport, candidate: string): RunReport | undefined {
  return lesson.runs.find((run) => run.candidate === candidate);
}

/** Why a run did (not) hold: the problem when there is one, else its verdict and test counts. */
function reason(run: RunReport | undefined): string | null {
  if (!run) return null;
  if (run.problem) return run.problem;
  return `${run.verdict}, ${run.tests_passed} of ${run.tests_total} tests passed`;
}

function Reason({ run }: { run: RunReport | undefined }) {
  const text = reason(run);
  return text ? <span className={styles.runReason}>{text}</span> : null;
}

/** The test's own name, without its file and class (`test_x[SIGINT]`). */
function testName(flaky: FlakyTest): string {
  return flaky.test ? (flaky.test.split("::").pop() ?? flaky.test) : flaky.candidate;
}

/** How the lesson's tests judged under load: steady, or which were flaky and how often. */
function UnderLoad({ report, stressRuns }: { report: LessonReport; stressRuns: number }) {
  const flaky = report.flaky ?? [];
  if (stressRuns === 0) return <span className="muted">not run</span>;
  if (flaky.length === 0) {
    return (
      <>
        <Mark ok yes="Steady" /> steady
        <div className="muted small-text">{stressRuns} runs</div>
      </>
    );
  }
  return (
    <ul className={styles.flakyList} aria-label={`Flaky tests of ${report.title}`}>
      {flaky.map((item) => (
        <li key={`${item.candidate}:${item.test}`}>
          <Mark ok={false} no="Flaky" /> <code className={styles.testId}>{testName(item)}</code>
          <span className={styles.runReason}>
            {item.candidate === "solution"
              ? `failed ${item.failed_runs} of ${item.runs} runs`
              : `passed ${item.failed_runs} of ${item.runs} runs`}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** Flaky tests block publishing until the author says they have seen them. */
function FlakyWarning({
  report,
  confirmed,
  onConfirm,
  canPublish,
}: {
  report: ValidationReport;
  confirmed: boolean;
  onConfirm: (value: boolean) => void;
  canPublish: boolean;
}) {
  const flaky = report.lessons.flatMap((lesson) => (lesson.flaky ?? []).map((item) => ({ lesson, item })));
  const count = flaky.length;
  return (
    <div className={cx("notice", styles.flakyWarning)} role="region" aria-label="Flaky tests">
      <p>
        <strong>
          {count} flaky {count === 1 ? "test" : "tests"}
        </strong>
        : {count === 1 ? "it" : "they"} failed the reference solution in some of {report.stress_runs} runs beside a
        CPU hog on every core, so {count === 1 ? "it" : "they"} may fail a correct learner on a busy host. Loosen the
        timing and import the course again.
      </p>
      <ul>
        {flaky.map(({ lesson, item }) => (
          <li key={`${lesson.slug}:${item.candidate}:${item.test}`}>
            {lesson.title}: <code className={styles.testId}>{testName(item)}</code> —{" "}
            {item.summary.slice(item.summary.lastIndexOf(": ") + 2)}
            {item.message && <span className={styles.runReason}>{item.message}</span>}
          </li>
        ))}
      </ul>
      {canPublish && (
        <label className={styles.checkLabel}>
          <input type="checkbox" checked={confirmed} onChange={(event) => onConfirm(event.target.checked)} />
          Publish anyway: I have seen the flaky {count === 1 ? "test" : "tests"}
        </label>
      )}
    </div>
  );
}

function ReportCells({ report }: { report: LessonReport }) {
  const wrong = Object.entries(report.wrong_solutions_fail);
  const inTime = report.reference_time_s !== null && report.reference_time_s <= report.time_allowed_s;
  return (
    <>
      <td>
        <Mark ok={report.starter_fails} />
        {!report.starter_fails && <Reason run={runOf(report, "starter")} />}
      </td>
      <td>
        {wrong.length === 0 ? (
          <span className="muted">none</span>
        ) : (
          <ul className={styles.wrongList}>
            {wrong.map(([name, fails]) => (
              <li key={name}>
                <Mark ok={fails} /> <code>{name}</code> <Reason run={runOf(report, `wrong:${name}`)} />
              </li>
            ))}
          </ul>
        )}
      </td>
      <td>
        <Mark ok={report.reference_passes} />
        {!report.reference_passes && <Reason run={runOf(report, "solution")} />}
      </td>
      <td>
        <Mark ok={inTime} yes="In time" no="Too slow" /> {formatDuration(report.reference_time_s)} of{" "}
        {formatDuration(report.time_allowed_s)} allowed
        <div className="muted small-text">limit {formatDuration(report.time_limit_s)}</div>
      </td>
    </>
  );
}

function PublishResult({ result }: { result: PublishedDraft }) {
  const list = (label: string, items: string[]) =>
    items.length > 0 ? (
      <li>
        {label}: {items.join(", ")}
      </li>
    ) : null;
  return (
    <div className="notice notice-ok" role="status">
      {result.changed ? (
        <p>Published as version {result.version}.</p>
      ) : (
        <p>Nothing changed: version {result.version} stays the newest.</p>
      )}
      <ul>
        {list("Added", result.added)}
        {list("Updated", result.updated)}
        {list("Removed", result.removed)}
      </ul>
    </div>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  const id = `section-${title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

export function DraftPage({ pollIntervalMs = 1000 }: DraftPageProps) {
  const { draftId: rawId = "" } = useParams();
  const draftId = Number(rawId);
  const navigate = useNavigate();
  const { data: draft, error } = useDraft(draftId, pollIntervalMs);
  const publish = usePublishDraft(draftId);
  const [allowFlaky, setAllowFlaky] = useState(false);
  const [preview, setPreview] = useState<string | null>(null);
  const previewRegion = useRef<HTMLElement>(null);
  const loadError = Number.isInteger(draftId) ? error : new Error("Not a draft number.");

  useEffect(() => {
    if (preview) previewRegion.current?.focus();
  }, [preview]);

  if (!draft) {
    if (loadError) {
      const missing = loadError instanceof ApiError && loadError.status === 404;
      return (
        <div className="page">
          <h1>{missing ? "Draft not found" : "Draft"}</h1>
          <p className="error" role="alert">
            {missing ? "There is no such draft of yours." : `Could not load the draft: ${errorMessage(loadError)}`}
          </p>
          <p>
            <Link to="/authoring">Back to your drafts</Link>
          </p>
        </div>
      );
    }
    return (
      <p className="muted page" role="status">
        Loading the draft…
      </p>
    );
  }

  const reports = new Map((draft.report?.lessons ?? []).map((lesson) => [lesson.slug, lesson]));
  const rows = [
    ...draft.lessons.map((lesson) => ({ slug: lesson.slug, title: lesson.title })),
    ...(draft.report?.lessons ?? [])
      .filter((report) => !draft.lessons.some((lesson) => lesson.slug === report.slug))
      .map((report) => ({ slug: report.slug, title: report.title })),
  ];
  const previewTitle = rows.find((row) => row.slug === preview)?.title ?? preview;
  const previewLesson = draft.lessons.find((lesson) => lesson.slug === preview);
  const stressRuns = draft.report?.stress_runs ?? 0;
  const flakyCount = draft.report?.flaky_tests ?? 0;
  const blockedByFlaky = draft.status === "valid" && flakyCount > 0 && !allowFlaky;

  return (
    <div className="page wide">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/authoring">Authoring</Link> / <span aria-current="page">Draft {draft.id}</span>
      </nav>
      <h1>{draftName(draft)}</h1>
      <dl className={styles.draftFacts}>
        <dt>Course</dt>
        <dd>
          {draft.course_id === null ? (
            <span className="muted">known once the repository is fetched</span>
          ) : (
            <code>{draft.course_id}</code>
          )}
          {draft.organization && <> in {draft.organization}</>}
        </dd>
        <dt>Status</dt>
        <dd>
          <span role="status" aria-label="Draft status">
            <DraftStatusBadge status={draft.status} />
            {draft.status === "published" && draft.published_version !== null && (
              <> as version {draft.published_version}</>
            )}
          </span>
        </dd>
        <dt>Validation</dt>
        <dd>
          <DraftProgressBar progress={draft.progress} status={draft.status} label="Validation progress" />
        </dd>
        <dt>Source</dt>
        <dd className={cx(sourceClass, styles.source)}>{draft.source}</dd>
        <dt>Imported</dt>
        <dd>
          <time dateTime={draft.created_at}>{formatTime(draft.created_at)}</time>
        </dd>
      </dl>
      {draft.error && (
        <p className="error" role="alert">
          {draft.error}
        </p>
      )}
      {draft.problems.length > 0 && (
        <FormatProblemList problems={draft.problems} outcome="fix them and import the course again" />
      )}
      {loadError && (
        <p className="error" role="alert">
          Could not refresh the draft: {errorMessage(loadError)}
        </p>
      )}

      {draft.report && flakyCount > 0 && (
        <FlakyWarning
          report={draft.report}
          confirmed={allowFlaky}
          onConfirm={setAllowFlaky}
          canPublish={draft.status === "valid"}
        />
      )}
      <div className={styles.draftActions}>
        <button
          type="button"
          className="primary"
          onClick={() => publish.mutate({ allow_flaky: allowFlaky })}
          disabled={draft.status !== "valid" || publish.isPending || blockedByFlaky}
          aria-describedby="publish-help"
        >
          {publish.isPending ? "Publishing…" : "Publish"}
        </button>
        <span id="publish-help" className="muted small-text">
          {blockedByFlaky
            ? "Tick “Publish anyway” above to publish with flaky tests."
            : draft.status === "valid"
              ? "Makes this draft the course's newest version."
              : draft.status === "published"
                ? "This draft is published."
                : "Only a valid draft can be published."}
        </span>
        <span className="spacer" />
        <DeleteDraftButton draft={draft} className="" onDeleted={() => void navigate("/authoring")} />
      </div>
      {publish.error && (
        <p className="error" role="alert">
          Could not publish: {errorMessage(publish.error)}
        </p>
      )}
      {publish.data && <PublishResult result={publish.data} />}

      <Section title="Validation report">
        {draft.report ? (
          <p className={draft.report.ok ? "muted" : "error"}>
            {draft.report.runs - draft.report.failed_runs} of {draft.report.runs} runs as expected
            {draft.report.failed_runs > 0 ? `; ${draft.report.failed_runs} did not hold.` : "."}
            {stressRuns > 0 &&
              ` Under load (${stressRuns} more runs of each reference solution beside a CPU hog): ${
                flakyCount === 0 ? "no flaky test." : `${flakyCount} flaky ${flakyCount === 1 ? "test" : "tests"}.`
              }`}
          </p>
        ) : (
          <p className="muted">
            {draftBusy(draft.status) ? "The report appears when the validation ends." : "No report."}
          </p>
        )}
        <div className={tableStyles.tableWrap}>
          <table className={tableStyles.dataTable}>
            <caption className="visually-hidden">Validation of each lesson</caption>
            <thead>
              <tr>
                <th scope="col">Lesson</th>
                <th scope="col">Starter fails</th>
                <th scope="col">Wrong solutions fail</th>
                <th scope="col">Reference passes</th>
                <th scope="col">Time</th>
                <th scope="col">Under load</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => {
                const report = reports.get(row.slug);
                return (
                  <tr key={row.slug} className={report && !report.ok ? tableStyles.rowBad : undefined}>
                    <th scope="row">
                      {row.title}
                      <div className="muted small-text">
                        <code>{row.slug}</code>
                      </div>
                    </th>
                    {report ? (
                      <>
                        <ReportCells report={report} />
                        <td>
                          <UnderLoad report={report} stressRuns={stressRuns} />
                        </td>
                      </>
                    ) : (
                      <td colSpan={5} className="muted">
                        {draftBusy(draft.status) ? "Validating…" : "—"}
                      </td>
                    )}
                    <td>
                      <button
                        type="button"
                        className="small"
                        onClick={() => setPreview(row.slug)}
                        aria-label={`Preview ${row.title}`}
                        aria-pressed={preview === row.slug}
                      >
                        Preview
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </Section>

      {preview && (
        <section
          className={styles.previewPanel}
          aria-labelledby="preview-heading"
          ref={previewRegion}
          tabIndex={-1}
        >
          <div className="panel-bar">
            <h2 id="preview-heading" className="panel-title">
              Preview: {previewTitle}
            </h2>
            <button type="button" className="small" onClick={() => setPreview(null)}>
              Close preview
            </button>
          </div>
          <div className={cx(ideStyles.idePanel, styles.previewIde)}>
            <Suspense fallback={<p className="muted">Loading the IDE…</p>}>
              {previewLesson ? (
                <DraftPreview key={preview} draftId={draft.id} courseId={draft.course_id} lesson={previewLesson} />
              ) : (
                <p className="muted">This lesson has no files in the draft to preview.</p>
              )}
            </Suspense>
          </div>
        </section>
      )}
    </div>
  );
}
