/** The server's status (`/status`): version, environment, database, queued jobs. */
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../client";
import type { SystemStatus } from "../types";

/** `GET /api/system`; an ApiError naming the HTTP status on a non-2xx answer. */
export function fetchSystemStatus(signal?: AbortSignal): Promise<SystemStatus> {
  return unwrap(api.GET("/api/system", signal ? { signal } : {}));
}

/** The status, read with `load` (tests pass their own). */
export function useSystemStatus(load: () => Promise<SystemStatus> = fetchSystemStatus) {
  return useQuery({ queryKey: ["system"], queryFn: () => load() });
}
