"use client";

import { Download, FolderPlus, RefreshCw, Settings2, Star, X } from "lucide-react";
import { useState } from "react";
import { useLocale, useTranslations } from "use-intl";

import {
  fetchFile,
  isTerminal,
  saveBlob,
  unwrap,
  useApi,
  useCancelTask,
  useSizePresets,
  useUpdateImage,
  type TaskImageOut,
  type TaskOut,
} from "@zimage/web/api";
import { describeError } from "@zimage/web/i18n";
import { Alert } from "@zimage/web/ui/alert";
import { Badge } from "@zimage/web/ui/badge";
import { Button } from "@zimage/web/ui/button";
import { Card } from "@zimage/web/ui/card";
import { Progress } from "@zimage/web/ui/progress";
import { toast } from "@zimage/web/ui/toaster";

import { ExportMenu } from "@/components/gallery/export-menu";
import { OrganizeDialog } from "@/components/gallery/organize-dialog";
import { pixels, presetName } from "@/lib/sizes";

import { useElapsed, useTaskProgress } from "./use-task-progress";

function ResultImage({ image, prompt }: { image: TaskImageOut; prompt: string }) {
  const t = useTranslations("results");
  const te = useTranslations("errors");
  const api = useApi();
  const update = useUpdateImage();
  const [favorite, setFavorite] = useState(false);
  const [organizing, setOrganizing] = useState(false);
  const [downloading, setDownloading] = useState(false);

  async function download() {
    setDownloading(true);
    try {
      // The task's signed URL may have expired: ask the gallery for a fresh one.
      const fresh = unwrap(
        await api.client.GET("/api/v1/gallery/images/{image_id}", { params: { path: { image_id: image.id } } }),
      );
      const { blob, name } = await fetchFile(api, new Request(fresh.url), `zimage-${image.seed}.png`);
      saveBlob(blob, name);
    } catch (error) {
      toast(describeError(te, error), "error");
    } finally {
      setDownloading(false);
    }
  }

  function toggleFavorite() {
    const next = !favorite;
    setFavorite(next);
    update.mutate(
      { id: image.id, patch: { favorite: next } },
      {
        onSuccess: () => toast(next ? t("favorited") : t("unfavorited")),
        onError: (error) => {
          setFavorite(!next);
          toast(describeError(te, error), "error");
        },
      },
    );
  }

  return (
    <figure className="grid gap-2" data-testid="result-image" data-image-id={image.id}>
      <a href={image.url} target="_blank" rel="noreferrer" className="block overflow-hidden rounded-md border bg-muted focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring">
        {/* eslint-disable-next-line @next/next/no-img-element -- signed, expiring URLs; no optimisation */}
        <img
          src={image.thumbnail_url}
          alt={t("imageAlt", { prompt: prompt.slice(0, 80), seed: image.seed })}
          width={image.width}
          height={image.height}
          className="h-auto w-full object-contain"
          loading="lazy"
        />
      </a>
      <figcaption className="flex flex-wrap items-center gap-1.5 text-xs text-muted-foreground">
        <span className="tabular-nums">{pixels(image.width, image.height)}</span>
        <span aria-hidden="true">·</span>
        <span className="tabular-nums">
          {t("seed")} {image.seed}
        </span>
      </figcaption>
      <div className="flex flex-wrap gap-1.5">
        <Button size="sm" variant="outline" onClick={() => void download()} disabled={downloading}>
          <Download aria-hidden="true" />
          {t("download")}
        </Button>
        <Button size="sm" variant={favorite ? "secondary" : "outline"} aria-pressed={favorite} onClick={toggleFavorite}>
          <Star aria-hidden="true" className={favorite ? "fill-amber-400 text-amber-500" : undefined} />
          {t("favorite")}
        </Button>
        <Button size="sm" variant="outline" onClick={() => setOrganizing(true)}>
          <FolderPlus aria-hidden="true" />
          {t("organize")}
        </Button>
        <ExportMenu imageId={image.id} />
      </div>
      <OrganizeDialog ids={[image.id]} open={organizing} onOpenChange={setOrganizing} />
    </figure>
  );
}

