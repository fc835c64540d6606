/** Authoring: course drafts (imports from Git or an archive), their validation, previews and publication. */
import { useInfiniteQuery, useMutation, useQuery, useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { api, unwrap } from "../client";
import type { Check, DraftPage, DraftStatus, PublishRequest } from "../types";

export const DRAFT_PAGE = 50;

export const authoringKeys = {
  drafts: ["drafts", "list"] as const,
  draft: (draft: number) => ["drafts", draft] as const,
};

/** Whether the draft's job is still at work (fetching or validating): pages poll it meanwhile. */
export function draftBusy(status: DraftStatus): boolean {
  return status === "fetching" || status === "validating";
}

/**
 * The author's drafts, newest first, a page at a time (`fetchNextPage` for
 * older ones); reread every `pollIntervalMs` while one of them is fetched or
 * validated.
 */
export function useDrafts(pollIntervalMs: number) {
  return useInfiniteQuery({
    queryKey: authoringKeys.drafts,
    queryFn: ({ pageParam, signal }) =>
      unwrap(
        api.GET("/api/authoring/imports", {
          params: { query: pageParam === null ? { limit: DRAFT_PAGE } : { after: pageParam, limit: DRAFT_PAGE } },
          signal,
        }),
      ),
    initialPageParam: null as number | null,
    getNextPageParam: (page) => page.next_after ?? undefined,
    refetchIntervalInBackground: true,
    refetchInterval: (query) =>
      query.state.data?.pages.some((page) => page.items.some((draft) => draftBusy(draft.status)))
        ? pollIntervalMs
        : false,
  });
}

/**
 * One draft; reread every `pollIntervalMs` while its job works, until the job
 * ends or a read fails.
 */
export function useDraft(draft: number, pollIntervalMs: number) {
  return useQuery({
    queryKey: authoringKeys.draft(draft),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/authoring/imports/{draft_id}", { params: { path: { draft_id: draft } }, signal })),
    enabled: Number.isInteger(draft),
    refetchIntervalInBackground: true,
    refetchInterval: (query) =>
      query.state.status !== "error" && query.state.data && draftBusy(query.state.data.status) ? pollIntervalMs : false,
  });
}

export function useImportFromGit() {
  return useMutation({
    mutationFn: (gitUrl: string) => unwrap(api.POST("/api/authoring/imports", { body: { git_url: gitUrl } })),
  });
}

/** Upload a course archive (.tar.gz or .zip) as multipart form data. */
export function useImportArchive() {
  return useMutation({
    mutationFn: (archive: File) => {
      const form = new FormData();
      form.append("archive", archive, archive.name);
      return api.postForm("/api/authoring/imports", form);
    },
  });
}

/**
 * Make the draft the course's newest version; the draft is cached as the server
 * answered it. A draft with flaky tests publishes only with `allow_flaky` (409
 * naming them otherwise).
 */
export function usePublishDraft(draft: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: PublishRequest = { allow_flaky: false }) =>
      unwrap(api.POST("/api/authoring/imports/{draft_id}/publish", { params: { path: { draft_id: draft } }, body })),
    onSuccess: (result) => client.setQueryData(authoringKeys.draft(draft), result.draft),
  });
}

/** Delete a draft, its unpublished version and its previews (409 while its job runs); the list forgets it. */
export function useDeleteDraft() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (draft: number) =>
      unwrap(api.DELETE("/api/authoring/imports/{draft_id}", { params: { path: { draft_id: draft } } })),
    onSuccess: (_, draft) =>
      client.setQueryData<InfiniteData<DraftPage>>(authoringKeys.drafts, (data) => {
        if (!data) return data;
        const pages = data.pages.map((page) => ({ ...page, items: page.items.filter((item) => item.id !== draft) }));
        return { ...data, pages };
      }),
  });
}

/** Check the author's preview of a draft's lesson: the draft's hidden tests on the preview's files. */
export function startPreviewCheck(draft: number, slug: string): Promise<Check> {
  return unwrap(
    api.POST("/api/authoring/imports/{draft_id}/lessons/{slug}/preview/checks", {
      params: { path: { draft_id: draft, slug } },
    }),
  );
}
