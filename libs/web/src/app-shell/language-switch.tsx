"use client";

import { Languages } from "lucide-react";
import { useRouter } from "next/navigation";
import { useTransition } from "react";
import { useLocale, useTranslations } from "use-intl";

import { Button } from "../ui/button";
import { setLocaleCookie, type Locale } from "../i18n";

/** Korean ⇄ English; the choice is a cookie, so the server renders the next page in it too. */
export function LanguageSwitch() {
  const locale = useLocale() as Locale;
  const t = useTranslations("shell");
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const other: Locale = locale === "ko" ? "en" : "ko";
  return (
    <Button
      variant="ghost"
      size="sm"
      disabled={pending}
      lang={other}
      aria-label={t("switchLanguage")}
      onClick={() => {
        setLocaleCookie(other);
        startTransition(() => router.refresh());
      }}
    >
      <Languages aria-hidden="true" />
      {other === "en" ? "English" : "한국어"}
    </Button>
  );
}
