"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { Suspense } from "react";
import { useTranslations } from "use-intl";

import { LoginForm } from "@zimage/web/app-shell/login-form";

import { safeNext } from "@/lib/navigation";

function UserLogin() {
  const t = useTranslations("auth");
  const next = safeNext(useSearchParams().get("next"));
  return (
    <LoginForm
      next={next}
      footer={
        <p className="text-center text-sm text-muted-foreground">
          {t("noAccount")}{" "}
          <Link className="font-medium text-primary underline-offset-4 hover:underline" href={`/register?next=${encodeURIComponent(next)}`}>
            {t("registerLink")}
          </Link>
        </p>
      }
    />
  );
}

export default function LoginPage() {
  return (
    <Suspense>
      <UserLogin />
    </Suspense>
  );
}
