"use client";

import { ClipboardCheck, KeyRound, ShieldCheck, ShieldOff, UserCheck, UserX } from "lucide-react";
import { useMemo, useState } from "react";
import { useFormatter, useLocale, useNow, useTranslations } from "use-intl";

import {
  useAdminStats,
  useAdminUser,
  useMe,
  useUpdateAdminUser,
  type AdminUserOut,
  type AdminUserUpdate,
} from "@zimage/web/api";
import { describeError, TIME_ZONE } from "@zimage/web/i18n";
import { presetRange, rangeQuery } from "@zimage/web/lib/date-range";
import { formatInteger } from "@zimage/web/lib/format";
import { Alert } from "@zimage/web/ui/alert";
import { Badge } from "@zimage/web/ui/badge";
import { Button } from "@zimage/web/ui/button";
import { ConfirmDialog } from "@zimage/web/ui/confirm-dialog";
import { Sheet, SheetContent, SheetDescription, SheetHeader, SheetTitle } from "@zimage/web/ui/sheet";
import { Skeleton } from "@zimage/web/ui/skeleton";
import { toast } from "@zimage/web/ui/toaster";
import { QueryError } from "@zimage/web/app-shell/query-state";

import { TimeBarChart } from "@/components/charts";
import { imageRows } from "@/lib/stats";

import { ActiveBadge, RoleBadge } from "./badges";
import { PasswordResetAction } from "./password-reset";
import { QuotaForm } from "./quota-form";

type Change = "makeAdmin" | "makeReviewer" | "makeUser" | "deactivate" | "activate";

const PATCH: Record<Change, AdminUserUpdate> = {
  makeAdmin: { role: "admin" },
  makeReviewer: { role: "reviewer" },
  makeUser: { role: "user" },
  deactivate: { is_active: false },
  activate: { is_active: true },
};

const CONFIRM: Record<Change, { title: string; body: string }> = {
  makeAdmin: { title: "confirmMakeAdminTitle", body: "confirmMakeAdminBody" },
  makeReviewer: { title: "confirmMakeReviewerTitle", body: "confirmMakeReviewerBody" },
  makeUser: { title: "confirmMakeUserTitle", body: "confirmMakeUserBody" },
  deactivate: { title: "confirmDeactivateTitle", body: "confirmDeactivateBody" },
  activate: { title: "confirmActivateTitle", body: "confirmActivateBody" },
};

function Usage({ user }: { user: AdminUserOut }) {
  const t = useTranslations("userDrawer");
  const td = useTranslations("dashboard.charts");
  const locale = useLocale();
  const range = useMemo(() => presetRange("30d", new Date(), TIME_ZONE), []);
  const query = useMemo(() => ({ ...rangeQuery(range, TIME_ZONE), user_id: user.id }), [range, user.id]);
  const stats = useAdminStats(query);
  if (stats.isError) return <Alert variant="destructive">{t("usageError")}</Alert>;
  if (!stats.data) return <Skeleton className="h-[180px] w-full" />;
  if (stats.data.totals.tasks === 0) return <p className="text-sm text-muted-foreground">{t("usageEmpty")}</p>;
  const rows = imageRows(stats.data, range, locale, TIME_ZONE);
  return (
    <TimeBarChart
      rows={rows}
      x="label"
      xLabel={t("usage")}
      caption={t("usage")}
      height={180}
      format={(v) => formatInteger(v, locale)}
      series={[
        { key: "images", label: td("seriesImages"), tone: "primary" },
        { key: "failures", label: td("seriesFailures"), tone: "danger" },
      ]}
    />
  );
}

