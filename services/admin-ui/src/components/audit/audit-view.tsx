"use client";

import { X } from "lucide-react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import { useFormatter, useTranslations } from "use-intl";

import { useAdminUsers, useAdminUsersByIds, useAuditLog, type AuditEntryOut } from "@zimage/web/api";
import { TIME_ZONE } from "@zimage/web/i18n";
import { Badge } from "@zimage/web/ui/badge";
import { Button } from "@zimage/web/ui/button";
import { DateRangePicker } from "@zimage/web/ui/date-range-picker";
import { Input } from "@zimage/web/ui/input";
import { Label } from "@zimage/web/ui/label";
import { Select } from "@zimage/web/ui/select";
import { Skeleton } from "@zimage/web/ui/skeleton";
import { Spinner } from "@zimage/web/ui/spinner";
import { StateMessage } from "@zimage/web/ui/state";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@zimage/web/ui/table";
import { QueryError } from "@zimage/web/app-shell/query-state";

import { PageHeader } from "@/components/admin-shell";
import { auditDetailLines, showValue, targetName } from "@/lib/audit";
import { actionKey, AUDIT_ACTIONS, AUDIT_TARGETS, auditFilterSearch, auditQuery, parseAuditFilters, type AuditFilterState } from "@/lib/audit-filters";
import { useDateRange } from "@/lib/use-date-range";

function Entry({ entry, userEmail }: { entry: AuditEntryOut; userEmail?: string }) {
  const t = useTranslations("audit");
  const format = useFormatter();
  const known = (AUDIT_ACTIONS as readonly string[]).includes(entry.action);
  const knownTarget = (AUDIT_TARGETS as readonly string[]).includes(entry.target_type);
  const name = targetName(entry.detail) ?? userEmail ?? null;
  const lines = auditDetailLines(
    entry.detail,
    showValue(t("defaultValue"), (at) => format.dateTime(at, { dateStyle: "medium", timeStyle: "short" })),
  );
  return (
    <TableRow data-testid="audit-row" data-action={entry.action}>
      <TableCell className="whitespace-nowrap text-xs tabular-nums">
        <time dateTime={entry.at}>{format.dateTime(new Date(entry.at), { dateStyle: "medium", timeStyle: "medium" })}</time>
      </TableCell>
      <TableCell className="text-sm">{entry.actor_email}</TableCell>
      <TableCell>
        <span className="font-medium">{known ? t(`actions.${actionKey(entry.action as (typeof AUDIT_ACTIONS)[number])}`) : entry.action}</span>
        <span className="block font-mono text-[11px] text-muted-foreground">{entry.action}</span>
      </TableCell>
      <TableCell className="text-sm">
        <Badge variant="outline">{knownTarget ? t(`targets.${entry.target_type as (typeof AUDIT_TARGETS)[number]}`) : entry.target_type}</Badge>
        <span className="mt-1 block max-w-64 truncate" title={name ?? entry.target_id ?? undefined}>
          {name ?? entry.target_id ?? "–"}
        </span>
      </TableCell>
      <TableCell className="max-w-sm text-xs">
        {lines.length ? (
          <ul className="grid gap-0.5">
            {lines.map((line) => (
              <li key={line.key}>
                <span className="font-mono text-muted-foreground">{line.key}</span> {line.text}
              </li>
            ))}
          </ul>
        ) : (
          "–"
        )}
        <span className="mt-0.5 block text-[11px] text-muted-foreground">{t("viaService", { service: entry.service })}</span>
      </TableCell>
      <TableCell className="whitespace-nowrap font-mono text-xs">{entry.ip ?? "–"}</TableCell>
    </TableRow>
  );
}

