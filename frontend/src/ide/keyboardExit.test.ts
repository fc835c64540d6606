import { describe, expect, it } from "vitest";
import { leaveByEscapeThenTab } from "./keyboardExit";

function handlerOf(): (event: KeyboardEvent) => boolean {
  let attached: ((event: KeyboardEvent) => boolean) | null = null;
  leaveByEscapeThenTab({ attachCustomKeyEventHandler: (handler) => (attached = handler) });
  if (!attached) throw new Error("no handler attached");
  return attached;
}

const key = (name: string, init: KeyboardEventInit = {}) => new KeyboardEvent("keydown", { key: name, ...init });

describe("leaveByEscapeThenTab", () => {
  it("gives Tab to the shell, but to the browser right after Escape", () => {
    const handle = handlerOf();
    expect(handle(key("Tab"))).toBe(true);
    expect(handle(key("Escape"))).toBe(true);
    expect(handle(key("Tab"))).toBe(false);
    expect(handle(key("Tab"))).toBe(true);
  });

  it("lets Shift+Tab leave too, and a key in between cancel the exit", () => {
    const handle = handlerOf();
    handle(key("Escape"));
    expect(handle(key("Shift", { shiftKey: true }))).toBe(true);
    expect(handle(key("Tab", { shiftKey: true }))).toBe(false);
    handle(key("Escape"));
    handle(key("a"));
    expect(handle(key("Tab"))).toBe(true);
  });
});
