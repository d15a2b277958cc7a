"use client";

import { AlertTriangle, ArrowLeft, Download, ImageOff, Save, Trash2 } from "lucide-react";
import Link from "next/link";
import { useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { useLocale, useTranslations } from "use-intl";

import {
  ApiError,
  downloadOverlayExport,
  useApi,
  useBrandKits,
  useDeleteOverlay,
  useGalleryImage,
  useOverlay,
  useOverlayPreview,
  useSaveOverlay,
  useSizePresets,
  type BrandKitOut,
} from "@zimage/web/api";
import { describeError } from "@zimage/web/i18n";
import { Alert, AlertDescription, AlertTitle } from "@zimage/web/ui/alert";
import { Button } from "@zimage/web/ui/button";
import { Card, CardContent } from "@zimage/web/ui/card";
import { Field } from "@zimage/web/ui/field";
import { Input } from "@zimage/web/ui/input";
import { Select } from "@zimage/web/ui/select";
import { Skeleton } from "@zimage/web/ui/skeleton";
import { Spinner } from "@zimage/web/ui/spinner";
import { StateMessage } from "@zimage/web/ui/state";
import { Textarea } from "@zimage/web/ui/textarea";
import { toast } from "@zimage/web/ui/toaster";
import { cn } from "@zimage/web/lib/cn";
import { QueryError } from "@zimage/web/app-shell/query-state";

import { ReviewPanel } from "@/components/review/review-panel";
import {
  ALIGNS,
  CTA_MAX,
  EMPTY_DRAFT,
  HEADLINE_MAX,
  PLACEMENTS,
  SCRIMS,
  SUB_COPY_MAX,
  applyKit,
  bestOn,
  draftFromSpec,
  overlayWarnings,
  readLayout,
  specFromDraft,
  specKey,
  swatches,
  type OverlayDraft,
  type OverlayWarning,
} from "@/lib/overlay";
import { groupByChannel, knownChannel, pixels, presetName } from "@/lib/sizes";

const DEBOUNCE_MS = 300;

/** A value that settles `ms` after its last change (the preview follows typing without a request per key). */
function useSettled<T>(value: T, key: string, ms: number): T {
  const [settled, setSettled] = useState(value);
  const latest = useRef(value);
  latest.current = value;
  useEffect(() => {
    const timer = setTimeout(() => setSettled(latest.current), ms);
    return () => clearTimeout(timer);
  }, [key, ms]);
  return settled;
}

function useObjectUrl(blob: Blob | undefined): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!blob) return setUrl(null);
    const next = URL.createObjectURL(blob);
    setUrl(next);
    return () => URL.revokeObjectURL(next);
  }, [blob]);
  return url;
}

