"use client";

import { Dices, Info, Sparkles } from "lucide-react";
import { useRouter, useSearchParams } from "next/navigation";
import { useEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { useTranslations } from "use-intl";

import {
  ApiError,
  useGenerate,
  useSizePresets,
  useTasks,
  useTemplates,
  useUsage,
  type GenerateRequest,
  type TaskOut,
  type TemplateOut,
} from "@zimage/web/api";
import { describeError } from "@zimage/web/i18n";
import { Alert, AlertDescription, AlertTitle } from "@zimage/web/ui/alert";
import { Button } from "@zimage/web/ui/button";
import { Card, CardContent } from "@zimage/web/ui/card";
import { Field } from "@zimage/web/ui/field";
import { Input } from "@zimage/web/ui/input";
import { Label } from "@zimage/web/ui/label";
import { Skeleton } from "@zimage/web/ui/skeleton";
import { Spinner } from "@zimage/web/ui/spinner";
import { StateMessage } from "@zimage/web/ui/state";
import { Textarea } from "@zimage/web/ui/textarea";
import { cn } from "@zimage/web/lib/cn";
import { QueryError } from "@zimage/web/app-shell/query-state";
import { PROMPT_MAX } from "@zimage/web/lib/limits";

import { BrandKitPicker } from "@/components/brand/brand-kit-picker";
import { draftFrom, parseSeed, randomSeed, requestFrom, requestWithNewSeed, useDraft } from "@/lib/draft";
import { cleanValues, initialValues, validateValues, type VariableError } from "@/lib/template-form";

import { PromptPresetChips } from "./prompt-presets";
import { SizePicker } from "./size-picker";
import { TaskCard } from "./task-card";
import { TemplateSelect, TemplateVariablesForm } from "./template-fields";

const COUNTS = [1, 2, 3, 4] as const;

function useQuotaMessage() {
  const t = useTranslations("generate");
  const usage = useUsage();
  return (error: unknown, te: Parameters<typeof describeError>[0]): string => {
    if (!(error instanceof ApiError) || error.code !== "QuotaExceeded") return describeError(te, error);
    const u = usage.data;
    if (u && u.active_tasks >= u.max_active_tasks) return t("quotaActive", { max: u.max_active_tasks });
    if (u) {
      const resets = new Date(u.resets_at).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
      return t("quotaDaily", { used: u.images_today, limit: u.images_per_day, resets });
    }
    return t("quotaGeneric");
  };
}

export function GenerateView() {
  const t = useTranslations("generate");
  const te = useTranslations("errors");
  const router = useRouter();
  const params = useSearchParams();
  const draft = useDraft();
  const presets = useSizePresets();
  const templates = useTemplates();
  const usage = useUsage();
  const history = useTasks({ limit: 6 });
  const generate = useGenerate();
  const quotaMessage = useQuotaMessage();
  const [submitted, setSubmitted] = useState<TaskOut[]>([]);
  const [variableErrors, setVariableErrors] = useState<Record<string, VariableError>>({});
  const [promptError, setPromptError] = useState<string | undefined>();
  const [seedError, setSeedError] = useState<string | undefined>();
  const formRef = useRef<HTMLFormElement>(null);

  const template: TemplateOut | null = useMemo(
    () => templates.data?.find((tpl) => tpl.id === draft.templateId) ?? null,
    [templates.data, draft.templateId],
  );

  // /generate?template=<id> (from the Templates page) selects that template once.
  const templateParam = params.get("template");
  useEffect(() => {
    if (!templateParam || !templates.data) return;
    const chosen = templates.data.find((tpl) => tpl.id === templateParam);
    if (chosen) pickTemplate(chosen);
    router.replace("/generate");
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [templateParam, templates.data]);

  function pickTemplate(chosen: TemplateOut | null) {
    setVariableErrors({});
    draft.update({
      templateId: chosen?.id ?? null,
      templateValues: chosen ? initialValues(chosen.variables) : {},
      ...(chosen ? { preset: chosen.default_preset } : {}),
    });
  }

  const tasks = useMemo(() => {
    const seen = new Set(submitted.map((task) => task.id));
    return [...submitted, ...(history.data?.items ?? []).filter((task) => !seen.has(task.id))];
  }, [submitted, history.data]);

  // Finished tasks come back in the refreshed history with the engine that ran them.
  const demo = [...tasks, ...(history.data?.items ?? [])].some((task) => task.engine?.includes("demo"));

  function submitRequest(request: GenerateRequest) {
    generate.mutate(request, {
      onSuccess: (task) => setSubmitted((list) => [task, ...list]),
    });
  }

  function onSubmit(event?: FormEvent) {
    event?.preventDefault();
    const prompt = draft.prompt.trim();
    const problems = template ? validateValues(template.variables, draft.templateValues) : {};
    setVariableErrors(problems);
    const missingPrompt = !prompt && !template;
    setPromptError(missingPrompt ? t("promptRequired") : prompt.length > PROMPT_MAX ? t("promptTooLong", { max: PROMPT_MAX }) : undefined);
    const badSeed = draft.seedMode === "fixed" && parseSeed(draft.seed) === null;
    setSeedError(badSeed ? t("seedInvalid") : undefined);
    if (missingPrompt || prompt.length > PROMPT_MAX || badSeed || Object.keys(problems).length) return;
    submitRequest(requestFrom(draft, template ? cleanValues(template.variables, draft.templateValues) : {}));
  }

  function onPromptKey(event: KeyboardEvent<HTMLTextAreaElement>) {
    // Not while a Korean syllable is still being composed: it would be sent without its last letter.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.nativeEvent.isComposing) {
      event.preventDefault();
      onSubmit();
    }
  }

  function reuse(task: TaskOut) {
    draft.update(draftFrom(task));
    formRef.current?.scrollIntoView({ behavior: "smooth", block: "start" });
    formRef.current?.querySelector("textarea")?.focus();
  }

  const remaining = usage.data ? Math.max(0, usage.data.images_per_day - usage.data.images_today) : null;

  return (
    <div className="grid gap-6 lg:grid-cols-[minmax(0,500px)_minmax(0,1fr)]">
      <section aria-labelledby="generate-title" className="grid content-start gap-4">
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h1 id="generate-title" className="text-2xl font-bold tracking-tight">
            {t("title")}
          </h1>
          {usage.data ? (
            <p className="text-xs text-muted-foreground" data-testid="usage-line">
              {t("usageLine", { used: usage.data.images_today, limit: usage.data.images_per_day })}
            </p>
          ) : null}
        </div>
        <Card>
          <CardContent className="pt-5">
            <form ref={formRef} onSubmit={onSubmit} noValidate className="grid gap-5">
              {templates.isPending ? (
                <Skeleton className="h-16" />
              ) : templates.isError ? (
                <p className="text-sm text-destructive">{describeError(te, templates.error)}</p>
              ) : (
                <TemplateSelect templates={templates.data} value={draft.templateId} onChange={pickTemplate} />
              )}
              {template ? (
                <TemplateVariablesForm
                  template={template}
                  values={draft.templateValues}
                  errors={variableErrors}
                  onChange={(values) => draft.update({ templateValues: values })}
                />
              ) : null}

              <div className="grid gap-1.5">
                <div className="flex items-baseline justify-between gap-2">
                  <Label htmlFor="prompt">{template ? t("extraPrompt") : t("prompt")}</Label>
                  <span
                    className={cn("text-xs tabular-nums", draft.prompt.length > PROMPT_MAX ? "text-destructive" : "text-muted-foreground")}
                    data-testid="prompt-count"
                    aria-live="off"
                  >
                    {draft.prompt.length.toLocaleString()} / {PROMPT_MAX.toLocaleString()}
                  </span>
                </div>
                <Textarea
                  id="prompt"
                  rows={5}
                  value={draft.prompt}
                  onChange={(e) => draft.update({ prompt: e.target.value })}
                  onKeyDown={onPromptKey}
                  placeholder={t("promptPlaceholder")}
                  aria-invalid={promptError ? true : undefined}
                  aria-describedby="prompt-hint"
                />
                <p id="prompt-hint" className={cn("text-xs", promptError ? "font-medium text-destructive" : "text-muted-foreground")} role={promptError ? "alert" : undefined}>
                  {promptError ?? t("promptHint")}
                </p>
              </div>

              <PromptPresetChips prompt={draft.prompt} onAppend={(prompt) => draft.update({ prompt })} />

              <BrandKitPicker
                value={draft.brandKitId}
                onChange={(brandKitId) => draft.update({ brandKitId })}
                prompt={draft.prompt}
                hasTemplate={Boolean(template)}
              />

              {presets.isPending ? (
                <Skeleton className="h-48" />
              ) : presets.isError ? (
                <p className="text-sm text-destructive">{describeError(te, presets.error)}</p>
              ) : (
                <SizePicker presets={presets.data} value={draft.preset} onChange={(preset) => draft.update({ preset })} />
              )}

              <fieldset className="grid gap-2">
                <legend className="mb-1 text-sm font-medium">{t("count")}</legend>
                <div className="flex gap-2">
                  {COUNTS.map((n) => (
                    <label
                      key={n}
                      className="relative flex size-10 cursor-pointer items-center justify-center rounded-md border text-sm font-medium has-[:checked]:border-primary has-[:checked]:bg-primary has-[:checked]:text-primary-foreground has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-ring"
                    >
                      <input
                        type="radio"
                        name="count"
                        className="absolute inset-0 cursor-pointer opacity-0"
                        checked={draft.numImages === n}
                        onChange={() => draft.update({ numImages: n })}
                        aria-label={t("countOption", { count: n })}
                      />
                      {n}
                    </label>
                  ))}
                </div>
              </fieldset>

              <fieldset className="grid gap-2">
                <legend className="mb-1 text-sm font-medium">{t("seed")}</legend>
                <div className="flex flex-wrap items-center gap-3 text-sm">
                  <label className="inline-flex items-center gap-2">
                    <input type="radio" name="seed-mode" checked={draft.seedMode === "random"} onChange={() => draft.update({ seedMode: "random" })} className="size-4 accent-[var(--primary)]" />
                    {t("seedRandom")}
                  </label>
                  <label className="inline-flex items-center gap-2">
                    <input type="radio" name="seed-mode" checked={draft.seedMode === "fixed"} onChange={() => draft.update({ seedMode: "fixed" })} className="size-4 accent-[var(--primary)]" />
                    {t("seedFixed")}
                  </label>
                </div>
                {draft.seedMode === "fixed" ? (
                  <div className="flex gap-2">
                    <Input
                      inputMode="numeric"
                      aria-label={t("seedValue")}
                      value={draft.seed}
                      onChange={(e) => draft.update({ seed: e.target.value.replace(/\D/g, "") })}
                      aria-invalid={seedError ? true : undefined}
                      className="max-w-48 tabular-nums"
                    />
                    <Button variant="outline" size="icon" aria-label={t("dice")} onClick={() => draft.update({ seed: String(randomSeed()) })}>
                      <Dices aria-hidden="true" />
                    </Button>
                  </div>
                ) : null}
                {seedError ? <p role="alert" className="text-xs font-medium text-destructive">{seedError}</p> : null}
              </fieldset>

              <Field label={t("negativePrompt")} hint={t("negativeDisabled")}>
                <Textarea rows={2} disabled placeholder={t("negativePlaceholder")} className="min-h-14" />
              </Field>

              {generate.isError ? <Alert variant="destructive">{quotaMessage(generate.error, te)}</Alert> : null}

              <Button type="submit" size="lg" disabled={generate.isPending}>
                {generate.isPending ? <Spinner /> : <Sparkles aria-hidden="true" />}
                {t("submit")}
                <kbd className="ml-1 hidden rounded border border-primary-foreground/40 px-1 text-[10px] font-normal sm:inline">Ctrl/⌘ + Enter</kbd>
              </Button>
              {remaining !== null && remaining < draft.numImages ? (
                <p className="text-xs text-destructive">{t("notEnoughQuota", { remaining })}</p>
              ) : null}
            </form>
          </CardContent>
        </Card>
      </section>

      <section aria-labelledby="results-title" className="grid content-start gap-4">
        <h2 id="results-title" className="text-lg font-semibold">
          {t("results")}
        </h2>
        {demo ? (
          <Alert variant="info" data-testid="demo-notice">
            <Info aria-hidden="true" className="size-4" />
            <AlertTitle>{t("demoTitle")}</AlertTitle>
            <AlertDescription>{t("demoBody")}</AlertDescription>
          </Alert>
        ) : null}
        {history.isPending && !submitted.length ? (
          <div className="grid gap-3">
            <Skeleton className="h-40" />
            <Skeleton className="h-40" />
          </div>
        ) : history.isError && !submitted.length ? (
          <QueryError error={history.error} title={t("historyError")} onRetry={() => void history.refetch()} />
        ) : tasks.length === 0 ? (
          <StateMessage kind="empty" title={t("emptyTitle")} description={t("emptyBody")} />
        ) : (
          tasks.map((task) => (
            <TaskCard key={task.id} task={task} onReuse={reuse} onNewSeed={(done) => submitRequest(requestWithNewSeed(done))} />
          ))
        )}
      </section>
    </div>
  );
}