function Details({ user }: { user: AdminUserOut }) {
  const t = useTranslations("userDrawer");
  const tc = useTranslations("common");
  const te = useTranslations("errors");
  const tu = useTranslations("users");
  const format = useFormatter();
  const now = useNow({ updateInterval: 30_000 });
  const locale = useLocale();
  const me = useMe();
  const update = useUpdateAdminUser();
  const [pending, setPending] = useState<Change | null>(null);
  const self = me.data?.id === user.id;

  const confirm = async () => {
    if (!pending) return;
    try {
      await update.mutateAsync({ id: user.id, patch: PATCH[pending] });
      toast(t("updated"));
      setPending(null);
    } catch {
      // shown in the dialog
    }
  };
  const ask = (change: Change) => {
    update.reset();
    setPending(change);
  };

  return (
    <div className="grid gap-6">
      <SheetHeader>
        <SheetTitle className="flex flex-wrap items-center gap-2">
          {user.display_name}
          {self ? <Badge variant="outline">{t("you")}</Badge> : null}
        </SheetTitle>
        <SheetDescription>{user.email}</SheetDescription>
        <div className="flex gap-2 pt-1">
          <RoleBadge role={user.role} />
          <ActiveBadge active={user.is_active} />
        </div>
      </SheetHeader>

      <dl className="grid grid-cols-3 gap-3 rounded-lg border p-3 text-sm">
        <div>
          <dt className="text-xs text-muted-foreground">{tu("columns.created_at")}</dt>
          <dd className="tabular-nums">{format.dateTime(new Date(user.created_at), { dateStyle: "medium" })}</dd>
        </div>
        <div>
          <dt className="text-xs text-muted-foreground">{t("lastLogin")}</dt>
          <dd className="tabular-nums">{user.last_login_at ? format.relativeTime(new Date(user.last_login_at), now) : tu("never")}</dd>
        </div>
        <div>
          <dt className="text-xs text-muted-foreground">{t("imagesThisMonth")}</dt>
          <dd className="tabular-nums" data-testid="drawer-images-month">{formatInteger(user.images_this_month, locale)}</dd>
        </div>
      </dl>

      <section aria-labelledby="usage-heading" className="grid gap-2">
        <h3 id="usage-heading" className="text-sm font-semibold">{t("usage")}</h3>
        <Usage user={user} />
      </section>

      <QuotaForm user={user} />

      <section aria-labelledby="actions-heading" className="grid gap-2">
        <h3 id="actions-heading" className="text-sm font-semibold">{t("actions")}</h3>
        {self ? <p className="text-xs text-muted-foreground">{t("selfNote")}</p> : null}
        <div className="flex flex-wrap gap-2">
          {user.role !== "user" ? (
            <Button variant="outline" disabled={self} onClick={() => ask("makeUser")}>
              <ShieldOff aria-hidden="true" />
              {t("makeUser")}
            </Button>
          ) : null}
          {user.role !== "reviewer" ? (
            <Button variant="outline" disabled={self} onClick={() => ask("makeReviewer")}>
              <ClipboardCheck aria-hidden="true" />
              {t("makeReviewer")}
            </Button>
          ) : null}
          {user.role !== "admin" ? (
            <Button variant="outline" onClick={() => ask("makeAdmin")}>
              <ShieldCheck aria-hidden="true" />
              {t("makeAdmin")}
            </Button>
          ) : null}
          {user.is_active ? (
            <Button variant="outline" className="text-destructive" disabled={self} onClick={() => ask("deactivate")}>
              <UserX aria-hidden="true" />
              {t("deactivate")}
            </Button>
          ) : (
            <Button variant="outline" onClick={() => ask("activate")}>
              <UserCheck aria-hidden="true" />
              {t("activate")}
            </Button>
          )}
          <PasswordResetAction user={user} icon={<KeyRound aria-hidden="true" />} />
        </div>
      </section>

      <ConfirmDialog
        open={pending !== null}
        onOpenChange={(open) => !open && setPending(null)}
        title={pending ? t(CONFIRM[pending].title as "confirmMakeAdminTitle") : ""}
        description={pending ? t(CONFIRM[pending].body as "confirmMakeAdminBody", { email: user.email }) : ""}
        confirmLabel={pending ? t(pending) : ""}
        cancelLabel={tc("cancel")}
        destructive={pending === "deactivate" || pending === "makeUser"}
        busy={update.isPending}
        onConfirm={() => void confirm()}
      >
        {update.error ? <Alert variant="destructive">{describeError(te, update.error)}</Alert> : null}
      </ConfirmDialog>
    </div>
  );
}

/** The drawer for one user (?user=<id>): who they are, their usage, their limits, and what an admin can do. */
export function UserDrawer({ userId, onClose }: { userId: string | null; onClose: () => void }) {
  const t = useTranslations("userDrawer");
  const tc = useTranslations("common");
  const user = useAdminUser(userId);
  return (
    <Sheet open={userId !== null} onOpenChange={(open) => !open && onClose()}>
      <SheetContent closeLabel={tc("close")} data-testid="user-drawer" aria-describedby={undefined}>
        {user.data ? (
          <Details user={user.data} />
        ) : user.isError ? (
          <>
            <SheetTitle>{t("title")}</SheetTitle>
            <QueryError error={user.error} title={t("loadError")} onRetry={() => void user.refetch()} />
          </>
        ) : (
          <>
            <SheetTitle className="sr-only">{t("title")}</SheetTitle>
            <Skeleton className="h-7 w-48" />
            <Skeleton className="h-4 w-64" />
            <Skeleton className="h-40 w-full" />
          </>
        )}
      </SheetContent>
    </Sheet>
  );
}
