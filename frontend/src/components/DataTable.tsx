import type { Key, ReactNode } from "react";
import { cx } from "./cx";
import styles from "./DataTable.module.css";

/** The tables' classes, for a table that DataTable cannot lay out (and `rowBad`, `cellBad` for rows and cells). */
export const tableStyles = styles;

export interface Column<Row> {
  /** The column's header; `hiddenHeader` keeps it for screen readers only (an actions column). */
  header: ReactNode;
  hiddenHeader?: boolean;
  cell: (row: Row) => ReactNode;
  /** This cell names its row (`<th scope="row">`). */
  rowHeader?: boolean;
  cellClassName?: string | undefined | ((row: Row) => string | undefined);
  cellTitle?: (row: Row) => string;
}

export interface DataTableProps<Row> {
  rows: readonly Row[];
  columns: readonly Column<Row>[];
  rowKey: (row: Row) => Key;
  /** The table's name for screen readers (a visually hidden caption). */
  caption?: string;
  /** Numbers, right-aligned. */
  numeric?: boolean;
  rowClassName?: (row: Row) => string | undefined;
  /** A `<tfoot>` row or rows. */
  footer?: ReactNode;
  /** Scroll sideways inside its own box on narrow screens (default). */
  scroll?: boolean;
}

/** The platform's tables: one header row, a row per item, the first cell usually naming the row. */
export function DataTable<Row>({
  rows,
  columns,
  rowKey,
  caption,
  numeric = false,
  rowClassName,
  footer,
  scroll = true,
}: DataTableProps<Row>) {
  const table = (
    <table className={cx(styles.dataTable, numeric && styles.numeric)}>
      {caption && <caption className="visually-hidden">{caption}</caption>}
      <thead>
        <tr>
          {columns.map((column, index) => (
            <th scope="col" key={index}>
              {column.hiddenHeader ? <span className="visually-hidden">{column.header}</span> : column.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={rowKey(row)} className={rowClassName?.(row)}>
            {columns.map((column, index) => {
              const Cell = column.rowHeader ? "th" : "td";
              const cellClass =
                typeof column.cellClassName === "function" ? column.cellClassName(row) : column.cellClassName;
              return (
                <Cell
                  key={index}
                  {...(column.rowHeader ? { scope: "row" } : {})}
                  {...(cellClass ? { className: cellClass } : {})}
                  {...(column.cellTitle ? { title: column.cellTitle(row) } : {})}
                >
                  {column.cell(row)}
                </Cell>
              );
            })}
          </tr>
        ))}
      </tbody>
      {footer && <tfoot>{footer}</tfoot>}
    </table>
  );
  // A scrolling box must be reachable by keyboard (arrow keys scroll it once focused): a named, focusable region.
  return scroll ? (
    <div className={styles.tableWrap} role="region" aria-label={caption ?? "Table"} tabIndex={0}>
      {table}
    </div>
  ) : (
    table
  );
}

export interface LoadedListProps<Row> {
  /** The rows, or undefined while the first answer is awaited. */
  rows: readonly Row[] | undefined;
  /** The failed read, if the last one failed. */
  error: string | null;
  /** What is listed, for the error: "the users". */
  what: string;
  /** Shown for an empty list. */
  empty: string;
  /** `role="status"` on the loading line. */
  announceLoading?: boolean;
  /** Shown under the failure: what became of the last action on the list. */
  notices?: ReactNode;
  children: (rows: readonly Row[]) => ReactNode;
}

/** A list read from the server: its failure, "Loading…", its emptiness, or the list itself. */
export function LoadedList<Row>({
  rows,
  error,
  what,
  empty,
  announceLoading = false,
  notices,
  children,
}: LoadedListProps<Row>) {
  return (
    <>
      {error && (
        <p className="error" role="alert">
          Could not load {what}: {error}
        </p>
      )}
      {notices}
      {rows === undefined && !error && (
        <p className="muted" {...(announceLoading ? { role: "status" } : {})}>
          Loading…
        </p>
      )}
      {rows !== undefined && rows.length === 0 && <p className="muted">{empty}</p>}
      {rows !== undefined && rows.length > 0 && children(rows)}
    </>
  );
}
