import { describe, expect, it } from "vitest";
import { VersionConflictError, type WriteCondition } from "../api/gateway";
import { Autosaver, type SaveStatus } from "./autosave";
import { FileSync, SaveHeldError, type Conflict, type DiskFile } from "./fileSync";

/** A workspace in memory with versions as the gateway gives them, an editor buffer per path and an autosaver. */
function setup() {
  const disk = new Map<string, { text: string; etag: string }>();
  const buffers = new Map<string, string>();
  const closed: string[] = [];
  let versions = 0;
  let conflicts: ReadonlyMap<string, Conflict> = new Map();
  const statuses: SaveStatus[] = [];
  const put = (path: string, text: string) => {
    versions += 1;
    const etag = `"v${versions}"`;
    disk.set(path, { text, etag });
    return etag;
  };
  let sync: FileSync | null = null;
  /** While set, reads take what is on disk when they start but answer only once it resolves (a slow request). */
  const slow: { until: Promise<void> | null } = { until: null };
  const autosaver = new Autosaver({
    delayMs: 60_000, // saved only when a test flushes
    save: (path, content) => sync!.save(path, content),
    isHeld: (error) => error instanceof SaveHeldError,
    onStatus: (status) => statuses.push(status),
  });
  sync = new FileSync({
    read: async (path): Promise<DiskFile> => {
      const file = disk.get(path);
      const answer: DiskFile = file ? { text: file.text, etag: file.etag } : "missing";
      if (slow.until) await slow.until;
      return answer;
    },
    write: async (path: string, content: string, condition: WriteCondition) => {
      const current = disk.get(path);
      if (condition.ifMatch !== undefined && current?.etag !== condition.ifMatch) {
        throw new VersionConflictError(path, current?.etag ?? null);
      }
      if (condition.createOnly && current) throw new VersionConflictError(path, current.etag);
      return put(path, content);
    },
    buffer: (path) => buffers.get(path),
    replace: (path, text) => void buffers.set(path, text),
    close: (path) => {
      buffers.delete(path);
      closed.push(path);
    },
    hasPending: (path) => autosaver.hasPending(path),
    discardPending: (path) => autosaver.discard(path),
    saveNow: (path, content) => {
      autosaver.change(path, content);
      return autosaver.flush();
    },
    idle: () => autosaver.idle(),
    onConflicts: (next) => {
      conflicts = next;
    },
  });
  /** Open `path` as the IDE does: read it, show it. */
  const open = (path: string, text: string) => {
    const etag = put(path, text);
    buffers.set(path, text);
    sync!.opened(path, text, etag);
  };
  /** The learner types: the buffer changes and the autosaver is told. */
  const type = (path: string, text: string) => {
    buffers.set(path, text);
    autosaver.change(path, text);
  };
  return { disk, buffers, closed, put, sync, autosaver, open, type, statuses, slow, conflicts: () => conflicts };
}

