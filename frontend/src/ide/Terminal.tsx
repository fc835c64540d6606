import { FitAddon } from "@xterm/addon-fit";
import { Terminal as XTerm } from "@xterm/xterm";
import { cx } from "../components/cx";
import styles from "./Terminal.module.css";
import "@xterm/xterm/css/xterm.css";
import { useEffect, useImperativeHandle, useRef, useState, type Ref } from "react";
import { terminalUrl } from "../api/gateway";
import { useLatest } from "../components/useLatest";
import { ReconnectingSocket, type ConnectionStatus } from "./reconnect";
import { leaveByEscapeThenTab, TERMINAL_EXIT_HINT } from "./keyboardExit";

export interface TerminalHandle {
  /** Type text into the shell (buffered until connected). */
  sendInput: (text: string) => void;
  focus: () => void;
  /** End the shell of this session on the gateway (a closed terminal tab), then stop reconnecting. */
  end: () => void;
}

export interface TerminalProps {
  gatewayUrl: string;
  environmentId: string | number;
  /** The current gateway token. */
  getToken: () => string;
  /** Fetch a fresh token (used when reconnecting, in case the old one expired). */
  refreshToken?: () => Promise<string>;
  /** The gateway's session name: a reconnect with the same name finds the same shell. */
  session?: string;
  /** The tab that names this terminal (it is that tab's panel); without one, the panel is labelled "Terminal". */
  tabId?: string;
  panelId?: string;
  /** Shown; a terminal not shown keeps its shell and its size. */
  active?: boolean;
  ref?: Ref<TerminalHandle>;
}

/** Asks the gateway to end the session's shell (a text frame it never types into the shell). */
const END_MESSAGE = JSON.stringify({ type: "end" });

// The container is labelled "Terminal"; keep xterm's own input label distinct.
XTerm.strings.promptLabel = "Shell input";

const CONNECTION_CLASS: Record<ConnectionStatus, string | undefined> = {
  connecting: undefined,
  open: styles.connOpen,
  reconnecting: styles.connReconnecting,
  closed: undefined,
};

function statusText(status: ConnectionStatus, delayMs: number | null): string {
  switch (status) {
    case "connecting":
      return "Connecting…";
    case "open":
      return "Connected";
    case "reconnecting":
      return delayMs !== null ? `Disconnected, reconnecting in ${Math.ceil(delayMs / 1000)} s…` : "Reconnecting…";
    default:
      return "Disconnected";
  }
}

/** xterm.js over the gateway's terminal WebSocket. Reconnect logic lives in reconnect.ts. */
export function Terminal({
  gatewayUrl,
  environmentId,
  getToken,
  refreshToken,
  session = "main",
  tabId,
  panelId,
  active = true,
  ref,
}: TerminalProps) {
  const container = useRef<HTMLDivElement>(null);
  const socketRef = useRef<ReconnectingSocket | null>(null);
  const termRef = useRef<XTerm | null>(null);
  const getTokenRef = useLatest(getToken);
  const refreshTokenRef = useLatest(refreshToken);
  const [status, setStatus] = useState<{ status: ConnectionStatus; delayMs: number | null }>({
    status: "connecting",
    delayMs: null,
  });

  useImperativeHandle(
    ref,
    () => ({
      sendInput: (text: string) => socketRef.current?.send(text),
      focus: () => termRef.current?.focus(),
      end: () => {
        socketRef.current?.sendIfOpen(END_MESSAGE);
        socketRef.current?.close();
      },
    }),
    [],
  );

  useEffect(() => {
    const host = container.current;
    if (!host) return;
    const term = new XTerm({
      cursorBlink: true,
      fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
      fontSize: 14,
      scrollback: 5000,
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host);
    leaveByEscapeThenTab(term);
    termRef.current = term;
    const safeFit = () => {
      try {
        fit.fit();
      } catch {
        // not laid out yet
      }
    };
    safeFit();

    const resizeMessage = () => JSON.stringify({ type: "resize", cols: term.cols, rows: term.rows });
    const socket = new ReconnectingSocket({
      url: async (attempt) => {
        let token = getTokenRef.current();
        if (attempt > 0 && refreshTokenRef.current) {
          token = await refreshTokenRef.current().catch(() => getTokenRef.current());
        }
        return terminalUrl(gatewayUrl, environmentId, {
          token,
          session,
          cols: term.cols,
          rows: term.rows,
        });
      },
      onMessage: (data) => {
        if (typeof data === "string") term.write(data);
        else term.write(new Uint8Array(data));
      },
      onOpen: () => socket.sendIfOpen(resizeMessage()),
      onStatus: (next, info) => setStatus({ status: next, delayMs: info.delayMs }),
    });
    socketRef.current = socket;

    const input = term.onData((data) => socket.send(data));
    const resized = term.onResize(() => socket.sendIfOpen(resizeMessage()));

    let frame = 0;
    const observer =
      typeof ResizeObserver !== "undefined"
        ? new ResizeObserver(() => {
            cancelAnimationFrame(frame);
            frame = requestAnimationFrame(safeFit);
          })
        : null;
    observer?.observe(host);
    socket.start();

    return () => {
      cancelAnimationFrame(frame);
      observer?.disconnect();
      input.dispose();
      resized.dispose();
      socket.close();
      socketRef.current = null;
      term.dispose();
      termRef.current = null;
    };
  }, [gatewayUrl, environmentId, session, getTokenRef, refreshTokenRef]);

  const labelling = tabId ? { role: "tabpanel", "aria-labelledby": tabId } : { role: "group", "aria-label": "Terminal" };
  return (
    <div
      className={cx(styles.terminalPanel, !active && styles.inactive)}
      {...(panelId ? { id: panelId } : {})}
      {...labelling}
    >
      <div className={styles.statusBar}>
        <span role="status" aria-label="Connection status" className={cx(styles.conn, CONNECTION_CLASS[status.status])}>
          {statusText(status.status, status.delayMs)}
        </span>
        {status.status === "reconnecting" && (
          <button type="button" className="link-button" onClick={() => socketRef.current?.retryNow()}>
            Reconnect now
          </button>
        )}
      </div>
      <p className="visually-hidden">{TERMINAL_EXIT_HINT}</p>
      <div className={styles.terminalHost} ref={container} />
    </div>
  );
}
