"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState, type FormEvent, type ReactNode } from "react";
import { useTranslations } from "use-intl";

import { errorFromBody, useApi, useSession, type ApiError } from "../api";
import { clock, describeError, waitMessage } from "../i18n";
import { looksLikeEmail } from "../lib/email";
import { useCountdown } from "../lib/use-countdown";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "../ui/card";
import { Field } from "../ui/field";
import { Input } from "../ui/input";
import { Spinner } from "../ui/spinner";

/**
 * Both apps' sign-in card: email and password, the lock-out countdown after a 429. Once a session exists (already,
 * or just signed in) it goes to `next`; `footer` is the app's own line under the button.
 */
export function LoginForm({ next, footer }: { next: string; footer?: ReactNode }) {
  const t = useTranslations("auth");
  const te = useTranslations("errors");
  const { client, session } = useApi();
  const router = useRouter();
  const status = useSession((s) => s.status);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [fieldErrors, setFieldErrors] = useState<{ email?: string; password?: string }>({});
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [lockedUntil, setLockedUntil] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const wait = useCountdown(lockedUntil);

  // Already signed in (or just signed in); in admin-ui the admin pages decide whether this account may enter.
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
          {footer}
        </CardFooter>
      </form>
    </Card>
  );
}
