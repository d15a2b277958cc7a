"use client";

import { useTranslations } from "use-intl";

import { NotFoundPage } from "@zimage/web/app-shell/not-found";

export default function NotFound() {
  const t = useTranslations("shell");
  return <NotFoundPage home="/dashboard" homeLabel={t("toDashboard")} />;
}
