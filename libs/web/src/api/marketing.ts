"use client";
/**
 * Issue 10's hooks: brand kits, image overlays (and their server-rendered preview), the review thread and queue,
 * campaigns. Keys live in `marketingKeys` below; what depends on an image's review state (its overlay preview with
 * or without the DRAFT mark, its thread, the queue) sits under the gallery prefix, so a review move refreshes it.
 */
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import type { Api } from "./client";
import { ApiError, errorFromResponse, unwrap } from "./errors";
import { fetchFile, saveBlob } from "./downloads";
import { useSession } from "./hooks";
import { queryKeys } from "./keys";
import { useApi } from "./provider";
import type {
  BrandKitCreate,
  BrandKitUpdate,
  CampaignCreate,
  CampaignPatch,
  ImageOverlaySpec,
  ReviewStatus,
} from "./schema";

export type CampaignScope = "mine" | "all";

export const marketingKeys = {
  brandKits: {
    all: ["brand-kits"] as const,
    list: ["brand-kits", "list"] as const,
    detail: (id: string) => ["brand-kits", "detail", id] as const,
  },
  overlay: (imageId: string) => [...queryKeys.gallery.all, "overlay", imageId] as const,
  overlayPreview: (imageId: string, preset: string, spec: ImageOverlaySpec | null) =>
    [...queryKeys.gallery.all, "overlay-preview", imageId, preset, spec] as const,
  comments: (imageId: string) => [...queryKeys.gallery.all, "comments", imageId] as const,
  reviewQueue: (status: ReviewStatus) => [...queryKeys.gallery.all, "review-queue", status] as const,
  campaigns: {
    all: ["campaigns"] as const,
    list: (scope: CampaignScope) => ["campaigns", "list", scope] as const,
    detail: (id: string) => ["campaigns", "detail", id] as const,
  },
} as const;

function useSignedIn(): boolean {
  return useSession((s) => s.status === "signedIn");
}

// ---- brand kits (everyone reads; admins change) ------------------------------------------------

export function useBrandKits() {
  const { client } = useApi();
  const enabled = useSignedIn();
  return useQuery({
    queryKey: marketingKeys.brandKits.list,
    enabled,
    // logo URLs are signed for 5 minutes
    staleTime: 60_000,
    queryFn: async () => unwrap(await client.GET("/api/v1/brand-kits", { params: { query: { limit: 100 } } })).items,
  });
}

export function useBrandKit(id: string | null) {
  const { client } = useApi();
  const enabled = useSignedIn() && Boolean(id);
  return useQuery({
    queryKey: marketingKeys.brandKits.detail(id ?? ""),
    enabled,
    staleTime: 60_000,
    queryFn: async () =>
      unwrap(await client.GET("/api/v1/brand-kits/{kit_id}", { params: { path: { kit_id: id as string } } })),
  });
}

/** Every kit change is an admin action: the kits and the audit log refresh. */
function useKitMutation<V, R>(run: (api: Api, vars: V) => Promise<R>) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (vars: V) => run(api, vars),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: marketingKeys.brandKits.all });
      void queryClient.invalidateQueries({ queryKey: queryKeys.admin.audit.all });
    },
  });
}

export function useCreateBrandKit() {
  return useKitMutation(async ({ client }, body: BrandKitCreate) => unwrap(await client.POST("/api/v1/brand-kits", { body })));
}

export function useUpdateBrandKit() {
  return useKitMutation(async ({ client }, { id, body }: { id: string; body: BrandKitUpdate }) =>
    unwrap(await client.PATCH("/api/v1/brand-kits/{kit_id}", { params: { path: { kit_id: id } }, body })),
  );
}

export function useDeleteBrandKit() {
  return useKitMutation(async ({ client }, id: string) => {
    unwrap(await client.DELETE("/api/v1/brand-kits/{kit_id}", { params: { path: { kit_id: id } } }));
  });
}

const asForm = (body: { file: string }) => {
  const form = new FormData();
  form.append("file", body.file as unknown as Blob);
  return form;
};

export function useUploadBrandFont() {
  return useKitMutation(async ({ client }, { kitId, file }: { kitId: string; file: File }) =>
    unwrap(
      await client.POST("/api/v1/brand-kits/{kit_id}/fonts", {
        params: { path: { kit_id: kitId } },
        body: { file: file as unknown as string },
        bodySerializer: asForm,
      }),
    ),
  );
}

export function useDeleteBrandFont() {
  return useKitMutation(async ({ client }, { kitId, fontId }: { kitId: string; fontId: string }) => {
    unwrap(
      await client.DELETE("/api/v1/brand-kits/{kit_id}/fonts/{font_id}", {
        params: { path: { kit_id: kitId, font_id: fontId } },
      }),
    );
  });
}

