import {
  useCallback,
  useEffect,
  useImperativeHandle,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type Ref,
} from "react";
import { createPortal } from "react-dom";
import { ApiError, errorMessage } from "../api/client";
import { resetEnvironmentFiles, type EnvironmentTarget } from "../api/queries/environments";
import { baseName, decodeText, GatewayClient, watchUrl } from "../api/gateway";
import type { Environment, FileEntry } from "../api/types";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { Autosaver, type SaveStatus } from "./autosave";
import { Editor, type EditorHandle, type EditorShortcuts } from "./Editor";
import { FileConflict, type FileConflictProps } from "./FileConflict";
import { FileSync, SaveHeldError, type Conflict, type DiskFile } from "./fileSync";
import { watchFiles, type FileChange } from "./fileWatch";
import { FileTree } from "./FileTree";
import { languageForPath, runCommandFor } from "./languages";
import { FilesAndEditor } from "./FilesAndEditor";
import type { ShellSlots } from "./IdeShell";
import type { TerminalHandle } from "./Terminal";
import { TerminalTabs } from "./TerminalTabs";
import { ErrorText } from "../components/Messages";
import { cx } from "../components/cx";
import styles from "./Ide.module.css";

export interface IdeHandle {
  /** Save every unsaved edit now. */
  flush: () => Promise<void>;
}

export interface IdeProps {
  /** Whose environment: a learner's of a lesson, or an author's preview (its reset puts the draft's files back). */
  target: EnvironmentTarget;
  environment: Environment;
  languages: readonly string[];
  runCommand: string | null;
  getToken: () => string;
  refreshToken: () => Promise<string>;
  /** The reset endpoint answered with the (possibly new) environment. */
  onReset?: (environment: Environment) => void;
  /** The lesson's shell panes to render into (files and editor; terminals); without them, one compact block. */
  slots?: ShellSlots;
  ref?: Ref<IdeHandle>;
}

interface Tab {
  id: string;
  path: string;
  status: "loading" | "ready" | "binary" | "error";
  content: string;
  error?: string;
}

const SAVE_TEXT: Record<SaveStatus, string> = {
  idle: "",
  pending: "Saving…",
  saving: "Saving…",
  saved: "Saved",
  failed: "Save failed",
  conflict: "Not saved: changed on disk",
};

let tabCounter = 0;
const newTabId = () => `tab-${++tabCounter}`;

/** How long file-tree refreshes wait for more changes (a reset or a build changes many files at once). */
const TREE_REFRESH_MS = 300;

