import { Children, type ReactNode } from "react";
import { Group, Panel, Separator } from "react-resizable-panels";
import { useSavedSplit } from "./IdeShell";
import { cx } from "../components/cx";
import styles from "./Ide.module.css";

/** Side by side (a wide shell), the list above the editor (a phone's shell), or the plain layout (no shell). */
export type FilesLayout = "horizontal" | "vertical" | null;

/**
 * The file tree beside the editor: in the lesson's shell a draggable split
 * (remembered per learner), elsewhere (the author's preview) the plain
 * two-part layout. Takes exactly those two children.
 *
 * The shell's two layouts share one tree of elements (only the split's
 * orientation changes): crossing a phone's width must not mount the editor
 * anew, which would show the file as first loaded instead of as typed.
 */
export function FilesAndEditor({ layout, children }: { layout: FilesLayout; children: ReactNode }) {
  const [files, main] = Children.toArray(children);
  if (layout === null) {
    return (
      <div className={styles.ideBody}>
        {files}
        {main}
      </div>
    );
  }
  return <SplitFilesAndEditor orientation={layout} files={files} main={main} />;
}

function SplitFilesAndEditor({
  orientation,
  files,
  main,
}: {
  orientation: "horizontal" | "vertical";
  files: ReactNode;
  main: ReactNode;
}) {
  const saved = useSavedSplit("files");
  const vertical = orientation === "vertical";
  return (
    <Group
      id="ide-files"
      orientation={orientation}
      className={cx(styles.ideSplit, vertical && styles.splitVertical)}
      {...saved}
    >
      <Panel id="ide-files-list" defaultSize="28%" minSize={vertical ? "4rem" : "8rem"} className={styles.splitPane}>
        {files}
      </Panel>
      <Separator className={styles.splitSeparator} aria-label="Resize the file list" />
      <Panel id="ide-editor" minSize={vertical ? "8rem" : "12rem"} className={styles.splitPane}>
        {main}
      </Panel>
    </Group>
  );
}
