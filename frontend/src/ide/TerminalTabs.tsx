import { useEffect, useImperativeHandle, useRef, useState, type KeyboardEvent, type Ref } from "react";
import { cx } from "../components/cx";
import { useLatest } from "../components/useLatest";
import { Terminal, type TerminalHandle } from "./Terminal";
import {
  activateTerminal,
  addTerminal,
  closeTerminal,
  loadTerminals,
  saveTerminals,
  terminalLabel,
  type TerminalTabsState,
} from "./terminalTabs";
import styles from "./TerminalTabs.module.css";

export interface TerminalTabsProps {
  gatewayUrl: string;
  environmentId: string | number;
  getToken: () => string;
  refreshToken?: () => Promise<string>;
  /** sendInput and focus go to the terminal shown. */
  ref?: Ref<TerminalHandle>;
}

const tabId = (session: string) => `terminal-tab-${session}`;
const panelId = (session: string) => `terminal-panel-${session}`;

/** Several terminals of one environment, each its own shell, as tabs: "+" adds one, × (or Delete) ends one. */
export function TerminalTabs({ gatewayUrl, environmentId, getToken, refreshToken, ref }: TerminalTabsProps) {
  const [state, setState] = useState<TerminalTabsState>(() => loadTerminals(environmentId));
  const handles = useRef(new Map<string, TerminalHandle>());
  const focusNext = useRef<string | null>(null);
  const activeRef = useLatest(state.active);

  useEffect(() => saveTerminals(environmentId, state), [environmentId, state]);
  useEffect(() => {
    if (focusNext.current === state.active) handles.current.get(state.active)?.focus();
    focusNext.current = null;
  }, [state.active]);

  useImperativeHandle(
    ref,
    () => ({
      sendInput: (text: string) => handles.current.get(activeRef.current)?.sendInput(text),
      focus: () => handles.current.get(activeRef.current)?.focus(),
      end: () => handles.current.get(activeRef.current)?.end(),
    }),
    [activeRef],
  );

  const add = () => {
    const next = addTerminal(state);
    focusNext.current = next.active;
    setState(next);
  };

  const close = (session: string) => {
    const next = closeTerminal(state, session);
    if (next === state) return;
    handles.current.get(session)?.end();
    setState(next);
    document.getElementById(tabId(next.active))?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const { tabs } = state;
    if (event.key === "Delete") {
      event.preventDefault();
      close(tabs[index]!.session);
      return;
    }
    const target =
      event.key === "ArrowRight" ? tabs[(index + 1) % tabs.length]
      : event.key === "ArrowLeft" ? tabs[(index - 1 + tabs.length) % tabs.length]
      : event.key === "Home" ? tabs[0]
      : event.key === "End" ? tabs[tabs.length - 1]
      : undefined;
    if (!target) return;
    event.preventDefault();
    setState((previous) => activateTerminal(previous, target.session));
    document.getElementById(tabId(target.session))?.focus();
  };

  return (
    <div className={styles.terminals}>
      <div className={styles.bar}>
        <div role="tablist" aria-label="Shell sessions" className={styles.tabs}>
          {state.tabs.map((tab, index) => {
            const selected = tab.session === state.active;
            const label = terminalLabel(tab);
            return (
              <div key={tab.session} role="presentation" className={cx(styles.tab, selected && styles.selected)}>
                <button
                  type="button"
                  role="tab"
                  id={tabId(tab.session)}
                  aria-selected={selected}
                  aria-controls={panelId(tab.session)}
                  tabIndex={selected ? 0 : -1}
                  onClick={() => setState((previous) => activateTerminal(previous, tab.session))}
                  onKeyDown={(event) => onKeyDown(event, index)}
                  {...(state.tabs.length > 1 ? { title: `${label} (Delete closes it)` } : {})}
                >
                  {label}
                </button>
                {state.tabs.length > 1 && (
                  <button
                    type="button"
                    className={styles.close}
                    title={`Close ${label}: its shell ends`}
                    tabIndex={-1}
                    onClick={() => close(tab.session)}
                  >
                    <span aria-hidden="true">×</span>
                    <span className="visually-hidden">Close {label}</span>
                  </button>
                )}
              </div>
            );
          })}
        </div>
        {/* Named by its text, not aria-label: the page's one element labelled "Terminal…" stays the terminal. */}
        <button type="button" className={styles.add} title="New terminal" onClick={add}>
          <span aria-hidden="true">+</span>
          <span className="visually-hidden">New terminal</span>
        </button>
      </div>
      <div className={styles.panels}>
        {state.tabs.map((tab) => (
          <Terminal
            key={tab.session}
            ref={(handle) => {
              if (handle) handles.current.set(tab.session, handle);
              else handles.current.delete(tab.session);
            }}
            gatewayUrl={gatewayUrl}
            environmentId={environmentId}
            getToken={getToken}
            {...(refreshToken ? { refreshToken } : {})}
            session={tab.session}
            tabId={tabId(tab.session)}
            panelId={panelId(tab.session)}
            active={tab.session === state.active}
          />
        ))}
      </div>
    </div>
  );
}