function formatSeconds(seconds: number, locale: string): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  if (locale === "ko") return m ? `${m}분 ${s}초` : `${s}초`;
  return m ? `${m}m ${s}s` : `${s}s`;
}

export function TaskCard({
  task,
  onReuse,
  onNewSeed,
}: {
  task: TaskOut;
  onReuse: (task: TaskOut) => void;
  onNewSeed: (task: TaskOut) => void;
}) {
  const t = useTranslations("progress");
  const tr = useTranslations("results");
  const te = useTranslations("errors");
  const locale = useLocale();
  const progress = useTaskProgress(task);
  const cancel = useCancelTask();
  const presets = useSizePresets();
  const current = progress.task;
  const done = isTerminal(progress.phase);
  const elapsed = useElapsed(current.created_at, done ? current.finished_at ?? null : null, !done);
  const preset = presets.data?.find((p) => p.id === current.preset);

  let status: string;
  switch (progress.phase) {
    case "queued":
      status = progress.position ? t("queuedAt", { position: progress.position }) : t("queued");
      break;
    case "processing":
      status = progress.canceling ? t("canceling") : t("step", { step: progress.step, total: progress.total });
      break;
    case "completed":
      status = t("completed");
      break;
    case "failed":
      status = t("failed");
      break;
    default:
      status = t("canceled");
  }

  return (
    <Card className="grid gap-3 p-4" data-testid="task-card" data-task-id={task.id} data-phase={progress.phase}>
      <div className="flex flex-wrap items-start gap-2">
        <p className="line-clamp-2 min-w-0 flex-1 text-sm font-medium" title={current.prompt}>
          {current.prompt}
        </p>
        <Badge variant={progress.phase === "completed" ? "success" : progress.phase === "failed" ? "destructive" : "secondary"}>
          {status}
        </Badge>
      </div>
      <p className="text-xs text-muted-foreground">
        {preset ? `${presetName(preset, locale)} · ` : ""}
        <span className="tabular-nums">{pixels(current.width, current.height)}</span> · {tr("count", { count: current.num_images })} ·{" "}
        {tr("seed")} <span className="tabular-nums">{current.seed}</span>
      </p>
      {!done || progress.phase === "completed" ? (
        <div className="grid gap-1.5">
          <Progress
            value={progress.phase === "completed" ? progress.total : progress.step}
            max={progress.total || 8}
            aria-label={t("barLabel")}
            aria-valuetext={status}
            data-testid="progress-bar"
            data-step={progress.step}
          />
          <div className="flex items-center justify-between text-xs text-muted-foreground" aria-live="polite">
            <span data-testid="progress-text">{status}</span>
            {elapsed !== null ? (
              <span className="tabular-nums">{t("elapsed", { time: formatSeconds(elapsed, locale) })}</span>
            ) : null}
          </div>
        </div>
      ) : null}
      {!done ? (
        <div>
          <Button
            size="sm"
            variant="outline"
            disabled={progress.canceling || cancel.isPending}
            onClick={() =>
              cancel.mutate(task.id, { onError: (error) => toast(describeError(te, error), "error") })
            }
          >
            <X aria-hidden="true" />
            {t("cancel")}
          </Button>
        </div>
      ) : null}
      {progress.phase === "failed" ? (
        <Alert variant="destructive">{t("failedBody", { reason: progress.error ?? "" })}</Alert>
      ) : null}
      {progress.phase === "completed" && current.images.length ? (
        <div className="grid gap-4 sm:grid-cols-2">
          {current.images.map((image) => (
            <ResultImage key={image.id} image={image} prompt={current.prompt} />
          ))}
        </div>
      ) : null}
      {done ? (
        <div className="flex flex-wrap gap-2 border-t pt-3">
          <Button size="sm" variant="ghost" onClick={() => onReuse(current)}>
            <Settings2 aria-hidden="true" />
            {tr("sameSettings")}
          </Button>
          <Button size="sm" variant="ghost" onClick={() => onNewSeed(current)}>
            <RefreshCw aria-hidden="true" />
            {tr("newSeed")}
          </Button>
        </div>
      ) : null}
    </Card>
  );
}
