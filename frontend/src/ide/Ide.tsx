import { useCallback, useEffect, useImperativeHandle, useMemo, useRef, useState, type Ref } from "react";
import { createPortal } from "react-dom";
import { ApiError, errorMessage } from "../api/client";
import { resetEnvironmentFiles, type EnvironmentTarget } from "../api/queries/environments";
import { baseName, decodeText, GatewayClient } from "../api/gateway";
import type { Environment, FileEntry } from "../api/types";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { Autosaver, type SaveStatus } from "./autosave";
import { Editor, type EditorShortcuts } from "./Editor";
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
};

let tabCounter = 0;
const newTabId = () => `tab-${++tabCounter}`;

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
  const [generation, setGeneration] = useState(0);
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

  const saver = useRef<Autosaver | null>(null);
  if (saver.current === null) {
    saver.current = new Autosaver({
      delayMs: 800,
      save: (path, content) => gatewayRef.current.write(path, content),
      onStatus: (status, error) => {
        if (!mounted.current) return;
        setSaveStatus(status);
        setSaveError(status === "failed" ? errorMessage(error) : null);
      },
    });
  }
  const autosaver = saver.current;

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

  const flush = useCallback(() => autosaver.flush(), [autosaver]);
  useImperativeHandle(ref, () => ({ flush }), [flush]);

  const loadTab = useCallback(async (id: string, path: string) => {
    try {
      const bytes = await gatewayRef.current.readBytes(path);
      const text = decodeText(bytes);
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
  }, []);

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
    void autosaver.flush();
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
    setTabs((prev) =>
      prev.map((tab) => (within(tab.path, source) ? { ...tab, path: target + tab.path.slice(source.length) } : tab)),
    );
  };

  const onDeleted = (path: string) => {
    for (const tab of tabsRef.current) if (within(tab.path, path)) autosaver.discard(tab.path);
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
      const env = await resetEnvironmentFiles(target);
      onReset?.(env);
      // Reload the tree and every open tab from the restored files.
      const reloaded = await Promise.all(
        tabsRef.current.map(async (tab): Promise<Tab | null> => {
          try {
            const text = decodeText(await gatewayRef.current.readBytes(tab.path));
            return text === null
              ? { ...tab, status: "binary", content: "" }
              : { ...tab, status: "ready", content: text };
          } catch (err) {
            if (err instanceof ApiError && err.status === 404) return null;
            return { ...tab, status: "error", content: "", error: errorMessage(err) };
          }
        }),
      );
      const remaining = reloaded.filter((tab): tab is Tab => tab !== null);
      setTabs(remaining);
      if (activeId && !remaining.some((tab) => tab.id === activeId)) setActiveId(remaining[0]?.id ?? null);
      setGeneration((n) => n + 1);
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
      <FilesAndEditor split={slots !== undefined && !slots.compact}>
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
              <Editor
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
      {slots.code && createPortal(ide, slots.code)}
      {slots.terminal && createPortal(terminals, slots.terminal)}
    </>
  );
}
