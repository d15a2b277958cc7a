"use client";

import { Crop } from "lucide-react";
import { useState } from "react";
import { useLocale, useTranslations } from "use-intl";

import { downloadExport, useApi, useSizePresets } from "@zimage/web/api";
import { describeError } from "@zimage/web/i18n";
import { Button, type ButtonProps } from "@zimage/web/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuTrigger,
} from "@zimage/web/ui/dropdown-menu";
import { Spinner } from "@zimage/web/ui/spinner";
import { toast } from "@zimage/web/ui/toaster";

import { groupByChannel, knownChannel, pixels, presetName } from "@/lib/sizes";

/** Download the image at another channel's exact pixels (rendered by gallery-service). */
export function ExportMenu({ imageId, size = "sm", variant = "outline" }: { imageId: string } & Pick<ButtonProps, "size" | "variant">) {
  const t = useTranslations("exportMenu");
  const tg = useTranslations("generate");
  const te = useTranslations("errors");
  const locale = useLocale();
  const api = useApi();
  const presets = useSizePresets();
  const [busy, setBusy] = useState(false);

  async function run(presetId: string) {
    setBusy(true);
    try {
      await downloadExport(api, imageId, presetId);
    } catch (error) {
      toast(describeError(te, error), "error");
    } finally {
      setBusy(false);
    }
  }

  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button size={size} variant={variant} disabled={busy || !presets.data}>
          {busy ? <Spinner /> : <Crop aria-hidden="true" />}
          {t("button")}
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="max-h-80 overflow-y-auto">
        {groupByChannel(presets.data ?? []).map((group) => (
          <div key={group.channel}>
            <DropdownMenuLabel>{(knownChannel(group.channel) ? tg(`channels.${group.channel}`) : group.channel)}</DropdownMenuLabel>
            {group.presets.map((preset) => (
              <DropdownMenuItem key={preset.id} onSelect={() => void run(preset.id)} data-preset={preset.id}>
                <span className="flex-1">{presetName(preset, locale)}</span>
                <span className="tabular-nums text-muted-foreground">{pixels(preset.width, preset.height)}</span>
              </DropdownMenuItem>
            ))}
          </div>
        ))}
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
