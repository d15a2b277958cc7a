"use client";

import { useTranslations } from "use-intl";

import { Button } from "../ui/button";
import { StateMessage } from "../ui/state";

/** A page that crashed while rendering: say so, offer a retry, keep the rest of the app usable. */
export function PageError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const t = useTranslations("common");
  return (
    <main className="mx-auto flex min-h-[60dvh] max-w-lg items-center px-4">
      <StateMessage
        kind="error"
        className="w-full"
        title={t("errorTitle")}
        description={t("errorBody")}
        action={<Button variant="outline" onClick={reset}>{t("retry")}</Button>}
      />
    </main>
  );
}
