/**
 * The gateway's file-watch socket, reconnecting with backoff: which paths changed on disk.
 *
 * Each (re)connection starts with `ready`: changes may have been missed while disconnected, so the
 * IDE re-checks every open file then; `overflow` means the same.
 */
import { ReconnectingSocket, type SocketLike } from "./reconnect";

export type ChangeKind = "modified" | "created" | "deleted" | "moved" | "overflow";

export interface FileChange {
  path: string;
  kind: ChangeKind;
}

export interface FileWatchOptions {
  url: () => string;
  /** Connected (first time or again), or told that changes were missed: re-check everything shown. */
  onResync: () => void;
  /** Changes to these paths (merged per path, in order). */
  onChanges: (changes: FileChange[]) => void;
  createSocket?: (url: string) => SocketLike;
}

/** Parse one message of the watch socket; null for anything else. */
export function parseWatchMessage(data: ArrayBuffer | string): { resync: boolean; changes: FileChange[] } | null {
  if (typeof data !== "string") return null;
  let message: unknown;
  try {
    message = JSON.parse(data);
  } catch {
    return null;
  }
  if (!message || typeof message !== "object") return null;
  const { type, changes } = message as { type?: unknown; changes?: unknown };
  if (type === "ready") return { resync: true, changes: [] };
  if (type !== "changes" || !Array.isArray(changes)) return null;
  const valid = (changes as unknown[]).filter((change): change is FileChange => {
    const candidate = change as Partial<Record<keyof FileChange, unknown>> | null;
    return !!candidate && typeof candidate.path === "string" && typeof candidate.kind === "string";
  });
  const resync = valid.some((change) => change.kind === "overflow");
  return { resync, changes: valid.filter((change) => change.kind !== "overflow") };
}

export function watchFiles(options: FileWatchOptions): () => void {
  const socket = new ReconnectingSocket({
    url: () => options.url(),
    maxDelayMs: 10_000,
    ...(options.createSocket ? { createSocket: options.createSocket } : {}),
    onMessage: (data) => {
      const message = parseWatchMessage(data);
      if (!message) return;
      if (message.resync) options.onResync();
      if (message.changes.length > 0) options.onChanges(message.changes);
    },
  });
  socket.start();
  return () => socket.close();
}
