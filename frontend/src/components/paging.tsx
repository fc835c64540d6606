import { useCallback, useMemo, useState } from "react";

/**
 * The `after` cursors of the pages seen so far, for lists that answer
 * `{items, next_after}`: going forward pushes a page's `next_after`, going
 * back pops it; the last one is the current page's.
 */
export function useCursors<C>() {
  const [stack, setStack] = useState<readonly (C | null)[]>([null]);
  const back = useCallback(() => setStack((prev) => (prev.length > 1 ? prev.slice(0, -1) : prev)), []);
  const forward = useCallback((next: C) => setStack((prev) => [...prev, next]), []);
  const reset = useCallback(() => setStack([null]), []);
  return useMemo(
    () => ({ after: stack[stack.length - 1] ?? null, page: stack.length, back, forward, reset }),
    [stack, back, forward, reset],
  );
}

export type Cursors<C> = ReturnType<typeof useCursors<C>>;

export interface PagerProps<C> {
  cursors: Cursors<C>;
  /** The shown page's `next_after`: null on the last page (or while nothing is shown). */
  next: C | null;
  previousLabel?: string;
  nextLabel?: string;
}

/** Previous / next buttons: next only when the server said another page follows. */
export function Pager<C>({ cursors, next, previousLabel = "Previous", nextLabel = "Next" }: PagerProps<C>) {
  return (
    <p className="pager">
      <button type="button" disabled={cursors.page <= 1} onClick={cursors.back}>
        {previousLabel}
      </button>
      <button type="button" disabled={next === null} onClick={() => next !== null && cursors.forward(next)}>
        {nextLabel}
      </button>
    </p>
  );
}
