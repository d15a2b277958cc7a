"use client";

import { LogOut, MonitorSmartphone } from "lucide-react";
import { useRouter } from "next/navigation";
import { useEffect, useState, type FormEvent } from "react";
import { useFormatter, useTranslations } from "use-intl";

import { ApiError, useApi, useMe, useUpdateMe, useUsage } from "@zimage/web/api";
import { describeError } from "@zimage/web/i18n";
import { Alert } from "@zimage/web/ui/alert";
import { Button } from "@zimage/web/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@zimage/web/ui/card";
import { Field } from "@zimage/web/ui/field";
import { Input } from "@zimage/web/ui/input";
import { Progress } from "@zimage/web/ui/progress";
import { Skeleton } from "@zimage/web/ui/skeleton";
import { Spinner } from "@zimage/web/ui/spinner";
import { StateMessage } from "@zimage/web/ui/state";
import { toast } from "@zimage/web/ui/toaster";

import { DISPLAY_NAME_MAX, passwordProblem, PASSWORD_MIN } from "@/lib/validation";

function ProfileCard() {
  const t = useTranslations("account");
  const tc = useTranslations("common");
  const te = useTranslations("errors");
  const me = useMe();
  const update = useUpdateMe();
  const [name, setName] = useState("");
  const [edited, setEdited] = useState(false);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    // fill the field from the server, but never over what the user already typed
    if (me.data && !edited) setName(me.data.display_name);
  }, [me.data, edited]);

  function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return setError(t("displayNameRequired"));
    if (trimmed.length > DISPLAY_NAME_MAX) return setError(t("displayNameTooLong", { max: DISPLAY_NAME_MAX }));
    setError(undefined);
    update.mutate({ display_name: trimmed }, { onSuccess: () => toast(tc("saved")) });
  }

  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("profile")}</CardTitle>
        <CardDescription>{me.data?.email}</CardDescription>
      </CardHeader>
      <form onSubmit={submit} noValidate>
        <CardContent className="grid gap-3">
          {me.isPending ? <Skeleton className="h-10" /> : null}
          {me.isError ? <Alert variant="destructive">{describeError(te, me.error)}</Alert> : null}
          {update.isError ? <Alert variant="destructive">{describeError(te, update.error)}</Alert> : null}
          <Field label={t("displayName")} error={error}>
            <Input
              value={name}
              onChange={(e) => {
                setEdited(true);
                setName(e.target.value);
              }}
              autoComplete="nickname"
            />
          </Field>
        </CardContent>
        <CardFooter>
          <Button type="submit" disabled={update.isPending || !me.data}>
            {update.isPending ? <Spinner /> : null}
            {tc("save")}
          </Button>
        </CardFooter>
      </form>
    </Card>
  );
}

function PasswordCard() {
  const t = useTranslations("account");
  const ta = useTranslations("auth");
  const te = useTranslations("errors");
  const me = useMe();
  const update = useUpdateMe();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [errors, setErrors] = useState<{ current?: string; next?: string; confirm?: string }>({});

  function submit(event: FormEvent) {
    event.preventDefault();
    const problem = passwordProblem(next, me.data?.email ?? "");
    const found = {
      current: current ? undefined : t("currentRequired"),
      next: problem ? ta(`password_${problem}`, { min: PASSWORD_MIN }) : undefined,
      confirm: confirm === next ? undefined : ta("confirmMismatch"),
    };
    setErrors(found);
    if (found.current || found.next || found.confirm) return;
    update.mutate(
      { current_password: current, new_password: next },
      {
        onSuccess: () => {
          setCurrent("");
          setNext("");
          setConfirm("");
          toast(t("passwordChanged"));
        },
        onError: (error) => {
          if (error instanceof ApiError && error.code === "WrongCurrentPassword") setErrors({ current: te("WrongCurrentPassword") });
          else if (error instanceof ApiError && error.code === "WeakPassword") setErrors({ next: `${te("WeakPassword")} (${error.detail})` });
        },
      },
    );
  }

  const otherError = update.error instanceof ApiError && ["WrongCurrentPassword", "WeakPassword"].includes(update.error.code) ? null : update.error;

  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("password")}</CardTitle>
        <CardDescription>{t("passwordNote")}</CardDescription>
      </CardHeader>
      <form onSubmit={submit} noValidate>
        <CardContent className="grid gap-3">
          {otherError ? <Alert variant="destructive">{describeError(te, otherError)}</Alert> : null}
          <Field label={t("currentPassword")} error={errors.current}>
            <Input type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
          </Field>
          <Field label={t("newPassword")} hint={ta("passwordHint", { min: PASSWORD_MIN })} error={errors.next}>
            <Input type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} />
          </Field>
          <Field label={ta("confirmPassword")} error={errors.confirm}>
            <Input type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} />
          </Field>
        </CardContent>
        <CardFooter>
          <Button type="submit" disabled={update.isPending}>
            {update.isPending ? <Spinner /> : null}
            {t("changePassword")}
          </Button>
        </CardFooter>
      </form>
    </Card>
  );
}

function UsageCard() {
  const t = useTranslations("account");
  const te = useTranslations("errors");
  const format = useFormatter();
  const usage = useUsage();
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("usage")}</CardTitle>
        <CardDescription>{t("usageNote")}</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        {usage.isPending ? (
          <Skeleton className="h-20" />
        ) : usage.isError ? (
          <StateMessage kind="error" title={t("usageError")} description={describeError(te, usage.error)} />
        ) : (
          <>
            <div className="grid gap-1.5" data-testid="usage-today">
              <div className="flex justify-between text-sm">
                <span>{t("imagesToday")}</span>
                <span className="tabular-nums font-medium">
                  {usage.data.images_today} / {usage.data.images_per_day}
                </span>
              </div>
              <Progress value={usage.data.images_today} max={usage.data.images_per_day} aria-label={t("imagesToday")} />
              <p className="text-xs text-muted-foreground">
                {t("resetsAt", { time: format.dateTime(new Date(usage.data.resets_at), { dateStyle: "medium", timeStyle: "short" }) })}
              </p>
            </div>
            <div className="flex justify-between text-sm">
              <span>{t("activeTasks")}</span>
              <span className="tabular-nums font-medium">
                {usage.data.active_tasks} / {usage.data.max_active_tasks}
              </span>
            </div>
          </>
        )}
      </CardContent>
    </Card>
  );
}

function SessionsCard() {
  const t = useTranslations("account");
  const ts = useTranslations("shell");
  const { session } = useApi();
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const signOut = async (everywhere: boolean) => {
    setBusy(true);
    await session.signOut({ everywhere }).catch(() => undefined);
    router.replace("/login");
  };
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("sessions")}</CardTitle>
        <CardDescription>{t("sessionsNote")}</CardDescription>
      </CardHeader>
      <CardFooter className="flex-wrap">
        <Button variant="outline" disabled={busy} onClick={() => void signOut(false)}>
          <LogOut aria-hidden="true" />
          {ts("logout")}
        </Button>
        <Button variant="destructive" disabled={busy} onClick={() => void signOut(true)}>
          <MonitorSmartphone aria-hidden="true" />
          {ts("logoutEverywhere")}
        </Button>
      </CardFooter>
    </Card>
  );
}

export function AccountView() {
  const t = useTranslations("account");
  return (
    <div className="grid gap-5">
      <h1 className="text-2xl font-bold tracking-tight">{t("title")}</h1>
      <div className="grid gap-5 lg:grid-cols-2">
        <UsageCard />
        <ProfileCard />
        <PasswordCard />
        <SessionsCard />
      </div>
    </div>
  );
}
