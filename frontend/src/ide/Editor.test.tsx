import { fireEvent, render } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { Editor } from "./Editor";

function renderEditor(shortcuts: { save?: () => void; run?: () => void }, onChange = vi.fn()) {
  const { container } = render(
    <Editor
      tabId="tab-1"
      path="solution.py"
      content={"def add(a, b):\n    return a + b\n"}
      generation={0}
      openTabIds={["tab-1"]}
      onChange={onChange}
      shortcuts={shortcuts}
    />,
  );
  const content = container.querySelector(".cm-content");
  if (!(content instanceof HTMLElement)) throw new Error("no editor content");
  return content;
}

describe("Editor keyboard shortcuts", () => {
  it("saves on Ctrl+S instead of the browser's save dialog", () => {
    const save = vi.fn();
    const content = renderEditor({ save });
    const event = new KeyboardEvent("keydown", { key: "s", ctrlKey: true, bubbles: true, cancelable: true });
    content.dispatchEvent(event);
    expect(save).toHaveBeenCalledTimes(1);
    expect(event.defaultPrevented).toBe(true);
  });

  it("runs on Ctrl+Enter when the lesson has a run command", () => {
    const run = vi.fn();
    const onChange = vi.fn();
    const content = renderEditor({ run }, onChange);
    fireEvent.keyDown(content, { key: "Enter", ctrlKey: true });
    expect(run).toHaveBeenCalledTimes(1);
    expect(onChange).not.toHaveBeenCalled(); // no blank line was inserted
  });

  it("leaves Ctrl+Enter to the editor when there is nothing to run", () => {
    const onChange = vi.fn();
    const content = renderEditor({}, onChange);
    fireEvent.keyDown(content, { key: "Enter", ctrlKey: true });
    expect(onChange).toHaveBeenCalledTimes(1); // the default keymap inserted a blank line
  });
});
