"use client";

import { Search, SlidersHorizontal, Star, X } from "lucide-react";
import { useEffect, useState } from "react";
import { useLocale, useTranslations } from "use-intl";

import { useSizePresets, useTemplates } from "@zimage/web/api";
import { Button } from "@zimage/web/ui/button";
import { Input } from "@zimage/web/ui/input";
import { Select } from "@zimage/web/ui/select";
import { cn } from "@zimage/web/lib/cn";

import { REVIEW_STATUSES, hasFilters, type GalleryParams } from "@/lib/gallery-filters";
import { pixels, presetName } from "@/lib/sizes";

export function FilterBar({
  params,
  onChange,
  onReset,
}: {
  params: GalleryParams;
  onChange: (patch: Partial<GalleryParams>) => void;
  onReset: () => void;
}) {
  const t = useTranslations("gallery");
  const locale = useLocale();
  const presets = useSizePresets();
  const templates = useTemplates();
  const [q, setQ] = useState(params.q);
  const [open, setOpen] = useState(false);
  const active = [params.favorite, params.review, params.template, params.from, params.to, params.preset].filter(Boolean).length;

  useEffect(() => setQ(params.q), [params.q]);
  useEffect(() => {
    if (q === params.q) return;
    const timer = setTimeout(() => onChange({ q }), 350);
    return () => clearTimeout(timer);
  }, [q, params.q, onChange]);

  return (
    <div className="grid gap-2" role="search" aria-label={t("filters")}>
      <div className="relative">
        <Search aria-hidden="true" className="pointer-events-none absolute left-3 top-1/2 size-4 -translate-y-1/2 text-muted-foreground" />
        <Input
          type="search"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          placeholder={t("searchPlaceholder")}
          aria-label={t("search")}
          className="pl-9"
          maxLength={200}
        />
      </div>
      <Button
        size="sm"
        variant="outline"
        className="justify-self-start md:hidden"
        aria-expanded={open}
        aria-controls="gallery-filters"
        onClick={() => setOpen((v) => !v)}
      >
        <SlidersHorizontal aria-hidden="true" />
        {t("moreFilters", { count: active })}
      </Button>
      <div id="gallery-filters" className={cn("flex-wrap items-center gap-2", open ? "flex" : "hidden md:flex")}>
        <Button
          size="sm"
          variant={params.favorite ? "secondary" : "outline"}
          aria-pressed={params.favorite}
          onClick={() => onChange({ favorite: !params.favorite })}
        >
          <Star aria-hidden="true" className={params.favorite ? "fill-amber-400 text-amber-500" : undefined} />
          {t("favoritesOnly")}
        </Button>
        <Select
          aria-label={t("reviewFilter")}
          className="h-8 w-auto text-xs"
          value={params.review ?? ""}
          onChange={(e) => onChange({ review: (e.target.value || null) as GalleryParams["review"] })}
        >
          <option value="">{t("anyReview")}</option>
          {REVIEW_STATUSES.map((a) => (
            <option key={a} value={a}>
              {t(`review.${a}`)}
            </option>
          ))}
        </Select>
        <Select
          aria-label={t("templateFilter")}
          className="h-8 w-auto max-w-44 text-xs"
          value={params.template ?? ""}
          onChange={(e) => onChange({ template: e.target.value || null })}
        >
          <option value="">{t("anyTemplate")}</option>
          {(templates.data ?? []).map((tpl) => (
            <option key={tpl.id} value={tpl.id}>
              {locale === "ko" ? tpl.name_ko : tpl.name_en}
            </option>
          ))}
        </Select>
        <Select
          aria-label={t("sizeFilter")}
          className="h-8 w-auto max-w-48 text-xs"
          value={params.preset ?? ""}
          onChange={(e) => onChange({ preset: e.target.value || null })}
        >
          <option value="">{t("anySize")}</option>
          {(presets.data ?? []).map((p) => (
            <option key={p.id} value={p.id}>
              {presetName(p, locale)} ({pixels(p.width, p.height)})
            </option>
          ))}
        </Select>
        <label className="inline-flex items-center gap-1 text-xs text-muted-foreground">
          {t("from")}
          <Input type="date" className="h-8 w-auto text-xs" value={params.from ?? ""} onChange={(e) => onChange({ from: e.target.value || null })} />
        </label>
        <label className="inline-flex items-center gap-1 text-xs text-muted-foreground">
          {t("to")}
          <Input type="date" className="h-8 w-auto text-xs" value={params.to ?? ""} onChange={(e) => onChange({ to: e.target.value || null })} />
        </label>
        <Select
          aria-label={t("sort")}
          className="h-8 w-auto text-xs"
          value={params.sort}
          onChange={(e) => onChange({ sort: e.target.value === "oldest" ? "oldest" : "newest" })}
        >
          <option value="newest">{t("newest")}</option>
          <option value="oldest">{t("oldest")}</option>
        </Select>
        {hasFilters(params) ? (
          <Button size="sm" variant="ghost" onClick={onReset}>
            <X aria-hidden="true" />
            {t("resetFilters")}
          </Button>
        ) : null}
      </div>
    </div>
  );
}
