"use client";

import { Plus } from "lucide-react";
import { useState } from "react";
import { useLocale, useTranslations } from "use-intl";

import { usePromptPresets } from "@zimage/web/api";
import { Button } from "@zimage/web/ui/button";
import { Skeleton } from "@zimage/web/ui/skeleton";

const FIRST = 10;

/** Style snippets as chips; a click appends the snippet to the prompt (once). */
export function PromptPresetChips({ prompt, onAppend }: { prompt: string; onAppend: (prompt: string) => void }) {
  const t = useTranslations("generate");
  const locale = useLocale();
  const presets = usePromptPresets();
  const [all, setAll] = useState(false);
  if (presets.isPending) return <Skeleton className="h-8 w-full" />;
  if (presets.isError || !presets.data.length) return null;
  const shown = all ? presets.data : presets.data.slice(0, FIRST);
  return (
    <div className="grid gap-1.5">
      <p className="text-xs font-semibold text-muted-foreground" id="preset-chips-label">
        {t("styleChips")}
      </p>
      <div role="group" aria-labelledby="preset-chips-label" className="flex flex-wrap gap-1.5">
        {shown.map((preset) => {
          const added = prompt.includes(preset.snippet);
          return (
            <Button
              key={preset.id}
              size="sm"
              variant={added ? "secondary" : "outline"}
              className="rounded-full"
              disabled={added}
              title={preset.snippet}
              onClick={() => onAppend(prompt.trim() ? `${prompt.trim().replace(/[,\s]+$/, "")}, ${preset.snippet}` : preset.snippet)}
            >
              <Plus aria-hidden="true" />
              {locale === "ko" ? preset.label_ko : preset.label_en}
            </Button>
          );
        })}
        {presets.data.length > FIRST ? (
          <Button size="sm" variant="ghost" className="rounded-full" aria-expanded={all} onClick={() => setAll((v) => !v)}>
            {all ? t("fewerStyles") : t("moreStyles", { count: presets.data.length - FIRST })}
          </Button>
        ) : null}
      </div>
    </div>
  );
}
