"use client";

import { useState } from "react";
import { useLocale, useTranslations } from "use-intl";

import { useDeletePreset, usePresetList, type PresetCategory, type PresetOut } from "@zimage/web/api";
import { Badge } from "@zimage/web/ui/badge";
import { Label } from "@zimage/web/ui/label";
import { Select } from "@zimage/web/ui/select";
import { TableCell } from "@zimage/web/ui/table";

import { LibraryPage, type LibraryScope } from "@/components/library-page";

import { PRESET_CATEGORIES, PresetEditor } from "./preset-editor";

export function PresetsView() {
  const t = useTranslations("presets");
  const locale = useLocale();
  const [scope, setScope] = useState<LibraryScope>("shared");
  const [category, setCategory] = useState<PresetCategory | "">("");
  const presets = usePresetList({ scope, ...(category ? { category } : {}) });
  const remove = useDeletePreset();
  const label = (p: PresetOut) => (locale === "ko" ? p.label_ko : p.label_en);

  return (
    <LibraryPage
      namespace="presets"
      scopesLabel={t("columns.scope")}
      filters={
        <div className="grid gap-1.5">
          <Label htmlFor="preset-category">{t("category")}</Label>
          <Select id="preset-category" className="w-36" value={category} onChange={(e) => setCategory(e.target.value as PresetCategory | "")}>
            <option value="">{t("anyCategory")}</option>
            {PRESET_CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {t(`categories.${c}`)}
              </option>
            ))}
          </Select>
        </div>
      }
      scope={scope}
      onScopeChange={setScope}
      list={presets}
      remove={remove}
      name={label}
      columns={[t("columns.label"), t("columns.category"), t("columns.snippet")]}
      cells={(preset) => (
        <>
          <TableCell className="font-medium">
            {label(preset)}
            <span className="block text-xs font-normal text-muted-foreground">{locale === "ko" ? preset.label_en : preset.label_ko}</span>
          </TableCell>
          <TableCell>
            <Badge variant="secondary">{t(`categories.${preset.category}`)}</Badge>
          </TableCell>
          <TableCell className="max-w-md font-mono text-xs">{preset.snippet}</TableCell>
        </>
      )}
      readOnly={() => t("readOnly")}
      rowTestId="preset-row"
      editor={(preset, open, onOpenChange) => <PresetEditor preset={preset} open={open} onOpenChange={onOpenChange} />}
    />
  );
}
