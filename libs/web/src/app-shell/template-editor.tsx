"use client";

import { Plus, Trash2 } from "lucide-react";
import { useEffect, useState, type FormEvent } from "react";
import { useLocale, useTranslations } from "use-intl";

import {
  useCreateTemplate,
  useSizePresets,
  useUpdateTemplate,
  type TemplateCategory,
  type TemplateOut,
  type TemplateVariable,
} from "../api";
import { describeError } from "../i18n";
import { DEFAULT_PRESET, PROMPT_MAX } from "../lib/limits";
import { patternVariables, templateProblems, type TemplateProblem } from "../lib/template-pattern";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Checkbox } from "../ui/checkbox";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "../ui/dialog";
import { Field } from "../ui/field";
import { Input } from "../ui/input";
import { Select } from "../ui/select";
import { Spinner } from "../ui/spinner";
import { Textarea } from "../ui/textarea";
import { toast } from "../ui/toaster";

export const CATEGORIES: TemplateCategory[] = [
  "product", "social", "event", "promotion", "food", "beauty", "fashion", "interior", "tech", "other",
];

interface Form {
  name_ko: string;
  name_en: string;
  description_ko: string;
  description_en: string;
  category: TemplateCategory;
  pattern: string;
  default_preset: string;
  variables: TemplateVariable[];
}

const blank: Form = {
  name_ko: "",
  name_en: "",
  description_ko: "",
  description_en: "",
  category: "other",
  pattern: "",
  default_preset: DEFAULT_PRESET,
  variables: [],
};

function fromTemplate(template: TemplateOut | null): Form {
  if (!template) return blank;
  const { name_ko, name_en, description_ko, description_en, category, pattern, default_preset, variables } = template;
  return { name_ko, name_en, description_ko, description_en, category, pattern, default_preset, variables };
}

/**
 * Create or edit a template: the user's own, or with `scope="shared"` the team's (admin-ui). The titles and
 * description come from the app's "templateEditor" messages.
 */
