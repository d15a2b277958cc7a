"use client";

import { useTranslations } from "use-intl";

import { NotFoundPage } from "@zimage/web/app-shell/not-found";

export default function NotFound() {
  const t = useTranslations("common");
  return <NotFoundPage home="/generate" homeLabel={t("home")} />;
}
