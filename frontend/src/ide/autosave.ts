/**
 * Debounced autosave of editor buffers.
 *
 * `change()` records the newest content of a file and (re)starts the debounce
 * timer; when it fires — or when `flush()` is called (tab switch, Run, Check) —
 * every pending file is saved, one request at a time and in order, so an older
 * save can never overwrite a newer one.
 */

export type SaveStatus = "idle" | "pending" | "saving" | "saved" | "failed" | "conflict";

export interface AutosaverOptions {
  save: (path: string, content: string) => Promise<void>;
  onStatus?: (status: SaveStatus, error?: unknown) => void;
  delayMs?: number;
  /**
   * A failure that is not retried: the file changed on disk and the learner must choose (see
   * fileSync.ts). Its content is dropped from the queue (the editor still has it) and the status is "conflict".
   */
  isHeld?: (error: unknown) => boolean;
}

export class Autosaver {
  private readonly options: AutosaverOptions;
  private readonly pending = new Map<string, string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private chain: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private disposed = false;
  private currentStatus: SaveStatus = "idle";

  constructor(options: AutosaverOptions) {
    this.options = options;
  }

  get status(): SaveStatus {
    return this.currentStatus;
  }

  get delayMs(): number {
    return this.options.delayMs ?? 800;
  }

  hasPending(path?: string): boolean {
    return path === undefined ? this.pending.size > 0 : this.pending.has(path);
  }

  /** Resolves once every save already started is done (pending content is not saved by this). */
  idle(): Promise<void> {
    return this.chain;
  }

  /** Record new content for `path` and restart the debounce timer. */
  change(path: string, content: string): void {
    if (this.disposed) return;
    this.pending.set(path, content);
    this.setStatus("pending");
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.delayMs);
  }

  /** Save everything pending now. Resolves when all queued saves are done. */
  flush(): Promise<void> {
    this.clearTimer();
    if (this.pending.size === 0) return this.chain;
    const batch = Array.from(this.pending.entries());
    this.pending.clear();
    this.inFlight += 1;
    this.setStatus("saving");
    this.chain = this.chain.then(async () => {
      let failure: unknown = null;
      let held = false;
      for (const [path, content] of batch) {
        if (this.disposed) break;
        try {
          await this.options.save(path, content);
        } catch (error) {
          if (this.options.isHeld?.(error)) {
            held = true;
            continue;
          }
          failure = error;
          // Keep it for the next attempt unless newer content arrived meanwhile.
          if (!this.pending.has(path)) this.pending.set(path, content);
        }
      }
      this.inFlight -= 1;
      if (this.disposed) return;
      if (failure !== null) this.setStatus("failed", failure);
      else if (held) this.setStatus("conflict");
      else if (this.inFlight === 0 && this.pending.size === 0) this.setStatus("saved");
    });
    return this.chain;
  }

  /** Forget unsaved content (e.g. after "Reset to starter files"). */
  discard(path?: string): void {
    if (path === undefined) {
      this.pending.clear();
      this.clearTimer();
    } else {
      this.pending.delete(path);
      if (this.pending.size === 0) this.clearTimer();
    }
    if (this.inFlight === 0 && this.currentStatus === "pending") this.setStatus("idle");
  }

  /** Move pending content from one path to another (after a rename). */
  rename(source: string, target: string): void {
    const content = this.pending.get(source);
    if (content === undefined) return;
    this.pending.delete(source);
    this.pending.set(target, content);
  }

  dispose(): void {
    this.disposed = true;
    this.clearTimer();
    this.pending.clear();
  }

  private setStatus(status: SaveStatus, error?: unknown): void {
    this.currentStatus = status;
    this.options.onStatus?.(status, error);
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
