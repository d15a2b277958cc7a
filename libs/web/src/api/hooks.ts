"use client";
/** TanStack Query hooks over the typed client. Each mutation names the keys it invalidates. */
import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import { useStore } from "zustand";

import { ApiError, unwrap } from "./errors";
import { queryKeys, type ImageFilters, type PresetFilters, type TemplateFilters } from "./keys";
import { useApi } from "./provider";
import type {
  BulkDelete,
  BulkFavorite,
  BulkMove,
  BulkTags,
  FolderCreate,
  GenerateRequest,
  ImagePatch,
  PresetCreate,
  PresetUpdate,
  ReviewRequest,
  TemplateCreate,
  TemplateUpdate,
  UserUpdate,
} from "./schema";
import type { SessionState } from "./session";

export function useSession<T>(selector: (state: SessionState) => T): T {
  const { session } = useApi();
  return useStore(session.store, selector);
}

const signedIn = (s: SessionState) => s.status === "signedIn";

// ---- account ---------------------------------------------------------------------------------

export function useMe() {
  const { client } = useApi();
  const enabled = useSession(signedIn);
  return useQuery({
    queryKey: queryKeys.me,
    enabled,
    queryFn: async () => unwrap(await client.GET("/api/v1/users/me")),
  });
}

export function useUpdateMe() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: UserUpdate) => unwrap(await client.PATCH("/api/v1/users/me", { body })),
    onSuccess: (user) => queryClient.setQueryData(queryKeys.me, user),
  });
}

export function useUsage() {
  const { client } = useApi();
  const enabled = useSession(signedIn);
  return useQuery({
    queryKey: queryKeys.usage,
    enabled,
    queryFn: async () => unwrap(await client.GET("/api/v1/usage")),
  });
}

// ---- generation ------------------------------------------------------------------------------

export function useSizePresets() {
  const { client } = useApi();
  return useQuery({
    queryKey: queryKeys.sizePresets,
    staleTime: Infinity,
    queryFn: async () => unwrap(await client.GET("/api/v1/size-presets")).items,
  });
}

export function usePromptPresets() {
  const { client } = useApi();
  const enabled = useSession(signedIn);
  return useQuery({
    queryKey: queryKeys.promptPresets,
    enabled,
    staleTime: 5 * 60_000,
    queryFn: async () => unwrap(await client.GET("/api/v1/presets", { params: { query: { limit: 100 } } })).items,
  });
}

export function useGenerate() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: GenerateRequest) => unwrap(await client.POST("/api/v1/generate", { body })),
    onSuccess: (task) => {
      queryClient.setQueryData(queryKeys.tasks.detail(task.id), task);
      void queryClient.invalidateQueries({ queryKey: queryKeys.tasks.all });
      void queryClient.invalidateQueries({ queryKey: queryKeys.usage });
    },
  });
}

export function useTask(id: string | null) {
  const { client } = useApi();
  return useQuery({
    queryKey: queryKeys.tasks.detail(id ?? ""),
    enabled: Boolean(id),
    queryFn: async () =>
      unwrap(await client.GET("/api/v1/tasks/{task_id}", { params: { path: { task_id: id as string } } })),
  });
}

export function useTasks(params: { status?: "pending" | "processing" | "completed" | "failed" | "canceled"; limit?: number } = {}) {
  const { client } = useApi();
  const enabled = useSession(signedIn);
  return useQuery({
    queryKey: queryKeys.tasks.list(params),
    enabled,
    queryFn: async () => unwrap(await client.GET("/api/v1/tasks", { params: { query: params } })),
  });
}

export function useCancelTask() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (taskId: string) =>
      unwrap(await client.POST("/api/v1/tasks/{task_id}/cancel", { params: { path: { task_id: taskId } } })),
    onSuccess: (task) => {
      queryClient.setQueryData(queryKeys.tasks.detail(task.id), task);
      void queryClient.invalidateQueries({ queryKey: queryKeys.tasks.all });
      void queryClient.invalidateQueries({ queryKey: queryKeys.usage });
    },
  });
}

// ---- templates -------------------------------------------------------------------------------

export function useTemplates(filters: TemplateFilters = {}) {
  const { client } = useApi();
  const enabled = useSession(signedIn);
  return useQuery({
    queryKey: queryKeys.templates.list(filters),
    enabled,
    placeholderData: keepPreviousData,
    queryFn: async () =>
      unwrap(await client.GET("/api/v1/templates", { params: { query: { limit: 100, ...filters } } })).items,
  });
}

export function useTemplate(id: string | null) {
  const { client } = useApi();
  const enabled = useSession(signedIn) && Boolean(id);
  return useQuery({
    queryKey: queryKeys.templates.detail(id ?? ""),
    enabled,
    queryFn: async () =>
      unwrap(
        await client.GET("/api/v1/templates/{template_id}", { params: { path: { template_id: id as string } } }),
      ),
  });
}

export function useTemplatePreview(id: string | null, variables: Record<string, string>) {
  const { client } = useApi();
  return useQuery({
    queryKey: queryKeys.templates.preview(id ?? "", variables),
    enabled: Boolean(id),
    placeholderData: keepPreviousData,
    retry: false,
    queryFn: async () =>
      unwrap(
        await client.POST("/api/v1/templates/{template_id}/preview", {
          params: { path: { template_id: id as string } },
          body: { variables },
        }),
      ),
  });
}

export function useCreateTemplate() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: TemplateCreate) => unwrap(await client.POST("/api/v1/templates", { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.templates.all }),
  });
}

