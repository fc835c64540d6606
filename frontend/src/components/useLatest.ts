import { useLayoutEffect, useRef } from "react";

/**
 * A ref that always holds the latest `value`, for callbacks that long-lived
 * objects (an editor's listener, a socket) call after the render that made them.
 * It is written after each commit, never during render.
 */
export function useLatest<T>(value: T) {
  const ref = useRef(value);
  useLayoutEffect(() => {
    ref.current = value;
  });
  return ref;
}