export function AuditView() {
  const t = useTranslations("audit");
  const tr = useTranslations("range");
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const filters = useMemo(() => parseAuditFilters(new URLSearchParams(params.toString())), [params]);
  const { range, today, preset, setRange, setPreset } = useDateRange("30d");
  const query = useMemo(() => auditQuery(filters, range, TIME_ZONE), [filters, range]);
  const log = useAuditLog(query);
  const admins = useAdminUsers({ role: "admin", limit: 200, sort: "email", order: "asc" });
  const [targetId, setTargetId] = useState(filters.targetId ?? "");

  const go = (state: AuditFilterState) => {
    const search = auditFilterSearch(state, new URLSearchParams(params.toString()));
    router.replace(search ? `${pathname}?${search}` : pathname, { scroll: false });
  };
  useEffect(() => {
    const id = targetId.trim();
    if (id === (filters.targetId ?? "")) return;
    const timer = setTimeout(() => go({ ...filters, targetId: id || undefined }), 400);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [targetId]);

  const entries = useMemo(() => log.data?.pages.flatMap((page) => page.items) ?? [], [log.data]);
  // users named by id only (quota changes, reset links): their emails from the users list
  const userIds = useMemo(
    () => entries.filter((e) => e.target_type === "user" && e.target_id && !targetName(e.detail)).map((e) => e.target_id as string),
    [entries],
  );
  const users = useAdminUsersByIds(userIds);
  const filtered = Boolean(filters.actor || filters.action || filters.targetType || filters.targetId);

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
      </PageHeader>
      <section aria-label={t("filters")} className="mb-4 flex flex-wrap items-end gap-3">
        <div className="grid gap-1.5">
          <Label htmlFor="audit-actor">{t("actor")}</Label>
          <Select id="audit-actor" className="w-56" value={filters.actor ?? ""} onChange={(e) => go({ ...filters, actor: e.target.value || undefined })}>
            <option value="">{t("anyActor")}</option>
            {(admins.data?.items ?? []).map((admin) => (
              <option key={admin.id} value={admin.id}>
                {admin.email}
              </option>
            ))}
          </Select>
        </div>
        <div className="grid gap-1.5">
          <Label htmlFor="audit-action">{t("action")}</Label>
          <Select id="audit-action" className="w-56" value={filters.action ?? ""} onChange={(e) => go({ ...filters, action: e.target.value || undefined })}>
            <option value="">{t("anyAction")}</option>
            {AUDIT_ACTIONS.map((action) => (
              <option key={action} value={action}>
                {t(`actions.${actionKey(action)}`)}
              </option>
            ))}
          </Select>
        </div>
        <div className="grid gap-1.5">
          <Label htmlFor="audit-target-type">{t("targetType")}</Label>
          <Select
            id="audit-target-type"
            className="w-40"
            value={filters.targetType ?? ""}
            onChange={(e) => go({ ...filters, targetType: e.target.value || undefined })}
          >
            <option value="">{t("anyTarget")}</option>
            {AUDIT_TARGETS.map((target) => (
              <option key={target} value={target}>
                {t(`targets.${target}`)}
              </option>
            ))}
          </Select>
        </div>
        <div className="grid gap-1.5">
          <Label htmlFor="audit-target-id">{t("targetId")}</Label>
          <Input
            id="audit-target-id"
            className="w-72 font-mono text-xs"
            placeholder={t("targetIdPlaceholder")}
            value={targetId}
            onChange={(e) => setTargetId(e.target.value)}
          />
        </div>
        {filtered ? (
          <Button
            variant="ghost"
            onClick={() => {
              setTargetId("");
              go({});
            }}
          >
            <X aria-hidden="true" />
            {t("reset")}
          </Button>
        ) : null}
      </section>

      {log.isError && !log.data ? (
        <QueryError error={log.error} title={t("loadError")} onRetry={() => void log.refetch()} />
      ) : log.data && entries.length === 0 ? (
        <StateMessage kind="empty" title={t("emptyTitle")} description={t("emptyBody")} />
      ) : (
        <>
          <Table caption={t("table")} aria-busy={log.isFetching} data-testid="audit-table">
            <TableHeader>
              <TableRow className="hover:bg-transparent">
                <TableHead>{t("columns.at")}</TableHead>
                <TableHead>{t("columns.actor")}</TableHead>
                <TableHead>{t("columns.action")}</TableHead>
                <TableHead>{t("columns.target")}</TableHead>
                <TableHead>{t("columns.detail")}</TableHead>
                <TableHead>{t("columns.ip")}</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {!log.data
                ? Array.from({ length: 6 }, (_, i) => (
                    <TableRow key={i}>
                      {Array.from({ length: 6 }, (_, j) => (
                        <TableCell key={j}>
                          <Skeleton className="h-4 w-full max-w-32" />
                        </TableCell>
                      ))}
                    </TableRow>
                  ))
                : entries.map((entry) => (
                    <Entry key={entry.id} entry={entry} userEmail={entry.target_id ? users.data?.get(entry.target_id)?.email : undefined} />
                  ))}
            </TableBody>
          </Table>
          {log.hasNextPage ? (
            <div className="mt-3 flex justify-center">
              <Button variant="outline" onClick={() => void log.fetchNextPage()} disabled={log.isFetchingNextPage}>
                {log.isFetchingNextPage ? <Spinner /> : null}
                {t("loadMore")}
              </Button>
            </div>
          ) : null}
        </>
      )}
    </>
  );
}
