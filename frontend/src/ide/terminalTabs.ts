/**
 * The terminal tabs of one environment: each names a gateway session, so a
 * tab finds its own shell again after a dropped connection or a reload (the
 * list is kept in this tab's sessionStorage, per environment).
 */

export interface TerminalTab {
  /** The gateway's session name; the first tab's is "main", the session the IDE always had. */
  session: string;
  /** Shown as "Terminal N"; a tab keeps its number when others close. */
  number: number;
}

export interface TerminalTabsState {
  tabs: TerminalTab[];
  active: string;
  /** The number the next tab gets. */
  next: number;
}

export const FIRST_SESSION = "main";

export function initialTerminals(): TerminalTabsState {
  return { tabs: [{ session: FIRST_SESSION, number: 1 }], active: FIRST_SESSION, next: 2 };
}

export function terminalLabel(tab: TerminalTab): string {
  return `Terminal ${tab.number}`;
}

/** A new tab (with a session of its own) after the others, made the active one. */
export function addTerminal(state: TerminalTabsState): TerminalTabsState {
  const tab = { session: `term-${state.next}`, number: state.next };
  return { tabs: [...state.tabs, tab], active: tab.session, next: state.next + 1 };
}

/** Without the tab; closing the active one activates its neighbour. The last tab stays. */
export function closeTerminal(state: TerminalTabsState, session: string): TerminalTabsState {
  const index = state.tabs.findIndex((tab) => tab.session === session);
  if (index < 0 || state.tabs.length === 1) return state;
  const tabs = state.tabs.filter((tab) => tab.session !== session);
  const active = state.active === session ? tabs[Math.min(index, tabs.length - 1)]!.session : state.active;
  return { ...state, tabs, active };
}

export function activateTerminal(state: TerminalTabsState, session: string): TerminalTabsState {
  return state.tabs.some((tab) => tab.session === session) ? { ...state, active: session } : state;
}

const SESSION = /^[A-Za-z0-9_-]{1,32}$/;

function storageKey(environmentId: string | number): string {
  return `practica.terminals.${String(environmentId)}`;
}

function isTab(value: unknown): value is TerminalTab {
  if (!value || typeof value !== "object") return false;
  const tab = value as Record<string, unknown>;
  return typeof tab.session === "string" && SESSION.test(tab.session) && Number.isInteger(tab.number);
}

/** The tabs this browser tab had open on the environment, or one terminal. */
export function loadTerminals(environmentId: string | number): TerminalTabsState {
  try {
    const text = window.sessionStorage.getItem(storageKey(environmentId));
    if (!text) return initialTerminals();
    const value = JSON.parse(text) as Record<string, unknown>;
    const tabs = Array.isArray(value.tabs) ? value.tabs.filter(isTab) : [];
    if (tabs.length === 0) return initialTerminals();
    const active = tabs.some((tab) => tab.session === value.active) ? (value.active as string) : tabs[0]!.session;
    const highest = Math.max(...tabs.map((tab) => tab.number));
    const next = Number.isInteger(value.next) && (value.next as number) > highest ? (value.next as number) : highest + 1;
    return { tabs, active, next };
  } catch {
    return initialTerminals();
  }
}

export function saveTerminals(environmentId: string | number, state: TerminalTabsState): void {
  try {
    window.sessionStorage.setItem(storageKey(environmentId), JSON.stringify(state));
  } catch {
    // storage disabled: a reload opens one terminal
  }
}
