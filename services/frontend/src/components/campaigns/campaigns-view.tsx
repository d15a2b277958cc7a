"use client";

import { CalendarDays, Plus } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useFormatter, useTranslations } from "use-intl";

import { useBrandKits, useCampaigns, useMe, type CampaignOut, type CampaignScope } from "@zimage/web/api";
import { Badge } from "@zimage/web/ui/badge";
import { Button } from "@zimage/web/ui/button";
import { Skeleton } from "@zimage/web/ui/skeleton";
import { StateMessage } from "@zimage/web/ui/state";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@zimage/web/ui/tabs";
import { QueryError } from "@zimage/web/app-shell/query-state";

import { isReviewer } from "@/lib/review";

import { CampaignForm } from "./campaign-form";

export function CampaignDates({ campaign }: { campaign: Pick<CampaignOut, "starts_on" | "ends_on"> }) {
  const t = useTranslations("campaigns");
  const format = useFormatter();
  if (!campaign.starts_on && !campaign.ends_on) return <>{t("noDates")}</>;
  const day = (d: string | null) => (d ? format.dateTime(new Date(`${d}T00:00:00`), { dateStyle: "medium" }) : "…");
  return <>{t("dates", { from: day(campaign.starts_on), to: day(campaign.ends_on) })}</>;
}

/** The campaigns list (mine; reviewers may look at the whole team's), and a new one. */
export function CampaignsView() {
  const t = useTranslations("campaigns");
  const tc = useTranslations("common");
  const router = useRouter();
  const me = useMe();
  const [scope, setScope] = useState<CampaignScope>("mine");
  const campaigns = useCampaigns(scope);
  const kits = useBrandKits();
  const [creating, setCreating] = useState(false);
  const kitName = (id: string | null) => (id ? kits.data?.find((k) => k.id === id)?.name : undefined);

  const list = campaigns.isPending ? (
    <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3" aria-busy="true" aria-label={tc("loading")}>
      <Skeleton className="h-32" />
      <Skeleton className="h-32" />
      <Skeleton className="h-32" />
    </div>
  ) : campaigns.isError ? (
    <QueryError error={campaigns.error} title={t("loadError")} onRetry={() => void campaigns.refetch()} />
  ) : campaigns.data.length === 0 ? (
    <StateMessage kind="empty" title={t("emptyTitle")} description={t("emptyBody")} action={<Button onClick={() => setCreating(true)}>{t("create")}</Button>} />
  ) : (
    <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3" data-testid="campaign-list">
      {campaigns.data.map((c) => (
        <li key={c.id}>
          <Link
            href={`/campaigns/${c.id}`}
            className="grid h-full gap-2 rounded-lg border bg-card p-4 transition-colors hover:bg-accent/40 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
          >
            <span className="text-base font-semibold">{c.name}</span>
            <span className="inline-flex items-center gap-1 text-xs text-muted-foreground">
              <CalendarDays aria-hidden="true" className="size-3.5" />
              <CampaignDates campaign={c} />
            </span>
            <span className="flex flex-wrap gap-1">
              <Badge variant="secondary">{t("channelCount", { count: c.channels.length })}</Badge>
              <Badge variant="secondary">{t("imageCount", { count: c.image_ids.length })}</Badge>
              {kitName(c.brand_kit_id) ? <Badge variant="outline">{kitName(c.brand_kit_id)}</Badge> : null}
            </span>
          </Link>
        </li>
      ))}
    </ul>
  );

  return (
    <section aria-labelledby="campaigns-title" className="grid gap-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="space-y-1">
          <h1 id="campaigns-title" className="text-2xl font-bold tracking-tight">
            {t("title")}
          </h1>
          <p className="text-sm text-muted-foreground">{t("subtitle")}</p>
        </div>
        <Button onClick={() => setCreating(true)}>
          <Plus aria-hidden="true" />
          {t("create")}
        </Button>
      </div>
      {isReviewer(me.data?.role) ? (
        <Tabs value={scope} onValueChange={(v) => setScope(v as CampaignScope)}>
          <TabsList>
            <TabsTrigger value="mine">{t("scopeMine")}</TabsTrigger>
            <TabsTrigger value="all">{t("scopeAll")}</TabsTrigger>
          </TabsList>
          <TabsContent value={scope}>{list}</TabsContent>
        </Tabs>
      ) : (
        list
      )}
      {creating ? <CampaignForm campaign={null} open onOpenChange={setCreating} onSaved={(c) => router.push(`/campaigns/${c.id}`)} /> : null}
    </section>
  );
}
