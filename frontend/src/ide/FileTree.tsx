import { useCallback, useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { errorMessage } from "../api/client";
import { baseName, joinPath, parentPath, WORKSPACE_ROOT, type GatewayClient } from "../api/gateway";
import type { FileEntry } from "../api/types";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { cx } from "../components/cx";
import styles from "./FileTree.module.css";

export type FileGateway = Pick<GatewayClient, "list" | "write" | "remove" | "rename">;

export interface FileTreeProps {
  gateway: FileGateway;
  /** A file was activated (click / Enter). */
  onOpen: (path: string) => void;
  /** The file shown in the editor, highlighted in the tree. */
  activePath?: string | null;
  /** Change to reload every listed directory. */
  refreshKey?: number;
  /** A new file was created: the caller opens it and takes the focus (to its editor); else the tree item takes it. */
  onCreated?: (path: string) => void;
  /** Called before renaming or deleting `path` (e.g. to flush unsaved edits). */
  beforeChange?: (path: string) => Promise<void> | void;
  onRenamed?: (source: string, target: string) => void;
  onDeleted?: (path: string) => void;
  /** The root listing arrived (used to open a first file). */
  onRootLoaded?: (entries: FileEntry[]) => void;
}

type DirState =
  | { status: "loading"; entries: FileEntry[] }
  | { status: "ready"; entries: FileEntry[] }
  | { status: "error"; entries: FileEntry[]; error: string };

type Mode =
  | { kind: "none" }
  | { kind: "create"; dir: string }
  | { kind: "rename"; path: string; isDir: boolean }
  | { kind: "delete"; path: string; isDir: boolean };

interface VisibleItem {
  path: string;
  entry: FileEntry;
  parent: string;
  depth: number;
}

function sortEntries(entries: FileEntry[]): FileEntry[] {
  return [...entries].sort((a, b) => {
    const ad = a.kind === "directory" ? 0 : 1;
    const bd = b.kind === "directory" ? 0 : 1;
    if (ad !== bd) return ad - bd;
    return a.name.localeCompare(b.name);
  });
}

function isWithin(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

/** Check a user-typed file name; returns an error message or null. */
export function validateName(name: string): string | null {
  const trimmed = name.trim();
  if (!trimmed) return "Enter a name.";
  if (trimmed.startsWith("/")) return "Use a path inside the workspace.";
  if (trimmed.split("/").some((part) => part === ".." || part === "." || part === "")) {
    return "The name cannot contain empty, “.” or “..” parts.";
  }
  return null;
}

export function FileTree({
  gateway,
  onOpen,
  activePath = null,
  refreshKey = 0,
  onCreated,
  beforeChange,
  onRenamed,
  onDeleted,
  onRootLoaded,
}: FileTreeProps) {
  const [dirs, setDirs] = useState<Map<string, DirState>>(() => new Map());
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set());
  const [selected, setSelected] = useState<string | null>(null);
  const [focused, setFocused] = useState<string | null>(null);
  const [mode, setMode] = useState<Mode>({ kind: "none" });
  const [name, setName] = useState("");
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const itemRefs = useRef(new Map<string, HTMLLIElement>());
  const moveFocus = useRef(false);
  const expandedRef = useRef(expanded);
  expandedRef.current = expanded;
  const onRootLoadedRef = useRef(onRootLoaded);
  onRootLoadedRef.current = onRootLoaded;

  const loadDir = useCallback(
    async (dir: string) => {
      setDirs((prev) => {
        const next = new Map(prev);
        next.set(dir, { status: "loading", entries: prev.get(dir)?.entries ?? [] });
        return next;
      });
      try {
        const listing = await gateway.list(dir);
        const entries = sortEntries(listing.entries);
        setDirs((prev) => new Map(prev).set(dir, { status: "ready", entries }));
        if (dir === WORKSPACE_ROOT) onRootLoadedRef.current?.(entries);
      } catch (err) {
        setDirs((prev) =>
          new Map(prev).set(dir, {
            status: "error",
            entries: prev.get(dir)?.entries ?? [],
            error: errorMessage(err),
          }),
        );
      }
    },
    [gateway],
  );

  // Load (or reload) the root and every expanded directory.
  useEffect(() => {
    void loadDir(WORKSPACE_ROOT);
    for (const dir of expandedRef.current) void loadDir(dir);
  }, [loadDir, refreshKey]);

  // Flatten what is visible, in display order (for keyboard navigation).
  const visible: VisibleItem[] = [];
  const walk = (dir: string, depth: number) => {
    for (const entry of dirs.get(dir)?.entries ?? []) {
      const path = joinPath(dir, entry.name);
      visible.push({ path, entry, parent: dir, depth });
      if (entry.kind === "directory" && expanded.has(path)) walk(path, depth + 1);
    }
  };
  walk(WORKSPACE_ROOT, 1);
  const byPath = new Map(visible.map((item) => [item.path, item]));
  const tabStop = focused && byPath.has(focused) ? focused : (visible[0]?.path ?? null);

  useEffect(() => {
    if (!moveFocus.current || !focused) return;
    moveFocus.current = false;
    itemRefs.current.get(focused)?.focus();
  }, [focused]);

  const focusItem = (path: string) => {
    moveFocus.current = true;
    setFocused(path);
  };

  const toggle = (path: string, open?: boolean) => {
    const willOpen = open ?? !expanded.has(path);
    setExpanded((prev) => {
      const next = new Set(prev);
      if (willOpen) next.add(path);
      else next.delete(path);
      return next;
    });
    if (willOpen && !dirs.has(path)) void loadDir(path);
  };

  const activate = (item: VisibleItem) => {
    setSelected(item.path);
    setFocused(item.path);
    if (item.entry.kind === "directory") toggle(item.path);
    else onOpen(item.path);
  };

  const selectedItem = selected ? byPath.get(selected) : undefined;

  const startCreate = () => {
    let dir = WORKSPACE_ROOT;
    if (selectedItem) dir = selectedItem.entry.kind === "directory" ? selectedItem.path : selectedItem.parent;
    setMode({ kind: "create", dir });
    setName("");
    setFormError(null);
  };

  const startRename = (item: VisibleItem | undefined) => {
    if (!item) return;
    setMode({ kind: "rename", path: item.path, isDir: item.entry.kind === "directory" });
    setName(item.entry.name);
    setFormError(null);
  };

  const startDelete = (item: VisibleItem | undefined) => {
    if (!item) return;
    setMode({ kind: "delete", path: item.path, isDir: item.entry.kind === "directory" });
  };

  const cancel = () => {
    setMode({ kind: "none" });
    setFormError(null);
  };

  const submitCreate = async (event: FormEvent) => {
    event.preventDefault();
    if (mode.kind !== "create") return;
    const problem = validateName(name);
    if (problem) {
      setFormError(problem);
      return;
    }
    const path = joinPath(mode.dir, name.trim());
    setBusy(true);
    try {
      await gateway.write(path, "", "644");
      const dir = parentPath(path);
      if (dir !== WORKSPACE_ROOT) setExpanded((prev) => new Set(prev).add(dir));
      await loadDir(mode.dir);
      if (dir !== mode.dir) await loadDir(dir);
      setMode({ kind: "none" });
      setSelected(path);
      if (onCreated) {
        setFocused(path);
        onCreated(path);
      } else focusItem(path);
    } catch (err) {
      setFormError(`Could not create ${path}: ${errorMessage(err)}`);
    } finally {
      setBusy(false);
    }
  };

  const submitRename = async (event: FormEvent) => {
    event.preventDefault();
    if (mode.kind !== "rename") return;
    const problem = validateName(name);
    if (problem) {
      setFormError(problem);
      return;
    }
    const source = mode.path;
    const target = joinPath(parentPath(source), name.trim());
    if (target === source) {
      cancel();
      return;
    }
    setBusy(true);
    try {
      await beforeChange?.(source);
      await gateway.rename(source, target);
      if (mode.isDir) {
        setExpanded((prev) => new Set(Array.from(prev).filter((dir) => !isWithin(dir, source))));
        setDirs((prev) => new Map(Array.from(prev).filter(([dir]) => !isWithin(dir, source))));
      }
      await loadDir(parentPath(source));
      if (parentPath(target) !== parentPath(source)) await loadDir(parentPath(target));
      setMode({ kind: "none" });
      setSelected(target);
      focusItem(target);
      onRenamed?.(source, target);
    } catch (err) {
      setFormError(`Could not rename ${source}: ${errorMessage(err)}`);
    } finally {
      setBusy(false);
    }
  };

  const confirmDelete = async () => {
    if (mode.kind !== "delete") return;
    const path = mode.path;
    setBusy(true);
    setError(null);
    try {
      await beforeChange?.(path);
      await gateway.remove(path);
      setMode({ kind: "none" });
      setSelected(null);
      const next = parentPath(path) === WORKSPACE_ROOT ? visible.find((item) => item.path !== path)?.path : parentPath(path);
      if (next) focusItem(next);
      await loadDir(parentPath(path));
      onDeleted?.(path);
    } catch (err) {
      setMode({ kind: "none" });
      setError(`Could not delete ${path}: ${errorMessage(err)}`);
    } finally {
      setBusy(false);
    }
  };

  const onTreeKeyDown = (event: KeyboardEvent<HTMLUListElement>) => {
    const target = (event.target as HTMLElement).closest<HTMLElement>("[data-path]");
    const path = target?.dataset.path;
    const item = path !== undefined ? byPath.get(path) : undefined;
    if (!item) return;
    const index = visible.indexOf(item);
    const isDir = item.entry.kind === "directory";
    let handled = true;
    switch (event.key) {
      case "ArrowDown":
        if (visible[index + 1]) focusItem(visible[index + 1]!.path);
        break;
      case "ArrowUp":
        if (index > 0) focusItem(visible[index - 1]!.path);
        break;
      case "Home":
        if (visible[0]) focusItem(visible[0].path);
        break;
      case "End":
        if (visible.length) focusItem(visible[visible.length - 1]!.path);
        break;
      case "ArrowRight":
        if (isDir && !expanded.has(item.path)) toggle(item.path, true);
        else if (isDir && visible[index + 1]?.parent === item.path) focusItem(visible[index + 1]!.path);
        break;
      case "ArrowLeft":
        if (isDir && expanded.has(item.path)) toggle(item.path, false);
        else if (item.parent !== WORKSPACE_ROOT) focusItem(item.parent);
        break;
      case "Enter":
      case " ":
        activate(item);
        break;
      case "F2":
        setSelected(item.path);
        startRename(item);
        break;
      case "Delete":
        setSelected(item.path);
        startDelete(item);
        break;
      default:
        handled = false;
    }
    if (handled) {
      event.preventDefault();
      event.stopPropagation();
    }
  };

  const renderDir = (dir: string, depth: number) => {
    const state = dirs.get(dir);
    const entries = state?.entries ?? [];
    return (
      <>
        {entries.map((entry) => {
          const path = joinPath(dir, entry.name);
          const isDir = entry.kind === "directory";
          const open = isDir && expanded.has(path);
          return (
            <li
              key={path}
              role="treeitem"
              aria-label={entry.name}
              aria-level={depth}
              aria-selected={selected === path}
              {...(isDir ? { "aria-expanded": open } : {})}
              {...(activePath === path ? { "aria-current": "true" as const } : {})}
              tabIndex={tabStop === path ? 0 : -1}
              data-path={path}
              ref={(node) => {
                if (node) itemRefs.current.set(path, node);
                else itemRefs.current.delete(path);
              }}
              onFocus={(event) => {
                if (event.target === event.currentTarget) setFocused(path);
              }}
              className={cx(styles.treeItem, activePath === path && styles.active)}
            >
              <div
                className={styles.treeRow}
                style={{ paddingLeft: `${(depth - 1) * 0.9 + 0.4}rem` }}
                onClick={(event) => {
                  event.stopPropagation();
                  const item = byPath.get(path);
                  if (item) activate(item);
                }}
              >
                <span className={styles.treeIcon} aria-hidden="true">
                  {isDir ? (open ? "▾" : "▸") : "·"}
                </span>
                <span>{entry.name}</span>
              </div>
              {open && (
                <ul role="group">
                  {renderDir(path, depth + 1)}
                  {dirs.get(path)?.status === "loading" && (dirs.get(path)?.entries.length ?? 0) === 0 && (
                    <li role="none" className={styles.treeNote}>
                      Loading…
                    </li>
                  )}
                </ul>
              )}
            </li>
          );
        })}
      </>
    );
  };

  const root = dirs.get(WORKSPACE_ROOT);

  return (
    <nav className={styles.fileTree} aria-label="Workspace files">
      <div className="panel-bar">
        <h2 className="panel-title">Files</h2>
        <div className={styles.treeActions}>
          <button type="button" className="small" onClick={startCreate}>
            New file
          </button>
          <button
            type="button"
            className="small"
            onClick={() => startRename(selectedItem)}
            disabled={!selectedItem}
            title={selectedItem ? `Rename ${selectedItem.path} (F2)` : "Select a file to rename"}
          >
            Rename
          </button>
          <button
            type="button"
            className="small"
            onClick={() => startDelete(selectedItem)}
            disabled={!selectedItem}
            title={selectedItem ? `Delete ${selectedItem.path} (Delete key)` : "Select a file to delete"}
          >
            Delete
          </button>
          <button
            type="button"
            className="small"
            aria-label="Refresh files"
            title="Refresh files"
            onClick={() => {
              void loadDir(WORKSPACE_ROOT);
              for (const dir of expanded) void loadDir(dir);
            }}
          >
            ⟳
          </button>
        </div>
      </div>

      {mode.kind === "create" && (
        <form className={styles.treeForm} onSubmit={(event) => void submitCreate(event)} aria-label="Create a file">
          <label htmlFor="new-file-name">
            File name{mode.dir !== WORKSPACE_ROOT ? ` (in ${mode.dir}/)` : ""}
          </label>
          <input
            id="new-file-name"
            autoFocus
            value={name}
            onChange={(event) => setName(event.target.value)}
            onKeyDown={(event) => event.key === "Escape" && cancel()}
            placeholder="main.py"
            {...(formError ? { "aria-invalid": true, "aria-describedby": "tree-form-error" } : {})}
          />
          <div className={styles.treeFormActions}>
            <button type="submit" className="small primary" disabled={busy}>
              Create
            </button>
            <button type="button" className="small" onClick={cancel} disabled={busy}>
              Cancel
            </button>
          </div>
          {formError && (
            <p id="tree-form-error" role="alert" className="error small-text">
              {formError}
            </p>
          )}
        </form>
      )}

      {mode.kind === "rename" && (
        <form
          className={styles.treeForm}
          onSubmit={(event) => void submitRename(event)}
          aria-label={`Rename ${mode.path}`}
        >
          <label htmlFor="rename-file-name">New name for {baseName(mode.path)}</label>
          <input
            id="rename-file-name"
            autoFocus
            value={name}
            onChange={(event) => setName(event.target.value)}
            onKeyDown={(event) => event.key === "Escape" && cancel()}
            {...(formError ? { "aria-invalid": true, "aria-describedby": "tree-form-error" } : {})}
          />
          <div className={styles.treeFormActions}>
            <button type="submit" className="small primary" disabled={busy}>
              Save name
            </button>
            <button type="button" className="small" onClick={cancel} disabled={busy}>
              Cancel
            </button>
          </div>
          {formError && (
            <p id="tree-form-error" role="alert" className="error small-text">
              {formError}
            </p>
          )}
        </form>
      )}

      {error && (
        <p role="alert" className="error small-text">
          {error}
        </p>
      )}
      {root?.status === "error" && (
        <p role="alert" className="error small-text">
          Could not list files: {root.error}
        </p>
      )}
      {(!root || (root.status === "loading" && root.entries.length === 0)) && (
        <p className="muted small-text">Loading files…</p>
      )}
      {root?.status === "ready" && root.entries.length === 0 && <p className="muted small-text">No files yet.</p>}

      <ul role="tree" aria-label="Files" className={styles.tree} onKeyDown={onTreeKeyDown}>
        {renderDir(WORKSPACE_ROOT, 1)}
      </ul>

      {mode.kind === "delete" && (
        <ConfirmDialog
          title={`Delete ${mode.path}?`}
          message={
            mode.isDir
              ? "The folder and everything in it will be removed from your environment."
              : "The file will be removed from your environment."
          }
          busy={busy}
          onConfirm={() => void confirmDelete()}
          onCancel={cancel}
        />
      )}
    </nav>
  );
}
