"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import { useTranslations } from "use-intl";

import { Button } from "../ui/button";
import { StateMessage } from "../ui/state";

/** The page for an unknown address, with a way back to the app's start page (`home`, labelled `homeLabel`). */
export function NotFoundPage({ home, homeLabel }: { home: string; homeLabel: ReactNode }) {
  const t = useTranslations("common");
  return (
    <main className="mx-auto flex min-h-dvh max-w-lg items-center px-4">
      <StateMessage
        kind="empty"
        className="w-full"
        title={t("notFoundTitle")}
        description={t("notFoundBody")}
        action={
          <Button asChild>
            <Link href={home}>{homeLabel}</Link>
          </Button>
        }
      />
    </main>
  );
}
