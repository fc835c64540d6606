import { QueryClient } from "@tanstack/react-query";

/**
 * The app's cache of server data. As the pages always did: a failed request
 * is shown as it comes (no automatic retries), and data is reread when a page
 * mounts or a poll is due, not when the window regains focus or the network.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: false, refetchOnWindowFocus: false, refetchOnReconnect: false },
      mutations: { retry: false },
    },
  });
}
