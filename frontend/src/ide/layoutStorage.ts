/**
 * The IDE shell's split sizes, remembered per learner in this browser's
 * localStorage: one key per signed-in user and split, so two people sharing a
 * browser each get their own layout back. Nothing is sent to the server.
 */
import type { Layout } from "react-resizable-panels";

const PREFIX = "practica.ide-layout.v1";

/** The storage key of one split of one user's shell. */
export function layoutKey(owner: string, group: string): string {
  return `${PREFIX}.${owner}.${group}`;
}

function storage(): Storage | null {
  try {
    return typeof window !== "undefined" ? window.localStorage : null;
  } catch {
    return null; // storage disabled by the browser's settings
  }
}

/** The saved sizes (percentages by panel id), or undefined when none were saved or they are unreadable. */
export function loadLayout(owner: string, group: string): Layout | undefined {
  const text = storage()?.getItem(layoutKey(owner, group));
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 || !entries.every(([, size]) => typeof size === "number" && size >= 0 && size <= 100)) {
      return undefined;
    }
    return Object.fromEntries(entries) as Layout;
  } catch {
    return undefined;
  }
}

export function saveLayout(owner: string, group: string, layout: Layout): void {
  try {
    storage()?.setItem(layoutKey(owner, group), JSON.stringify(layout));
  } catch {
    // full or disabled storage: the layout is simply not remembered
  }
}
