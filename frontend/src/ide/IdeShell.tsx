import {
  createContext,
  useCallback,
  useContext,
  useMemo,
  useState,
  useSyncExternalStore,
  type KeyboardEvent,
  type ReactNode,
} from "react";
import { Group, Panel, Separator, type Layout, type LayoutChangedMeta } from "react-resizable-panels";
import { cx } from "../components/cx";
import { loadLayout, saveLayout } from "./layoutStorage";
import styles from "./IdeShell.module.css";

/** Where the IDE puts its parts: the shell's pane elements (null until they mount). */
export interface ShellSlots {
  code: HTMLElement | null;
  terminal: HTMLElement | null;
  /** Phone width: panes are tabs, one at a time, and splits stack instead of sitting side by side. */
  compact: boolean;
}

export interface IdeShellProps {
  /** Whose layout this is (the signed-in user's id): each learner's split sizes are remembered apart. */
  owner: string;
  task: ReactNode;
  results: ReactNode;
  /** The IDE (or what stands in for it while the environment is not running), rendered into the slots. */
  children: (slots: ShellSlots) => ReactNode;
}

/** The width below which the panes become tabs. */
export const PHONE_QUERY = "(max-width: 48rem)";

const ShellOwner = createContext<string | null>(null);

function subscribeTo(query: string) {
  return (onChange: () => void) => {
    const list = window.matchMedia?.(query);
    list?.addEventListener("change", onChange);
    return () => list?.removeEventListener("change", onChange);
  };
}

/** Whether a media query matches now (false where the browser has no matchMedia, e.g. jsdom). */
export function useMediaQuery(query: string): boolean {
  const subscribe = useMemo(() => subscribeTo(query), [query]);
  return useSyncExternalStore(subscribe, () => window.matchMedia?.(query).matches ?? false);
}

/**
 * A split whose sizes are remembered for the shell's owner: pass the result to a Group.
 * Only a learner's own drags and key presses are saved, not the sizes a window resize forces.
 */
export function useSavedSplit(group: string): {
  defaultLayout?: Layout;
  onLayoutChanged?: (layout: Layout, meta: LayoutChangedMeta) => void;
} {
  const owner = useContext(ShellOwner);
  const defaultLayout = useMemo(() => (owner === null ? undefined : loadLayout(owner, group)), [owner, group]);
  const onLayoutChanged = useCallback(
    (layout: Layout, meta: LayoutChangedMeta) => {
      if (owner !== null && meta.isUserInteraction) saveLayout(owner, group, meta.requestedLayout ?? layout);
    },
    [owner, group],
  );
  if (owner === null) return {};
  return defaultLayout ? { defaultLayout, onLayoutChanged } : { onLayoutChanged };
}

/**
 * The lesson's IDE shell: it fills the window under the header and never
 * makes the page scroll. Wide: task | files and editor | terminal over
 * results, with draggable (and keyboard-resizable) splits remembered per
 * learner. Phone width: one pane at a time behind tabs.
 */
export function IdeShell({ owner, task, results, children }: IdeShellProps) {
  const compact = useMediaQuery(PHONE_QUERY);
  const [code, setCode] = useState<HTMLElement | null>(null);
  const [terminal, setTerminal] = useState<HTMLElement | null>(null);
  const slots = useMemo(() => ({ code, terminal, compact }), [code, terminal, compact]);
  const panes = { task, results, code: setCode, terminal: setTerminal };
  return (
    <ShellOwner.Provider value={owner}>
      <div className={styles.shell}>{compact ? <PaneTabs {...panes} /> : <Columns {...panes} />}</div>
      {children(slots)}
    </ShellOwner.Provider>
  );
}

interface PanesProps {
  task: ReactNode;
  results: ReactNode;
  code: (element: HTMLElement | null) => void;
  terminal: (element: HTMLElement | null) => void;
}

function Columns({ task, results, code, terminal }: PanesProps) {
  const columns = useSavedSplit("columns");
  const side = useSavedSplit("side");
  return (
    <Group id="ide-columns" orientation="horizontal" className={styles.group} {...columns}>
      <Panel id="ide-task" defaultSize="26%" minSize="14rem" className={styles.pane}>
        <div className={styles.scrollPane}>{task}</div>
      </Panel>
      <Separator className={styles.separator} aria-label="Resize the task pane" />
      <Panel id="ide-code" defaultSize="46%" minSize="18rem" className={styles.pane}>
        <div className={styles.slot} ref={code} />
      </Panel>
      <Separator className={styles.separator} aria-label="Resize the code pane" />
      <Panel id="ide-side" defaultSize="28%" minSize="14rem" className={styles.pane}>
        <Group id="ide-side-rows" orientation="vertical" className={styles.group} {...side}>
          <Panel id="ide-terminal" defaultSize="58%" minSize="6rem" className={styles.pane}>
            <div className={styles.slot} ref={terminal} />
          </Panel>
          <Separator className={cx(styles.separator, styles.rowSeparator)} aria-label="Resize the results pane" />
          <Panel id="ide-results" defaultSize="42%" minSize="4.5rem" className={styles.pane}>
            <div className={cx(styles.scrollPane, styles.results)}>{results}</div>
          </Panel>
        </Group>
      </Panel>
    </Group>
  );
}

export const PANES = [
  { id: "task", label: "Task" },
  { id: "code", label: "Code" },
  { id: "terminal", label: "Terminal" },
  { id: "results", label: "Results" },
] as const;

export type PaneId = (typeof PANES)[number]["id"];

/** The panes as tabs (a phone's width): arrow keys, Home and End move between them. */
function PaneTabs({ task, results, code, terminal }: PanesProps) {
  const [active, setActive] = useState<PaneId>("task");
  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const last = PANES.length - 1;
    const next =
      event.key === "ArrowRight" ? (index + 1) % PANES.length
      : event.key === "ArrowLeft" ? (index + last) % PANES.length
      : event.key === "Home" ? 0
      : event.key === "End" ? last
      : null;
    if (next === null) return;
    event.preventDefault();
    const pane = PANES[next]!.id;
    setActive(pane);
    document.getElementById(`pane-tab-${pane}`)?.focus();
  };
  const panel = (id: PaneId, className?: string) => ({
    role: "tabpanel",
    id: `pane-${id}`,
    "aria-labelledby": `pane-tab-${id}`,
    className: cx(styles.phonePane, className, active !== id && styles.inactive),
  });
  return (
    <div className={styles.phone}>
      <div role="tablist" aria-label="Lesson panes" className={styles.paneTabs}>
        {PANES.map((pane, index) => (
          <button
            key={pane.id}
            type="button"
            role="tab"
            id={`pane-tab-${pane.id}`}
            aria-selected={active === pane.id}
            aria-controls={`pane-${pane.id}`}
            tabIndex={active === pane.id ? 0 : -1}
            className={cx(styles.paneTab, active === pane.id && styles.activeTab)}
            onClick={() => setActive(pane.id)}
            onKeyDown={(event) => onKeyDown(event, index)}
          >
            {pane.label}
          </button>
        ))}
      </div>
      <div className={styles.phonePanes}>
        <div {...panel("task", styles.scrollPane)}>{task}</div>
        <div {...panel("code", styles.slot)} ref={code} />
        <div {...panel("terminal", styles.slot)} ref={terminal} />
        <div {...panel("results", cx(styles.scrollPane, styles.results))}>{results}</div>
      </div>
    </div>
  );
}
