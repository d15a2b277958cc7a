"use client";

import { useLocale, useTranslations } from "use-intl";

import type { SizePresetOut } from "@zimage/web/api";
import { cn } from "@zimage/web/lib/cn";

import { groupByChannel, knownChannel, isResized, pixels, presetName, shapeBox } from "@/lib/sizes";

/** Channel sizes as radio buttons: each shows its shape, exact output pixels and aspect ratio. */
export function SizePicker({
  presets,
  value,
  onChange,
}: {
  presets: readonly SizePresetOut[];
  value: string;
  onChange: (id: string) => void;
}) {
  const t = useTranslations("generate");
  const locale = useLocale();
  const selected = presets.find((p) => p.id === value);
  return (
    <fieldset className="grid gap-3">
      <legend className="mb-2 text-sm font-medium">{t("size")}</legend>
      {groupByChannel(presets).map((group) => (
        <div key={group.channel} role="group" aria-label={(knownChannel(group.channel) ? t(`channels.${group.channel}`) : group.channel)} className="grid gap-1.5">
          <p aria-hidden="true" className="text-xs font-semibold uppercase tracking-wide text-muted-foreground">
            {(knownChannel(group.channel) ? t(`channels.${group.channel}`) : group.channel)}
          </p>
          <div className="grid grid-cols-2 gap-2 sm:grid-cols-3 lg:grid-cols-2">
            {group.presets.map((preset) => {
              const shape = shapeBox(preset.width, preset.height, 28);
              const name = presetName(preset, locale);
              return (
                <label
                  key={preset.id}
                  className={cn(
                    "relative flex cursor-pointer items-center gap-2 rounded-md border p-2 text-left text-xs transition-colors hover:bg-accent",
                    "has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-ring has-[:checked]:border-primary has-[:checked]:bg-accent",
                  )}
                >
                  <input
                    type="radio"
                    name="size-preset"
                    value={preset.id}
                    checked={value === preset.id}
                    onChange={() => onChange(preset.id)}
                    className="absolute inset-0 cursor-pointer opacity-0"
                    aria-label={`${name}, ${pixels(preset.width, preset.height)}, ${preset.aspect}`}
                  />
                  <span aria-hidden="true" className="flex size-8 shrink-0 items-center justify-center">
                    <span
                      data-testid={`shape-${preset.id}`}
                      className="block rounded-[2px] border-2 border-primary/70 bg-primary/10"
                      style={{ width: shape.width, height: shape.height }}
                    />
                  </span>
                  <span className="min-w-0">
                    <span className="line-clamp-2 font-medium">{name}</span>
                    <span className="block tabular-nums text-muted-foreground">
                      {pixels(preset.width, preset.height)} · {preset.aspect}
                    </span>
                  </span>
                </label>
              );
            })}
          </div>
        </div>
      ))}
      {selected ? (
        <p className="text-xs text-muted-foreground" data-testid="size-summary">
          {isResized(selected)
            ? t("sizeResized", {
                exact: pixels(selected.width, selected.height),
                generated: pixels(selected.generation_width, selected.generation_height),
              })
            : t("sizeExact", { exact: pixels(selected.width, selected.height) })}
        </p>
      ) : null}
    </fieldset>
  );
}
