import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { IdeShell, PHONE_QUERY, useSavedSplit, type ShellSlots } from "./IdeShell";
import { layoutKey, loadLayout, saveLayout } from "./layoutStorage";

/** matchMedia as a browser of the given width answers the shell's phone query. */
function viewport(phone: boolean) {
  vi.stubGlobal("matchMedia", (query: string) => ({
    matches: query === PHONE_QUERY ? phone : false,
    media: query,
    addEventListener: () => {},
    removeEventListener: () => {},
  }));
}

function renderShell(owner: string, probe?: (slots: ShellSlots) => React.ReactNode) {
  return render(
    <IdeShell owner={owner} task={<h1>The task</h1>} results={<button type="button">Check</button>}>
      {(slots) => probe?.(slots) ?? null}
    </IdeShell>,
  );
}

beforeEach(() => window.localStorage.clear());
afterEach(() => {
  window.localStorage.clear();
  vi.unstubAllGlobals();
});

describe("layout storage", () => {
  it("keeps each user's layout under a key of their own", () => {
    saveLayout("7", "columns", { "ide-task": 40, "ide-code": 35, "ide-side": 25 });
    expect(loadLayout("7", "columns")).toEqual({ "ide-task": 40, "ide-code": 35, "ide-side": 25 });
    expect(loadLayout("8", "columns")).toBeUndefined();
    expect(loadLayout("7", "side")).toBeUndefined();
    expect(window.localStorage.getItem(layoutKey("7", "columns"))).not.toBeNull();
  });

  it("ignores what it cannot read", () => {
    for (const stored of ["not json", "[40, 60]", '{"a": "40"}', '{"a": 140}', "{}"]) {
      window.localStorage.setItem(layoutKey("7", "columns"), stored);
      expect(loadLayout("7", "columns")).toBeUndefined();
    }
  });
});

describe("IdeShell", () => {
  it("is three resizable columns at a desktop's width, the terminal over the results", () => {
    viewport(false);
    let slots: ShellSlots | null = null;
    renderShell("7", (given) => {
      slots = given;
      return null;
    });
    expect(screen.getByRole("heading", { name: "The task" })).toBeInTheDocument();
    expect(screen.getByRole("separator", { name: "Resize the task pane" })).toBeInTheDocument();
    expect(screen.getByRole("separator", { name: "Resize the code pane" })).toBeInTheDocument();
    expect(screen.getByRole("separator", { name: "Resize the results pane" })).toBeInTheDocument();
    expect(screen.queryByRole("tablist")).toBeNull();
    expect(slots!.compact).toBe(false);
    expect(document.getElementById("ide-code")).toContainElement(slots!.code);
    expect(document.getElementById("ide-terminal")).toContainElement(slots!.terminal);
  });

  it("remembers a learner's own resizing for them alone", () => {
    viewport(false);
    saveLayout("7", "columns", { "ide-task": 50, "ide-code": 30, "ide-side": 20 });
    const seen: Record<string, ReturnType<typeof useSavedSplit>> = {};
    function Probe({ name }: { name: string }) {
      seen[name] = useSavedSplit("columns");
      return null;
    }
    const ada = renderShell("7", () => <Probe name="ada" />);
    expect(seen.ada!.defaultLayout).toEqual({ "ide-task": 50, "ide-code": 30, "ide-side": 20 });
    ada.unmount();
    renderShell("8", () => <Probe name="grace" />);
    expect(seen.grace!.defaultLayout).toBeUndefined();

    // Only a learner's own drags and keys are saved, not the sizes a window resize forces.
    act(() => seen.grace!.onLayoutChanged!({ "ide-task": 20, "ide-code": 60, "ide-side": 20 }, { isUserInteraction: false }));
    expect(loadLayout("8", "columns")).toBeUndefined();
    act(() =>
      seen.grace!.onLayoutChanged!(
        { "ide-task": 21, "ide-code": 59, "ide-side": 20 },
        { isUserInteraction: true, requestedLayout: { "ide-task": 22, "ide-code": 58, "ide-side": 20 } },
      ),
    );
    expect(loadLayout("8", "columns")).toEqual({ "ide-task": 22, "ide-code": 58, "ide-side": 20 });
    expect(loadLayout("7", "columns")).toEqual({ "ide-task": 50, "ide-code": 30, "ide-side": 20 });
  });

  it("shows one pane at a time behind tabs at a phone's width", async () => {
    viewport(true);
    const user = userEvent.setup();
    let slots: ShellSlots | null = null;
    renderShell("7", (given) => {
      slots = given;
      return null;
    });
    const tabs = screen.getByRole("tablist", { name: "Lesson panes" });
    expect(within(tabs).getAllByRole("tab").map((tab) => tab.textContent)).toEqual([
      "Task",
      "Code",
      "Terminal",
      "Results",
    ]);
    expect(screen.queryByRole("separator")).toBeNull();
    expect(slots!.compact).toBe(true);
    const tab = (name: string) => within(tabs).getByRole("tab", { name });
    const panel = (name: string) => document.getElementById(tab(name).getAttribute("aria-controls")!)!;
    expect(tab("Task")).toHaveAttribute("aria-selected", "true");
    expect(panel("Code")).toHaveClass("inactive");
    expect(panel("Task")).toContainElement(screen.getByRole("heading", { name: "The task" }));
    expect(panel("Code")).toBe(slots!.code);
    expect(panel("Terminal")).toBe(slots!.terminal);

    await user.click(tab("Results"));
    expect(tab("Results")).toHaveAttribute("aria-selected", "true");
    expect(tab("Task")).toHaveAttribute("aria-selected", "false");
    expect(panel("Results")).toContainElement(screen.getByRole("button", { name: "Check" }));
    // The panes not shown stay laid out (the terminal measures itself) but hidden.
    expect(panel("Results")).not.toHaveClass("inactive");
    expect(panel("Task")).toHaveClass("inactive");

    await user.keyboard("{ArrowRight}");
    expect(tab("Task")).toHaveFocus();
    expect(tab("Task")).toHaveAttribute("aria-selected", "true");
    await user.keyboard("{End}");
    expect(tab("Results")).toHaveFocus();
    await user.keyboard("{ArrowLeft}");
    expect(tab("Terminal")).toHaveAttribute("aria-selected", "true");
    expect(tab("Terminal")).toHaveAttribute("tabindex", "0");
  });
});