/** One-of-n choice as a row of toggle buttons (a radio group for assistive tech). */
function Segmented<T extends string>({
  label,
  value,
  options,
  onChange,
  name,
}: {
  label: string;
  value: T;
  options: readonly { value: T; label: string }[];
  onChange: (value: T) => void;
  name: string;
}) {
  return (
    <fieldset className="grid gap-1.5">
      <legend className="mb-1 text-sm font-medium">{label}</legend>
      <div className="flex flex-wrap gap-1.5">
        {options.map((o) => (
          <label
            key={o.value}
            className="relative cursor-pointer rounded-md border px-2.5 py-1.5 text-xs font-medium has-[:checked]:border-primary has-[:checked]:bg-primary has-[:checked]:text-primary-foreground has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-ring"
          >
            <input type="radio" name={name} value={o.value} checked={value === o.value} onChange={() => onChange(o.value)} className="absolute inset-0 cursor-pointer opacity-0" />
            {o.label}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

function SwatchPicker({ label, value, kit, onChange, name }: { label: string; value: string; kit: BrandKitOut | null; onChange: (hex: string) => void; name: string }) {
  const t = useTranslations("brandKit");
  return (
    <fieldset className="grid gap-1">
      <legend className="mb-1 text-xs font-medium">{label}</legend>
      <div className="flex flex-wrap gap-1.5">
        {swatches(kit).map((s) => (
          <label
            key={s.hex}
            title={s.role ? `${t(`roles.${s.role}`)} ${s.hex}` : s.hex}
            className="relative size-7 cursor-pointer rounded-full border-2 border-transparent has-[:checked]:border-primary has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-ring"
          >
            <input
              type="radio"
              name={name}
              checked={value.toUpperCase() === s.hex}
              onChange={() => onChange(s.hex)}
              className="absolute inset-0 cursor-pointer opacity-0"
              aria-label={s.role ? `${t(`roles.${s.role}`)} ${s.hex}` : s.hex}
            />
            <span aria-hidden="true" className="block size-full rounded-full border" style={{ backgroundColor: s.hex }} />
          </label>
        ))}
      </div>
    </fieldset>
  );
}

function Warning({ warning }: { warning: OverlayWarning }) {
  const t = useTranslations("overlay.warnings");
  const text =
    warning.kind === "dropped"
      ? t(`dropped_${warning.element}`)
      : warning.kind === "lowContrast"
        ? t("lowContrast", { ratio: warning.ratio })
        : t(warning.kind);
  return <li>{text}</li>;
}

function Counter({ value, max }: { value: string; max: number }) {
  return (
    <span className={cn("text-xs tabular-nums", value.trim().length > max ? "text-destructive" : "text-muted-foreground")}>
      {value.trim().length} / {max}
    </span>
  );
}

function Labelled({ label, count, children }: { label: string; count: ReactNode; children: ReactNode }) {
  return (
    <div className="grid gap-1.5">
      <div className="flex items-baseline justify-between">{label}{count}</div>
      {children}
    </div>
  );
}

/**
 * Headline overlay for one image: copy, placement, alignment, kit colours, logo and font on the left; on the right
 * the server's own render at the chosen channel's exact pixels (debounced), with what its layout had to give up.
 */
export function OverlayEditor({ imageId }: { imageId: string }) {
  const t = useTranslations("overlay");
  const tg = useTranslations("generate");
  const te = useTranslations("errors");
  const tc = useTranslations("common");
  const locale = useLocale();
  const api = useApi();
  const image = useGalleryImage(imageId);
  const stored = useOverlay(imageId);
  const kits = useBrandKits();
  const save = useSaveOverlay();
  const remove = useDeleteOverlay();
  const [draft, setDraft] = useState<OverlayDraft>(EMPTY_DRAFT);
  const [preset, setPreset] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const loaded = useRef(false);

  // the stored overlay (or an empty one) fills the form once
  useEffect(() => {
    if (loaded.current || stored.isPending || stored.isError) return;
    loaded.current = true;
    if (stored.data) setDraft(draftFromSpec(stored.data.spec));
  }, [stored.isPending, stored.isError, stored.data]);
  useEffect(() => {
    if (!preset && image.data) setPreset(image.data.preset ?? "instagram_square");
  }, [image.data, preset]);

  const kit = kits.data?.find((k) => k.id === draft.brandKitId) ?? null;
  const spec = useMemo(() => specFromDraft(draft), [draft]);
  const settled = useSettled(spec, specKey(spec), DEBOUNCE_MS);
  const preview = useOverlayPreview(imageId, preset, settled);
  const pictureUrl = useObjectUrl(preview.data?.png);
  const layout = useMemo(() => readLayout(preview.data?.layout ?? null), [preview.data]);
  const warnings = overlayWarnings(layout, draft.scrim);
  const sizePresets = useSizePresets();
  const presets = useMemo(() => ({ flat: sizePresets.data ?? [], groups: groupByChannel(sizePresets.data ?? []) }), [sizePresets.data]);
  const update = (patch: Partial<OverlayDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const dirty = loaded.current && specKey(spec) !== specKey(stored.data?.spec ?? null);

  if (image.isPending || stored.isPending) {
    return (
      <div className="grid gap-4 lg:grid-cols-[minmax(0,26rem)_minmax(0,1fr)]" aria-busy="true">
        <Skeleton className="h-[32rem]" />
        <Skeleton className="h-[32rem]" />
      </div>
    );
  }
  if (image.isError) {
    if (image.error instanceof ApiError && image.error.status === 404) {
      return <StateMessage kind="empty" title={t("notFoundTitle")} description={t("notFoundBody")} action={<Button asChild variant="outline"><Link href="/gallery">{t("backToGallery")}</Link></Button>} />;
    }
    return <QueryError error={image.error} title={t("loadError")} onRetry={() => void image.refetch()} />;
  }
  if (stored.isError) return <QueryError error={stored.error} title={t("loadError")} onRetry={() => void stored.refetch()} />;
  const img = image.data;

  async function saveOverlay(): Promise<boolean> {
    if (!spec) return false;
    try {
      await save.mutateAsync({ imageId, spec });
      return true;
    } catch (error) {
      toast(describeError(te, error), "error");
      return false;
    }
  }

  async function exportFile() {
    if (!preset) return;
    setExporting(true);
    try {
      if (dirty && !(await saveOverlay())) return;
      await downloadOverlayExport(api, imageId, preset);
    } catch (error) {
      toast(describeError(te, error), "error");
    } finally {
      setExporting(false);
    }
  }

  const selected = presets.flat.find((p) => p.id === preset);
  return (
    <div className="grid gap-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="flex items-center gap-2">
          <Button asChild variant="ghost" size="sm">
            <Link href="/gallery">
              <ArrowLeft aria-hidden="true" />
              {t("backToGallery")}
            </Link>
          </Button>
          <h1 className="text-2xl font-bold tracking-tight">{t("title")}</h1>
        </div>
        <div className="flex flex-wrap items-center gap-1.5">
          {dirty ? <span className="text-xs text-muted-foreground" aria-live="polite">{t("unsaved")}</span> : null}
          {stored.data ? (
            <Button
              variant="ghost"
              size="sm"
              disabled={remove.isPending}
              onClick={() =>
                remove.mutate(imageId, {
                  onSuccess: () => {
                    setDraft(EMPTY_DRAFT);
                    toast(t("removed"));
                  },
                  onError: (error) => toast(describeError(te, error), "error"),
                })
              }
            >
              <Trash2 aria-hidden="true" />
              {t("remove")}
            </Button>
          ) : null}
          <Button variant="outline" size="sm" disabled={!spec || save.isPending} onClick={() => void saveOverlay().then((ok) => ok && toast(tc("saved")))}>
            {save.isPending ? <Spinner /> : <Save aria-hidden="true" />}
            {tc("save")}
          </Button>
          <Button size="sm" disabled={!spec || !preset || exporting} onClick={() => void exportFile()}>
            {exporting ? <Spinner /> : <Download aria-hidden="true" />}
            {t("export", { size: selected ? pixels(selected.width, selected.height) : "" })}
          </Button>
        </div>
      </div>

      <div className="grid gap-4 lg:grid-cols-[minmax(0,26rem)_minmax(0,1fr)]">
        <Card>
          <CardContent className="grid gap-4 pt-5">
            <Field label={t("channel")} hint={selected ? t("channelHint", { size: pixels(selected.width, selected.height) }) : undefined}>
              <Select value={preset ?? ""} onChange={(e) => setPreset(e.target.value)}>
                {presets.groups.map((group) => (
                  <optgroup key={group.channel} label={knownChannel(group.channel) ? tg(`channels.${group.channel}`) : group.channel}>
                    {group.presets.map((p) => (
                      <option key={p.id} value={p.id}>
                        {presetName(p, locale)} · {pixels(p.width, p.height)}
                      </option>
                    ))}
                  </optgroup>
                ))}
              </Select>
            </Field>

            {kits.isError ? (
              <p className="text-xs text-destructive">{describeError(te, kits.error)}</p>
            ) : (
              <Field label={t("brandKit")} hint={kits.data?.length === 0 ? t("noKits") : t("brandKitHint")}>
                <Select value={draft.brandKitId ?? ""} disabled={!kits.data} onChange={(e) => setDraft((d) => applyKit(d, kits.data?.find((k) => k.id === e.target.value) ?? null))}>
                  <option value="">{t("noKit")}</option>
                  {kits.data?.map((k) => (
                    <option key={k.id} value={k.id}>
                      {k.name}
                    </option>
                  ))}
                </Select>
              </Field>
            )}

            <Labelled label={t("headline")} count={<Counter value={draft.headline} max={HEADLINE_MAX} />}>
              <Textarea
                aria-label={t("headline")}
                rows={2}
                value={draft.headline}
                onChange={(e) => update({ headline: e.target.value })}
                placeholder={t("headlinePlaceholder")}
                data-testid="overlay-headline"
              />
            </Labelled>
            <Labelled label={t("subCopy")} count={<Counter value={draft.subCopy} max={SUB_COPY_MAX} />}>
              <Textarea aria-label={t("subCopy")} rows={2} value={draft.subCopy} onChange={(e) => update({ subCopy: e.target.value })} placeholder={t("subCopyPlaceholder")} />
            </Labelled>
            <Labelled label={t("cta")} count={<Counter value={draft.cta} max={CTA_MAX} />}>
              <Input aria-label={t("cta")} value={draft.cta} onChange={(e) => update({ cta: e.target.value })} placeholder={t("ctaPlaceholder")} />
            </Labelled>

            <Segmented name="placement" label={t("placement")} value={draft.placement} onChange={(placement) => update({ placement })} options={PLACEMENTS.map((p) => ({ value: p, label: t(`placements.${p}`) }))} />
            <Segmented name="align" label={t("align")} value={draft.align} onChange={(align) => update({ align })} options={ALIGNS.map((a) => ({ value: a, label: t(`aligns.${a}`) }))} />

            <div className="grid gap-3 rounded-md border p-3">
              <p className="text-sm font-medium">{t("colours")}</p>
              <SwatchPicker name="text-colour" label={t("textColour")} value={draft.textColour} kit={kit} onChange={(textColour) => update({ textColour })} />
              <SwatchPicker
                name="button-colour"
                label={t("buttonColour")}
                value={draft.buttonColour}
                kit={kit}
                onChange={(buttonColour) => update({ buttonColour, buttonTextColour: bestOn(buttonColour, swatches(kit).map((s) => s.hex)) })}
              />
              <Field label={t("scrim")} hint={t("scrimHint")}>
                <Select value={draft.scrim} onChange={(e) => update({ scrim: e.target.value as OverlayDraft["scrim"] })}>
                  {SCRIMS.map((s) => (
                    <option key={s} value={s}>
                      {t(`scrims.${s}`)}
                    </option>
                  ))}
                </Select>
              </Field>
            </div>

            {kit ? (
              <>
                <fieldset className="grid gap-1.5">
                  <legend className="mb-1 text-sm font-medium">{t("logo")}</legend>
                  <div className="flex flex-wrap gap-2">
                    <label className="relative flex h-12 cursor-pointer items-center rounded-md border px-3 text-xs has-[:checked]:border-primary has-[:checked]:ring-1 has-[:checked]:ring-primary has-[:focus-visible]:ring-2">
                      <input type="radio" name="logo" checked={!draft.logoId} onChange={() => update({ logoId: null })} className="absolute inset-0 cursor-pointer opacity-0" />
                      {t("noLogo")}
                    </label>
                    {kit.logos.map((logo, i) => (
                      <label key={logo.id} className="relative flex h-12 cursor-pointer items-center rounded-md border bg-[repeating-conic-gradient(#e5e7eb_0_25%,#fff_0_50%)] bg-[length:12px_12px] px-2 has-[:checked]:border-primary has-[:checked]:ring-1 has-[:checked]:ring-primary has-[:focus-visible]:ring-2">
                        <input type="radio" name="logo" checked={draft.logoId === logo.id} onChange={() => update({ logoId: logo.id })} className="absolute inset-0 cursor-pointer opacity-0" aria-label={t("logoN", { n: i + 1 })} />
                        {/* eslint-disable-next-line @next/next/no-img-element -- signed, expiring URL */}
                        <img src={logo.url} alt="" className="max-h-10 max-w-24 object-contain" />
                      </label>
                    ))}
                  </div>
                </fieldset>
                <Field label={t("font")}>
                  <Select value={draft.fontId ?? ""} onChange={(e) => update({ fontId: e.target.value || null })}>
                    <option value="">{t("bundledFont")}</option>
                    {kit.fonts.map((f) => (
                      <option key={f.id} value={f.id}>
                        {f.family} {f.style}
                      </option>
                    ))}
                  </Select>
                </Field>
              </>
            ) : null}
          </CardContent>
        </Card>

        <div className="grid content-start gap-3">
          <div className="relative flex min-h-64 items-center justify-center overflow-hidden rounded-md border bg-muted" data-testid="overlay-preview" aria-busy={preview.isFetching}>
            {!spec ? (
              <div className="grid justify-items-center gap-2 p-3">
                {/* eslint-disable-next-line @next/next/no-img-element -- signed, expiring URL */}
                <img src={img.url} alt={t("originalAlt")} className="max-h-[50dvh] w-auto object-contain opacity-60" />
                <p className="text-sm text-muted-foreground">{draft.headline.trim() ? t("overLimit") : t("writeHeadline")}</p>
              </div>
            ) : pictureUrl ? (
              // eslint-disable-next-line @next/next/no-img-element -- a blob URL of the server's render
              <img
                src={pictureUrl}
                alt={t("previewAlt", { headline: settled?.headline ?? "" })}
                className={cn("max-h-[70dvh] w-auto object-contain transition-opacity", preview.isFetching && "opacity-70")}
                data-testid="overlay-preview-image"
                data-layout-width={layout?.width}
                data-layout-height={layout?.height}
              />
            ) : preview.isError ? (
              <div className="grid justify-items-center gap-2 p-6 text-center">
                <ImageOff aria-hidden="true" className="size-8 text-muted-foreground" />
                <p className="text-sm text-destructive">{describeError(te, preview.error)}</p>
              </div>
            ) : (
              <Skeleton className="h-80 w-full" />
            )}
            {preview.isFetching ? (
              <span className="absolute right-2 top-2 inline-flex items-center gap-1 rounded bg-background/90 px-2 py-1 text-xs">
                <Spinner />
                {t("rendering")}
              </span>
            ) : null}
          </div>
          {spec && preview.isError && pictureUrl ? (
            <Alert variant="destructive">
              <AlertDescription>{describeError(te, preview.error)}</AlertDescription>
            </Alert>
          ) : null}
          <p className="text-xs text-muted-foreground">{t("previewNote")}</p>
          {warnings.length ? (
            <Alert variant="warning" data-testid="overlay-warnings">
              <AlertTriangle aria-hidden="true" className="size-4" />
              <AlertTitle>{t("warningsTitle")}</AlertTitle>
              <AlertDescription>
                <ul className="list-disc pl-4">
                  {warnings.map((w, i) => (
                    <Warning key={i} warning={w} />
                  ))}
                </ul>
              </AlertDescription>
            </Alert>
          ) : null}
          {img.review_status !== "approved" ? <p className="text-xs text-muted-foreground">{t("draftMark")}</p> : null}
          <ReviewPanel imageId={imageId} status={img.review_status} isOwner />
        </div>
      </div>
    </div>
  );
}
