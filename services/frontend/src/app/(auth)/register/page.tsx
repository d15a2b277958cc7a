"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { Suspense, useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";

import { errorFromBody, useApi, type ApiError } from "@zimage/web/api";
import { clock, describeError, waitMessage } from "@zimage/web/i18n";
import { Alert } from "@zimage/web/ui/alert";
import { Button } from "@zimage/web/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@zimage/web/ui/card";
import { Field } from "@zimage/web/ui/field";
import { Input } from "@zimage/web/ui/input";
import { Spinner } from "@zimage/web/ui/spinner";
import { looksLikeEmail } from "@zimage/web/lib/email";
import { useCountdown } from "@zimage/web/lib/use-countdown";

import { useNextAfterSignIn } from "@/components/auth/use-redirect-when-signed-in";
import { DISPLAY_NAME_MAX, passwordProblem, PASSWORD_MIN } from "@/lib/validation";

type Fields = "displayName" | "email" | "password" | "confirm";

function RegisterForm() {
  const t = useTranslations("auth");
  const te = useTranslations("errors");
  const { client, session } = useApi();
  const router = useRouter();
  const next = useNextAfterSignIn();
  const [values, setValues] = useState<Record<Fields, string>>({ displayName: "", email: "", password: "", confirm: "" });
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Fields, string>>>({});
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [lockedUntil, setLockedUntil] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const wait = useCountdown(lockedUntil);

  const set = (name: Fields) => (e: { target: { value: string } }) => setValues((v) => ({ ...v, [name]: e.target.value }));

  function validate(): Partial<Record<Fields, string>> {
    const out: Partial<Record<Fields, string>> = {};
    const name = values.displayName.trim();
    if (!name) out.displayName = t("displayNameRequired");
    else if (name.length > DISPLAY_NAME_MAX) out.displayName = t("displayNameTooLong", { max: DISPLAY_NAME_MAX });
    if (!looksLikeEmail(values.email)) out.email = t("emailInvalid");
    const problem = passwordProblem(values.password, values.email);
    if (problem) out.password = t(`password_${problem}`, { min: PASSWORD_MIN });
    if (values.confirm !== values.password) out.confirm = t("confirmMismatch");
    return out;
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problems = validate();
    setFieldErrors(problems);
    if (Object.values(problems).some(Boolean)) return;
    setBusy(true);
    setError(null);
    const email = values.email.trim();
    try {
      const created = await client.POST("/api/v1/auth/register", {
        body: { email, password: values.password, display_name: values.displayName.trim() },
      });
      if (!created.response.ok) {
        const apiError = errorFromBody(created.response, created.error);
        if (apiError.status === 429 && apiError.retryAfter) setLockedUntil(Date.now() + apiError.retryAfter * 1000);
        if (apiError.code === "EmailTaken") setFieldErrors({ email: te("EmailTaken") });
        else if (apiError.code === "WeakPassword") setFieldErrors({ password: `${te("WeakPassword")} (${apiError.detail})` });
        else setError(apiError);
        return;
      }
      const login = await client.POST("/api/v1/auth/login", { body: { email, password: values.password } });
      if (login.response.ok && login.data) {
        session.signIn(login.data);
        router.replace(next);
      } else {
        router.replace(`/login?next=${encodeURIComponent(next)}`);
      }
    } catch (caught) {
      setError(caught as Error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card className="w-full max-w-md">
      <CardHeader>
        <CardTitle asChild>
          <h1>{t("registerTitle")}</h1>
        </CardTitle>
        <CardDescription>{t("registerSubtitle")}</CardDescription>
      </CardHeader>
      <form onSubmit={submit} noValidate>
        <CardContent className="grid gap-4">
          {error ? (
            <Alert variant="destructive">
              {wait > 0 ? waitMessage(te, wait) : describeError(te, error)}
            </Alert>
          ) : null}
          <Field label={t("displayName")} error={fieldErrors.displayName}>
            <Input autoComplete="nickname" value={values.displayName} onChange={set("displayName")} maxLength={DISPLAY_NAME_MAX + 20} />
          </Field>
          <Field label={t("email")} error={fieldErrors.email}>
            <Input type="email" autoComplete="email" value={values.email} onChange={set("email")} />
          </Field>
          <Field label={t("password")} hint={t("passwordHint", { min: PASSWORD_MIN })} error={fieldErrors.password}>
            <Input type="password" autoComplete="new-password" value={values.password} onChange={set("password")} />
          </Field>
          <Field label={t("confirmPassword")} error={fieldErrors.confirm}>
            <Input type="password" autoComplete="new-password" value={values.confirm} onChange={set("confirm")} />
          </Field>
        </CardContent>
        <CardFooter className="flex-col items-stretch gap-3">
          <Button type="submit" disabled={busy || wait > 0}>
            {busy ? <Spinner /> : null}
            {wait > 0 ? t("waitButton", { time: clock(wait) }) : t("registerButton")}
          </Button>
          <p className="text-center text-sm text-muted-foreground">
            {t("haveAccount")}{" "}
            <Link className="font-medium text-primary underline-offset-4 hover:underline" href={`/login?next=${encodeURIComponent(next)}`}>
              {t("loginLink")}
            </Link>
          </p>
        </CardFooter>
      </form>
    </Card>
  );
}

export default function RegisterPage() {
  return (
    <Suspense>
      <RegisterForm />
    </Suspense>
  );
}
