"use client";

import { Toaster } from "@zimage/web/ui/toaster";
import { useTranslations } from "use-intl";

export function Toasts() {
  const t = useTranslations("common");
  return <Toaster closeLabel={t("close")} />;
}
