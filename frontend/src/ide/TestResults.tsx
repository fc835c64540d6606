import { useId, useState } from "react";
import type { TestResult, TestStatus } from "../api/types";
import { cx } from "../components/cx";
import styles from "./CheckPanel.module.css";

/** Longest message or output shown; the server caps them already, this guards older or foreign rows. */
export const SHOWN_CAP = 10_000;

const TEST_TEXT: Record<TestStatus, string> = {
  pass: "Passed",
  fail: "Failed",
  error: "Error",
  skip: "Skipped",
};

const TEST_ICON: Record<TestStatus, string> = { pass: "✔", fail: "✘", error: "!", skip: "–" };

const TEST_CLASS: Record<TestStatus, string | undefined> = {
  pass: styles.testPass,
  fail: styles.testFail,
  error: styles.testError,
  skip: undefined,
};

/** Failures and errors first, then skipped tests; each group keeps the runner's order. */
const ORDER: Record<TestStatus, number> = { error: 0, fail: 0, skip: 1, pass: 2 };

// Terminal escapes (colours, titles) a test printed: shown as text they would be noise.
// eslint-disable-next-line no-control-regex
const TERMINAL_ESCAPE = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[@-Z\\-_])/g;

/** The text as shown: without terminal escapes, cut at SHOWN_CAP with a marker saying how much is left out. */
export function shownText(text: string): string {
  const plain = text.replace(TERMINAL_ESCAPE, "");
  if (plain.length <= SHOWN_CAP) return plain;
  return `${plain.slice(0, SHOWN_CAP)}\n… [${plain.length - SHOWN_CAP} more characters not shown]`;
}

function TestStatusBadge({ status }: { status: TestStatus }) {
  return (
    <span className={styles.testStatus}>
      <span aria-hidden="true">{TEST_ICON[status]}</span> {TEST_TEXT[status]}
    </span>
  );
}

function Duration({ seconds }: { seconds: number | null }) {
  if (seconds === null) return null;
  return <span className={cx(styles.testDuration, "muted")}>{seconds.toFixed(2)} s</span>;
}

/** A button that shows or hides what it controls (aria-expanded, aria-controls). */
function useDisclosure() {
  const [open, setOpen] = useState(false);
  const id = useId();
  const buttonProps = { type: "button" as const, "aria-expanded": open, "aria-controls": id, onClick: () => setOpen(!open) };
  return { open, id, buttonProps };
}

function TestOutput({ output }: { output: string }) {
  const { open, id, buttonProps } = useDisclosure();
  return (
    <>
      <button {...buttonProps} className={cx("link-button", styles.expander)}>
        {open ? "Hide output" : "Show output"}
      </button>
      {open && (
        <pre id={id} className={styles.testMessage}>
          {shownText(output)}
        </pre>
      )}
    </>
  );
}

function TestItem({ test }: { test: TestResult }) {
  return (
    <li className={cx(styles.test, TEST_CLASS[test.status])}>
      <div className={styles.testLine}>
        <TestStatusBadge status={test.status} />
        <span className={styles.testName}>{test.name}</span>
        <Duration seconds={test.duration_s} />
      </div>
      {test.message.trim() && <pre className={styles.testMessage}>{shownText(test.message)}</pre>}
      {test.status !== "pass" && test.output.trim() && <TestOutput output={test.output} />}
    </li>
  );
}

function PassedTests({ tests }: { tests: TestResult[] }) {
  const { open, id, buttonProps } = useDisclosure();
  return (
    <div className={styles.passedGroup}>
      <button {...buttonProps} className={cx("link-button", styles.expander)}>
        <span aria-hidden="true">{open ? "▾" : "▸"}</span> {tests.length} passed {tests.length === 1 ? "test" : "tests"}
      </button>
      {open && (
        <ul id={id} className={styles.testResults} aria-label="Passed tests">
          {tests.map((test, index) => (
            <li key={`${index}-${test.name}`} className={cx(styles.test, styles.testPass)}>
              <div className={styles.testLine}>
                <span className={styles.testName}>{test.name}</span>
                <Duration seconds={test.duration_s} />
              </div>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A check's tests: failures first and whole, then skipped ones, then the passed ones as a count that opens. */
export function TestResults({ tests }: { tests: TestResult[] }) {
  const notPassed = tests.filter((test) => test.status !== "pass").sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  const passed = tests.filter((test) => test.status === "pass");
  return (
    <>
      {notPassed.length > 0 && (
        <ul className={styles.testResults} aria-label="Test results">
          {notPassed.map((test, index) => (
            <TestItem key={`${index}-${test.name}`} test={test} />
          ))}
        </ul>
      )}
      {passed.length > 0 && <PassedTests tests={passed} />}
    </>
  );
}
