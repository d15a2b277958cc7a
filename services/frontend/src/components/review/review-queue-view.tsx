"use client";

import { useState } from "react";
import { useFormatter, useTranslations } from "use-intl";

import { useMe, useReviewQueue, type ReviewQueueItem, type ReviewStatus } from "@zimage/web/api";
import { Badge } from "@zimage/web/ui/badge";
import { Button } from "@zimage/web/ui/button";
import { Skeleton } from "@zimage/web/ui/skeleton";
import { Spinner } from "@zimage/web/ui/spinner";
import { StateMessage } from "@zimage/web/ui/state";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@zimage/web/ui/tabs";
import { QueryError } from "@zimage/web/app-shell/query-state";

import { isReviewer } from "@/lib/review";
import { pixels } from "@/lib/sizes";

import { ReviewPanel } from "./review-panel";

const TABS = ["in_review", "changes_requested", "approved"] as const satisfies readonly ReviewStatus[];

function QueueItem({ item, myId }: { item: ReviewQueueItem; myId: string | undefined }) {
  const t = useTranslations("reviewQueue");
  const format = useFormatter();
  return (
    <li className="grid gap-3 rounded-lg border bg-card p-3 sm:grid-cols-[minmax(0,16rem)_minmax(0,1fr)]" data-testid="review-item" data-image-id={item.image_id}>
      <a href={item.url} target="_blank" rel="noreferrer" className="block overflow-hidden rounded-md border bg-muted focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring">
        {/* eslint-disable-next-line @next/next/no-img-element -- signed, expiring URL */}
        <img src={item.thumbnail_url} alt={t("imageAlt", { prompt: item.prompt.slice(0, 80) })} className="aspect-square w-full object-cover" />
      </a>
      <div className="grid content-start gap-2">
        <p className="line-clamp-3 text-sm">{item.prompt}</p>
        <div className="flex flex-wrap items-center gap-1.5 text-xs text-muted-foreground">
          <span className="tabular-nums">{pixels(item.width, item.height)}</span>
          {item.since ? <span>· {t("since", { time: format.relativeTime(new Date(item.since)) })}</span> : null}
          {item.campaigns.length ? (
            <Badge variant="outline">{t("campaigns", { names: item.campaigns.map((c) => c.name).join(", ") })}</Badge>
          ) : null}
        </div>
        <ReviewPanel imageId={item.image_id} status={item.review_status} isOwner={item.owner_id === myId} title={item.prompt.slice(0, 40)} />
      </div>
    </li>
  );
}

/** Reviewers' and admins' queue across the team: approve, or ask for changes with a comment. */
export function ReviewQueueView() {
  const t = useTranslations("reviewQueue");
  const tc = useTranslations("common");
  const me = useMe();
  const [status, setStatus] = useState<(typeof TABS)[number]>("in_review");
  const queue = useReviewQueue(status);
  const items = queue.data?.pages.flatMap((p) => p.items) ?? [];

  if (me.data && !isReviewer(me.data.role)) {
    return <StateMessage kind="forbidden" title={t("notReviewerTitle")} description={t("notReviewerBody")} />;
  }
  return (
    <section aria-labelledby="queue-title" className="grid gap-4">
      <div className="space-y-1">
        <h1 id="queue-title" className="text-2xl font-bold tracking-tight">
          {t("title")}
        </h1>
        <p className="text-sm text-muted-foreground">{t("subtitle")}</p>
      </div>
      <Tabs value={status} onValueChange={(v) => setStatus(v as (typeof TABS)[number])}>
        <TabsList>
          {TABS.map((s) => (
            <TabsTrigger key={s} value={s}>
              {t(`tabs.${s}`)}
            </TabsTrigger>
          ))}
        </TabsList>
        <TabsContent value={status}>
          {queue.isPending || !me.data ? (
            <div className="grid gap-3" aria-busy="true" aria-label={tc("loading")}>
              <Skeleton className="h-48" />
              <Skeleton className="h-48" />
            </div>
          ) : queue.isError ? (
            <QueryError error={queue.error} title={t("loadError")} onRetry={() => void queue.refetch()} />
          ) : items.length === 0 ? (
            <StateMessage kind="empty" title={t("emptyTitle")} description={t("emptyBody")} />
          ) : (
            <>
              <ul className="grid gap-3 xl:grid-cols-2" data-testid="review-queue">
                {items.map((item) => (
                  <QueueItem key={item.image_id} item={item} myId={me.data?.id} />
                ))}
              </ul>
              {queue.hasNextPage ? (
                <Button variant="outline" className="justify-self-center" onClick={() => void queue.fetchNextPage()} disabled={queue.isFetchingNextPage}>
                  {queue.isFetchingNextPage ? <Spinner /> : null}
                  {t("loadMore")}
                </Button>
              ) : null}
            </>
          )}
        </TabsContent>
      </Tabs>
    </section>
  );
}