export function useUpdateTemplate() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, body }: { id: string; body: TemplateUpdate }) =>
      unwrap(
        await client.PATCH("/api/v1/templates/{template_id}", { params: { path: { template_id: id } }, body }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.templates.all }),
  });
}

export function useDeleteTemplate() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => {
      const result = await client.DELETE("/api/v1/templates/{template_id}", {
        params: { path: { template_id: id } },
      });
      unwrap(result);
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.templates.all }),
  });
}

// ---- prompt presets (style snippets) -----------------------------------------------------------

/** One page of presets by filter (the admin's list); the generate page's chips use usePromptPresets. */
export function usePresetList(filters: PresetFilters = {}) {
  const { client } = useApi();
  const enabled = useSession(signedIn);
  return useQuery({
    queryKey: queryKeys.promptPresetList(filters),
    enabled,
    placeholderData: keepPreviousData,
    queryFn: async () =>
      unwrap(await client.GET("/api/v1/presets", { params: { query: { limit: 100, ...filters } } })).items,
  });
}

export function useCreatePreset() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: PresetCreate) => unwrap(await client.POST("/api/v1/presets", { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.promptPresets }),
  });
}

export function useUpdatePreset() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, body }: { id: string; body: PresetUpdate }) =>
      unwrap(await client.PATCH("/api/v1/presets/{preset_id}", { params: { path: { preset_id: id } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.promptPresets }),
  });
}

export function useDeletePreset() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => {
      unwrap(await client.DELETE("/api/v1/presets/{preset_id}", { params: { path: { preset_id: id } } }));
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.promptPresets }),
  });
}

// ---- gallery ---------------------------------------------------------------------------------

export const GALLERY_PAGE_SIZE = 40;

export function useGalleryImages(filters: ImageFilters) {
  const { client } = useApi();
  const enabled = useSession(signedIn);
  return useInfiniteQuery({
    queryKey: queryKeys.gallery.images(filters),
    enabled,
    initialPageParam: null as string | null,
    // Signed URLs live 5 minutes: refetch before they are all gone.
    staleTime: 60_000,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await client.GET("/api/v1/gallery/images", {
          params: { query: { ...filters, limit: GALLERY_PAGE_SIZE, cursor: pageParam } },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor,
  });
}

export function useGalleryImage(id: string | null) {
  const { client } = useApi();
  const enabled = useSession(signedIn) && Boolean(id);
  return useQuery({
    queryKey: queryKeys.gallery.image(id ?? ""),
    enabled,
    staleTime: 60_000,
    queryFn: async () =>
      unwrap(await client.GET("/api/v1/gallery/images/{image_id}", { params: { path: { image_id: id as string } } })),
  });
}

export function useSidebar() {
  const { client } = useApi();
  const enabled = useSession(signedIn);
  return useQuery({
    queryKey: queryKeys.gallery.sidebar,
    enabled,
    queryFn: async () => unwrap(await client.GET("/api/v1/gallery/sidebar")),
  });
}

export function useFolders() {
  const { client } = useApi();
  const enabled = useSession(signedIn);
  return useQuery({
    queryKey: queryKeys.gallery.folders,
    enabled,
    queryFn: async () =>
      unwrap(await client.GET("/api/v1/gallery/folders", { params: { query: { limit: 500 } } })).items,
  });
}

export function useTags() {
  const { client } = useApi();
  const enabled = useSession(signedIn);
  return useQuery({
    queryKey: queryKeys.gallery.tags,
    enabled,
    queryFn: async () => unwrap(await client.GET("/api/v1/gallery/tags", { params: { query: { limit: 500 } } })).items,
  });
}

export function useCreateFolder() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: FolderCreate) => unwrap(await client.POST("/api/v1/gallery/folders", { body })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.gallery.folders });
      void queryClient.invalidateQueries({ queryKey: queryKeys.gallery.sidebar });
    },
  });
}

/**
 * A just-finished image reaches the gallery through image-service's outbox a moment after the task
 * completes: a 404 then is worth a few short retries.
 */
const retryWhileArriving = {
  retry: (count: number, error: Error) => error instanceof ApiError && error.status === 404 && count < 6,
  retryDelay: 800,
};

/** Changes to images touch lists, counts and details: the whole gallery prefix is invalidated. */
export function useUpdateImage() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, patch }: { id: string; patch: ImagePatch }) =>
      unwrap(
        await client.PATCH("/api/v1/gallery/images/{image_id}", { params: { path: { image_id: id } }, body: patch }),
      ),
    ...retryWhileArriving,
    onSuccess: (image) => {
      queryClient.setQueryData(queryKeys.gallery.image(image.id), image);
      void queryClient.invalidateQueries({ queryKey: queryKeys.gallery.all });
    },
  });
}

export type BulkAction = BulkMove | BulkTags | BulkFavorite | BulkDelete;

export function useBulkImages() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: BulkAction) => unwrap(await client.POST("/api/v1/gallery/images/bulk", { body })),
    ...retryWhileArriving,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.gallery.all }),
  });
}

/** A review move (submit, approve, request_changes, reopen): the image's state, lists, counts and the queue change. */
export function useReviewImage() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, body }: { id: string; body: ReviewRequest }) =>
      unwrap(
        await client.POST("/api/v1/gallery/images/{image_id}/review", { params: { path: { image_id: id } }, body }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.gallery.all }),
  });
}

export function useDeleteImage() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) =>
      unwrap(await client.DELETE("/api/v1/gallery/images/{image_id}", { params: { path: { image_id: id } } })),
    onSuccess: (_, id) => {
      queryClient.removeQueries({ queryKey: queryKeys.gallery.image(id) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.gallery.all });
    },
  });
}
