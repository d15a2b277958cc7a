"use client";

import { CheckCircle2, Cpu, ExternalLink, Gauge, ListOrdered, Server, XCircle } from "lucide-react";
import { useFormatter, useLocale, useNow, useTranslations } from "use-intl";

import { useAdminSystem, useAdminUsersByIds, type ServiceStatus, type WorkerOut } from "@zimage/web/api";
import { formatBytes, formatInteger, formatPercent } from "@zimage/web/lib/format";
import { cn } from "@zimage/web/lib/cn";
import { Badge } from "@zimage/web/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@zimage/web/ui/card";
import { Meter } from "@zimage/web/ui/meter";
import { Skeleton } from "@zimage/web/ui/skeleton";
import { StatCard } from "@zimage/web/ui/stat-card";
import { StateMessage } from "@zimage/web/ui/state";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@zimage/web/ui/table";
import { QueryError } from "@zimage/web/app-shell/query-state";

import { PageHeader } from "@/components/admin-shell";

const WORKER_STATES = ["idle", "busy", "starting", "stopping"] as const;

function ServiceCard({ service }: { service: ServiceStatus }) {
  const t = useTranslations("monitoring");
  const ok = service.status === "ok";
  const Icon = ok ? CheckCircle2 : XCircle;
  return (
    <li className="flex items-start gap-3 rounded-lg border bg-card p-3" data-testid="service-status" data-status={service.status}>
      <Icon aria-hidden="true" className={cn("mt-0.5 size-5 shrink-0", ok ? "text-emerald-600" : "text-destructive")} />
      <div className="min-w-0 flex-1">
        <div className="flex flex-wrap items-center gap-2">
          <span className="font-medium">{service.name}</span>
          <Badge variant={ok ? "success" : "destructive"}>{ok ? t("serviceOk") : t("serviceDown")}</Badge>
        </div>
        <p className="text-xs text-muted-foreground">
          {[service.version ? t("version", { version: service.version }) : null, service.latency_ms !== null ? t("latency", { ms: Math.round(service.latency_ms) }) : null]
            .filter(Boolean)
            .join(" · ")}
        </p>
        {service.detail ? <p className="mt-1 break-words text-xs text-destructive">{service.detail}</p> : null}
      </div>
    </li>
  );
}

function WorkerCard({ worker }: { worker: WorkerOut }) {
  const t = useTranslations("monitoring");
  const locale = useLocale();
  const format = useFormatter();
  const now = useNow({ updateInterval: 5_000 });
  const knownState = (WORKER_STATES as readonly string[]).includes(worker.state);
  const memory = worker.gpu_memory_total_bytes ? { used: worker.gpu_memory_used_bytes ?? 0, total: worker.gpu_memory_total_bytes } : null;
  return (
    <Card data-testid="worker-card" data-online={worker.online}>
      <CardHeader className="gap-1 pb-3">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <CardTitle className="flex items-center gap-2 text-base">
            <Cpu aria-hidden="true" className="size-4 text-muted-foreground" />
            {worker.hostname}
          </CardTitle>
          <div className="flex gap-1.5">
            <Badge variant={worker.online ? "success" : "warning"}>{worker.online ? t("online") : t("offline")}</Badge>
            <Badge variant="outline">{knownState ? t(`states.${worker.state as (typeof WORKER_STATES)[number]}`) : worker.state}</Badge>
          </div>
        </div>
        <CardDescription className="font-mono text-xs">{worker.id}</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-3 text-sm">
        <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1">
          <dt className="text-muted-foreground">{t("engine")}</dt>
          <dd>{worker.engine ?? "–"}</dd>
          <dt className="text-muted-foreground">{t("model")}</dt>
          <dd className="break-all">{worker.model ?? "–"}</dd>
          <dt className="text-muted-foreground">{t("device")}</dt>
          <dd>
            {worker.device}
            {worker.gpu_name ? ` · ${worker.gpu_name}` : ""}
          </dd>
        </dl>
        {memory || worker.gpu_utilization !== null ? (
          <div className="grid gap-2">
            {memory ? (
              <div className="grid gap-1">
                <div className="flex justify-between text-xs">
                  <span>{t("gpuMemory")}</span>
                  <span className="tabular-nums">
                    {t("gpuMemoryValue", { used: formatBytes(memory.used, locale), total: formatBytes(memory.total, locale) })}
                  </span>
                </div>
                <Meter
                  label={t("gpuMemory")}
                  value={memory.used}
                  max={memory.total}
                  valueText={t("gpuMemoryValue", { used: formatBytes(memory.used, locale), total: formatBytes(memory.total, locale) })}
                />
              </div>
            ) : null}
            {worker.gpu_utilization !== null ? (
              <div className="grid gap-1">
                <div className="flex justify-between text-xs">
                  <span>{t("gpuUtilization")}</span>
                  <span className="tabular-nums">{formatPercent(worker.gpu_utilization, locale)}</span>
                </div>
                <Meter
                  label={t("gpuUtilization")}
                  value={worker.gpu_utilization}
                  max={1}
                  thresholds={null}
                  valueText={formatPercent(worker.gpu_utilization, locale)}
                />
              </div>
            ) : null}
          </div>
        ) : (
          <p className="text-xs text-muted-foreground">{t("noGpu")}</p>
        )}
        <p className="text-xs text-muted-foreground">
          {[
            t("tasksDone", { count: worker.tasks_done }),
            worker.current_task_id ? t("currentTask", { id: worker.current_task_id.slice(0, 8) }) : null,
            t("lastSeen", { time: format.relativeTime(new Date(Math.min(Date.parse(worker.last_seen_at), now.getTime())), now) }),
          ]
            .filter(Boolean)
            .join(" · ")}
        </p>
      </CardContent>
    </Card>
  );
}

