import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TerminalTabs } from "./TerminalTabs";
import type { TerminalHandle } from "./Terminal";

// xterm.js needs a real browser: each terminal is a stub that records its session and what it was sent.
const terminals = vi.hoisted(() => ({ input: [] as string[], ended: [] as string[] }));
vi.mock("./Terminal", async () => {
  const { useImperativeHandle } = await import("react");
  return {
    Terminal: (props: {
      session: string;
      tabId: string;
      panelId: string;
      active: boolean;
      ref?: React.Ref<TerminalHandle>;
    }) => {
      useImperativeHandle(props.ref, () => ({
        sendInput: (text: string) => terminals.input.push(`${props.session}:${text}`),
        focus: () => {},
        end: () => terminals.ended.push(props.session),
      }));
      return (
        <div
          role="tabpanel"
          id={props.panelId}
          aria-labelledby={props.tabId}
          data-session={props.session}
          hidden={!props.active}
        />
      );
    },
  };
});

function renderTabs(handle?: React.Ref<TerminalHandle>) {
  return render(
    <TerminalTabs gatewayUrl="https://gw.test" environmentId="env1" getToken={() => "tok"} ref={handle ?? null} />,
  );
}

const tab = (name: string) => screen.getByRole("tab", { name });
const panel = (session: string) => document.getElementById(`terminal-panel-${session}`);
const tablist = () => screen.getByRole("tablist", { name: "Shell sessions" });

beforeEach(() => {
  window.sessionStorage.clear();
  terminals.input.length = 0;
  terminals.ended.length = 0;
});
afterEach(() => window.sessionStorage.clear());

describe("TerminalTabs", () => {
  it("starts with one terminal on the main session, which cannot be closed", () => {
    renderTabs();
    expect(within(tablist()).getAllByRole("tab")).toHaveLength(1);
    expect(tab("Terminal 1")).toHaveAttribute("aria-selected", "true");
    expect(screen.getByRole("tabpanel", { name: "Terminal 1" })).toHaveAttribute("data-session", "main");
    expect(screen.queryByRole("button", { name: "Close Terminal 1" })).toBeNull();
  });

  it("adds a terminal with a session of its own, switches between them and sends input to the one shown", async () => {
    const user = userEvent.setup();
    const handle: { current: TerminalHandle | null } = { current: null };
    renderTabs(handle);
    await user.click(screen.getByRole("button", { name: "New terminal" }));

    expect(tab("Terminal 2")).toHaveAttribute("aria-selected", "true");
    expect(tab("Terminal 1")).toHaveAttribute("aria-selected", "false");
    const second = screen.getByRole("tabpanel", { name: "Terminal 2" });
    expect(second).toHaveAttribute("data-session", "term-2");
    expect(second).toBeVisible();
    act(() => handle.current!.sendInput("pwd\r"));

    await user.click(tab("Terminal 1"));
    expect(tab("Terminal 1")).toHaveAttribute("aria-selected", "true");
    expect(panel("main")).toBeVisible();
    expect(panel("term-2")).not.toBeVisible();
    act(() => handle.current!.sendInput("ls\r"));
    expect(terminals.input).toEqual(["term-2:pwd\r", "main:ls\r"]);
  });

  it("moves between tabs with the arrow keys, Home and End, and Delete closes one", async () => {
    const user = userEvent.setup();
    renderTabs();
    await user.click(screen.getByRole("button", { name: "New terminal" }));
    await user.click(screen.getByRole("button", { name: "New terminal" }));
    tab("Terminal 3").focus();

    await user.keyboard("{ArrowRight}");
    expect(tab("Terminal 1")).toHaveFocus();
    expect(tab("Terminal 1")).toHaveAttribute("aria-selected", "true");
    await user.keyboard("{End}");
    expect(tab("Terminal 3")).toHaveFocus();
    await user.keyboard("{ArrowLeft}");
    expect(tab("Terminal 2")).toHaveAttribute("aria-selected", "true");
    expect(tab("Terminal 2")).toHaveAttribute("tabindex", "0");
    expect(tab("Terminal 1")).toHaveAttribute("tabindex", "-1");

    await user.keyboard("{Delete}");
    expect(terminals.ended).toEqual(["term-2"]);
    expect(screen.queryByRole("tab", { name: "Terminal 2" })).toBeNull();
    expect(tab("Terminal 3")).toHaveAttribute("aria-selected", "true");
    expect(tab("Terminal 3")).toHaveFocus();
  });

  it("closing a tab ends its shell; the others keep their numbers and a new tab gets the next one", async () => {
    const user = userEvent.setup();
    renderTabs();
    await user.click(screen.getByRole("button", { name: "New terminal" }));
    await user.click(screen.getByRole("button", { name: "Close Terminal 1" }));

    expect(terminals.ended).toEqual(["main"]);
    expect(within(tablist()).getAllByRole("tab").map((element) => element.textContent)).toEqual(["Terminal 2"]);
    await user.click(screen.getByRole("button", { name: "New terminal" }));
    expect(tab("Terminal 3")).toHaveAttribute("aria-selected", "true");
    expect(screen.getByRole("tabpanel", { name: "Terminal 3" })).toHaveAttribute("data-session", "term-3");
  });

  it("finds the same tabs and sessions again after a reload", async () => {
    const user = userEvent.setup();
    const first = renderTabs();
    await user.click(screen.getByRole("button", { name: "New terminal" }));
    await user.click(tab("Terminal 1"));
    first.unmount();

    renderTabs();
    expect(within(tablist()).getAllByRole("tab").map((element) => element.textContent)).toEqual([
      "Terminal 1",
      "Terminal 2",
    ]);
    expect(tab("Terminal 1")).toHaveAttribute("aria-selected", "true");
    expect(panel("term-2")).toHaveAttribute("aria-labelledby", tab("Terminal 2").id);
    await user.click(screen.getByRole("button", { name: "New terminal" }));
    expect(tab("Terminal 3")).toBeInTheDocument();
  });

  it("ignores a stored tab list it cannot read", () => {
    window.sessionStorage.setItem("practica.terminals.env1", JSON.stringify({ tabs: [{ session: "bad name!" }] }));
    renderTabs();
    expect(within(tablist()).getAllByRole("tab")).toHaveLength(1);
    expect(screen.getByRole("tabpanel", { name: "Terminal 1" })).toHaveAttribute("data-session", "main");
  });
});
