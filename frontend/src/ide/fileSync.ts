/**
 * Keeps open editor buffers and the files on disk in step, without ever losing either side.
 *
 * The rules:
 * - every file open in a tab has the version (ETag) the editor last saw; every save is conditional on it
 *   (`If-Match`), so a save never overwrites what the editor did not see (a terminal's write, a reset);
 * - when the file changes on disk (the gateway's watch, a reconnect, a 412): a *clean* buffer (nothing
 *   unsaved, text equal to what was last read or saved) is replaced in place; a *dirty* one gets a
 *   conflict, and its saves are held until the learner chooses: keep mine (saved over their version),
 *   or take theirs (the buffer becomes the file);
 * - a file deleted on disk while open is a conflict too (keep mine writes it again, create-only).
 *
 * Free of React and of the network (a `SyncHost` does both), so that Vitest drives it directly.
 */
import { VersionConflictError, type WriteCondition } from "../api/gateway";

/** The file on disk: its text (null when it is not text) and version; "missing" when there is none. */
export type DiskFile = { text: string | null; etag: string | null } | "missing";

export interface Conflict {
  path: string;
  /** "changed": another version is on disk; "deleted": no file is. */
  kind: "changed" | "deleted";
  /** Their text (null when deleted or not text) and version. */
  theirs: string | null;
  theirsEtag: string | null;
}

export interface SyncHost {
  read: (path: string) => Promise<DiskFile>;
  /** Write; resolves with the new version; rejects with VersionConflictError when the condition fails. */
  write: (path: string, content: string, condition: WriteCondition) => Promise<string | null>;
  /** The editor's current text for an open file (undefined: not open). */
  buffer: (path: string) => string | undefined;
  /** Put `text` into the editor for `path` without it counting as an edit to save. */
  replace: (path: string, text: string) => void;
  /** The open tab of a file that was deleted on disk and that the learner let go. */
  close: (path: string) => void;
  /** Whether unsaved edits of `path` wait in the autosaver, and the autosaver's queue. */
  hasPending: (path: string) => boolean;
  discardPending: (path?: string) => void;
  /** Save `content` now through the autosaver (which calls `save`, and shows the status). */
  saveNow: (path: string, content: string) => Promise<void>;
  idle: () => Promise<void>;
  onConflicts: (conflicts: ReadonlyMap<string, Conflict>) => void;
}

/** Thrown by `save` while a file is in conflict: the autosaver holds it instead of retrying. */
export class SaveHeldError extends Error {
  constructor(path: string) {
    super(`${path} changed on disk: choose which version to keep`);
    this.name = "SaveHeldError";
  }
}

interface Tracked {
  /** Text last read from or saved to disk, and its version. */
  base: string;
  etag: string | null;
  /** Bumped when a save starts or ends: a check that saw one meanwhile reads again. */
  saves: number;
  saving: boolean;
}

const MAX_CHECK_ROUNDS = 5;

export class FileSync {
  private readonly host: SyncHost;
  private readonly files = new Map<string, Tracked>();
  private readonly conflicts = new Map<string, Conflict>();
  /** Per path, the last of the operations that read the disk and apply it: they run one at a time. */
  private readonly turns = new Map<string, Promise<void>>();

  constructor(host: SyncHost) {
    this.host = host;
  }

  /** A file was opened (or re-read): what the editor now shows is `text`, version `etag`. */
  opened(path: string, text: string, etag: string | null): void {
    this.files.set(path, { base: text, etag, saves: 0, saving: false });
    this.setConflict(path, null);
  }

  forget(path: string): void {
    this.files.delete(path);
    this.setConflict(path, null);
  }

  rename(source: string, target: string): void {
    for (const [path, tracked] of Array.from(this.files)) {
      if (path !== source && !path.startsWith(`${source}/`)) continue;
      this.files.delete(path);
      this.files.set(target + path.slice(source.length), tracked);
      this.setConflict(path, null);
    }
  }

  conflictOf(path: string): Conflict | undefined {
    return this.conflicts.get(path);
  }

  isTracked(path: string): boolean {
    return this.files.has(path);
  }

  trackedPaths(): string[] {
    return Array.from(this.files.keys());
  }

  /** The autosaver's save: conditional on the version last seen; a conflict holds it. */
  async save(path: string, content: string): Promise<void> {
    const tracked = this.files.get(path);
    if (!tracked) return; // the tab was closed and forgotten: nothing to save it against
    if (this.conflicts.has(path)) throw new SaveHeldError(path);
    tracked.saving = true;
    tracked.saves += 1;
    try {
      const condition: WriteCondition = tracked.etag ? { ifMatch: tracked.etag } : { createOnly: true };
      const etag = await this.host.write(path, content, condition);
      tracked.base = content;
      tracked.etag = etag;
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
      if (await this.sameOnDisk(path, tracked, content)) return;
      throw new SaveHeldError(path);
    } finally {
      tracked.saving = false;
      tracked.saves += 1;
    }
  }

  /** Something changed on disk at `path` (or may have): follow it. */
  check(path: string): Promise<void> {
    return this.inTurn(path, () => this.checkNow(path));
  }

  private async checkNow(path: string): Promise<void> {
    for (let round = 0; round < MAX_CHECK_ROUNDS; round += 1) {
      const tracked = this.files.get(path);
      if (!tracked) return;
      await this.host.idle(); // our own saves first: their echo is not a foreign change
      const saves = tracked.saves;
      const disk = await this.host.read(path);
      if (this.files.get(path) !== tracked) return;
      if (tracked.saving || tracked.saves !== saves) continue; // a save ran meanwhile: read again
      this.follow(path, tracked, disk);
      return;
    }
  }

