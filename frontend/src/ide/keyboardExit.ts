/**
 * A way out of the terminal for keyboard users. xterm.js sends Tab to the shell
 * (completion), so Tab alone never leaves it; like CodeMirror in the editor,
 * Escape followed by Tab (or Shift+Tab) moves the focus on instead. The Escape
 * itself still reaches the shell; any other key in between cancels the exit.
 */

/** The part of an xterm.js Terminal this needs. */
export interface KeyHandlerHost {
  attachCustomKeyEventHandler: (handler: (event: KeyboardEvent) => boolean) => void;
}

export const TERMINAL_EXIT_HINT = "Press Escape, then Tab, to move focus out of the terminal.";

const MODIFIERS = new Set(["Shift", "Control", "Alt", "Meta"]);

/** Let Escape then Tab leave `terminal` (the Tab goes to the browser, not the shell). */
export function leaveByEscapeThenTab(terminal: KeyHandlerHost): void {
  let escaped = false;
  terminal.attachCustomKeyEventHandler((event) => {
    if (event.type !== "keydown" || MODIFIERS.has(event.key)) return true;
    if (event.key === "Tab" && escaped) {
      escaped = false;
      return false;
    }
    escaped = event.key === "Escape";
    return true;
  });
}
