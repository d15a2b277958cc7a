"use client";

import { ArrowLeft, CalendarDays, ImagePlus, Package, Pencil, Trash2, Type, X } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useLocale, useTranslations } from "use-intl";

import {
  ApiError,
  downloadCampaignZip,
  useApi,
  useBrandKits,
  useCampaign,
  useCampaignImages,
  useDeleteCampaign,
  useGalleryImage,
  useGalleryImages,
  useMe,
  useSizePresets,
  type CampaignOut,
} from "@zimage/web/api";
import { describeError } from "@zimage/web/i18n";
import { Badge } from "@zimage/web/ui/badge";
import { Button } from "@zimage/web/ui/button";
import { ConfirmDialog } from "@zimage/web/ui/confirm-dialog";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@zimage/web/ui/dialog";
import { Skeleton } from "@zimage/web/ui/skeleton";
import { Spinner } from "@zimage/web/ui/spinner";
import { StateMessage } from "@zimage/web/ui/state";
import { toast } from "@zimage/web/ui/toaster";
import { cn } from "@zimage/web/lib/cn";
import { QueryError } from "@zimage/web/app-shell/query-state";

import { KitSwatches } from "@/components/brand/brand-kit-picker";
import { ReviewBadge } from "@/components/review/review-panel";
import { pixels, presetName } from "@/lib/sizes";

import { CampaignDates } from "./campaigns-view";
import { CampaignForm } from "./campaign-form";

/** One attached image: its review state, its overlay, and the campaign ZIP for it (every channel at once). */
function CampaignImage({ campaign, imageId, owner }: { campaign: CampaignOut; imageId: string; owner: boolean }) {
  const t = useTranslations("campaigns");
  const te = useTranslations("errors");
  const api = useApi();
  const image = useGalleryImage(imageId);
  const images = useCampaignImages();
  const [zipping, setZipping] = useState(false);

  async function fanOut() {
    setZipping(true);
    try {
      await downloadCampaignZip(api, campaign.id, imageId);
    } catch (error) {
      toast(describeError(te, error), "error");
    } finally {
      setZipping(false);
    }
  }

  if (image.isPending) return <li><Skeleton className="aspect-[4/5]" /></li>;
  if (image.isError) {
    return (
      <li className="grid content-center rounded-lg border border-dashed p-4 text-center text-xs text-muted-foreground">
        {image.error instanceof ApiError && image.error.status === 404 ? t("imageUnavailable") : describeError(te, image.error)}
      </li>
    );
  }
  const img = image.data;
  const approved = img.review_status === "approved";
  return (
    <li className="grid content-start gap-2 rounded-lg border bg-card p-2" data-testid="campaign-image" data-image-id={img.id}>
      <div className="relative overflow-hidden rounded-md bg-muted">
        {/* eslint-disable-next-line @next/next/no-img-element -- signed, expiring URL */}
        <img src={img.thumbnail_url} alt="" className="aspect-square w-full object-cover" />
        <ReviewBadge status={img.review_status} className="absolute left-2 top-2" />
      </div>
      <p className="line-clamp-2 text-xs">{img.prompt}</p>
      <div className="flex flex-wrap gap-1">
        <Button size="sm" onClick={() => void fanOut()} disabled={zipping} data-testid="fan-out">
          {zipping ? <Spinner /> : <Package aria-hidden="true" />}
          {t("fanOut")}
        </Button>
        {owner ? (
          <>
            <Button size="sm" variant="outline" asChild>
              <Link href={`/gallery/overlay?image=${img.id}`}>
                <Type aria-hidden="true" />
                {t("editOverlay")}
              </Link>
            </Button>
            <Button
              size="icon-sm"
              variant="ghost"
              aria-label={t("detach")}
              title={t("detach")}
              disabled={images.isPending}
              onClick={() =>
                images.mutate(
                  { campaignId: campaign.id, imageIds: [img.id], attach: false },
                  { onSuccess: () => toast(t("detached")), onError: (error) => toast(describeError(te, error), "error") },
                )
              }
            >
              <X aria-hidden="true" />
            </Button>
          </>
        ) : null}
      </div>
      <p className={cn("text-[11px]", approved ? "text-muted-foreground" : "text-amber-700 dark:text-amber-300")}>
        {approved ? t("fanOutHint", { count: campaign.channels.length }) : t("fanOutDraft")}
      </p>
    </li>
  );
}

