"use client";

import { useState, type FormEvent } from "react";
import { useLocale, useTranslations } from "use-intl";

import { useBrandKits, useCreateCampaign, useSizePresets, useUpdateCampaign, type CampaignOut } from "@zimage/web/api";
import { describeError } from "@zimage/web/i18n";
import { Alert } from "@zimage/web/ui/alert";
import { Button } from "@zimage/web/ui/button";
import { Dialog, DialogContent, DialogFooter, DialogHeader, DialogTitle } from "@zimage/web/ui/dialog";
import { Field } from "@zimage/web/ui/field";
import { Input } from "@zimage/web/ui/input";
import { Select } from "@zimage/web/ui/select";
import { Skeleton } from "@zimage/web/ui/skeleton";
import { Spinner } from "@zimage/web/ui/spinner";
import { Textarea } from "@zimage/web/ui/textarea";
import { toast } from "@zimage/web/ui/toaster";

import { campaignBody, campaignProblems, valuesFrom, type CampaignValues } from "@/lib/campaign-form";
import { groupByChannel, knownChannel, pixels, presetName } from "@/lib/sizes";

/** Create or edit a campaign: name, dates, channels (size presets), brand kit, notes. */
export function CampaignForm({
  campaign,
  open,
  onOpenChange,
  onSaved,
}: {
  campaign: CampaignOut | null;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onSaved?: (campaign: CampaignOut) => void;
}) {
  const t = useTranslations("campaigns");
  const tg = useTranslations("generate");
  const tc = useTranslations("common");
  const te = useTranslations("errors");
  const locale = useLocale();
  const presets = useSizePresets();
  const kits = useBrandKits();
  const create = useCreateCampaign();
  const update = useUpdateCampaign();
  const [values, setValues] = useState<CampaignValues>(() => valuesFrom(campaign, { channels: ["instagram_square"] }));
  const [shown, setShown] = useState(false);
  const problems = campaignProblems(values);
  const saving = create.isPending || update.isPending;
  const error = create.error ?? update.error;
  const set = (patch: Partial<CampaignValues>) => setValues((v) => ({ ...v, ...patch }));

  function submit(event: FormEvent) {
    event.preventDefault();
    setShown(true);
    if (Object.keys(problems).length) return;
    const body = campaignBody(values);
    const done = (saved: CampaignOut) => {
      toast(campaign ? t("saved") : t("created"));
      onOpenChange(false);
      onSaved?.(saved);
    };
    if (campaign) update.mutate({ id: campaign.id, body }, { onSuccess: done });
    else create.mutate(body, { onSuccess: done });
  }

  const toggle = (id: string) =>
    set({ channels: values.channels.includes(id) ? values.channels.filter((c) => c !== id) : [...values.channels, id] });

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent wide closeLabel={tc("close")} aria-describedby={undefined}>
        <DialogHeader>
          <DialogTitle>{campaign ? t("edit") : t("create")}</DialogTitle>
        </DialogHeader>
        <form onSubmit={submit} noValidate className="grid gap-4" data-testid="campaign-form">
          <Field label={t("name")} error={shown && problems.name ? t(problems.name) : undefined}>
            <Input value={values.name} maxLength={100} onChange={(e) => set({ name: e.target.value })} placeholder={t("namePlaceholder")} />
          </Field>
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label={t("startsOn")}>
              <Input type="date" value={values.startsOn} onChange={(e) => set({ startsOn: e.target.value })} />
            </Field>
            <Field label={t("endsOn")} error={shown && problems.dates ? t(problems.dates) : undefined}>
              <Input type="date" value={values.endsOn} onChange={(e) => set({ endsOn: e.target.value })} />
            </Field>
          </div>
          <fieldset className="grid gap-1.5" aria-describedby="campaign-channels-hint">
            <legend className="mb-1 text-sm font-medium">{t("channels")}</legend>
            {presets.isPending ? (
              <Skeleton className="h-32" />
            ) : presets.isError ? (
              <p className="text-sm text-destructive">{describeError(te, presets.error)}</p>
            ) : (
              <div className="grid max-h-64 gap-3 overflow-y-auto rounded-md border p-3 sm:grid-cols-2">
                {groupByChannel(presets.data).map((group) => (
                  <div key={group.channel} className="grid content-start gap-1">
                    <p className="text-xs font-semibold text-muted-foreground">{knownChannel(group.channel) ? tg(`channels.${group.channel}`) : group.channel}</p>
                    {group.presets.map((p) => (
                      <label key={p.id} className="flex items-center gap-2 text-sm">
                        <input type="checkbox" className="size-4 accent-[var(--primary)]" checked={values.channels.includes(p.id)} onChange={() => toggle(p.id)} data-preset={p.id} />
                        <span className="flex-1">{presetName(p, locale)}</span>
                        <span className="tabular-nums text-xs text-muted-foreground">{pixels(p.width, p.height)}</span>
                      </label>
                    ))}
                  </div>
                ))}
              </div>
            )}
            <p id="campaign-channels-hint" className={shown && problems.channels ? "text-xs font-medium text-destructive" : "text-xs text-muted-foreground"} role={shown && problems.channels ? "alert" : undefined}>
              {shown && problems.channels ? t(problems.channels) : t("channelsHint")}
            </p>
          </fieldset>
          <Field label={t("brandKit")}>
            <Select value={values.brandKitId} onChange={(e) => set({ brandKitId: e.target.value })} disabled={!kits.data}>
              <option value="">{t("noKit")}</option>
              {kits.data?.map((k) => (
                <option key={k.id} value={k.id}>
                  {k.name}
                </option>
              ))}
            </Select>
          </Field>
          <Field label={t("notes")}>
            <Textarea rows={3} maxLength={4000} value={values.notes} onChange={(e) => set({ notes: e.target.value })} />
          </Field>
          {error ? <Alert variant="destructive">{describeError(te, error)}</Alert> : null}
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => onOpenChange(false)}>
              {tc("cancel")}
            </Button>
            <Button type="submit" disabled={saving}>
              {saving ? <Spinner /> : null}
              {tc("save")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
