"use client";

import Link from "next/link";
import { useTranslations } from "use-intl";

import { Button } from "@zimage/web/ui/button";
import { StateMessage } from "@zimage/web/ui/state";

export default function NotFound() {
  const t = useTranslations("common");
  const ta = useTranslations("shell");
  return (
    <main className="mx-auto flex min-h-dvh max-w-lg items-center px-4">
      <StateMessage
        kind="empty"
        className="w-full"
        title={t("notFoundTitle")}
        description={t("notFoundBody")}
        action={
          <Button asChild>
            <Link href="/dashboard">{ta("toDashboard")}</Link>
          </Button>
        }
      />
    </main>
  );
}
