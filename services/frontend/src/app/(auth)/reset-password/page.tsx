"use client";

import { CheckCircle2 } from "lucide-react";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { Suspense, useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";

import { errorFromBody, useApi, type ApiError } from "@zimage/web/api";
import { describeError } from "@zimage/web/i18n";
import { Alert } from "@zimage/web/ui/alert";
import { Button } from "@zimage/web/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@zimage/web/ui/card";
import { Field } from "@zimage/web/ui/field";
import { Input } from "@zimage/web/ui/input";
import { Spinner } from "@zimage/web/ui/spinner";

import { passwordProblem, PASSWORD_MIN } from "@/lib/validation";

/** A new password with the one-time token from an administrator's reset link (?token=...), then sign-in. */
function ResetForm() {
  const t = useTranslations("auth");
  const te = useTranslations("errors");
  const { client } = useApi();
  const token = useSearchParams().get("token") ?? "";
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [fieldErrors, setFieldErrors] = useState<{ password?: string; confirm?: string }>({});
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problem = passwordProblem(password, "");
    const problems = {
      password: problem ? t(`password_${problem}`, { min: PASSWORD_MIN }) : undefined,
      confirm: confirm === password ? undefined : t("confirmMismatch"),
    };
    setFieldErrors(problems);
    if (problems.password || problems.confirm) return;
    setBusy(true);
    setError(null);
    try {
      const result = await client.POST("/api/v1/auth/password-reset", { body: { token, new_password: password } });
      if (result.response.ok) {
        setDone(true);
        return;
      }
      const apiError = errorFromBody(result.response, result.error);
      if (apiError.code === "WeakPassword") setFieldErrors({ password: `${te("WeakPassword")} (${apiError.detail})` });
      else setError(apiError);
    } catch (caught) {
      setError(caught as Error);
    } finally {
      setBusy(false);
    }
  }

  if (done) {
    return (
      <Card className="w-full max-w-md" data-testid="reset-done">
        <CardHeader className="items-center text-center">
          <CheckCircle2 aria-hidden="true" className="size-10 text-emerald-600" />
          <CardTitle asChild>
            <h1>{t("resetDoneTitle")}</h1>
          </CardTitle>
          <CardDescription>{t("resetDoneBody")}</CardDescription>
        </CardHeader>
        <CardFooter className="justify-center">
          <Button asChild>
            <Link href="/login">{t("resetToLogin")}</Link>
          </Button>
        </CardFooter>
      </Card>
    );
  }

  return (
    <Card className="w-full max-w-md">
      <CardHeader>
        <CardTitle asChild>
          <h1>{t("resetTitle")}</h1>
        </CardTitle>
        <CardDescription>{t("resetSubtitle")}</CardDescription>
      </CardHeader>
      {!token ? (
        <CardContent>
          <Alert variant="destructive">{t("resetNoToken")}</Alert>
        </CardContent>
      ) : (
        <form onSubmit={submit} noValidate>
          <CardContent className="grid gap-4">
            {error ? <Alert variant="destructive">{describeError(te, error)}</Alert> : null}
            <Field label={t("newPassword")} hint={t("passwordHint", { min: PASSWORD_MIN })} error={fieldErrors.password}>
              <Input type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
            </Field>
            <Field label={t("confirmPassword")} error={fieldErrors.confirm}>
              <Input type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} />
            </Field>
          </CardContent>
          <CardFooter>
            <Button type="submit" className="w-full" disabled={busy}>
              {busy ? <Spinner /> : null}
              {t("resetButton")}
            </Button>
          </CardFooter>
        </form>
      )}
      <CardFooter className="justify-center">
        <Link className="text-sm font-medium text-primary underline-offset-4 hover:underline" href="/login">
          {t("resetToLogin")}
        </Link>
      </CardFooter>
    </Card>
  );
}

export default function ResetPasswordPage() {
  return (
    <Suspense>
      <ResetForm />
    </Suspense>
  );
}
