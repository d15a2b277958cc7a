"use client";

import { Minus, Palette, Plus } from "lucide-react";
import { useMemo } from "react";
import { useTranslations } from "use-intl";

import { useBrandKits, type BrandKitOut } from "@zimage/web/api";
import { describeError } from "@zimage/web/i18n";
import { Badge } from "@zimage/web/ui/badge";
import { Label } from "@zimage/web/ui/label";
import { Select } from "@zimage/web/ui/select";
import { Skeleton } from "@zimage/web/ui/skeleton";

import { previewGuidance } from "@/lib/brand-guidance";

export function KitSwatches({ kit, size = "sm" }: { kit: Pick<BrandKitOut, "colours">; size?: "sm" | "md" }) {
  const t = useTranslations("brandKit");
  return (
    <ul className="flex flex-wrap gap-1" aria-label={t("colours")}>
      {kit.colours.map((c) => (
        <li key={c.role} className="flex items-center gap-1 text-[11px] text-muted-foreground">
          <span
            aria-hidden="true"
            className={size === "sm" ? "size-4 rounded-sm border" : "size-6 rounded border"}
            style={{ backgroundColor: c.hex }}
          />
          <span>
            {t(`roles.${c.role}`)} {c.hex}
          </span>
        </li>
      ))}
    </ul>
  );
}

/**
 * Generate's brand kit choice. The server applies the kit's prompt guidance; this shows beforehand which of its
 * style words will be appended and which avoid words will come out of the prompt as written.
 */
export function BrandKitPicker({
  value,
  onChange,
  prompt,
  hasTemplate,
}: {
  value: string | null;
  onChange: (id: string | null) => void;
  prompt: string;
  hasTemplate: boolean;
}) {
  const t = useTranslations("brandKit");
  const te = useTranslations("errors");
  const kits = useBrandKits();
  const kit = kits.data?.find((k) => k.id === value) ?? null;
  const guidance = useMemo(() => (kit ? previewGuidance(prompt, kit) : null), [kit, prompt]);

  if (kits.isPending) return <Skeleton className="h-16" />;
  if (kits.isError) return <p className="text-sm text-destructive">{describeError(te, kits.error)}</p>;
  return (
    <div className="grid gap-1.5" data-testid="brand-kit-picker">
      <Label htmlFor="brand-kit">{t("label")}</Label>
      {kits.data.length === 0 ? (
        <p className="rounded-md border border-dashed px-3 py-2 text-xs text-muted-foreground">{t("noneYet")}</p>
      ) : (
        <Select id="brand-kit" value={value ?? ""} onChange={(e) => onChange(e.target.value || null)} aria-describedby="brand-kit-hint">
          <option value="">{t("noKit")}</option>
          {kits.data.map((k) => (
            <option key={k.id} value={k.id}>
              {k.name}
            </option>
          ))}
        </Select>
      )}
      {kit && guidance ? (
        <div id="brand-kit-hint" className="grid gap-2 rounded-md bg-muted/60 p-2.5 text-xs" data-testid="brand-guidance">
          <KitSwatches kit={kit} />
          <div className="flex flex-wrap items-center gap-1">
            <span className="inline-flex items-center gap-1 font-medium">
              <Plus aria-hidden="true" className="size-3" />
              {t("willAdd")}
            </span>
            {guidance.added.length ? (
              guidance.added.map((w) => (
                <Badge key={w} variant="success">
                  {w}
                </Badge>
              ))
            ) : (
              <span className="text-muted-foreground">{t("nothingToAdd")}</span>
            )}
          </div>
          <div className="flex flex-wrap items-center gap-1">
            <span className="inline-flex items-center gap-1 font-medium">
              <Minus aria-hidden="true" className="size-3" />
              {t("willRemove")}
            </span>
            {guidance.removed.length ? (
              guidance.removed.map((w) => (
                <Badge key={w} variant="destructive">
                  {w}
                </Badge>
              ))
            ) : (
              <span className="text-muted-foreground">{t("nothingToRemove")}</span>
            )}
          </div>
          <p className="text-muted-foreground">{hasTemplate ? t("serverSideTemplate") : t("serverSide")}</p>
        </div>
      ) : (
        <p id="brand-kit-hint" className="inline-flex items-center gap-1 text-xs text-muted-foreground">
          <Palette aria-hidden="true" className="size-3" />
          {t("hint")}
        </p>
      )}
    </div>
  );
}

/** What a kit did to an image's prompt, as recorded at submit (`brand_guidance` on the task and the image). */
export function BrandGuidanceLine({ guidance }: { guidance: Record<string, unknown> }) {
  const t = useTranslations("brandKit");
  const words = (key: string) => (Array.isArray(guidance[key]) ? (guidance[key] as unknown[]).map(String) : []);
  const added = words("style_words_added");
  const removed = words("avoid_words_removed");
  return (
    <span className="grid gap-1" data-testid="brand-guidance-applied">
      <span>{t("applied", { name: String(guidance.brand_kit_name ?? "") })}</span>
      {added.length || removed.length ? (
        <span className="flex flex-wrap gap-1">
          {added.map((w) => (
            <Badge key={`+${w}`} variant="success">+{w}</Badge>
          ))}
          {removed.map((w) => (
            <Badge key={`-${w}`} variant="destructive">−{w}</Badge>
          ))}
        </span>
      ) : null}
    </span>
  );
}
