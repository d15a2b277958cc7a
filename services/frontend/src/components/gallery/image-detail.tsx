"use client";

import { ChevronLeft, ChevronRight, Copy, Download, FolderPlus, Settings2, Star, Trash2, Type } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState, type ReactNode } from "react";
import { useFormatter, useLocale, useTranslations } from "use-intl";

import { useDeleteImage, useSizePresets, useTemplates, useUpdateImage, type ImageOut } from "@zimage/web/api";
import { describeError } from "@zimage/web/i18n";
import { Badge } from "@zimage/web/ui/badge";
import { Button } from "@zimage/web/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@zimage/web/ui/dialog";
import { toast } from "@zimage/web/ui/toaster";

import { draftFrom, useDraft } from "@/lib/draft";
import { pixels, presetName } from "@/lib/sizes";

import { BrandGuidanceLine } from "@/components/brand/brand-kit-picker";
import { ReviewBadge, ReviewPanel } from "@/components/review/review-panel";

import { ExportMenu } from "./export-menu";
import { OrganizeDialog } from "./organize-dialog";

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[7rem_1fr] gap-2 py-1.5 text-sm">
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="min-w-0 break-words">{children}</dd>
    </div>
  );
}

/** One image large, with every parameter and what can be done with it. ←/→ move, Esc closes. */
export function ImageDetail({
  image,
  folderName,
  onClose,
  onPrev,
  onNext,
}: {
  image: ImageOut | null;
  folderName: (id: string | null) => string | null;
  onClose: () => void;
  onPrev: (() => void) | null;
  onNext: (() => void) | null;
}) {
  const t = useTranslations("detail");
  const tg = useTranslations("gallery");
  const tc = useTranslations("common");
  const te = useTranslations("errors");
  const to = useTranslations("overlay");
  const tb = useTranslations("brandKit");
  const locale = useLocale();
  const format = useFormatter();
  const router = useRouter();
  const update = useUpdateImage();
  const remove = useDeleteImage();
  const presets = useSizePresets();
  const templates = useTemplates();
  const draft = useDraft();
  const [confirming, setConfirming] = useState(false);
  const [organizing, setOrganizing] = useState(false);

  useEffect(() => {
    if (!image) return;
    const onKey = (event: KeyboardEvent) => {
      if (confirming || organizing) return;
      const target = event.target as HTMLElement | null;
      if (target && ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)) return;
      if (event.key === "ArrowLeft" && onPrev) {
        event.preventDefault();
        onPrev();
      } else if (event.key === "ArrowRight" && onNext) {
        event.preventDefault();
        onNext();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [image, onPrev, onNext, confirming, organizing]);

  if (!image) return null;
  const preset = presets.data?.find((p) => p.id === image.preset);
  const template = templates.data?.find((tpl) => tpl.id === image.template_id);
  const patch = (body: Parameters<typeof update.mutate>[0]["patch"], done?: string) =>
    update.mutate(
      { id: image.id, patch: body },
      { onSuccess: () => done && toast(done), onError: (error) => toast(describeError(te, error), "error") },
    );

  return (
    <Dialog open onOpenChange={(open) => !open && onClose()}>
      <DialogContent wide closeLabel={tc("close")} aria-describedby={undefined} data-testid="image-detail" data-image-id={image.id}>
        <DialogHeader>
          <DialogTitle className="line-clamp-1">{t("title")}</DialogTitle>
        </DialogHeader>
        <div className="grid gap-5 md:grid-cols-[minmax(0,1fr)_22rem]">
          <div className="grid content-start gap-2">
            <div className="relative flex items-center justify-center overflow-hidden rounded-md border bg-muted">
              {/* eslint-disable-next-line @next/next/no-img-element -- signed, expiring URL */}
              <img
                src={image.url}
                alt={t("imageAlt", { prompt: image.prompt.slice(0, 100) })}
                width={image.width}
                height={image.height}
                className="max-h-[60dvh] w-auto object-contain"
              />
            </div>
            <div className="flex justify-between">
              <Button variant="outline" size="sm" onClick={() => onPrev?.()} disabled={!onPrev} aria-label={t("previous")}>
                <ChevronLeft aria-hidden="true" />
                <span className="hidden sm:inline">{t("previous")}</span>
              </Button>
              <p className="self-center text-xs text-muted-foreground">{t("keyboardHint")}</p>
              <Button variant="outline" size="sm" onClick={() => onNext?.()} disabled={!onNext} aria-label={t("next")}>
                <span className="hidden sm:inline">{t("next")}</span>
                <ChevronRight aria-hidden="true" />
              </Button>
            </div>
          </div>
          <div className="grid content-start gap-3">
            <div className="flex flex-wrap gap-1.5">
              <ReviewBadge status={image.review_status} />
              {image.favorite ? <Badge variant="warning">★ {tg("favorites")}</Badge> : null}
              {image.engine?.includes("demo") ? <Badge variant="outline">{t("demoEngine")}</Badge> : null}
            </div>
            <div className="grid gap-1">
              <p className="text-xs font-semibold text-muted-foreground">{t("prompt")}</p>
              <p className="max-h-32 overflow-y-auto whitespace-pre-wrap rounded bg-muted/60 p-2 text-sm" data-testid="detail-prompt">
                {image.prompt}
              </p>
            </div>
            <dl className="divide-y">
              <Row label={t("size")}>
                <span className="tabular-nums">{pixels(image.width, image.height)}</span>
                {preset ? ` · ${presetName(preset, locale)}` : ""}
                {image.generation_width !== image.width || image.generation_height !== image.height ? (
                  <span className="block text-xs text-muted-foreground">
                    {t("generatedAt", { size: pixels(image.generation_width, image.generation_height) })}
                  </span>
                ) : null}
              </Row>
              <Row label={t("seed")}><span className="tabular-nums">{image.seed}</span></Row>
              <Row label={t("steps")}>{t("stepsValue", { steps: image.steps, guidance: image.guidance_scale })}</Row>
              <Row label={t("model")}>{[image.model, image.engine].filter(Boolean).join(" · ") || "—"}</Row>
              {image.brand_guidance ? (
                <Row label={tb("label")}>
                  <BrandGuidanceLine guidance={image.brand_guidance} />
                </Row>
              ) : null}
              <Row label={t("template")}>{template ? (locale === "ko" ? template.name_ko : template.name_en) : "—"}</Row>
              <Row label={t("folder")}>{folderName(image.folder_id) ?? t("noFolder")}</Row>
              <Row label={t("tags")}>{image.tags.length ? image.tags.map((tag) => `#${tag.name}`).join(" ") : "—"}</Row>
              <Row label={t("created")}>{format.dateTime(new Date(image.created_at), { dateStyle: "medium", timeStyle: "short" })}</Row>
              {image.note ? <Row label={t("note")}>{image.note}</Row> : null}
            </dl>
            <div className="flex flex-wrap gap-1.5">
              <Button
                size="sm"
                variant="outline"
                onClick={() => void navigator.clipboard.writeText(image.prompt).then(() => toast(tc("copied")), () => toast(te("Unknown"), "error"))}
              >
                <Copy aria-hidden="true" />
                {t("copyPrompt")}
              </Button>
              <Button
                size="sm"
                variant="outline"
                onClick={() => {
                  draft.update(draftFrom(image));
                  router.push("/generate");
                }}
              >
                <Settings2 aria-hidden="true" />
                {t("reuse")}
              </Button>
              <Button size="sm" variant={image.favorite ? "secondary" : "outline"} aria-pressed={image.favorite} onClick={() => patch({ favorite: !image.favorite })}>
                <Star aria-hidden="true" className={image.favorite ? "fill-amber-400 text-amber-500" : undefined} />
                {tg("favorites")}
              </Button>
              <Button size="sm" variant="outline" asChild>
                <Link href={`/gallery/overlay?image=${image.id}`} data-testid="open-overlay">
                  <Type aria-hidden="true" />
                  {to("open")}
                </Link>
              </Button>
              <Button size="sm" variant="outline" onClick={() => setOrganizing(true)}>
                <FolderPlus aria-hidden="true" />
                {t("organize")}
              </Button>
              <Button size="sm" variant="outline" asChild>
                <a href={image.url} download>
                  <Download aria-hidden="true" />
                  {t("downloadOriginal")}
                </a>
              </Button>
              <ExportMenu imageId={image.id} />
              <Button size="sm" variant="destructive" onClick={() => setConfirming(true)}>
                <Trash2 aria-hidden="true" />
                {tc("delete")}
              </Button>
            </div>
            <ReviewPanel imageId={image.id} status={image.review_status} isOwner />
          </div>
        </div>
        <OrganizeDialog ids={[image.id]} open={organizing} onOpenChange={setOrganizing} />
        <Dialog open={confirming} onOpenChange={setConfirming}>
          <DialogContent closeLabel={tc("close")}>
            <DialogHeader>
              <DialogTitle>{t("deleteTitle")}</DialogTitle>
              <DialogDescription>{t("deleteBody")}</DialogDescription>
            </DialogHeader>
            <DialogFooter>
              <Button variant="outline" onClick={() => setConfirming(false)}>
                {tc("cancel")}
              </Button>
              <Button
                variant="destructive"
                disabled={remove.isPending}
                onClick={() =>
                  remove.mutate(image.id, {
                    onSuccess: () => {
                      setConfirming(false);
                      toast(t("deleted"));
                      onClose();
                    },
                    onError: (error) => toast(describeError(te, error), "error"),
                  })
                }
              >
                {t("deleteConfirm")}
              </Button>
            </DialogFooter>
          </DialogContent>
        </Dialog>
      </DialogContent>
    </Dialog>
  );
}
