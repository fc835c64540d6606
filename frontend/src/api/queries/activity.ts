/** Activity: a user's own history, a lesson's history (authors), an organisation's audit (its admins). */
import { useInfiniteQuery } from "@tanstack/react-query";
import { api, unwrap } from "../client";
import type { ActivityQuery } from "../types";

/** The entries of `query`, newest first; `fetchNextPage` adds the older ones the server says follow. */
export function useActivity(query: ActivityQuery, enabled: boolean) {
  return useInfiniteQuery({
    queryKey: ["activity", query],
    queryFn: ({ pageParam, signal }) =>
      unwrap(
        api.GET("/api/activity", { params: { query: pageParam ? { ...query, after: pageParam } : query }, signal }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next ?? undefined,
    enabled,
  });
}
