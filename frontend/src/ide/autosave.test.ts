import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from "vitest";
import { Autosaver, type SaveStatus } from "./autosave";

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

type SaveFn = (path: string, content: string) => Promise<void>;

function setup(save: Mock<SaveFn> = vi.fn<SaveFn>(async () => undefined)) {
  const statuses: SaveStatus[] = [];
  const saver = new Autosaver({ save, onStatus: (status) => statuses.push(status), delayMs: 800 });
  return { saver, save, statuses };
}

describe("Autosaver", () => {
  it("saves 800 ms after the last keystroke, with the newest content", async () => {
    const { saver, save, statuses } = setup();
    saver.change("main.py", "p");
    await vi.advanceTimersByTimeAsync(500);
    saver.change("main.py", "pr");
    await vi.advanceTimersByTimeAsync(500);
    saver.change("main.py", "print");
    await vi.advanceTimersByTimeAsync(799);
    expect(save).not.toHaveBeenCalled();

    await vi.advanceTimersByTimeAsync(1);
    expect(save).toHaveBeenCalledTimes(1);
    expect(save).toHaveBeenCalledWith("main.py", "print");
    expect(statuses.at(-1)).toBe("saved");
    expect(statuses).toContain("saving");
  });

  it("flush() saves right away (tab switch) and cancels the timer", async () => {
    const { saver, save } = setup();
    saver.change("a.py", "A");
    saver.change("b.py", "B");
    await saver.flush();
    expect(save.mock.calls).toEqual([
      ["a.py", "A"],
      ["b.py", "B"],
    ]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(save).toHaveBeenCalledTimes(2);
  });

  it("keeps saves in order even when an earlier one is slow", async () => {
    const order: string[] = [];
    let release!: () => void;
    const save = vi.fn<SaveFn>(async (_path, content) => {
      if (content === "one") await new Promise<void>((resolve) => (release = resolve));
      order.push(content);
    });
    const { saver } = setup(save);
    saver.change("a.py", "one");
    const first = saver.flush();
    saver.change("a.py", "two");
    const second = saver.flush();
    await vi.advanceTimersByTimeAsync(0);
    release();
    await first;
    await second;
    expect(order).toEqual(["one", "two"]);
  });

  it("reports a failure and retries the content on the next flush", async () => {
    let fail = true;
    const save = vi.fn<SaveFn>(async () => {
      if (fail) throw new Error("offline");
    });
    const { saver, statuses } = setup(save);
    saver.change("a.py", "x");
    await saver.flush();
    expect(statuses.at(-1)).toBe("failed");
    expect(saver.hasPending("a.py")).toBe(true);

    fail = false;
    await saver.flush();
    expect(statuses.at(-1)).toBe("saved");
    expect(save).toHaveBeenCalledTimes(2);
  });

  it("discard() drops pending edits (reset to starter files)", async () => {
    const { saver, save } = setup();
    saver.change("a.py", "x");
    saver.discard();
    await vi.advanceTimersByTimeAsync(2000);
    await saver.flush();
    expect(save).not.toHaveBeenCalled();
  });
});
