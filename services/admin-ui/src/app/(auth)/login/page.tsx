"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useEffect, useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";

import { errorFromBody, useApi, useSession, type ApiError } from "@zimage/web/api";
import { clock, describeError, waitMessage } from "@zimage/web/i18n";
import { looksLikeEmail } from "@zimage/web/lib/email";
import { useCountdown } from "@zimage/web/lib/use-countdown";
import { Alert } from "@zimage/web/ui/alert";
import { Button } from "@zimage/web/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@zimage/web/ui/card";
import { Field } from "@zimage/web/ui/field";
import { Input } from "@zimage/web/ui/input";
import { Spinner } from "@zimage/web/ui/spinner";

import { safeNext } from "@/lib/navigation";

function LoginForm() {
  const t = useTranslations("auth");
  const te = useTranslations("errors");
  const { client, session } = useApi();
  const router = useRouter();
  const next = safeNext(useSearchParams().get("next"));
  const status = useSession((s) => s.status);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [fieldErrors, setFieldErrors] = useState<{ email?: string; password?: string }>({});
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [lockedUntil, setLockedUntil] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const wait = useCountdown(lockedUntil);

  // Already signed in (or just signed in): the admin pages decide whether this account may enter.
  useEffect(() => {
    if (status === "signedIn") router.replace(next);
  }, [status, next, router]);

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
          {error ? <Alert variant="destructive">{wait > 0 ? waitMessage(te, wait) : describeError(te, error)}</Alert> : null}
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