describe("FileSync", () => {
  it("reloads a clean tab when the file changes on disk", async () => {
    const { sync, open, put, buffers, conflicts } = setup();
    open("server.py", "print(1)\n");
    put("server.py", "print(1)\n# X\n"); // echo '# X' >> server.py
    await sync.check("server.py");
    expect(buffers.get("server.py")).toBe("print(1)\n# X\n");
    expect(conflicts().size).toBe(0);
  });

  it("keeps a dirty tab as typed and shows a conflict", async () => {
    const { sync, open, put, type, buffers, conflicts } = setup();
    open("server.py", "print(1)\n");
    type("server.py", "print(2)\n");
    put("server.py", "print(1)\n# X\n");
    await sync.check("server.py");
    expect(buffers.get("server.py")).toBe("print(2)\n");
    expect(conflicts().get("server.py")).toMatchObject({ kind: "changed", theirs: "print(1)\n# X\n" });
  });

  it("turns a refused save (412) into a conflict, writes nothing and does not retry", async () => {
    const { sync, open, put, type, disk, autosaver, statuses, conflicts } = setup();
    open("server.py", "print(1)\n");
    put("server.py", "print(1)\n# X\n");
    type("server.py", "print(2)\n");
    await autosaver.flush();
    expect(disk.get("server.py")?.text).toBe("print(1)\n# X\n");
    expect(conflicts().get("server.py")?.kind).toBe("changed");
    expect(statuses.at(-1)).toBe("conflict");
    expect(autosaver.hasPending("server.py")).toBe(false);
    type("server.py", "print(3)\n"); // more typing stays held, still nothing written
    await autosaver.flush();
    expect(disk.get("server.py")?.text).toBe("print(1)\n# X\n");
    await expect(sync.save("server.py", "print(4)\n")).rejects.toBeInstanceOf(SaveHeldError);
  });

  it("keep mine saves the editor's text over their version", async () => {
    const { sync, open, put, type, disk, autosaver, statuses, conflicts } = setup();
    open("server.py", "print(1)\n");
    type("server.py", "print(2)\n");
    put("server.py", "print(1)\n# X\n");
    await autosaver.flush();
    await sync.keepMine("server.py");
    expect(disk.get("server.py")?.text).toBe("print(2)\n");
    expect(conflicts().size).toBe(0);
    expect(statuses.at(-1)).toBe("saved");
    put("server.py", "again\n"); // and the next foreign change is seen against the saved version
    await sync.check("server.py");
    expect(conflicts().size).toBe(0);
  });

  it("take theirs puts the file's text in the editor and forgets the unsaved edit", async () => {
    const { sync, open, put, type, disk, buffers, autosaver, conflicts } = setup();
    open("server.py", "print(1)\n");
    put("server.py", "print(1)\n# X\n");
    type("server.py", "print(2)\n");
    await sync.check("server.py");
    await sync.takeTheirs("server.py");
    expect(buffers.get("server.py")).toBe("print(1)\n# X\n");
    expect(autosaver.hasPending()).toBe(false);
    expect(conflicts().size).toBe(0);
    type("server.py", "print(1)\n# X\n# Y\n");
    await autosaver.flush();
    expect(disk.get("server.py")?.text).toBe("print(1)\n# X\n# Y\n");
  });

  it("does not take its own save for a foreign change", async () => {
    const { sync, open, type, autosaver, buffers, conflicts } = setup();
    open("app.py", "a\n");
    type("app.py", "ab\n");
    const saving = autosaver.flush();
    const checking = sync.check("app.py"); // the watch reports our own write
    await Promise.all([saving, checking]);
    expect(buffers.get("app.py")).toBe("ab\n");
    expect(conflicts().size).toBe(0);
  });

  it("a file deleted on disk can be saved again, created anew", async () => {
    const { sync, open, disk, conflicts } = setup();
    open("app.py", "mine\n");
    disk.delete("app.py");
    await sync.check("app.py");
    expect(conflicts().get("app.py")?.kind).toBe("deleted");
    await sync.keepMine("app.py");
    expect(disk.get("app.py")?.text).toBe("mine\n");
    expect(conflicts().size).toBe(0);
  });

  it("a deleted file that comes back into a clean tab is simply shown", async () => {
    const { sync, open, disk, put, buffers, conflicts } = setup();
    open("app.py", "old\n");
    disk.delete("app.py");
    await sync.check("app.py");
    put("app.py", "starter\n"); // a reset: deleted, then written again
    await sync.check("app.py");
    expect(buffers.get("app.py")).toBe("starter\n");
    expect(conflicts().size).toBe(0);
  });

  it("reset shows the disk in every tab, whatever was typed, and the next edit saves over it", async () => {
    const { sync, open, put, type, disk, buffers, autosaver, conflicts } = setup();
    open("app.py", "old\n");
    type("app.py", "old, typed\n");
    put("app.py", "starter\n");
    await sync.resetAll();
    expect(buffers.get("app.py")).toBe("starter\n");
    expect(conflicts().size).toBe(0);
    type("app.py", "starter\nnew\n");
    await autosaver.flush();
    expect(disk.get("app.py")?.text).toBe("starter\nnew\n");
  });

  it("never applies a read that started before a later one (a slow read during a reset)", async () => {
    const { sync, open, put, type, buffers, slow, conflicts } = setup();
    open("app.py", "old\n");
    type("app.py", "old, typed\n");
    let answer = () => undefined as void;
    slow.until = new Promise<void>((resolve) => (answer = resolve));
    const resetting = sync.resetAll(); // reads "old", slowly
    await Promise.resolve();
    put("app.py", "starter\n"); // the reset job writes; the watch reports it
    const checking = sync.check("app.py");
    slow.until = null;
    answer();
    await Promise.all([resetting, checking]);
    expect(buffers.get("app.py")).toBe("starter\n");
    expect(conflicts().size).toBe(0);
  });

  it("a reset that finds the file missing (being rewritten) still leaves the tab clean to take it", async () => {
    const { sync, open, put, type, disk, buffers, conflicts } = setup();
    open("app.py", "starter\n");
    type("app.py", "starter\ntyped\n");
    disk.delete("app.py"); // the reset job removed everything...
    await sync.resetAll();
    expect(buffers.get("app.py")).toBe("starter\n");
    put("app.py", "starter\n"); // ...and writes the starter files again
    await sync.check("app.py");
    expect(buffers.get("app.py")).toBe("starter\n");
    expect(conflicts().size).toBe(0);
  });
});