/** Pick gallery images (the newest page) to attach. */
function AttachDialog({ campaign, open, onOpenChange }: { campaign: CampaignOut; open: boolean; onOpenChange: (open: boolean) => void }) {
  const t = useTranslations("campaigns");
  const tc = useTranslations("common");
  const te = useTranslations("errors");
  const gallery = useGalleryImages({});
  const images = useCampaignImages();
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const list = (gallery.data?.pages.flatMap((p) => p.items) ?? []).filter((i) => !campaign.image_ids.includes(i.id));
  const toggle = (id: string) =>
    setPicked((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent wide closeLabel={tc("close")}>
        <DialogHeader>
          <DialogTitle>{t("attachTitle")}</DialogTitle>
          <DialogDescription>{t("attachBody")}</DialogDescription>
        </DialogHeader>
        {gallery.isPending ? (
          <Skeleton className="h-48" />
        ) : gallery.isError ? (
          <QueryError error={gallery.error} title={t("loadError")} onRetry={() => void gallery.refetch()} />
        ) : list.length === 0 ? (
          <StateMessage kind="empty" title={t("attachEmpty")} />
        ) : (
          <ul className="grid max-h-[55dvh] grid-cols-3 gap-2 overflow-y-auto sm:grid-cols-4 md:grid-cols-5">
            {list.map((img) => (
              <li key={img.id}>
                <label className={cn("relative block cursor-pointer overflow-hidden rounded-md border-2 border-transparent has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-ring", picked.has(img.id) && "border-primary")}>
                  <input type="checkbox" className="absolute left-1.5 top-1.5 size-4 accent-[var(--primary)]" checked={picked.has(img.id)} onChange={() => toggle(img.id)} aria-label={t("selectImage", { prompt: img.prompt.slice(0, 40) })} data-image-id={img.id} />
                  {/* eslint-disable-next-line @next/next/no-img-element -- signed, expiring URL */}
                  <img src={img.thumbnail_url} alt="" className="aspect-square w-full object-cover" />
                </label>
              </li>
            ))}
          </ul>
        )}
        <DialogFooter>
          <Button variant="outline" onClick={() => onOpenChange(false)}>
            {tc("cancel")}
          </Button>
          <Button
            disabled={picked.size === 0 || images.isPending}
            onClick={() =>
              images.mutate(
                { campaignId: campaign.id, imageIds: [...picked], attach: true },
                {
                  onSuccess: (count) => {
                    toast(t("attached", { count }));
                    setPicked(new Set());
                    onOpenChange(false);
                  },
                  onError: (error) => toast(describeError(te, error), "error"),
                },
              )
            }
          >
            {images.isPending ? <Spinner /> : <ImagePlus aria-hidden="true" />}
            {t("attachN", { count: picked.size })}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

export function CampaignDetail({ campaignId }: { campaignId: string }) {
  const t = useTranslations("campaigns");
  const tc = useTranslations("common");
  const te = useTranslations("errors");
  const locale = useLocale();
  const router = useRouter();
  const me = useMe();
  const campaign = useCampaign(campaignId);
  const presets = useSizePresets();
  const kits = useBrandKits();
  const remove = useDeleteCampaign();
  const [editing, setEditing] = useState(false);
  const [attaching, setAttaching] = useState(false);
  const [confirming, setConfirming] = useState(false);

  if (campaign.isPending) return <Skeleton className="h-96" />;
  if (campaign.isError) {
    if (campaign.error instanceof ApiError && campaign.error.status === 404) {
      return <StateMessage kind="empty" title={t("notFoundTitle")} description={t("notFoundBody")} action={<Button asChild variant="outline"><Link href="/campaigns">{t("back")}</Link></Button>} />;
    }
    return <QueryError error={campaign.error} title={t("loadError")} onRetry={() => void campaign.refetch()} />;
  }
  const c = campaign.data;
  const owner = c.owner_id === me.data?.id;
  const kit = kits.data?.find((k) => k.id === c.brand_kit_id) ?? null;

  return (
    <section aria-labelledby="campaign-title" className="grid gap-5">
      <Button asChild variant="ghost" size="sm" className="justify-self-start">
        <Link href="/campaigns">
          <ArrowLeft aria-hidden="true" />
          {t("back")}
        </Link>
      </Button>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="grid gap-2">
          <h1 id="campaign-title" className="text-2xl font-bold tracking-tight">
            {c.name}
          </h1>
          <p className="inline-flex items-center gap-1 text-sm text-muted-foreground">
            <CalendarDays aria-hidden="true" className="size-4" />
            <CampaignDates campaign={c} />
          </p>
          <ul className="flex flex-wrap gap-1" aria-label={t("channels")}>
            {c.channels.map((id) => {
              const p = presets.data?.find((x) => x.id === id);
              return (
                <li key={id}>
                  <Badge variant="secondary">{p ? `${presetName(p, locale)} · ${pixels(p.width, p.height)}` : id}</Badge>
                </li>
              );
            })}
          </ul>
          {kit ? (
            <div className="flex flex-wrap items-center gap-2 text-sm">
              <span className="font-medium">{kit.name}</span>
              <KitSwatches kit={kit} />
            </div>
          ) : null}
          {c.notes ? <p className="max-w-prose whitespace-pre-wrap text-sm text-muted-foreground">{c.notes}</p> : null}
        </div>
        {owner ? (
          <div className="flex flex-wrap gap-1.5">
            <Button variant="outline" size="sm" onClick={() => setEditing(true)}>
              <Pencil aria-hidden="true" />
              {tc("edit")}
            </Button>
            <Button variant="outline" size="sm" onClick={() => setConfirming(true)}>
              <Trash2 aria-hidden="true" />
              {tc("delete")}
            </Button>
          </div>
        ) : null}
      </div>

      <div className="flex items-center justify-between gap-2">
        <h2 className="text-lg font-semibold">{t("images")}</h2>
        {owner ? (
          <Button size="sm" onClick={() => setAttaching(true)}>
            <ImagePlus aria-hidden="true" />
            {t("attach")}
          </Button>
        ) : null}
      </div>
      {c.image_ids.length === 0 ? (
        <StateMessage kind="empty" title={t("noImagesTitle")} description={t("noImagesBody")} action={owner ? <Button onClick={() => setAttaching(true)}>{t("attach")}</Button> : undefined} />
      ) : (
        <ul className="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-4" data-testid="campaign-images">
          {c.image_ids.map((id) => (
            <CampaignImage key={id} campaign={c} imageId={id} owner={owner} />
          ))}
        </ul>
      )}

      {editing ? <CampaignForm campaign={c} open onOpenChange={setEditing} /> : null}
      {attaching ? <AttachDialog campaign={c} open onOpenChange={setAttaching} /> : null}
      <ConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        title={t("deleteTitle")}
        description={t("deleteBody", { name: c.name })}
        confirmLabel={tc("delete")}
        cancelLabel={tc("cancel")}
        destructive
        busy={remove.isPending}
        onConfirm={() =>
          remove.mutate(c.id, {
            onSuccess: () => {
              toast(t("deleted"));
              router.replace("/campaigns");
            },
            onError: (error) => toast(describeError(te, error), "error"),
          })
        }
      />
    </section>
  );
}
