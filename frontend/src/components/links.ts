/** Links to the app's own pages (their paths are the router's, not the API's). */
import type { ActivityQuery } from "../api/types";

/** The activity page showing `query`: `/activity?scope=…` with the set values only. */
export function activityLink(query: ActivityQuery): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `/activity?${text}` : "/activity";
}