function ToolLink({ href, label }: { href: string | null; label: string }) {
  const t = useTranslations("monitoring");
  return href ? (
    <a
      href={href}
      target="_blank"
      rel="noreferrer"
      className="inline-flex items-center gap-1.5 rounded-md text-sm font-medium text-primary underline-offset-4 hover:underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
    >
      {label}
      <ExternalLink aria-hidden="true" className="size-3.5" />
    </a>
  ) : (
    <span className="text-sm text-muted-foreground">
      {label}: {t("notConfigured")}
    </span>
  );
}

export function MonitoringView() {
  const t = useTranslations("monitoring");
  const locale = useLocale();
  const format = useFormatter();
  const system = useAdminSystem();
  const data = system.data;
  const failureUsers = useAdminUsersByIds(data?.recent_failures.map((f) => f.user_id) ?? []);
  const online = data?.workers.filter((w) => w.online).length ?? 0;

  if (system.isError && !data) {
    return (
      <>
        <PageHeader title={t("title")} subtitle={t("subtitle")} />
        <QueryError error={system.error} title={t("loadError")} onRetry={() => void system.refetch()} />
      </>
    );
  }

  return (
    <>
      <PageHeader title={t("title")} subtitle={t("subtitle")}>
        {data ? (
          <div className="flex flex-wrap gap-4">
            <ToolLink href={data.links.grafana_url} label={t("grafana")} />
            <ToolLink href={data.links.flower_url} label={t("flower")} />
          </div>
        ) : null}
      </PageHeader>
      <div className="grid gap-8">
        <section aria-labelledby="services-heading" className="grid gap-3">
          <h2 id="services-heading" className="flex items-center gap-2 text-lg font-semibold">
            <Server aria-hidden="true" className="size-5 text-muted-foreground" />
            {t("services")}
          </h2>
          {data ? (
            <ul className="grid gap-2 sm:grid-cols-2 lg:grid-cols-4">
              {data.services.map((service) => (
                <ServiceCard key={service.name} service={service} />
              ))}
            </ul>
          ) : (
            <Skeleton className="h-20 w-full" />
          )}
        </section>

        <section aria-labelledby="queue-heading" className="grid gap-3">
          <h2 id="queue-heading" className="flex items-center gap-2 text-lg font-semibold">
            <ListOrdered aria-hidden="true" className="size-5 text-muted-foreground" />
            {t("queue")}
          </h2>
          <div className="grid max-w-md grid-cols-2 gap-3">
            <StatCard data-testid="queue-pending" label={t("pending")} value={data ? formatInteger(data.queue.pending, locale) : null} />
            <StatCard data-testid="queue-processing" label={t("processing")} value={data ? formatInteger(data.queue.processing, locale) : null} />
          </div>
        </section>

        <section aria-labelledby="workers-heading" className="grid gap-3">
          <h2 id="workers-heading" className="flex items-center gap-2 text-lg font-semibold">
            <Gauge aria-hidden="true" className="size-5 text-muted-foreground" />
            {t("workers")}
            {data ? <span className="text-sm font-normal text-muted-foreground">{t("workersOnline", { online, total: data.workers.length })}</span> : null}
          </h2>
          {!data ? (
            <Skeleton className="h-40 w-full" />
          ) : data.workers.length === 0 ? (
            <StateMessage kind="empty" title={t("noWorkers")} description={t("noWorkersBody")} />
          ) : (
            <div className="grid gap-3 md:grid-cols-2 xl:grid-cols-3">
              {data.workers.map((worker) => (
                <WorkerCard key={worker.id} worker={worker} />
              ))}
            </div>
          )}
        </section>

        <section aria-labelledby="failures-heading" className="grid gap-3">
          <h2 id="failures-heading" className="flex items-center gap-2 text-lg font-semibold">
            <XCircle aria-hidden="true" className="size-5 text-muted-foreground" />
            {t("failures")}
          </h2>
          {!data ? (
            <Skeleton className="h-24 w-full" />
          ) : data.recent_failures.length === 0 ? (
            <p className="rounded-lg border border-dashed px-4 py-6 text-center text-sm text-muted-foreground">{t("noFailures")}</p>
          ) : (
            <Table caption={t("failures")}>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead>{t("failureColumns.finished")}</TableHead>
                  <TableHead>{t("failureColumns.task")}</TableHead>
                  <TableHead>{t("failureColumns.user")}</TableHead>
                  <TableHead>{t("failureColumns.error")}</TableHead>
                  <TableHead className="text-right">{t("failureColumns.attempts")}</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {data.recent_failures.map((failure) => (
                  <TableRow key={failure.task_id} data-testid="failure-row">
                    <TableCell className="whitespace-nowrap text-xs tabular-nums">
                      {format.dateTime(new Date(failure.finished_at), { dateStyle: "short", timeStyle: "medium" })}
                    </TableCell>
                    <TableCell className="font-mono text-xs" title={failure.task_id}>
                      {failure.task_id.slice(0, 8)}
                    </TableCell>
                    <TableCell className="text-sm">{failureUsers.data?.get(failure.user_id)?.email ?? failure.user_id.slice(0, 8)}</TableCell>
                    <TableCell className="max-w-md break-words text-xs">{failure.error ?? "–"}</TableCell>
                    <TableCell className="text-right tabular-nums">{failure.attempts}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </section>
      </div>
    </>
  );
}