export function useUploadBrandLogo() {
  return useKitMutation(async ({ client }, { kitId, file }: { kitId: string; file: File }) =>
    unwrap(
      await client.POST("/api/v1/brand-kits/{kit_id}/logos", {
        params: { path: { kit_id: kitId } },
        body: { file: file as unknown as string },
        bodySerializer: asForm,
      }),
    ),
  );
}

export function useDeleteBrandLogo() {
  return useKitMutation(async ({ client }, { kitId, logoId }: { kitId: string; logoId: string }) => {
    unwrap(
      await client.DELETE("/api/v1/brand-kits/{kit_id}/logos/{logo_id}", {
        params: { path: { kit_id: kitId, logo_id: logoId } },
      }),
    );
  });
}

// ---- overlays ----------------------------------------------------------------------------------

/** The image's stored overlay, or null when it has none (404 OverlayNotFound is "none yet", not an error). */
export function useOverlay(imageId: string | null) {
  const { client } = useApi();
  const enabled = useSignedIn() && Boolean(imageId);
  return useQuery({
    queryKey: marketingKeys.overlay(imageId ?? ""),
    enabled,
    queryFn: async () => {
      const result = await client.GET("/api/v1/gallery/images/{image_id}/overlay", {
        params: { path: { image_id: imageId as string } },
      });
      if (result.response.status === 404 && (result.error as { error?: string } | undefined)?.error === "OverlayNotFound") {
        return null;
      }
      return unwrap(result);
    },
  });
}

export function useSaveOverlay() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ imageId, spec }: { imageId: string; spec: ImageOverlaySpec }) =>
      unwrap(
        await client.PUT("/api/v1/gallery/images/{image_id}/overlay", { params: { path: { image_id: imageId } }, body: spec }),
      ),
    onSuccess: (saved) => queryClient.setQueryData(marketingKeys.overlay(saved.image_id), saved),
  });
}

export function useDeleteOverlay() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (imageId: string) => {
      unwrap(
        await client.DELETE("/api/v1/gallery/images/{image_id}/overlay", { params: { path: { image_id: imageId } } }),
      );
      return imageId;
    },
    onSuccess: (imageId) => queryClient.setQueryData(marketingKeys.overlay(imageId), null),
  });
}

export interface OverlayPreview {
  png: Blob;
  /** The X-Overlay-Layout header as sent (JSON); parse it with the app's layout reader. */
  layout: string | null;
}

/** The server's render of `spec` at `preset`'s exact pixels: the same code path as the export. */
export async function fetchOverlayPreview(
  api: Api,
  imageId: string,
  preset: string,
  spec: ImageOverlaySpec,
  signal?: AbortSignal,
): Promise<OverlayPreview> {
  const result = await api.client.POST("/api/v1/gallery/images/{image_id}/overlay/preview", {
    params: { path: { image_id: imageId }, query: { preset } },
    body: spec,
    parseAs: "blob",
    signal,
  });
  if (!result.response.ok) throw await errorFromResponse(result.response);
  return { png: result.data as unknown as Blob, layout: result.response.headers.get("x-overlay-layout") };
}

/**
 * The preview for a spec the caller has already debounced; the previous picture stays while the next renders,
 * and a newer spec aborts the request for an older one.
 */
export function useOverlayPreview(imageId: string | null, preset: string | null, spec: ImageOverlaySpec | null) {
  const api = useApi();
  const enabled = useSignedIn() && Boolean(imageId && preset && spec);
  return useQuery({
    queryKey: marketingKeys.overlayPreview(imageId ?? "", preset ?? "", spec),
    enabled,
    placeholderData: keepPreviousData,
    staleTime: Infinity,
    gcTime: 30_000,
    retry: false,
    queryFn: ({ signal }) => fetchOverlayPreview(api, imageId as string, preset as string, spec as ImageOverlaySpec, signal),
  });
}

export function overlayExportRequest(api: Api, imageId: string, preset: string): Request {
  const query = new URLSearchParams({ preset, format: "png", delivery: "attachment", overlay: "true" });
  return new Request(`${api.baseUrl}/api/v1/gallery/images/${encodeURIComponent(imageId)}/export?${query}`);
}

/** The final file for one channel, the stored overlay drawn (DRAFT-marked unless approved). */
export async function downloadOverlayExport(api: Api, imageId: string, preset: string): Promise<void> {
  const { blob, name } = await fetchFile(api, overlayExportRequest(api, imageId, preset), `${preset}.png`);
  saveBlob(blob, name);
}

// ---- review ------------------------------------------------------------------------------------

