"use client";

import { Activity, AlertTriangle, Clock, ImageIcon, RefreshCw, Users } from "lucide-react";
import { useMemo, type ReactNode } from "react";
import { useFormatter, useLocale, useTranslations } from "use-intl";

import { useAdminStats, useAdminUsersByIds } from "@zimage/web/api";
import { TIME_ZONE } from "@zimage/web/i18n";
import { chartBucket, presetRange, rangeQuery } from "@zimage/web/lib/date-range";
import { formatInteger, formatPercent, formatSeconds } from "@zimage/web/lib/format";
import { Button } from "@zimage/web/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@zimage/web/ui/card";
import { DateRangePicker } from "@zimage/web/ui/date-range-picker";
import { Skeleton } from "@zimage/web/ui/skeleton";
import { StatCard } from "@zimage/web/ui/stat-card";
import { QueryError } from "@zimage/web/app-shell/query-state";

import { PageHeader } from "@/components/admin-shell";
import { RankedBarChart, TimeBarChart, TimeLineChart } from "@/components/charts";
import { useDateRange } from "@/lib/use-date-range";
import { failureTone, imageRows, topUserRows, waitRows } from "@/lib/stats";

const REFRESH_MS = 30_000;

function ChartCard({ title, description, children }: { title: string; description: string; children: ReactNode }) {
  return (
    <Card>
      <CardHeader className="pb-3">
        <CardTitle className="text-base">{title}</CardTitle>
        <CardDescription>{description}</CardDescription>
      </CardHeader>
      <CardContent>{children}</CardContent>
    </Card>
  );
}

