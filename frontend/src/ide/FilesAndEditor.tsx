import { Children, type ReactNode } from "react";
import { Group, Panel, Separator } from "react-resizable-panels";
import { useSavedSplit } from "./IdeShell";
import styles from "./Ide.module.css";

/**
 * The file tree beside the editor: in the lesson's shell a draggable split
 * (remembered per learner), elsewhere (the author's preview, a phone) the
 * plain two-part layout. Takes exactly those two children.
 */
export function FilesAndEditor({ split, children }: { split: boolean; children: ReactNode }) {
  const [files, main] = Children.toArray(children);
  if (!split) {
    return (
      <div className={styles.ideBody}>
        {files}
        {main}
      </div>
    );
  }
  return <SplitFilesAndEditor files={files} main={main} />;
}

function SplitFilesAndEditor({ files, main }: { files: ReactNode; main: ReactNode }) {
  const saved = useSavedSplit("files");
  return (
    <Group id="ide-files" orientation="horizontal" className={styles.ideSplit} {...saved}>
      <Panel id="ide-files-list" defaultSize="28%" minSize="8rem" className={styles.splitPane}>
        {files}
      </Panel>
      <Separator className={styles.splitSeparator} aria-label="Resize the file list" />
      <Panel id="ide-editor" minSize="12rem" className={styles.splitPane}>
        {main}
      </Panel>
    </Group>
  );
}
