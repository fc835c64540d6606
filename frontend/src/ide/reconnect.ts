/**
 * A WebSocket that reconnects with exponential backoff.
 *
 * Kept free of React and xterm so it can be unit-tested with fake timers and a
 * fake socket. The terminal server replays recent output when the same session
 * reconnects, so nothing is lost on our side beyond what the server drops.
 */

export type ConnectionStatus = "connecting" | "open" | "reconnecting" | "closed";

/** The subset of the browser WebSocket used here. */
export interface SocketLike {
  binaryType: BinaryType;
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface StatusInfo {
  /** Number of consecutive failed attempts so far. */
  attempt: number;
  /** Delay before the next attempt, when reconnecting. */
  delayMs: number | null;
}

export interface BackoffOptions {
  initialDelayMs?: number;
  maxDelayMs?: number;
  factor?: number;
}

export interface ReconnectOptions extends BackoffOptions {
  /**
   * The URL for the next attempt, called on every attempt so a fresh token can
   * be used; `attempt` is 0 for a first connection, >0 when reconnecting.
   */
  url: (attempt: number) => string | Promise<string>;
  onMessage: (data: ArrayBuffer | string) => void;
  onStatus?: (status: ConnectionStatus, info: StatusInfo) => void;
  onOpen?: () => void;
  createSocket?: (url: string) => SocketLike;
  /** A connection that stayed open this long resets the backoff. */
  stableAfterMs?: number;
  /** Bytes of outgoing text kept while disconnected. */
  maxBufferedChars?: number;
}

const OPEN = 1;

/** Delay before attempt number `attempt` (1-based). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialDelayMs ?? 500;
  const max = options.maxDelayMs ?? 10_000;
  const factor = options.factor ?? 2;
  return Math.min(max, initial * factor ** Math.max(0, attempt - 1));
}

export class ReconnectingSocket {
  private readonly options: ReconnectOptions;
  private socket: SocketLike | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  private openedAt: number | null = null;
  private stopped = false;
  private buffer: string[] = [];
  private bufferedChars = 0;
  private currentStatus: ConnectionStatus = "closed";

  constructor(options: ReconnectOptions) {
    this.options = options;
  }

  get status(): ConnectionStatus {
    return this.currentStatus;
  }

  /** Open the first connection. */
  start(): void {
    this.stopped = false;
    void this.connect();
  }

  /** Send text now, or once connected (bounded buffer). */
  send(data: string): void {
    if (this.socket && this.socket.readyState === OPEN) {
      this.socket.send(data);
      return;
    }
    const limit = this.options.maxBufferedChars ?? 65_536;
    if (this.bufferedChars + data.length > limit) return;
    this.buffer.push(data);
    this.bufferedChars += data.length;
  }

  /** Send only when connected (e.g. resize messages, which are re-sent on open anyway). */
  sendIfOpen(data: string): boolean {
    if (this.socket && this.socket.readyState === OPEN) {
      this.socket.send(data);
      return true;
    }
    return false;
  }

  /** Skip the pending backoff delay and try right away. */
  retryNow(): void {
    if (this.stopped || this.currentStatus !== "reconnecting") return;
    this.clearTimer();
    void this.connect();
  }

  /** Close for good; no more reconnects. */
  close(): void {
    this.stopped = true;
    this.clearTimer();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onopen = socket.onclose = socket.onmessage = socket.onerror = null;
      try {
        socket.close(1000, "closed by client");
      } catch {
        // ignore
      }
    }
    this.buffer = [];
    this.bufferedChars = 0;
    this.setStatus("closed", null);
  }

  private setStatus(status: ConnectionStatus, delayMs: number | null): void {
    this.currentStatus = status;
    this.options.onStatus?.(status, { attempt: this.attempt, delayMs });
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    if (this.attempt === 0) this.setStatus("connecting", null);
    let url: string;
    try {
      url = await this.options.url(this.attempt);
    } catch {
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) return;
    const create = this.options.createSocket ?? ((u: string) => new WebSocket(u));
    let socket: SocketLike;
    try {
      socket = create(url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      if (socket !== this.socket) return;
      this.openedAt = Date.now();
      this.setStatus("open", null);
      const pending = this.buffer;
      this.buffer = [];
      this.bufferedChars = 0;
      this.options.onOpen?.();
      for (const data of pending) socket.send(data);
    };
    socket.onmessage = (event: MessageEvent) => {
      if (socket !== this.socket) return;
      this.options.onMessage(event.data as ArrayBuffer | string);
    };
    socket.onerror = () => {
      // A close event always follows; reconnecting is handled there.
    };
    socket.onclose = () => {
      if (socket !== this.socket) return;
      this.socket = null;
      if (this.stopped) return;
      const stable = this.options.stableAfterMs ?? 5_000;
      if (this.openedAt !== null && Date.now() - this.openedAt >= stable) this.attempt = 0;
      this.openedAt = null;
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.attempt += 1;
    const delay = backoffDelay(this.attempt, this.options);
    this.setStatus("reconnecting", delay);
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, delay);
  }
}
