export type DatabaseKind = "embedded" | "external";

export interface SystemStatus {
  version: string;
  environment: string;
  database: DatabaseKind;
  queued_jobs: number;
}

/** Fetch `GET /api/system`. Throws an Error carrying the HTTP status on a non-2xx response. */
export async function fetchSystemStatus(signal?: AbortSignal): Promise<SystemStatus> {
  const response = await fetch("/api/system", {
    headers: { Accept: "application/json" },
    ...(signal ? { signal } : {}),
  });
  if (!response.ok) {
    throw new Error(`GET /api/system failed: HTTP ${response.status}`);
  }
  return (await response.json()) as SystemStatus;
}
