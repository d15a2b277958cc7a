"use client";

import { useEffect, useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";

import { useCreatePreset, useUpdatePreset, type PresetCategory, type PresetOut } from "@zimage/web/api";
import { describeError } from "@zimage/web/i18n";
import { Alert } from "@zimage/web/ui/alert";
import { Button } from "@zimage/web/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@zimage/web/ui/dialog";
import { Field } from "@zimage/web/ui/field";
import { Input } from "@zimage/web/ui/input";
import { Select } from "@zimage/web/ui/select";
import { Spinner } from "@zimage/web/ui/spinner";
import { toast } from "@zimage/web/ui/toaster";

export const PRESET_CATEGORIES: PresetCategory[] = ["lighting", "camera", "mood", "palette", "style"];

interface Form {
  label_ko: string;
  label_en: string;
  category: PresetCategory;
  snippet: string;
}

const blank: Form = { label_ko: "", label_en: "", category: "style", snippet: "" };

/** Create or edit a shared style preset (a snippet appended to prompts). */
export function PresetEditor({ preset, open, onOpenChange }: { preset: PresetOut | null; open: boolean; onOpenChange: (open: boolean) => void }) {
  const t = useTranslations("presets");
  const tc = useTranslations("common");
  const te = useTranslations("errors");
  const create = useCreatePreset();
  const update = useUpdatePreset();
  const [form, setForm] = useState<Form>(blank);
  const [problems, setProblems] = useState<{ name?: string; snippet?: string }>({});
  const busy = create.isPending || update.isPending;
  const error = create.error ?? update.error;

  useEffect(() => {
    if (!open) return;
    setForm(preset ? { label_ko: preset.label_ko, label_en: preset.label_en, category: preset.category, snippet: preset.snippet } : blank);
    setProblems({});
    create.reset();
    update.reset();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open, preset]);

  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found = {
      name: form.label_ko.trim() || form.label_en.trim() ? undefined : t("nameRequired"),
      snippet: form.snippet.trim() ? undefined : t("snippetRequired"),
    };
    setProblems(found);
    if (found.name || found.snippet) return;
    const body = {
      category: form.category,
      label_ko: form.label_ko.trim() || form.label_en.trim(),
      label_en: form.label_en.trim() || form.label_ko.trim(),
      snippet: form.snippet.trim(),
    };
    try {
      if (preset) await update.mutateAsync({ id: preset.id, body });
      else await create.mutateAsync({ ...body, scope: "shared" });
      toast(tc("saved"));
      onOpenChange(false);
    } catch {
      // shown below
    }
  }

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent closeLabel={tc("close")}>
        <DialogHeader>
          <DialogTitle>{preset ? t("editTitle") : t("createTitle")}</DialogTitle>
          <DialogDescription>{t("editDescription")}</DialogDescription>
        </DialogHeader>
        <form onSubmit={submit} noValidate className="grid gap-4">
          {error ? <Alert variant="destructive">{describeError(te, error)}</Alert> : null}
          <div className="grid gap-3 sm:grid-cols-2">
            <Field label={t("labelKo")} error={problems.name}>
              <Input value={form.label_ko} onChange={(e) => set("label_ko", e.target.value)} maxLength={60} />
            </Field>
            <Field label={t("labelEn")}>
              <Input value={form.label_en} onChange={(e) => set("label_en", e.target.value)} maxLength={60} />
            </Field>
          </div>
          <Field label={t("category")}>
            <Select value={form.category} onChange={(e) => set("category", e.target.value as PresetCategory)}>
              {PRESET_CATEGORIES.map((c) => (
                <option key={c} value={c}>
                  {t(`categories.${c}`)}
                </option>
              ))}
            </Select>
          </Field>
          <Field label={t("snippet")} hint={t("snippetHint")} error={problems.snippet}>
            <Input value={form.snippet} onChange={(e) => set("snippet", e.target.value)} maxLength={300} />
          </Field>
          <DialogFooter>
            <Button variant="outline" onClick={() => onOpenChange(false)}>
              {tc("cancel")}
            </Button>
            <Button type="submit" disabled={busy}>
              {busy ? <Spinner /> : null}
              {tc("save")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