  /** Check every open file (after a reconnect or an overflow: changes may have been missed). */
  async checkAll(): Promise<void> {
    await Promise.all(this.trackedPaths().map((path) => this.check(path).catch(() => undefined)));
  }

  /** Keep mine: save the editor's text over the version on disk now (or create the file again). */
  async keepMine(path: string): Promise<void> {
    const tracked = this.files.get(path);
    const conflict = this.conflicts.get(path);
    const mine = this.host.buffer(path);
    if (!tracked || !conflict || mine === undefined) return;
    tracked.etag = conflict.kind === "deleted" ? null : conflict.theirsEtag;
    this.setConflict(path, null);
    await this.host.saveNow(path, mine);
  }

  /** Take theirs: the editor shows the file as it is on disk now (a deleted file's tab closes). */
  takeTheirs(path: string): Promise<void> {
    return this.inTurn(path, () => this.takeTheirsNow(path));
  }

  private async takeTheirsNow(path: string): Promise<void> {
    const tracked = this.files.get(path);
    if (!tracked) return;
    this.host.discardPending(path);
    await this.host.idle();
    const disk = await this.host.read(path);
    this.setConflict(path, null);
    if (disk === "missing" || disk.text === null) {
      this.forget(path);
      this.host.close(path);
      return;
    }
    this.load(path, tracked, disk.text, disk.etag);
  }

  /** After "Reset to starter files": every open file shows what is on disk, whatever was typed. */
  async resetAll(): Promise<void> {
    this.host.discardPending();
    await this.host.idle();
    await Promise.all(
      this.trackedPaths().map((path) =>
        this.inTurn(path, async () => {
          const tracked = this.files.get(path);
          const disk = await this.host.read(path).catch(() => null);
          if (!tracked || this.files.get(path) !== tracked) return;
          this.setConflict(path, null);
          if (disk === null || disk === "missing" || disk.text === null) {
            // Not readable now (the reset may be deleting it): the typed edits go all the same, so
            // that the tab is clean and takes the file as the reset writes it.
            this.host.replace(path, tracked.base);
            if (disk === "missing") this.markDeleted(path, tracked);
          } else {
            this.load(path, tracked, disk.text, disk.etag);
          }
        }),
      ),
    );
  }

  /**
   * Run `operation` after the earlier ones of `path`: each reads the disk and applies what it read,
   * so one that read earlier can never apply after one that read later (a stale read would show old
   * text in a clean tab and take the old version for the one to save over).
   */
  private inTurn(path: string, operation: () => Promise<void>): Promise<void> {
    const previous = this.turns.get(path) ?? Promise.resolve();
    const next = previous.then(operation, operation);
    const settled = next.catch(() => undefined);
    this.turns.set(path, settled);
    void settled.then(() => {
      if (this.turns.get(path) === settled) this.turns.delete(path);
    });
    return next;
  }

  private follow(path: string, tracked: Tracked, disk: DiskFile): void {
    if (disk === "missing") {
      if (this.conflicts.get(path)?.kind !== "deleted") this.markDeleted(path, tracked);
      return;
    }
    if (disk.etag !== null && disk.etag === tracked.etag) {
      if (this.conflicts.get(path)?.theirsEtag !== disk.etag) this.setConflict(path, null);
      return;
    }
    if (disk.text === null) return; // became binary: nothing an editor can show; its saves stay held
    if (this.isClean(path, tracked)) {
      this.load(path, tracked, disk.text, disk.etag);
      this.setConflict(path, null);
    } else {
      this.setConflict(path, { path, kind: "changed", theirs: disk.text, theirsEtag: disk.etag });
    }
  }

  private markDeleted(path: string, tracked: Tracked): void {
    tracked.etag = null;
    this.setConflict(path, { path, kind: "deleted", theirs: null, theirsEtag: null });
  }

  private isClean(path: string, tracked: Tracked): boolean {
    const buffer = this.host.buffer(path);
    return !tracked.saving && !this.host.hasPending(path) && (buffer === undefined || buffer === tracked.base);
  }

  private load(path: string, tracked: Tracked, text: string, etag: string | null): void {
    tracked.base = text;
    tracked.etag = etag;
    this.host.replace(path, text);
  }

  /** After a refused save: true when the disk already holds `content` (nothing to choose), else a conflict. */
  private async sameOnDisk(path: string, tracked: Tracked, content: string): Promise<boolean> {
    const disk = await this.host.read(path).catch(() => null);
    if (disk !== null && disk !== "missing" && disk.text === content) {
      tracked.base = content;
      tracked.etag = disk.etag;
      return true;
    }
    if (disk === "missing") this.setConflict(path, { path, kind: "deleted", theirs: null, theirsEtag: null });
    else this.setConflict(path, { path, kind: "changed", theirs: disk?.text ?? null, theirsEtag: disk?.etag ?? null });
    return false;
  }

  private setConflict(path: string, conflict: Conflict | null): void {
    const had = this.conflicts.has(path);
    if (conflict) this.conflicts.set(path, conflict);
    else if (had) this.conflicts.delete(path);
    else return;
    this.host.onConflicts(new Map(this.conflicts));
  }
}
