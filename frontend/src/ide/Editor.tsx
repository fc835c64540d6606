import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { bracketMatching, indentOnInput, indentUnit } from "@codemirror/language";
import { Annotation, Compartment, EditorState, type ChangeSpec, type Extension } from "@codemirror/state";
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
} from "@codemirror/view";
import { useEffect, useImperativeHandle, useRef, type Ref } from "react";
import { useLatest } from "../components/useLatest";
import { editorLook } from "./editorLook";
import { languageForPath, loadLanguage } from "./languages";
import styles from "./Editor.module.css";

export interface EditorProps {
  /** Stable id of the active tab (each tab keeps its own undo history); null hides the editor. */
  tabId: string | null;
  /** Path of the active file (picks the syntax highlighting). */
  path: string;
  /** Content used when the tab is first shown (or after `generation` changes). */
  content: string;
  /** Bump to drop every cached buffer (e.g. after reloading files from disk). */
  generation: number;
  /** Ids of the open tabs; buffers of other tabs are dropped. */
  openTabIds: readonly string[];
  onChange: (tabId: string, content: string) => void;
  /** Keyboard shortcuts: Ctrl/Cmd+S saves now; Ctrl/Cmd+Enter runs (when the lesson has a run command). */
  shortcuts?: EditorShortcuts;
  ref?: Ref<EditorHandle>;
}

/** Reaching into one tab's buffer (the files changed on disk: see fileSync.ts). */
export interface EditorHandle {
  /** The tab's current text; undefined when it has no buffer yet (its `content` is what it will show). */
  text: (tabId: string) => string | undefined;
  /** Replace the tab's text (cursor and scroll kept where the text around them is); not reported as an edit. */
  replace: (tabId: string, text: string) => void;
}

/** Marks a transaction that puts the file's text from disk in: not an edit of the learner's to save. */
const fromDisk = Annotation.define<boolean>();

/** The smallest single change turning `before` into `after` (common start and end kept, so is the cursor). */
export function minimalChange(before: string, after: string): ChangeSpec | null {
  if (before === after) return null;
  let start = 0;
  const shorter = Math.min(before.length, after.length);
  while (start < shorter && before.charCodeAt(start) === after.charCodeAt(start)) start += 1;
  let end = 0;
  while (
    end < shorter - start &&
    before.charCodeAt(before.length - 1 - end) === after.charCodeAt(after.length - 1 - end)
  ) {
    end += 1;
  }
  return { from: start, to: before.length - end, insert: after.slice(start, after.length - end) };
}

export interface EditorShortcuts {
  save?: () => void;
  run?: () => void;
}

/** Bindings ahead of the default keymap (whose Mod-Enter inserts a blank line when there is nothing to run). */
function shortcutKeymap(shortcuts: () => EditorShortcuts | undefined) {
  return keymap.of([
    {
      key: "Mod-s",
      preventDefault: true, // never the browser's "save page"
      run: () => {
        shortcuts()?.save?.();
        return true;
      },
    },
    {
      key: "Mod-Enter",
      run: () => {
        const run = shortcuts()?.run;
        if (!run) return false;
        run();
        return true;
      },
    },
  ]);
}

const theme = EditorView.theme({
  "&": { height: "100%", fontSize: "14px" },
  ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" },
});

/** A thin CodeMirror 6 wrapper: one EditorView, one EditorState per tab. */
export function Editor({ tabId, path, content, generation, openTabIds, onChange, shortcuts, ref }: EditorProps) {
  const container = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const states = useRef(new Map<string, EditorState>());
  const language = useRef(new Compartment());
  const active = useRef<{ tabId: string; generation: number } | null>(null);
  const onChangeRef = useLatest(onChange);
  const shortcutsRef = useLatest(shortcuts);

  const makeState = (doc: string): EditorState => {
    const extensions: Extension[] = [
      lineNumbers(),
      highlightActiveLineGutter(),
      highlightSpecialChars(),
      history(),
      drawSelection(),
      indentOnInput(),
      bracketMatching(),
      highlightActiveLine(),
      editorLook,
      indentUnit.of("    "),
      shortcutKeymap(() => shortcutsRef.current),
      keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
      // tabindex: a contenteditable is focusable anyway; said outright, axe-core sees the scrolling editor as reachable.
      EditorView.contentAttributes.of({ "aria-label": "Editor", tabindex: "0" }),
      theme,
      language.current.of([]),
      EditorView.updateListener.of((update) => {
        const external = update.transactions.every((transaction) => transaction.annotation(fromDisk));
        if (update.docChanged && active.current && !external) {
          onChangeRef.current(active.current.tabId, update.state.doc.toString());
        }
      }),
    ];
    return EditorState.create({ doc, extensions });
  };

  useImperativeHandle(
    ref,
    () => ({
      text: (id) => {
        if (active.current?.tabId === id && view.current) return view.current.state.doc.toString();
        return states.current.get(id)?.doc.toString();
      },
      replace: (id, text) => {
        const current = view.current;
        if (active.current?.tabId === id && current) {
          const changes = minimalChange(current.state.doc.toString(), text);
          if (changes) current.dispatch({ changes, annotations: fromDisk.of(true) });
          return;
        }
        const kept = states.current.get(id);
        const changes = kept && minimalChange(kept.doc.toString(), text);
        if (kept && changes) states.current.set(id, kept.update({ changes, annotations: fromDisk.of(true) }).state);
      },
    }),
    [],
  );

  // Create the view once.
  useEffect(() => {
    if (!container.current) return;
    const created = new EditorView({ parent: container.current, state: EditorState.create({ doc: "" }) });
    view.current = created;
    const buffers = states.current;
    return () => {
      created.destroy();
      view.current = null;
      active.current = null;
      buffers.clear();
    };
  }, []);

  // Switch buffers when the active tab (or the generation) changes.
  useEffect(() => {
    const current = view.current;
    if (!current || tabId === null) return;
    const previous = active.current;
    if (previous && previous.generation === generation) {
      states.current.set(previous.tabId, current.state);
    } else if (previous && previous.generation !== generation) {
      states.current.clear();
    }
    if (previous?.tabId === tabId && previous.generation === generation) return;
    const state = states.current.get(tabId) ?? makeState(content);
    active.current = { tabId, generation };
    current.setState(state);
    // `content` is only the initial text of a buffer, not a controlled value.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [tabId, generation]);

  // Syntax highlighting follows the file name (which a rename may change).
  useEffect(() => {
    let cancelled = false;
    if (tabId === null) return;
    loadLanguage(languageForPath(path)).then(
      (extension) => {
        const current = view.current;
        if (cancelled || !current || active.current?.tabId !== tabId) return;
        current.dispatch({ effects: language.current.reconfigure(extension) });
      },
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [path, tabId, generation]);

  // Forget buffers of closed tabs.
  useEffect(() => {
    const open = new Set(openTabIds);
    for (const id of Array.from(states.current.keys())) {
      if (!open.has(id)) states.current.delete(id);
    }
  }, [openTabIds]);

  return (
    <div className={styles.editor} hidden={tabId === null}>
      <p className="visually-hidden">Press Escape, then Tab, to move focus out of the editor.</p>
      <div className={styles.editorHost} ref={container} />
    </div>
  );
}
