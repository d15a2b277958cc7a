"use client";

import { useEffect, useState } from "react";
import { useLocale, useTranslations } from "use-intl";

import { useTemplatePreview, type TemplateOut } from "@zimage/web/api";
import { describeError } from "@zimage/web/i18n";
import { Field } from "@zimage/web/ui/field";
import { Input } from "@zimage/web/ui/input";
import { Select } from "@zimage/web/ui/select";
import { Skeleton } from "@zimage/web/ui/skeleton";

import { cleanValues, validateValues, type VariableError } from "@/lib/template-form";

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

export function TemplateSelect({
  templates,
  value,
  onChange,
  disabled,
}: {
  templates: readonly TemplateOut[];
  value: string | null;
  onChange: (template: TemplateOut | null) => void;
  disabled?: boolean;
}) {
  const t = useTranslations("generate");
  const tc = useTranslations("templates");
  const locale = useLocale();
  const categories = [...new Set(templates.map((tpl) => tpl.category))];
  return (
    <Field label={t("template")} hint={t("templateHint")}>
      <Select
        value={value ?? ""}
        disabled={disabled}
        onChange={(e) => onChange(templates.find((tpl) => tpl.id === e.target.value) ?? null)}
      >
        <option value="">{t("noTemplate")}</option>
        {categories.map((category) => (
          <optgroup key={category} label={tc(`categories.${category}`)}>
            {templates
              .filter((tpl) => tpl.category === category)
              .map((tpl) => (
                <option key={tpl.id} value={tpl.id}>
                  {locale === "ko" ? tpl.name_ko : tpl.name_en}
                </option>
              ))}
          </optgroup>
        ))}
      </Select>
    </Field>
  );
}

/** One input per template variable, errors in place, and the expanded prompt as the server makes it. */
export function TemplateVariablesForm({
  template,
  values,
  errors,
  onChange,
}: {
  template: TemplateOut;
  values: Record<string, string>;
  errors: Record<string, VariableError>;
  onChange: (values: Record<string, string>) => void;
}) {
  const t = useTranslations("generate");
  const te = useTranslations("errors");
  const locale = useLocale();
  const settled = useDebounced(values, 300);
  // The server refuses to expand a template with a required field empty: show the pattern until then.
  const complete = !Object.values(validateValues(template.variables, settled)).includes("required");
  const preview = useTemplatePreview(complete ? template.id : null, cleanValues(template.variables, settled));
  const description = locale === "ko" ? template.description_ko : template.description_en;
  return (
    <div className="grid gap-3 rounded-md border bg-muted/40 p-3" data-testid="template-form">
      {description ? <p className="text-sm text-muted-foreground">{description}</p> : null}
      {template.variables.map((variable) => {
        const error = errors[variable.name];
        const required = (variable.required ?? true) && !variable.default;
        return (
          <Field
            key={variable.name}
            label={`${locale === "ko" ? variable.label_ko : variable.label_en}${required ? " *" : ""}`}
            hint={variable.default && !(values[variable.name] ?? "").trim() ? t("variableDefault", { value: variable.default }) : undefined}
            error={error ? t(`variableErrors.${error}`, { max: variable.max_length ?? 100 }) : undefined}
          >
            <Input
              name={`var-${variable.name}`}
              value={values[variable.name] ?? ""}
              placeholder={variable.default ?? ""}
              aria-required={required}
              onChange={(e) => onChange({ ...values, [variable.name]: e.target.value })}
            />
          </Field>
        );
      })}
      <div className="grid gap-1">
        <p className="text-xs font-semibold text-muted-foreground">{t("expandedPrompt")}</p>
        {!complete ? (
          <p className="text-xs text-muted-foreground" data-testid="template-preview-pending">
            {t("previewNeedsValues")}
            <span className="mt-1 block whitespace-pre-wrap rounded bg-background p-2 font-mono text-[11px]">{template.pattern}</span>
          </p>
        ) : preview.isPending ? (
          <Skeleton className="h-10" />
        ) : preview.isError ? (
          <p className="text-xs text-destructive">{describeError(te, preview.error)}</p>
        ) : (
          <p className="whitespace-pre-wrap rounded bg-background p-2 text-sm" data-testid="template-preview" aria-live="polite">
            {preview.data?.prompt}
          </p>
        )}
      </div>
    </div>
  );
}