export function TemplateEditor({
  template,
  open,
  onOpenChange,
  scope,
}: {
  template: TemplateOut | null;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  scope?: "shared";
}) {
  const t = useTranslations("templateEditor");
  const tt = useTranslations("templates");
  const tc = useTranslations("common");
  const te = useTranslations("errors");
  const locale = useLocale();
  const presets = useSizePresets();
  const create = useCreateTemplate();
  const update = useUpdateTemplate();
  const [form, setForm] = useState<Form>(() => fromTemplate(template));
  const [problems, setProblems] = useState<TemplateProblem[]>([]);
  const busy = create.isPending || update.isPending;
  const error = create.error ?? update.error;

  useEffect(() => {
    if (open) {
      setForm(fromTemplate(template));
      setProblems([]);
      create.reset();
      update.reset();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open, template]);

  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));
  const setVariable = (index: number, patch: Partial<TemplateVariable>) =>
    setForm((f) => ({ ...f, variables: f.variables.map((v, i) => (i === index ? { ...v, ...patch } : v)) }));

  function addMissingVariables() {
    const declared = new Set(form.variables.map((v) => v.name));
    const missing = patternVariables(form.pattern).filter((name) => !declared.has(name));
    setForm((f) => ({
      ...f,
      variables: [...f.variables, ...missing.map((name) => ({ name, label_ko: name, label_en: name, required: true, max_length: 100 }))],
    }));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found = templateProblems(form);
    setProblems(found);
    if (found.length) return;
    const variables = form.variables.map((v) => ({
      ...v,
      label_ko: v.label_ko.trim() || v.label_en.trim(),
      label_en: v.label_en.trim() || v.label_ko.trim(),
      default: v.default?.trim() || null,
    }));
    const body = {
      category: form.category,
      name_ko: form.name_ko.trim() || form.name_en.trim(),
      name_en: form.name_en.trim() || form.name_ko.trim(),
      description_ko: form.description_ko.trim(),
      description_en: form.description_en.trim(),
      pattern: form.pattern.trim(),
      default_preset: form.default_preset,
      variables,
    };
    try {
      if (template) await update.mutateAsync({ id: template.id, body });
      else await create.mutateAsync(scope ? { ...body, scope } : body);
      toast(tc("saved"));
      onOpenChange(false);
    } catch {
      // shown below from the mutation's error
    }
  }

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent wide closeLabel={tc("close")}>
        <DialogHeader>
          <DialogTitle>{template ? t("editTitle") : t("createTitle")}</DialogTitle>
          <DialogDescription>{t("description")}</DialogDescription>
        </DialogHeader>
        <form onSubmit={submit} noValidate className="grid gap-4">
          {error ? <Alert variant="destructive">{describeError(te, error)}</Alert> : null}
          {problems.length ? (
            <Alert variant="destructive">
              <ul className="list-disc pl-4">
                {problems.map((p) => (
                  <li key={p}>{t(`problems.${p}`)}</li>
                ))}
              </ul>
            </Alert>
          ) : null}
          <div className="grid gap-3 sm:grid-cols-2">
            <Field label={t("nameKo")}>
              <Input value={form.name_ko} onChange={(e) => set("name_ko", e.target.value)} maxLength={100} />
            </Field>
            <Field label={t("nameEn")}>
              <Input value={form.name_en} onChange={(e) => set("name_en", e.target.value)} maxLength={100} />
            </Field>
            <Field label={t("descriptionKo")}>
              <Input value={form.description_ko} onChange={(e) => set("description_ko", e.target.value)} maxLength={500} />
            </Field>
            <Field label={t("descriptionEn")}>
              <Input value={form.description_en} onChange={(e) => set("description_en", e.target.value)} maxLength={500} />
            </Field>
            <Field label={t("category")}>
              <Select value={form.category} onChange={(e) => set("category", e.target.value as TemplateCategory)}>
                {CATEGORIES.map((c) => (
                  <option key={c} value={c}>
                    {tt(`categories.${c}`)}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label={t("defaultPreset")}>
              <Select value={form.default_preset} onChange={(e) => set("default_preset", e.target.value)}>
                {presets.data ? (
                  presets.data.map((p) => (
                    <option key={p.id} value={p.id}>
                      {locale === "ko" ? p.name_ko : p.name_en} ({p.width}×{p.height})
                    </option>
                  ))
                ) : (
                  <option value={form.default_preset}>{form.default_preset}</option>
                )}
              </Select>
            </Field>
          </div>
          <Field label={t("pattern")} hint={t("patternHint")}>
            <Textarea value={form.pattern} onChange={(e) => set("pattern", e.target.value)} maxLength={PROMPT_MAX} rows={3} />
          </Field>
          <fieldset className="grid gap-2">
            <legend className="mb-1 text-sm font-medium">{t("variables")}</legend>
            {form.variables.length === 0 ? <p className="text-xs text-muted-foreground">{t("noVariables")}</p> : null}
            {form.variables.map((variable, index) => (
              <div key={index} className="grid gap-2 rounded-md border p-2 sm:grid-cols-[8rem_1fr_1fr_1fr_auto_auto] sm:items-end" data-testid="variable-row">
                <Field label={t("varName")}>
                  <Input value={variable.name} onChange={(e) => setVariable(index, { name: e.target.value })} className="font-mono" />
                </Field>
                <Field label={t("varLabelKo")}>
                  <Input value={variable.label_ko} onChange={(e) => setVariable(index, { label_ko: e.target.value })} maxLength={60} />
                </Field>
                <Field label={t("varLabelEn")}>
                  <Input value={variable.label_en} onChange={(e) => setVariable(index, { label_en: e.target.value })} maxLength={60} />
                </Field>
                <Field label={t("varDefault")}>
                  <Input value={variable.default ?? ""} onChange={(e) => setVariable(index, { default: e.target.value })} maxLength={500} />
                </Field>
                <label className="flex h-10 items-center gap-2 text-sm">
                  <Checkbox checked={variable.required ?? true} onCheckedChange={(v) => setVariable(index, { required: v === true })} />
                  {t("varRequired")}
                </label>
                <Button
                  variant="ghost"
                  size="icon"
                  aria-label={t("removeVariable", { name: variable.name || String(index + 1) })}
                  onClick={() => setForm((f) => ({ ...f, variables: f.variables.filter((_, i) => i !== index) }))}
                >
                  <Trash2 aria-hidden="true" />
                </Button>
              </div>
            ))}
            <div className="flex flex-wrap gap-2">
              <Button
                size="sm"
                variant="outline"
                onClick={() =>
                  setForm((f) => ({ ...f, variables: [...f.variables, { name: "", label_ko: "", label_en: "", required: true, max_length: 100 }] }))
                }
              >
                <Plus aria-hidden="true" />
                {t("addVariable")}
              </Button>
              <Button size="sm" variant="outline" onClick={addMissingVariables}>
                {t("fromPattern")}
              </Button>
            </div>
          </fieldset>
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