export function DashboardView() {
  const t = useTranslations("dashboard");
  const tr = useTranslations("range");
  const locale = useLocale();
  const format = useFormatter();
  const { range, query, today, preset, setRange, setPreset } = useDateRange("30d");
  // the cards for today and the last 7 days do not follow the picker
  const fixed = useMemo(() => {
    const now = new Date();
    return {
      today: rangeQuery(presetRange("today", now, TIME_ZONE), TIME_ZONE),
      week: rangeQuery(presetRange("7d", now, TIME_ZONE), TIME_ZONE),
    };
  }, []);
  const todayStats = useAdminStats(fixed.today, { refetchInterval: REFRESH_MS });
  const weekStats = useAdminStats(fixed.week, { refetchInterval: REFRESH_MS });
  const stats = useAdminStats(query, { refetchInterval: REFRESH_MS });
  const topIds = useMemo(() => stats.data?.top_users.map((u) => u.user_id) ?? [], [stats.data]);
  const users = useAdminUsersByIds(topIds);

  const error = stats.error ?? todayStats.error ?? weekStats.error;
  const totals = stats.data?.totals;
  const seconds = (value: number) => formatSeconds(value, locale);
  const integer = (value: number) => formatInteger(value, locale);
  const images = useMemo(() => (stats.data ? imageRows(stats.data, range, locale, TIME_ZONE) : []), [stats.data, range, locale]);
  const waits = useMemo(() => (stats.data ? waitRows(stats.data, range, locale, TIME_ZONE) : []), [stats.data, range, locale]);
  const refresh = () => {
    void stats.refetch();
    void todayStats.refetch();
    void weekStats.refetch();
  };

  return (
    <>
      <PageHeader title={t("title")} subtitle={t("subtitle")}>
        <DateRangePicker
          value={range}
          onChange={setRange}
          today={today}
          preset={preset}
          onPreset={setPreset}
          labels={{ group: tr("group"), from: tr("from"), to: tr("to"), presets: { today: tr("presets.today"), "7d": tr("presets.7d"), "30d": tr("presets.30d"), "90d": tr("presets.90d") } }}
        />
        <Button variant="outline" size="sm" className="h-9" onClick={refresh} disabled={stats.isFetching}>
          <RefreshCw aria-hidden="true" className={stats.isFetching ? "animate-spin" : undefined} />
          {t("refresh")}
        </Button>
      </PageHeader>

      {error && !stats.data ? (
        <QueryError error={error} title={t("loadError")} onRetry={refresh} />
      ) : (
        <div className="grid gap-6">
          <section aria-label={t("title")} className="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-5">
            <StatCard
              data-testid="stat-images-today"
              label={t("cards.imagesToday")}
              icon={<ImageIcon aria-hidden="true" />}
              value={todayStats.data ? integer(todayStats.data.totals.images) : null}
              hint={todayStats.data ? t("cardHints.tasks", { count: todayStats.data.totals.tasks }) : undefined}
            />
            <StatCard
              data-testid="stat-images-week"
              label={t("cards.imagesWeek")}
              icon={<Activity aria-hidden="true" />}
              value={weekStats.data ? integer(weekStats.data.totals.images) : null}
              hint={weekStats.data ? t("cardHints.tasks", { count: weekStats.data.totals.tasks }) : undefined}
            />
            <StatCard
              data-testid="stat-active-users"
              label={t("cards.activeUsers")}
              icon={<Users aria-hidden="true" />}
              value={totals ? integer(totals.active_users) : null}
              hint={t("cardHints.inRange")}
            />
            <StatCard
              data-testid="stat-failure-rate"
              label={t("cards.failureRate")}
              icon={<AlertTriangle aria-hidden="true" />}
              tone={totals ? failureTone(totals.failure_rate) : "default"}
              value={totals ? formatPercent(totals.failure_rate, locale) : null}
              hint={totals ? t("cardHints.failures", { failures: integer(totals.failures), tasks: integer(totals.tasks) }) : undefined}
            />
            <StatCard
              data-testid="stat-queue-wait"
              label={t("cards.queueWait")}
              icon={<Clock aria-hidden="true" />}
              value={totals ? (totals.queue_wait_p50 === null ? "–" : seconds(totals.queue_wait_p50)) : null}
              hint={
                totals
                  ? totals.queue_wait_p95 === null
                    ? t("cardHints.noWait")
                    : t("cardHints.p95", { value: seconds(totals.queue_wait_p95) })
                  : undefined
              }
            />
          </section>

          {stats.data ? (
            <p className="-mt-3 text-xs text-muted-foreground" aria-live="polite">
              {t("refreshed", { time: format.dateTime(stats.dataUpdatedAt, { hour: "numeric", minute: "2-digit", second: "2-digit" }) })}
            </p>
          ) : null}

          <div className="grid gap-4 lg:grid-cols-2">
            <div className="lg:col-span-2">
              <ChartCard
                title={chartBucket(range) === "hour" ? t("charts.imagesHourly") : t("charts.images")}
                description={stats.data?.bucket === "day" ? `${t("charts.imagesDescription")} ${t("charts.utcDays")}` : t("charts.imagesDescription")}
              >
                {!stats.data ? (
                  <Skeleton className="h-[260px] w-full" />
                ) : stats.data.totals.tasks === 0 ? (
                  <p className="flex h-[120px] items-center justify-center text-sm text-muted-foreground">{t("charts.noData")}</p>
                ) : (
                  <TimeBarChart
                    rows={images}
                    x="label"
                    xLabel={tr("group")}
                    caption={t("charts.images")}
                    format={integer}
                    series={[
                      { key: "images", label: t("charts.seriesImages"), tone: "primary" },
                      { key: "failures", label: t("charts.seriesFailures"), tone: "danger" },
                    ]}
                  />
                )}
              </ChartCard>
            </div>
            <ChartCard title={t("charts.gpu")} description={t("charts.gpuDescription")}>
              {!stats.data ? (
                <Skeleton className="h-[200px] w-full" />
              ) : stats.data.top_users.length === 0 ? (
                <p className="flex h-[120px] items-center justify-center text-sm text-muted-foreground">{t("charts.noData")}</p>
              ) : (
                <RankedBarChart
                  rows={topUserRows(stats.data, users.data, t("charts.unknownUser"))}
                  series={{ key: "value", label: t("charts.seriesGpu"), tone: "primary" }}
                  format={seconds}
                  caption={t("charts.gpu")}
                  xLabel={t("charts.user")}
                />
              )}
            </ChartCard>
            <ChartCard title={t("charts.queue")} description={t("charts.queueDescription")}>
              {!stats.data ? (
                <Skeleton className="h-[260px] w-full" />
              ) : stats.data.totals.tasks === 0 ? (
                <p className="flex h-[120px] items-center justify-center text-sm text-muted-foreground">{t("charts.noData")}</p>
              ) : (
                <TimeLineChart
                  rows={waits}
                  x="label"
                  xLabel={tr("group")}
                  caption={t("charts.queue")}
                  format={seconds}
                  series={[
                    { key: "queue_wait_p95", label: t("charts.seriesP95"), tone: "danger" },
                    { key: "queue_wait_p50", label: t("charts.seriesP50"), tone: "soft" },
                  ]}
                />
              )}
            </ChartCard>
          </div>
        </div>
      )}
    </>
  );
}
