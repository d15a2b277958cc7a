"use client";
/**
 * The admin pages' hooks (role admin only; the services answer 403 to anyone else). Each mutation names the
 * keys it invalidates; every admin action also writes an audit row, so they refresh the audit list too.
 */
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { unwrap } from "./errors";
import { useSession } from "./hooks";
import { queryKeys, type AdminUserFilters, type AuditFilters, type StatsParams } from "./keys";
import { useApi } from "./provider";
import type { AdminUserUpdate, QuotaUpdate } from "./schema";

function useSignedIn(): boolean {
  return useSession((s) => s.status === "signedIn");
}

// ---- users -----------------------------------------------------------------------------------

export const ADMIN_USERS_PAGE_SIZE = 25;

export function useAdminUsers(filters: AdminUserFilters) {
  const { client } = useApi();
  const enabled = useSignedIn();
  return useQuery({
    queryKey: queryKeys.admin.users.list(filters),
    enabled,
    placeholderData: keepPreviousData,
    queryFn: async () =>
      unwrap(await client.GET("/api/v1/admin/users", { params: { query: { limit: ADMIN_USERS_PAGE_SIZE, ...filters } } })),
  });
}

export function useAdminUser(id: string | null) {
  const { client } = useApi();
  const enabled = useSignedIn() && Boolean(id);
  return useQuery({
    queryKey: queryKeys.admin.users.detail(id ?? ""),
    enabled,
    queryFn: async () =>
      unwrap(await client.GET("/api/v1/admin/users/{user_id}", { params: { path: { user_id: id as string } } })),
  });
}

/** Users by id, as a map (names for the dashboard's top users, the audit log's actors and targets). */
export function useAdminUsersByIds(ids: readonly string[]) {
  const { client } = useApi();
  const unique = [...new Set(ids)].sort().slice(0, 200); // the API takes up to 200 ids at once
  const enabled = useSignedIn() && unique.length > 0;
  return useQuery({
    queryKey: queryKeys.admin.users.byIds(unique),
    enabled,
    staleTime: 60_000,
    queryFn: async () => {
      const page = unwrap(
        await client.GET("/api/v1/admin/users", { params: { query: { ids: unique.join(","), limit: Math.min(200, unique.length) } } }),
      );
      return new Map(page.items.map((user) => [user.id, user]));
    },
  });
}

export function useUpdateAdminUser() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, patch }: { id: string; patch: AdminUserUpdate }) =>
      unwrap(await client.PATCH("/api/v1/admin/users/{user_id}", { params: { path: { user_id: id } }, body: patch })),
    onSuccess: (user) => {
      queryClient.setQueryData(queryKeys.admin.users.detail(user.id), user);
      void queryClient.invalidateQueries({ queryKey: queryKeys.admin.users.all });
      void queryClient.invalidateQueries({ queryKey: queryKeys.admin.audit.all });
    },
  });
}

export function useIssuePasswordReset() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) =>
      unwrap(await client.POST("/api/v1/admin/users/{user_id}/password-reset", { params: { path: { user_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.admin.audit.all }),
  });
}

// ---- quotas ----------------------------------------------------------------------------------

export function useQuota(userId: string | null) {
  const { client } = useApi();
  const enabled = useSignedIn() && Boolean(userId);
  return useQuery({
    queryKey: queryKeys.admin.quota(userId ?? ""),
    enabled,
    queryFn: async () =>
      unwrap(await client.GET("/api/v1/admin/quotas/{user_id}", { params: { path: { user_id: userId as string } } })),
  });
}

export function useSetQuota() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ userId, quota }: { userId: string; quota: QuotaUpdate }) =>
      unwrap(await client.PUT("/api/v1/admin/quotas/{user_id}", { params: { path: { user_id: userId } }, body: quota })),
    onSuccess: (quota) => {
      queryClient.setQueryData(queryKeys.admin.quota(quota.user_id), quota);
      void queryClient.invalidateQueries({ queryKey: queryKeys.admin.audit.all });
    },
  });
}

// ---- usage and the system --------------------------------------------------------------------

export function useAdminStats(params: StatsParams, { refetchInterval }: { refetchInterval?: number } = {}) {
  const { client } = useApi();
  const enabled = useSignedIn();
  return useQuery({
    queryKey: queryKeys.admin.stats(params),
    enabled,
    placeholderData: keepPreviousData,
    refetchInterval,
    queryFn: async () => unwrap(await client.GET("/api/v1/admin/stats", { params: { query: params } })),
  });
}

/** The system's state, polled while the page is open (workers report every few seconds). */
export function useAdminSystem({ refetchInterval = 5_000 }: { refetchInterval?: number } = {}) {
  const { client } = useApi();
  const enabled = useSignedIn();
  return useQuery({
    queryKey: queryKeys.admin.system,
    enabled,
    refetchInterval,
    queryFn: async () => unwrap(await client.GET("/api/v1/admin/system")),
  });
}

// ---- audit log -------------------------------------------------------------------------------

export const AUDIT_PAGE_SIZE = 50;

export function useAuditLog(filters: AuditFilters) {
  const { client } = useApi();
  const enabled = useSignedIn();
  return useInfiniteQuery({
    queryKey: queryKeys.admin.audit.list(filters),
    enabled,
    initialPageParam: null as string | null,
    placeholderData: keepPreviousData,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await client.GET("/api/v1/admin/audit", { params: { query: { limit: AUDIT_PAGE_SIZE, ...filters, cursor: pageParam } } }),
      ),
    getNextPageParam: (last) => last.next_cursor,
  });
}
