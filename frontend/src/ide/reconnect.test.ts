import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { backoffDelay, ReconnectingSocket, type ConnectionStatus, type SocketLike } from "./reconnect";

class FakeSocket implements SocketLike {
  static instances: FakeSocket[] = [];
  binaryType: BinaryType = "blob";
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  sent: string[] = [];
  closed = false;

  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
  }

  send(data: string) {
    this.sent.push(data);
  }

  close() {
    this.closed = true;
    this.readyState = 3;
  }

  // Server-side actions
  open() {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }

  drop() {
    this.readyState = 3;
    this.onclose?.(new CloseEvent("close", { code: 1006 }));
  }

  receive(data: ArrayBuffer | string) {
    this.onmessage?.(new MessageEvent("message", { data }));
  }
}

const latest = () => FakeSocket.instances[FakeSocket.instances.length - 1]!;

function setup() {
  let token = 0;
  const statuses: Array<[ConnectionStatus, number | null]> = [];
  const messages: Array<ArrayBuffer | string> = [];
  const onOpen = vi.fn();
  const socket = new ReconnectingSocket({
    url: () => `wss://gw/terminal?token=t${++token}`,
    createSocket: (url) => new FakeSocket(url),
    onMessage: (data) => messages.push(data),
    onStatus: (status, info) => statuses.push([status, info.delayMs]),
    onOpen,
  });
  return { socket, statuses, messages, onOpen };
}

/** Let the async connect() run (it awaits the URL). */
const tick = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.instances = [];
});

afterEach(() => {
  vi.useRealTimers();
});

describe("backoffDelay", () => {
  it("doubles from 500 ms up to 10 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n))).toEqual([500, 1000, 2000, 4000, 8000, 10000, 10000]);
  });
});

describe("ReconnectingSocket", () => {
  it("connects, receives binary output as ArrayBuffer and reports status", async () => {
    const { socket, statuses, messages, onOpen } = setup();
    socket.start();
    await tick();

    expect(FakeSocket.instances).toHaveLength(1);
    expect(latest().binaryType).toBe("arraybuffer");
    latest().open();
    expect(onOpen).toHaveBeenCalledTimes(1);
    const bytes = new Uint8Array([104, 105]).buffer;
    latest().receive(bytes);

    expect(messages).toEqual([bytes]);
    expect(statuses.map(([status]) => status)).toEqual(["connecting", "open"]);
    expect(socket.status).toBe("open");
  });

  it("reconnects with exponential backoff and a fresh URL on every attempt", async () => {
    const { socket, statuses } = setup();
    socket.start();
    await tick();
    latest().open();

    latest().drop();
    expect(statuses.at(-1)).toEqual(["reconnecting", 500]);
    await vi.advanceTimersByTimeAsync(499);
    expect(FakeSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.instances).toHaveLength(2);
    expect(latest().url).toBe("wss://gw/terminal?token=t2");

    latest().drop(); // failed before opening
    expect(statuses.at(-1)).toEqual(["reconnecting", 1000]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeSocket.instances).toHaveLength(3);

    latest().drop();
    expect(statuses.at(-1)).toEqual(["reconnecting", 2000]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(FakeSocket.instances).toHaveLength(4);
    expect(latest().url).toBe("wss://gw/terminal?token=t4");

    latest().open();
    expect(socket.status).toBe("open");
  });

  it("tells the URL callback whether it is reconnecting", async () => {
    const attempts: number[] = [];
    const socket = new ReconnectingSocket({
      url: (attempt) => {
        attempts.push(attempt);
        return "wss://gw/t";
      },
      createSocket: (url) => new FakeSocket(url),
      onMessage: () => undefined,
    });
    socket.start();
    await tick();
    latest().drop();
    await vi.advanceTimersByTimeAsync(500);
    expect(attempts).toEqual([0, 1]);
    socket.close();
  });

  it("resets the backoff after a connection that stayed open", async () => {
    const { socket, statuses } = setup();
    socket.start();
    await tick();
    latest().drop();
    await vi.advanceTimersByTimeAsync(500);
    latest().drop();
    await vi.advanceTimersByTimeAsync(1000);
    latest().open();
    await vi.advanceTimersByTimeAsync(10_000);

    latest().drop();
    expect(statuses.at(-1)).toEqual(["reconnecting", 500]);
  });

  it("buffers input while disconnected and flushes it once open", async () => {
    const { socket } = setup();
    socket.start();
    await tick();
    socket.send("ls\r");
    expect(latest().sent).toEqual([]);

    latest().open();
    expect(latest().sent).toEqual(["ls\r"]);

    socket.send("pwd\r");
    expect(latest().sent).toEqual(["ls\r", "pwd\r"]);
    expect(socket.sendIfOpen('{"type":"resize","cols":80,"rows":24}')).toBe(true);
  });

  it("stops reconnecting once closed", async () => {
    const { socket, statuses } = setup();
    socket.start();
    await tick();
    latest().open();
    latest().drop();
    socket.close();
    await vi.advanceTimersByTimeAsync(60_000);

    expect(FakeSocket.instances).toHaveLength(1);
    expect(statuses.at(-1)).toEqual(["closed", null]);
  });

  it("retryNow skips the remaining delay", async () => {
    const { socket } = setup();
    socket.start();
    await tick();
    latest().drop();
    await vi.advanceTimersByTimeAsync(100);
    socket.retryNow();
    await tick();
    expect(FakeSocket.instances).toHaveLength(2);
  });
});