function within(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** Pick the file to open first: one in the lesson's language, else any known source file. */
export function pickFirstFile(entries: readonly FileEntry[], languages: readonly string[]): string | null {
  const files = entries.filter((entry) => entry.kind === "file" && !entry.name.startsWith("."));
  const wanted = new Set(languages.map((language) => language.toLowerCase()));
  const inLanguage = files.find((entry) => {
    const language = languageForPath(entry.name);
    return language !== null && (wanted.has(language) || (language === "shell" && wanted.has("bash")));
  });
  const known = files.find((entry) => languageForPath(entry.name) !== null);
  return (inLanguage ?? known ?? files[0])?.name ?? null;
}

export function Ide({
  target,
  environment,
  languages,
  runCommand,
  getToken,
  refreshToken,
  onReset,
  slots,
  ref,
}: IdeProps) {
  const refreshRef = useRef(refreshToken);
  refreshRef.current = refreshToken;
  const getTokenRef = useRef(getToken);
  getTokenRef.current = getToken;

  const gateway = useMemo(
    () =>
      new GatewayClient({
        gatewayUrl: environment.gateway_url,
        environmentId: environment.id,
        getToken: () => getTokenRef.current(),
        refreshToken: () => refreshRef.current(),
      }),
    [environment.gateway_url, environment.id],
  );
  const gatewayRef = useRef(gateway);
  gatewayRef.current = gateway;

  const [tabs, setTabs] = useState<Tab[]>([]);
  const [activeId, setActiveId] = useState<string | null>(null);
  const [generation] = useState(0);
  const [treeKey, setTreeKey] = useState(0);
  const [saveStatus, setSaveStatus] = useState<SaveStatus>("idle");
  const [saveError, setSaveError] = useState<string | null>(null);
  const [confirmReset, setConfirmReset] = useState(false);
  const [resetting, setResetting] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [rootNames, setRootNames] = useState<string[]>([]);
  const focusOnOpen = useRef<string | null>(null); // a file just created: its editor takes the focus once loaded
  const tabsRef = useRef(tabs);
  tabsRef.current = tabs;
  const terminal = useRef<TerminalHandle>(null);
  const autoOpened = useRef(false);
  const mounted = useRef(true);

  const active = tabs.find((tab) => tab.id === activeId) ?? null;
  // Without the lesson's run command, Run runs the open file by its language.
  const command = runCommand ?? runCommandFor(active?.path ?? null, rootNames);

  const editorRef = useRef<EditorHandle>(null);
  const [conflicts, setConflicts] = useState<ReadonlyMap<string, Conflict>>(() => new Map());
  const syncRef = useRef<FileSync | null>(null);
  const saver = useRef<Autosaver | null>(null);
  if (saver.current === null) {
    saver.current = new Autosaver({
      delayMs: 800,
      save: (path, content) => syncRef.current?.save(path, content) ?? Promise.resolve(),
      isHeld: (error) => error instanceof SaveHeldError,
      onStatus: (status, error) => {
        if (!mounted.current) return;
        setSaveStatus(status);
        setSaveError(status === "failed" ? errorMessage(error) : null);
      },
    });
  }
  const autosaver = saver.current;
  if (syncRef.current === null) {
    const tabOf = (path: string) => tabsRef.current.find((tab) => tab.path === path && tab.status === "ready");
    syncRef.current = new FileSync({
      read: async (path): Promise<DiskFile> => {
        try {
          const { bytes, etag } = await gatewayRef.current.read(path);
          return { text: decodeText(bytes), etag };
        } catch (err) {
          if (err instanceof ApiError && err.status === 404) return "missing";
          throw err;
        }
      },
      write: (path, content, condition) => gatewayRef.current.write(path, content, undefined, condition),
      buffer: (path) => {
        const tab = tabOf(path);
        return tab && (editorRef.current?.text(tab.id) ?? tab.content);
      },
      replace: (path, text) => {
        const tab = tabOf(path);
        if (!tab) return;
        tabsRef.current = tabsRef.current.map((t) => (t.id === tab.id ? { ...t, content: text } : t));
        setTabs((prev) => prev.map((t) => (t.id === tab.id ? { ...t, content: text } : t)));
        editorRef.current?.replace(tab.id, text);
      },
      close: (path) => {
        const remaining = tabsRef.current.filter((tab) => tab.path !== path);
        tabsRef.current = remaining;
        setTabs(remaining);
        setActiveId((id) => (id && remaining.some((tab) => tab.id === id) ? id : (remaining[0]?.id ?? null)));
      },
      hasPending: (path) => autosaver.hasPending(path),
      discardPending: (path) => autosaver.discard(path),
      saveNow: (path, content) => {
        autosaver.change(path, content);
        return autosaver.flush();
      },
      idle: () => autosaver.idle(),
      onConflicts: (next) => {
        if (mounted.current) setConflicts(next);
      },
    });
  }
  const fileSync = syncRef.current;

  useEffect(() => {
    mounted.current = true;
    const beforeUnload = (event: BeforeUnloadEvent) => {
      if (autosaver.hasPending()) {
        void autosaver.flush();
        event.preventDefault();
      }
    };
    window.addEventListener("beforeunload", beforeUnload);
    return () => {
      window.removeEventListener("beforeunload", beforeUnload);
      mounted.current = false;
      // Leaving the lesson: still save what was typed.
      void autosaver.flush();
    };
  }, [autosaver]);

  // Follow the files on disk: open tabs (fileSync.ts) and the tree.
  useEffect(() => {
    let treeTimer: ReturnType<typeof setTimeout> | null = null;
    const refreshTree = () => {
      if (treeTimer === null) {
        treeTimer = setTimeout(() => {
          treeTimer = null;
          setTreeKey((n) => n + 1);
        }, TREE_REFRESH_MS);
      }
    };
    const onChanges = (changes: FileChange[]) => {
      const open = fileSync.trackedPaths();
      for (const path of open) {
        if (changes.some((change) => within(path, change.path))) void fileSync.check(path).catch(() => undefined);
      }
      if (changes.some((change) => change.kind !== "modified")) refreshTree();
    };
    const stop = watchFiles({
      url: () => watchUrl(environment.gateway_url, environment.id, getTokenRef.current()),
      onResync: () => {
        void fileSync.checkAll();
        refreshTree();
      },
      onChanges,
    });
    return () => {
      stop();
      if (treeTimer !== null) clearTimeout(treeTimer);
    };
  }, [environment.gateway_url, environment.id, fileSync]);

  const flush = useCallback(() => autosaver.flush(), [autosaver]);
  useImperativeHandle(ref, () => ({ flush }), [flush]);

  const loadTab = useCallback(async (id: string, path: string) => {
    try {
      const { bytes, etag } = await gatewayRef.current.read(path);
      const text = decodeText(bytes);
      if (text !== null) fileSync.opened(path, text, etag);
      setTabs((prev) =>
        prev.map((tab) =>
          tab.id === id
            ? text === null
              ? { ...tab, status: "binary", content: "" }
              : { ...tab, status: "ready", content: text }
            : tab,
        ),
      );
    } catch (err) {
      setTabs((prev) =>
        prev.map((tab) => (tab.id === id ? { ...tab, status: "error", error: errorMessage(err) } : tab)),
      );
    }
  }, [fileSync]);

  const openFile = useCallback(
    (path: string) => {
      void autosaver.flush();
      const existing = tabsRef.current.find((tab) => tab.path === path);
      if (existing) {
        setActiveId(existing.id);
        return;
      }
      const id = newTabId();
      const tab: Tab = { id, path, status: "loading", content: "" };
      tabsRef.current = [...tabsRef.current, tab];
      setTabs((prev) => [...prev, tab]);
      setActiveId(id);
      void loadTab(id, path);
    },
    [autosaver, loadTab],
  );

  const activate = (id: string) => {
    void autosaver.flush();
    setActiveId(id);
  };

  const closeTab = (id: string) => {
    const closing = tabs.find((tab) => tab.id === id);
    void autosaver.flush().finally(() => {
      // Only once its last edits are saved (a save needs the version the tab saw).
      if (closing && !tabsRef.current.some((tab) => tab.path === closing.path)) fileSync.forget(closing.path);
    });
    const index = tabs.findIndex((tab) => tab.id === id);
    const remaining = tabs.filter((tab) => tab.id !== id);
    setTabs(remaining);
    if (activeId === id) setActiveId(remaining[Math.min(index, remaining.length - 1)]?.id ?? null);
  };

  const onRootLoaded = (entries: FileEntry[]) => {
    setRootNames(entries.map((entry) => entry.name));
    if (autoOpened.current || tabsRef.current.length > 0) return;
    autoOpened.current = true;
    const first = pickFirstFile(entries, languages);
    if (first) openFile(first);
  };

  const onChange = useCallback(
    (tabId: string, content: string) => {
      const tab = tabsRef.current.find((candidate) => candidate.id === tabId);
      if (tab && tab.status === "ready") autosaver.change(tab.path, content);
    },
    [autosaver],
  );

  const onRenamed = (source: string, target: string) => {
    autosaver.rename(source, target);
    fileSync.rename(source, target);
    setTabs((prev) =>
      prev.map((tab) => (within(tab.path, source) ? { ...tab, path: target + tab.path.slice(source.length) } : tab)),
    );
  };

  const onDeleted = (path: string) => {
    for (const tab of tabsRef.current) {
      if (!within(tab.path, path)) continue;
      autosaver.discard(tab.path);
      fileSync.forget(tab.path);
    }
    const remaining = tabsRef.current.filter((tab) => !within(tab.path, path));
    setTabs(remaining);
    if (activeId && !remaining.some((tab) => tab.id === activeId)) setActiveId(remaining[0]?.id ?? null);
  };

  const run = async () => {
    if (!command) return;
    setActionError(null);
    try {
      await autosaver.flush();
    } catch {
      // The save status already shows the failure; run anyway.
    }
    terminal.current?.sendInput(`${command}\r`);
  };

  const reset = async () => {
    setResetting(true);
    setActionError(null);
    setNotice(null);
    autosaver.discard();
    try {
      await autosaver.idle(); // a save already sent lands before the reset, never after it
      const env = await resetEnvironmentFiles(target);
      onReset?.(env);
      // Every open tab shows the files as they are now, whatever was typed; the watch brings the
      // starter files into these (now clean) tabs as the reset writes them.
      await fileSync.resetAll();
      setTreeKey((n) => n + 1);
      setSaveStatus("idle");
      setNotice("Your files were reset to the starter files.");
    } catch (err) {
      setActionError(`Could not reset the files: ${errorMessage(err)}`);
    } finally {
      setResetting(false);
      setConfirmReset(false);
    }
  };

  const shortcuts: EditorShortcuts = {
    save: () => void autosaver.flush().catch(() => undefined), // the save status shows a failure
    ...(command ? { run: () => void run() } : {}),
  };

  useEffect(() => {
    if (active?.status !== "ready" || active.path !== focusOnOpen.current) return;
    focusOnOpen.current = null;
    document.querySelector<HTMLElement>("#editor-tabpanel .cm-content")?.focus();
  });
  const openTabIds = useMemo(() => tabs.map((tab) => tab.id), [tabs]);
  const conflictProps: FileConflictProps = {
    conflict: active ? conflicts.get(active.path) : undefined,
    mine: () => (active ? (editorRef.current?.text(active.id) ?? active.content) : ""),
    onKeepMine: (path) => void fileSync.keepMine(path).catch((err: unknown) => setActionError(errorMessage(err))),
    onTakeTheirs: (path) =>
      void fileSync.takeTheirs(path).then(
        () => setSaveStatus((status) => (status === "conflict" ? "idle" : status)),
        (err: unknown) => setActionError(errorMessage(err)),
      ),
  };

  const codeHost = useSlotHost(slots?.code);
  const terminalHost = useSlotHost(slots?.terminal);
  const terminals = (
    <TerminalTabs
      ref={terminal}
      gatewayUrl={environment.gateway_url}
      environmentId={environment.id}
      getToken={getToken}
      refreshToken={refreshToken}
    />
  );

  const ide = (
    <div className={cx(styles.ide, slots && styles.inShell)}>
      <div className={styles.ideToolbar} role="toolbar" aria-label="Environment actions">
        {command && (
          <button
            type="button"
            className="primary"
            onClick={() => void run()}
            title={`Runs “${command}” in the terminal (Ctrl+Enter in the editor)`}
          >
            Run
          </button>
        )}
        <button type="button" onClick={() => setConfirmReset(true)} disabled={resetting}>
          Reset to starter files
        </button>
        <span className="spacer" />
        <span
          role="status"
          aria-label="Save status"
          className={cx(styles.saveStatus, saveStatus === "failed" && styles.saveFailed)}
          {...(saveError ? { title: saveError } : {})}
        >
          {SAVE_TEXT[saveStatus]}
        </span>
      </div>
      {(notice || actionError) && (
        <div className={styles.ideMessages}>
          {notice && (
            <p className="notice" role="status">
              {notice}
              <button type="button" className="link-button" onClick={() => setNotice(null)}>
                Dismiss
              </button>
            </p>
          )}
          <ErrorText message={actionError} />
        </div>
      )}
      <FilesAndEditor layout={slots === undefined ? null : slots.compact ? "vertical" : "horizontal"}>
        <FileTree
          gateway={gateway}
          onOpen={openFile}
          activePath={active?.path ?? null}
          refreshKey={treeKey}
          onCreated={(path) => {
            focusOnOpen.current = path;
            openFile(path);
          }}
          beforeChange={() => autosaver.flush()}
          onRenamed={onRenamed}
          onDeleted={onDeleted}
          onRootLoaded={onRootLoaded}
        />
        <div className={styles.ideMain}>
          <div className={styles.editorPanel}>
            <div className={styles.tabs} role="tablist" aria-label="Open files">
              {tabs.map((tab) => (
                <div key={tab.id} className={cx(styles.tab, tab.id === activeId && styles.active)} role="presentation">
                  <button
                    type="button"
                    role="tab"
                    id={`${tab.id}-tab`}
                    aria-selected={tab.id === activeId}
                    aria-controls="editor-tabpanel"
                    tabIndex={tab.id === activeId ? 0 : -1}
                    aria-keyshortcuts="Delete"
                    title={`${tab.path} (Delete closes it)`}
                    onClick={() => activate(tab.id)}
                    onKeyDown={(event) => {
                      const index = tabs.indexOf(tab);
                      let target: Tab | undefined;
                      if (event.key === "ArrowRight") target = tabs[(index + 1) % tabs.length];
                      else if (event.key === "ArrowLeft") target = tabs[(index - 1 + tabs.length) % tabs.length];
                      else if (event.key === "Delete") {
                        event.preventDefault();
                        closeTab(tab.id);
                        return;
                      }
                      if (target) {
                        event.preventDefault();
                        activate(target.id);
                        document.getElementById(`${target.id}-tab`)?.focus();
                      }
                    }}
                  >
                    {baseName(tab.path)}
                  </button>
                  <button
                    type="button"
                    className={styles.tabClose}
                    aria-label={`Close ${tab.path}`}
                    title={`Close ${tab.path}`}
                    tabIndex={-1}
                    aria-hidden="true"
                    onClick={() => closeTab(tab.id)}
                  >
                    ×
                  </button>
                </div>
              ))}
            </div>
            <div
              className={styles.editorArea}
              id="editor-tabpanel"
              role="tabpanel"
              {...(active ? { "aria-labelledby": `${active.id}-tab` } : { "aria-label": "No file open" })}
            >
              {!active && <p className={cx("muted", styles.placeholder)}>Open a file from the list to edit it.</p>}
              {active?.status === "loading" && (
                <p className={cx("muted", styles.placeholder)}>Loading {active.path}…</p>
              )}
              {active?.status === "binary" && (
                <p className={cx("muted", styles.placeholder)}>
                  {active.path} is not a text file and cannot be edited here.
                </p>
              )}
              {active?.status === "error" && (
                <p className={cx("error", styles.placeholder)} role="alert">
                  Could not open {active.path}: {active.error}
                </p>
              )}
              <FileConflict {...conflictProps} />
              <Editor
                ref={editorRef}
                tabId={active?.status === "ready" ? active.id : null}
                path={active?.path ?? ""}
                content={active?.content ?? ""}
                generation={generation}
                openTabIds={openTabIds}
                onChange={onChange}
                shortcuts={shortcuts}
              />
            </div>
          </div>
          {!slots && terminals}
        </div>
      </FilesAndEditor>
      {confirmReset && (
        <ConfirmDialog
          title="Reset to starter files?"
          message="All your changes to this lesson's files will be lost and the starter files restored."
          busy={resetting}
          onConfirm={() => void reset()}
          onCancel={() => setConfirmReset(false)}
        />
      )}
    </div>
  );

  if (!slots) return ide;
  return (
    <>
      {createPortal(ide, codeHost)}
      {createPortal(terminals, terminalHost)}
    </>
  );
}

/**
 * An element made once and moved into whichever slot the shell offers now.
 *
 * The shell's slots are new elements whenever its layout changes (columns on
 * a wide window, tabs on a phone's); a portal into a new container mounts its
 * children anew, and a new editor would show the file as first loaded, not as
 * typed since. Portals into this host keep one editor and one set of terminals
 * for the page's life; only the host moves. ``display: contents`` keeps the
 * slot's layout as if the portal's content were its own child.
 */
function useSlotHost(slot: HTMLElement | null | undefined): HTMLElement {
  const [host] = useState(() => {
    const element = document.createElement("div");
    element.style.display = "contents";
    return element;
  });
  useLayoutEffect(() => {
    if (slot && host.parentElement !== slot) slot.appendChild(host);
  }, [slot, host]);
  useLayoutEffect(() => () => host.remove(), [host]);
  return host;
}
