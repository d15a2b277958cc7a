"use client";

import { Toaster } from "../ui/toaster";
import { useTranslations } from "use-intl";

export function Toasts() {
  const t = useTranslations("common");
  return <Toaster closeLabel={t("close")} />;
}
