"use client";

import { useEffect, useId, useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";

import { useQuota, useSetQuota, type AdminUserOut, type QuotaOut } from "@zimage/web/api";
import { describeError } from "@zimage/web/i18n";
import { Alert } from "@zimage/web/ui/alert";
import { Button } from "@zimage/web/ui/button";
import { ConfirmDialog } from "@zimage/web/ui/confirm-dialog";
import { Input } from "@zimage/web/ui/input";
import { Skeleton } from "@zimage/web/ui/skeleton";
import { toast } from "@zimage/web/ui/toaster";

import { QUOTA_MAX, limitInput, parseLimit, type LimitInput, type QuotaField } from "@/lib/quota";

function LimitField({
  field,
  label,
  fallback,
  input,
  onChange,
  error,
}: {
  field: QuotaField;
  label: string;
  fallback: number;
  input: LimitInput;
  onChange: (input: LimitInput) => void;
  error: boolean;
}) {
  const t = useTranslations("quota");
  const id = useId();
  return (
    <fieldset className="grid gap-2 rounded-md border p-3" data-testid={`quota-${field}`}>
      <legend className="px-1 text-sm font-medium">{label}</legend>
      <label className="flex items-center gap-2 text-sm">
        <input
          type="radio"
          name={`${id}-mode`}
          className="size-4 accent-[var(--primary)]"
          checked={input.useDefault}
          onChange={() => onChange({ ...input, useDefault: true })}
        />
        {t("useDefault", { value: fallback })}
      </label>
      <div className="flex items-center gap-2">
        <label className="flex items-center gap-2 text-sm">
          <input
            type="radio"
            name={`${id}-mode`}
            className="size-4 accent-[var(--primary)]"
            checked={!input.useDefault}
            onChange={() => onChange({ ...input, useDefault: false })}
          />
          {t("custom")}
        </label>
        <Input
          type="number"
          inputMode="numeric"
          min={1}
          max={QUOTA_MAX[field]}
          step={1}
          aria-label={`${label}: ${t("custom")}`}
          aria-invalid={error || undefined}
          aria-describedby={error ? `${id}-error` : undefined}
          className="h-9 w-28"
          value={input.value}
          disabled={input.useDefault}
          onChange={(e) => onChange({ useDefault: false, value: e.target.value })}
        />
      </div>
      {error ? (
        <p id={`${id}-error`} role="alert" className="text-xs font-medium text-destructive">
          {t("invalid", { max: QUOTA_MAX[field] })}
        </p>
      ) : null}
    </fieldset>
  );
}

function Form({ user, quota }: { user: AdminUserOut; quota: QuotaOut }) {
  const t = useTranslations("quota");
  const tc = useTranslations("common");
  const te = useTranslations("errors");
  const save = useSetQuota();
  const [images, setImages] = useState(() => limitInput(quota.images_per_day, quota.default_images_per_day));
  const [tasks, setTasks] = useState(() => limitInput(quota.max_active_tasks, quota.default_max_active_tasks));
  const [checked, setChecked] = useState(false);
  const [confirming, setConfirming] = useState(false);
  useEffect(() => {
    setImages(limitInput(quota.images_per_day, quota.default_images_per_day));
    setTasks(limitInput(quota.max_active_tasks, quota.default_max_active_tasks));
  }, [quota.images_per_day, quota.max_active_tasks, quota.default_images_per_day, quota.default_max_active_tasks]);

  const imagesValue = parseLimit(images, "images_per_day");
  const tasksValue = parseLimit(tasks, "max_active_tasks");
  const invalid = imagesValue === "invalid" || tasksValue === "invalid";
  const shown = (value: number | null | "invalid", fallback: number) =>
    value === null ? t("defaultValue", { value: fallback }) : String(value);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setChecked(true);
    if (invalid) return;
    save.reset();
    setConfirming(true);
  };
  const confirm = async () => {
    if (imagesValue === "invalid" || tasksValue === "invalid") return;
    try {
      await save.mutateAsync({ userId: user.id, quota: { images_per_day: imagesValue, max_active_tasks: tasksValue } });
      toast(t("saved"));
      setConfirming(false);
    } catch {
      // shown in the dialog
    }
  };

  return (
    <form onSubmit={submit} noValidate className="grid gap-3">
      <p className="text-xs text-muted-foreground" data-testid="quota-usage">
        {t("todayUsage", {
          used: quota.images_today,
          limit: quota.effective_images_per_day,
          active: quota.active_tasks,
          max: quota.effective_max_active_tasks,
        })}
      </p>
      <div className="grid gap-3 sm:grid-cols-2">
        <LimitField
          field="images_per_day"
          label={t("imagesPerDay")}
          fallback={quota.default_images_per_day}
          input={images}
          onChange={setImages}
          error={checked && imagesValue === "invalid"}
        />
        <LimitField
          field="max_active_tasks"
          label={t("maxActiveTasks")}
          fallback={quota.default_max_active_tasks}
          input={tasks}
          onChange={setTasks}
          error={checked && tasksValue === "invalid"}
        />
      </div>
      <div>
        <Button type="submit" variant="secondary">
          {t("save")}
        </Button>
      </div>
      <ConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        title={t("confirmTitle")}
        description={t("confirmBody", {
          email: user.email,
          images: shown(imagesValue, quota.default_images_per_day),
          tasks: shown(tasksValue, quota.default_max_active_tasks),
        })}
        confirmLabel={t("save")}
        cancelLabel={tc("cancel")}
        busy={save.isPending}
        onConfirm={() => void confirm()}
      >
        {save.error ? <Alert variant="destructive">{describeError(te, save.error)}</Alert> : null}
      </ConfirmDialog>
    </form>
  );
}

/** Per-user limits (images a day, tasks at once): the default or an override, saved after a confirmation. */
export function QuotaForm({ user }: { user: AdminUserOut }) {
  const t = useTranslations("quota");
  const quota = useQuota(user.id);
  return (
    <section aria-labelledby="quota-heading" className="grid gap-2">
      <h3 id="quota-heading" className="text-sm font-semibold">
        {t("title")}
      </h3>
      {quota.data ? (
        <Form user={user} quota={quota.data} />
      ) : quota.isError ? (
        <Alert variant="destructive">{t("loadError")}</Alert>
      ) : (
        <Skeleton className="h-32 w-full" />
      )}
    </section>
  );
}
