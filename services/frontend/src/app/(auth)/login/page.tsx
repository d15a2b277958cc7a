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

import { useCountdown } from "@/components/auth/use-countdown";
import { useNextAfterSignIn } from "@/components/auth/use-redirect-when-signed-in";
import { looksLikeEmail } from "@/lib/validation";

function LoginForm() {
  const t = useTranslations("auth");
  const te = useTranslations("errors");
  const { client, session } = useApi();
  const router = useRouter();
  const next = useNextAfterSignIn();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [fieldErrors, setFieldErrors] = useState<{ email?: string; password?: string }>({});
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [lockedUntil, setLockedUntil] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const wait = useCountdown(lockedUntil);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problems = {
      email: looksLikeEmail(email) ? undefined : t("emailInvalid"),
      password: password ? undefined : t("passwordRequired"),
    };
    setFieldErrors(problems);
    if (problems.email || problems.password) return;
    setBusy(true);
    setError(null);
    try {
      const result = await client.POST("/api/v1/auth/login", { body: { email: email.trim(), password } });
      if (result.response.ok && result.data) {
        session.signIn(result.data);
        router.replace(next);
        return;
      }
      const apiError = errorFromBody(result.response, result.error);
      if (apiError.status === 429 && apiError.retryAfter) setLockedUntil(Date.now() + apiError.retryAfter * 1000);
      setError(apiError);
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
          <h1>{t("loginTitle")}</h1>
        </CardTitle>
        <CardDescription>{t("loginSubtitle")}</CardDescription>
      </CardHeader>
      <form onSubmit={submit} noValidate>
        <CardContent className="grid gap-4">
          {error ? (
            <Alert variant="destructive">
              {wait > 0 ? waitMessage(te, wait) : describeError(te, error)}
            </Alert>
          ) : null}
          <Field label={t("email")} error={fieldErrors.email}>
            <Input type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
          </Field>
          <Field label={t("password")} error={fieldErrors.password}>
            <Input
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
            />
          </Field>
        </CardContent>
        <CardFooter className="flex-col items-stretch gap-3">
          <Button type="submit" disabled={busy || wait > 0}>
            {busy ? <Spinner /> : null}
            {wait > 0 ? t("waitButton", { time: clock(wait) }) : t("loginButton")}
          </Button>
          <p className="text-center text-sm text-muted-foreground">
            {t("noAccount")}{" "}
            <Link className="font-medium text-primary underline-offset-4 hover:underline" href={`/register?next=${encodeURIComponent(next)}`}>
              {t("registerLink")}
            </Link>
          </p>
        </CardFooter>
      </form>
    </Card>
  );
}

export default function LoginPage() {
  return (
    <Suspense>
      <LoginForm />
    </Suspense>
  );
}
