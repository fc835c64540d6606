/** Organisations: members, invitations (by email or link), joining by an invitation. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../client";
import type { InvitationCreate, MemberRole, OrganizationCreate, PendingInvitation } from "../types";

export const organizationKeys = {
  organization: (slug: string) => ["organizations", slug] as const,
  invitations: (slug: string) => ["organizations", slug, "invitations"] as const,
};

const path = (slug: string) => ({ params: { path: { slug } } });

export function useOrganization(slug: string) {
  return useQuery({
    queryKey: organizationKeys.organization(slug),
    queryFn: ({ signal }) => unwrap(api.GET("/api/organizations/{slug}", { ...path(slug), signal })),
  });
}

export function useCreateOrganization() {
  return useMutation({
    mutationFn: (body: OrganizationCreate) => unwrap(api.POST("/api/organizations", { body })),
  });
}

/** Remove a member, or leave (then the page goes elsewhere rather than reread the organisation). */
export function useRemoveMember(slug: string) {
  return useMutation({
    mutationFn: (user: number) =>
      unwrap(api.DELETE("/api/organizations/{slug}/members/{user_id}", { params: { path: { slug, user_id: user } } })),
  });
}

/** The invitations that can still be accepted, newest first (the organisation's admins only). */
export function useInvitations(slug: string) {
  return useQuery({
    queryKey: organizationKeys.invitations(slug),
    queryFn: ({ signal }) => unwrap(api.GET("/api/organizations/{slug}/invitations", { ...path(slug), signal })),
  });
}

/**
 * Invite by email (or make a link for anyone); the new invitation heads the
 * pending ones, made by `inviter` (the server keeps only the link's hash: it
 * is in the answer, never in the list).
 */
export function useCreateInvitation(slug: string, inviter: PendingInvitation["inviter"]) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: InvitationCreate & { role: MemberRole }) =>
      unwrap(api.POST("/api/organizations/{slug}/invitations", { ...path(slug), body })),
    onSuccess: (created, body) => {
      const row: PendingInvitation = {
        id: created.id,
        email: created.email,
        role: body.role,
        created_at: new Date().toISOString(),
        expires_at: created.expires_at,
        inviter,
      };
      client.setQueryData<PendingInvitation[]>(organizationKeys.invitations(slug), (pending) =>
        pending ? [row, ...pending.filter((item) => item.id !== created.id)] : pending,
      );
    },
  });
}

export function useRevokeInvitation(slug: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (invitation: number) =>
      unwrap(
        api.DELETE("/api/organizations/{slug}/invitations/{invitation_id}", {
          params: { path: { slug, invitation_id: invitation } },
        }),
      ),
    onSuccess: (_, invitation) =>
      client.setQueryData<PendingInvitation[]>(organizationKeys.invitations(slug), (pending) =>
        pending?.filter((item) => item.id !== invitation),
      ),
  });
}

/** What an invitation's link is for (its organisation, role, inviter); a 404 for one that cannot be used. */
export function useInvitation(token: string) {
  return useQuery({
    queryKey: ["invitations", token],
    queryFn: ({ signal }) => unwrap(api.GET("/api/invitations/{token}", { params: { path: { token } }, signal })),
    retry: false,
  });
}

export function useAcceptInvitation() {
  return useMutation({
    mutationFn: (token: string) =>
      unwrap(api.POST("/api/invitations/{token}/accept", { params: { path: { token } } })),
  });
}