export function useComments(imageId: string | null) {
  const { client } = useApi();
  const enabled = useSignedIn() && Boolean(imageId);
  return useQuery({
    queryKey: marketingKeys.comments(imageId ?? ""),
    enabled,
    queryFn: async () =>
      unwrap(
        await client.GET("/api/v1/gallery/images/{image_id}/comments", {
          params: { path: { image_id: imageId as string }, query: { limit: 200 } },
        }),
      ).items,
  });
}

export function useAddComment() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ imageId, body }: { imageId: string; body: string }) =>
      unwrap(
        await client.POST("/api/v1/gallery/images/{image_id}/comments", {
          params: { path: { image_id: imageId } },
          body: { body },
        }),
      ),
    onSuccess: (comment) => queryClient.invalidateQueries({ queryKey: marketingKeys.comments(comment.image_id) }),
  });
}

export const REVIEW_QUEUE_PAGE_SIZE = 24;

/** Reviewers: the team's images in one review state, longest waiting first (403 ReviewerRequired for others). */
export function useReviewQueue(status: ReviewStatus) {
  const { client } = useApi();
  const enabled = useSignedIn();
  return useInfiniteQuery({
    queryKey: marketingKeys.reviewQueue(status),
    enabled,
    initialPageParam: null as string | null,
    // thumbnails are signed for 5 minutes
    staleTime: 60_000,
    retry: (count, error) => !(error instanceof ApiError && error.status === 403) && count < 2,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await client.GET("/api/v1/reviews", {
          params: { query: { status, limit: REVIEW_QUEUE_PAGE_SIZE, cursor: pageParam } },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor,
  });
}

// ---- campaigns ---------------------------------------------------------------------------------

export function useCampaigns(scope: CampaignScope = "mine") {
  const { client } = useApi();
  const enabled = useSignedIn();
  return useQuery({
    queryKey: marketingKeys.campaigns.list(scope),
    enabled,
    placeholderData: keepPreviousData,
    queryFn: async () => unwrap(await client.GET("/api/v1/campaigns", { params: { query: { scope, limit: 100 } } })).items,
  });
}

export function useCampaign(id: string | null) {
  const { client } = useApi();
  const enabled = useSignedIn() && Boolean(id);
  return useQuery({
    queryKey: marketingKeys.campaigns.detail(id ?? ""),
    enabled,
    queryFn: async () =>
      unwrap(await client.GET("/api/v1/campaigns/{campaign_id}", { params: { path: { campaign_id: id as string } } })),
  });
}

/** Campaign changes refresh every campaign list and detail; the review queue names campaigns, so it follows. */
function useCampaignMutation<V, R>(run: (api: Api, vars: V) => Promise<R>) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (vars: V) => run(api, vars),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: marketingKeys.campaigns.all });
      void queryClient.invalidateQueries({ queryKey: [...queryKeys.gallery.all, "review-queue"] });
    },
  });
}

export function useCreateCampaign() {
  return useCampaignMutation(async ({ client }, body: CampaignCreate) => unwrap(await client.POST("/api/v1/campaigns", { body })));
}

export function useUpdateCampaign() {
  return useCampaignMutation(async ({ client }, { id, body }: { id: string; body: CampaignPatch }) =>
    unwrap(await client.PATCH("/api/v1/campaigns/{campaign_id}", { params: { path: { campaign_id: id } }, body })),
  );
}

export function useDeleteCampaign() {
  return useCampaignMutation(async ({ client }, id: string) => {
    unwrap(await client.DELETE("/api/v1/campaigns/{campaign_id}", { params: { path: { campaign_id: id } } }));
  });
}

/** Attach (or detach) several images, one request each; the first refusal stops and is thrown. */
export function useCampaignImages() {
  return useCampaignMutation(
    async ({ client }, { campaignId, imageIds, attach }: { campaignId: string; imageIds: string[]; attach: boolean }) => {
      for (const imageId of imageIds) {
        const options = { params: { path: { campaign_id: campaignId, image_id: imageId } } };
        const result = attach
          ? await client.PUT("/api/v1/campaigns/{campaign_id}/images/{image_id}", options)
          : await client.DELETE("/api/v1/campaigns/{campaign_id}/images/{image_id}", options);
        unwrap(result);
      }
      return imageIds.length;
    },
  );
}

/** Fan-out: the image at every channel of the campaign, overlay re-laid per aspect, as one ZIP. */
export async function downloadCampaignZip(api: Api, campaignId: string, imageId: string): Promise<void> {
  const query = new URLSearchParams({ image_id: imageId });
  const request = new Request(`${api.baseUrl}/api/v1/campaigns/${encodeURIComponent(campaignId)}/export?${query}`);
  const { blob, name } = await fetchFile(api, request, "campaign.zip");
  saveBlob(blob, name);
}
